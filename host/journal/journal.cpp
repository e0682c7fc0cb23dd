#include "journal/journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <chrono>

#include <pthread.h>
#include <sqlite3.h>

#include <spdlog/spdlog.h>

#include "crypto/digest.hpp"

namespace finp2p::journal {
namespace {

// Schema 2. Every per-plan table is keyed by plan_key, a small integer the journal assigns in
// arrival order, not by the plan id (a random UUID): appends then land at the right edge of each
// B-tree, where the pages are already cached, instead of on a random page of an index that
// grows with history; and the chain's rows (about 1 KB each) fill their pages instead of
// splitting half-empty pages in a WITHOUT ROWID table (schema 1 left 70 % of those pages unused).
constexpr int kSchemaVersion = 2;
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS plans (
  plan_key INTEGER PRIMARY KEY, plan_id TEXT NOT NULL UNIQUE, status TEXT NOT NULL,
  current_sequence INTEGER NOT NULL, failed_sequence INTEGER NOT NULL, reason TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL, chain_head TEXT NOT NULL,
  terminal INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS plans_unfinished ON plans(plan_key) WHERE terminal=0;
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY, plan_key INTEGER NOT NULL, at_ms INTEGER NOT NULL,
  payload BLOB NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_plan ON events(plan_key, id);
CREATE TABLE IF NOT EXISTS chain (
  id INTEGER PRIMARY KEY, plan_key INTEGER NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL,
  payload BLOB NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS chain_by_plan ON chain(plan_key, idx);
CREATE TABLE IF NOT EXISTS owing (plan_key INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS investor_signatures (
  digest TEXT PRIMARY KEY, plan_key INTEGER NOT NULL) WITHOUT ROWID;
)sql";

// Schema 1 (plan id as the key of every table) to 2, in one transaction; the row counts are
// compared before the old tables go, so a journal is never migrated with something missing.
constexpr const char* kMigrateFrom1 = R"sql(
ALTER TABLE plans RENAME TO plans_v1;
ALTER TABLE events RENAME TO events_v1;
ALTER TABLE chain RENAME TO chain_v1;
DROP INDEX IF EXISTS events_by_plan;
DROP INDEX IF EXISTS plans_by_terminal;
)sql";
constexpr const char* kCopyFrom1 = R"sql(
INSERT INTO plans(plan_id, status, current_sequence, failed_sequence, reason, created_at_ms,
                  updated_at_ms, chain_head, terminal)
  SELECT plan_id, status, current_sequence, failed_sequence, reason, created_at_ms,
         updated_at_ms, chain_head, terminal FROM plans_v1 ORDER BY created_at_ms, plan_id;
INSERT INTO events(id, plan_key, at_ms, payload, prev_hash, hash)
  SELECT e.id, p.plan_key, e.at_ms, e.payload, e.prev_hash, e.hash
  FROM events_v1 e JOIN plans p ON p.plan_id = e.plan_id ORDER BY e.id;
INSERT INTO chain(plan_key, idx, kind, payload, prev_hash, hash)
  SELECT p.plan_key, c.idx, c.kind, c.payload, c.prev_hash, c.hash
  FROM chain_v1 c JOIN plans p ON p.plan_id = c.plan_id ORDER BY p.plan_key, c.idx;
)sql";
constexpr const char* kDropV1 = "DROP TABLE plans_v1; DROP TABLE events_v1; DROP TABLE chain_v1;";

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db), owned_(true) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  // A statement kept prepared by the journal: reset for its next use instead of finalized.
  Stmt(sqlite3* db, sqlite3_stmt* cached) : db_(db), s_(cached), owned_(false) {}
  ~Stmt() {
    if (owned_) {
      sqlite3_finalize(s_);
    } else {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  bool ok() const { return s_ != nullptr; }
  Stmt& text(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& blob(int i, const std::string& v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& integer(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  int step() { return sqlite3_step(s_); }
  std::string col(int i) const {
    auto* p = static_cast<const char*>(sqlite3_column_blob(s_, i));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, i))) : std::string();
  }
  int64_t num(int i) const { return sqlite3_column_int64(s_, i); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  bool owned_;
};

Error dbError(sqlite3* db, const std::string& what) {
  return makeError(ErrorCode::kIo, "journal: " + what + ": " + sqlite3_errmsg(db));
}

PlanSummary readSummary(Stmt& s) {
  PlanSummary p;
  p.planId = s.col(0);
  p.status = s.col(1);
  p.currentSequence = static_cast<uint32_t>(s.num(2));
  p.failedSequence = static_cast<uint32_t>(s.num(3));
  p.reason = s.col(4);
  p.createdAtMillis = s.num(5);
  p.updatedAtMillis = s.num(6);
  p.chainHead = s.col(7);
  p.terminal = s.num(8) != 0;
  return p;
}

// The local chain's link: an entry's hash covers the previous entry's hash and its payload.
std::string entryHash(const std::string& prevHex, const std::string& payload) {
  std::string prevRaw;
  crypto::fromHex(prevHex, prevRaw);
  return crypto::toHex(crypto::sha3_256("finp2p-exec:journal:v1\n" + prevRaw + payload));
}

constexpr const char* kSummaryColumns =
    "plan_id, status, current_sequence, failed_sequence, reason, created_at_ms, updated_at_ms, "
    "chain_head, terminal";

}  // namespace

namespace {

// Runs `sql`; on failure returns its error message.
std::optional<std::string> exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) == SQLITE_OK) return std::nullopt;
  std::string why = err ? err : sqlite3_errmsg(db);
  sqlite3_free(err);
  return why;
}

