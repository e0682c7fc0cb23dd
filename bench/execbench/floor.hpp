#pragma once
// The per-plan floor: the CPU one DvP cannot avoid under the protocol as specified, measured on
// this machine when the harness starts, so that "CPU per plan ÷ floor" compares like with like.
//
// Counted per plan with N routers, all contributors, 3 executed instructions (see
// docs/benchmarks.md, "The floor"):
//  - every peer request is sealed and verified, and so is its answer: M = (N-1)(1+4N) requests,
//    2M signatures and 2M verifications;
//  - inner signatures: N plan approvals (each verified by N-1 peers), 3 completions (verified by
//    N-1), 3(N-1) completion approvals (each verified by N-1);
//  - storage: 3 durable ledger writes (one fsync'd SQLite commit each) and about 2M journal
//    appends shared with others in grouped commits.

#include <cstddef>
#include <filesystem>
#include <string>

namespace finp2p::bench {

struct Floor {
  std::size_t signatures = 0;
  std::size_t verifications = 0;
  double signMicros = 0;
  double verifyMicros = 0;
  std::size_t durableWrites = 0;
  double durableWriteCpuMicros = 0;
  std::size_t groupedAppends = 0;
  double groupedAppendCpuMicros = 0;

  double millis() const;
  std::string describe() const;  // one line: the parts and their sum
};

// Takes about half a second; `scratch` is a directory for a throw-away SQLite file.
Floor measureFloor(std::size_t routers, const std::filesystem::path& scratch);

}  // namespace finp2p::bench
