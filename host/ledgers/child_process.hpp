#pragma once
// Starting and reaping finp2p-ledger-host, the child process of a ledger with
// isolation = "process".

#include <sys/types.h>

#include <chrono>
#include <string>

#include "common/result.hpp"

namespace finp2p::ledgers {

struct ChildProcess {
  pid_t pid = -1;
  int fd = -1;  // the router's end of the socketpair (close-on-exec)
};

// The finp2p-ledger-host to start: $FINP2P_LEDGER_HOST, else the one beside this executable.
std::string ledgerHostPath();

// Starts `hostPath --fd 3 --ledger NAME` with one end of a fresh socketpair as its fd 3 and
// this process's stdout and stderr (its complaints land in the router's log).
Result<ChildProcess> spawnLedgerHost(const std::string& hostPath, const std::string& ledger);

// Waits for the child to end; one that has not ended after `grace` is killed (SIGKILL).
// Returns its wait status.
int reapChild(pid_t pid, std::chrono::milliseconds grace);

// "killed by signal 11 (SIGSEGV)", "exited with status 3".
std::string describeExit(int waitStatus);

}  // namespace finp2p::ledgers
