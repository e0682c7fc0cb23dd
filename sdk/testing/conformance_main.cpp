// finp2p-ledger-conformance: the suite a ledger plugin must pass before a router loads it.
// Usage and the configuration file's format: kUsage below (also --help).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <utility>
#include <variant>

#include <unistd.h>

#include "conformance.hpp"
#include "conformance_printer.hpp"
#include "conformance_settings.hpp"

namespace finp2p::conformance {

namespace {
constexpr const char* kUsage =
    R"(usage: finp2p-ledger-conformance --plugin X.so [--config Y.toml] [gtest flags]

Loads X.so as finp2p-execd does (one instance per case, destroyed and created again where a case
restarts it, then from a fresh copy of X.so so that nothing kept in the plugin's memory, static
variables included, survives: as after a crash) and runs every case against it. Every receipt
is checked against the operation it records (finp2p/ledger/receipt_check.hpp), also those
on_lookup returns; a second completion of one operation fails the case. Accounts and keys are
new on every run, so the plugin's ledger may be reused.

Y.toml:
  [conformance]              # optional
  asset = "USD"              # an asset the plugin serves; it must support issue (default USD)
  decimals = 2               # the asset's precision (default 2)

  [config]                   # what the plugin receives, exactly as a router's [ledger.config]
  database = "conf.db"       # relative paths: to Y.toml's directory, as in a router

Instead of [config], the plugin's [[ledger]] table may be copied from a router's TOML as it is
([[ledger]] with its [ledger.config], or [ledger.config] alone); its other keys (name, assets, ...)
are not used, except `plugin`, which stands for --plugin when that is not given. Any other key,
or both [config] and [ledger.config], is refused.
)";
}  // namespace

Settings& settings() {
  static Settings s;
  return s;
}

namespace {
std::mutex brokenRulesMutex;
std::vector<std::string> brokenRules;
}  // namespace

std::vector<std::string> takeBrokenRules() {
  std::lock_guard lock(brokenRulesMutex);
  return std::exchange(brokenRules, {});
}

namespace {
// A copy of the plugin file at a path of its own, so that the loader maps it as a library it has
// not seen (a file is known by path and inode): its static variables start empty, as in the
// process a router starts after a crash. Removed once loaded (the mapping stays).
std::variant<std::string, std::string> freshCopy(const std::string& path) {
  static std::atomic<int> copies{0};
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path to = fs::temp_directory_path(ec) /
                ("finp2p-conformance-" + std::to_string(::getpid()) + "-" +
                 std::to_string(++copies) + "-" + fs::path(path).filename().string());
  if (ec || !fs::copy_file(path, to, fs::copy_options::overwrite_existing, ec)) {
    return std::variant<std::string, std::string>(
        std::in_place_index<1>, "cannot copy " + path + " to " + to.string() + ": " +
                                    (ec ? ec.message() : std::string("copy failed")));
  }
  return std::variant<std::string, std::string>(std::in_place_index<0>, to.string());
}
}  // namespace

std::shared_ptr<ledger::LoadedPlugin> loadPlugin(std::function<void()> onDestroyed,
                                                 bool freshLibrary) {
  std::string path = settings().pluginPath;
  if (freshLibrary) {
    auto copy = freshCopy(path);
    if (copy.index() == 1) {
      ADD_FAILURE() << std::get<1>(copy);
      return nullptr;
    }
    path = std::get<0>(copy);
  }
  ledger::LoadOptions options;
  options.log = [](finp2p_ledger_log_level, const std::string&) {};
  options.onBrokenRule = [](const std::string& why) {
    std::lock_guard lock(brokenRulesMutex);
    brokenRules.push_back(why);
  };
  options.onDestroyed = std::move(onDestroyed);
  auto loaded = ledger::LoadedPlugin::load(path, settings().pluginConfig, options);
  if (freshLibrary) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  if (auto* error = std::get_if<ledger::LoadError>(&loaded)) {
    ADD_FAILURE() << error->message;
    return nullptr;
  }
  return std::get<std::shared_ptr<ledger::LoadedPlugin>>(loaded);
}

}  // namespace finp2p::conformance

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  using namespace finp2p;
  std::string pluginPath, configPath;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--plugin") && i + 1 < argc) {
      pluginPath = argv[++i];
    } else if (!std::strcmp(argv[i], "--config") && i + 1 < argc) {
      configPath = argv[++i];
    } else if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::fputs(conformance::kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "unknown argument %s\n\n%s", argv[i], conformance::kUsage);
      return 2;
    }
  }
  auto read = conformance::readSettings(configPath, pluginPath);
  if (auto* why = std::get_if<std::string>(&read)) {
    std::fprintf(stderr, "finp2p-ledger-conformance: %s\n", why->c_str());
    return 2;
  }
  auto& s = conformance::settings();
  s = std::get<conformance::Settings>(std::move(read));
  if (s.pluginPath.empty()) {
    std::fputs(conformance::kUsage, stderr);
    return 2;
  }
  // A plugin the host would refuse before its init (no file, not a plugin, another ABI) fails
  // once, with the host's reason, instead of once per case.
  auto file = ledger::LoadedPlugin::inspect(s.pluginPath, "");
  if (auto* e = std::get_if<ledger::LoadError>(&file)) {
    std::fprintf(stderr, "FAILED: %s\n", e->message.c_str());
    if (e->code == ledger::LoadErrorCode::kAbiMismatch) {
      std::fprintf(stderr,
                   "  fix: rebuild the plugin against this SDK's finp2p/ledger/abi.h (ABI %u.%u); "
                   "a router refuses it the same way\n",
                   FINP2P_LEDGER_ABI_MAJOR, FINP2P_LEDGER_ABI_MINOR);
    }
    return 1;
  }
  s.runId = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  conformance::printFailuresWithoutSourcePaths();
  return RUN_ALL_TESTS();
}