int64_t single(sqlite3* db, const char* sql) {
  Stmt q(db, sql);
  return q.ok() && q.step() == SQLITE_ROW ? q.num(0) : -1;
}

// Brings the file to kSchemaVersion: creates it, migrates an older one, or refuses a newer one.
std::optional<std::string> prepareSchema(sqlite3* db) {
  int64_t version = single(db, "PRAGMA user_version");
  if (version > kSchemaVersion) {
    return "it was written with journal schema " + std::to_string(version) +
           " and this build reads schema " + std::to_string(kSchemaVersion) +
           " at most; run the newer finp2p-execd";
  }
  if (version == kSchemaVersion) return exec(db, kSchema);
  bool v1 = single(db, "SELECT count(*) FROM pragma_table_info('events') WHERE name='plan_id'") > 0;
  if (auto why = exec(db, "BEGIN IMMEDIATE")) return why;
  auto fail = [&](std::string why) {
    exec(db, "ROLLBACK");
    return std::optional<std::string>(std::move(why));
  };
  if (v1) {
    for (const char* sql : {kMigrateFrom1, kSchema, kCopyFrom1}) {
      if (auto why = exec(db, sql)) return fail("migrating from schema 1: " + *why);
    }
    for (const char* table : {"plans", "events", "chain"}) {
      std::string count = std::string("SELECT count(*) FROM ") + table;
      int64_t before = single(db, (count + "_v1").c_str()), after = single(db, count.c_str());
      if (before != after) {
        return fail("migrating from schema 1: " + std::to_string(before) + " rows in " + table +
                    " but " + std::to_string(after) + " copied (rows without a plan?)");
      }
    }
    if (auto why = exec(db, kDropV1)) return fail("migrating from schema 1: " + *why);
    spdlog::info("journal migrated from schema 1 to {}", kSchemaVersion);
  } else if (auto why = exec(db, kSchema)) {
    return fail(*why);
  }
  if (auto why = exec(db, "PRAGMA user_version=" + std::to_string(kSchemaVersion))) {
    return fail(*why);
  }
  if (auto why = exec(db, "COMMIT")) return fail(*why);
  return std::nullopt;
}

}  // namespace

