// The EVM ledger plugin: EvmLedger behind the SDK adapter.
//
// [ledger.config]
//   rpc_url = "http://127.0.0.1:8545"          # required
//   chain_id = 31337                           # required; checked against the node
//   state_database = "evm-state.db"            # required; the plugin's own record
//   sending_keys = ["operator-0.key", ...]     # required; hex secp256k1 keys, one per file;
//                                              # one transaction in flight per account
//   escrow = "0x..."                           # or deploy = true
//   deploy = false                             # deploy what has no address (first start)
//   assets = [ { id = "USD", token = "0x...", decimals = 2, name = "...", symbol = "..." } ]
//   confirmations = 0                          # blocks on top before a receipt counts
//   rpc_timeout_ms = 5000
//   receipt_timeout_ms = 60000
//   priority_fee_wei = 1000000000
//   gas_limit = 500000                         # per operation; "estimate": eth_estimateGas each
//   preflight_checks_balance = false
//   opening_balances = [ { account = "...", asset = "USD", amount = "100" } ]  # issued once

#include <stdexcept>

#include "evm_ledger.hpp"
#include "finp2p/ledger/adapter.hpp"
#include "finp2p/ledger/worker_pool.hpp"

namespace finp2p::evm {
namespace {

using namespace finp2p::ledger;

std::string required(const Config& c, const std::string& key) {
  auto v = c.get(key);
  if (!v || v->empty()) throw std::invalid_argument("config key \"" + key + "\" is required");
  return *v;
}

uint64_t number(const Config& c, const std::string& key, uint64_t fallback) {
  auto v = c.get(key);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    uint64_t n = std::stoull(*v, &used);
    if (used == v->size() && (*v)[0] != '-') return n;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument("config key \"" + key + "\" must be a non-negative integer, not \"" +
                              *v + "\"");
}

bool flag(const Config& c, const std::string& key) {
  auto v = c.getOr(key, "false");
  if (v != "true" && v != "false") {
    throw std::invalid_argument("config key \"" + key + "\" must be true or false");
  }
  return v == "true";
}

std::optional<Address> address(const Config& c, const std::string& key) {
  auto v = c.get(key);
  if (!v) return std::nullopt;
  auto a = parseAddress(*v);
  if (!a || v->size() != 42) {
    throw std::invalid_argument("config key \"" + key + "\" is not a 0x-address: \"" + *v + "\"");
  }
  return a;
}

EvmConfig parse(const Config& c) {
  c.refuseUnknownKeys({"rpc_url",
                       "chain_id",
                       "state_database",
                       "sending_keys.*",
                       "escrow",
                       "deploy",
                       "confirmations",
                       "rpc_timeout_ms",
                       "receipt_timeout_ms",
                       "priority_fee_wei",
                       "gas_limit",
                       "preflight_checks_balance",
                       "assets.*.id",
                       "assets.*.token",
                       "assets.*.decimals",
                       "assets.*.name",
                       "assets.*.symbol",
                       "opening_balances.*.account",
                       "opening_balances.*.asset",
                       "opening_balances.*.amount"});
  EvmConfig cfg;
  cfg.rpcUrl = required(c, "rpc_url");
  cfg.chainId = number(c, "chain_id", 0);
  if (cfg.chainId == 0) throw std::invalid_argument("config key \"chain_id\" is required");
  cfg.stateDatabase = c.resolvePath(required(c, "state_database"));
  for (std::size_t i = 0, n = c.arraySize("sending_keys"); i < n; ++i) {
    cfg.keyFiles.push_back(c.resolvePath(required(c, "sending_keys." + std::to_string(i))));
  }
  if (cfg.keyFiles.empty()) throw std::invalid_argument("config key \"sending_keys\" is required");
  cfg.escrow = address(c, "escrow");
  cfg.deploy = flag(c, "deploy");
  cfg.confirmations = number(c, "confirmations", 0);
  cfg.rpcTimeoutMs = static_cast<long>(number(c, "rpc_timeout_ms", 5000));
  cfg.receiptTimeoutMs = static_cast<int64_t>(number(c, "receipt_timeout_ms", 60000));
  cfg.priorityFeeWei = number(c, "priority_fee_wei", 1'000'000'000);
  if (c.getOr("gas_limit", "") == "estimate") {
    cfg.gasLimit.reset();
  } else {
    cfg.gasLimit = number(c, "gas_limit", 500'000);
  }
  cfg.preflightChecksBalance = flag(c, "preflight_checks_balance");
  for (std::size_t i = 0, n = c.arraySize("assets"); i < n; ++i) {
    std::string p = "assets." + std::to_string(i) + ".";
    AssetConfig a;
    a.id = required(c, p + "id");
    a.token = address(c, p + "token");
    a.decimals = static_cast<uint32_t>(number(c, p + "decimals", 18));
    if (a.decimals > 18) throw std::invalid_argument(p + "decimals must be at most 18");
    a.name = c.getOr(p + "name", a.id);
    a.symbol = c.getOr(p + "symbol", a.id.substr(0, 11));
    cfg.assets.push_back(a);
  }
  if (cfg.assets.empty()) throw std::invalid_argument("config key \"assets\" lists no asset");
  return cfg;
}

class EvmLedgerAdapter final : public Adapter {
 public:
  explicit EvmLedgerAdapter(const Config& config)
      : ledger_(parse(config)),
        executor_(2 * std::max<std::size_t>(1, config.arraySize("sending_keys"))) {
    issueOpeningBalances(config, [this](const Operation& op) { return ledger_.execute(op); });
  }

  Description describe() const override {
    return {"evm-ledger", FINP2P_EVM_LEDGER_VERSION, allOperations() | hashLockOperations(),
            "finp2p,cryptocurrency"};
  }

  void execute(const Operation& op, Completion done) override {
    if (op.kind == FINP2P_LEDGER_OP_AWAIT) return Adapter::await(op, std::move(done));
    executor_.post([this, op, done] { done.complete(ledger_.execute(op)); });
  }
  void preflight(const Operation& op, Completion done) override {
    done.complete(ledger_.preflight(op));
  }
  Outcome lookup(const std::string& key) override { return ledger_.lookup(key); }
  Outcome verify(const Receipt& receipt) override { return ledger_.verify(receipt); }
  Balance balance(const std::string& account, const std::string& asset) override {
    return ledger_.balance(account, asset);
  }

 private:
  EvmLedger ledger_;
  // Operations wait for blocks: they run on the plugin's own threads (two per sending account:
  // one sending, one resolving a transaction sent earlier) and complete from there, so the
  // host's thread returns at once. Last member: its threads stop before the ledger goes away.
  WorkerPool executor_;
};

}  // namespace
}  // namespace finp2p::evm

FINP2P_LEDGER_PLUGIN(finp2p::evm::EvmLedgerAdapter)
