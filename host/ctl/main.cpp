// finp2p-execctl: the operator's command line for a finp2p-execd router.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "config/router_config.hpp"
#include "crypto/keys.hpp"
#include "ledgers/ledger_registry.hpp"
#include "model/plan_file.hpp"
#include "model/plan_validation.hpp"

namespace {

// Exit codes: 0 ok, 1 the input is invalid, 2 usage, 3 a file or system error.
constexpr int kExitInvalid = 1;
constexpr int kExitUsage = 2;
constexpr int kExitSystem = 3;

int validatePlanCommand(const std::string& path, bool allowMissingId) {
  auto plan = finp2p::model::readPlanFile(path);
  if (!plan) {
    std::fprintf(stderr, "error: %s\n", plan.error().message.c_str());
    return plan.error().code == finp2p::ErrorCode::kNotFound ? kExitSystem : kExitInvalid;
  }
  finp2p::model::PlanValidationOptions options;
  options.requirePlanId = !allowMissingId;
  auto violations = finp2p::model::validatePlan(*plan, options);
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
              path.c_str(), plan->id().id().empty() ? "(id to be assigned)" : plan->id().id().c_str(),
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

  auto* keys = app.add_subcommand("keys", "Router keys");
  keys->require_subcommand(1);
  std::string keyPrefix;
  auto* generate = keys->add_subcommand(
      "generate", "Generate an Ed25519 router key pair as PREFIX.key and PREFIX.pub");
  generate->add_option("PREFIX", keyPrefix, "Output path prefix")->required();

  auto* ledger = app.add_subcommand("ledger", "Ledger plugins");
  ledger->require_subcommand(1);
  std::string ledgerToml;
  auto* probe = ledger->add_subcommand(
      "probe", "Load the [[ledger]] plugins of a TOML file as finp2p-execd would and describe them");
  probe->add_option("CONFIG", ledgerToml, "Router or ledger TOML file")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }

  if (validate->parsed()) return validatePlanCommand(planPath, allowMissingId);
  if (generate->parsed()) return generateKeysCommand(keyPrefix);
  if (probe->parsed()) return probeLedgersCommand(ledgerToml);
  return kExitUsage;
}
