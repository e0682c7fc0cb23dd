#include "finp2p/ledger/types.hpp"

#include <chrono>
#include <set>
#include <stdexcept>

namespace finp2p::ledger {

int64_t nowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const char* statusName(Status status) {
  switch (status) {
    case FINP2P_LEDGER_OK:
      return "ok";
    case FINP2P_LEDGER_ERROR_VALIDATION:
      return "validation error";
    case FINP2P_LEDGER_ERROR_INTENT_VALIDATION:
      return "intent validation error";
    case FINP2P_LEDGER_ERROR_SETTLEMENT:
      return "settlement error";
    case FINP2P_LEDGER_ERROR_SIGNATURE:
      return "signature error";
    case FINP2P_LEDGER_ERROR_NOT_FOUND:
      return "not found";
    case FINP2P_LEDGER_PENDING:
      return "pending";
    case FINP2P_LEDGER_ERROR_UNSUPPORTED:
      return "unsupported";
    case FINP2P_LEDGER_ERROR_UNAVAILABLE:
      return "unavailable";
    case FINP2P_LEDGER_ERROR_TIMEOUT:
      return "timeout";
    case FINP2P_LEDGER_ERROR_INTERNAL:
      return "internal error";
  }
  return "unknown status";
}

const char* operationKindName(OperationKind kind) {
  switch (kind) {
    case FINP2P_LEDGER_OP_HOLD:
      return "hold";
    case FINP2P_LEDGER_OP_RELEASE:
      return "release";
    case FINP2P_LEDGER_OP_REVERT_HOLD:
      return "revert_hold";
    case FINP2P_LEDGER_OP_TRANSFER:
      return "transfer";
    case FINP2P_LEDGER_OP_ISSUE:
      return "issue";
    case FINP2P_LEDGER_OP_REDEEM:
      return "redeem";
    case FINP2P_LEDGER_OP_AWAIT:
      return "await";
    case FINP2P_LEDGER_OP_HASH_LOCK:
      return "hash_lock";
    case FINP2P_LEDGER_OP_CLAIM:
      return "claim";
    case FINP2P_LEDGER_OP_REFUND:
      return "refund";
  }
  return "unknown";
}

Config Config::fromC(const finp2p_ledger_config_entry* entries, size_t count) {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < count; ++i) out.emplace_back(copy(entries[i].key), copy(entries[i].value));
  return Config(std::move(out));
}

std::optional<std::string> Config::get(const std::string& key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::string Config::resolvePath(const std::string& value) const {
  auto dir = get(kConfigDirKey);
  if (value.empty() || value[0] == '/' || !dir || dir->empty()) return value;
  return *dir + "/" + value;
}

std::optional<std::string> Config::getPath(const std::string& key) const {
  auto v = get(key);
  if (!v) return v;
  return resolvePath(*v);
}

std::string Config::getOr(const std::string& key, const std::string& fallback) const {
  auto v = get(key);
  return v ? *v : fallback;
}

std::string operationFingerprint(const Operation& op) {
  std::string text = std::string(operationKindName(op.kind)) + "|" + op.source + "|" +
                     op.destination + "|" + op.asset + "|" + op.amount + "|" + op.holdOperationId;
  // The lock is part of what a hash lock is; a claim's preimage is not (a retry with another
  // preimage is the same claim and gets its stored outcome).
  if (op.kind == FINP2P_LEDGER_OP_HASH_LOCK) {
    text += "|" + op.hashFunction + ":" + op.hashLock + "|" + std::to_string(op.expiryUnixS);
  }
  return text;
}

uint32_t allOperations() {
  uint32_t ops = 0;
  for (auto kind : {FINP2P_LEDGER_OP_HOLD, FINP2P_LEDGER_OP_RELEASE, FINP2P_LEDGER_OP_REVERT_HOLD,
                    FINP2P_LEDGER_OP_TRANSFER, FINP2P_LEDGER_OP_ISSUE, FINP2P_LEDGER_OP_REDEEM,
                    FINP2P_LEDGER_OP_AWAIT}) {
    ops |= FINP2P_LEDGER_SUPPORTS(kind);
  }
  return ops;
}

uint32_t hashLockOperations() {
  return FINP2P_LEDGER_SUPPORTS(FINP2P_LEDGER_OP_HASH_LOCK) |
         FINP2P_LEDGER_SUPPORTS(FINP2P_LEDGER_OP_CLAIM) |
         FINP2P_LEDGER_SUPPORTS(FINP2P_LEDGER_OP_REFUND);
}

void issueOpeningBalances(const Config& config,
                          const std::function<Outcome(const Operation&)>& execute) {
  for (std::size_t i = 0, n = config.arraySize("opening_balances"); i < n; ++i) {
    std::string prefix = "opening_balances." + std::to_string(i) + ".";
    Operation op;
    op.kind = FINP2P_LEDGER_OP_ISSUE;
    op.destination = config.getOr(prefix + "account", "");
    op.asset = config.getOr(prefix + "asset", "");
    op.amount = config.getOr(prefix + "amount", "");
    op.context.idempotencyKey = "opening-balance:" + op.destination + ":" + op.asset;
    auto outcome = execute(op);
    if (!outcome.ok()) {
      throw std::invalid_argument("opening_balances[" + std::to_string(i) +
                                  "]: " + outcome.message);
    }
  }
}

namespace {
std::vector<std::string> segments(const std::string& key) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1) {
    out.push_back(key.substr(start, dot - start));
  }
  out.push_back(key.substr(start));
  return out;
}
}  // namespace

