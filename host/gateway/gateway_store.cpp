#include "gateway/gateway_store.hpp"

#include <functional>
#include <initializer_list>

namespace finp2p::gateway {
namespace {

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
CREATE TABLE IF NOT EXISTS idempotency_keys (
  idempotency_key TEXT PRIMARY KEY, route TEXT NOT NULL, request_digest TEXT NOT NULL,
  cid TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS operations (
  cid TEXT PRIMARY KEY, kind TEXT NOT NULL, ledger TEXT NOT NULL, operation TEXT NOT NULL,
  done INTEGER NOT NULL, response TEXT NOT NULL, transaction_id TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS operations_by_transaction ON operations(transaction_id);
CREATE TABLE IF NOT EXISTS accounts (
  fin_id TEXT PRIMARY KEY, account TEXT NOT NULL) WITHOUT ROWID;
)sql";

Error sqlError(sqlite3* db, const std::string& what) {
  return makeError(ErrorCode::kIo, what + ": " + sqlite3_errmsg(db));
}

// One statement: binds text parameters, calls `row` per result row.
Status run(sqlite3* db, const char* sql, std::initializer_list<std::string> params,
           const std::function<void(sqlite3_stmt*)>& row = {}) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) return sqlError(db, sql);
  int i = 1;
  for (const auto& p : params) {
    sqlite3_bind_text(stmt, i++, p.data(), static_cast<int>(p.size()), SQLITE_TRANSIENT);
  }
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (row) row(stmt);
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return sqlError(db, sql);
  return {};
}

std::string text(sqlite3_stmt* stmt, int column) {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, column))) : "";
}

constexpr const char* kSelect =
    "SELECT cid, kind, ledger, operation, done, response FROM operations ";

StoredOperation fromRow(sqlite3_stmt* s) {
  return {text(s, 0), text(s, 1), text(s, 2), text(s, 3), sqlite3_column_int(s, 4) != 0,
          text(s, 5)};
}

Result<std::optional<StoredOperation>> selectOne(sqlite3* db, const std::string& where,
                                                 const std::string& value) {
  std::optional<StoredOperation> found;
  auto sql = std::string(kSelect) + where;
  auto status = run(db, sql.c_str(), {value}, [&](sqlite3_stmt* s) { found = fromRow(s); });
  if (!status) return status.error();
  return found;
}

}  // namespace

Result<std::unique_ptr<GatewayStore>> GatewayStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    Error e = sqlError(db, "cannot open " + path);
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, 5000);
  char* message = nullptr;
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, &message) != SQLITE_OK) {
    Error e = makeError(ErrorCode::kIo, path + ": " + (message ? message : "schema"));
    sqlite3_free(message);
    sqlite3_close(db);
    return e;
  }
  return std::unique_ptr<GatewayStore>(new GatewayStore(db));
}

GatewayStore::~GatewayStore() {
  sqlite3_close(db_);
}

Result<StoredOperation> GatewayStore::claim(const std::string& idempotencyKey,
                                            const std::string& route,
                                            const std::string& requestDigest,
                                            const StoredOperation& op) {
  std::lock_guard lock(mutex_);
  if (auto s = run(db_, "BEGIN IMMEDIATE", {}); !s) return s.error();
  auto rollback = [&] { (void)run(db_, "ROLLBACK", {}); };
  std::optional<std::pair<std::string, std::string>> seen;  // digest, cid
  auto s =
      run(db_, "SELECT request_digest, cid, route FROM idempotency_keys WHERE idempotency_key=?",
          {idempotencyKey}, [&](sqlite3_stmt* row) {
            seen = {text(row, 0) + "|" + text(row, 2), text(row, 1)};
          });
  if (!s) return rollback(), s.error();
  if (seen) {
    rollback();
    if (seen->first != requestDigest + "|" + route) {
      return makeError(ErrorCode::kAlreadyExists,
                       "Idempotency-Key " + idempotencyKey + " was used for another request");
    }
    auto stored = selectOne(db_, "WHERE cid=?", seen->second);
    if (!stored) return stored.error();
    if (!*stored) return makeError(ErrorCode::kInternal, "operation " + seen->second + " lost");
    return **stored;
  }
  s = run(db_,
          "INSERT INTO idempotency_keys(idempotency_key, route, request_digest, cid) "
          "VALUES(?,?,?,?)",
          {idempotencyKey, route, requestDigest, op.cid});
  if (s) {
    s = run(db_,
            "INSERT INTO operations(cid, kind, ledger, operation, done, response) "
            "VALUES(?,?,?,?,?,?)",
            {op.cid, op.kind, op.ledger, op.operation, op.done ? "1" : "0", op.response});
  }
  if (s) s = run(db_, "COMMIT", {});
  if (!s) return rollback(), s.error();
  return op;
}

Result<std::optional<StoredOperation>> GatewayStore::byCid(const std::string& cid) {
  std::lock_guard lock(mutex_);
  return selectOne(db_, "WHERE cid=?", cid);
}

Result<std::optional<StoredOperation>> GatewayStore::byTransaction(const std::string& tx) {
  std::lock_guard lock(mutex_);
  return selectOne(db_, "WHERE transaction_id=? AND done=1", tx);
}

Status GatewayStore::complete(const std::string& cid, const std::string& response,
                              const std::string& transactionId) {
  std::lock_guard lock(mutex_);
  if (transactionId.empty()) {
    return run(db_, "UPDATE operations SET done=1, response=? WHERE cid=?", {response, cid});
  }
  return run(db_, "UPDATE operations SET done=1, response=?, transaction_id=? WHERE cid=?",
             {response, transactionId, cid});
}

Result<std::vector<StoredOperation>> GatewayStore::pending() {
  std::lock_guard lock(mutex_);
  std::vector<StoredOperation> out;
  auto sql = std::string(kSelect) + "WHERE done=0";
  auto s = run(db_, sql.c_str(), {}, [&](sqlite3_stmt* row) { out.push_back(fromRow(row)); });
  if (!s) return s.error();
  return out;
}

Status GatewayStore::rememberAccount(const std::string& finId, const std::string& account) {
  std::lock_guard lock(mutex_);
  return run(db_, "INSERT OR IGNORE INTO accounts(fin_id, account) VALUES(?,?)", {finId, account});
}

Result<std::optional<std::string>> GatewayStore::accountFor(const std::string& finId) {
  std::lock_guard lock(mutex_);
  std::optional<std::string> found;
  auto s = run(db_, "SELECT account FROM accounts WHERE fin_id=?", {finId},
               [&](sqlite3_stmt* row) { found = text(row, 0); });
  if (!s) return s.error();
  return found;
}

}  // namespace finp2p::gateway
