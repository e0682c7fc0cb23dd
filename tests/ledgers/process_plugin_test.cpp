// Process isolation with real child processes and real plugin files: a child that segfaults,
// exits or hangs is restarted, its calls are answered (retriable, asked again, or failed after
// max_crashes_per_operation naming the plugin and the signal), and the ledger keeps serving.

#include "ledgers/process_plugin.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "ledgers/child_process.hpp"
#include "ledgers/ledger_registry.hpp"
#include "ops/router_metrics.hpp"

namespace finp2p::ledgers {
namespace {

using namespace std::chrono_literals;

std::string fixture(const std::string& name) {
  return std::string(FIXTURE_DIR) + "/lib" + name + ".so";
}

std::string scratch(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("process_plugin_test_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove(p);
  return p.string();
}

int64_t now() {
  return ledger::nowUnixMs();
}

// A [[ledger]] entry with isolation = "process" on a fixture plugin.
config::LedgerConfig isolatedLedger(
    const std::string& name, const std::string& plugin, const std::string& asset,
    std::vector<std::pair<std::string, std::string>> pluginConfig = {}) {
  config::LedgerConfig c;
  c.name = name;
  c.pluginPath = fixture(plugin);
  c.assets = {asset};
  c.pluginConfig = std::move(pluginConfig);
  c.isolation = config::Isolation::kProcess;
  return c;
}

struct Started {
  std::shared_ptr<ProcessPlugin> plugin;
  std::shared_ptr<std::atomic<bool>> destroyed = std::make_shared<std::atomic<bool>>(false);
};

Started start(const std::string& plugin, ledger::Config config, int maxCrashes = 3) {
  ProcessPluginOptions o;
  o.ledgerName = "cash";
  o.hostPath = LEDGER_HOST;
  o.threads = 2;
  o.maxCrashesPerOperation = maxCrashes;
  o.firstRestartDelayMillis = 20;
  o.maxRestartDelayMillis = 200;
  o.log = [](finp2p_ledger_log_level, const std::string& m) {
    std::fprintf(stderr, "%s\n", m.c_str());
  };
  Started s;
  o.onDestroyed = [d = s.destroyed] { *d = true; };
  auto p = ProcessPlugin::start(fixture(plugin), "", config, std::move(o));
  if (auto* e = std::get_if<ledger::LoadError>(&p))
    ADD_FAILURE() << e->message;
  else
    s.plugin = std::get<0>(p);
  return s;
}

ledger::Operation transfer(const std::string& key) {
  ledger::Operation op;
  op.kind = FINP2P_LEDGER_OP_TRANSFER;
  op.context.idempotencyKey = key;
  op.source = "a";
  op.destination = "b";
  op.asset = "USD";
  op.amount = "10.25";
  return op;
}

ledger::Outcome execute(PluginInstance& p, const std::string& key, int64_t deadline = 0) {
  std::promise<ledger::Outcome> promise;
  p.execute(transfer(key), deadline ? deadline : now() + 10'000,
            [&](ledger::Outcome o) { promise.set_value(std::move(o)); });
  return promise.get_future().get();
}

ledger::Outcome lookup(PluginInstance& p, const std::string& key, int64_t deadline = 0) {
  std::promise<ledger::Outcome> promise;
  p.lookup(key, deadline ? deadline : now() + 10'000,
           [&](ledger::Outcome o) { promise.set_value(std::move(o)); });
  return promise.get_future().get();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ProcessPlugin, ServesCallsFromAChildProcess) {
  auto s = start("fixture_echo_v1", ledger::Config({{"delay_ms", "0"}}));
  ASSERT_TRUE(s.plugin);
  EXPECT_EQ(s.plugin->description().name, "echo");
  EXPECT_EQ(s.plugin->sha256(), ledger::fileSha256(fixture("fixture_echo_v1")));
  auto info = s.plugin->isolation();
  EXPECT_TRUE(info.isolated);
  EXPECT_GT(info.childPid, 0);
  EXPECT_NE(info.childPid, ::getpid());
  EXPECT_FALSE(info.crashing);
  auto out = execute(*s.plugin, "plan_2");
  ASSERT_TRUE(out.ok()) << out.message;
  EXPECT_EQ(out.receipt->quantity, "10.25");
  EXPECT_EQ(out.receipt->transactionId, "v1:plan_2");
  EXPECT_EQ(s.plugin->operationsInFlight(), 0);
}

TEST(ProcessPlugin, SegfaultingChildIsRestartedAndTheExecuteIsRetriable) {
  auto s = start("fixture_crashing", ledger::Config({{"how", "segv"}, {"in", "execute"}}));
  ASSERT_TRUE(s.plugin);
  int firstPid = s.plugin->isolation().childPid;
  auto out = execute(*s.plugin, "plan_2");
  EXPECT_EQ(out.status, FINP2P_LEDGER_ERROR_UNAVAILABLE);  // not final: retried after lookup
  EXPECT_TRUE(contains(out.message, "plugin crashing")) << out.message;
  EXPECT_TRUE(contains(out.message, "killed by signal 11 (SIGSEGV)")) << out.message;
  EXPECT_TRUE(contains(out.message, "crash 1 of at most 3")) << out.message;
  // The restarted child answers the lookup the node asks before it retries.
  auto found = lookup(*s.plugin, "plan_2");
  EXPECT_EQ(found.status, FINP2P_LEDGER_ERROR_NOT_FOUND) << found.message;
  auto info = s.plugin->isolation();
  EXPECT_EQ(info.crashes, 1);
  EXPECT_TRUE(info.crashing);
  EXPECT_NE(info.childPid, firstPid);
  EXPECT_TRUE(contains(info.lastCrash, "(SIGSEGV) during transfer plan_2")) << info.lastCrash;
}

TEST(ProcessPlugin, AnOperationThatKeepsCrashingFailsNamingThePluginAndTheSignal) {
  auto s = start("fixture_crashing", ledger::Config({{"how", "segv"}}), 2);
  ASSERT_TRUE(s.plugin);
  EXPECT_EQ(execute(*s.plugin, "plan_2").status, FINP2P_LEDGER_ERROR_UNAVAILABLE);
  auto out = execute(*s.plugin, "plan_2");
  EXPECT_EQ(out.status, FINP2P_LEDGER_ERROR_INTERNAL);  // final: the plan's onFailure path
  EXPECT_TRUE(contains(out.message,
                       "ledger cash: transfer plan_2: plugin crashing crashed 2 "
                       "times on this operation (max_crashes_per_operation = 2)"))
      << out.message;
  EXPECT_TRUE(contains(out.message, "SIGSEGV")) << out.message;
  // Other operations have their own count.
  EXPECT_EQ(execute(*s.plugin, "plan_3").status, FINP2P_LEDGER_ERROR_UNAVAILABLE);
}

TEST(ProcessPlugin, ALookupInACrashingChildIsAskedAgainOfTheNextOne) {
  auto once = scratch("once");
  auto s = start("fixture_crashing",
                 ledger::Config({{"how", "abort"}, {"in", "lookup"}, {"once_file", once}}));
  ASSERT_TRUE(s.plugin);
  auto found = lookup(*s.plugin, "plan_2");
  EXPECT_EQ(found.status, FINP2P_LEDGER_ERROR_NOT_FOUND) << found.message;
  EXPECT_EQ(s.plugin->isolation().crashes, 1);
  EXPECT_TRUE(contains(s.plugin->isolation().lastCrash, "SIGABRT"));
  std::filesystem::remove(once);
}

TEST(ProcessPlugin, AChildThatExitsIsRestarted) {
  auto s = start("fixture_crashing", ledger::Config({{"how", "exit"}, {"in", "execute"}}));
  ASSERT_TRUE(s.plugin);
  auto out = execute(*s.plugin, "plan_2");
  EXPECT_EQ(out.status, FINP2P_LEDGER_ERROR_UNAVAILABLE);
  EXPECT_TRUE(contains(out.message, "exited with status 3")) << out.message;
  EXPECT_EQ(lookup(*s.plugin, "plan_2").status, FINP2P_LEDGER_ERROR_NOT_FOUND);
}

TEST(ProcessPlugin, AHungCallIsKilledAtItsDeadlineAndTheChildRestarted) {
  auto s = start("fixture_crashing", ledger::Config({{"how", "hang"}, {"in", "execute"}}));
  ASSERT_TRUE(s.plugin);
  auto started = std::chrono::steady_clock::now();
  auto out = execute(*s.plugin, "plan_2", now() + 500);
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(out.status, FINP2P_LEDGER_ERROR_TIMEOUT);
  EXPECT_TRUE(contains(out.message, "plugin crashing did not complete it within 0.5 s"))
      << out.message;
  EXPECT_TRUE(contains(out.message, "killed (SIGKILL)")) << out.message;
  EXPECT_LT(took, 1500ms);
  EXPECT_EQ(lookup(*s.plugin, "plan_2").status, FINP2P_LEDGER_ERROR_NOT_FOUND);
  EXPECT_EQ(s.plugin->operationsInFlight(), 0);  // nothing left behind: a reload can drain
  EXPECT_TRUE(contains(s.plugin->isolation().lastCrash, "killed (SIGKILL) by the router"));
}

// A child killed because it sent a malformed frame crashed (F11): it is counted like a segfault
// (the child's count, `ledger list`'s crashing state, the metrics' crash counter) against the
// call that was inside it, with a reason that says "malformed frame".
TEST(ProcessPlugin, AChildKilledForAMalformedFrameCountsAsACrash) {
  ::setenv("FINP2P_LEDGER_HOST", LEDGER_HOST, 1);
  auto cfg =
      isolatedLedger("garbled", "fixture_crashing", "USD", {{"how", "garbage"}, {"in", "execute"}});
  LedgerRegistry registry;
  ASSERT_TRUE(registry.add(cfg).ok());
  ops::RouterMetrics metrics("bank-a", {}, {"garbled"});
  metrics.watchLedgers(registry);
  auto op = transfer("plan_4");
  op.context.deadlineUnixMs = now() + 10'000;
  auto out = registry.byName("garbled")->executeAndWait(op);
  EXPECT_EQ(out.status, FINP2P_LEDGER_ERROR_UNAVAILABLE);  // retried after lookup, as a crash
  EXPECT_TRUE(contains(out.message, "malformed frame")) << out.message;
  EXPECT_TRUE(contains(out.message, "crash 1 of at most")) << out.message;
  auto info = registry.byName("garbled")->info();
  EXPECT_EQ(info.child.crashes, 1);
  EXPECT_EQ(info.crashesSinceStart, 1u);
  EXPECT_TRUE(contains(info.child.lastCrash, "malformed frame during transfer plan_4"))
      << info.child.lastCrash;
  EXPECT_EQ(std::string(ledgerStateName(info.state)), "crashing");
  auto text = metrics.registry().expose();
  EXPECT_TRUE(contains(text, "finp2p_ledger_plugin_crashes_total{ledger=\"garbled\"} 1")) << text;
}

TEST(ProcessPlugin, AnOperationWhoseChildKeepsSendingMalformedFramesFails) {
  auto s = start("fixture_crashing", ledger::Config({{"how", "garbage"}, {"in", "execute"}}), 2);
  ASSERT_TRUE(s.plugin);
  EXPECT_EQ(execute(*s.plugin, "plan_2").status, FINP2P_LEDGER_ERROR_UNAVAILABLE);
  auto out = execute(*s.plugin, "plan_2");
  EXPECT_EQ(out.status, FINP2P_LEDGER_ERROR_INTERNAL);
  EXPECT_TRUE(contains(out.message, "crashed 2 times on this operation")) << out.message;
  EXPECT_TRUE(contains(out.message, "malformed frame")) << out.message;
  EXPECT_EQ(s.plugin->isolation().crashes, 2);
}

// What an isolated plugin prints goes into the router's log as lines under the ledger's name,
// each at most kMaxChildOutputLine bytes, not raw into the router's stderr (F10).
TEST(ProcessPlugin, TheChildsStdoutAndStderrAreLoggedAsLinesUnderTheLedgersName) {
  ::setenv("FINP2P_LEDGER_HOST", LEDGER_HOST, 1);
  auto captured = std::make_shared<std::ostringstream>();
  auto previous = spdlog::default_logger();
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*captured);
  sink->set_pattern("%v");
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  std::string text;
  {
    auto cfg = isolatedLedger("securities", "fixture_crashing", "USD",
                              {{"how", "chatter"}, {"in", "execute"}});
    LedgerRegistry registry;
    ASSERT_TRUE(registry.add(cfg).ok());
    auto op = transfer("plan_5");
    op.context.deadlineUnixMs = now() + 10'000;
    EXPECT_TRUE(registry.byName("securities")->executeAndWait(op).ok());
    // The pipes are read on threads of their own: wait for the last line.
    for (int i = 0; i < 500; ++i) {
      sink->flush();
      if (contains(captured->str(), "line cut at")) break;
      std::this_thread::sleep_for(10ms);
    }
    sink->flush();
    text = captured->str();
  }
  spdlog::set_default_logger(previous);
  EXPECT_TRUE(contains(text, "ledger securities: plugin stdout: chatter on stdout from execute\n"))
      << text.substr(0, 2000);
  EXPECT_TRUE(contains(text, "ledger securities: plugin stderr: chatter on stderr from execute\n"))
      << text.substr(0, 2000);
  std::string longLine = "ledger securities: plugin stderr: long " +
                         std::string(kMaxChildOutputLine - 5, 'z') + " [line cut at " +
                         std::to_string(kMaxChildOutputLine) + " bytes]\n";
  EXPECT_TRUE(contains(text, longLine)) << text.substr(0, 2000);
  EXPECT_FALSE(contains(text, std::string(kMaxChildOutputLine, 'z')));
}

TEST(ProcessPlugin, DestroyingItDestroysThePluginInTheChild) {
  auto instances = scratch("instances");
  auto s = start("fixture_echo_v1",
                 ledger::Config({{"delay_ms", "200"}, {"instances_file", instances}}));
  ASSERT_TRUE(s.plugin);
  std::promise<ledger::Outcome> late;
  s.plugin->execute(transfer("plan_9"), now() + 5000,
                    [&](ledger::Outcome o) { late.set_value(std::move(o)); });
  EXPECT_TRUE(late.get_future().get().ok());
  s.plugin.reset();
  EXPECT_TRUE(*s.destroyed);
  std::ifstream in(instances);
  std::string all((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(all, "open 1\nclose 1\n");  // on_destroy ran in the child before it exited
  std::filesystem::remove(instances);
}

TEST(ProcessPlugin, TheLoadersRefusalsComeBackAsTheyWouldInProcess) {
  ProcessPluginOptions o;
  o.ledgerName = "cash";
  o.hostPath = LEDGER_HOST;
  auto pinned =
      ProcessPlugin::start(fixture("fixture_echo_v1"), std::string(64, '0'), ledger::Config(), o);
  ASSERT_TRUE(std::holds_alternative<ledger::LoadError>(pinned));
  EXPECT_EQ(std::get<ledger::LoadError>(pinned).code, ledger::LoadErrorCode::kHashMismatch);
  auto abi = ProcessPlugin::start(fixture("fixture_abi_major"), "", ledger::Config(), o);
  ASSERT_TRUE(std::holds_alternative<ledger::LoadError>(abi));
  EXPECT_EQ(std::get<ledger::LoadError>(abi).code, ledger::LoadErrorCode::kAbiMismatch);
  o.hostPath = "/nonexistent/finp2p-ledger-host";
  auto missing = ProcessPlugin::start(fixture("fixture_echo_v1"), "", ledger::Config(), o);
  ASSERT_TRUE(std::holds_alternative<ledger::LoadError>(missing));
  EXPECT_EQ(std::get<ledger::LoadError>(missing).code, ledger::LoadErrorCode::kMissingFile);
}

TEST(ProcessPlugin, TheLedgerListsACrashingChildAndKeepsServingOthers) {
  ::setenv("FINP2P_LEDGER_HOST", LEDGER_HOST, 1);
  auto bad = isolatedLedger("bad", "fixture_crashing", "USD", {{"how", "segv"}, {"in", "execute"}});
  auto good = isolatedLedger("good", "fixture_echo_v1", "EUR");
  LedgerRegistry registry;
  ASSERT_TRUE(registry.add(bad).ok());
  ASSERT_TRUE(registry.add(good).ok());
  auto op = transfer("plan_2");
  op.context.deadlineUnixMs = now() + 10'000;
  auto out = registry.byName("bad")->executeAndWait(op);
  EXPECT_EQ(out.status, FINP2P_LEDGER_ERROR_UNAVAILABLE);
  EXPECT_TRUE(contains(out.message, "ledger bad: transfer plan_2: plugin crashing")) << out.message;
  EXPECT_TRUE(registry.byName("good")->executeAndWait(op).ok());
  for (const auto& i : registry.list()) {
    EXPECT_EQ(i.isolation, config::Isolation::kProcess);
    EXPECT_EQ(std::string(ledgerStateName(i.state)), i.name == "bad" ? "crashing" : "serving")
        << i.name;
  }
}

// finp2p_ledger_up is 1 again as soon as the restarted child serves, although `ledger list` keeps
// showing the ledger as crashing for a minute (F7: before the fix the gauge followed that state
// and stayed 0 for 60 s after the child was back).
TEST(ProcessPlugin, TheLedgerIsUpAgainAsSoonAsItsRestartedChildServes) {
  ::setenv("FINP2P_LEDGER_HOST", LEDGER_HOST, 1);
  auto cfg =
      isolatedLedger("flaky", "fixture_crashing", "USD",
                     {{"how", "segv"}, {"in", "execute"}, {"once_file", scratch("once_up")}});
  LedgerRegistry registry;
  ASSERT_TRUE(registry.add(cfg).ok());
  ops::RouterMetrics metrics("bank-a", {}, {"flaky"});
  metrics.watchLedgers(registry);
  auto up = [&] {
    auto text = metrics.registry().expose();
    return text.find("\nfinp2p_ledger_up{ledger=\"flaky\"} 1\n") != std::string::npos;
  };
  EXPECT_TRUE(up()) << metrics.registry().expose();
  auto op = transfer("plan_1");
  op.context.deadlineUnixMs = now() + 10'000;
  EXPECT_EQ(registry.byName("flaky")->executeAndWait(op).status, FINP2P_LEDGER_ERROR_UNAVAILABLE);
  // The retry the node makes once the child is back: it serves.
  op.context.deadlineUnixMs = now() + 10'000;
  ASSERT_TRUE(registry.byName("flaky")->executeAndWait(op).ok());
  EXPECT_TRUE(up()) << metrics.registry().expose();
  auto info = registry.byName("flaky")->info();
  // EXPECT_TRUE(info.up);
  EXPECT_EQ(std::string(ledgerStateName(info.state)), "crashing");
}

// finp2p_ledger_plugin_crashes_total reads crashesSinceStart: a reload starts a new child whose
// own count is 0 again, and the counter must not go back with it.
TEST(ProcessPlugin, TheLedgerCountsCrashesAcrossReloads) {
  ::setenv("FINP2P_LEDGER_HOST", LEDGER_HOST, 1);
  auto cfg = isolatedLedger("bad", "fixture_crashing", "USD", {{"how", "segv"}, {"in", "execute"}});
  LedgerRegistry registry;
  ASSERT_TRUE(registry.add(cfg).ok());
  auto crash = [&](const std::string& key) {
    auto op = transfer(key);
    op.context.deadlineUnixMs = now() + 10'000;
    EXPECT_EQ(registry.byName("bad")->executeAndWait(op).status, FINP2P_LEDGER_ERROR_UNAVAILABLE);
  };
  EXPECT_EQ(registry.byName("bad")->info().crashesSinceStart, 0u);
  crash("plan_1");
  crash("plan_2");
  auto before = registry.byName("bad")->info();
  EXPECT_EQ(before.child.crashes, 2);
  EXPECT_EQ(before.crashesSinceStart, 2u);
  ASSERT_TRUE(registry.reload("bad").ok());
  auto after = registry.byName("bad")->info();
  EXPECT_EQ(after.child.crashes, 0);  // the new instance's own count
  EXPECT_EQ(after.crashesSinceStart, 2u);
  crash("plan_3");
  EXPECT_EQ(registry.byName("bad")->info().crashesSinceStart, 3u);
  EXPECT_EQ(registry.byName("bad")->info().child.crashes, 1);
}

}  // namespace
}  // namespace finp2p::ledgers
