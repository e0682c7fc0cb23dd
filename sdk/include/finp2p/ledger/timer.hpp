#pragma once
/// @file
/// A thread that runs tasks at wall-clock times (Unix epoch milliseconds). The SDK's default
/// Await uses it inside plugins; the host uses it for its own timers. Tasks still pending when
/// it is destroyed are dropped, not run.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace finp2p::ledger {

class TimerThread {
 public:
  TimerThread();
  ~TimerThread();
  TimerThread(const TimerThread&) = delete;
  TimerThread& operator=(const TimerThread&) = delete;

  void at(int64_t unixMillis, std::function<void()> task);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable cv_;
  std::multimap<int64_t, std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace finp2p::ledger
