#include "ledgers/ledger_registry.hpp"
#include "node/ledger_port.hpp"
#include "node/router_node.hpp"
#include "node/runtime.hpp"

namespace finp2p::node {

namespace {
ledger::Outcome noLedger(const std::string& asset) {
  return ledger::Outcome::failure(FINP2P_LEDGER_ERROR_NOT_FOUND,
                                  "no ledger serves asset \"" + asset + "\"");
}
}  // namespace

// Production's node: threads, and the plugins of the registry (here, so that the node's core
// builds without the plugin loader, as the simulator and fuzz_router build it).
RouterNode::RouterNode(NodeConfig config, journal::Journal& journal,
                       ledgers::LedgerRegistry& ledgers, MessageSink& sink)
    : config_(std::move(config)),
      runtime_(makeThreadRuntime(config_.strands, config_.ledgerThreads)),
      journal_(journal),
      ownedLedgers_(std::make_unique<RegistryLedgers>(ledgers, *runtime_)),
      ledgers_(*ownedLedgers_),
      sink_(sink) {
  for (std::size_t i = 0; i < runtime_->strands(); ++i) {
    strands_.push_back(std::make_unique<Strand>());
  }
}

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

bool RegistryLedgers::executing(const std::string& asset, const std::string& key) {
  auto plugin = registry_.forAsset(asset);
  return plugin && plugin->executing(key);
}

void RegistryLedgers::verify(const std::string& asset, const ledger::Receipt& receipt, Done done) {
  auto plugin = registry_.forAsset(asset);
  if (!plugin) return done(noLedger(asset));
  runtime_.offStrand([plugin, receipt, done = std::move(done)] { plugin->verify(receipt, done); });
}

}  // namespace finp2p::node
