#include "ledgers/ledger_registry.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "ledgers/child_process.hpp"

namespace finp2p::ledgers {

Status checkLedgerFiles(const std::vector<config::LedgerConfig>& ledgers) {
  std::string problems;
  for (const auto& l : ledgers) {
    if (l.isolation == config::Isolation::kProcess) {
      std::string host = ledgerHostPath();
      if (::access(host.c_str(), X_OK) != 0) {
        problems += (problems.empty() ? "" : "\n") + std::string("ledger \"") + l.name +
                    "\": isolation = \"process\" needs " + host +
                    ", which is not an executable file (FINP2P_LEDGER_HOST names another)";
      }
    }
    auto file = ledger::LoadedPlugin::inspect(l.pluginPath, l.sha256);
    if (auto* e = std::get_if<ledger::LoadError>(&file)) {
      problems += (problems.empty() ? "" : "\n") + std::string("ledger \"") + l.name +
                  "\": " + e->message + " [" + ledger::loadErrorCodeName(e->code) + "]";
    } else if (std::get<ledger::PluginFile>(file).abiVersion == 0) {
      spdlog::warn(
          "ledger {}: {} does not export its ABI version; it is checked only when the "
          "router starts it",
          l.name, l.pluginPath);
    }
  }
  if (problems.empty()) return {};
  return makeError(ErrorCode::kFailedPrecondition, problems);
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
  uint32_t generation = 1;
  auto stored = readState();
  if (auto it = stored.find(ledger.name); it != stored.end()) {
    // The hash is checked by the load itself when pinned; here it only says "same file or not".
    bool same = ledger::fileSha256(ledger.pluginPath) == it->second.sha256;
    generation = it->second.generation + (same ? 0 : 1);
  }
  auto opened = Ledger::open(ledger, generation);
  if (!opened) return opened.error();
  std::lock_guard lock(mutex_);
  ledgers_[ledger.name] = *opened;
  configs_[ledger.name] = ledger;
  for (const auto& asset : ledger.assets) assetToLedger_[asset] = ledger.name;
  writeState();
  return {};
}

std::map<std::string, LedgerRegistry::Stored> LedgerRegistry::readState() const {
  std::map<std::string, Stored> out;
  if (statePath_.empty()) return out;
  std::ifstream in(statePath_);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name;
    Stored s;
    if (fields >> name >> s.generation >> s.sha256) out[name] = s;
  }
  return out;
}

void LedgerRegistry::writeState() const {
  if (statePath_.empty()) return;
  auto stored = readState();  // keeps ledgers this router no longer configures
  for (const auto& [name, l] : ledgers_) {
    auto i = l->info();
    if (!i.sha256.empty()) stored[name] = {i.generation, i.sha256};
  }
  std::string tmp = statePath_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "# finp2p-execd: each ledger's plugin generation and the sha256 it was loaded from\n";
    for (const auto& [name, s] : stored)
      out << name << " " << s.generation << " " << s.sha256 << "\n";
    out.flush();
    if (!out) {
      spdlog::error("cannot write the ledger state file {}; generations restart after a restart",
                    tmp);
      return;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, statePath_, ec);
  if (ec) spdlog::error("cannot replace the ledger state file {}: {}", statePath_, ec.message());
}

Result<LedgerInfo> LedgerRegistry::reload(const std::string& name) {
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
  if (!routerConfigPath_.empty()) {
    auto entries = config::loadLedgerConfigs(routerConfigPath_);
    if (!entries) {
      return makeError(ErrorCode::kFailedPrecondition,
                       "ledger \"" + name + "\": reload refused, the current plugin stays: " +
                           routerConfigPath_ + " does not load: " + entries.error().message);
    }
    auto found = std::find_if(entries->begin(), entries->end(),
                              [&](const config::LedgerConfig& l) { return l.name == name; });
    if (found == entries->end()) {
      return makeError(ErrorCode::kFailedPrecondition,
                       "ledger \"" + name + "\": reload refused, the current plugin stays: " +
                           routerConfigPath_ + " has no [[ledger]] named \"" + name +
                           "\" any more (removing a ledger takes a restart)");
    }
    cfg = *found;
  }
  auto info = ledger->reload(cfg);
  if (!info) return info;
  std::lock_guard lock(mutex_);
  configs_[name] = cfg;
  writeState();
  return info;
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
