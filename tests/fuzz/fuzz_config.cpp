// Router TOML on anything: a configuration is parsed or refused with an error, never a crash.
#include <cstdint>
#include <string>

#include "config/router_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto config = finp2p::config::parseRouterConfig(text, "fuzz.toml");
  if (!config) (void)config.error().message.size();
  return 0;
}
