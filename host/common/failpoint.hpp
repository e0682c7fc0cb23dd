#pragma once
// Named crash points for recovery tests: FINP2P_FAILPOINT=<name> aborts the process the first
// time it reaches that point, FINP2P_FAILPOINT=<name>:<n> the n-th time, as kill -9 would stop
// it. Off unless that variable is set; then each check is one string comparison. The simulator
// installs a hook instead, which may crash the router it is running at that point.

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

namespace finp2p {

namespace detail {
struct ArmedFailpoint {
  std::string name;
  long at = 1;
  std::atomic<long> hits{0};
  ArmedFailpoint() {
    const char* env = std::getenv("FINP2P_FAILPOINT");
    if (!env) return;
    name = env;
    if (auto colon = name.find(':'); colon != std::string::npos) {
      at = std::atol(name.c_str() + colon + 1);
      name.resize(colon);
    }
  }
};
inline ArmedFailpoint& armedFailpoint() {
  static ArmedFailpoint armed;
  return armed;
}
}  // namespace detail

using FailpointHook = void (*)(const char* name);
inline FailpointHook& failpointHook() {
  static FailpointHook hook = nullptr;
  return hook;
}

inline void failpoint(const char* name) {
  if (auto hook = failpointHook()) hook(name);
  auto& armed = detail::armedFailpoint();
  if (!armed.name.empty() && armed.name == name && ++armed.hits == armed.at) std::abort();
}

}  // namespace finp2p
