#pragma once
// The wall clock as the ledger layer reads it, and durations as people read them in reasons.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace finp2p::common {

// Unix epoch milliseconds.
inline int64_t unixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2.5" for 2,500 ms: one decimal, for messages (never for money or for stored values).
inline std::string secondsText(int64_t millis) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(millis) / 1000.0);
  return buf;
}

}  // namespace finp2p::common
