#include "ops/systemd_notify.hpp"

#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace finp2p::ops {

bool systemdNotify(const std::string& state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::size_t length = std::strlen(path);
  if (length >= sizeof address.sun_path) return false;
  std::memcpy(address.sun_path, path, length);
  // A leading '@' names a socket in the abstract namespace (its first byte is then NUL).
  if (path[0] == '@') address.sun_path[0] = '\0';
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  bool sent = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                     reinterpret_cast<const sockaddr*>(&address),
                     size) == static_cast<ssize_t>(state.size());
  close(fd);
  return sent;
}

int64_t systemdWatchdogMicros() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (!usec) return 0;
  // WATCHDOG_PID, when set, names the process the watchdog is for (not a child of ours).
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid && std::atoll(pid) != getpid()) return 0;
  return std::atoll(usec);
}

Watchdog::Watchdog(int64_t intervalMicros, std::function<bool()> healthy) {
  if (intervalMicros <= 0) return;
  auto period = std::chrono::microseconds(intervalMicros / 2);
  thread_ = std::thread([this, period, healthy = std::move(healthy)] {
    pthread_setname_np(pthread_self(), "watchdog");
    std::unique_lock lock(mutex_);
    while (!cv_.wait_for(lock, period, [this] { return stopping_; })) {
      if (healthy()) systemdNotify("WATCHDOG=1");
    }
  });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace finp2p::ops
