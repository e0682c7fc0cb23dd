#pragma once
// The plan state machine: journaled events in, actions out. No I/O, no clock (time comes with
// each event), no threads: the same events always give the same state and actions, so a plan
// is rebuilt after a crash by replaying its journal, and tests drive it directly.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/actions.hpp"
#include "engine/crypto_port.hpp"
#include "finp2p/journal.pb.h"
#include "model/transitions.hpp"

namespace finp2p::engine {

enum class PlanStatus {
  kProposed,
  kInProgress,
  kCompleted,
  kFailed,
  kHalted,
  kRejected,
  kCancelled
};
const char* planStatusName(PlanStatus status);  // "proposed", "in-progress", ...
bool isTerminal(PlanStatus status);

struct EngineConfig {
  std::string self;
  int64_t agreementTimeoutMillis = 60'000;
  int64_t defaultInstructionTimeoutMillis = 300'000;
  const CryptoPort* crypto = nullptr;
  // A contributor rejects a plan that moves an investor's holdings without that investor's
  // signature (router setting require_investor_signatures). Read by stampInvestorCheck only:
  // the verdict travels in the journaled event.
  bool requireInvestorSignatures = true;
  // While a plan is unfinished and nothing happens to it for this long, this router asks the
  // other participants to re-send what they sent (it may have missed it).
  int64_t catchUpIntervalMillis = 10'000;
  // When this router's journal was restored from an older copy (each time it was). The copy may
  // have forgotten an approval this router sent, so for the plans it held or learns again within
  // `restoredWindowMillis` of the restore it never rejects at the agreement deadline: it
  // re-decides by validation, which gives the same answer it gave before (see
  // docs/architecture.md, "A journal restored from an older copy").
  std::vector<int64_t> restoredAtMillis;
  int64_t restoredWindowMillis = 600'000;
  // Hash time-locked legs (model/hash_lock.hpp): a contributor approves a plan only if the lock
  // claimed first expires at least this long before the others; a refund runs this long after
  // its lock's expiry (for the difference between this router's clock and the ledger's).
  int64_t hashLockMarginSeconds = 3600;
  int64_t refundDelayMillis = 5'000;
};

// One instruction's step as this router saw it: each completion its executors proposed and the
// contributors whose approval of it arrived (plan show, the status page). Approvals are kept
// per completion because with several executors each one's completion is approved separately.
struct CompletionView {
  std::string executor;
  finp2p::execution::InstructionCompletionEvent event;
  std::vector<std::string> approvedBy;
};
struct StepView {
  uint32_t sequence = 0;
  int64_t startedAtMillis = 0;
  bool settled = false;
  std::vector<CompletionView> completions;
};

// What a router does about a hash lock's claim it watches (PlanEngine::claimWatch).
struct ClaimWatch {
  enum class Next {
    kStop,    // nothing more to watch: claimed, reached by the plan's own execution, or expired
    kWait,    // look again at retryAtMillis
    kLookUp,  // ask the ledgers of `locksToLookUp` whether one was claimed, and with what
    kClaim,   // execute `claim` now
  };
  Next next = Next::kStop;
  int64_t retryAtMillis = 0;
  std::vector<finp2p::execution::ExecutionInstruction> locksToLookUp;
  ExecuteAction claim;
};

class PlanEngine {
 public:
  PlanEngine(std::string planId, EngineConfig config);

