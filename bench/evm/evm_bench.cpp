// finp2p-evm-bench: the EVM plugin against raw JSON-RPC on the same node, side by side in one
// run. Both move the same token with the same contract call (transferFor), from the same number
// of sending accounts with one transaction in flight each, and wait for each receipt:
//   plugin  LoadedPlugin::executeAndWait through the C ABI: checks, dry run (eth_call) while
//           the signed transaction is written to the state file (fsync), send, receipt, event
//   raw     sign + eth_sendRawTransaction + poll eth_getTransactionReceipt, fixed gas, nonces
//           counted locally: the least a client must do to get a transfer on chain and know it
// Usage: finp2p-evm-bench --plugin PATH --rpc URL --keys K1,K2,... --work DIR [--ops N] [--json]

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "chain.hpp"
#include "contracts.hpp"
#include "finp2p/ledger/client.hpp"
#include "json_rpc.hpp"
#include "signer.hpp"
#include "state_store.hpp"

namespace {

using namespace finp2p;
using Clock = std::chrono::steady_clock;

struct Result {
  std::string name;
  int ops = 0;
  int failures = 0;
  double seconds = 0;
  std::vector<double> latencyMs;
  double percentile(double p) {
    if (latencyMs.empty()) return 0;
    std::sort(latencyMs.begin(), latencyMs.end());
    return latencyMs[std::min(latencyMs.size() - 1,
                              static_cast<std::size_t>(p * latencyMs.size()))];
  }
  double rate() const { return ops / seconds; }
};

// Runs `perThread` operations on each of `threads` threads; op(thread, i) returns success.
template <class Op>
Result run(const std::string& name, int threads, int perThread, Op op) {
  Result r;
  r.name = name;
  std::vector<std::vector<double>> latencies(threads);
  std::atomic<int> failures{0};
  auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < perThread; ++i) {
        auto begin = Clock::now();
        if (!op(t, i)) ++failures;
        latencies[t].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
      }
    });
  }
  for (auto& w : workers) w.join();
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.ops = threads * perThread;
  r.failures = failures;
  for (auto& l : latencies) r.latencyMs.insert(r.latencyMs.end(), l.begin(), l.end());
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"EVM plugin vs raw JSON-RPC on the same node"};
  std::string pluginPath, rpcUrl, keysArg, work;
  int ops = 400;
  bool json = false;
  app.add_option("--plugin", pluginPath)->required();
  app.add_option("--rpc", rpcUrl)->required();
  app.add_option("--keys", keysArg, "key files, comma separated; the plugin and raw get them all")
      ->required();
  app.add_option("--work", work)->required();
  app.add_option("--ops", ops, "operations per side");
  app.add_flag("--json", json);
  CLI11_PARSE(app, argc, argv);
  std::vector<std::string> keys;
  for (auto& k : CLI::detail::split(keysArg, ',')) keys.push_back(k);
  int threads = static_cast<int>(keys.size());
  int perThread = std::max(1, ops / threads);
  std::filesystem::create_directories(work);

  ledger::Config config{
      {"rpc_url", rpcUrl}, {"chain_id", "31337"},    {"state_database", work + "/bench-state.db"},
      {"deploy", "true"},  {"assets.0.id", "BENCH"}, {"assets.0.decimals", "2"}};
  std::vector<std::pair<std::string, std::string>> entries = config.entries();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    entries.emplace_back("sending_keys." + std::to_string(i), keys[i]);
  }
  auto loaded = ledger::LoadedPlugin::load(pluginPath, ledger::Config(entries));
  if (auto* e = std::get_if<ledger::LoadError>(&loaded)) {
    std::fprintf(stderr, "cannot load %s: %s\n", pluginPath.c_str(), e->message.c_str());
    return 1;
  }
  auto plugin = std::get<std::shared_ptr<ledger::LoadedPlugin>>(loaded);
  std::string runId = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  auto opFor = [&](finp2p_ledger_operation_kind kind, const std::string& key) {
    ledger::Operation op;
    op.kind = kind;
    op.context.idempotencyKey = key;
    op.asset = "BENCH";
    op.assetDecimals = 2;
    return op;
  };
  // Fund one FinP2P account per sending thread; both sides spend from it.
  for (int t = 0; t < threads; ++t) {
    auto issue = opFor(FINP2P_LEDGER_OP_ISSUE, runId + "-fund-" + std::to_string(t));
    issue.destination = "bench-" + runId + "-" + std::to_string(t);
    issue.amount = "1000000";
    auto out = plugin->executeAndWait(issue);
    if (!out.ok()) {
      std::fprintf(stderr, "funding failed: %s\n", out.message.c_str());
      return 1;
    }
  }
  int round = 0;  // sides alternate in rounds, so neither always runs on the fresher chain
  auto viaPluginOp = [&](int t, int i) {
    auto op = opFor(FINP2P_LEDGER_OP_TRANSFER, runId + "-p" + std::to_string(round) + "-" +
                                                   std::to_string(t) + "-" + std::to_string(i));
    op.source = "bench-" + runId + "-" + std::to_string(t);
    op.destination = "bench-" + runId + "-sink";
    op.amount = "1.01";
    return plugin->executeAndWait(op).ok();
  };

  // Raw: the same call on the same token, signed and sent directly.
  auto token = evm::StateStore(work + "/bench-state.db").deployment("token:BENCH");
  if (!token) {
    std::fprintf(stderr, "the plugin recorded no token address\n");
    return 1;
  }
  auto tokenAddress = *evm::parseAddress(*token);
  evm::JsonRpcClient rpc(rpcUrl, 5000);
  evm::Chain chain(rpc);
  auto price = chain.gasPrice();
  if (!price.ok()) {
    std::fprintf(stderr, "eth_gasPrice: %s\n", price.error.describe().c_str());
    return 1;
  }
  struct RawSender {
    std::unique_ptr<evm::Signer> signer;
    uint64_t nonce = 0;
  };
  std::vector<RawSender> raw;
  for (const auto& k : keys) {
    RawSender s{evm::Signer::fromFile(k)};
    s.nonce = *chain.pendingNonce(s.signer->address()).value;
    raw.push_back(std::move(s));
  }
  auto units = *evm::uint256FromDecimal("101");  // 1.01 with 2 decimals
  auto rawOp = [&](int t, int i) {
    auto& s = raw[t];
    evm::Eip1559Transaction tx;
    tx.chainId = 31337;
    tx.nonce = s.nonce++;
    tx.maxPriorityFeePerGas = 1'000'000'000;
    tx.maxFeePerGas = 2 * *price.value + tx.maxPriorityFeePerGas;
    tx.gasLimit = 150'000;
    tx.to = tokenAddress;
    tx.data =
        evm::calls::transferFor(evm::operationId(runId + "-r" + std::to_string(round) + "-" +
                                                 std::to_string(t) + "-" + std::to_string(i)),
                                evm::accountAddress("bench-" + runId + "-" + std::to_string(t)),
                                evm::accountAddress("bench-" + runId + "-sink"), units);
    auto signedTx = s.signer->sign(tx);
    if (!chain.sendRawTransaction(signedTx.raw).ok()) return false;
    for (int attempt = 0; attempt < 5000; ++attempt) {  // ask at once, then every 1 ms
      auto r = chain.receipt(signedTx.hash);
      if (r.ok() && r.value->has_value()) return (*r.value)->success;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  };
  constexpr int kRounds = 4;
  Result viaPlugin, direct;
  viaPlugin.name = "plugin";
  direct.name = "raw";
  for (round = 0; round < kRounds; ++round) {
    auto p = run("plugin", threads, std::max(1, perThread / kRounds), viaPluginOp);
    // Both sides use the same accounts: raw asks the node for the nonces the plugin left; the
    // plugin learns of raw's from the node's "nonce too low" and re-signs once per account.
    for (auto& s : raw) s.nonce = *chain.pendingNonce(s.signer->address()).value;
    auto r = run("raw", threads, std::max(1, perThread / kRounds), rawOp);
    for (auto [total, part] : {std::pair{&viaPlugin, &p}, std::pair{&direct, &r}}) {
      total->ops += part->ops;
      total->failures += part->failures;
      total->seconds += part->seconds;
      total->latencyMs.insert(total->latencyMs.end(), part->latencyMs.begin(),
                              part->latencyMs.end());
    }
  }

  for (Result* r : {&viaPlugin, &direct}) {
    if (json) {
      std::printf(
          "{\"side\":\"%s\",\"ops\":%d,\"failures\":%d,\"ops_per_s\":%.1f,\"p50_ms\":%.2f,"
          "\"p99_ms\":%.2f,\"max_ms\":%.2f,\"accounts\":%d}\n",
          r->name.c_str(), r->ops, r->failures, r->rate(), r->percentile(0.5), r->percentile(0.99),
          r->percentile(1.0), threads);
    } else {
      std::printf(
          "%-7s %5d transfers, %d failed, %7.1f ops/s, p50 %6.2f ms, p99 %6.2f ms, max %6.2f ms "
          "(%d accounts)\n",
          r->name.c_str(), r->ops, r->failures, r->rate(), r->percentile(0.5), r->percentile(0.99),
          r->percentile(1.0), threads);
    }
  }
  double ratio = viaPlugin.rate() / direct.rate();
  std::printf(json ? "{\"plugin_vs_raw\":%.3f}\n" : "plugin / raw: %.0f %%\n",
              json ? ratio : ratio * 100);
  return viaPlugin.failures + direct.failures == 0 ? 0 : 1;
}