Result<std::unique_ptr<Journal>> Journal::open(const std::string& path, JournalOptions options) {
  // One process per journal: a second finp2p-execd started with the same configuration would
  // otherwise share it (and, with SO_REUSEPORT, half of the peers' connections) and decide
  // plans the first one never hears of. The lock goes with the process, also at kill -9.
  int lockFd = ::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lockFd < 0) {
    return makeError(ErrorCode::kIo,
                     "cannot open " + path + ".lock: " + std::string(std::strerror(errno)));
  }
  if (::flock(lockFd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lockFd);
    return makeError(ErrorCode::kUnavailable,
                     "journal " + path +
                         " is in use by another process (is a finp2p-execd with this "
                         "configuration already running?)");
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    ::close(lockFd);
    return makeError(ErrorCode::kIo, "cannot open journal " + path + ": " + why);
  }
  sqlite3_busy_timeout(db, 5000);
  // Not durable (the simulator): its crashes never interrupt a transaction and never lose the
  // operating system's cache, so a rollback journal in memory and no fsync keep every commit.
  auto why = exec(db, options.durable ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                      : "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; "
                                        "PRAGMA locking_mode=EXCLUSIVE;");
  if (!why) why = prepareSchema(db);
  if (why) {
    sqlite3_close(db);
    ::close(lockFd);
    return makeError(ErrorCode::kIo, "cannot initialize journal " + path + ": " + *why);
  }
  return std::unique_ptr<Journal>(new Journal(db, options, lockFd));
}

Journal::Journal(sqlite3* db, JournalOptions options, int lockFd)
    : db_(db), lockFd_(lockFd), options_(options) {
  if (options_.inlineWrites) return;
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "journal-writer");
    writerLoop();
  });
}

Journal::~Journal() {
  {
    std::lock_guard lock(queueMutex_);
    stopping_ = true;
  }
  queueCv_.notify_all();
  if (writer_.joinable()) writer_.join();
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
  if (lockFd_ >= 0) ::close(lockFd_);  // releases the flock
}

void Journal::append(Batch batch, std::function<void(Status)> done) {
  if (options_.inlineWrites) {
    std::vector<Batch> one;
    one.push_back(std::move(batch));
    Status status = commit(one);
    if (done) done(status);
    if (options_.observer) options_.observer->committed(one, lastCommitSeconds_, status.ok());
    return;
  }
  {
    std::lock_guard lock(queueMutex_);
    queue_.emplace_back(std::move(batch), std::move(done));
  }
  queueCv_.notify_one();
}

void Journal::writerLoop() {
  for (;;) {
    std::vector<Batch> batches;
    std::vector<std::function<void(Status)>> callbacks;
    {
      std::unique_lock lock(queueMutex_);
      queueCv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // Everything queued so far goes into one transaction: one fsync for the group.
      while (!queue_.empty() && batches.size() < 1024) {
        batches.push_back(std::move(queue_.front().first));
        callbacks.push_back(std::move(queue_.front().second));
        queue_.pop_front();
      }
    }
    Status status = commit(batches);
    for (auto& cb : callbacks) {
      if (cb) cb(status);
    }
    if (options_.observer) options_.observer->committed(batches, lastCommitSeconds_, status.ok());
  }
}

// The write path's statements stay prepared for the journal's life (called under dbMutex_).
sqlite3_stmt* Journal::prepared(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  statements_.emplace(sql, stmt);
  return stmt;
}

