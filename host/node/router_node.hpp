#pragma once
// One organization's execution service: plans spread over strands (one thread each, a plan
// always on the same strand, so its engine needs no lock and different plans run in
// parallel), the journal written before any effect, and the effects themselves: messages to
// peers, ledger calls on a worker pool, timers.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "engine/plan_engine.hpp"
#include "journal/journal.hpp"
#include "ledgers/ledger_registry.hpp"
#include "node/worker_pool.hpp"

namespace finp2p::node {

using PeerMessage =
    std::variant<finp2p::execution::ProposeRequest, finp2p::execution::ApproveRequest,
                 finp2p::execution::RejectRequest>;

// Where outgoing messages go (the gRPC outbox in the daemon, a fake in unit tests).
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void send(const std::string& to, const std::string& planId, const std::string& messageId,
                    const PeerMessage& message) = 0;
};

struct NodeConfig {
  engine::EngineConfig engine;
  int strands = 2;
  int ledgerThreads = 4;
  // Plans held in memory at once (in flight, or announced by a message before their
  // proposal); beyond it new plans are refused until some finish.
  std::size_t maxPlansInFlight = 100'000;
  // Of those, plans a single peer brought here (by proposing them, or by a message about a
  // plan this router does not know yet): one peer cannot fill the router.
  std::size_t maxPlansInFlightPerPeer = 10'000;
};

struct ExecutionView {
  finp2p::execution::Execution execution;
  journal::PlanSummary summary;
  std::string localJournalHead;
};

class RouterNode {
 public:
  RouterNode(NodeConfig config, journal::Journal& journal, ledgers::LedgerRegistry& ledgers,
             MessageSink& sink);
  ~RouterNode();

  // Rebuilds every unfinished plan from the journal and re-issues what it still needs.
  Status recover();
  // Validates, assigns "<self>:106:<uuid>", journals and proposes. Returns the plan id.
  Result<std::string> submit(finp2p::execution::ExecutionPlan plan);
  // A verified peer message as an event; returns once it is journaled (with a note for the
  // sender: "accepted", or that the plan already ended), or why it was refused.
  Result<std::string> deliver(finp2p::journal::Event event);
  // The same without waiting: `done` runs once the event is journaled (on the journal's thread)
  // or refused (on the plan's strand).
  void deliverAsync(finp2p::journal::Event event, std::function<void(Result<std::string>)> done);
  Result<ExecutionView> get(const std::string& planId);
  Result<std::vector<journal::PlanSummary>> list(const std::string& status, uint32_t limit);
  std::size_t plansInMemory();
  // Called (on the journal's thread) once a plan's terminal status is durable.
  void setTerminalListener(std::function<void(const journal::PlanSummary&)> listener);

 private:
  struct Strand {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<std::function<void()>> tasks;
    bool stopping = false;
    std::map<std::string, std::unique_ptr<engine::PlanEngine>> plans;
    std::map<std::string, std::string> broughtBy;  // plan id -> the peer whose message created it
    std::thread thread;
  };

  Strand& strandOf(const std::string& planId);
  void post(const std::string& planId, std::function<void()> task);
  void runStrand(Strand& strand);
  using Answer = std::function<void(Result<std::string>)>;
  void process(Strand& strand, finp2p::journal::Event event, Answer done);
  void perform(const std::string& planId, std::vector<engine::Action> actions);
  void postLocal(finp2p::journal::Event event);
  void preflight(const std::string& planId, const engine::PreflightAction& action);
  void execute(const std::string& planId, const engine::ExecuteAction& action);
  void executed(const std::string& planId, const engine::ExecuteAction& action,
                const finp2p::execution::ExecutionPlan& plan, ledger::Outcome outcome);
  void verify(const std::string& planId, const engine::VerifyAction& action);
  journal::PlanSummary summarize(const engine::PlanEngine& engine, int64_t now) const;
  std::unique_ptr<engine::PlanEngine> replay(const std::string& planId,
                                             const std::vector<finp2p::journal::Event>& events);

  NodeConfig config_;
  journal::Journal& journal_;
  ledgers::LedgerRegistry& ledgers_;
  MessageSink& sink_;
  WorkerPool ledgerPool_;
  TimerService timers_;
  std::vector<std::unique_ptr<Strand>> strands_;
  // Plans' contents needed off-strand by ledger calls (a RevertHold's asset is its Hold's).
  std::mutex plansMutex_;
  std::map<std::string, std::shared_ptr<const finp2p::execution::ExecutionPlan>> activePlans_;
  std::function<void(const journal::PlanSummary&)> terminalListener_;
  std::atomic<std::size_t> plansInFlight_{0};
  std::mutex peerCountMutex_;
  std::map<std::string, std::size_t> plansByPeer_;
  bool admit(Strand& strand, const finp2p::journal::Event& event, std::string& why);
  // Ledger operations complete on the plugin's thread, possibly while this node is being
  // destroyed: their callbacks hold this mutex and do nothing once alive is false.
  struct Liveness {
    std::mutex mutex;
    bool alive = true;
  };
  std::shared_ptr<Liveness> liveness_ = std::make_shared<Liveness>();
  void release(Strand& strand, const std::string& planId);
};

int64_t nowMillis();

}  // namespace finp2p::node
