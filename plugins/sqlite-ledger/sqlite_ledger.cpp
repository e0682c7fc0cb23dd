#include "sqlite_ledger.hpp"

#include <chrono>
#include <random>
#include <variant>

#include "finp2p/ledger/decimal.hpp"
#include "finp2p/ledger/hash_lock.hpp"
#include "hash_locks.hpp"

namespace finp2p::sqlite_ledger {
namespace {

using finp2p::ledger::Decimal;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS accounts (
  account TEXT NOT NULL, asset TEXT NOT NULL,
  available TEXT NOT NULL, held TEXT NOT NULL,
  PRIMARY KEY (account, asset)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS holds (
  operation_id TEXT PRIMARY KEY, account TEXT NOT NULL, beneficiary TEXT NOT NULL,
  asset TEXT NOT NULL, remaining TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('held', 'released', 'reverted'))) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS transactions (
  transaction_id TEXT PRIMARY KEY, operation_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
  source TEXT NOT NULL, destination TEXT NOT NULL, asset TEXT NOT NULL,
  quantity TEXT NOT NULL, timestamp INTEGER NOT NULL) WITHOUT ROWID;
-- Double entry: every transaction's postings sum to zero per asset; '@world' is the other
-- side of issue and redeem.
CREATE TABLE IF NOT EXISTS postings (
  transaction_id TEXT NOT NULL, account TEXT NOT NULL, asset TEXT NOT NULL,
  bucket TEXT NOT NULL CHECK (bucket IN ('available', 'held', 'world')),
  direction TEXT NOT NULL CHECK (direction IN ('debit', 'credit')), amount TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS operations (
  idempotency_key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
  message TEXT NOT NULL, transaction_id TEXT) WITHOUT ROWID;
)sql";

constexpr const char* kWorld = "@world";

Outcome validation(const std::string& why) {
  return Outcome::failure(FINP2P_LEDGER_ERROR_VALIDATION, why);
}

std::string newTransactionId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "sl-";
  for (int i = 0; i < 2; ++i) {
    uint64_t v = rng();
    for (int n = 0; n < 16; ++n, v >>= 4) id += kHex[v & 15];
  }
  return id;
}

int64_t nowUnixS() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool needsAmount(finp2p_ledger_operation_kind kind) {
  return kind == FINP2P_LEDGER_OP_HOLD || kind == FINP2P_LEDGER_OP_TRANSFER ||
         kind == FINP2P_LEDGER_OP_ISSUE || kind == FINP2P_LEDGER_OP_REDEEM ||
         kind == FINP2P_LEDGER_OP_HASH_LOCK;
}

// Operations on an existing hold, named by its operation id.
bool onHold(finp2p_ledger_operation_kind kind) {
  return kind == FINP2P_LEDGER_OP_RELEASE || kind == FINP2P_LEDGER_OP_REVERT_HOLD ||
         kind == FINP2P_LEDGER_OP_CLAIM || kind == FINP2P_LEDGER_OP_REFUND;
}

// Input checks that need no ledger state.
std::optional<Outcome> checkInput(const Operation& op) {
  if (op.context.idempotencyKey.empty()) return validation("missing idempotency key");
  if (op.assetDecimals > Decimal::kDefaultMaxDecimals) {
    return validation("asset decimals " + std::to_string(op.assetDecimals) + " above 18");
  }
  bool releases = op.kind == FINP2P_LEDGER_OP_RELEASE || op.kind == FINP2P_LEDGER_OP_CLAIM;
  bool amountGiven = needsAmount(op.kind) || (releases && !op.amount.empty());
  if (amountGiven) {
    std::string why;
    auto amount = Decimal::parse(op.amount, op.assetDecimals, &why);
    if (!amount) return validation(why);
    if (amount->isZero()) return validation("amount must be greater than zero");
  }
  if (needsAmount(op.kind) && op.asset.empty()) return validation("missing asset");
  bool needsSource = op.kind == FINP2P_LEDGER_OP_HOLD || op.kind == FINP2P_LEDGER_OP_TRANSFER ||
                     op.kind == FINP2P_LEDGER_OP_REDEEM || op.kind == FINP2P_LEDGER_OP_HASH_LOCK;
  if (needsSource && op.source.empty()) return validation("missing source account");
  bool needsDestination = op.kind == FINP2P_LEDGER_OP_TRANSFER || op.kind == FINP2P_LEDGER_OP_ISSUE;
  if (needsDestination && op.destination.empty()) return validation("missing destination account");
  if (onHold(op.kind) && op.holdOperationId.empty()) {
    return validation("missing the hold's operation id");
  }
  if (!op.source.empty() && op.source == kWorld) return validation("reserved account name");
  return std::nullopt;
}

struct AccountRow {
  Decimal available;
  Decimal held;
};

std::optional<AccountRow> readAccount(Database& db, const std::string& account,
                                      const std::string& asset) {
  Statement s(db, "SELECT available, held FROM accounts WHERE account=? AND asset=?");
  s.bind(1, account).bind(2, asset);
  if (!s.step()) return std::nullopt;
  return AccountRow{*Decimal::parse(s.text(0)), *Decimal::parse(s.text(1))};
}

void writeAccount(Database& db, const std::string& account, const std::string& asset,
                  const AccountRow& row) {
  Statement s(db,
              "INSERT INTO accounts(account, asset, available, held) VALUES(?,?,?,?) "
              "ON CONFLICT(account, asset) DO UPDATE SET available=excluded.available, "
              "held=excluded.held");
  s.bind(1, account).bind(2, asset).bind(3, row.available.toString()).bind(4, row.held.toString());
  s.run();
}

void post(Database& db, const std::string& tx, const std::string& account, const std::string& asset,
          const char* bucket, const char* direction, const std::string& amount) {
  Statement s(db,
              "INSERT INTO postings(transaction_id, account, asset, bucket, direction, amount) "
              "VALUES(?,?,?,?,?,?)");
  s.bind(1, tx).bind(2, account).bind(3, asset).bind(4, bucket).bind(5, direction).bind(6, amount);
  s.run();
}

Outcome insufficient(const std::string& account, const std::string& asset, const Decimal& available,
                     const Decimal& needed) {
  return Outcome::failure(FINP2P_LEDGER_ERROR_SETTLEMENT,
                          "insufficient balance: account " + account + " has " +
                              available.toString() + " " + asset + " available, needs " +
                              needed.toString());
}

// The source account of a spending operation, if it exists and has `amount` available;
// otherwise the validation or settlement error to answer with.
std::variant<AccountRow, Outcome> spendable(Database& db, const Operation& op,
                                            const Decimal& amount) {
  auto account = readAccount(db, op.source, op.asset);
  if (!account) return validation("unknown account " + op.source + " for asset " + op.asset);
  if (account->available < amount) {
    return insufficient(op.source, op.asset, account->available, amount);
  }
  return *account;
}

}  // namespace

