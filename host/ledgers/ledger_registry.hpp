#pragma once
// The router's ledgers: plugins loaded from the [[ledger]] tables, and the routing from an
// asset to the ledger that serves it. Reloading a ledger loads the new file beside the old
// one: new operations go to the new plugin, operations in flight finish on the old one (they
// hold a reference to it), and no library is ever unloaded.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "config/router_config.hpp"
#include "finp2p/ledger/client.hpp"

namespace finp2p::ledgers {

struct LedgerInfo {
  std::string name;
  std::string pluginPath;
  std::string pluginName;
  std::string pluginVersion;
  uint32_t abiVersion = 0;
  std::vector<std::string> assets;
  uint32_t generation = 0;  // 1 at first load, +1 per reload
};

class LedgerRegistry {
 public:
  // Loads every ledger; the first that fails is returned as the error, naming the ledger.
  Status loadAll(const std::vector<config::LedgerConfig>& ledgers);
  Status add(const config::LedgerConfig& ledger);

  // Loads `pluginPath` (or the configured path) as the ledger's new generation. On failure
  // the current plugin stays in service.
  Result<LedgerInfo> reload(const std::string& name, const std::string& pluginPath = "");

  std::shared_ptr<ledger::LoadedPlugin> forAsset(const std::string& asset) const;
  std::shared_ptr<ledger::LoadedPlugin> byName(const std::string& name) const;
  std::optional<std::string> ledgerNameForAsset(const std::string& asset) const;
  std::vector<LedgerInfo> list() const;

 private:
  struct Entry {
    config::LedgerConfig config;
    std::shared_ptr<ledger::LoadedPlugin> current;
    uint32_t generation = 0;
  };
  Result<std::shared_ptr<ledger::LoadedPlugin>> load(const config::LedgerConfig& ledger,
                                                     const std::string& path) const;
  LedgerInfo info(const Entry& e) const;

  mutable std::mutex mutex_;
  std::map<std::string, Entry> ledgers_;
  std::map<std::string, std::string> assetToLedger_;
};

}  // namespace finp2p::ledgers
