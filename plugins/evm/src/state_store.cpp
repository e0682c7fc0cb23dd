#include "state_store.hpp"

#include <nlohmann/json.hpp>

#include "codec.hpp"
#include "contracts.hpp"

namespace finp2p::evm {
namespace {

using sqlite_ledger::Statement;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS operations (
  idempotency_key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, kind INTEGER NOT NULL,
  source TEXT NOT NULL, destination TEXT NOT NULL, asset TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('sent', 'done', 'failed')),
  status INTEGER NOT NULL, message TEXT NOT NULL,
  sender TEXT NOT NULL, nonce INTEGER NOT NULL, tx_hash TEXT NOT NULL, raw_tx TEXT NOT NULL,
  receipt TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deployments (
  name TEXT PRIMARY KEY, address TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS account_names (
  address TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;
)sql";

const char* stateName(OperationRecord::State s) {
  switch (s) {
    case OperationRecord::State::Sent:
      return "sent";
    case OperationRecord::State::Done:
      return "done";
    case OperationRecord::State::Failed:
      return "failed";
  }
  return "failed";
}

OperationRecord::State stateFrom(const std::string& s) {
  if (s == "sent") return OperationRecord::State::Sent;
  if (s == "done") return OperationRecord::State::Done;
  return OperationRecord::State::Failed;
}

std::string receiptJson(const ledger::Receipt& r) {
  return nlohmann::json{{"transactionId", r.transactionId},
                        {"operationId", r.operationId},
                        {"operationType", r.operationType},
                        {"source", r.source},
                        {"destination", r.destination},
                        {"asset", r.asset},
                        {"quantity", r.quantity},
                        {"timestamp", r.timestampUnixS},
                        {"proof", r.proof},
                        {"hashLock", r.hashLock},
                        {"hashFunction", r.hashFunction},
                        {"expiry", r.expiryUnixS},
                        {"preimage", r.preimage}}
      .dump();
}

std::optional<ledger::Receipt> receiptFrom(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto j = nlohmann::json::parse(text);
  ledger::Receipt r;
  r.transactionId = j.at("transactionId");
  r.operationId = j.at("operationId");
  r.operationType = j.at("operationType");
  r.source = j.at("source");
  r.destination = j.at("destination");
  r.asset = j.at("asset");
  r.quantity = j.at("quantity");
  r.timestampUnixS = j.at("timestamp");
  r.proof = j.at("proof");
  // Absent in records written before hash locks (ABI 1.1 plugins).
  r.hashLock = j.value("hashLock", "");
  r.hashFunction = j.value("hashFunction", "");
  r.expiryUnixS = j.value("expiry", int64_t{0});
  r.preimage = j.value("preimage", "");
  return r;
}

struct RelaxedSync {
  explicit RelaxedSync(sqlite_ledger::Database& db) : db(db) {
    db.exec("PRAGMA synchronous=NORMAL");
  }
  ~RelaxedSync() { db.exec("PRAGMA synchronous=FULL"); }
  sqlite_ledger::Database& db;
};

}  // namespace

StateStore::StateStore(const std::string& path) : db_(path, /*fullSync=*/true) {
  db_.exec(kSchema);
}

std::optional<OperationRecord> StateStore::find(const std::string& key) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT fingerprint, kind, source, destination, asset, state, status, message, "
              "sender, nonce, tx_hash, raw_tx, receipt FROM operations WHERE idempotency_key=?");
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  OperationRecord r;
  r.key = key;
  r.fingerprint = s.text(0);
  r.kind = static_cast<finp2p_ledger_operation_kind>(s.integer(1));
  r.source = s.text(2);
  r.destination = s.text(3);
  r.asset = s.text(4);
  r.state = stateFrom(s.text(5));
  r.status = static_cast<finp2p_ledger_status>(s.integer(6));
  r.message = s.text(7);
  r.sender = s.text(8);
  r.nonce = static_cast<uint64_t>(s.integer(9));
  r.txHash = s.text(10);
  r.rawTx = s.text(11);
  r.receipt = receiptFrom(s.text(12));
  return r;
}

bool StateStore::insert(const OperationRecord& r) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "INSERT OR IGNORE INTO operations(idempotency_key, fingerprint, kind, source, "
              "destination, asset, state, status, message, sender, nonce, tx_hash, raw_tx, "
              "receipt) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, r.key).bind(2, r.fingerprint).bind(3, static_cast<int64_t>(r.kind));
  s.bind(4, r.source).bind(5, r.destination).bind(6, r.asset).bind(7, stateName(r.state));
  s.bind(8, static_cast<int64_t>(r.status)).bind(9, r.message).bind(10, r.sender);
  s.bind(11, static_cast<int64_t>(r.nonce)).bind(12, r.txHash).bind(13, r.rawTx);
  s.bind(14, r.receipt ? receiptJson(*r.receipt) : std::string());
  s.run();
  bool inserted = sqlite3_changes(db_.handle()) == 1;
  // The FinP2P names behind the addresses, for receipts read from the chain alone.
  for (const auto* name : {&r.source, &r.destination}) {
    if (name->empty() || name->rfind("0x", 0) == 0) continue;
    Statement a(db_, "INSERT OR IGNORE INTO account_names(address, name) VALUES(?,?)");
    a.bind(1, toHex(accountAddress(*name))).bind(2, *name);
    a.run();
  }
  return inserted;
}

std::optional<std::string> StateStore::accountName(const std::string& address) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT name FROM account_names WHERE address=?");
  s.bind(1, address);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void StateStore::updateTransaction(const std::string& key, const std::string& sender,
                                   uint64_t nonce, const std::string& txHash,
                                   const std::string& rawTx) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "UPDATE operations SET sender=?, nonce=?, tx_hash=?, raw_tx=? WHERE "
              "idempotency_key=? AND state='sent'");
  s.bind(1, sender).bind(2, static_cast<int64_t>(nonce)).bind(3, txHash).bind(4, rawTx);
  s.bind(5, key);
  s.run();
}

// Outcomes are recorded without waiting for the disk (synchronous=NORMAL for that commit): a
// power loss may forget one, and lookup then reads it from the chain again by the transaction
// hash or the operation id. Only the record written before sending must be on disk.
void StateStore::markDone(const std::string& key, const ledger::Receipt& receipt) {
  std::lock_guard lock(mutex_);
  RelaxedSync relaxed(db_);
  Statement s(db_,
              "UPDATE operations SET state='done', status=0, message='', receipt=? WHERE "
              "idempotency_key=?");
  s.bind(1, receiptJson(receipt)).bind(2, key);
  s.run();
}

void StateStore::markFailed(const std::string& key, finp2p_ledger_status status,
                            const std::string& message) {
  std::lock_guard lock(mutex_);
  RelaxedSync relaxed(db_);
  Statement s(db_,
              "UPDATE operations SET state='failed', status=?, message=? WHERE idempotency_key=?");
  s.bind(1, static_cast<int64_t>(status)).bind(2, message).bind(3, key);
  s.run();
}

void StateStore::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "DELETE FROM operations WHERE idempotency_key=? AND state='sent'");
  s.bind(1, key);
  s.run();
}

std::optional<std::string> StateStore::deployment(const std::string& name) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT address FROM deployments WHERE name=?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void StateStore::recordDeployment(const std::string& name, const std::string& address) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "INSERT OR REPLACE INTO deployments(name, address) VALUES(?,?)");
  s.bind(1, name).bind(2, address);
  s.run();
}

}  // namespace finp2p::evm
