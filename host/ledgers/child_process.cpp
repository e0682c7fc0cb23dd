#include "ledgers/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

extern char** environ;

namespace finp2p::ledgers {

std::string ledgerHostPath() {
  if (const char* env = std::getenv("FINP2P_LEDGER_HOST"); env && *env) return env;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "finp2p-ledger-host";
  return (self.parent_path() / "finp2p-ledger-host").string();
}

Result<ChildProcess> spawnLedgerHost(const std::string& hostPath, const std::string& ledger) {
  if (::access(hostPath.c_str(), X_OK) != 0) {
    return makeError(ErrorCode::kNotFound,
                     "ledger host " + hostPath +
                         " is not an executable file (isolation = "
                         "\"process\" runs the plugin in it; set FINP2P_LEDGER_HOST to its path)");
  }
  int fds[2];
  // Close-on-exec on both ends: another ledger's child must never inherit this socket, or it
  // would keep it open after this child died and the router would not see the EOF.
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return makeError(ErrorCode::kIo, std::string("socketpair: ") + std::strerror(errno));
  }
  // dup2 onto the same number keeps close-on-exec: make sure the child's end is not fd 3.
  if (fds[1] == 3) {
    int moved = ::fcntl(fds[1], F_DUPFD_CLOEXEC, 10);
    ::close(fds[1]);
    fds[1] = moved;
  }
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return makeError(ErrorCode::kIo, std::string("pipe: ") + std::strerror(e));
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    int e = errno;
    for (int f : {fds[0], fds[1], out[0], out[1]}) ::close(f);
    return makeError(ErrorCode::kIo, std::string("pipe: ") + std::strerror(e));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 3);  // clears close-on-exec on fd 3
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::string fdArg = "3";
  std::vector<char*> argv = {
      const_cast<char*>(hostPath.c_str()), const_cast<char*>("--fd"),         fdArg.data(),
      const_cast<char*>("--ledger"),       const_cast<char*>(ledger.c_str()), nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, hostPath.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    for (int f : {fds[0], out[0], err[0]}) ::close(f);
    return makeError(ErrorCode::kIo, "cannot start " + hostPath + ": " + std::strerror(rc));
  }
  return ChildProcess{pid, fds[0], out[0], err[0]};
}

void logChildOutput(int fd, std::function<void(const std::string& line)> sink) {
  // Detached and owning only its copies: it ends at the pipe's EOF, which a grandchild that
  // inherited the pipe may delay past the plugin instance's end.
  std::thread([fd, sink = std::move(sink)] {
    std::string line;
    bool cut = false;
    auto flush = [&] {
      if (cut) line += " [line cut at " + std::to_string(kMaxChildOutputLine) + " bytes]";
      sink(line);
      line.clear();
      cut = false;
    };
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      for (ssize_t i = 0; i < n; ++i) {
        unsigned char c = static_cast<unsigned char>(buf[i]);
        if (c == '\n') {
          flush();
        } else if (line.size() >= kMaxChildOutputLine) {
          cut = true;
        } else {
          line += (c < 0x20 && c != '\t') || c == 0x7f ? '?' : static_cast<char>(c);
        }
      }
    }
    if (!line.empty() || cut) flush();
    ::close(fd);
  }).detach();
}

int reapChild(pid_t pid, std::chrono::milliseconds grace) {
  auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 0;  // not ours any more (reaped elsewhere)
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

std::string describeExit(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return "killed by signal " + std::to_string(sig) + " (SIG" + (abbrev ? abbrev : "?") + ")";
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended (wait status " + std::to_string(status) + ")";
}

}  // namespace finp2p::ledgers
