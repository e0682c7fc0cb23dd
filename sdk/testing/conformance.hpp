#pragma once
// Shared state of the conformance suite: the plugin under test, loaded from the path and
// config the runner was given, and helpers to drive it.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "finp2p/ledger/client.hpp"
#include "finp2p/ledger/decimal.hpp"

namespace finp2p::conformance {

struct Settings {
  std::string pluginPath;
  ledger::Config pluginConfig;
  std::string asset = "USD";
  uint32_t decimals = 2;
  std::string runId;  // makes accounts and keys unique, so reruns on one database work
};

Settings& settings();
/// A new instance of the plugin under test; fails the test when it cannot load. `onDestroyed`
/// runs once the instance has been destroyed (its on_destroy returned). With `freshLibrary`,
/// from a copy of the plugin file loaded as a library of its own: nothing of the plugin's
/// memory (static variables included) carries over from earlier instances, as after a crash.
std::shared_ptr<ledger::LoadedPlugin> loadPlugin(std::function<void()> onDestroyed = {},
                                                 bool freshLibrary = false);
/// The rules the plugin broke that no outcome shows (LoadOptions::onBrokenRule) since the last
/// call, in order.
std::vector<std::string> takeBrokenRules();

}  // namespace finp2p::conformance
