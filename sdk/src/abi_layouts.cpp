#include "abi_layouts.hpp"

#include <cstddef>

namespace finp2p::ledger::abi {

// The end of the last field of each struct as ABI 1.1 defined it: the least struct_size a 1.1+
// writer sets. Frozen numbers, not sizeof: a 1.2 header may grow the structs.
constexpr uint32_t kReceiptSize_1_1 =
    offsetof(finp2p_ledger_receipt, proof) + sizeof(finp2p_ledger_str);
// ... and as 1.2 defined it, for a 1.2 writer (a receipt grew the hash-lock fields).
constexpr uint32_t kReceiptSize_1_2 =
    offsetof(finp2p_ledger_receipt, preimage) + sizeof(finp2p_ledger_str);
constexpr uint32_t kBalanceSize_1_1 =
    offsetof(finp2p_ledger_balance, held) + sizeof(finp2p_ledger_str);
constexpr uint32_t kDescriptionSize_1_1 =
    offsetof(finp2p_ledger_description, asset_types) + sizeof(const char*);

bool isAbi_1_0(uint32_t abiVersion) {
  return FINP2P_LEDGER_ABI_MAJOR_OF(abiVersion) == 1 && FINP2P_LEDGER_ABI_MINOR_OF(abiVersion) == 0;
}

HostOperation::HostOperation(const Operation& o, uint32_t abiVersion) {
  if (isAbi_1_0(abiVersion)) {
    auto& op = op_1_0_;
    op.struct_size = sizeof op;
    op.kind = o.kind;
    op.context = {view(o.context.planId), o.context.sequence, view(o.context.idempotencyKey),
                  o.context.deadlineUnixMs};
    op.source = view(o.source);
    op.destination = view(o.destination);
    op.asset = view(o.asset);
    op.asset_decimals = o.assetDecimals;
    op.amount = view(o.amount);
    op.hold_operation_id = view(o.holdOperationId);
    op.wait_until_unix_s = o.waitUntilUnixS;
    op.condition = view(o.condition);
    // The plugin reads this address as its (1.0) finp2p_ledger_operation.
    ptr_ = reinterpret_cast<const finp2p_ledger_operation*>(&op_1_0_);
    return;
  }
  context_.struct_size = sizeof context_;
  context_.plan_id = view(o.context.planId);
  context_.sequence = o.context.sequence;
  context_.idempotency_key = view(o.context.idempotencyKey);
  context_.deadline_unix_ms = o.context.deadlineUnixMs;
  op_.struct_size = sizeof op_;
  op_.kind = o.kind;
  op_.context = &context_;
  op_.source = view(o.source);
  op_.destination = view(o.destination);
  op_.asset = view(o.asset);
  op_.asset_decimals = o.assetDecimals;
  op_.amount = view(o.amount);
  op_.hold_operation_id = view(o.holdOperationId);
  op_.wait_until_unix_s = o.waitUntilUnixS;
  op_.condition = view(o.condition);
  // A 1.1 plugin stops reading before these.
  op_.hash_lock = view(o.hashLock);
  op_.hash_function = view(o.hashFunction);
  op_.expiry_unix_s = o.expiryUnixS;
  op_.preimage = view(o.preimage);
  op_.investor_signature = view(o.investorSignature);
  op_.investor_fin_id = view(o.investorFinId);
  ptr_ = &op_;
}

HostReceipt::HostReceipt(const Receipt& r, uint32_t abiVersion) {
  if (isAbi_1_0(abiVersion)) {
    receipt_1_0_ = {view(r.transactionId), view(r.operationId), view(r.operationType),
                    view(r.source),        view(r.destination), view(r.asset),
                    view(r.quantity),      r.timestampUnixS,    view(r.proof)};
    ptr_ = reinterpret_cast<const finp2p_ledger_receipt*>(&receipt_1_0_);
    return;
  }
  receipt_ = receiptToC(r);
  ptr_ = &receipt_;
}

namespace {
std::string tooSmall(const char* what, uint32_t size, uint32_t least, const char* version = "1.1") {
  return std::string("plugin returned a ") + what + " with struct_size " + std::to_string(size) +
         "; ABI " + version + " needs at least " + std::to_string(least) +
         " (set it to sizeof(finp2p_ledger_" + what + "))";
}
}  // namespace

std::variant<Receipt, std::string> readReceipt(const finp2p_ledger_receipt* r,
                                               uint32_t abiVersion) {
  if (isAbi_1_0(abiVersion)) {
    const auto* o = reinterpret_cast<const Receipt_1_0*>(r);
    Receipt out;
    out.transactionId = copy(o->transaction_id);
    out.operationId = copy(o->operation_id);
    out.operationType = copy(o->operation_type);
    out.source = copy(o->source);
    out.destination = copy(o->destination);
    out.asset = copy(o->asset);
    out.quantity = copy(o->quantity);
    out.timestampUnixS = o->timestamp_unix_s;
    out.proof = copy(o->proof);
    return out;
  }
  if (r->struct_size < kReceiptSize_1_1)
    return tooSmall("receipt", r->struct_size, kReceiptSize_1_1);
  // A plugin of 1.2 or later wrote its own version's receipt: a smaller struct_size is a wrong
  // size, not an older layout (its hash-lock fields would be dropped unread).
  if (FINP2P_LEDGER_ABI_MINOR_OF(abiVersion) >= 2 && r->struct_size < kReceiptSize_1_2)
    return tooSmall("receipt", r->struct_size, kReceiptSize_1_2, "1.2");
  return receiptFromC(*r);
}

std::variant<Balance, std::string> readBalance(const finp2p_ledger_balance* b,
                                               uint32_t abiVersion) {
  if (isAbi_1_0(abiVersion)) {
    const auto* o = reinterpret_cast<const Balance_1_0*>(b);
    return Balance{o->status, copy(o->message), copy(o->current), copy(o->available),
                   copy(o->held)};
  }
  if (b->struct_size < kBalanceSize_1_1)
    return tooSmall("balance", b->struct_size, kBalanceSize_1_1);
  return Balance{b->status, copy(b->message), copy(b->current), copy(b->available), copy(b->held)};
}

std::variant<Description, std::string> readDescription(const finp2p_ledger_description* d,
                                                       uint32_t abiVersion) {
  auto text = [](const char* s) { return s ? std::string(s) : std::string(); };
  if (isAbi_1_0(abiVersion)) {
    const auto* o = reinterpret_cast<const Description_1_0*>(d);
    return Description{text(o->name), text(o->version), o->supported_operations,
                       text(o->asset_types)};
  }
  if (d->struct_size < kDescriptionSize_1_1) {
    return tooSmall("description", d->struct_size, kDescriptionSize_1_1);
  }
  return Description{text(d->name), text(d->version), d->supported_operations,
                     text(d->asset_types)};
}

}  // namespace finp2p::ledger::abi
