#include "model/receipt_check.hpp"

#include "model/decimal.hpp"
#include "model/hash_lock.hpp"
#include "model/transitions.hpp"

namespace finp2p::model {

using finp2p::execution::ExecutionInstruction;

std::string receiptAccount(const finp2p::accounts::AccountIdentifier& id) {
  switch (id.identifier_case()) {
    case finp2p::accounts::AccountIdentifier::kFinp2P:
      return id.finp2p().finid();
    case finp2p::accounts::AccountIdentifier::kAddress:
      return id.address();
    case finp2p::accounts::AccountIdentifier::kIban:
      return id.iban();
    default:
      return "";
  }
}

std::string ledgerAccount(const finp2p::execution::OwnerAccount& a) {
  std::string account = receiptAccount(a.account());
  return account.empty() ? a.owner().id() : account;
}

const finp2p::common::Asset* instructionAsset(const finp2p::execution::ExecutionPlan& plan,
                                              const ExecutionInstruction& ins) {
  switch (ins.operation_case()) {
    case ExecutionInstruction::kHold:
      return &ins.hold().asset();
    case ExecutionInstruction::kTransfer:
      return &ins.transfer().asset();
    case ExecutionInstruction::kRelease:
      return &ins.release().asset();
    case ExecutionInstruction::kIssue:
      return &ins.issue().asset();
    case ExecutionInstruction::kRedeem:
      return &ins.redeem().asset();
    case ExecutionInstruction::kAwait:
      return ins.await().condition().empty() ? nullptr : &ins.await().asset();
    case ExecutionInstruction::kRevertHold: {
      auto index = findInstruction(plan, ins.reverthold().holdinstructionsequence());
      if (!index) return nullptr;
      const auto& hold = plan.instructions(static_cast<int>(*index));
      return hold.has_hold() ? &hold.hold().asset() : nullptr;
    }
    default:
      return nullptr;
  }
}

// The one table of what each instruction kind determines about its receipt.
ExpectedReceipt expectedReceipt(const finp2p::execution::ExecutionPlan& plan,
                                const ExecutionInstruction& ins) {
  ExpectedReceipt r;
  r.planId = plan.id().id();
  r.sequence = ins.sequence();
  r.operationId = r.planId + "_" + std::to_string(ins.sequence());
  r.asset = instructionAsset(plan, ins);
  LockRole role = lockRole(plan, ins);
  switch (ins.operation_case()) {
    case ExecutionInstruction::kHold:
      r.operationTypes = {role == LockRole::kLock ? "hash_lock" : "hold"};
      r.source = ledgerAccount(ins.hold().source());
      r.destination = ledgerAccount(ins.hold().destination());
      r.quantity = ins.hold().amount();
      break;
    case ExecutionInstruction::kTransfer:
      r.operationTypes = {"transfer"};
      r.source = ledgerAccount(ins.transfer().source());
      r.destination = ledgerAccount(ins.transfer().destination());
      r.quantity = ins.transfer().amount();
      break;
    case ExecutionInstruction::kRelease:
      r.operationTypes = {role == LockRole::kClaim ? "claim" : "release"};
      r.source = ledgerAccount(ins.release().source());
      r.destination = ledgerAccount(ins.release().destination());
      r.quantity = ins.release().amount();
      break;
    case ExecutionInstruction::kRevertHold: {
      // The hold's remainder goes back to its owner (the Hold's source, unless the RevertHold
      // names the accounts itself); the amount is the ledger's to report.
      r.operationTypes = role == LockRole::kRefund
                             ? std::vector<std::string>{"refund"}
                             : std::vector<std::string>{"revert_hold", "release"};
      std::string owner;
      auto index = findInstruction(plan, ins.reverthold().holdinstructionsequence());
      if (index && plan.instructions(static_cast<int>(*index)).has_hold()) {
        owner = ledgerAccount(plan.instructions(static_cast<int>(*index)).hold().source());
      }
      r.source = ins.reverthold().has_source() ? ledgerAccount(ins.reverthold().source()) : owner;
      r.destination = ins.reverthold().has_destination()
                          ? ledgerAccount(ins.reverthold().destination())
                          : owner;
      break;
    }
    case ExecutionInstruction::kIssue:
      r.operationTypes = {"issue"};  // the source is the ledger's own (minting) account
      r.destination = ledgerAccount(ins.issue().destination());
      r.quantity = ins.issue().amount();
      break;
    case ExecutionInstruction::kRedeem:
      r.operationTypes = {"redeem"};  // the destination is the ledger's own (burning) account
      r.source = ledgerAccount(ins.redeem().source());
      r.quantity = ins.redeem().amount();
      break;
    case ExecutionInstruction::kAwait:
      r.operationTypes = {"await"};
      break;
    default:
      break;
  }
  return r;
}

namespace {
Error mismatch(const std::string& field, const std::string& want, const std::string& got) {
  return makeError(
      ErrorCode::kInvalidArgument,
      "receipt " + field + " \"" + got + "\" differs from the instruction's \"" + want + "\"");
}
}  // namespace

Status checkReceipt(const finp2p::execution::ExecutionPlan& plan, const ExecutionInstruction& ins,
                    const finp2p::receipt::Receipt& receipt) {
  ExpectedReceipt want = expectedReceipt(plan, ins);
  bool typeOk = false;
  for (const auto& t : want.operationTypes) typeOk |= receipt.operationtype() == t;
  if (!typeOk) {
    return makeError(ErrorCode::kInvalidArgument, "receipt operation type \"" +
                                                      receipt.operationtype() +
                                                      "\" does not match the instruction");
  }
  if (want.asset) {
    if (receipt.asset().id() != want.asset->id()) {
      return mismatch("asset id", want.asset->id(), receipt.asset().id());
    }
    if (receipt.asset().type() != want.asset->type()) {
      return mismatch("asset type", finp2p::common::Asset::Type_Name(want.asset->type()),
                      finp2p::common::Asset::Type_Name(receipt.asset().type()));
    }
  }
  if (!want.source.empty() && receiptAccount(receipt.source()) != want.source) {
    return mismatch("source account", want.source, receiptAccount(receipt.source()));
  }
  if (!want.destination.empty() && receiptAccount(receipt.destination()) != want.destination) {
    return mismatch("destination account", want.destination, receiptAccount(receipt.destination()));
  }
  if (!want.quantity.empty()) {
    auto expected = ledger::Decimal::parse(want.quantity);
    auto got = ledger::Decimal::parse(receipt.quantity());
    if (!expected || !got || *expected != *got) {
      return makeError(ErrorCode::kInvalidArgument, "receipt quantity \"" + receipt.quantity() +
                                                        "\" differs from the instruction's " +
                                                        want.quantity);
    }
  }
  const auto& ctx = receipt.tradedetails().executioncontext();
  if (ctx.executionplanid().id() != want.planId) {
    return mismatch("execution plan id", want.planId, ctx.executionplanid().id());
  }
  if (ctx.instructionsequencenumber() != want.sequence) {
    return mismatch("instruction sequence", std::to_string(want.sequence),
                    std::to_string(ctx.instructionsequencenumber()));
  }
  if (receipt.transactiondetails().operationid() != want.operationId) {
    return mismatch("operation id", want.operationId, receipt.transactiondetails().operationid());
  }
  return checkLockReceipt(plan, ins, receipt);
}

}  // namespace finp2p::model
