#pragma once
// Starting and reaping finp2p-ledger-host, the child process of a ledger with
// isolation = "process".

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "common/result.hpp"

namespace finp2p::ledgers {

struct ChildProcess {
  pid_t pid = -1;
  int fd = -1;     // the router's end of the socketpair (close-on-exec)
  int outFd = -1;  // the read ends of the child's stdout and stderr pipes (close-on-exec)
  int errFd = -1;
};

// The finp2p-ledger-host to start: $FINP2P_LEDGER_HOST, else the one beside this executable.
std::string ledgerHostPath();

// Starts `hostPath --fd 3 --ledger NAME` with one end of a fresh socketpair as its fd 3, and
// pipes as its stdout and stderr: what the plugin prints reaches the router as lines it logs
// (logChildOutput), not raw bytes in the router's own stderr.
Result<ChildProcess> spawnLedgerHost(const std::string& hostPath, const std::string& ledger);

// The longest line of a child's stdout or stderr that is logged whole; the rest of a longer
// line is dropped.
constexpr std::size_t kMaxChildOutputLine = 2000;

// Reads `fd` (one of a child's output pipes) until its EOF on a thread of its own, and hands
// `sink` each line, cut at kMaxChildOutputLine bytes (marked so) and with control characters
// replaced by '?' (a plugin cannot forge log lines). Closes `fd` at the end.
void logChildOutput(int fd, std::function<void(const std::string& line)> sink);

// Waits for the child to end; one that has not ended after `grace` is killed (SIGKILL).
// Returns its wait status.
int reapChild(pid_t pid, std::chrono::milliseconds grace);

// "killed by signal 11 (SIGSEGV)", "exited with status 3".
std::string describeExit(int waitStatus);

}  // namespace finp2p::ledgers
