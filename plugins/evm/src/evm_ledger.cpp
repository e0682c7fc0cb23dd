#include "evm_ledger.hpp"

#include <chrono>
#include <cstdlib>
#include <future>
#include <stdexcept>

#include "contracts.hpp"
#include "finp2p/ledger/decimal.hpp"
#include "finp2p/ledger/hash_lock.hpp"

namespace finp2p::evm {
namespace {

using ledger::Decimal;

Outcome validation(const std::string& why) {
  return Outcome::failure(FINP2P_LEDGER_ERROR_VALIDATION, why);
}
Outcome unavailable(const std::string& why) {
  return Outcome::failure(FINP2P_LEDGER_ERROR_UNAVAILABLE, why);
}

std::vector<std::unique_ptr<Signer>> loadSigners(const std::vector<std::string>& files) {
  if (files.empty()) throw std::invalid_argument("at least one sending key file is required");
  std::vector<std::unique_ptr<Signer>> out;
  for (const auto& f : files) out.push_back(Signer::fromFile(f));
  return out;
}

// The steady-clock moment to stop waiting: the receipt timeout, or the plan's deadline if sooner.
int64_t waitUntil(const Operation& op, int64_t receiptTimeoutMs) {
  int64_t now = steadyNowMs();
  int64_t limit = now + receiptTimeoutMs;
  if (op.context.deadlineUnixMs > 0) {
    limit = std::min(limit, now + (op.context.deadlineUnixMs - ledger::nowUnixMs()));
  }
  return limit;
}

const char* typeName(finp2p_ledger_operation_kind kind) {
  switch (kind) {
    case FINP2P_LEDGER_OP_REVERT_HOLD:
      return "revert_hold";
    default:
      return ledger::operationKindName(kind);
  }
}

bool needsAmount(finp2p_ledger_operation_kind kind) {
  return kind == FINP2P_LEDGER_OP_HOLD || kind == FINP2P_LEDGER_OP_TRANSFER ||
         kind == FINP2P_LEDGER_OP_ISSUE || kind == FINP2P_LEDGER_OP_REDEEM ||
         kind == FINP2P_LEDGER_OP_HASH_LOCK;
}

bool isRevert(const RpcError& e) {
  return !e.transport &&
         (e.code == 3 || !e.data.empty() || e.message.find("revert") != std::string::npos);
}

// The FinP2P name for an address: the first candidate that maps to it, else the address.
std::string nameFor(const Address& a, std::initializer_list<const std::string*> candidates) {
  if (a == Address{}) return "";
  for (const auto* c : candidates) {
    if (!c->empty() && accountAddress(*c) == a) return *c;
  }
  return toHex(a);
}

int64_t nowUnixS() {
  return ledger::nowUnixMs() / 1000;
}

// Crash tests kill the router at exact points inside the plugin:
// FINP2P_EVM_FAILPOINT=after-send:hold aborts right after a hold's transaction was sent.
void failpoint(const char* point, finp2p_ledger_operation_kind kind) {
  const char* armed = std::getenv("FINP2P_EVM_FAILPOINT");
  if (armed && std::string(armed) == std::string(point) + ":" + typeName(kind)) std::abort();
}

}  // namespace

OperationRecord recordOf(const Operation& op) {
  OperationRecord r;
  r.key = op.context.idempotencyKey;
  r.fingerprint = ledger::operationFingerprint(op);
  r.kind = op.kind;
  r.source = op.source;
  r.destination = op.destination;
  r.asset = op.asset;
  return r;
}

EvmLedger::EvmLedger(EvmConfig config)
    : config_(std::move(config)),
      rpc_(config_.rpcUrl, config_.rpcTimeoutMs),
      chain_(rpc_),
      state_(config_.stateDatabase),
      senders_(loadSigners(config_.keyFiles)),
      submitter_(chain_, config_.chainId, config_.priorityFeeWei) {
  auto id = chain_.chainId();
  if (!id.ok())
    throw std::runtime_error("cannot reach " + config_.rpcUrl + ": " + id.error.describe());
  if (*id.value != config_.chainId) {
    throw std::runtime_error("chain_id is " + std::to_string(config_.chainId) +
                             " but the node at " + config_.rpcUrl + " serves chain " +
                             std::to_string(*id.value));
  }
  for (const auto& a : config_.assets)
    tokens_.push_back({a.id, a.token.value_or(Address{}), a.decimals});
  escrow_ = config_.escrow.value_or(Address{});
  deployMissing();
  checkCode(escrow_, "the escrow");
  for (const auto& t : tokens_) checkCode(t.address, "the token of asset " + t.asset);
}

const EvmLedger::Token* EvmLedger::tokenOf(const std::string& asset) const {
  for (const auto& t : tokens_) {
    if (t.asset == asset) return &t;
  }
  return nullptr;
}

const EvmLedger::Token* EvmLedger::tokenAt(const Address& a) const {
  for (const auto& t : tokens_) {
    if (t.address == a) return &t;
  }
  return nullptr;
}

std::vector<Address> EvmLedger::contracts() const {
  std::vector<Address> out{escrow_};
  for (const auto& t : tokens_) out.push_back(t.address);
  return out;
}

std::string EvmLedger::formatUnits(const Hash& units, const Token* token) const {
  std::string digits = uint256ToDecimal(units.data(), units.size());
  uint32_t decimals = token ? token->decimals : 0;
  if (decimals == 0) return digits;
  if (digits.size() <= decimals) digits.insert(0, decimals + 1 - digits.size(), '0');
  digits.insert(digits.size() - decimals, ".");
  return Decimal::parse(digits, decimals)->toString();
}

std::optional<Outcome> EvmLedger::checkInput(const Operation& op, Call* call) {
  if (op.context.idempotencyKey.empty()) return validation("missing idempotency key");
  bool amountGiven =
      needsAmount(op.kind) || (op.kind == FINP2P_LEDGER_OP_RELEASE && !op.amount.empty());
  const Token* token = tokenOf(op.asset);
  if (amountGiven && op.asset.empty()) return validation("missing asset");
  if (!op.asset.empty() && !token) {
    return validation("asset " + op.asset + " has no token on this ledger");
  }
  Hash units{};
  if (amountGiven) {
    std::string why;
    auto amount = Decimal::parse(op.amount, op.assetDecimals, &why);
    if (!amount) return validation(why);
    if (amount->isZero()) return validation("amount must be greater than zero");
    auto minor = amount->toMinorUnits(token->decimals);
    if (!minor) {
      return validation("amount " + op.amount + " has more decimals than the token's " +
                        std::to_string(token->decimals));
    }
    auto word = uint256FromDecimal(*minor);
    if (!word) return validation("amount " + op.amount + " does not fit in uint256");
    units = *word;
  }
  bool needsSource = op.kind == FINP2P_LEDGER_OP_HOLD || op.kind == FINP2P_LEDGER_OP_TRANSFER ||
                     op.kind == FINP2P_LEDGER_OP_REDEEM || op.kind == FINP2P_LEDGER_OP_HASH_LOCK;
  if (needsSource && op.source.empty()) return validation("missing source account");
  bool needsDestination = op.kind == FINP2P_LEDGER_OP_TRANSFER ||
                          op.kind == FINP2P_LEDGER_OP_ISSUE || op.kind == FINP2P_LEDGER_OP_HOLD ||
                          op.kind == FINP2P_LEDGER_OP_HASH_LOCK;
  if (needsDestination && op.destination.empty()) return validation("missing destination account");
  bool onHold = op.kind == FINP2P_LEDGER_OP_RELEASE || op.kind == FINP2P_LEDGER_OP_REVERT_HOLD ||
                op.kind == FINP2P_LEDGER_OP_CLAIM || op.kind == FINP2P_LEDGER_OP_REFUND;
  if (onHold && op.holdOperationId.empty()) return validation("missing the hold's operation id");

  Hash id = operationId(op.context.idempotencyKey);
  Address tokenAddress = token ? token->address : Address{};
  switch (op.kind) {
    case FINP2P_LEDGER_OP_ISSUE:
      *call = {tokenAddress, calls::issue(id, accountAddress(op.destination), units)};
      break;
    case FINP2P_LEDGER_OP_REDEEM:
      *call = {tokenAddress, calls::redeem(id, accountAddress(op.source), units)};
      break;
    case FINP2P_LEDGER_OP_TRANSFER:
      *call = {tokenAddress, calls::transferFor(id, accountAddress(op.source),
                                                accountAddress(op.destination), units)};
      break;
    case FINP2P_LEDGER_OP_HOLD:
      *call = {escrow_, calls::hold(id, tokenAddress, accountAddress(op.source),
                                    accountAddress(op.destination), units)};
      break;
    case FINP2P_LEDGER_OP_RELEASE: {
      Address to = op.destination.empty() ? Address{} : accountAddress(op.destination);
      *call = {escrow_, calls::release(id, operationId(op.holdOperationId), to, units)};
      break;
    }
    case FINP2P_LEDGER_OP_REVERT_HOLD:
      *call = {escrow_, calls::revertHold(id, operationId(op.holdOperationId))};
      break;
    case FINP2P_LEDGER_OP_AWAIT:
      return Outcome::failure(FINP2P_LEDGER_ERROR_UNSUPPORTED, "await is not a chain transaction");
    case FINP2P_LEDGER_OP_HASH_LOCK:
    case FINP2P_LEDGER_OP_CLAIM:
    case FINP2P_LEDGER_OP_REFUND:
      return hashLockCall(op, id, tokenAddress, units, call);
  }
  return std::nullopt;
}

Outcome EvmLedger::execute(const Operation& op) {
  Call call;
  if (auto bad = checkInput(op, &call)) return *bad;
  try {
    if (auto record = state_.find(op.context.idempotencyKey)) {
      if (record->fingerprint != ledger::operationFingerprint(op)) {
        return validation("idempotency key " + op.context.idempotencyKey +
                          " was already used for a different operation");
      }
      auto outcome = resolve(*record, waitUntil(op, config_.receiptTimeoutMs));
      if (outcome.status != FINP2P_LEDGER_ERROR_NOT_FOUND) return outcome;
      // resolve() found the transaction can never be mined and forgot it: send anew.
    }
    return submit(op, call);
  } catch (const std::exception& e) {
    return unavailable(std::string("plugin state: ") + e.what());
  }
}

// Signs with the configured gas limit, then runs the dry run (eth_call) while the signed
// transaction is written to the state file: the record must be durable before the transaction
// is sent, and the dry run decides whether it is sent at all. A record whose dry run refused is
// marked failed; had the router died before that, lookup would broadcast the transaction,
// which is still the same operation, run at most once by the contract.
Outcome EvmLedger::submit(const Operation& op, const Call& call) {
  const std::string& key = op.context.idempotencyKey;
  auto lease = senders_.acquire();
  auto prepared = submitter_.prepare(*lease, call.to, call.data, config_.gasLimit);
  if (!prepared.ok()) return unavailable(prepared.error.describe());
  PreparedTransaction& p = *prepared.value;
  OperationRecord record = recordOf(op);
  record.sender = toHex(p.sender);
  record.nonce = p.tx.nonce;
  record.txHash = toHex(p.signedTx.hash);
  record.rawTx = toHex(p.signedTx.raw);
  auto recorded = std::async(std::launch::async, [&] { return state_.insert(record); });
  auto dryRun =
      chain_.call(call.to, call.data, p.sender, timelocked(op.kind) ? "pending" : "latest");
  if (!recorded.get()) {  // the same key, concurrently: follow the first one
    auto first = state_.find(key);
    return first ? resolve(*first, waitUntil(op, config_.receiptTimeoutMs)) : lookup(key);
  }
  if (!dryRun.ok()) {
    if (!isRevert(dryRun.error)) {
      state_.forget(key);
      return unavailable(dryRun.error.describe());
    }
    if (revertMessage(dryRun.error) == "operation already executed") {
      state_.forget(key);
      return fromChain(key, std::nullopt, &op);
    }
    if (revertMessage(dryRun.error) == kNotYetExpired) {
      // Refused by the clock, not for what it is: the same key must be able to refund once the
      // lock has expired, so the refusal is not stored.
      state_.forget(key);
      return refusal(op, dryRun.error);
    }
    Outcome refused = refusal(op, dryRun.error);
    state_.markFailed(key, refused.status, refused.message);
    return refused;
  }
  auto sent = submitter_.send(*lease, p, [&](const PreparedTransaction& again) {
    record.nonce = again.tx.nonce;
    record.txHash = toHex(again.signedTx.hash);
    record.rawTx = toHex(again.signedTx.raw);
    state_.updateTransaction(key, record.sender, record.nonce, record.txHash, record.rawTx);
  });
  failpoint("after-send", op.kind);
  if (!sent.ok()) {
    // Recorded as sent: lookup re-broadcasts the same bytes or finds they can never be mined.
    return Outcome::failure(
        sent.error.transport ? FINP2P_LEDGER_PENDING : FINP2P_LEDGER_ERROR_UNAVAILABLE,
        "transaction " + record.txHash + ": " + sent.error.describe());
  }
  auto mined = submitter_.waitForReceipt(p.signedTx.hash, waitUntil(op, config_.receiptTimeoutMs),
                                         config_.confirmations);
  if (!mined.ok()) return Outcome::failure(FINP2P_LEDGER_PENDING, mined.error.describe());
  if (!mined.value->has_value()) {
    return Outcome::failure(FINP2P_LEDGER_PENDING,
                            "transaction " + record.txHash + " sent, not yet mined");
  }
  return finish(record, **mined.value);
}

Outcome EvmLedger::refusal(const Operation& op, const RpcError& error) {
  std::string reason = revertMessage(error);
  if (reason == "insufficient balance" && !op.source.empty()) {
    auto b = balance(op.source, op.asset);
    return Outcome::failure(FINP2P_LEDGER_ERROR_SETTLEMENT,
                            "insufficient balance: account " + op.source + " has " + b.available +
                                " " + op.asset + " available, needs " + op.amount);
  }
  return validation("contract refused " + std::string(typeName(op.kind)) + ": " + reason);
}

Outcome EvmLedger::finish(const OperationRecord& record, const TxReceipt& receipt) {
  if (!receipt.success) {
    // Reverted: possibly because another transaction of this same key (a concurrent attempt,
    // abi.h "Threads and blocking") executed the operation first; then this key succeeded.
    auto executed = fromChain(record.key, record, nullptr);
    if (executed.ok() || executed.status == FINP2P_LEDGER_ERROR_UNAVAILABLE) return executed;
    std::string why = "transaction " + record.txHash + " reverted in block " +
                      std::to_string(receipt.blockNumber) +
                      " (the dry run had passed: the chain changed in between)";
    state_.markFailed(record.key, FINP2P_LEDGER_ERROR_SETTLEMENT, why);
    return Outcome::failure(FINP2P_LEDGER_ERROR_SETTLEMENT, why);
  }
  auto m = movementIn(receipt.logs, operationId(record.key));
  if (!m) {
    return Outcome::failure(
        FINP2P_LEDGER_ERROR_INTERNAL,
        "transaction " + record.txHash + " carries no event for operation " + record.key);
  }
  Receipt r = receiptOf(*m, record.key, record.source, record.destination);
  if (auto bad = addLockTerms(*m, r)) return *bad;
  state_.markDone(record.key, r);
  return Outcome::success(r);
}

Outcome EvmLedger::resolve(OperationRecord record, int64_t deadlineSteadyMs) {
  if (record.state == OperationRecord::State::Done && record.receipt) {
    return Outcome::success(*record.receipt);
  }
  if (record.state == OperationRecord::State::Failed) {
    return Outcome::failure(record.status, record.message);
  }
  auto hash = parseHash(record.txHash);
  auto raw = fromHex(record.rawTx);
  if (!hash || !raw) return Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL, "corrupt state record");
  auto mined = chain_.receipt(*hash);
  if (!mined.ok()) return unavailable(mined.error.describe());
  if (!mined.value->has_value()) {
    auto known = chain_.knowsTransaction(*hash);
    if (!known.ok()) return unavailable(known.error.describe());
    if (!*known.value) {
      // The node lost it (a restart, or it was never received): send the identical bytes.
      auto again = chain_.sendRawTransaction(*raw);
      bool stale = !again.ok() && again.error.message.find("nonce too low") != std::string::npos;
      if (stale) {
        // The nonce went to another transaction, so this one can never be mined. Unless the
        // operation is on chain by other means, forget the record: the caller sends anew.
        auto onChain = fromChain(record.key, record, nullptr);
        if (onChain.status != FINP2P_LEDGER_ERROR_NOT_FOUND) return onChain;
        state_.forget(record.key);
        return Outcome::failure(FINP2P_LEDGER_ERROR_NOT_FOUND,
                                "transaction " + record.txHash + " can never be mined");
      }
      // The node has these bytes after all (a concurrent attempt of this key sent them between
      // the two questions): wait for them like any sent transaction.
      bool known =
          !again.ok() && (again.error.message.find("already known") != std::string::npos ||
                          again.error.message.find("already imported") != std::string::npos);
      if (!again.ok() && !known) {
        return unavailable("re-broadcast failed: " + again.error.describe());
      }
    }
  }
  auto wait = submitter_.waitForReceipt(*hash, deadlineSteadyMs, config_.confirmations);
  if (!wait.ok()) return unavailable(wait.error.describe());
  if (!wait.value->has_value()) {
    return Outcome::failure(FINP2P_LEDGER_PENDING,
                            "transaction " + record.txHash + " not yet mined");
  }
  return finish(record, **wait.value);
}

