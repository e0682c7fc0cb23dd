#pragma once
// The threads one ledger's plugin is called on. Each ledger has its own, so a plugin that
// blocks (or never returns) takes only its own ledger's threads. Destroying the pool waits a
// bounded time for the calls that are running; a thread still inside a hung plugin is left
// behind (detached) instead of stopping the router's shutdown: plugin libraries are never
// unloaded, so its code stays valid until the process exits.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace finp2p::ledgers {

class LedgerThreads {
 public:
  LedgerThreads(std::size_t threads, const std::string& name,
                std::chrono::milliseconds stopWait = std::chrono::milliseconds(2000));
  ~LedgerThreads();
  LedgerThreads(const LedgerThreads&) = delete;
  LedgerThreads& operator=(const LedgerThreads&) = delete;

  void post(std::function<void()> task);
  std::size_t queued() const;  // posted and not yet started

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
  std::chrono::milliseconds stopWait_;
};

}  // namespace finp2p::ledgers