void Config::refuseUnknownKeys(const std::vector<std::string>& known) const {
  for (const auto& [key, value] : entries_) {
    if (key.rfind("finp2p.", 0) == 0) continue;
    auto have = segments(key);
    bool matched = false;
    for (const auto& pattern : known) {
      auto want = segments(pattern);
      if (want.size() != have.size()) continue;
      bool same = true;
      for (std::size_t i = 0; i < want.size() && same; ++i) {
        same = want[i] == "*" || want[i] == have[i];
      }
      matched |= same;
    }
    if (matched) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw std::invalid_argument("unknown config key \"" + key.substr(0, 80) +
                                "\" in [ledger.config] (this plugin reads: " + list + ")");
  }
}

std::size_t Config::arraySize(const std::string& key) const {
  std::set<std::size_t> indexes;
  std::string prefix = key + ".";
  for (const auto& [k, v] : entries_) {
    if (k.rfind(prefix, 0) != 0) continue;
    std::string rest = k.substr(prefix.size());
    std::size_t digits = rest.find_first_not_of("0123456789");
    if (digits == 0) continue;
    indexes.insert(std::stoul(rest.substr(0, digits)));
  }
  return indexes.size();
}

Operation operationFromC(const finp2p_ledger_operation& op) {
  Operation o;
  o.kind = op.kind;
  if (op.context) {  // abi.h: never NULL; an empty context rather than a crash if it is
    o.context.planId = copy(op.context->plan_id);
    o.context.sequence = op.context->sequence;
    o.context.idempotencyKey = copy(op.context->idempotency_key);
    o.context.deadlineUnixMs = op.context->deadline_unix_ms;
  }
  o.source = copy(op.source);
  o.destination = copy(op.destination);
  o.asset = copy(op.asset);
  o.assetDecimals = op.asset_decimals;
  o.amount = copy(op.amount);
  o.holdOperationId = copy(op.hold_operation_id);
  o.waitUntilUnixS = op.wait_until_unix_s;
  o.condition = copy(op.condition);
  // The host is never older than its plugin, but a plugin reads what the host wrote by size.
  if (FINP2P_LEDGER_HAS_FIELD(&op, finp2p_ledger_operation, preimage)) {
    o.hashLock = copy(op.hash_lock);
    o.hashFunction = copy(op.hash_function);
    o.expiryUnixS = op.expiry_unix_s;
    o.preimage = copy(op.preimage);
  }
  if (FINP2P_LEDGER_HAS_FIELD(&op, finp2p_ledger_operation, investor_fin_id)) {
    o.investorSignature = copy(op.investor_signature);
    o.investorFinId = copy(op.investor_fin_id);
  }
  return o;
}

Receipt receiptFromC(const finp2p_ledger_receipt& r) {
  Receipt out;
  out.transactionId = copy(r.transaction_id);
  out.operationId = copy(r.operation_id);
  out.operationType = copy(r.operation_type);
  out.source = copy(r.source);
  out.destination = copy(r.destination);
  out.asset = copy(r.asset);
  out.quantity = copy(r.quantity);
  out.timestampUnixS = r.timestamp_unix_s;
  out.proof = copy(r.proof);
  // A 1.1 plugin's receipt ends at proof.
  if (FINP2P_LEDGER_HAS_FIELD(&r, finp2p_ledger_receipt, preimage)) {
    out.hashLock = copy(r.hash_lock);
    out.hashFunction = copy(r.hash_function);
    out.expiryUnixS = r.expiry_unix_s;
    out.preimage = copy(r.preimage);
  }
  return out;
}

finp2p_ledger_receipt receiptToC(const Receipt& r) {
  return {sizeof(finp2p_ledger_receipt),
          view(r.transactionId),
          view(r.operationId),
          view(r.operationType),
          view(r.source),
          view(r.destination),
          view(r.asset),
          view(r.quantity),
          r.timestampUnixS,
          view(r.proof),
          view(r.hashLock),
          view(r.hashFunction),
          r.expiryUnixS,
          view(r.preimage)};
}

}  // namespace finp2p::ledger