Status Journal::commit(std::vector<Batch>& batches) {
  std::lock_guard lock(dbMutex_);
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return dbError(db_, "begin");
  }
  auto rollback = [&](const std::string& what) {
    Error e = dbError(db_, what);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  };
  // What this transaction changes; copied into open_ only once it has committed.
  std::map<std::string, OpenPlan> touched;
  for (auto& b : batches) {
    if (b.event.kind_case() == Event::KIND_NOT_SET) {
      // markDelivered(): the plan owes its peers nothing more.
      Stmt del(db_, prepared("DELETE FROM owing WHERE plan_key=(SELECT plan_key FROM plans "
                             "WHERE plan_id=?)"));
      del.text(1, b.summary.planId);
      if (del.step() != SQLITE_DONE) return rollback("forget a delivered plan");
      continue;
    }
    const std::string& planId = b.event.planid();
    const auto& s = b.summary;
    // One statement whether or not the plan has a row yet (it may, for a plan resumed after a
    // restart); it also returns the plan's key.
    Stmt up(db_, prepared("INSERT INTO plans(plan_id, status, current_sequence, failed_sequence, "
                          "reason, created_at_ms, updated_at_ms, chain_head, terminal) "
                          "VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(plan_id) DO UPDATE SET "
                          "status=excluded.status, current_sequence=excluded.current_sequence, "
                          "failed_sequence=excluded.failed_sequence, reason=excluded.reason, "
                          "updated_at_ms=excluded.updated_at_ms, chain_head=excluded.chain_head, "
                          "terminal=excluded.terminal RETURNING plan_key"));
    up.text(1, planId).text(2, s.status).integer(3, s.currentSequence);
    up.integer(4, s.failedSequence).text(5, s.reason).integer(6, s.createdAtMillis);
    up.integer(7, s.updatedAtMillis).text(8, s.chainHead).integer(9, s.terminal ? 1 : 0);
    if (up.step() != SQLITE_ROW) return rollback("update plan summary");
    int64_t key = up.num(0);
    if (up.step() != SQLITE_DONE) return rollback("update plan summary");
    auto known = touched.find(planId);
    if (known == touched.end()) {
      if (auto cached = open_.find(planId); cached != open_.end()) {
        known = touched.emplace(planId, cached->second).first;
      } else {
        // First event of this plan since the journal was opened: find where its chain ends.
        OpenPlan plan;
        Stmt q(db_, prepared("SELECT hash FROM events WHERE plan_key=? ORDER BY id DESC LIMIT 1"));
        q.integer(1, key);
        if (q.step() == SQLITE_ROW) plan.lastHash = q.col(0);
        known = touched.emplace(planId, std::move(plan)).first;
      }
    }
    OpenPlan& plan = known->second;
    std::string payload = b.event.SerializeAsString();
    std::string hash = entryHash(plan.lastHash, payload);
    Stmt ins(db_, prepared("INSERT INTO events(plan_key, at_ms, payload, prev_hash, hash) "
                           "VALUES(?,?,?,?,?)"));
    ins.integer(1, key).integer(2, b.event.atmillis()).blob(3, payload);
    ins.text(4, plan.lastHash).text(5, hash);
    if (ins.step() != SQLITE_DONE) return rollback("append event");
    plan.lastHash = std::move(hash);
    if (s.terminal && !plan.terminal) {
      // Until every message of it is answered, a finished plan may owe its peers something.
      Stmt owe(db_, prepared("INSERT OR IGNORE INTO owing(plan_key) VALUES(?)"));
      owe.integer(1, key);
      if (owe.step() != SQLITE_DONE) return rollback("record an owing plan");
    }
    plan.terminal = s.terminal;
    for (const auto& digest : b.investorSignatures) {
      // The first plan to carry a signature keeps it (a relayed proposal of the same plan
      // changes nothing).
      Stmt use(db_, prepared("INSERT OR IGNORE INTO investor_signatures(digest, plan_key) "
                             "VALUES(?,?)"));
      use.text(1, digest).integer(2, key);
      if (use.step() != SQLITE_DONE) return rollback("record an investor signature's use");
    }
    for (const auto& c : b.chain) {
      Stmt ch(db_, prepared("INSERT OR IGNORE INTO chain(plan_key, idx, kind, payload, prev_hash, "
                            "hash) VALUES(?,?,?,?,?,?)"));
      ch.integer(1, key).integer(2, c.index).text(3, c.kind).blob(4, c.payload);
      ch.text(5, c.prevHash).text(6, c.hash);
      if (ch.step() != SQLITE_DONE) return rollback("append chain entry");
    }
  }
  auto commitStart = std::chrono::steady_clock::now();
  int committed = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  lastCommitSeconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - commitStart).count();
  if (committed != SQLITE_OK) return rollback("commit");
  for (auto& [planId, plan] : touched) {
    if (plan.terminal) {
      open_.erase(planId);
    } else {
      open_[planId] = std::move(plan);
    }
  }
  return {};
}

