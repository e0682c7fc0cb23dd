#include "finp2p/ledger/receipt_check.hpp"

#include "finp2p/ledger/decimal.hpp"

namespace finp2p::ledger {

namespace {

std::string differs(const char* field, const std::string& want, const std::string& got) {
  return std::string("receipt ") + field + " \"" + got + "\" differs from the operation's \"" +
         want + "\"";
}

bool sameAmount(const std::string& a, const std::string& b) {
  auto x = Decimal::parse(a), y = Decimal::parse(b);
  return x && y && *x == *y;
}

// Which of the operation's fields its receipt repeats, by kind (abi.h, "Fields per operation
// kind"): accounts wherever the operation names them, the amount where it is the amount moved.
struct Determined {
  bool source = false, destination = false, amount = false;
};

Determined determined(OperationKind kind) {
  switch (kind) {
    case FINP2P_LEDGER_OP_HOLD:
    case FINP2P_LEDGER_OP_RELEASE:
    case FINP2P_LEDGER_OP_TRANSFER:
    case FINP2P_LEDGER_OP_HASH_LOCK:
    case FINP2P_LEDGER_OP_CLAIM:
      return {true, true, true};
    case FINP2P_LEDGER_OP_REVERT_HOLD:
    case FINP2P_LEDGER_OP_REFUND:
      return {true, true, false};  // the amount is the hold's remainder: the ledger's to report
    case FINP2P_LEDGER_OP_ISSUE:
      return {false, true, true};  // the source is the ledger's own (minting) account
    case FINP2P_LEDGER_OP_REDEEM:
      return {true, false, true};  // the destination is the ledger's own (burning) account
    case FINP2P_LEDGER_OP_AWAIT:
      return {};
  }
  return {};
}

}  // namespace

std::string checkReceipt(const Operation& op, const Receipt& r) {
  if (r.operationId != op.context.idempotencyKey) {
    return differs("operation_id", op.context.idempotencyKey, r.operationId) +
           " (a receipt's operation_id is the idempotency key of the operation it records)";
  }
  std::string type = operationKindName(op.kind);
  if (r.operationType != type &&
      !(op.kind == FINP2P_LEDGER_OP_REVERT_HOLD && r.operationType == "release")) {
    return differs("operation_type", type, r.operationType) +
           " (the receipt of an operation names its kind: hold, release, revert_hold, "
           "transfer, issue, redeem, await, hash_lock, claim or refund)";
  }
  Determined d = determined(op.kind);
  if (d.source && !op.source.empty() && r.source != op.source) {
    return differs("source", op.source, r.source);
  }
  if (d.destination && !op.destination.empty() && r.destination != op.destination) {
    return differs("destination", op.destination, r.destination);
  }
  if (op.kind != FINP2P_LEDGER_OP_AWAIT && !op.asset.empty() && !r.asset.empty() &&
      r.asset != op.asset) {
    return differs("asset", op.asset, r.asset);
  }
  if (d.amount && !op.amount.empty() && !sameAmount(op.amount, r.quantity)) {
    return differs("quantity", op.amount, r.quantity);
  }
  if (op.kind == FINP2P_LEDGER_OP_HASH_LOCK) {
    if (r.hashLock != op.hashLock) return differs("hash_lock", op.hashLock, r.hashLock);
    if (r.hashFunction != op.hashFunction) {
      return differs("hash_function", op.hashFunction, r.hashFunction);
    }
    if (r.expiryUnixS != op.expiryUnixS) {
      return differs("expiry_unix_s", std::to_string(op.expiryUnixS),
                     std::to_string(r.expiryUnixS));
    }
  }
  if (op.kind == FINP2P_LEDGER_OP_CLAIM && !op.preimage.empty() && r.preimage != op.preimage) {
    return differs("preimage", op.preimage, r.preimage);
  }
  return "";
}

}  // namespace finp2p::ledger
