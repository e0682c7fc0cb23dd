// finp2p-execctl: the operator's command line for a finp2p-execd router.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "config/router_config.hpp"
#include "crypto/keys.hpp"
#include "ctl/admin_commands.hpp"
#include "ctl/plan_sign.hpp"
#include "investors/investor_check.hpp"
#include "ledgers/ledger_registry.hpp"
#include "model/plan_file.hpp"
#include "model/plan_validation.hpp"

namespace {

// Exit codes: 0 ok, 1 the input is invalid, 2 usage, 3 a file or system error.
constexpr int kExitInvalid = 1;
constexpr int kExitUsage = 2;
constexpr int kExitSystem = 3;

int validatePlanCommand(const std::string& path, bool allowMissingId, bool allowUnsigned) {
  auto plan = finp2p::model::readPlanFile(path);
  if (!plan) {
    std::fprintf(stderr, "error: %s\n", plan.error().message.c_str());
    return plan.error().code == finp2p::ErrorCode::kNotFound ? kExitSystem : kExitInvalid;
  }
  finp2p::model::PlanValidationOptions options;
  options.requirePlanId = !allowMissingId;
  // A plan file's hash locks are hashed by the secret holder's router at submit.
  options.requireHashes = false;
  auto violations = finp2p::model::validatePlan(*plan, options);
  // As a router with require_investor_signatures (or without, given --allow-unsigned) would:
  // once the plan is well formed (an unreadable amount would only repeat itself here).
  if (violations.empty()) {
    violations =
        finp2p::investors::checkInvestorSignatures(*plan, {.requireSignatures = !allowUnsigned});
  }
  if (!violations.empty()) {
    std::fprintf(stderr, "%s: invalid plan, %zu violation%s:\n", path.c_str(), violations.size(),
                 violations.size() == 1 ? "" : "s");
    for (const auto& v : violations) std::fprintf(stderr, "  %s\n", v.toString().c_str());
    return kExitInvalid;
  }
  int contributors = 0;
  for (const auto& p : plan->participants()) {
    for (int r : p.roles()) contributors += r == finp2p::execution::Participant::Contributor;
  }
  std::printf("%s: valid plan %s: %d participants (%d contributors), %d instructions\n",
              path.c_str(),
              plan->id().id().empty() ? "(id to be assigned)" : plan->id().id().c_str(),
              plan->participants_size(), contributors, plan->instructions_size());
  return 0;
}

int generateKeysCommand(const std::string& prefix) {
  auto key = finp2p::crypto::SigningKey::generate();
  if (!key) {
    std::fprintf(stderr, "error: %s\n", key.error().message.c_str());
    return kExitSystem;
  }
  if (auto s = finp2p::crypto::writeKeyPair(*key, prefix); !s) {
    std::fprintf(stderr, "error: %s\n", s.error().message.c_str());
    return kExitSystem;
  }
  std::printf("wrote %s.key (private, mode 0600) and %s.pub\n", prefix.c_str(), prefix.c_str());
  return 0;
}

// Loads every [[ledger]] of a TOML file exactly as finp2p-execd would, and describes it.
int probeLedgersCommand(const std::string& path) {
  auto ledgers = finp2p::config::loadLedgerConfigs(path);
  if (!ledgers) {
    std::fprintf(stderr, "error: %s\n", ledgers.error().message.c_str());
    return kExitInvalid;
  }
  finp2p::ledgers::LedgerRegistry registry;
  int failures = 0;
  for (const auto& l : *ledgers) {
    if (auto s = registry.add(l); !s) {
      std::fprintf(stderr, "%s: FAILED: %s\n", l.name.c_str(), s.error().message.c_str());
      ++failures;
    }
  }
  for (const auto& info : registry.list()) {
    std::string assets;
    for (const auto& a : info.assets) assets += (assets.empty() ? "" : ",") + a;
    std::printf("%s: %s %s (ABI %u.%u) from %s, assets %s\n", info.name.c_str(),
                info.pluginName.c_str(), info.pluginVersion.c_str(), info.abiVersion >> 16,
                info.abiVersion & 0xffff, info.pluginPath.c_str(), assets.c_str());
  }
  return failures ? kExitInvalid : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"finp2p-execctl: operate a finp2p-execd router"};
  app.require_subcommand(1);

  auto* plan = app.add_subcommand("plan", "Execution plans");
  plan->require_subcommand(1);
  std::string planPath;
  bool allowMissingId = false;
  auto* validate = plan->add_subcommand(
      "validate", "Check a plan file (protobuf JSON) and print every violation with its path");
  validate->add_option("FILE", planPath, "Plan file")->required();
  validate->add_flag("--allow-missing-id", allowMissingId,
                     "Accept a plan without an id (the router assigns it on submit)");
  bool allowUnsigned = false;
  validate->add_flag("--allow-unsigned", allowUnsigned,
                     "Accept movements no investor signed, as a router with "
                     "require_investor_signatures = false (signatures present are still checked)");
  std::vector<std::string> investorKeys;
  std::string signedOut;
  auto* sign = plan->add_subcommand(
      "sign", "Sign a plan file as its investors: each key signs every movement it takes part in");
  sign->add_option("FILE", planPath, "Plan file (protobuf JSON)")->required();
  sign->add_option("--key", investorKeys, "Investor private key file (hex), repeatable")
      ->required();
  sign->add_option("-o,--output", signedOut, "Write here instead of over FILE");

