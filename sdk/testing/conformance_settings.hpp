#pragma once
// The runner's configuration file (format: kUsage in conformance_main.cpp).

#include <string>
#include <variant>

#include "conformance.hpp"

namespace finp2p::conformance {

/// Reads `configPath` (none: defaults) into Settings; `pluginPath` from the command line wins over
/// a [[ledger]] table's `plugin`. Returns the reason when the file is refused.
std::variant<Settings, std::string> readSettings(const std::string& configPath,
                                                 const std::string& pluginPath);

}  // namespace finp2p::conformance
