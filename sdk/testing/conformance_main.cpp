// finp2p-ledger-conformance --plugin X.so --config Y.toml [gtest flags]
//
// Y.toml:
//   [conformance]        # optional
//   asset = "USD"        # an asset the plugin serves (it must support issue)
//   decimals = 2
//   [config]             # handed to the plugin, as [ledger.config] is by the host
//   database = "/tmp/conformance.db"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <toml.hpp>

#include "conformance.hpp"
#include "finp2p/ledger/toml_config.hpp"

namespace finp2p::conformance {

Settings& settings() {
  static Settings s;
  return s;
}

std::shared_ptr<ledger::LoadedPlugin> loadPlugin() {
  ledger::LoadOptions options;
  options.log = [](finp2p_ledger_log_level, const std::string&) {};
  auto loaded = ledger::LoadedPlugin::load(settings().pluginPath, settings().pluginConfig, options);
  if (auto* error = std::get_if<ledger::LoadError>(&loaded)) {
    ADD_FAILURE() << error->message;
    return nullptr;
  }
  return std::get<std::shared_ptr<ledger::LoadedPlugin>>(loaded);
}

}  // namespace finp2p::conformance

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string configPath;
  auto& s = finp2p::conformance::settings();
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--plugin") && i + 1 < argc)
      s.pluginPath = argv[++i];
    else if (!std::strcmp(argv[i], "--config") && i + 1 < argc)
      configPath = argv[++i];
  }
  if (s.pluginPath.empty()) {
    std::fprintf(stderr, "usage: finp2p-ledger-conformance --plugin X.so [--config Y.toml]\n");
    return 2;
  }
  if (!configPath.empty()) {
    try {
      auto file = toml::parse(configPath);
      if (file.contains("config")) {
        std::vector<std::pair<std::string, std::string>> entries;
        finp2p::ledger::flattenToml(toml::find(file, "config"), "", entries);
        s.pluginConfig = finp2p::ledger::Config(std::move(entries));
      }
      if (file.contains("conformance")) {
        const auto& c = toml::find(file, "conformance");
        s.asset = toml::find_or<std::string>(c, "asset", s.asset);
        s.decimals = static_cast<uint32_t>(toml::find_or<int64_t>(c, "decimals", s.decimals));
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 2;
    }
  }
  s.runId = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  return RUN_ALL_TESTS();
}