std::optional<Movement> EvmLedger::movementIn(const std::vector<LogEntry>& logs, const Hash& opId) {
  for (const auto& log : logs) {
    if (log.topics.size() < 2 || log.topics[1] != opId) continue;
    if (log.address != escrow_ && !tokenAt(log.address)) continue;
    if (auto m = decodeMovement(log, escrow_)) return m;
  }
  return std::nullopt;
}

Receipt EvmLedger::receiptOf(const Movement& m, const std::string& key, const std::string& source,
                             const std::string& destination) {
  const Token* token = tokenAt(m.token);
  Receipt r;
  r.transactionId = toHex(m.txHash);
  r.operationId = key;
  r.operationType = m.type;
  r.source = nameFor(m.from, {&source, &destination});
  r.destination = nameFor(m.to, {&destination, &source});
  // Read from the chain alone (no record of ours names them: another router's operation, or a
  // state file that lost it): the names of accounts this ledger has moved before.
  for (auto* name : {&r.source, &r.destination}) {
    if (name->rfind("0x", 0) != 0) continue;
    if (auto known = state_.accountName(*name)) *name = *known;
  }
  r.asset = token ? token->asset : toHex(m.token);
  r.quantity = formatUnits(m.units, token);
  r.timestampUnixS = nowUnixS();
  r.proof = "evm chain " + std::to_string(config_.chainId) + " block " +
            std::to_string(m.blockNumber) + " tx " + toHex(m.txHash);
  return r;
}

