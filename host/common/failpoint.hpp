#pragma once
// Named crash points for recovery tests: when FINP2P_FAILPOINT names this point, the process
// aborts there, as kill -9 would stop it. Off unless that variable is set.

#include <cstdlib>
#include <cstring>

namespace finp2p {

inline void failpoint(const char* name) {
  static const char* armed = std::getenv("FINP2P_FAILPOINT");
  if (armed && std::strcmp(armed, name) == 0) std::abort();
}

}  // namespace finp2p