SqliteLedger::SqliteLedger(const std::string& path, bool fullSync, bool preflightChecksBalance)
    : preflightChecksBalance_(preflightChecksBalance), db_(path, fullSync) {
  db_.exec(kSchema);
  createHashLockSchema(db_);
}

Outcome SqliteLedger::execute(const Operation& op) {
  if (auto bad = checkInput(op)) return *bad;
  std::lock_guard lock(mutex_);
  try {
    Transaction tx(db_);
    Statement existing(db_, "SELECT fingerprint FROM operations WHERE idempotency_key=?");
    existing.bind(1, op.context.idempotencyKey);
    if (existing.step()) {
      if (existing.text(0) != finp2p::ledger::operationFingerprint(op)) {
        return validation("idempotency key " + op.context.idempotencyKey +
                          " was already used for a different operation");
      }
      return storedOutcome(op.context.idempotencyKey);
    }
    // A refund before the expiry is refused by the clock, not for what it is: the same key must
    // be able to succeed once the lock has expired, so that refusal is not stored.
    if (op.kind == FINP2P_LEDGER_OP_REFUND) {
      if (auto early = refundTooEarly(op)) return *early;
    }
    Outcome outcome = apply(op);
    Statement store(db_,
                    "INSERT INTO operations(idempotency_key, fingerprint, status, message, "
                    "transaction_id) VALUES(?,?,?,?,?)");
    store.bind(1, op.context.idempotencyKey)
        .bind(2, finp2p::ledger::operationFingerprint(op))
        .bind(3, static_cast<int64_t>(outcome.status))
        .bind(4, outcome.message)
        .bind(5, outcome.receipt ? outcome.receipt->transactionId : std::string());
    store.run();
    tx.commit();
    return outcome;
  } catch (const std::exception& e) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_UNAVAILABLE, e.what());
  }
}