Outcome EvmLedger::fromChain(const std::string& key, const std::optional<OperationRecord>& record,
                             const Operation* expected) {
  auto logs = chain_.logsWithTopic1(contracts(), operationId(key));
  if (!logs.ok()) return unavailable(logs.error.describe());
  auto m = movementIn(*logs.value, operationId(key));
  if (!m)
    return Outcome::failure(FINP2P_LEDGER_ERROR_NOT_FOUND, "no operation " + key + " on chain");
  std::string source = record ? record->source : "",
              destination = record ? record->destination : "";
  if (expected) {
    source = expected->source;
    destination = expected->destination;
    auto asked = Decimal::parse(expected->amount, ledger::Decimal::kDefaultMaxDecimals);
    bool same = m->type == typeName(expected->kind) &&
                (expected->source.empty() || accountAddress(expected->source) == m->from) &&
                (!asked || formatUnits(m->units, tokenAt(m->token)) == asked->toString()) &&
                (m->holdId == Hash{} || m->holdId == operationId(expected->holdOperationId));
    if (!same) {
      return validation("idempotency key " + key + " was already used for a different operation (" +
                        m->type + " in transaction " + toHex(m->txHash) + ")");
    }
  }
  Receipt r = receiptOf(*m, key, source, destination);
  if (auto bad = addLockTerms(*m, r)) return *bad;
  if (record) {
    state_.markDone(key, r);
  } else if (expected) {
    OperationRecord found = recordOf(*expected);
    found.state = OperationRecord::State::Done;
    found.status = FINP2P_LEDGER_OK;
    found.txHash = r.transactionId;
    found.receipt = r;
    state_.insert(found);
  }
  return Outcome::success(r);
}

