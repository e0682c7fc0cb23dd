#pragma once
// systemd's notify protocol (sd_notify(3)) without libsystemd: one datagram to the unix socket
// named by $NOTIFY_SOCKET. The protocol is a few lines and stable; linking libsystemd would add
// a runtime dependency to the package for it. Without $NOTIFY_SOCKET (not run by systemd, or
// Type=simple) every call does nothing.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace finp2p::ops {

// Sends "READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=..." (newline-separated assignments).
// Returns false when there is no socket or the send failed.
bool systemdNotify(const std::string& state);

// $WATCHDOG_USEC, when systemd set it for this process; 0 otherwise.
int64_t systemdWatchdogMicros();

// Pings the watchdog at half its interval while `healthy()` says so. A router whose check
// fails (or hangs) stops pinging, and systemd restarts it (WatchdogSec=, Restart=always).
class Watchdog {
 public:
  Watchdog(int64_t intervalMicros, std::function<bool()> healthy);
  ~Watchdog();

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace finp2p::ops