Outcome SqliteLedger::apply(const Operation& op) {
  switch (op.kind) {
    case FINP2P_LEDGER_OP_HOLD:
      return hold(op);
    case FINP2P_LEDGER_OP_RELEASE:
      return release(op);
    case FINP2P_LEDGER_OP_REVERT_HOLD:
      return revertHold(op);
    case FINP2P_LEDGER_OP_TRANSFER:
      return transfer(op);
    case FINP2P_LEDGER_OP_ISSUE:
      return issue(op);
    case FINP2P_LEDGER_OP_REDEEM:
      return redeem(op);
    case FINP2P_LEDGER_OP_HASH_LOCK:
      return hashLock(op);
    case FINP2P_LEDGER_OP_CLAIM:
      return claim(op);
    case FINP2P_LEDGER_OP_REFUND:
      return refund(op);
    case FINP2P_LEDGER_OP_AWAIT:
      break;
  }
  return Outcome::failure(FINP2P_LEDGER_ERROR_UNSUPPORTED, "not a ledger movement");
}

Receipt SqliteLedger::record(const Operation& op, const std::string& type,
                             const std::string& source, const std::string& destination,
                             const std::string& quantity) {
  Receipt r;
  r.transactionId = newTransactionId();
  r.operationId = op.context.idempotencyKey;
  r.operationType = type;
  r.source = source;
  r.destination = destination;
  r.asset = op.asset;
  r.quantity = quantity;
  r.timestampUnixS = nowUnixS();
  Statement s(db_,
              "INSERT INTO transactions(transaction_id, operation_id, type, source, destination, "
              "asset, quantity, timestamp) VALUES(?,?,?,?,?,?,?,?)");
  s.bind(1, r.transactionId).bind(2, r.operationId).bind(3, type).bind(4, source);
  s.bind(5, destination).bind(6, r.asset).bind(7, quantity).bind(8, r.timestampUnixS);
  s.run();
  return r;
}

Outcome SqliteLedger::hold(const Operation& op, const char* type) {
  auto amount = *Decimal::parse(op.amount, op.assetDecimals);
  auto checked = spendable(db_, op, amount);
  if (auto* refusal = std::get_if<Outcome>(&checked)) return *refusal;
  auto& account = std::get<AccountRow>(checked);
  account.available = *account.available.minus(amount);
  account.held = account.held + amount;
  writeAccount(db_, op.source, op.asset, account);
  Statement h(db_,
              "INSERT INTO holds(operation_id, account, beneficiary, asset, remaining, state) "
              "VALUES(?,?,?,?,?,'held')");
  h.bind(1, op.context.idempotencyKey).bind(2, op.source).bind(3, op.destination);
  h.bind(4, op.asset).bind(5, amount.toString());
  h.run();
  auto receipt = record(op, type, op.source, op.destination, amount.toString());
  post(db_, receipt.transactionId, op.source, op.asset, "available", "debit", amount.toString());
  post(db_, receipt.transactionId, op.source, op.asset, "held", "credit", amount.toString());
  return Outcome::success(receipt);
}

