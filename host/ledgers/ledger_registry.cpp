#include "ledgers/ledger_registry.hpp"

#include <spdlog/spdlog.h>

namespace finp2p::ledgers {

Status LedgerRegistry::loadAll(const std::vector<config::LedgerConfig>& ledgers) {
  for (const auto& l : ledgers) {
    if (auto s = add(l); !s) return s;
  }
  return {};
}

Status LedgerRegistry::add(const config::LedgerConfig& ledger) {
  {
    std::lock_guard lock(mutex_);
    if (ledgers_.count(ledger.name)) {
      return makeError(ErrorCode::kAlreadyExists, "ledger \"" + ledger.name + "\" already loaded");
    }
    for (const auto& asset : ledger.assets) {
      if (assetToLedger_.count(asset)) {
        return makeError(ErrorCode::kAlreadyExists, "asset \"" + asset +
                                                        "\" is already served by ledger \"" +
                                                        assetToLedger_[asset] + "\"");
      }
    }
  }
  auto opened = Ledger::open(ledger);
  if (!opened) return opened.error();
  std::lock_guard lock(mutex_);
  ledgers_[ledger.name] = *opened;
  configs_[ledger.name] = ledger;
  for (const auto& asset : ledger.assets) assetToLedger_[asset] = ledger.name;
  return {};
}

Result<LedgerInfo> LedgerRegistry::reload(const std::string& name, const std::string& pluginPath) {
  std::shared_ptr<Ledger> ledger;
  config::LedgerConfig cfg;
  {
    std::lock_guard lock(mutex_);
    auto it = ledgers_.find(name);
    if (it == ledgers_.end())
      return makeError(ErrorCode::kNotFound, "no ledger named \"" + name + "\"");
    ledger = it->second;
    cfg = configs_.at(name);
  }
  if (!pluginPath.empty() && pluginPath != cfg.pluginPath) {
    cfg.pluginPath = pluginPath;
    cfg.sha256.clear();
  }
  return ledger->reload(cfg);
}

std::shared_ptr<Ledger> LedgerRegistry::forAsset(const std::string& asset) const {
  std::lock_guard lock(mutex_);
  auto it = assetToLedger_.find(asset);
  if (it == assetToLedger_.end()) return nullptr;
  return ledgers_.at(it->second);
}

std::optional<std::string> LedgerRegistry::ledgerNameForAsset(const std::string& asset) const {
  std::lock_guard lock(mutex_);
  auto it = assetToLedger_.find(asset);
  if (it == assetToLedger_.end()) return std::nullopt;
  return it->second;
}

std::shared_ptr<Ledger> LedgerRegistry::byName(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = ledgers_.find(name);
  return it == ledgers_.end() ? nullptr : it->second;
}

std::vector<LedgerInfo> LedgerRegistry::list() const {
  std::vector<std::shared_ptr<Ledger>> all;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, l] : ledgers_) all.push_back(l);
  }
  std::vector<LedgerInfo> out;
  for (const auto& l : all) out.push_back(l->info());
  return out;
}

}  // namespace finp2p::ledgers
