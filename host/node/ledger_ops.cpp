#include "node/ledger_ops.hpp"

#include <google/protobuf/util/json_util.h>

#include "common/status_codes.hpp"
#include "investors/investor_check.hpp"
#include "model/hash_lock.hpp"
#include "model/receipt_check.hpp"
#include "model/transitions.hpp"

namespace finp2p::node {

using finp2p::execution::ExecutionInstruction;

std::string ledgerAccount(const finp2p::execution::OwnerAccount& a) {
  return model::ledgerAccount(a);
}

const finp2p::common::Asset* instructionAsset(const finp2p::execution::ExecutionPlan& plan,
                                              const ExecutionInstruction& ins) {
  return model::instructionAsset(plan, ins);
}

ledger::Operation toLedgerOperation(const finp2p::execution::ExecutionPlan& plan,
                                    const ExecutionInstruction& ins, int64_t deadlineMillis) {
  ledger::Operation op;
  const std::string& planId = plan.id().id();
  op.context.planId = planId;
  op.context.sequence = ins.sequence();
  op.context.idempotencyKey = planId + "_" + std::to_string(ins.sequence());
  op.context.deadlineUnixMs = deadlineMillis;
  if (const auto* asset = instructionAsset(plan, ins)) {
    op.asset = asset->id();
    op.assetDecimals = asset->has_decimals() ? asset->decimals() : 18;
  }
  auto holdKey = [&](uint32_t seq) { return planId + "_" + std::to_string(seq); };
  switch (ins.operation_case()) {
    case ExecutionInstruction::kHold:
      op.kind = FINP2P_LEDGER_OP_HOLD;
      op.source = ledgerAccount(ins.hold().source());
      op.destination = ledgerAccount(ins.hold().destination());
      op.amount = ins.hold().amount();
      break;
    case ExecutionInstruction::kTransfer:
      op.kind = FINP2P_LEDGER_OP_TRANSFER;
      op.source = ledgerAccount(ins.transfer().source());
      op.destination = ledgerAccount(ins.transfer().destination());
      op.amount = ins.transfer().amount();
      break;
    case ExecutionInstruction::kRelease:
      op.kind = FINP2P_LEDGER_OP_RELEASE;
      op.source = ledgerAccount(ins.release().source());
      op.destination = ledgerAccount(ins.release().destination());
      op.amount = ins.release().amount();
      op.holdOperationId = holdKey(ins.release().holdinstructionsequence());
      break;
    case ExecutionInstruction::kRevertHold:
      op.kind = FINP2P_LEDGER_OP_REVERT_HOLD;
      op.source = ledgerAccount(ins.reverthold().source());
      op.destination = ledgerAccount(ins.reverthold().destination());
      op.holdOperationId = holdKey(ins.reverthold().holdinstructionsequence());
      break;
    case ExecutionInstruction::kIssue:
      op.kind = FINP2P_LEDGER_OP_ISSUE;
      op.destination = ledgerAccount(ins.issue().destination());
      op.amount = ins.issue().amount();
      break;
    case ExecutionInstruction::kRedeem:
      op.kind = FINP2P_LEDGER_OP_REDEEM;
      op.source = ledgerAccount(ins.redeem().source());
      op.amount = ins.redeem().amount();
      break;
    case ExecutionInstruction::kAwait:
      op.kind = FINP2P_LEDGER_OP_AWAIT;
      op.waitUntilUnixS = ins.await().waituntil();
      op.condition = ins.await().condition();
      break;
    default:
      break;
  }
  // A hash time-locked leg: its own kinds (an older plugin refuses them rather than making a
  // plain hold of a lock), with the lock the ledger enforces.
  switch (model::lockRole(plan, ins)) {
    case model::LockRole::kLock: {
      const auto& lock = ins.hold().hashlock();
      op.kind = FINP2P_LEDGER_OP_HASH_LOCK;
      op.hashLock = lock.hash();
      op.hashFunction = lock.hashfunction();
      op.expiryUnixS = lock.expiry();
      break;
    }
    case model::LockRole::kClaim:
      op.kind = FINP2P_LEDGER_OP_CLAIM;
      break;
    case model::LockRole::kRefund:
      op.kind = FINP2P_LEDGER_OP_REFUND;
      break;
    case model::LockRole::kNone:
      break;
  }
  // ABI 1.2: the investor signature that covers the operation, in the adapter API's JSON.
  if (auto covering = investors::coveringSignature(plan, ins.sequence())) {
    // Serializing a parsed message cannot fail; an empty string would only mean "none".
    (void)google::protobuf::util::MessageToJsonString(*covering.signature, &op.investorSignature);
    op.investorFinId = covering.finId;
  }
  return op;
}

bool isFinal(const ledger::Outcome& o) {
  return o.status != FINP2P_LEDGER_ERROR_UNAVAILABLE && o.status != FINP2P_LEDGER_PENDING;
}

bool isIndeterminate(const ledger::Outcome& o) {
  switch (o.status) {
    case FINP2P_LEDGER_ERROR_TIMEOUT:
    case FINP2P_LEDGER_ERROR_INTERNAL:
    case FINP2P_LEDGER_ERROR_UNAVAILABLE:
    case FINP2P_LEDGER_PENDING:
      return true;
    default:
      return false;
  }
}

finp2p::journal::InstructionExecuted toExecuted(uint32_t sequence, const ledger::Outcome& o,
                                                const finp2p::common::Asset* asset) {
  finp2p::journal::InstructionExecuted e;
  e.set_sequence(sequence);
  // The one mapping from the ABI's result codes to the wire's (abi.h, "Result codes", states
  // it for vendors): the ABI's 5-10 are its own numbers, not the wire's.
  using namespace finp2p::protocol;
  int32_t code = kInternal;
  switch (o.status) {
    case FINP2P_LEDGER_OK:
      code = kOk;
      break;
    case FINP2P_LEDGER_ERROR_VALIDATION:
    case FINP2P_LEDGER_ERROR_UNSUPPORTED:
    case FINP2P_LEDGER_ERROR_NOT_FOUND:
      code = kMalformed;
      break;
    case FINP2P_LEDGER_ERROR_INTENT_VALIDATION:
      code = kIntentValidation;
      break;
    case FINP2P_LEDGER_ERROR_SETTLEMENT:
      code = kSettlement;
      break;
    case FINP2P_LEDGER_ERROR_SIGNATURE:
      code = kSignature;
      break;
    case FINP2P_LEDGER_ERROR_TIMEOUT:
      code = kTimeout;
      break;
    default:  // INTERNAL, and UNAVAILABLE / PENDING if they ever reach here (the node retries them)
      code = kInternal;
      break;
  }
  e.set_code(code);
  e.set_message(o.ok() ? "" : std::string(ledger::statusName(o.status)) + ": " + o.message);
  if (o.ok() && o.receipt) {
    const auto& r = *o.receipt;
    auto* out = e.mutable_receipt();
    out->set_id(r.transactionId);
    out->set_operationtype(r.operationType);
    out->mutable_source()->set_address(r.source);
    out->mutable_destination()->set_address(r.destination);
    if (asset) *out->mutable_asset() = *asset;
    out->mutable_asset()->set_id(r.asset.empty() && asset ? asset->id() : r.asset);
    out->set_quantity(r.quantity);
    out->set_timestamp(r.timestampUnixS);
    out->mutable_transactiondetails()->set_transactionid(r.transactionId);
    out->mutable_transactiondetails()->set_operationid(r.operationId);
    if (!r.proof.empty()) out->mutable_proof()->set_signature(r.proof);
    if (!r.hashLock.empty()) {
      auto* lock = out->mutable_hashlock();
      lock->set_hash(r.hashLock);
      lock->set_hashfunction(r.hashFunction);
      lock->set_expiry(r.expiryUnixS);
      // A lock's receipt states its lock; a lookup of a claimed lock also names the preimage it
      // was claimed with (for claim watches), which is not part of the lock's execution.
      lock->set_preimage(r.operationType == "claim" ? r.preimage : "");
    }
  }
  return e;
}

ledger::Receipt toLedgerReceipt(const finp2p::receipt::Receipt& r) {
  ledger::Receipt out;
  out.transactionId = r.transactiondetails().transactionid();
  out.operationId = r.transactiondetails().operationid();
  out.operationType = r.operationtype();
  out.source = r.source().address();
  out.destination = r.destination().address();
  out.asset = r.asset().id();
  out.quantity = r.quantity();
  out.timestampUnixS = r.timestamp();
  out.proof = r.proof().signature();
  out.hashLock = r.hashlock().hash();
  out.hashFunction = r.hashlock().hashfunction();
  out.expiryUnixS = r.hashlock().expiry();
  out.preimage = r.hashlock().preimage();
  return out;
}

}  // namespace finp2p::node