Outcome EvmLedger::lookup(const std::string& key) {
  try {
    auto record = state_.find(key);
    // Look once; the host asks again if pending.
    Outcome found =
        record ? resolve(*record, steadyNowMs()) : fromChain(key, std::nullopt, nullptr);
    if (found.ok() && found.receipt && found.receipt->operationType == "hash_lock") {
      addClaimOfLock(key, *found.receipt);
    }
    return found;
  } catch (const std::exception& e) {
    return unavailable(std::string("plugin state: ") + e.what());
  }
}

// A lock claimed under any operation id (anyone may claim on the chain): its Claimed event,
// indexed by the lock's id, names the preimage.
void EvmLedger::addClaimOfLock(const std::string& lockKey, Receipt& receipt) {
  auto logs = chain_.logsWithTopic2({escrow_}, operationId(lockKey));
  if (!logs.ok()) return;  // unknown now: the watch asks again
  for (const auto& log : *logs.value) {
    auto m = decodeMovement(log, escrow_);
    if (m && m->type == "claim" && m->holdId == operationId(lockKey)) {
      receipt.preimage = ledger::toHex(
          std::string_view(reinterpret_cast<const char*>(m->preimage.data()), m->preimage.size()));
      return;
    }
  }
}

Outcome EvmLedger::verify(const Receipt& receipt) {
  auto hash = parseHash(receipt.transactionId);
  if (!hash) return validation("transaction id " + receipt.transactionId + " is not a hash");
  auto mined = chain_.receipt(*hash);
  if (!mined.ok()) return unavailable(mined.error.describe());
  if (!mined.value->has_value()) {
    return validation("no transaction " + receipt.transactionId + " on chain " +
                      std::to_string(config_.chainId));
  }
  const TxReceipt& tx = **mined.value;
  if (!tx.success) return validation("transaction " + receipt.transactionId + " reverted");
  auto m = movementIn(tx.logs, operationId(receipt.operationId));
  if (!m) {
    return validation("transaction " + receipt.transactionId + " carries no event for operation " +
                      receipt.operationId);
  }
  if (m->type != receipt.operationType) {
    return validation("receipt says " + receipt.operationType + ", the chain says " + m->type);
  }
  const Token* token = tokenAt(m->token);
  if (!token || token->asset != receipt.asset) {
    return validation("receipt says asset " + receipt.asset + ", the chain moved token " +
                      toHex(m->token));
  }
  std::string onChain = formatUnits(m->units, token);
  auto quantity = Decimal::parse(receipt.quantity, token->decimals);
  if (!quantity || quantity->toString() != onChain) {
    return validation("receipt says quantity " + receipt.quantity + ", the chain says " + onChain);
  }
  bool hasFrom = m->type != "issue";
  bool hasTo = m->type != "redeem" && m->type != "revert_hold" && m->type != "refund";
  if (hasFrom && accountAddress(receipt.source) != m->from) {
    return validation("receipt says source " + receipt.source + ", the chain says " +
                      toHex(m->from));
  }
  if (hasTo && accountAddress(receipt.destination) != m->to) {
    return validation("receipt says destination " + receipt.destination + ", the chain says " +
                      toHex(m->to));
  }
  Receipt terms;
  if (auto bad = addLockTerms(*m, terms)) return *bad;
  if (auto why = ledger::compareHashLock(terms, receipt); !why.empty()) return validation(why);
  if (config_.confirmations > 0) {
    auto head = chain_.blockNumber();
    if (!head.ok()) return unavailable(head.error.describe());
    if (*head.value < m->blockNumber + config_.confirmations) {
      return Outcome::failure(FINP2P_LEDGER_PENDING,
                              "transaction " + receipt.transactionId + " has fewer than " +
                                  std::to_string(config_.confirmations) + " confirmations");
    }
  }
  return Outcome::success();
}