namespace {
struct HoldRow {
  std::string account, beneficiary, asset, state;
  Decimal remaining;
};
std::optional<HoldRow> readHold(Database& db, const std::string& id) {
  Statement s(db,
              "SELECT account, beneficiary, asset, remaining, state FROM holds WHERE "
              "operation_id=?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return HoldRow{s.text(0), s.text(1), s.text(2), s.text(4), *Decimal::parse(s.text(3))};
}
void updateHold(Database& db, const std::string& id, const Decimal& remaining, const char* state) {
  Statement s(db, "UPDATE holds SET remaining=?, state=? WHERE operation_id=?");
  s.bind(1, remaining.toString()).bind(2, std::string(state)).bind(3, id);
  s.run();
}
}  // namespace

Outcome SqliteLedger::release(const Operation& op, const char* type) {
  auto hold = readHold(db_, op.holdOperationId);
  if (!hold) return validation("no hold with operation id " + op.holdOperationId);
  if (op.kind == FINP2P_LEDGER_OP_RELEASE && readHashLock(db_, op.holdOperationId)) {
    return validation("hold " + op.holdOperationId +
                      " is hash-locked: only a claim with its preimage pays it out");
  }
  if (hold->state != "held") {
    return validation("hold " + op.holdOperationId + " was already " + hold->state);
  }
  if (!op.asset.empty() && op.asset != hold->asset) {
    return validation("release of " + op.asset + " but hold " + op.holdOperationId + " is of " +
                      hold->asset);
  }
  Decimal amount =
      op.amount.empty() ? hold->remaining : *Decimal::parse(op.amount, op.assetDecimals);
  if (hold->remaining < amount) {
    return validation("release of " + amount.toString() + " but hold " + op.holdOperationId +
                      " has " + hold->remaining.toString());
  }
  std::string destination = op.destination.empty() ? hold->beneficiary : op.destination;
  auto source = readAccount(db_, hold->account, hold->asset);
  source->held = *source->held.minus(amount);
  writeAccount(db_, hold->account, hold->asset, *source);
  auto dest = readAccount(db_, destination, hold->asset).value_or(AccountRow{});
  dest.available = dest.available + amount;
  writeAccount(db_, destination, hold->asset, dest);
  Decimal left = *hold->remaining.minus(amount);
  updateHold(db_, op.holdOperationId, left, left.isZero() ? "released" : "held");
  Operation recorded = op;
  recorded.asset = hold->asset;
  auto receipt = record(recorded, type, hold->account, destination, amount.toString());
  post(db_, receipt.transactionId, hold->account, hold->asset, "held", "debit", amount.toString());
  post(db_, receipt.transactionId, destination, hold->asset, "available", "credit",
       amount.toString());
  return Outcome::success(receipt);
}

Outcome SqliteLedger::revertHold(const Operation& op, const char* type) {
  auto hold = readHold(db_, op.holdOperationId);
  if (!hold) return validation("no hold with operation id " + op.holdOperationId);
  if (op.kind == FINP2P_LEDGER_OP_REVERT_HOLD && readHashLock(db_, op.holdOperationId)) {
    return validation("hold " + op.holdOperationId +
                      " is hash-locked: only a refund from its expiry gives it back");
  }
  if (hold->state != "held") {
    return validation("hold " + op.holdOperationId + " was already " + hold->state +
                      ", nothing to revert");
  }
  auto account = readAccount(db_, hold->account, hold->asset);
  account->held = *account->held.minus(hold->remaining);
  account->available = account->available + hold->remaining;
  writeAccount(db_, hold->account, hold->asset, *account);
  updateHold(db_, op.holdOperationId, Decimal(), "reverted");
  Operation recorded = op;
  recorded.asset = hold->asset;
  std::string qty = hold->remaining.toString();
  auto receipt = record(recorded, type, hold->account, hold->account, qty);
  post(db_, receipt.transactionId, hold->account, hold->asset, "held", "debit", qty);
  post(db_, receipt.transactionId, hold->account, hold->asset, "available", "credit", qty);
  return Outcome::success(receipt);
}

// ---- hash time-locked holds: a hold with a lock, released only by a claim with the preimage
// before the expiry, reverted only by a refund from the expiry on ----

Outcome SqliteLedger::hashLock(const Operation& op) {
  if (auto why = checkLockInput(op, nowUnixS()); !why.empty()) return validation(why);
  Outcome held = hold(op, "hash_lock");
  if (!held.ok()) return held;
  HashLockRow lock{op.hashLock, op.hashFunction, op.expiryUnixS, ""};
  writeHashLock(db_, op.context.idempotencyKey, lock);
  addHashLock(db_, *held.receipt);
  return held;
}

Outcome SqliteLedger::claim(const Operation& op) {
  auto lock = readHashLock(db_, op.holdOperationId);
  auto hold = readHold(db_, op.holdOperationId);
  if (!lock || !hold) return validation("no hash lock with operation id " + op.holdOperationId);
  if (hold->state != "held") {
    return validation("hash lock " + op.holdOperationId + " was already " +
                      (hold->state == "released" ? "claimed" : "refunded"));
  }
  if (!op.destination.empty() && op.destination != hold->beneficiary) {
    return validation("a claim pays the lock's beneficiary " + hold->beneficiary + ", not " +
                      op.destination);
  }
  if (!op.amount.empty() && *Decimal::parse(op.amount, op.assetDecimals) != hold->remaining) {
    return validation("a claim takes the whole lock of " + hold->remaining.toString());
  }
  int64_t now = nowUnixS();
  if (now >= lock->expiryUnixS) {
    return validation("hash lock " + op.holdOperationId + " expired at " +
                      std::to_string(lock->expiryUnixS) + " (now " + std::to_string(now) + ")");
  }
  if (auto why = finp2p::ledger::checkPreimage(lock->hashFunction, lock->hash, op.preimage);
      !why.empty()) {
    return validation("wrong preimage for hash lock " + op.holdOperationId + ": " + why);
  }
  Outcome paid = release(op, "claim");
  if (!paid.ok()) return paid;
  writeHashLock(db_, op.context.idempotencyKey,
                {lock->hash, lock->hashFunction, lock->expiryUnixS, op.preimage});
  recordClaim(db_, op.holdOperationId, op.context.idempotencyKey, op.preimage);
  addHashLock(db_, *paid.receipt);
  return paid;
}

std::optional<Outcome> SqliteLedger::refundTooEarly(const Operation& op) {
  auto lock = readHashLock(db_, op.holdOperationId);
  int64_t now = nowUnixS();
  if (!lock || now >= lock->expiryUnixS) return std::nullopt;
  return validation("hash lock " + op.holdOperationId + " expires at " +
                    std::to_string(lock->expiryUnixS) + "; no refund before (now " +
                    std::to_string(now) + ")");
}

Outcome SqliteLedger::refund(const Operation& op) {
  auto lock = readHashLock(db_, op.holdOperationId);
  if (!lock) return validation("no hash lock with operation id " + op.holdOperationId);
  if (auto early = refundTooEarly(op)) return *early;
  Outcome back = revertHold(op, "refund");
  if (!back.ok()) return back;
  writeHashLock(db_, op.context.idempotencyKey,
                {lock->hash, lock->hashFunction, lock->expiryUnixS, ""});
  addHashLock(db_, *back.receipt);
  return back;
}

Outcome SqliteLedger::transfer(const Operation& op) {
  auto amount = *Decimal::parse(op.amount, op.assetDecimals);
  auto checked = spendable(db_, op, amount);
  if (auto* refusal = std::get_if<Outcome>(&checked)) return *refusal;
  if (op.source == op.destination) return validation("source and destination are the same account");
  auto& source = std::get<AccountRow>(checked);
  source.available = *source.available.minus(amount);
  writeAccount(db_, op.source, op.asset, source);
  auto dest = readAccount(db_, op.destination, op.asset).value_or(AccountRow{});
  dest.available = dest.available + amount;
  writeAccount(db_, op.destination, op.asset, dest);
  auto receipt = record(op, "transfer", op.source, op.destination, amount.toString());
  post(db_, receipt.transactionId, op.source, op.asset, "available", "debit", amount.toString());
  post(db_, receipt.transactionId, op.destination, op.asset, "available", "credit",
       amount.toString());
  return Outcome::success(receipt);
}

Outcome SqliteLedger::issue(const Operation& op) {
  auto amount = *Decimal::parse(op.amount, op.assetDecimals);
  auto dest = readAccount(db_, op.destination, op.asset).value_or(AccountRow{});
  dest.available = dest.available + amount;
  writeAccount(db_, op.destination, op.asset, dest);
  auto receipt = record(op, "issue", kWorld, op.destination, amount.toString());
  post(db_, receipt.transactionId, kWorld, op.asset, "world", "debit", amount.toString());
  post(db_, receipt.transactionId, op.destination, op.asset, "available", "credit",
       amount.toString());
  return Outcome::success(receipt);
}

Outcome SqliteLedger::redeem(const Operation& op) {
  auto amount = *Decimal::parse(op.amount, op.assetDecimals);
  auto checked = spendable(db_, op, amount);
  if (auto* refusal = std::get_if<Outcome>(&checked)) return *refusal;
  auto& source = std::get<AccountRow>(checked);
  source.available = *source.available.minus(amount);
  writeAccount(db_, op.source, op.asset, source);
  auto receipt = record(op, "redeem", op.source, kWorld, amount.toString());
  post(db_, receipt.transactionId, op.source, op.asset, "available", "debit", amount.toString());
  post(db_, receipt.transactionId, kWorld, op.asset, "world", "credit", amount.toString());
  return Outcome::success(receipt);
}

Outcome SqliteLedger::preflight(const Operation& op) {
  if (auto bad = checkInput(op)) return *bad;
  if (op.kind == FINP2P_LEDGER_OP_HASH_LOCK) {
    if (auto why = checkLockInput(op, nowUnixS()); !why.empty()) return validation(why);
  }
  // Balances at approval time say little about a plan whose later legs are funded by its earlier
  // ones (a repo's closing leg), so only a router that asks for it gets the balance check.
  bool spends = op.kind == FINP2P_LEDGER_OP_HOLD || op.kind == FINP2P_LEDGER_OP_TRANSFER ||
                op.kind == FINP2P_LEDGER_OP_REDEEM || op.kind == FINP2P_LEDGER_OP_HASH_LOCK;
  if (!spends || !preflightChecksBalance_) return Outcome::success();
  std::lock_guard lock(mutex_);
  try {
    auto checked = spendable(db_, op, *Decimal::parse(op.amount, op.assetDecimals));
    if (auto* refusal = std::get_if<Outcome>(&checked)) return *refusal;
    return Outcome::success();
  } catch (const std::exception& e) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_UNAVAILABLE, e.what());
  }
}

