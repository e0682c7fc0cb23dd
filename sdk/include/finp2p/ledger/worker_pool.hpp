#pragma once
/// @file
/// A fixed set of threads running queued tasks, in order of arrival. For plugins whose
/// operations wait (a chain waiting for blocks): run them here and complete from here, so the
/// host's thread returns at once. The host runs its own ledger calls on one too. Tasks queued
/// when the pool is destroyed still run before its threads end.

#include <pthread.h>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace finp2p::ledger {

class WorkerPool {
 public:
  /// `name` (at most 15 characters) labels the threads in `top -H`, `perf` and debuggers.
  explicit WorkerPool(std::size_t threads, const char* name = "worker-pool") {
    for (std::size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this, name] {
        pthread_setname_np(pthread_self(), name);
        run();
      });
    }
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void post(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
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
  std::vector<std::thread> threads_;
};

}  // namespace finp2p::ledger
