// The journal on a real SQLite file: the per-plan hash chain, what survives a reopen, the
// summaries operators list, and the move from schema 1 (plan id keys) to schema 2.
#include "journal/journal.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <future>

#include "crypto/digest.hpp"

namespace finp2p::journal {
namespace {

namespace fs = std::filesystem;

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("finp2p-journal-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "journal.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  static Event event(const std::string& planId, const std::string& reason) {
    Event e;
    e.set_planid(planId);
    e.set_atmillis(1700000000000);
    e.mutable_preflight()->set_ok(false);
    e.mutable_preflight()->set_reason(reason);
    return e;
  }
  static Batch batch(const std::string& planId, const std::string& reason, bool terminal = false,
                     int64_t createdAt = 1700000000000) {
    Batch b;
    b.event = event(planId, reason);
    b.summary.planId = planId;
    b.summary.status = terminal ? "failed" : "proposed";
    b.summary.reason = reason;
    b.summary.createdAtMillis = createdAt;
    b.summary.updatedAtMillis = createdAt + 1;
    b.summary.terminal = terminal;
    return b;
  }
  static void append(Journal& j, Batch b) {
    std::promise<Status> done;
    j.append(std::move(b), [&](Status s) { done.set_value(std::move(s)); });
    auto s = done.get_future().get();
    ASSERT_TRUE(s) << s.error().message;
  }
  // The journal's tamper-evident link: hash = SHA3-256(domain || previous hash || event bytes).
  static std::string chained(const std::string& prevHex, const Event& e) {
    std::string prev;
    crypto::fromHex(prevHex, prev);
    return crypto::toHex(
        crypto::sha3_256("finp2p-exec:journal:v1\n" + prev + e.SerializeAsString()));
  }
  void sql(const std::string& statements) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &err);
    std::string why = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << why;
  }
  int64_t count(const std::string& query) {
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, query.c_str(), -1, &s, nullptr);
    int64_t n = s && sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(JournalTest, EventsAreHashChainedPerPlanAndSurviveAReopen) {
  std::string headA;
  {
    auto j = Journal::open(path_);
    ASSERT_TRUE(j) << j.error().message;
    append(**j, batch("plan-a", "a1"));
    append(**j, batch("plan-b", "b1"));
    append(**j, batch("plan-a", "a2"));
    headA = chained(chained("", event("plan-a", "a1")), event("plan-a", "a2"));
    auto head = (*j)->localHead("plan-a");
    ASSERT_TRUE(head);
    EXPECT_EQ(*head, headA);
  }
  auto j = Journal::open(path_);
  ASSERT_TRUE(j) << j.error().message;
  // After a reopen the next event links to the head written before it.
  append(**j, batch("plan-a", "a3"));
  auto head = (*j)->localHead("plan-a");
  ASSERT_TRUE(head);
  EXPECT_EQ(*head, chained(headA, event("plan-a", "a3")));
  auto events = (*j)->events("plan-a");
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].preflight().reason(), "a1");
  EXPECT_EQ((*events)[2].preflight().reason(), "a3");
  auto b = (*j)->events("plan-b");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size(), 1u);
  EXPECT_FALSE((*j)->localHead("plan-c"));
}

// What the status page shows as "this router's chain verifies": an intact chain verifies, and
// an entry changed on disk, or one removed from the middle, is named.
TEST_F(JournalTest, VerifyChainFindsAnEntryChangedOrRemovedOnDisk) {
  {
    auto j = Journal::open(path_);
    ASSERT_TRUE(j) << j.error().message;
    for (const char* r : {"a1", "a2", "a3"}) append(**j, batch("plan-a", r));
    append(**j, batch("plan-b", "b1"));
    auto ok = (*j)->verifyChain("plan-a");
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_TRUE(ok->intact) << ok->problem;
    EXPECT_EQ(ok->entries, 3u);
    EXPECT_EQ((*j)->verifyChain("plan-c").error().code, ErrorCode::kNotFound);
  }
  // Another reason in the second entry's payload, its hash left as it was.
  auto tampered = event("plan-a", "a2");
  tampered.mutable_preflight()->set_reason("forged");
  std::string hex = crypto::toHex(tampered.SerializeAsString());
  sql("UPDATE events SET payload = x'" + hex + "' WHERE id = (SELECT id FROM events WHERE " +
      "plan_key = (SELECT plan_key FROM plans WHERE plan_id = 'plan-a') ORDER BY id LIMIT 1 " +
      "OFFSET 1)");
  {
    auto j = Journal::open(path_);
    ASSERT_TRUE(j);
    auto bad = (*j)->verifyChain("plan-a");
    ASSERT_TRUE(bad);
    EXPECT_FALSE(bad->intact);
    EXPECT_NE(bad->problem.find("entry 2"), std::string::npos) << bad->problem;
    EXPECT_NE(bad->problem.find("hash does not match"), std::string::npos) << bad->problem;
    EXPECT_TRUE((*j)->verifyChain("plan-b")->intact);  // other plans are untouched
  }
  sql("DELETE FROM events WHERE id = (SELECT id FROM events WHERE plan_key = (SELECT plan_key "
      "FROM plans WHERE plan_id = 'plan-a') ORDER BY id LIMIT 1 OFFSET 1)");
  auto j = Journal::open(path_);
  ASSERT_TRUE(j);
  auto gap = (*j)->verifyChain("plan-a");
  ASSERT_TRUE(gap);
  EXPECT_FALSE(gap->intact);
  EXPECT_NE(gap->problem.find("does not link"), std::string::npos) << gap->problem;
}

