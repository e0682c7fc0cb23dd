#pragma once
// The simulator's world: one seeded event loop and clock for every router in it. Each task
// belongs to a router incarnation (or to the world); a crashed incarnation's tasks are dropped,
// as a killed process's threads would be. Nothing here runs on a thread of its own, so a seed
// replays exactly.

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "node/runtime.hpp"

namespace finp2p::sim {

// Thrown by a fault hook to crash the router whose task is running, at that very point.
struct Crash {
  std::string where;
};

class World {
 public:
  explicit World(uint64_t seed) : rng(seed) {}

  static constexpr int kWorld = -1;  // tasks of no router (the network, the operator)
  // The router's current incarnation; tasks of older ones are dropped.
  std::vector<uint64_t> incarnation;
  std::vector<bool> up;
  std::vector<int64_t> skew;  // each router's clock minus the world's

  void schedule(int64_t at, int router, std::function<void()> task);
  // Runs the next task; false when none is left. A Crash escaping a router's task is returned
  // through `crashed` (the router's index) so that the caller can tear that router down.
  bool step(int& crashed, std::string& where);
  int64_t now() const { return now_; }
  int running() const { return running_; }
  std::size_t pending() const { return tasks_.size(); }
  // When the next task is due (INT64_MAX when none is).
  int64_t nextAt() const { return tasks_.empty() ? INT64_MAX : tasks_.begin()->first.first; }

  // Chance that a router crashes instead of running its next task (between any two effects).
  double crashPerTask = 0;

  // Seeded choices.
  std::mt19937_64 rng;
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
  int64_t between(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  }

  // A readable trace of the run: printed when a seed fails.
  void log(const std::string& line);
  const std::vector<std::string>& trace() const { return trace_; }
  bool verbose = false;

 private:
  struct Task {
    int router;
    uint64_t incarnation;
    std::function<void()> run;
  };
  std::multimap<std::pair<int64_t, uint64_t>, Task> tasks_;  // (time, order) -> task
  uint64_t order_ = 0;
  int64_t now_ = 1'800'000'000'000;  // a fixed epoch, so plans and traces are reproducible
  int running_ = kWorld;
  std::vector<std::string> trace_;
};

// A router's threads and clock inside the world: strands keep their tasks in order, blocking
// calls and timers are tasks at (seeded) times.
class SimRuntime final : public node::Runtime {
 public:
  SimRuntime(World& world, int router) : world_(world), router_(router), last_(kStrands, 0) {}
  int64_t nowMillis() override { return world_.now() + world_.skew[router_]; }
  std::size_t strands() const override { return kStrands; }
  void onStrand(std::size_t strand, std::function<void()> task) override;
  void offStrand(std::function<void()> task) override;
  void at(int64_t unixMillis, std::function<void()> task) override;
  void stop() override {}  // the world drops a crashed incarnation's tasks

 private:
  static constexpr std::size_t kStrands = 2;
  World& world_;
  int router_;
  std::vector<int64_t> last_;  // per strand: the time of its last task (keeps them in order)
};

}  // namespace finp2p::sim
