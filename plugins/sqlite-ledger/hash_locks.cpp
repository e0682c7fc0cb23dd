#include "hash_locks.hpp"

#include "finp2p/ledger/hash_lock.hpp"

namespace finp2p::sqlite_ledger {

void createHashLockSchema(Database& db) {
  db.exec(R"sql(
CREATE TABLE IF NOT EXISTS hash_locks (
  operation_id TEXT PRIMARY KEY, hash TEXT NOT NULL, hash_function TEXT NOT NULL,
  expiry INTEGER NOT NULL, preimage TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hash_lock_claims (
  lock_operation_id TEXT PRIMARY KEY, claim_operation_id TEXT NOT NULL,
  preimage TEXT NOT NULL) WITHOUT ROWID;
)sql");
}

void recordClaim(Database& db, const std::string& lockOperationId,
                 const std::string& claimOperationId, const std::string& preimage) {
  Statement s(db,
              "INSERT INTO hash_lock_claims(lock_operation_id, claim_operation_id, preimage) "
              "VALUES(?,?,?)");
  s.bind(1, lockOperationId).bind(2, claimOperationId).bind(3, preimage);
  s.run();
}

void addClaimOfLock(Database& db, finp2p::ledger::Receipt& receipt) {
  if (receipt.operationType != "hash_lock") return;
  Statement s(db, "SELECT preimage FROM hash_lock_claims WHERE lock_operation_id=?");
  s.bind(1, receipt.operationId);
  if (s.step()) receipt.preimage = s.text(0);
}

void writeHashLock(Database& db, const std::string& operationId, const HashLockRow& row) {
  Statement s(db,
              "INSERT INTO hash_locks(operation_id, hash, hash_function, expiry, preimage) "
              "VALUES(?,?,?,?,?)");
  s.bind(1, operationId).bind(2, row.hash).bind(3, row.hashFunction).bind(4, row.expiryUnixS);
  s.bind(5, row.preimage);
  s.run();
}

std::optional<HashLockRow> readHashLock(Database& db, const std::string& operationId) {
  Statement s(db,
              "SELECT hash, hash_function, expiry, preimage FROM hash_locks WHERE operation_id=?");
  s.bind(1, operationId);
  if (!s.step()) return std::nullopt;
  return HashLockRow{s.text(0), s.text(1), s.integer(2), s.text(3)};
}

std::string checkLockInput(const finp2p::ledger::Operation& op, int64_t nowUnixS) {
  if (!finp2p::ledger::parseHashFunction(op.hashFunction)) {
    return "unknown hash function \"" + op.hashFunction + "\" (sha256 or keccak256)";
  }
  if (auto why = finp2p::ledger::checkHashHex(op.hashLock); !why.empty()) return why;
  if (op.expiryUnixS <= nowUnixS) {
    return "expiry " + std::to_string(op.expiryUnixS) + " is not in the future (now " +
           std::to_string(nowUnixS) + ")";
  }
  if (op.destination.empty()) return "a hash lock needs its beneficiary (destination)";
  return "";
}

void addHashLock(Database& db, finp2p::ledger::Receipt& receipt) {
  auto row = readHashLock(db, receipt.operationId);
  if (!row) return;
  receipt.hashLock = row->hash;
  receipt.hashFunction = row->hashFunction;
  receipt.expiryUnixS = row->expiryUnixS;
  receipt.preimage = row->preimage;
}

}  // namespace finp2p::sqlite_ledger
