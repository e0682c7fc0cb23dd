#pragma once
// Time and threads as the node sees them. The daemon runs the node on threads (ThreadRuntime);
// the simulator (tests/sim) runs several whole routers on one seeded, single-threaded event
// loop through the same interface, so the code it tests is the code that ships.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include "common/clock.hpp"

namespace finp2p::node {

class Runtime {
 public:
  virtual ~Runtime() = default;
  // Wall-clock time, Unix epoch milliseconds.
  virtual int64_t nowMillis() = 0;
  // The number of strands; tasks posted to one strand run one at a time, in order.
  virtual std::size_t strands() const = 0;
  virtual void onStrand(std::size_t strand, std::function<void()> task) = 0;
  // A task that may block (a ledger call), run off the strands.
  virtual void offStrand(std::function<void()> task) = 0;
  // A task run at (or soon after) `unixMillis`.
  virtual void at(int64_t unixMillis, std::function<void()> task) = 0;
  // Stops running tasks: those still queued are dropped. Returns once none is running.
  virtual void stop() = 0;
};

// Strand threads, a pool for blocking calls and a timer thread.
std::unique_ptr<Runtime> makeThreadRuntime(int strands, int blockingThreads);

inline int64_t wallClockMillis() {
  return common::unixMillis();
}

}  // namespace finp2p::node
