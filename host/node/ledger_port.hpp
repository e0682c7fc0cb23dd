#pragma once
// The node's ledgers, by asset: every call completes through its callback, now or later, on
// any thread. The daemon's RegistryLedgers runs the plugins of its LedgerRegistry; the
// simulator plugs in its own ledgers.

#include <functional>
#include <optional>
#include <string>

#include "finp2p/ledger/types.hpp"

namespace finp2p::ledgers {
class LedgerRegistry;
}

namespace finp2p::node {

class Runtime;

class LedgerPort {
 public:
  using Done = std::function<void(ledger::Outcome)>;
  virtual ~LedgerPort() = default;
  // The configured name of the ledger that serves `asset`; nullopt when none does.
  virtual std::optional<std::string> ledgerFor(const std::string& asset) = 0;
  virtual void preflight(const std::string& asset, const ledger::Operation& op, Done done) = 0;
  virtual void lookup(const std::string& asset, const std::string& idempotencyKey, Done done) = 0;
  virtual void execute(const std::string& asset, const ledger::Operation& op, Done done) = 0;
  virtual void verify(const std::string& asset, const ledger::Receipt& receipt, Done done) = 0;
  // The ledger is still running an execute of this key (see ledgers::Ledger::executing).
  // Ledgers that apply an operation before they answer for it need not say.
  virtual bool executing(const std::string& asset, const std::string& idempotencyKey) {
    (void)asset;
    (void)idempotencyKey;
    return false;
  }
};

// The plugins of a LedgerRegistry. Calls are started off the strands (a plugin may do its work
// inside the hook) on the runtime's blocking pool.
class RegistryLedgers final : public LedgerPort {
 public:
  RegistryLedgers(ledgers::LedgerRegistry& registry, Runtime& runtime)
      : registry_(registry), runtime_(runtime) {}
  std::optional<std::string> ledgerFor(const std::string& asset) override;
  void preflight(const std::string& asset, const ledger::Operation& op, Done done) override;
  void lookup(const std::string& asset, const std::string& idempotencyKey, Done done) override;
  void execute(const std::string& asset, const ledger::Operation& op, Done done) override;
  void verify(const std::string& asset, const ledger::Receipt& receipt, Done done) override;
  bool executing(const std::string& asset, const std::string& idempotencyKey) override;

 private:
  ledgers::LedgerRegistry& registry_;
  Runtime& runtime_;
};

}  // namespace finp2p::node
