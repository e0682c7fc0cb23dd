#pragma once
// One organization's execution service: plans spread over strands (a plan always on the same
// strand, so its engine needs no lock and different plans run in parallel), the journal written
// before any effect, and the effects themselves: messages to peers, ledger calls, timers.
//
// Threads, time and ledgers come through Runtime and LedgerPort, so the simulator (tests/sim)
// runs this same class, recovery included, on one seeded event loop.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "engine/plan_engine.hpp"
#include "journal/journal.hpp"
#include "node/ledger_port.hpp"
#include "node/runtime.hpp"
#include "node/signature_uses.hpp"

namespace finp2p::ledgers {
class LedgerRegistry;
}

namespace finp2p::node {

using PeerMessage =
    std::variant<finp2p::execution::ProposeRequest, finp2p::execution::ApproveRequest,
                 finp2p::execution::RejectRequest, finp2p::execution::ResendRequest>;

// Where outgoing messages go (the gRPC outbox in the daemon, the simulated network in tests).
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  // Delivers until the peer answers. `settled` (optional) runs once it has answered (accepted
  // or refused for good) or the message cannot be addressed; it does not run if the sink is
  // destroyed first, which the node's recovery covers.
  virtual void send(const std::string& to, const std::string& planId, const std::string& messageId,
                    const PeerMessage& message, std::function<void()> settled) = 0;
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
  // The operator restored this router's journal from an older copy (finp2p-execd
  // --restored-journal, given once): recovery records it in the journal, and for the restore
  // window this router asks every peer in `peers` to re-send what it may have forgotten.
  bool restoredJournal = false;
  std::vector<std::string> peers;
};

struct ExecutionView {
  finp2p::execution::Execution execution;
  std::vector<engine::StepView> steps;
  journal::PlanSummary summary;
  std::string localJournalHead;
};

struct Submitted {
  std::string planId;
  bool alreadySubmitted = false;  // the same plan had been submitted under this id before
};

class RouterNode {
 public:
  // The daemon's node: strand, ledger and timer threads, the registry's plugins.
  RouterNode(NodeConfig config, journal::Journal& journal, ledgers::LedgerRegistry& ledgers,
             MessageSink& sink);
  // Any runtime and ledgers (the simulator's).
  RouterNode(NodeConfig config, std::unique_ptr<Runtime> runtime, journal::Journal& journal,
             LedgerPort& ledgers, MessageSink& sink);
  ~RouterNode();

  // Rebuilds every unfinished plan from the journal and re-issues what it still needs, and
  // re-sends what finished plans may still owe to peers. Run before serving peers.
  Status recover();
  // Validates, journals and proposes. A plan with this router's id keeps it (the same plan
  // again returns the existing execution; another plan under that id is refused); one without
  // an id, or with `newId`, gets "<self>:106:<uuid>".
  Result<Submitted> submit(finp2p::execution::ExecutionPlan plan, bool newId = false);
  void submitAsync(finp2p::execution::ExecutionPlan plan, bool newId,
                   std::function<void(Result<Submitted>)> done);
  // A verified peer message as an event; returns once it is journaled (with a note for the
  // sender: "accepted", or that the plan already ended), or why it was refused.
  Result<std::string> deliver(finp2p::journal::Event event);
  // The same without waiting: `done` runs once the event is journaled (on the journal's thread)
  // or refused (on the plan's strand).
  void deliverAsync(finp2p::journal::Event event, std::function<void(Result<std::string>)> done);
  // A participant asks for everything this router sent for a plan; `done` says whether it was
  // taken (the messages follow through the sink).
  // With `restored`, the asker's journal was restored and it does not know its own decision:
  // this router also relays its approval or the rejection, or fences it (see PlanEngine).
  void resendRequested(const std::string& from, const std::string& planId, bool restored,
                       std::function<void(Result<std::string>)> done);
  // A participant restored from an older copy of its journal asks for every plan that names it
  // and changed since `sinceMillis` (at most kMaxResyncPlans, oldest first).
  void resendAllRequested(const std::string& from, int64_t sinceMillis,
                          std::function<void(Result<std::string>)> done);
  static constexpr uint32_t kMaxResyncPlans = 100'000;
  Result<ExecutionView> get(const std::string& planId);
  Result<std::vector<journal::PlanSummary>> list(const std::string& status, uint32_t limit);
  Result<std::vector<journal::PlanSummary>> list(const journal::PlanQuery& query);
  std::size_t plansInMemory();
  // Called (on the journal's thread) once a plan's terminal status is durable.
  void setTerminalListener(std::function<void(const journal::PlanSummary&)> listener);

 private:
  struct Strand {
    std::map<std::string, std::unique_ptr<engine::PlanEngine>> plans;
    std::map<std::string, std::string> broughtBy;  // plan id -> the peer whose message created it
    std::set<std::pair<std::string, uint32_t>> claimWatches;  // (plan, claim) being watched
  };
  using Answer = std::function<void(Result<std::string>)>;

