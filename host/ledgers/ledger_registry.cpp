#include "ledgers/ledger_registry.hpp"

#include <spdlog/spdlog.h>

namespace finp2p::ledgers {

Result<std::shared_ptr<ledger::LoadedPlugin>> LedgerRegistry::load(
    const config::LedgerConfig& ledger, const std::string& path) const {
  ledger::LoadOptions options;
  options.expectedSha256 = path == ledger.pluginPath ? ledger.sha256 : "";
  std::string name = ledger.name;
  options.log = [name](finp2p_ledger_log_level level, const std::string& message) {
    auto spdLevel = level >= FINP2P_LEDGER_LOG_ERROR  ? spdlog::level::err
                    : level == FINP2P_LEDGER_LOG_WARN ? spdlog::level::warn
                    : level == FINP2P_LEDGER_LOG_INFO ? spdlog::level::info
                                                      : spdlog::level::debug;
    spdlog::log(spdLevel, "ledger {}: {}", name, message);
  };
  auto loaded = ledger::LoadedPlugin::load(path, ledger::Config(ledger.pluginConfig), options);
  if (auto* e = std::get_if<ledger::LoadError>(&loaded)) {
    auto code = e->code == ledger::LoadErrorCode::kMissingFile ? ErrorCode::kNotFound
                                                               : ErrorCode::kFailedPrecondition;
    return makeError(code, "ledger \"" + ledger.name + "\": " + e->message + " [" +
                               ledger::loadErrorCodeName(e->code) + "]");
  }
  return std::get<std::shared_ptr<ledger::LoadedPlugin>>(loaded);
}

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
  auto plugin = load(ledger, ledger.pluginPath);
  if (!plugin) return plugin.error();
  std::lock_guard lock(mutex_);
  Entry& e = ledgers_[ledger.name];
  e.config = ledger;
  e.current = *plugin;
  e.generation = 1;
  for (const auto& asset : ledger.assets) assetToLedger_[asset] = ledger.name;
  spdlog::info("ledger {} loaded: {} {} from {} (sha256 {})", ledger.name,
               e.current->description().name, e.current->description().version, ledger.pluginPath,
               e.current->sha256());
  return {};
}

Result<LedgerInfo> LedgerRegistry::reload(const std::string& name, const std::string& pluginPath) {
  config::LedgerConfig cfg;
  {
    std::lock_guard lock(mutex_);
    auto it = ledgers_.find(name);
    if (it == ledgers_.end())
      return makeError(ErrorCode::kNotFound, "no ledger named \"" + name + "\"");
    cfg = it->second.config;
  }
  std::string path = pluginPath.empty() ? cfg.pluginPath : pluginPath;
  auto plugin = load(cfg, path);
  if (!plugin) {
    spdlog::error("ledger {} reload from {} refused, the current plugin stays: {}", name, path,
                  plugin.error().message);
    return plugin.error();
  }
  std::lock_guard lock(mutex_);
  Entry& e = ledgers_[name];
  e.current = *plugin;  // the old one lives on while operations in flight reference it
  e.config.pluginPath = path;
  ++e.generation;
  spdlog::info("ledger {} reloaded: generation {} is {} {} from {}", name, e.generation,
               e.current->description().name, e.current->description().version, path);
  return info(e);
}

std::shared_ptr<ledger::LoadedPlugin> LedgerRegistry::forAsset(const std::string& asset) const {
  std::lock_guard lock(mutex_);
  auto it = assetToLedger_.find(asset);
  if (it == assetToLedger_.end()) return nullptr;
  return ledgers_.at(it->second).current;
}

std::optional<std::string> LedgerRegistry::ledgerNameForAsset(const std::string& asset) const {
  std::lock_guard lock(mutex_);
  auto it = assetToLedger_.find(asset);
  if (it == assetToLedger_.end()) return std::nullopt;
  return it->second;
}

std::shared_ptr<ledger::LoadedPlugin> LedgerRegistry::byName(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = ledgers_.find(name);
  return it == ledgers_.end() ? nullptr : it->second.current;
}

LedgerInfo LedgerRegistry::info(const Entry& e) const {
  const auto& d = e.current->description();
  return {e.config.name,           e.config.pluginPath, d.name,      d.version,
          e.current->abiVersion(), e.config.assets,     e.generation};
}

std::vector<LedgerInfo> LedgerRegistry::list() const {
  std::lock_guard lock(mutex_);
  std::vector<LedgerInfo> out;
  for (const auto& [name, e] : ledgers_) out.push_back(info(e));
  return out;
}

}  // namespace finp2p::ledgers
