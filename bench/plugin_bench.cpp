// Plugin call cost: a call through the C ABI (host client -> entry table -> SDK adapter ->
// completion callback -> host) against the same adapter work called directly; the same call in
// a child process (isolation = "process"), alone and through the router's Ledger in both
// isolations; and durable sqlite-ledger hold + release pairs.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <future>

#include "finp2p/ledger/client.hpp"
#include "ledgers/ledger.hpp"
#include "ledgers/process_plugin.hpp"

namespace {

using namespace finp2p::ledger;

std::shared_ptr<LoadedPlugin> load(const char* path, Config config) {
  LoadOptions o;
  o.log = [](finp2p_ledger_log_level, const std::string&) {};
  auto loaded = LoadedPlugin::load(path, config, o);
  if (auto* e = std::get_if<LoadError>(&loaded)) {
    std::fprintf(stderr, "%s\n", e->message.c_str());
    std::abort();
  }
  return std::get<std::shared_ptr<LoadedPlugin>>(loaded);
}

Operation transferOp(const std::string& key) {
  Operation op;
  op.kind = FINP2P_LEDGER_OP_TRANSFER;
  op.context.planId = "bank-a:106:5b0c1f0e-8f43-4e0a-9d5c-3c2a7b9e1a01";
  op.context.sequence = 2;
  op.context.idempotencyKey = key;
  op.source = "buyer";
  op.destination = "seller";
  op.asset = "USD";
  op.assetDecimals = 2;
  op.amount = "10500.00";
  return op;
}

// What the echo plugin does for a transfer, without the ABI: build the receipt, hand it over.
void BM_DirectCall(benchmark::State& state) {
  auto op = transferOp("plan_2");
  for (auto _ : state) {
    Receipt r;
    r.transactionId = "v1:" + op.context.idempotencyKey;
    r.operationId = op.context.idempotencyKey;
    r.operationType = "transfer";
    r.quantity = op.amount;
    Outcome out = Outcome::success(r);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_DirectCall);

void BM_CallThroughAbi(benchmark::State& state) {
  auto plugin = load(ECHO_PLUGIN, Config({{"delay_ms", "0"}}));
  auto op = transferOp("plan_2");
  for (auto _ : state) {
    Outcome got;
    plugin->execute(op, [&](Outcome o) { got = std::move(o); });
    benchmark::DoNotOptimize(got);
  }
}
BENCHMARK(BM_CallThroughAbi);

// The same call in a child process (isolation = "process"): encode, socketpair, the child's
// reader and worker threads, the plugin, the answer back, the router's reader thread.
void BM_CallThroughChildProcess(benchmark::State& state) {
  finp2p::ledgers::ProcessPluginOptions o;
  o.ledgerName = "bench";
  o.hostPath = LEDGER_HOST;
  o.threads = 1;
  auto started =
      finp2p::ledgers::ProcessPlugin::start(ECHO_PLUGIN, "", Config({{"delay_ms", "0"}}), o);
  auto plugin = std::get<0>(std::move(started));
  auto op = transferOp("plan_2");
  for (auto _ : state) {
    std::promise<Outcome> done;
    plugin->execute(op, 0, [&](Outcome o) { done.set_value(std::move(o)); });
    Outcome got = done.get_future().get();
    if (!got.ok()) state.SkipWithError(got.message.c_str());
    benchmark::DoNotOptimize(got);
  }
}
BENCHMARK(BM_CallThroughChildProcess)->UseRealTime();

// What the router pays per call: Ledger::execute (its deadline timer, its own threads, the
// plugin) until the callback, in-process (0) and with isolation = "process" (1).
void BM_LedgerExecute(benchmark::State& state) {
  finp2p::config::LedgerConfig c;
  c.name = "bench";
  c.pluginPath = ECHO_PLUGIN;
  c.assets = {"USD"};
  c.pluginConfig = {{"delay_ms", "0"}};
  c.threads = 1;
  if (state.range(0) == 1) c.isolation = finp2p::config::Isolation::kProcess;
  ::setenv("FINP2P_LEDGER_HOST", LEDGER_HOST, 1);
  auto ledger = finp2p::ledgers::Ledger::open(c);
  if (!ledger) {
    state.SkipWithError(ledger.error().message.c_str());
    return;
  }
  auto op = transferOp("plan_2");
  for (auto _ : state) {
    op.context.deadlineUnixMs = nowUnixMs() + 30'000;
    Outcome got = (*ledger)->executeAndWait(op);
    if (!got.ok()) state.SkipWithError(got.message.c_str());
    benchmark::DoNotOptimize(got);
  }
}
BENCHMARK(BM_LedgerExecute)->Arg(0)->Arg(1)->ArgName("process")->UseRealTime();

void BM_SqliteHoldReleasePair(benchmark::State& state) {
  bool full = state.range(0) == 1;
  auto db =
      std::filesystem::temp_directory_path() / ("finp2p-bench-" + std::to_string(getpid()) + ".db");
  std::filesystem::remove(db);
  auto plugin =
      load(SQLITE_LEDGER_PLUGIN,
           Config({{"database", db.string()}, {"synchronous", full ? "full" : "normal"}}));
  auto fund = transferOp("fund");
  fund.kind = FINP2P_LEDGER_OP_ISSUE;
  fund.destination = "seller";
  fund.amount = "100000000000";
  plugin->executeAndWait(fund);
  int64_t n = 0;
  for (auto _ : state) {
    std::string key = "p" + std::to_string(n++);
    auto hold = transferOp(key + "_1");
    hold.kind = FINP2P_LEDGER_OP_HOLD;
    hold.source = "seller";
    hold.destination = "buyer";
    hold.amount = "1";
    auto h = plugin->executeAndWait(hold);
    auto release = transferOp(key + "_3");
    release.kind = FINP2P_LEDGER_OP_RELEASE;
    release.holdOperationId = key + "_1";
    release.destination = "buyer";
    release.amount = "1";
    auto r = plugin->executeAndWait(release);
    if (!h.ok() || !r.ok()) state.SkipWithError("ledger operation failed");
  }
  state.SetItemsProcessed(state.iterations());
  plugin.reset();
  std::filesystem::remove(db);
}
BENCHMARK(BM_SqliteHoldReleasePair)->Arg(1)->Arg(0)->ArgName("fullsync")->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
