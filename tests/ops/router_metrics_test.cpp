// What the observers turn into: statuses entered, open plans and their age, peer messages with
// bounded labels (an unconfigured sender is "unknown"), and a valid exposition.
#include "ops/router_metrics.hpp"

#include <gtest/gtest.h>

#include "node/runtime.hpp"

namespace finp2p::ops {
namespace {

journal::Batch batch(const std::string& plan, const std::string& status, int64_t created,
                     int64_t updated, bool terminal = false) {
  journal::Batch b;
  b.event.set_planid(plan);
  b.event.mutable_agreementdeadline();
  b.summary.planId = plan;
  b.summary.status = status;
  b.summary.createdAtMillis = created;
  b.summary.updatedAtMillis = updated;
  b.summary.terminal = terminal;
  return b;
}

bool has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(RouterMetricsTest, PlansByStatusOpenAndDuration) {
  RouterMetrics m("bank-a", {"bank-b"}, {"cash"});
  int64_t now = node::wallClockMillis();
  m.committed({batch("p1", "proposed", now - 5000, now - 5000),
               batch("p2", "proposed", now - 1000, now - 1000)},
              0.002, true);
  m.committed({batch("p1", "in-progress", now - 5000, now - 4000),
               batch("p1", "in-progress", now - 5000, now - 3000)},  // same status again
              0.001, true);
  auto text = m.registry().expose();
  EXPECT_TRUE(has(text, "finp2p_plans_total{status=\"proposed\"} 2")) << text;
  EXPECT_TRUE(has(text, "finp2p_plans_total{status=\"in-progress\"} 1"));
  EXPECT_TRUE(has(text, "finp2p_plans_open{status=\"proposed\"} 1"));
  EXPECT_TRUE(has(text, "finp2p_plans_open{status=\"in-progress\"} 1"));
  EXPECT_NE(text.find("finp2p_plan_oldest_in_status_seconds{status=\"in-progress\"} 4"),
            std::string::npos)
      << text;
  EXPECT_TRUE(has(text, "finp2p_journal_commits_total{result=\"ok\"} 2"));
  EXPECT_TRUE(has(text, "finp2p_journal_commit_group_entries_count 2"));
  m.committed({batch("p1", "completed", now - 5000, now, true)}, 0.001, true);
  text = m.registry().expose();
  EXPECT_TRUE(has(text, "finp2p_plans_total{status=\"completed\"} 1"));
  EXPECT_TRUE(has(text, "finp2p_plans_open{status=\"in-progress\"} 0"));
  EXPECT_TRUE(has(text, "finp2p_plan_duration_seconds_bucket{status=\"completed\",le=\"5\"} 1"));
  EXPECT_TRUE(has(text, "finp2p_plan_duration_seconds_bucket{status=\"completed\",le=\"2.5\"} 0"));
  EXPECT_EQ(text.find("p1"), std::string::npos) << "a plan id became a label";
}

TEST(RouterMetricsTest, EveryPlanStatusIsExposedFromTheFirstScrape) {
  RouterMetrics m("bank-a", {"bank-b"}, {"cash"});
  auto text = m.registry().expose();
  for (const char* s :
       {"proposed", "in-progress", "completed", "failed", "halted", "rejected", "cancelled"}) {
    EXPECT_TRUE(has(text, std::string("finp2p_plans_total{status=\"") + s + "\"} 0"))
        << s << " missing before any plan entered it:\n"
        << text;
  }
}

TEST(RouterMetricsTest, PeerMessagesHaveBoundedLabels) {
  RouterMetrics m("bank-a", {"bank-b"}, {"cash"});
  m.answered("bank-b", "approve", 0);
  m.answered("bank-b", "approve", 0);
  m.answered("bank-b", "propose", -1);
  m.answered("bank-b", "propose", 42);  // outside the cached codes
  m.retrying("bank-b");
  m.incoming().answered("bank-b", "resend", 0);
  m.incoming().answered("mallory-1234", "propose", 5);  // not a configured peer
  m.ledgerCall("cash", "execute", "ok", 0.003);
  m.ledgerCall("no-such-ledger", "verify", "not_found", 0.001);
  m.ledgerReloaded("cash", true);
  auto text = m.registry().expose();
  EXPECT_TRUE(has(text,
                  "finp2p_peer_messages_sent_total{peer=\"bank-b\",kind=\"approve\","
                  "code=\"0\"} 2"))
      << text;
  EXPECT_TRUE(has(text,
                  "finp2p_peer_messages_sent_total{peer=\"bank-b\",kind=\"propose\","
                  "code=\"none\"} 1"));
  EXPECT_TRUE(has(text,
                  "finp2p_peer_messages_sent_total{peer=\"bank-b\",kind=\"propose\","
                  "code=\"42\"} 1"));
  EXPECT_TRUE(has(text, "finp2p_outbox_retries_total{peer=\"bank-b\"} 1"));
  EXPECT_TRUE(has(text, "finp2p_peer_messages_received_total{peer=\"bank-b\",kind=\"resend\"} 1"));
  EXPECT_TRUE(has(text,
                  "finp2p_peer_messages_refused_total{peer=\"unknown\",kind=\"propose\","
                  "code=\"5\"} 1"));
  EXPECT_TRUE(has(text,
                  "finp2p_ledger_calls_total{ledger=\"cash\",operation=\"execute\","
                  "outcome=\"ok\"} 1"));
  EXPECT_TRUE(has(text,
                  "finp2p_ledger_calls_total{ledger=\"unknown\",operation=\"verify\","
                  "outcome=\"not_found\"} 1"));
  EXPECT_TRUE(has(text, "finp2p_ledger_reloads_total{ledger=\"cash\",result=\"ok\"} 1"));
  EXPECT_EQ(text.find("mallory"), std::string::npos);
  EXPECT_TRUE(has(text, "finp2p_router_info{organization=\"bank-a\"} 1"));
  EXPECT_NE(text.find("\nprocess_resident_memory_bytes "), std::string::npos);
}

}  // namespace
}  // namespace finp2p::ops
