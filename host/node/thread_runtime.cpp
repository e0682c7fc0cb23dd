#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "node/runtime.hpp"
#include "node/worker_pool.hpp"

namespace finp2p::node {

namespace {

// Not a one-thread WorkerPool: a pool runs what is still queued when it stops, a strand drops it
// (Runtime::stop), as a stopping router must not start new work on plans.
class Strand {
 public:
  Strand() : thread_([this] { run(); }) {}
  ~Strand() { stop(); }
  void post(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    pthread_setname_np(pthread_self(), "plan-strand");
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
        if (stopping_) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

class ThreadRuntime final : public Runtime {
 public:
  ThreadRuntime(int strands, int blockingThreads)
      : pool_(std::make_unique<WorkerPool>(static_cast<std::size_t>(std::max(1, blockingThreads)),
                                           "ledger-calls")),
        timers_(std::make_unique<TimerService>()) {
    for (int i = 0; i < std::max(1, strands); ++i) strands_.push_back(std::make_unique<Strand>());
  }
  ~ThreadRuntime() override { stop(); }
  int64_t nowMillis() override { return wallClockMillis(); }
  std::size_t strands() const override { return strands_.size(); }
  void onStrand(std::size_t strand, std::function<void()> task) override {
    strands_[strand % strands_.size()]->post(std::move(task));
  }
  void offStrand(std::function<void()> task) override {
    std::lock_guard lock(mutex_);
    if (pool_) pool_->post(std::move(task));
  }
  void at(int64_t unixMillis, std::function<void()> task) override {
    std::lock_guard lock(mutex_);
    if (timers_) timers_->at(unixMillis, std::move(task));
  }
  void stop() override {
    for (auto& s : strands_) s->stop();
    std::unique_ptr<WorkerPool> pool;
    std::unique_ptr<TimerService> timers;
    {
      std::lock_guard lock(mutex_);
      pool.swap(pool_);
      timers.swap(timers_);
    }
    // Destroyed outside the lock: a running task may still post (and find nothing to post to).
  }

 private:
  std::vector<std::unique_ptr<Strand>> strands_;
  std::mutex mutex_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<TimerService> timers_;
};

}  // namespace

std::unique_ptr<Runtime> makeThreadRuntime(int strands, int blockingThreads) {
  return std::make_unique<ThreadRuntime>(strands, blockingThreads);
}

}  // namespace finp2p::node
