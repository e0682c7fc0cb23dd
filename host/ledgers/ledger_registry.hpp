#pragma once
// The router's ledgers: one Ledger per [[ledger]] table, and the routing from an asset to the
// ledger that serves it. A reload drains the ledger and replaces its plugin instance (see
// ledger.hpp): two instances of one ledger never run at once. No library is ever unloaded.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "config/router_config.hpp"
#include "ledgers/ledger.hpp"

namespace finp2p::ledgers {

class LedgerRegistry {
 public:
  // Loads every ledger; the first that fails is returned as the error, naming the ledger.
  Status loadAll(const std::vector<config::LedgerConfig>& ledgers);
  Status add(const config::LedgerConfig& ledger);

  // Loads `pluginPath` (or the configured path) as the ledger's new generation, after the
  // current one drained and was destroyed. On failure the current plugin stays in service.
  Result<LedgerInfo> reload(const std::string& name, const std::string& pluginPath = "");

  std::shared_ptr<Ledger> forAsset(const std::string& asset) const;
  std::shared_ptr<Ledger> byName(const std::string& name) const;
  std::optional<std::string> ledgerNameForAsset(const std::string& asset) const;
  std::vector<LedgerInfo> list() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Ledger>> ledgers_;
  std::map<std::string, config::LedgerConfig> configs_;
  std::map<std::string, std::string> assetToLedger_;
};

}  // namespace finp2p::ledgers
