#pragma once
// Ledger calls run on a pool of threads, never on a plan's strand; timers (Await, agreement
// deadlines, retries) on one timer thread. Both are the SDK's, shared with plugins.

#include "finp2p/ledger/timer.hpp"
#include "finp2p/ledger/worker_pool.hpp"

namespace finp2p::node {

using WorkerPool = finp2p::ledger::WorkerPool;
using TimerService = finp2p::ledger::TimerThread;

}  // namespace finp2p::node