Result<std::vector<Event>> Journal::events(const std::string& planId) const {
  std::lock_guard lock(dbMutex_);
  Stmt q(db_,
         "SELECT payload FROM events WHERE plan_key=(SELECT plan_key FROM plans WHERE plan_id=?) "
         "ORDER BY id");
  q.text(1, planId);
  std::vector<Event> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    Event e;
    if (!e.ParseFromString(q.col(0))) {
      return makeError(ErrorCode::kInternal, "journal entry of plan " + planId + " is corrupt");
    }
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return dbError(db_, "read events");
  return out;
}

Result<std::vector<std::string>> Journal::unfinishedPlans() const {
  std::lock_guard lock(dbMutex_);
  Stmt q(db_, "SELECT plan_id FROM plans WHERE terminal=0 ORDER BY plan_key");
  std::vector<std::string> out;
  while (q.step() == SQLITE_ROW) out.push_back(q.col(0));
  return out;
}

void Journal::markDelivered(const std::string& planId) {
  Batch b;
  b.summary.planId = planId;
  append(std::move(b), nullptr);
}

Result<std::vector<std::string>> Journal::owingPlans() const {
  std::lock_guard lock(dbMutex_);
  Stmt q(db_,
         "SELECT p.plan_id FROM owing o JOIN plans p ON p.plan_key = o.plan_key "
         "WHERE p.terminal=1 ORDER BY o.plan_key");
  std::vector<std::string> out;
  while (q.step() == SQLITE_ROW) out.push_back(q.col(0));
  return out;
}

Result<std::vector<std::string>> Journal::plansChangedSince(int64_t sinceMillis,
                                                            uint32_t limit) const {
  std::lock_guard lock(dbMutex_);
  Stmt q(db_, "SELECT plan_id FROM plans WHERE updated_at_ms>=? ORDER BY plan_key LIMIT ?");
  q.integer(1, sinceMillis).integer(2, limit);
  std::vector<std::string> out;
  while (q.step() == SQLITE_ROW) out.push_back(q.col(0));
  return out;
}

Result<int64_t> Journal::newestEventMillis() const {
  std::lock_guard lock(dbMutex_);
  Stmt q(db_, "SELECT COALESCE(MAX(at_ms), 0) FROM events");
  if (q.step() != SQLITE_ROW) return makeError(ErrorCode::kIo, sqlite3_errmsg(db_));
  return q.num(0);
}

Result<std::optional<int64_t>> Journal::meta(const std::string& key) const {
  std::lock_guard lock(dbMutex_);
  Stmt q(db_, "SELECT value FROM meta WHERE key=?");
  q.text(1, key);
  if (q.step() != SQLITE_ROW) return std::optional<int64_t>();
  return std::optional<int64_t>(q.num(0));
}

