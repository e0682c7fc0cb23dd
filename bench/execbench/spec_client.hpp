#pragma once
// The "spec client" of issue 18 ("Side by side, in one run"): the same DvP flow as the least a
// client of the specified protocol must do, to compare finp2p-execd with on the same machine in
// the same run of finp2p-execbench.
//
// N in-process routers (bank-1 … bank-N, all contributors, the DvP of dvpPlan: hold by bank-1,
// pay by bank-2, release by bank-1), each an ExecutionService server on loopback plus a client
// channel to every other. Per plan they exchange the messages of the protocol as specified —
// M = (N-1)(1+4N) unary Propose / Approve requests and their answers, 9 for N = 2 — each sealed
// with crypto::seal and verified with crypto::verifySeal, with the plan approvals, completions and
// completion approvals signed and verified by the functions of crypto/sealing.hpp. Every request
// received and every request sent is appended to the router's append-only file and made durable
// (one fdatasync per group of appends, like the journal's grouped commits) before the request is
// answered or sent. No engine, journal, ledger, plan validation or investor check (neither is in
// the floor): the executor's "execution" is a receipt built in memory and made durable with the
// completion that carries it.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "finp2p/execution.pb.h"

namespace finp2p::bench {

struct SpecClientRun {
  std::size_t routers = 2;
  std::size_t concurrency = 32;  // closed loop: plans in flight
  double rate = 0;               // open loop when > 0: plans started per second
  std::filesystem::path work;    // for the routers' append-only files
};

struct SpecClientResult {
  std::size_t plans = 0, completed = 0, failures = 0;
  double seconds = 0, plansPerSecond = 0;
  double submittedPerSecond = 0;    // open loop: the rate the driver achieved
  double cpuMsPerPlan = 0;          // the whole harness process while it ran
  std::vector<double> latenciesMs;  // sorted, plan started -> completed on every router
  // Per completed plan, counted as the run went (not derived from the protocol):
  double requests = 0, answers = 0, signatures = 0, verifications = 0;
  double appends = 0, fsyncs = 0;
};

// `plans` are signed DvPs without an id; the run gives each one. Blocks until every plan completed
// on every router, or a generous timeout.
SpecClientResult runSpecClient(const SpecClientRun& run,
                               std::vector<finp2p::execution::ExecutionPlan> plans);

}  // namespace finp2p::bench