  std::size_t strandIndex(const std::string& planId) const;
  Strand& strandOf(const std::string& planId);
  void post(const std::string& planId, std::function<void()> task);
  int64_t now() const { return runtime_->nowMillis(); }
  void process(Strand& strand, finp2p::journal::Event event, Answer done);
  Result<bool> ownPlanRelayed(finp2p::journal::Event& event);
  void liftFenceOfEndedPlan(Strand& strand, const finp2p::journal::Event& event);
  Status ownApprovalRelayed(const engine::PlanEngine& engine, finp2p::journal::Event& event);
  Result<finp2p::execution::ExecutionPlan> checkSubmission(finp2p::execution::ExecutionPlan plan,
                                                           bool newId);
  bool resubmitted(Strand& strand, const finp2p::journal::Event& event, Answer& done);
  void fillOwnHashLocks(finp2p::execution::ExecutionPlan& plan) const;
  void perform(const std::string& planId, std::vector<engine::Action> actions);
  void sendTracked(const std::string& to, const std::string& planId, const std::string& messageId,
                   const PeerMessage& message);
  void ended(const std::string& planId);
  void postLocal(finp2p::journal::Event event);
  void catchUp(const std::string& planId, uint64_t mark);
  void lockExpired(const std::string& planId, uint32_t refundSequence);
  void claimWatch(const std::string& planId, uint32_t claimSequence,
                  const std::string& preimageOnLedger, bool started);
  void lookUpLocks(const std::string& planId, uint32_t claimSequence,
                   std::shared_ptr<const finp2p::execution::ExecutionPlan> plan,
                   std::shared_ptr<engine::ClaimWatch> watch, std::size_t next);
  void preflight(const std::string& planId, const engine::PreflightAction& action);
  void preflightFrom(const std::string& planId,
                     std::shared_ptr<const finp2p::execution::ExecutionPlan> plan,
                     std::shared_ptr<const engine::PreflightAction> action, std::size_t next);
  void lookForOwnOperations(const std::string& planId,
                            std::shared_ptr<const finp2p::execution::ExecutionPlan> plan,
                            std::shared_ptr<const engine::PreflightAction> action,
                            std::size_t next);
  // `plan`: when it is no longer among the active plans (a claim watch of an ended plan).
  void execute(const std::string& planId, const engine::ExecuteAction& action,
               std::shared_ptr<const finp2p::execution::ExecutionPlan> plan = nullptr);
  void executed(const std::string& planId, const engine::ExecuteAction& action,
                const finp2p::execution::ExecutionPlan& plan, ledger::Outcome outcome);
  // After an outcome that may not be what the ledger did (isIndeterminate): the ledger's own
  // record decides, looked up until it can tell.
  void confirm(const std::string& planId, const engine::ExecuteAction& action, ledger::Outcome last,
               int attempt);
  void verify(const std::string& planId, const engine::VerifyAction& action);
  journal::PlanSummary summarize(const engine::PlanEngine& engine, int64_t now) const;
  std::unique_ptr<engine::PlanEngine> replay(const std::string& planId,
                                             const std::vector<finp2p::journal::Event>& events);
  // The plan's engine: live on its strand, or rebuilt from the journal; null when unknown.
  const engine::PlanEngine* findOrReplay(Strand& strand, const std::string& planId,
                                         std::unique_ptr<engine::PlanEngine>& holder);
  Result<std::size_t> resendOwed(Strand& strand, const std::string& from, const std::string& planId,
                                 bool restored);
  Status noteRestores();
  void askPeersAfterRestore();
  bool admit(Strand& strand, const finp2p::journal::Event& event, std::string& why);
  void release(Strand& strand, const std::string& planId);
  // A ledger's answer arrives on any thread, possibly after this node was destroyed.
  template <typename F>
  LedgerPort::Done alive(F f);

  NodeConfig config_;
  std::unique_ptr<Runtime> runtime_;
  journal::Journal& journal_;
  SignatureUses signatureUses_{journal_};
  std::unique_ptr<LedgerPort> ownedLedgers_;
  LedgerPort& ledgers_;
  MessageSink& sink_;
  std::vector<std::unique_ptr<Strand>> strands_;
  // Plans' contents needed off-strand by ledger calls (a RevertHold's asset is its Hold's).
  std::mutex plansMutex_;
  std::map<std::string, std::shared_ptr<const finp2p::execution::ExecutionPlan>> activePlans_;
  std::function<void(const journal::PlanSummary&)> terminalListener_;
  std::atomic<std::size_t> plansInFlight_{0};
  // Messages and submissions wait for recovery: before it, a message would reach a plan whose
  // journal has not been replayed yet (and recovery would then drop one of the two engines).
  std::atomic<bool> recovered_{false};
  int64_t restoredSinceMillis_ = 0;  // the newest event of the restored copy, less a margin
  std::mutex peerCountMutex_;
  std::map<std::string, std::size_t> plansByPeer_;
  // Messages given to the sink that peers have not answered yet, by plan; once a finished plan
  // has none, the journal forgets that it may owe something (see recover()).
  struct Unsettled {
    std::size_t messages = 0;
    bool ended = false;
  };
  std::mutex unsettledMutex_;
  std::map<std::string, Unsettled> unsettled_;
  struct Liveness {
    std::recursive_mutex mutex;  // a ledger may answer inside the call made from an answer
    bool alive = true;
  };
  std::shared_ptr<Liveness> liveness_ = std::make_shared<Liveness>();
};

// Wall-clock time, Unix epoch milliseconds.
inline int64_t nowMillis() {
  return wallClockMillis();
}

}  // namespace finp2p::node
