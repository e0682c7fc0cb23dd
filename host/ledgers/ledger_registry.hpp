#pragma once
// The router's ledgers: one Ledger per [[ledger]] table, and the routing from an asset to the
// ledger that serves it. A reload drains the ledger and replaces its plugin instance (see
// ledger.hpp): two instances of one ledger never run at once. No library is ever unloaded.
//
// What runs is what the router's TOML says: a reload re-reads the ledger's [[ledger]] entry
// (plugin, sha256, config, timeouts), so a swap is made by editing the file and survives a
// restart. Each ledger's generation and the hash it was loaded from are kept in the state file
// (beside the journal): a restart onto the same file keeps the generation, a file swapped while
// the router was stopped is the next generation.

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

// What --check-config checks of each [[ledger]] without running any plugin's init: the file
// exists, matches its sha256 pin, is a plugin, and speaks this host's ABI. Every problem is
// listed, each naming its ledger; the first error's code is returned.
Status checkLedgerFiles(const std::vector<config::LedgerConfig>& ledgers);

class LedgerRegistry {
 public:
  explicit LedgerRegistry(std::string routerConfigPath = "", std::string statePath = "")
      : routerConfigPath_(std::move(routerConfigPath)), statePath_(std::move(statePath)) {}

  // Loads every ledger; the first that fails is returned as the error, naming the ledger.
  Status loadAll(const std::vector<config::LedgerConfig>& ledgers);
  Status add(const config::LedgerConfig& ledger);

  // Re-reads the ledger's [[ledger]] entry from the router's TOML and loads it as the ledger's
  // next generation, after the current instance drained and was destroyed. On failure the
  // current plugin stays in service. Without a TOML path (tools, tests) the entry given to
  // add() is loaded again.
  Result<LedgerInfo> reload(const std::string& name);

  std::shared_ptr<Ledger> forAsset(const std::string& asset) const;
  std::shared_ptr<Ledger> byName(const std::string& name) const;
  std::optional<std::string> ledgerNameForAsset(const std::string& asset) const;
  std::vector<LedgerInfo> list() const;

 private:
  struct Stored {
    uint32_t generation = 0;
    std::string sha256;
  };
  std::map<std::string, Stored> readState() const;
  void writeState() const;  // with mutex_ held

  const std::string routerConfigPath_;
  const std::string statePath_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Ledger>> ledgers_;
  std::map<std::string, config::LedgerConfig> configs_;
  std::map<std::string, std::string> assetToLedger_;
};

}  // namespace finp2p::ledgers
