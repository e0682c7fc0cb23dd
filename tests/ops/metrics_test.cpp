// The exposition writer: the exact text of each metric type, escaping, cumulative buckets, and
// collectors; the JSON log line.
#include <gtest/gtest.h>

#include <thread>

#include "ops/json_log.hpp"
#include "ops/metrics.hpp"

namespace finp2p::ops {
namespace {

TEST(MetricsTest, CounterAndGaugeText) {
  MetricsRegistry r;
  auto& plans = r.counter("finp2p_plans_total", "Plans by status", {"status"});
  plans.with({"completed"}).inc();
  plans.with({"completed"}).inc(2);
  plans.with({"failed"}).inc();
  r.gauge("finp2p_plans_in_flight", "In memory").only().set(7);
  EXPECT_EQ(r.expose(),
            "# HELP finp2p_plans_total Plans by status\n"
            "# TYPE finp2p_plans_total counter\n"
            "finp2p_plans_total{status=\"completed\"} 3\n"
            "finp2p_plans_total{status=\"failed\"} 1\n"
            "# HELP finp2p_plans_in_flight In memory\n"
            "# TYPE finp2p_plans_in_flight gauge\n"
            "finp2p_plans_in_flight 7\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndInclusive) {
  MetricsRegistry r;
  auto& h = r.histogram("x_seconds", "X", {"ledger"}, {0.5, 0.1, 1});  // sorted on registration
  auto& child = h.with({"cash"});
  for (double v : {0.05, 0.1, 0.3, 2.0}) child.observe(v);
  EXPECT_EQ(r.expose(),
            "# HELP x_seconds X\n"
            "# TYPE x_seconds histogram\n"
            "x_seconds_bucket{ledger=\"cash\",le=\"0.1\"} 2\n"
            "x_seconds_bucket{ledger=\"cash\",le=\"0.5\"} 3\n"
            "x_seconds_bucket{ledger=\"cash\",le=\"1\"} 3\n"
            "x_seconds_bucket{ledger=\"cash\",le=\"+Inf\"} 4\n"
            "x_seconds_sum{ledger=\"cash\"} 2.45\n"
            "x_seconds_count{ledger=\"cash\"} 4\n");
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  MetricsRegistry r;
  r.counter("e_total", "line one\nback\\slash", {"v"}).with({"q\""}).inc();
  EXPECT_EQ(r.expose(),
            "# HELP e_total line one\\nback\\\\slash\n"
            "# TYPE e_total counter\n"
            "e_total{v=\"q\\\"\"} 1\n");
}

TEST(MetricsTest, ValuesAndCollectors) {
  EXPECT_EQ(formatValue(0), "0");
  EXPECT_EQ(formatValue(1e-4), "0.0001");
  EXPECT_EQ(formatValue(123456789), "123456789");
  EXPECT_EQ(formatValue(1.0 / 0.0), "+Inf");
  MetricsRegistry r;
  auto& g = r.gauge("queue_messages", "Q").only();
  int calls = 0;
  r.onCollect([&] { g.set(++calls * 10); });
  EXPECT_NE(r.expose().find("queue_messages 10\n"), std::string::npos);
  EXPECT_NE(r.expose().find("queue_messages 20\n"), std::string::npos);
}

TEST(MetricsTest, ConcurrentIncrementsAreNotLost) {
  MetricsRegistry r;
  auto& c = r.counter("c_total", "C").only();
  auto& h = r.histogram("h_seconds", "H", {}, latencyBuckets()).only();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100000; ++i) {
        c.inc();
        h.observe(0.001);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 400000);
  EXPECT_NE(r.expose().find("h_seconds_count 400000\n"), std::string::npos);
}

TEST(JsonLogTest, PlanLinesCarryPlanIdSequenceAndEvent) {
  EXPECT_EQ(jsonLogLine("2026-12-02T14:00:00.000Z", "info", "bank-a",
                        "plan bank-a:106:x seq 2: in-progress -> completed", 7),
            "{\"ts\":\"2026-12-02T14:00:00.000Z\",\"level\":\"info\",\"organization\":\"bank-a\","
            "\"plan_id\":\"bank-a:106:x\",\"sequence\":2,\"event\":\"in-progress -> completed\","
            "\"thread\":7}");
  EXPECT_EQ(jsonLogLine("t", "warn", "bank-a", "plan p1: \"quoted\"\n", 1),
            "{\"ts\":\"t\",\"level\":\"warn\",\"organization\":\"bank-a\",\"plan_id\":\"p1\","
            "\"event\":\"\\\"quoted\\\"\\n\",\"thread\":1}");
  EXPECT_EQ(jsonLogLine("t", "info", "bank-a", "router bank-a serving", 1),
            "{\"ts\":\"t\",\"level\":\"info\",\"organization\":\"bank-a\","
            "\"event\":\"router bank-a serving\",\"thread\":1}");
}

}  // namespace
}  // namespace finp2p::ops