  // May this event's sender send it for this plan, and is it what it claims (signatures,
  // organization names, a valid plan)? Checked before the event is journaled, so a refused
  // message leaves nothing behind. Local events (no sender) always may. The error's code is the
  // answer's: kPermissionDenied (not authorized), kUnauthenticated (signature), kInvalidArgument.
  Status authorize(const finp2p::journal::Event& event) const;
  // The part of authorize() that needs no plan: a plan is proposed by its issuer only.
  static Status authorizeProposer(const finp2p::journal::Event& event);
  // Stamps a plan's creation or proposal with this router's verdict on its investor signatures
  // (journal.proto, InvestorCheck), before the node journals it. The engine decides by the
  // stamp, so a replay decides as the first run did; an unstamped event (a journal written
  // before investor signatures) is not checked.
  // `reused`: why the node found an investor signature of the plan already used by another
  // plan (docs/protocol.md, rule 6), or empty; it decides only when the signatures otherwise
  // cover the plan.
  static void stampInvestorCheck(finp2p::journal::Event& event, const EngineConfig& config,
                                 const std::string& reused = "");
  std::vector<Action> handle(const finp2p::journal::Event& event);
  // An authorized peer message this engine has taken in already: the plan's proposal again, the
  // approval it holds from that organization, a completion or a completion
  // approval it holds, byte for byte. The node answers it as a duplicate and journals nothing:
  // the same message under ever new message ids would otherwise add a journal row each time.
  bool alreadyApplied(const finp2p::journal::Event& event) const;
  // The effects needed to carry on from the current state (after replaying the journal, or to
  // re-send what peers may have missed).
  std::vector<Action> resume(int64_t nowMillis) const;
  // Every message this router has sent for the plan so far, to the participants who should have
  // it. What a router owes its peers is a function of its journal: after any restart, and for
  // finished plans too, it is regenerated here (with the same message ids).
  std::vector<Action> owed() const;
  // A catch-up timer fired: if nothing happened since `mark`, ask the others to re-send; either
  // way set the next timer while the plan is unfinished.
  std::vector<Action> catchUp(uint64_t mark, int64_t nowMillis) const;
  // A hash lock of this router's refund `refundSequence` has expired (a kLockExpired timer):
  // refund it now, whatever step the plan is at, unless the secret may have been revealed by this
  // router. The ledger enforces the rest (a claimed lock cannot be refunded, an expired one not
  // claimed), so the owner needs no counterparty to get its asset back. The outcome is journaled
  // and taken up when the plan reaches the refund (the node's lookup finds it).
  std::vector<Action> lockExpired(uint32_t refundSequence) const;
  // A kClaimWatch timer fired for the claim `claimSequence` that this router executes or whose
  // beneficiary it serves. The secret is public once a lock paying the secret holder has been
  // claimed, under any key (`preimageOnLedger`: what the node's lookup of such a lock found on a
  // ledger it serves), or from the receipt of the holder's settled claim. With a preimage that
  // opens the lock, the claim's executor claims at once, even before the plan reaches the
  // claim (or after the plan failed, while the lock is unexpired); the beneficiary's router
  // claims once the executor has had the claim's timeout to do it, and at the latest half the
  // margin before the lock's expiry. The ledger keeps it to one claim of the lock; the plan takes
  // up the outcome when it reaches the claim (docs/protocol.md, "A claim needs nobody").
  ClaimWatch claimWatch(uint32_t claimSequence, int64_t nowMillis,
                        const std::string& preimageOnLedger = "") const;
  static constexpr int64_t kClaimWatchIntervalMillis = 2'000;
  // For a plan's issuer that forgot it (its journal was restored from an older copy): the plan
  // with the issuer's own approval, which proves to it that it proposed this plan.
  std::optional<finp2p::execution::ProposeRequest> relayToIssuer(const std::string& org) const;
  // For a contributor that forgot it approved (its journal was restored): its own approval.
  std::optional<finp2p::execution::ApproveRequest> relayApproval(const std::string& org) const;
  // For a restored contributor that does not know its decision: the plan is rejected here (so
  // it was not approved by everyone), said as this router's rejection; nothing otherwise.
  std::optional<finp2p::execution::RejectRequest> relayRejection(const std::string& org) const;
  // May this router fence `org` (it holds no approval of `org` and the plan is undecided here)?
  bool mayFence(const std::string& org) const;
  bool approvedBySelf() const { return approvals_.count(config_.self) > 0; }
  // The fence (or, with `lift`, its lifting) for `org`, as sent.
  SendAction fenceMessage(const std::string& org, bool lift) const;
  uint64_t progressMark() const { return handled_; }

