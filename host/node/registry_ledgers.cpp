#include "ledgers/ledger_registry.hpp"
#include "node/ledger_port.hpp"
#include "node/runtime.hpp"

namespace finp2p::node {

namespace {
ledger::Outcome noLedger(const std::string& asset) {
  return ledger::Outcome::failure(FINP2P_LEDGER_ERROR_NOT_FOUND,
                                  "no ledger serves asset \"" + asset + "\"");
}
}  // namespace

std::optional<std::string> RegistryLedgers::ledgerFor(const std::string& asset) {
  return registry_.ledgerNameForAsset(asset);
}

void RegistryLedgers::preflight(const std::string& asset, const ledger::Operation& op, Done done) {
  auto plugin = registry_.forAsset(asset);
  if (!plugin) return done(noLedger(asset));
  runtime_.offStrand([plugin, op, done = std::move(done)] { plugin->preflight(op, done); });
}

void RegistryLedgers::lookup(const std::string& asset, const std::string& key, Done done) {
  auto plugin = registry_.forAsset(asset);
  if (!plugin) return done(noLedger(asset));
  runtime_.offStrand([plugin, key, done = std::move(done)] { plugin->lookup(key, done); });
}

void RegistryLedgers::execute(const std::string& asset, const ledger::Operation& op, Done done) {
  auto plugin = registry_.forAsset(asset);
  if (!plugin) return done(noLedger(asset));
  runtime_.offStrand([plugin, op, done = std::move(done)] { plugin->execute(op, done); });
}

void RegistryLedgers::verify(const std::string& asset, const ledger::Receipt& receipt, Done done) {
  auto plugin = registry_.forAsset(asset);
  if (!plugin) return done(noLedger(asset));
  runtime_.offStrand([plugin, receipt, done = std::move(done)] { plugin->verify(receipt, done); });
}

}  // namespace finp2p::node
