// The sqlite-ledger plugin: SqliteLedger behind the SDK adapter.
//
// [ledger.config]
//   database = "/var/lib/finp2p/cash.db"   # required
//   synchronous = "full"                   # or "normal" (faster, may lose the last commits
//                                          # on power loss, never corrupts)
//   opening_balances = [ { account = "...", asset = "USD", amount = "1000000.00" } ]
//   preflight_checks_balance = false       # true: refuse plans whose spending accounts lack
//                                          # the funds at approval time

#include "finp2p/ledger/adapter.hpp"
#include "sqlite_ledger.hpp"

namespace finp2p::sqlite_ledger {
namespace {

using namespace finp2p::ledger;

bool fullSync(const Config& config) {
  auto mode = config.getOr("synchronous", "full");
  if (mode != "full" && mode != "normal") {
    throw std::invalid_argument("synchronous must be \"full\" or \"normal\", not \"" + mode + "\"");
  }
  return mode == "full";
}

std::string requiredDatabase(const Config& config) {
  config.refuseUnknownKeys({"database", "synchronous", "preflight_checks_balance",
                            "opening_balances.*.account", "opening_balances.*.asset",
                            "opening_balances.*.amount"});
  auto path = config.getPath("database");  // relative: to the router's TOML
  if (!path || path->empty()) throw std::invalid_argument("config key \"database\" is required");
  return *path;
}

class SqliteLedgerAdapter final : public Adapter {
 public:
  explicit SqliteLedgerAdapter(const Config& config)
      : ledger_(requiredDatabase(config), fullSync(config),
                config.getOr("preflight_checks_balance", "false") == "true") {
    issueOpeningBalances(config, [this](const Operation& op) { return ledger_.execute(op); });
  }

  Description describe() const override {
    return {"sqlite-ledger", FINP2P_SQLITE_LEDGER_VERSION, allOperations() | hashLockOperations(),
            "finp2p,fiat,cryptocurrency"};
  }

  void execute(const Operation& op, Completion done) override {
    if (op.kind == FINP2P_LEDGER_OP_AWAIT) return Adapter::await(op, std::move(done));
    done.complete(ledger_.execute(op));
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
  SqliteLedger ledger_;
};

}  // namespace
}  // namespace finp2p::sqlite_ledger

FINP2P_LEDGER_PLUGIN(finp2p::sqlite_ledger::SqliteLedgerAdapter)