  auto* ledger = app.add_subcommand("ledger", "Ledger plugins");
  ledger->require_subcommand(1);
  std::string ledgerToml;
  auto* probe = ledger->add_subcommand(
      "probe",
      "Load the [[ledger]] plugins of a TOML file as finp2p-execd would and describe them. This "
      "runs each plugin's real init, which may create or change its ledger (e.g. a database "
      "file); `finp2p-execd --check-config` checks files, pins and ABI without running it");
  probe->add_option("CONFIG", ledgerToml, "Router or ledger TOML file")->required();

  // Commands against a running router's admin service.
  std::string admin;
  std::string routerConfig;
  app.add_option("--admin", admin, "Admin address of the router (host:port or unix:/path)")
      ->envname("FINP2P_ADMIN");
  app.add_option("--config", routerConfig, "Router TOML file to take the admin address from");
  std::string planFile, planId, statusFilter;
  bool wait = false, json = false;
  auto* submit = plan->add_subcommand("submit", "Submit a plan file; prints its plan id");
  submit->add_option("FILE", planFile, "Plan file (protobuf JSON)")->required();
  submit->add_flag("--wait", wait, "Watch the plan until it ends; exit 4 unless it completes");
  bool newId = false;
  submit->add_flag("--new-id", newId,
                   "Run the file as a new plan under a fresh id (a plan file with an id keeps it: "
                   "submitting it again returns that plan)");
  auto* show = plan->add_subcommand("show", "Show an execution: status, steps, journal head");
  show->add_option("ID", planId, "Plan id")->required();
  show->add_flag("--json", json, "Print the whole execution as JSON");
  auto* watch =
      plan->add_subcommand("watch", "Follow a plan until it ends; exit 4 unless it completes");
  watch->add_option("ID", planId, "Plan id")->required();
  auto* listCmd = plan->add_subcommand("list", "List executions, newest first");
  listCmd->add_option("--status", statusFilter, "Only plans in this status");
  uint32_t listLimit = 100;
  listCmd->add_option("--limit", listLimit, "At most this many (default 100)");

  std::string ledgerName, pluginPath, account, asset;
  auto* ledgerList = ledger->add_subcommand("list", "List the router's ledgers");
  auto* reload = ledger->add_subcommand(
      "reload",
      "Re-read the ledger's [[ledger]] entry from the router's TOML and load it, without a "
      "restart (to swap the plugin, edit `plugin` and `sha256` there first)");
  reload->add_option("NAME", ledgerName, "Ledger name")->required();
  // Gone: a swap that is not in the TOML would be lost at the next restart.
  reload->add_option("--plugin", pluginPath)->group("");
  auto* balance = ledger->add_subcommand("balance", "Show an account's balance on a ledger");
  balance->add_option("LEDGER", ledgerName, "Ledger name")->required();
  balance->add_option("ACCOUNT", account, "Ledger account")->required();
  balance->add_option("ASSET", asset, "Asset id")->required();

  auto* peer = app.add_subcommand("peer", "The router's peers");
  peer->require_subcommand(1);
  auto* peerList = peer->add_subcommand(
      "list",
      "Each peer: reachable, unreachable or refusing our messages (and why), messages queued "
      "for it, when it last answered and wrote");

  auto* keys = app.add_subcommand("keys", "Router keys");
  keys->require_subcommand(1);
  std::string keyPrefix;
  auto* generate = keys->add_subcommand(
      "generate", "Generate an Ed25519 router key pair as PREFIX.key and PREFIX.pub");
  generate->add_option("PREFIX", keyPrefix, "Output path prefix")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }

  if (validate->parsed()) return validatePlanCommand(planPath, allowMissingId, allowUnsigned);
  if (sign->parsed()) return finp2p::ctl::signPlanFile(planPath, investorKeys, signedOut);
  if (generate->parsed()) return generateKeysCommand(keyPrefix);
  if (probe->parsed()) return probeLedgersCommand(ledgerToml);

  if (admin.empty() && !routerConfig.empty()) {
    auto cfg = finp2p::config::loadRouterConfig(routerConfig);
    if (!cfg) {
      std::fprintf(stderr, "error: %s\n", cfg.error().message.c_str());
      return kExitInvalid;
    }
    admin = cfg->adminAddress;
  }
  if (admin.empty()) {
    std::fprintf(stderr,
                 "error: say which router: --admin HOST:PORT, --config router.toml or "
                 "FINP2P_ADMIN\n");
    return kExitUsage;
  }
  namespace ctl = finp2p::ctl;
  if (submit->parsed()) return ctl::submitPlan(admin, planFile, wait, newId);
  if (show->parsed()) return ctl::showPlan(admin, planId, json);
  if (watch->parsed()) return ctl::watchPlan(admin, planId);
  if (listCmd->parsed()) return ctl::listPlans(admin, statusFilter, listLimit);
  if (ledgerList->parsed()) return ctl::listLedgers(admin);
  if (peerList->parsed()) return ctl::listPeers(admin);
  if (reload->parsed()) {
    if (!pluginPath.empty()) {
      std::fprintf(stderr,
                   "error: --plugin is no longer accepted: set `plugin` (and `sha256`) in the "
                   "ledger's [[ledger]] entry of the router's TOML, then run `ledger reload %s`; "
                   "what runs is what the TOML says, also after a restart\n",
                   ledgerName.c_str());
      return kExitUsage;
    }
    return ctl::reloadLedger(admin, ledgerName);
  }
  if (balance->parsed()) return ctl::showBalance(admin, ledgerName, account, asset);
  return kExitUsage;
}