TEST_F(JournalTest, ListFiltersByStatusTimeAndIdAndCountsByStatus) {
  auto j = Journal::open(path_);
  ASSERT_TRUE(j);
  append(**j, batch("bank-a:106:one", "r", false, 1000));
  append(**j, batch("bank-a:106:two", "r", true, 2000));
  append(**j, batch("bank-b:106:three", "r", true, 3000));
  auto ids = [&](PlanQuery q) {
    std::vector<std::string> out;
    auto listed = (*j)->list(q);
    EXPECT_TRUE(listed) << listed.error().message;
    if (listed) {
      for (const auto& p : *listed) out.push_back(p.planId);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids({}), (V{"bank-b:106:three", "bank-a:106:two", "bank-a:106:one"}));  // newest first
  EXPECT_EQ(ids({"failed", 0, 0, "", 100}), (V{"bank-b:106:three", "bank-a:106:two"}));
  EXPECT_EQ(ids({"", 2000, 0, "", 100}), (V{"bank-b:106:three", "bank-a:106:two"}));
  EXPECT_EQ(ids({"", 0, 2000, "", 100}), (V{"bank-a:106:one"}));  // "to" is exclusive
  EXPECT_EQ(ids({"", 0, 0, "a:106:t", 100}), (V{"bank-a:106:two"}));
  EXPECT_EQ(ids({"", 0, 0, "%", 100}), V{});  // a substring, not a LIKE pattern
  EXPECT_EQ(ids({"failed", 0, 0, "", 1}), (V{"bank-b:106:three"}));
  auto counts = (*j)->countByStatus();
  ASSERT_TRUE(counts);
  EXPECT_EQ(*counts, (std::map<std::string, uint64_t>{{"failed", 2}, {"proposed", 1}}));
}

TEST_F(JournalTest, SummariesTrackTheLatestStateAndUnfinishedPlans) {
  auto j = Journal::open(path_);
  ASSERT_TRUE(j) << j.error().message;
  append(**j, batch("plan-a", "a1", false, 1000));
  append(**j, batch("plan-b", "b1", false, 2000));
  append(**j, batch("plan-a", "a ended", true, 1000));
  auto a = (*j)->summary("plan-a");
  ASSERT_TRUE(a && a->has_value());
  EXPECT_EQ((*a)->status, "failed");
  EXPECT_EQ((*a)->reason, "a ended");
  EXPECT_TRUE((*a)->terminal);
  auto unfinished = (*j)->unfinishedPlans();
  ASSERT_TRUE(unfinished);
  EXPECT_EQ(*unfinished, std::vector<std::string>{"plan-b"});
  auto listed = (*j)->list("", 10);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].planId, "plan-b");  // newest first
  auto failed = (*j)->list("failed", 10);
  ASSERT_TRUE(failed);
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ((*failed)[0].planId, "plan-a");
  auto none = (*j)->summary("plan-z");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

constexpr const char* kSchema1 = R"sql(
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, plan_id TEXT NOT NULL, at_ms INTEGER NOT NULL,
  payload BLOB NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX events_by_plan ON events(plan_id, id);
CREATE TABLE chain (
  plan_id TEXT NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, payload BLOB NOT NULL,
  prev_hash TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (plan_id, idx)) WITHOUT ROWID;
CREATE TABLE plans (
  plan_id TEXT PRIMARY KEY, status TEXT NOT NULL, current_sequence INTEGER NOT NULL,
  failed_sequence INTEGER NOT NULL, reason TEXT NOT NULL, created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL, chain_head TEXT NOT NULL, terminal INTEGER NOT NULL)
  WITHOUT ROWID;