  const std::string& planId() const { return planId_; }
  bool hasPlan() const { return havePlan_; }
  const finp2p::execution::ExecutionPlan& plan() const {
    return plan_ ? *plan_ : finp2p::execution::ExecutionPlan::default_instance();
  }
  /// The plan itself, shared read-only with the node (one copy per plan in memory).
  std::shared_ptr<const finp2p::execution::ExecutionPlan> sharedPlan() const { return plan_; }
  PlanStatus status() const { return status_; }
  const std::string& reason() const { return reason_; }
  uint32_t failedSequence() const { return failedSequence_; }
  uint32_t currentSequence() const { return currentSequence_; }
  int64_t createdAtMillis() const { return createdAtMillis_; }
  std::string chainHeadHex() const;
  finp2p::execution::Execution execution() const;
  // The steps that started, in sequence order (plan_view.cpp).
  std::vector<StepView> steps() const;
  // Human-readable notes of what the engine refused or ignored, for the router's log.
  std::vector<std::string> takeNotes() { return std::move(notes_); }

 private:
  // The approval held from `from` is exactly `approval`.
  bool heldApproval(const std::string& from,
                    const finp2p::execution::ExecutionPlanApproval& approval) const;
  struct Completion {
    std::string executor;
    finp2p::execution::InstructionCompletionEvent event;
    std::string digest;  // of the event, to match approvals
    std::map<std::string, finp2p::execution::InstructionCompletionApproval> approvals;
    bool verificationRequested = false;
    bool decided = false;      // this router approved or rejected it
    std::string ownRejection;  // this router's reason, when it rejected it
  };
  struct Step {
    int64_t startedAtMillis = 0;
    std::map<std::string, Completion> byExecutor;
    bool settled = false;
  };
  using Actions = std::vector<Action>;

  Status checkProposal(const finp2p::execution::ExecutionPlan& plan, const std::string& from) const;
  Status checkCompletion(const finp2p::execution::InstructionCompletionEvent& event,
                         const std::string& from) const;
  Status checkCompletionApproval(const finp2p::execution::InstructionCompletionApproval& approval,
                                 const std::string& from) const;
  bool onPlan(const finp2p::execution::ExecutionPlan& plan, const std::string& from,
              const finp2p::journal::InvestorCheck& investorCheck, int64_t at, Actions& out);
  bool onPreflight(bool ok, const std::string& reason, int64_t at, bool relayed, Actions& out);
  bool onPlanApproval(const std::string& from, const finp2p::execution::ExecutionPlanApproval& a,
                      int64_t at, Actions& out);
  bool onPlanRejection(const std::string& from, const std::string& reason, Actions& out);
  bool onAgreementDeadline(int64_t at, Actions& out);
  bool onPeerFenced(const std::string& org, Actions& out);
  bool onFenceReceived(const std::string& from, bool lift, int64_t at, Actions& out);
  void decideIfEveryoneFenced(Actions& out);
  bool onOwnOperationsLookedUp(bool found, const std::string& detail, Actions& out);

  bool restoredPlan(int64_t at) const;
  // The restore that makes this plan's own decision unknown here, if any (see above).
  std::optional<int64_t> decisionForgottenAt(int64_t at) const;
  bool onExecuted(const finp2p::journal::InstructionExecuted& e, int64_t at, Actions& out);
  bool onAwaitTimer(uint32_t sequence, int64_t at, Actions& out);
  bool onCompletionProposal(const std::string& from,
                            const finp2p::execution::InstructionCompletionEvent& e, int64_t at,
                            Actions& out);
  bool onCompletionVerified(const finp2p::journal::CompletionVerified& v, int64_t at, Actions& out);
  bool onCompletionApproval(const std::string& from,
                            const finp2p::execution::InstructionCompletionApproval& a, int64_t at,
                            Actions& out);
  bool onCompletionRejection(const std::string& from, uint32_t sequence, const std::string& reason,
                             int64_t at, Actions& out);

