#include "ledgers/ledger_threads.hpp"

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace finp2p::ledgers {

// Shared with the threads, which may outlive the pool when a plugin hangs.
struct LedgerThreads::Shared {
  std::mutex mutex;
  std::condition_variable cv;       // tasks or stopping
  std::condition_variable stopped;  // a thread ended
  std::deque<std::function<void()>> tasks;
  bool stopping = false;
  std::size_t running = 0;  // threads not yet ended
};

LedgerThreads::LedgerThreads(std::size_t threads, const std::string& name,
                             std::chrono::milliseconds stopWait)
    : shared_(std::make_shared<Shared>()), stopWait_(stopWait) {
  // Thread names are at most 15 characters: "l:" and the ledger's name, cut.
  std::string label = ("l:" + name).substr(0, 15);
  for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i) {
    {
      std::lock_guard lock(shared_->mutex);
      ++shared_->running;
    }
    std::thread([s = shared_, label] {
      pthread_setname_np(pthread_self(), label.c_str());
      for (;;) {
        std::function<void()> task;
        {
          std::unique_lock lock(s->mutex);
          s->cv.wait(lock, [&] { return s->stopping || !s->tasks.empty(); });
          if (s->tasks.empty()) break;
          task = std::move(s->tasks.front());
          s->tasks.pop_front();
        }
        task();
      }
      std::lock_guard lock(s->mutex);
      --s->running;
      s->stopped.notify_all();
    }).detach();
  }
}

LedgerThreads::~LedgerThreads() {
  std::unique_lock lock(shared_->mutex);
  shared_->stopping = true;
  shared_->cv.notify_all();
  // Queued tasks still run (they complete their callers); a hung one is abandoned.
  if (!shared_->stopped.wait_for(lock, stopWait_, [&] { return shared_->running == 0; })) {
    // A thread stuck in a plugin must not run what is left once it returns: those tasks refer
    // to the ledger being destroyed.
    shared_->tasks.clear();
  }
}

void LedgerThreads::post(std::function<void()> task) {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->tasks.push_back(std::move(task));
  }
  shared_->cv.notify_one();
}

std::size_t LedgerThreads::queued() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->tasks.size();
}

}  // namespace finp2p::ledgers