std::optional<Receipt> SqliteLedger::receiptFor(const std::string& operationId) {
  Statement s(db_,
              "SELECT transaction_id, type, source, destination, asset, quantity, timestamp "
              "FROM transactions WHERE operation_id=?");
  s.bind(1, operationId);
  if (!s.step()) return std::nullopt;
  Receipt r;
  r.transactionId = s.text(0);
  r.operationId = operationId;
  r.operationType = s.text(1);
  r.source = s.text(2);
  r.destination = s.text(3);
  r.asset = s.text(4);
  r.quantity = s.text(5);
  r.timestampUnixS = s.integer(6);
  addHashLock(db_, r);
  return r;
}

Outcome SqliteLedger::storedOutcome(const std::string& key) {
  Statement s(db_, "SELECT status, message FROM operations WHERE idempotency_key=?");
  s.bind(1, key);
  if (!s.step()) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_NOT_FOUND, "no operation with key " + key);
  }
  auto status = static_cast<finp2p_ledger_status>(s.integer(0));
  if (status != FINP2P_LEDGER_OK) return Outcome::failure(status, s.text(1));
  auto receipt = receiptFor(key);
  if (!receipt) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL,
                            "operation " + key + " has no transaction");
  }
  return Outcome::success(*receipt);
}

Outcome SqliteLedger::lookup(const std::string& key) {
  std::lock_guard lock(mutex_);
  try {
    auto outcome = storedOutcome(key);
    if (outcome.ok() && outcome.receipt) addClaimOfLock(db_, *outcome.receipt);
    return outcome;
  } catch (const std::exception& e) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_UNAVAILABLE, e.what());
  }
}