  void dispatch(const finp2p::journal::Event& event, Actions& out);
  void drainPending(Actions& out);
  void approveOwnPlan(Actions& out);
  void rejectPlan(const std::string& reason, Actions& out);
  void checkAllApproved(int64_t at, Actions& out);
  void startInstruction(uint32_t sequence, int64_t at, Actions& out);
  void executeOwn(const finp2p::execution::ExecutionInstruction& ins, int64_t at,
                  Actions& out) const;
  // The preimage for this router's claim: its own secret if it holds the plan's, else the one an
  // earlier claim's receipt revealed (checked against the lock); empty if neither.
  std::string claimPreimage(const finp2p::execution::ExecutionInstruction& ins) const;
  // kLockExpired timers for this router's refunds of the lock `lockSequence`, once it locked it.
  void lockExpiryTimers(uint32_t lockSequence, Actions& out) const;
  bool ownLockHeld(uint32_t sequence) const;
  // Claims this router watches (hash_lock_claim.cpp): those it executes or whose beneficiary it
  // serves, but not the secret holder's own; their timers once the revealing claim started.
  bool watchesClaim(const finp2p::execution::ExecutionInstruction& ins) const;
  bool claimWatchRuns() const;
  std::vector<finp2p::execution::ExecutionInstruction> locksPayingTheHolder() const;
  void claimWatchTimers(int64_t at, Actions& out) const;
  int64_t timeoutMillis(const finp2p::execution::ExecutionInstruction& ins) const;
  void decideCompletion(Completion& c, bool ok, const std::string& reason, int64_t at,
                        Actions& out);
  void checkSettled(uint32_t sequence, int64_t at, Actions& out);
  void failRejectedStep(uint32_t sequence, const std::string& by, const std::string& why,
                        int64_t at, Actions& out);
  void advance(uint32_t sequence, model::Outcome outcome, int64_t at, Actions& out);
  void finish(PlanStatus status, const std::string& reason, Actions& out);
  void chain(const std::string& kind, const std::string& payload, Actions& out);
  void note(const std::string& text) { notes_.push_back(text); }

  std::vector<std::string> others() const;
  std::vector<std::string> contributors() const;
  bool isContributor(const std::string& org) const;
  bool isParticipant(const std::string& org) const;
  const finp2p::execution::ExecutionInstruction* instruction(uint32_t sequence) const;
  bool executes(const finp2p::execution::ExecutionInstruction& ins, const std::string& org) const;
  SendAction send(std::string messageId, finp2p::execution::ProposeRequest m) const;
  SendAction send(std::string messageId, finp2p::execution::ApproveRequest m) const;
  SendAction send(std::string messageId, finp2p::execution::RejectRequest m) const;
  void owedForStep(uint32_t sequence, Actions& out) const;
  TimerAction catchUpTimer(int64_t fromMillis) const;
  bool notCurrentYet(uint32_t sequence) const;
  PreflightAction ownPreflight() const;  // this router's instructions

  std::string planId_;
  EngineConfig config_;
  bool havePlan_ = false;
  std::shared_ptr<const finp2p::execution::ExecutionPlan> plan_;
  std::string planDigest_;
  PlanStatus status_ = PlanStatus::kProposed;
  std::string reason_;
  uint32_t failedSequence_ = 0;
  std::string firstFailure_;
  std::string agreedFailure_;  // firstFailure_ as chained, when it names who noticed first
  int64_t createdAtMillis_ = 0;
  bool preflightDone_ = false;
  bool preflightOkWaiting_ = false;     // a restored plan's preflight passed; own decision unknown
  bool awaitingOwnDecision_ = false;    // restored, deadline passed: waiting for relays or fences
  bool ownOperationsLookedUp_ = false;  // and its ledgers said none of its operations ran
  std::set<std::string> fenced_;        // restored contributors whose approval this router ignores
  std::set<std::string> fencesFrom_;    // contributors that fenced this (restored) router
  // Approvals of fenced contributors, taken if the contributor lifts the fence.
  std::map<std::string, finp2p::execution::ExecutionPlanApproval> fencedApprovals_;
  bool rejectedBySelf_ = false;
  std::string ownRejectionReason_;  // as sent to the others
  std::map<std::string, finp2p::execution::ExecutionPlanApproval> approvals_;
  uint32_t currentSequence_ = 0;
  std::map<uint32_t, Step> steps_;
  std::vector<finp2p::journal::Event> pending_;  // messages that arrived before they could apply
  std::string chainHead_;                        // hex
  uint32_t chainLength_ = 0;
  std::vector<std::string> notes_;
  uint64_t handled_ = 0;  // events handled: the progress mark of catch-up timers
};

}  // namespace finp2p::engine
