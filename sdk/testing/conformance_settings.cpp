#include "conformance_settings.hpp"

#include <filesystem>
#include <set>
#include <toml.hpp>

#include "finp2p/ledger/toml_config.hpp"

namespace finp2p::conformance {

namespace {

// The plugin's table: [config], [ledger.config], or the one [[ledger]]'s config.
std::variant<const toml::value*, std::string> pluginTable(const toml::value& file,
                                                          std::string& ledgerPlugin) {
  const toml::value* config = file.contains("config") ? &file.at("config") : nullptr;
  if (!file.contains("ledger")) return config;
  const toml::value* ledger = &file.at("ledger");
  if (ledger->is_array()) {
    if (ledger->as_array().size() != 1) {
      return "[[ledger]] appears " + std::to_string(ledger->as_array().size()) +
             " times; give the runner the one of the plugin under test";
    }
    ledger = &ledger->as_array()[0];
  }
  if (!ledger->is_table()) return std::string("ledger must be a table");
  if (ledger->contains("plugin") && ledger->at("plugin").is_string()) {
    ledgerPlugin = ledger->at("plugin").as_string().str;
  }
  if (!ledger->contains("config")) return config;
  if (config) {
    return std::string("both [config] and [ledger.config] are given; keep one (they are the same)");
  }
  return &ledger->at("config");
}

}  // namespace

std::variant<Settings, std::string> readSettings(const std::string& configPath,
                                                 const std::string& pluginPath) {
  Settings s;
  s.pluginPath = pluginPath;
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string dir = fs::absolute(fs::current_path(ec), ec).string();
  std::vector<std::pair<std::string, std::string>> entries;
  if (!configPath.empty()) {
    try {
      auto file = toml::parse(configPath);
      dir = fs::absolute(fs::path(configPath), ec).parent_path().lexically_normal().string();
      for (const auto& [key, value] : file.as_table()) {
        static const std::set<std::string> known{"conformance", "config", "ledger"};
        if (!known.count(key)) {
          return configPath + ": unknown key \"" + key +
                 "\" (known: [conformance], [config], [ledger.config]; see --help)";
        }
      }
      std::string ledgerPlugin;
      auto table = pluginTable(file, ledgerPlugin);
      if (auto* why = std::get_if<std::string>(&table)) return configPath + ": " + *why;
      if (const auto* t = std::get<const toml::value*>(table)) {
        if (!t->is_table()) return configPath + ": the plugin's config must be a table";
        ledger::flattenToml(*t, "", entries);
      }
      if (s.pluginPath.empty() && !ledgerPlugin.empty()) {
        s.pluginPath =
            fs::path(ledgerPlugin).is_absolute() ? ledgerPlugin : dir + "/" + ledgerPlugin;
      }
      if (file.contains("conformance")) {
        const auto& c = toml::find(file, "conformance");
        for (const auto& [key, value] : c.as_table()) {
          if (key != "asset" && key != "decimals") {
            return configPath + ": unknown key \"" + key +
                   "\" in [conformance] (known: asset, decimals)";
          }
        }
        s.asset = toml::find_or<std::string>(c, "asset", s.asset);
        s.decimals = static_cast<uint32_t>(toml::find_or<int64_t>(c, "decimals", s.decimals));
      }
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  }
  // As the host does: relative paths in the plugin's configuration mean relative to the TOML.
  entries.emplace_back(ledger::Config::kConfigDirKey, dir);
  s.pluginConfig = ledger::Config(std::move(entries));
  return s;
}

}  // namespace finp2p::conformance