Outcome SqliteLedger::verify(const Receipt& claimed) {
  std::lock_guard lock(mutex_);
  std::optional<Receipt> actual;
  try {
    actual = receiptFor(claimed.operationId);
  } catch (const std::exception& e) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_UNAVAILABLE, e.what());
  }
  if (!actual) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_NOT_FOUND,
                            "no transaction for operation " + claimed.operationId);
  }
  auto mismatch = [](const char* field, const std::string& want, const std::string& got) {
    return validation(std::string("receipt ") + field + " is \"" + got + "\", the ledger has \"" +
                      want + "\"");
  };
  if (actual->transactionId != claimed.transactionId) {
    return mismatch("transaction id", actual->transactionId, claimed.transactionId);
  }
  if (actual->operationType != claimed.operationType) {
    return mismatch("operation type", actual->operationType, claimed.operationType);
  }
  if (actual->source != claimed.source) return mismatch("source", actual->source, claimed.source);
  if (actual->destination != claimed.destination) {
    return mismatch("destination", actual->destination, claimed.destination);
  }
  if (actual->asset != claimed.asset) return mismatch("asset", actual->asset, claimed.asset);
  auto want = Decimal::parse(actual->quantity), got = Decimal::parse(claimed.quantity);
  if (!got || *want != *got) return mismatch("quantity", actual->quantity, claimed.quantity);
  if (auto why = finp2p::ledger::compareHashLock(*actual, claimed); !why.empty())
    return validation(why);
  return Outcome::success();
}

Balance SqliteLedger::balance(const std::string& account, const std::string& asset) {
  std::lock_guard lock(mutex_);
  try {
    auto row = readAccount(db_, account, asset);
    if (!row) {
      return Balance{FINP2P_LEDGER_ERROR_NOT_FOUND,
                     "unknown account " + account + " for asset " + asset, "", "", ""};
    }
    return Balance{FINP2P_LEDGER_OK, "", (row->available + row->held).toString(),
                   row->available.toString(), row->held.toString()};
  } catch (const std::exception& e) {
    return Balance{FINP2P_LEDGER_ERROR_UNAVAILABLE, e.what(), "", "", ""};
  }
}

}  // namespace finp2p::sqlite_ledger