CREATE INDEX plans_by_terminal ON plans(terminal);
)sql";

std::string hexOf(const std::string& bytes) {
  return crypto::toHex(bytes);
}

TEST_F(JournalTest, MigratesASchema1JournalWithoutLosingAnything) {
  Event a1 = event("plan-a", "a1"), a2 = event("plan-a", "a2"), b1 = event("plan-b", "b1");
  std::string h1 = chained("", a1), h2 = chained(h1, a2), hb = chained("", b1);
  std::string rows = kSchema1;
  auto ev = [&](int id, const Event& e, const std::string& prev, const std::string& hash) {
    rows += "INSERT INTO events VALUES(" + std::to_string(id) + ",'" + e.planid() + "',1,x'" +
            hexOf(e.SerializeAsString()) + "','" + prev + "','" + hash + "');\n";
  };
  ev(1, a1, "", h1);
  ev(2, b1, "", hb);
  ev(3, a2, h1, h2);
  rows += "INSERT INTO chain VALUES('plan-a',0,'plan',x'01','','c0');\n";
  rows += "INSERT INTO plans VALUES('plan-a','executing',2,0,'',100,200,'c0',0);\n";
  rows += "INSERT INTO plans VALUES('plan-b','completed',3,0,'',50,300,'cb',1);\n";
  sql(rows);

  {
    auto j = Journal::open(path_);
    ASSERT_TRUE(j) << j.error().message;
    auto events = (*j)->events("plan-a");
    ASSERT_TRUE(events);
    ASSERT_EQ(events->size(), 2u);
    EXPECT_EQ((*events)[1].preflight().reason(), "a2");
    auto head = (*j)->localHead("plan-a");
    ASSERT_TRUE(head);
    EXPECT_EQ(*head, h2);
    auto a = (*j)->summary("plan-a");
    ASSERT_TRUE(a && a->has_value());
    EXPECT_EQ((*a)->status, "executing");
    EXPECT_EQ((*a)->chainHead, "c0");
    EXPECT_EQ(*(*j)->unfinishedPlans(), std::vector<std::string>{"plan-a"});
    // The chain continues from the migrated head.
    append(**j, batch("plan-a", "a3"));
    EXPECT_EQ(*(*j)->localHead("plan-a"), chained(h2, event("plan-a", "a3")));
  }
  EXPECT_EQ(count("PRAGMA user_version"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM sqlite_schema WHERE name LIKE '%_v1'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM chain WHERE kind='plan'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM events"), 4);
}

TEST_F(JournalTest, AMigrationThatWouldDropRowsIsRefusedAndLeavesTheFileAsItWas) {
  Event orphan = event("plan-x", "no summary row");
  sql(std::string(kSchema1) + "INSERT INTO events VALUES(1,'plan-x',1,x'" +
      hexOf(orphan.SerializeAsString()) + "','','" + chained("", orphan) + "');");
  auto j = Journal::open(path_);
  ASSERT_FALSE(j);
  EXPECT_NE(j.error().message.find("1 rows in events but 0 copied"), std::string::npos)
      << j.error().message;
  EXPECT_EQ(count("PRAGMA user_version"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM events WHERE plan_id='plan-x'"), 1);
}

TEST_F(JournalTest, AJournalFromANewerSchemaIsRefusedByName) {
  sql("PRAGMA user_version=3; CREATE TABLE future(x);");
  auto j = Journal::open(path_);
  ASSERT_FALSE(j);
  EXPECT_NE(j.error().message.find("journal schema 3"), std::string::npos) << j.error().message;
}

// Regression (issue 14, the newcomer's F3): a second finp2p-execd with the same configuration
// opened the same journal (and, through SO_REUSEPORT, served the same port), and the two
// decided plans apart. One process per journal: the second open is refused, naming why.
TEST_F(JournalTest, ASecondProcessCannotOpenAJournalInUse) {
  auto first = Journal::open(path_);
  ASSERT_TRUE(first) << first.error().message;
  auto second = Journal::open(path_);
  ASSERT_FALSE(second) << "opened a journal another Journal holds";
  EXPECT_NE(second.error().message.find("in use by another process"), std::string::npos)
      << second.error().message;
  first->reset();
  auto again = Journal::open(path_);
  EXPECT_TRUE(again) << "the lock outlived the journal: " << again.error().message;
}

}  // namespace
}  // namespace finp2p::journal