Outcome EvmLedger::preflight(const Operation& op) {
  Call call;
  // A claim's preimage is given only when the claim runs (the secret is revealed then): its
  // preflight checks the rest of it.
  Operation probe = op;
  if (probe.kind == FINP2P_LEDGER_OP_CLAIM && probe.preimage.empty()) probe.preimage = "00";
  if (auto bad = checkInput(probe, &call)) return *bad;
  bool spends = op.kind == FINP2P_LEDGER_OP_HOLD || op.kind == FINP2P_LEDGER_OP_TRANSFER ||
                op.kind == FINP2P_LEDGER_OP_REDEEM || op.kind == FINP2P_LEDGER_OP_HASH_LOCK;
  if (!spends || !config_.preflightChecksBalance) return Outcome::success();
  auto b = balance(op.source, op.asset);
  if (b.status != FINP2P_LEDGER_OK) return Outcome::failure(b.status, b.message);
  if (*Decimal::parse(b.available) < *Decimal::parse(op.amount, op.assetDecimals)) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_SETTLEMENT,
                            "insufficient balance: account " + op.source + " has " + b.available +
                                " " + op.asset + " available, needs " + op.amount);
  }
  return Outcome::success();
}

Balance EvmLedger::balance(const std::string& account, const std::string& asset) {
  Balance b;
  const Token* token = tokenOf(asset);
  if (!token) {
    b.status = FINP2P_LEDGER_ERROR_VALIDATION;
    b.message = "asset " + asset + " has no token on this ledger";
    return b;
  }
  Address who = accountAddress(account);
  auto available = chain_.call(token->address, calls::balanceOf(who));
  auto held = chain_.call(escrow_, calls::held(token->address, who));
  for (const auto* answer : {&available, &held}) {
    if (!answer->ok() || answer->value->size() != 32) {
      b.status = FINP2P_LEDGER_ERROR_UNAVAILABLE;
      b.message = answer->ok() ? "balance call answered with no uint256" : answer->error.describe();
      return b;
    }
  }
  Hash a{}, h{};
  std::copy(available.value->begin(), available.value->end(), a.begin());
  std::copy(held.value->begin(), held.value->end(), h.begin());
  b.available = formatUnits(a, token);
  b.held = formatUnits(h, token);
  b.current = (*Decimal::parse(b.available) + *Decimal::parse(b.held)).toString();
  return b;
}

}  // namespace finp2p::evm
