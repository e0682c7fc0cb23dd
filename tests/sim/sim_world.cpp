#include "sim_world.hpp"

#include <cstdio>

namespace finp2p::sim {

void World::schedule(int64_t at, int router, std::function<void()> task) {
  uint64_t inc = router == kWorld ? 0 : incarnation[static_cast<std::size_t>(router)];
  tasks_.emplace(std::pair{std::max(at, now_), order_++}, Task{router, inc, std::move(task)});
}

bool World::step(int& crashed, std::string& where) {
  crashed = kWorld;
  while (!tasks_.empty()) {
    auto it = tasks_.begin();
    Task task = std::move(it->second);
    now_ = it->first.first;
    tasks_.erase(it);
    if (task.router != kWorld) {
      auto r = static_cast<std::size_t>(task.router);
      if (!up[r] || incarnation[r] != task.incarnation) continue;  // died with its process
      if (crashPerTask > 0 && chance(crashPerTask)) {
        crashed = task.router;
        where = "between two tasks";
        return true;
      }
    }
    running_ = task.router;
    try {
      task.run();
    } catch (const Crash& c) {
      crashed = running_;
      where = c.where;
    }
    running_ = kWorld;
    return true;
  }
  return false;
}

void World::log(const std::string& line) {
  std::string entry = "t+" + std::to_string(now_ - 1'800'000'000'000) + "ms " + line;
  if (verbose) std::fprintf(stderr, "%s\n", entry.c_str());
  trace_.push_back(std::move(entry));
}

void SimRuntime::onStrand(std::size_t strand, std::function<void()> task) {
  // A strand runs its tasks one at a time, in order: never before the one posted before it.
  strand %= kStrands;
  int64_t at = std::max(world_.now() + world_.between(0, 1), last_[strand]);
  last_[strand] = at;
  world_.schedule(at, router_, std::move(task));
}

void SimRuntime::offStrand(std::function<void()> task) {
  world_.schedule(world_.now() + world_.between(0, 2), router_, std::move(task));
}

void SimRuntime::at(int64_t unixMillis, std::function<void()> task) {
  world_.schedule(unixMillis - world_.skew[router_], router_, std::move(task));
}

}  // namespace finp2p::sim
