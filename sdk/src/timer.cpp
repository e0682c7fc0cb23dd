#include "finp2p/ledger/timer.hpp"

#include <chrono>

#include "finp2p/ledger/types.hpp"

namespace finp2p::ledger {

TimerThread::TimerThread() : thread_([this] { run(); }) {}

TimerThread::~TimerThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void TimerThread::at(int64_t unixMillis, std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.emplace(unixMillis, std::move(task));
  }
  cv_.notify_all();
}

void TimerThread::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (tasks_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = tasks_.begin();
    int64_t wait = first->first - nowUnixMs();
    if (wait > 0) {
      cv_.wait_for(lock, std::chrono::milliseconds(wait));
      continue;
    }
    auto task = std::move(first->second);
    tasks_.erase(first);
    lock.unlock();
    task();
    lock.lock();
  }
  tasks_.clear();
}

}  // namespace finp2p::ledger
