#pragma once
// The execution state on disk: an append-only SQLite (WAL) journal. Per plan it keeps
//  - every event the plan's engine consumed, hash-chained (this router's tamper-evident log,
//    replayed after a crash), and
//  - the chain of agreed facts (plan, approvals, settled instructions, terminal status) that
//    every participant computes identically: its head is the plan's journal head hash.
// Appends from all plans go through one writer thread that commits them in groups, so fsync is
// shared by everything that arrived while the previous commit was running.

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "engine/actions.hpp"
#include "finp2p/journal.pb.h"

struct sqlite3;
struct sqlite3_stmt;

namespace finp2p::journal {

struct PlanSummary {
  std::string planId;
  std::string status;
  uint32_t currentSequence = 0;
  uint32_t failedSequence = 0;
  std::string reason;
  int64_t createdAtMillis = 0;
  int64_t updatedAtMillis = 0;
  std::string chainHead;  // hex: the agreed journal head
  bool terminal = false;
};

// Which plans list() returns, newest first. Empty or zero fields do not filter.
struct PlanQuery {
  std::string status;
  int64_t createdFromMillis = 0;  // created at or after
  int64_t createdToMillis = 0;    // created before
  std::string idContains;         // a substring of the plan id (not a pattern)
  uint32_t limit = 100;
};

// Whether a plan's local journal chain is intact: every entry's hash is the hash of the one
// before it and its own payload, as it was written.
struct ChainCheck {
  bool intact = false;
  std::size_t entries = 0;
  std::string problem;  // the first entry that does not verify, and how
};

struct Batch {
  Event event;
  std::vector<engine::ChainAction> chain;
  PlanSummary summary;
  // Investor signatures the plan uses (investors::signatureDigests), recorded with the plan
  // that first carried them: a signed intent settles once.
  std::vector<std::string> investorSignatures;
};

// What the writer reports of each group commit, for metrics at the edge (no metric code here).
class CommitObserver {
 public:
  virtual ~CommitObserver() = default;
  // On the writer thread, after the group's callbacks ran: the group, the time its COMMIT took
  // (where SQLite writes and fsyncs the WAL) and whether it committed.
  virtual void committed(const std::vector<Batch>& group, double commitSeconds, bool ok) = 0;
};

struct JournalOptions {
  // Commit each append in the caller's thread and run its callback there (the simulator's
  // single thread); otherwise a writer thread commits in groups.
  bool inlineWrites = false;
  // fsync every commit (synchronous=FULL). The simulator's crashes lose the process, not the
  // operating system's cache, so it may turn this off.
  bool durable = true;
  CommitObserver* observer = nullptr;  // outlives the journal
};

class Journal {
 public:
  static Result<std::unique_ptr<Journal>> open(const std::string& path,
                                               JournalOptions options = {});
  ~Journal();

  // Queues the batch; `done` runs on the writer thread once it is durable (or failed).
  void append(Batch batch, std::function<void(Status)> done);
  // Every message of this finished plan has been answered by its peer: it owes nothing more.
  // Written with the next group, not waited for (if it is lost, recovery re-sends once more).
  void markDelivered(const std::string& planId);

  Result<std::vector<Event>> events(const std::string& planId) const;
  Result<std::vector<std::string>> unfinishedPlans() const;
  // Finished plans whose messages peers may not all have received (the plan ended, and not
  // every message was answered before the router stopped).
  Result<std::vector<std::string>> owingPlans() const;
  // Plans whose state changed at or after the time (a restored peer asks for them), oldest first.
  Result<std::vector<std::string>> plansChangedSince(int64_t sinceMillis, uint32_t limit) const;
  // The time of the newest event in the journal (0 when empty).
  Result<int64_t> newestEventMillis() const;
  // Small facts about the journal itself (e.g. when it was restored from an older copy).
  Result<std::optional<int64_t>> meta(const std::string& key) const;
  Status setMeta(const std::string& key, int64_t value);
  Result<std::optional<PlanSummary>> summary(const std::string& planId) const;
  // The plan that first carried an investor signature of this digest, if any.
  Result<std::optional<PlanSummary>> signatureUse(const std::string& digest) const;
  Result<std::vector<PlanSummary>> list(const std::string& status, uint32_t limit) const;
  Result<std::vector<PlanSummary>> list(const PlanQuery& query) const;
  // How many plans the journal holds in each status (a scan of the plans table).
  Result<std::map<std::string, uint64_t>> countByStatus() const;
  // Re-hashes the plan's local chain from its first entry (kNotFound: no such plan).
  Result<ChainCheck> verifyChain(const std::string& planId) const;
  Result<std::string> localHead(const std::string& planId) const;

 private:
  Journal(sqlite3* db, JournalOptions options, int lockFd);
  void writerLoop();
  Status commit(std::vector<Batch>& batches);
  struct sqlite3_stmt* prepared(const char* sql);

  sqlite3* db_;
  int lockFd_ = -1;  // flock'd "<journal>.lock": one process per journal
  JournalOptions options_;
  mutable std::mutex dbMutex_;  // readers and the writer share one connection
  std::mutex queueMutex_;
  std::condition_variable queueCv_;
  std::deque<std::pair<Batch, std::function<void(Status)>>> queue_;
  bool stopping_ = false;
  struct OpenPlan {
    std::string lastHash;  // hex: the hash of the plan's last event
    bool terminal = false;
  };
  std::map<std::string, OpenPlan> open_;  // unfinished plans seen since the journal was opened
  std::map<const char*, struct sqlite3_stmt*> statements_;  // keyed by the SQL literal's address
  std::thread writer_;
  double lastCommitSeconds_ = 0;  // of the last COMMIT statement (writer thread)
};

}  // namespace finp2p::journal