Status Journal::setMeta(const std::string& key, int64_t value) {
  std::lock_guard lock(dbMutex_);
  Stmt q(db_, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=?");
  q.text(1, key).integer(2, value).integer(3, value);
  if (q.step() != SQLITE_DONE) {
    return makeError(ErrorCode::kIo, std::string("journal meta: ") + sqlite3_errmsg(db_));
  }
  return {};
}

Result<std::optional<PlanSummary>> Journal::summary(const std::string& planId) const {
  std::lock_guard lock(dbMutex_);
  Stmt q(db_, (std::string("SELECT ") + kSummaryColumns + " FROM plans WHERE plan_id=?").c_str());
  q.text(1, planId);
  if (q.step() != SQLITE_ROW) return std::optional<PlanSummary>();
  return std::optional<PlanSummary>(readSummary(q));
}

Result<std::optional<PlanSummary>> Journal::signatureUse(const std::string& digest) const {
  std::lock_guard lock(dbMutex_);
  Stmt q(db_, (std::string("SELECT ") + kSummaryColumns +
               " FROM investor_signatures s JOIN plans p ON p.plan_key=s.plan_key WHERE "
               "s.digest=?")
                  .c_str());
  q.text(1, digest);
  if (q.step() != SQLITE_ROW) return std::optional<PlanSummary>();
  return std::optional<PlanSummary>(readSummary(q));
}

Result<std::vector<PlanSummary>> Journal::list(const std::string& status, uint32_t limit) const {
  PlanQuery query;
  query.status = status;
  query.limit = limit;
  return list(query);
}

Result<std::vector<PlanSummary>> Journal::list(const PlanQuery& query) const {
  std::lock_guard lock(dbMutex_);
  std::string where;
  auto clause = [&where](const char* c) {
    where += (where.empty() ? " WHERE " : " AND ") + std::string(c);
  };
  if (!query.status.empty()) clause("status=?");
  if (query.createdFromMillis) clause("created_at_ms>=?");
  if (query.createdToMillis) clause("created_at_ms<?");
  if (!query.idContains.empty()) clause("instr(plan_id, ?)>0");
  std::string sql = std::string("SELECT ") + kSummaryColumns + " FROM plans" + where +
                    " ORDER BY plan_key DESC LIMIT ?";  // newest first: keys follow arrival
  Stmt q(db_, sql.c_str());
  int i = 1;
  if (!query.status.empty()) q.text(i++, query.status);
  if (query.createdFromMillis) q.integer(i++, query.createdFromMillis);
  if (query.createdToMillis) q.integer(i++, query.createdToMillis);
  if (!query.idContains.empty()) q.text(i++, query.idContains);
  q.integer(i, query.limit ? query.limit : 100);
  std::vector<PlanSummary> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(readSummary(q));
  if (rc != SQLITE_DONE) return dbError(db_, "list plans");
  return out;
}

Result<std::map<std::string, uint64_t>> Journal::countByStatus() const {
  std::lock_guard lock(dbMutex_);
  Stmt q(db_, "SELECT status, COUNT(*) FROM plans GROUP BY status");
  std::map<std::string, uint64_t> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out[q.col(0)] = static_cast<uint64_t>(q.num(1));
  if (rc != SQLITE_DONE) return dbError(db_, "count plans");
  return out;
}

Result<ChainCheck> Journal::verifyChain(const std::string& planId) const {
  std::lock_guard lock(dbMutex_);
  Stmt q(db_,
         "SELECT id, payload, prev_hash, hash FROM events "
         "WHERE plan_key=(SELECT plan_key FROM plans WHERE plan_id=?) ORDER BY id");
  q.text(1, planId);
  ChainCheck check;
  std::string expectedPrev;  // the first entry links to nothing
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    ++check.entries;
    std::string where = "entry " + std::to_string(check.entries) + " (row " + q.col(0) + ")";
    if (check.problem.empty() && q.col(2) != expectedPrev) {
      check.problem = where + " does not link to the entry before it";
    }
    if (check.problem.empty() && entryHash(q.col(2), q.col(1)) != q.col(3)) {
      check.problem = where + ": its hash does not match its contents";
    }
    expectedPrev = q.col(3);
  }
  if (rc != SQLITE_DONE) return dbError(db_, "read events");
  if (check.entries == 0) return makeError(ErrorCode::kNotFound, "no journal for plan " + planId);
  check.intact = check.problem.empty();
  return check;
}

Result<std::string> Journal::localHead(const std::string& planId) const {
  std::lock_guard lock(dbMutex_);
  Stmt q(db_,
         "SELECT hash FROM events WHERE plan_key=(SELECT plan_key FROM plans WHERE plan_id=?) "
         "ORDER BY id DESC LIMIT 1");
  q.text(1, planId);
  if (q.step() != SQLITE_ROW)
    return makeError(ErrorCode::kNotFound, "no journal for plan " + planId);
  return q.col(0);
}

}  // namespace finp2p::journal
