#pragma once
// The node's ledgers with every call timed and counted (RouterMetrics::ledgerCall), wrapped
// around the daemon's RegistryLedgers: the node and the plugins stay unaware of metrics.

#include "node/ledger_port.hpp"
#include "ops/router_metrics.hpp"

namespace finp2p::ops {

class MeteredLedgers final : public node::LedgerPort {
 public:
  MeteredLedgers(node::LedgerPort& inner, RouterMetrics& metrics)
      : inner_(inner), metrics_(metrics) {}
  std::optional<std::string> ledgerFor(const std::string& asset) override {
    return inner_.ledgerFor(asset);
  }
  void preflight(const std::string& asset, const ledger::Operation& op, Done done) override;
  void lookup(const std::string& asset, const std::string& idempotencyKey, Done done) override;
  void execute(const std::string& asset, const ledger::Operation& op, Done done) override;
  void verify(const std::string& asset, const ledger::Receipt& receipt, Done done) override;

 private:
  // `done`, wrapped to record the call once its outcome arrives (on any thread).
  Done timed(const std::string& asset, const char* operation, const char* kind, Done done);

  node::LedgerPort& inner_;
  RouterMetrics& metrics_;
};

}  // namespace finp2p::ops
