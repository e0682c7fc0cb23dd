#include "engine/plan_engine.hpp"

#include <algorithm>

#include "crypto/sealing.hpp"
#include "engine/messages.hpp"
#include "finp2p/ledger/hash_lock.hpp"
#include "investors/investor_check.hpp"
#include "model/hash_lock.hpp"
#include "model/plan_validation.hpp"
#include "model/receipt_check.hpp"
#include "model/resource_id.hpp"
#include "model/transitions.hpp"

namespace finp2p::engine {

using finp2p::execution::ApproveRequest;
using finp2p::execution::ExecutionInstruction;
using finp2p::execution::InstructionCompletionApproval;
using finp2p::execution::InstructionCompletionEvent;
using finp2p::execution::Participant;
using finp2p::execution::ProposeRequest;
using finp2p::execution::RejectRequest;
using finp2p::journal::Event;

namespace {
constexpr int32_t kTimeoutCode = 8;

std::string digestHex(const InstructionCompletionEvent& e) {
  return crypto::toHex(crypto::completionDigest(e));
}

}  // namespace

const char* planStatusName(PlanStatus s) {
  switch (s) {
    case PlanStatus::kProposed:
      return "proposed";
    case PlanStatus::kInProgress:
      return "in-progress";
    case PlanStatus::kCompleted:
      return "completed";
    case PlanStatus::kFailed:
      return "failed";
    case PlanStatus::kHalted:
      return "halted";
    case PlanStatus::kRejected:
      return "rejected";
    case PlanStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

bool isTerminal(PlanStatus s) {
  return s != PlanStatus::kProposed && s != PlanStatus::kInProgress;
}

PlanEngine::PlanEngine(std::string planId, EngineConfig config)
    : planId_(std::move(planId)), config_(std::move(config)) {}

std::string PlanEngine::chainHeadHex() const {
  return chainHead_;
}

// ---- helpers ----

bool PlanEngine::isParticipant(const std::string& org) const {
  for (const auto& p : plan_->participants()) {
    if (p.organizationid() == org) return true;
  }
  return false;
}

bool PlanEngine::isContributor(const std::string& org) const {
  for (const auto& p : plan_->participants()) {
    if (p.organizationid() != org) continue;
    for (int r : p.roles()) {
      if (r == Participant::Contributor) return true;
    }
  }
  return false;
}

std::vector<std::string> PlanEngine::contributors() const {
  std::vector<std::string> out;
  for (const auto& p : plan_->participants()) {
    if (isContributor(p.organizationid())) out.push_back(p.organizationid());
  }
  return out;
}

std::vector<std::string> PlanEngine::others() const {
  std::vector<std::string> out;
  for (const auto& p : plan_->participants()) {
    if (p.organizationid() != config_.self) out.push_back(p.organizationid());
  }
  return out;
}

const ExecutionInstruction* PlanEngine::instruction(uint32_t sequence) const {
  auto index = model::findInstruction(*plan_, sequence);
  return index ? &plan_->instructions(static_cast<int>(*index)) : nullptr;
}

PreflightAction PlanEngine::ownPreflight() const {
  PreflightAction preflight;
  for (const auto& ins : plan_->instructions()) {
    if (executes(ins, config_.self)) preflight.instructions.push_back(ins);
  }
  return preflight;
}

bool PlanEngine::executes(const ExecutionInstruction& ins, const std::string& org) const {
  return std::find(ins.organizations().begin(), ins.organizations().end(), org) !=
         ins.organizations().end();
}

SendAction PlanEngine::send(std::string id, ProposeRequest m) const {
  return {others(), std::move(id), std::move(m)};
}
SendAction PlanEngine::send(std::string id, ApproveRequest m) const {
  return {others(), std::move(id), std::move(m)};
}
SendAction PlanEngine::send(std::string id, RejectRequest m) const {
  return {others(), std::move(id), std::move(m)};
}

void PlanEngine::chain(const std::string& kind, const std::string& payload, Actions& out) {
  ChainAction c;
  c.index = chainLength_++;
  c.kind = kind;
  c.payload = payload;
  c.prevHash = chainHead_;
  std::string prevRaw;
  crypto::fromHex(chainHead_, prevRaw);
  chainHead_ =
      crypto::toHex(crypto::sha3_256("finp2p-exec:chain:v1\n" + prevRaw + kind + "\n" + payload));
  c.hash = chainHead_;
  out.push_back(std::move(c));
}

// ---- authorization ----

Status PlanEngine::authorize(const Event& e) const {
  std::string from = senderOf(e);
  if (from.empty()) return {};  // local events
  bool contributorsOnly = e.has_planapproval() || e.has_planrejection() ||
                          e.has_completionapproval() || e.has_completionrejection();
  if (auto s = authorizeProposer(e); !s) return s;
  if (!havePlan_) {
    // Messages about a plan this router has not been proposed are refused by the node (unknown
    // plan); a proposal is judged whole here, before anything of it is journaled.
    return e.has_planproposal() ? checkProposal(e.planproposal().plan(), from) : Status{};
  }
  if (!isParticipant(from)) {
    return makeError(ErrorCode::kPermissionDenied,
                     from + " is not a participant of plan " + planId_);
  }
  if (contributorsOnly && !isContributor(from)) {
    return makeError(ErrorCode::kPermissionDenied, from + " is an observer of plan " + planId_ +
                                                       " and may not approve or reject");
  }
  switch (e.kind_case()) {
    case Event::kPlanProposal:
      if (crypto::toHex(crypto::planDigest(e.planproposal().plan())) != planDigest_) {
        return makeError(ErrorCode::kInvalidArgument,
                         "a different plan under the id of plan " + planId_);
      }
      return {};
    case Event::kPlanApproval:
      // Again, byte for byte: answered as applied. Anything else is checked, also when late or
      // when the sender's approval is held already, so that "accepted" never covers an approval
      // naming someone else or carrying a bad signature (fuzz_byzantine found one relayed under
      // another sender).
      if (heldApproval(from, e.planapproval().approval())) return {};
      return config_.crypto->verifyPlanApproval(*plan_, e.planapproval().approval(), from);
    case Event::kCompletionProposal:
      return checkCompletion(e.completionproposal().event(), from);
    case Event::kCompletionApproval:
      return checkCompletionApproval(e.completionapproval().approval(), from);
    case Event::kCompletionRejection:
      if (!instruction(e.completionrejection().sequence())) {
        return makeError(ErrorCode::kInvalidArgument,
                         "plan " + planId_ + " has no instruction " +
                             std::to_string(e.completionrejection().sequence()));
      }
      return {};
    default:
      return {};
  }
}

bool PlanEngine::heldApproval(const std::string& from,
                              const finp2p::execution::ExecutionPlanApproval& approval) const {
  auto held = approvals_.find(from);
  return held != approvals_.end() &&
         held->second.SerializeAsString() == approval.SerializeAsString();
}

bool PlanEngine::alreadyApplied(const Event& e) const {
  if (!havePlan_) return false;
  const std::string from = senderOf(e);
  if (from.empty()) return false;
  // The completion `event` of instruction `sequence` by any executor, as recorded here.
  auto recorded =
      [this](const finp2p::execution::InstructionCompletionEvent& event) -> const Completion* {
    auto step = steps_.find(event.instruction().sequence());
    if (step == steps_.end()) return nullptr;
    std::string bytes = event.SerializeAsString();
    for (const auto& [executor, c] : step->second.byExecutor) {
      if (c.event.SerializeAsString() == bytes) return &c;
    }
    return nullptr;
  };
  switch (e.kind_case()) {
    case Event::kPlanProposal:
      return true;  // authorize() refused any other plan under this id
    case Event::kPlanApproval:
      return heldApproval(from, e.planapproval().approval());
    case Event::kCompletionProposal: {
      const Completion* c = recorded(e.completionproposal().event());
      return c && c->executor == from;
    }
    case Event::kCompletionApproval: {
      const Completion* c = recorded(e.completionapproval().approval().instructioncompletion());
      return c && c->approvals.count(from) != 0;
    }
    default:
      return false;  // a rejection ends the plan or its step; what follows is answered as ended
  }
}

Status PlanEngine::checkProposal(const finp2p::execution::ExecutionPlan& plan,
                                 const std::string& from) const {
  if (plan.id().id() != planId_) {
    return makeError(ErrorCode::kInvalidArgument,
                     "the proposal's plan id " + plan.id().id() + " is not " + planId_);
  }
  for (const std::string& org : {from, config_.self}) {
    bool named = false;
    for (const auto& p : plan.participants()) named |= p.organizationid() == org;
    if (!named) {
      return makeError(ErrorCode::kPermissionDenied,
                       org + " is not a participant of plan " + planId_);
    }
  }
  auto violations = model::validatePlan(plan);
  if (!violations.empty()) {
    std::string why = "invalid plan: " + violations.front().toString();
    if (violations.size() > 1) why += " (and " + std::to_string(violations.size() - 1) + " more)";
    return makeError(ErrorCode::kInvalidArgument, why);
  }
  return {};
}

Status PlanEngine::checkCompletion(const InstructionCompletionEvent& event,
                                   const std::string& from) const {
  uint32_t sequence = event.instruction().sequence();
  const auto* ins = instruction(sequence);
  if (!ins || !executes(*ins, from)) {
    return makeError(ErrorCode::kPermissionDenied, from + " is not an executor of instruction " +
                                                       std::to_string(sequence) + " of plan " +
                                                       planId_);
  }
  // What the executor claims (its receipt) is judged by every contributor, who rejects a wrong
  // one to all; a completion its executor did not sign is not a claim at all.
  return config_.crypto->verifyCompletion(event, from);
}

Status PlanEngine::checkCompletionApproval(const InstructionCompletionApproval& approval,
                                           const std::string& from) const {
  if (auto s = config_.crypto->verifyCompletionApproval(approval, from); !s) return s;
  const auto& event = approval.instructioncompletion();
  uint32_t sequence = event.instruction().sequence();
  const auto* ins = instruction(sequence);
  if (!ins) {
    return makeError(ErrorCode::kInvalidArgument,
                     "plan " + planId_ + " has no instruction " + std::to_string(sequence));
  }
  std::string signer;
  for (const auto& executor : ins->organizations()) {
    if (config_.crypto->verifyCompletion(event, executor).ok()) signer = executor;
  }
  if (signer.empty()) {
    return makeError(ErrorCode::kUnauthenticated,
                     "the approved completion is not signed by an executor of instruction " +
                         std::to_string(sequence));
  }
  if (auto step = steps_.find(sequence); step != steps_.end()) {
    auto c = step->second.byExecutor.find(signer);
    if (c != step->second.byExecutor.end() && c->second.digest != digestHex(event)) {
      return makeError(ErrorCode::kUnauthenticated,
                       "the approval is of a completion other than the one " + signer +
                           " proposed for instruction " + std::to_string(sequence));
    }
  }
  return {};
}

Status PlanEngine::authorizeProposer(const Event& e) {
  if (e.kind_case() != Event::kPlanProposal) return {};
  const std::string& from = e.planproposal().from();
  auto issuer = model::ResourceId::parse(e.planproposal().plan().id().id());
  if (!issuer || issuer->organizationId != from) {
    return makeError(ErrorCode::kPermissionDenied, from + " may not propose plan " +
                                                       e.planproposal().plan().id().id() +
                                                       ": only its issuing organization may");
  }
  return {};
}

// ---- dispatch ----

std::vector<Action> PlanEngine::handle(const Event& event) {
  Actions out;
  ++handled_;
  if (isTerminal(status_) && havePlan_) {
    // A terminal plan changes no more; late messages are answered by the router, not here.
    return out;
  }
  dispatch(event, out);
  drainPending(out);
  // The first message about a plan this router has not been proposed yet: if the proposal does
  // not follow, the catch-up timer asks the issuer for it.
  if (!havePlan_ && handled_ == 1) out.push_back(catchUpTimer(event.atmillis()));
  return out;
}

void PlanEngine::dispatch(const Event& e, Actions& out) {
  bool handled = true;
  int64_t at = e.atmillis();
  switch (e.kind_case()) {
    case Event::kPlanCreated:
      handled =
          onPlan(e.plancreated().plan(), config_.self, e.plancreated().investorcheck(), at, out);
      break;
    case Event::kPlanProposal:
      handled = onPlan(e.planproposal().plan(), e.planproposal().from(),
                       e.planproposal().investorcheck(), at, out);
      break;
    case Event::kPlanApproval:
      handled = onPlanApproval(e.planapproval().from(), e.planapproval().approval(), at, out);
      break;
    case Event::kPlanRejection:
      handled = onPlanRejection(e.planrejection().from(), e.planrejection().reason(), out);
      break;
    case Event::kPreflight:
      handled = onPreflight(e.preflight().ok(), e.preflight().reason(), at,
                            e.preflight().relayedownapproval(), out);
      checkAllApproved(at, out);
      break;
    case Event::kAgreementDeadline:
      handled = onAgreementDeadline(at, out);
      break;
    case Event::kInstructionExecuted:
      handled = onExecuted(e.instructionexecuted(), at, out);
      break;
    case Event::kAwaitTimer:
      handled = onAwaitTimer(e.awaittimer().sequence(), at, out);
      break;
    case Event::kCompletionProposal:
      handled = onCompletionProposal(e.completionproposal().from(), e.completionproposal().event(),
                                     at, out);
      break;
    case Event::kCompletionVerified:
      handled = onCompletionVerified(e.completionverified(), at, out);
      break;
    case Event::kCompletionApproval:
      handled = onCompletionApproval(e.completionapproval().from(),
                                     e.completionapproval().approval(), at, out);
      break;
    case Event::kCompletionRejection:
      handled =
          onCompletionRejection(e.completionrejection().from(), e.completionrejection().sequence(),
                                e.completionrejection().reason(), at, out);
      break;
    case Event::kPeerFenced:
      handled = onPeerFenced(e.peerfenced().organization(), out);
      break;
    case Event::kOwnOperations:
      handled = onOwnOperationsLookedUp(e.ownoperations().found(), e.ownoperations().detail(), out);
      checkAllApproved(at, out);
      break;
    case Event::kFenceReceived:
      handled = onFenceReceived(e.fencereceived().from(), e.fencereceived().lift(), at, out);
      break;
    case Event::KIND_NOT_SET:
      note("ignored an empty event");
      break;
  }
  if (!handled) pending_.push_back(e);
}

void PlanEngine::drainPending(Actions& out) {
  bool progress = true;
  while (progress && !pending_.empty() && !isTerminal(status_)) {
    progress = false;
    auto waiting = std::move(pending_);
    pending_.clear();
    for (const auto& e : waiting) {
      std::size_t before = pending_.size();
      dispatch(e, out);
      if (pending_.size() == before) progress = true;
    }
  }
}

// ---- agreement ----

void PlanEngine::stampInvestorCheck(Event& e, const EngineConfig& config,
                                    const std::string& reused) {
  finp2p::journal::InvestorCheck* check = nullptr;
  const finp2p::execution::ExecutionPlan* plan = nullptr;
  if (e.has_plancreated()) {
    check = e.mutable_plancreated()->mutable_investorcheck();
    plan = &e.plancreated().plan();
  } else if (e.has_planproposal()) {
    check = e.mutable_planproposal()->mutable_investorcheck();
    plan = &e.planproposal().plan();
  } else {
    return;
  }
  // The intent's window is judged by when this router took the plan in (the event's time), so
  // a replay, reading the stamp, decides the same.
  auto notCovered = investors::checkIntentWindow(*plan, e.atmillis() / 1000);
  if (notCovered.empty()) {
    notCovered = investors::checkInvestorSignatures(
        *plan, {.requireSignatures = config.requireInvestorSignatures});
  }
  if (notCovered.empty() && !reused.empty()) notCovered.push_back({"intent.intent", reused});
  check->set_checked(true);
  check->clear_rejection();
  if (notCovered.empty()) return;
  std::string why = notCovered.front().toString();
  if (notCovered.size() > 1) why += " (and " + std::to_string(notCovered.size() - 1) + " more)";
  check->set_rejection(why);
}

bool PlanEngine::onPlan(const finp2p::execution::ExecutionPlan& plan, const std::string& from,
                        const finp2p::journal::InvestorCheck& investorCheck, int64_t at,
                        Actions& out) {
  if (havePlan_) {
    if (crypto::toHex(crypto::planDigest(plan)) != planDigest_) {
      note("ignored a second, different proposal of plan " + planId_ + " from " + from);
    }
    return true;
  }
  if (plan.id().id() != planId_) {
    note("ignored a proposal whose plan id " + plan.id().id() + " is not " + planId_);
    return true;
  }
  auto issuer = model::ResourceId::parse(planId_);
  if (!issuer || issuer->organizationId != from) {
    note("ignored plan " + planId_ + " proposed by " + from + ", which did not issue it");
    return true;
  }
  plan_ = std::make_shared<const finp2p::execution::ExecutionPlan>(plan);
  if (!isParticipant(config_.self) || !isParticipant(from)) {
    note("ignored plan " + planId_ + ": this router or the proposer is not a participant");
    plan_.reset();
    return true;
  }
  havePlan_ = true;
  planDigest_ = crypto::toHex(crypto::planDigest(*plan_));
  createdAtMillis_ = at;
  chain("plan", crypto::canonicalBytes(*plan_), out);
  if (from == config_.self) {
    ProposeRequest proposal;
    *proposal.mutable_executionplan()->mutable_plan() = *plan_;
    out.push_back(send(planId_ + "/plan", std::move(proposal)));
  }
  out.push_back(TimerAction{TimerAction::Kind::kAgreementDeadline, 0,
                            createdAtMillis_ + config_.agreementTimeoutMillis});
  out.push_back(catchUpTimer(at));
  if (!isContributor(config_.self)) return true;

  auto violations = model::validatePlan(*plan_);
  if (violations.empty()) {
    // The clock is the plan's arrival, journaled with it: a replay decides the same.
    violations = model::checkTimelocks(*plan_, at / 1000, config_.hashLockMarginSeconds);
  }
  if (!violations.empty()) {
    std::string why = "invalid plan: " + violations.front().toString();
    if (violations.size() > 1) why += " (and " + std::to_string(violations.size() - 1) + " more)";
    rejectPlan(why, out);
    return true;
  }
  // Investor signatures are checked here, after the plan is stored, not in authorize(): a plan
  // whose investors did not sign what it does is the issuer's honest mistake as often as not
  // (its router may not require them), and every participant should see it rejected, why, and
  // by whom — not left waiting for an approval that never comes.
  if (investorCheck.checked() && !investorCheck.rejection().empty()) {
    rejectPlan("investor signatures: " + investorCheck.rejection(), out);
    return true;
  }
  PreflightAction preflight = ownPreflight();
  if (preflight.instructions.empty()) {
    preflightDone_ = true;
    approveOwnPlan(out);
  } else {
    out.push_back(std::move(preflight));
  }
  return true;
}

void PlanEngine::approveOwnPlan(Actions& out) {
  auto approval = config_.crypto->approvePlan(*plan_);
  approvals_[config_.self] = approval;
  ApproveRequest request;
  *request.mutable_plan() = approval;
  out.push_back(send(planId_ + "/plan-approval", std::move(request)));
}

void PlanEngine::rejectPlan(const std::string& reason, Actions& out) {
  RejectRequest request;
  request.mutable_plan()->mutable_executionplanid()->set_id(planId_);
  request.mutable_plan()->set_reason(reason);
  out.push_back(send(planId_ + "/plan-rejection", std::move(request)));
  rejectedBySelf_ = true;
  ownRejectionReason_ = reason;
  finish(PlanStatus::kRejected, "rejected by " + config_.self + ": " + reason, out);
}

bool PlanEngine::onPreflight(bool ok, const std::string& reason, int64_t at, bool relayed,
                             Actions& out) {
  if (!havePlan_ || status_ != PlanStatus::kProposed) return true;
  if (preflightDone_ && !(relayed && preflightOkWaiting_)) return true;
  preflightDone_ = true;
  if (ok && !relayed && decisionForgottenAt(at)) {
    // It may have rejected this plan at its deadline before the restore: approving now could
    // contradict that. Only its own approval, relayed back by a peer, decides for it.
    preflightOkWaiting_ = true;
    reason_ =
        "this router's journal was restored from an older copy after the plan's agreement "
        "deadline; asking the other contributors what they hold of its decision";
    return true;
  }
  preflightOkWaiting_ = false;
  if (ok && relayed) {
    for (const auto& org : fencesFrom_) out.push_back(fenceMessage(org, true));
  }
  if (ok) {
    approveOwnPlan(out);
  } else {
    rejectPlan("preflight failed: " + reason, out);
  }
  return true;
}

bool PlanEngine::onPlanApproval(const std::string& from,
                                const finp2p::execution::ExecutionPlanApproval& approval,
                                int64_t at, Actions& out) {
  if (!havePlan_) return false;
  if (status_ != PlanStatus::kProposed || approvals_.count(from)) return true;
  if (!isContributor(from)) {
    note("ignored a plan approval from " + from + ", not a contributor of " + planId_);
    return true;
  }
  if (fenced_.count(from)) {
    // Perhaps sent before its journal was restored, after which it may have rejected: held back
    // unless it says it did approve (lifts the fence).
    note("held back a plan approval from " + from + ": fenced after its journal was restored");
    fencedApprovals_[from] = approval;
    return true;
  }
  if (auto s = config_.crypto->verifyPlanApproval(*plan_, approval, from); !s) {
    note("ignored a plan approval from " + from + ": " + s.error().message);
    return true;
  }
  approvals_[from] = approval;
  checkAllApproved(at, out);
  return true;
}

void PlanEngine::checkAllApproved(int64_t at, Actions& out) {
  if (!havePlan_ || status_ != PlanStatus::kProposed) return;
  for (const auto& c : contributors()) {
    if (!approvals_.count(c)) return;
  }
  status_ = PlanStatus::kInProgress;
  reason_.clear();  // no longer waiting for anyone's approval
  std::string payload;
  for (const auto& [org, approval] : approvals_) payload += crypto::canonicalBytes(approval);
  chain("approved", payload, out);
  startInstruction(plan_->instructions(0).sequence(), at, out);
}

bool PlanEngine::onPlanRejection(const std::string& from, const std::string& reason, Actions& out) {
  if (!havePlan_) return false;
  if (status_ != PlanStatus::kProposed) return true;
  if (!isContributor(from)) {
    note("ignored a plan rejection from " + from + ", not a contributor of " + planId_);
    return true;
  }
  finish(PlanStatus::kRejected, "rejected by " + from + ": " + reason, out);
  return true;
}

std::optional<int64_t> PlanEngine::decisionForgottenAt(int64_t at) const {
  for (int64_t restored : config_.restoredAtMillis) {
    if (at >= restored && createdAtMillis_ + config_.agreementTimeoutMillis < restored &&
        isContributor(config_.self) && !approvals_.count(config_.self)) {
      return restored;
    }
  }
  return std::nullopt;
}

bool PlanEngine::onPeerFenced(const std::string& org, Actions& out) {
  if (!mayFence(org) || fenced_.count(org)) return true;
  fenced_.insert(org);
  out.push_back(fenceMessage(org, false));
  return true;
}

bool PlanEngine::onFenceReceived(const std::string& from, bool lift, int64_t at, Actions& out) {
  if (!havePlan_) return false;
  if (lift) {
    // The restored contributor did approve: its approval (held back while fenced) counts.
    if (!fenced_.erase(from)) return true;
    if (auto a = fencedApprovals_.find(from); a != fencedApprovals_.end()) {
      if (status_ == PlanStatus::kProposed && !approvals_.count(from)) {
        approvals_[from] = a->second;
        checkAllApproved(at, out);
      }
      fencedApprovals_.erase(a);
    }
    return true;
  }
  fencesFrom_.insert(from);
  // It approved already (relayed back): the peer must take that approval after all.
  if (approvals_.count(config_.self)) {
    out.push_back(fenceMessage(from, true));
    return true;
  }
  decideIfEveryoneFenced(out);
  return true;
}

bool PlanEngine::onOwnOperationsLookedUp(bool found, const std::string& detail, Actions& out) {
  if (!havePlan_ || status_ != PlanStatus::kProposed || approvals_.count(config_.self)) return true;
  if (found) {
    // It executes only after approving: the ledger witnesses the approval it forgot.
    note("plan " + planId_ + ": the ledger already has " + detail + "; it had approved");
    preflightDone_ = true;
    preflightOkWaiting_ = false;
    approveOwnPlan(out);
    for (const auto& org : fencesFrom_) out.push_back(fenceMessage(org, true));
    return true;
  }
  ownOperationsLookedUp_ = true;
  decideIfEveryoneFenced(out);
  return true;
}

void PlanEngine::decideIfEveryoneFenced(Actions& out) {
  if (!awaitingOwnDecision_ || !ownOperationsLookedUp_ || status_ != PlanStatus::kProposed ||
      approvals_.count(config_.self)) {
    return;
  }
  for (const auto& p : plan_->participants()) {
    const std::string& org = p.organizationid();
    if (org != config_.self && !fencesFrom_.count(org)) return;
  }
  rejectPlan(
      "agreement deadline passed; this router's journal was restored from an older copy, "
      "no other participant holds an approval of it and its ledgers ran none of its "
      "operations",
      out);
}

SendAction PlanEngine::fenceMessage(const std::string& org, bool lift) const {
  RejectRequest m;
  m.mutable_fence()->mutable_executionplanid()->set_id(planId_);
  m.mutable_fence()->set_lift(lift);
  return {{org}, planId_ + (lift ? "/unfence/" : "/fence/") + org, std::move(m)};
}

bool PlanEngine::mayFence(const std::string& org) const {
  return havePlan_ && status_ == PlanStatus::kProposed && isContributor(org) &&
         org != config_.self && !approvals_.count(org) && isParticipant(config_.self);
}

std::optional<finp2p::execution::RejectRequest> PlanEngine::relayRejection(
    const std::string& org) const {
  // Its own rejection is among what it owes already.
  if (!havePlan_ || status_ != PlanStatus::kRejected || org == config_.self || rejectedBySelf_ ||
      !isContributor(config_.self)) {
    return std::nullopt;
  }
  RejectRequest m;
  m.mutable_plan()->mutable_executionplanid()->set_id(planId_);
  m.mutable_plan()->set_reason("already " + reason_);
  return m;
}

bool PlanEngine::restoredPlan(int64_t at) const {
  // Decided by the event's own time, so a replay of the journal decides as the first run did.
  for (int64_t restored : config_.restoredAtMillis) {
    if (at >= restored && createdAtMillis_ < restored + config_.restoredWindowMillis) return true;
  }
  return false;
}

bool PlanEngine::onAgreementDeadline(int64_t at, Actions& out) {
  if (!havePlan_ || status_ != PlanStatus::kProposed) return true;
  std::string missing;
  for (const auto& c : contributors()) {
    if (!approvals_.count(c)) missing += (missing.empty() ? "" : ", ") + c;
  }
  std::string reason = "agreement deadline passed; no approval from " + missing;
  // Only a contributor that has not approved may end the plan here: once this router has
  // approved, the others may hold every approval and be settling, so deciding alone could
  // diverge from them (and an observer never decides). It waits for the outcome instead and
  // asks the others for what it may have missed.
  if (isContributor(config_.self) && !approvals_.count(config_.self)) {
    if (decisionForgottenAt(at)) {
      // It may have approved or rejected after the copy was taken. A peer relays its approval
      // if it holds it, or the rejection if the plan is rejected there; otherwise it fences this
      // router (it will ignore this router's approval), and once every other contributor has,
      // rejecting contradicts nothing anyone holds.
      awaitingOwnDecision_ = true;
      reason_ = reason + "; this router's journal was restored from an older copy: asking the " +
                "other contributors what they hold of its decision";
      if (!others().empty()) out.push_back(ResendRequestAction{others(), true});
      if (!ownOperationsLookedUp_) {
        PreflightAction lookup = ownPreflight();
        lookup.lookForOwnOperations = true;
        out.push_back(std::move(lookup));
      }
      decideIfEveryoneFenced(out);
      return true;
    }
    if (!restoredPlan(at)) {
      rejectPlan(reason, out);
      return true;
    }
    // The older copy of the journal may have forgotten an approval the others hold: deciding
    // alone could contradict it. The validation decides instead, as it did the first time.
    reason_ = reason + "; this router's journal was restored from an older copy, so it does " +
              "not reject alone: it re-checks the plan and asks the others for what it missed";
    if (!others().empty()) out.push_back(ResendRequestAction{others()});
    return true;
  }
  reason_ = reason + "; waiting for the contributors' outcome";
  if (!others().empty()) out.push_back(ResendRequestAction{others()});
  return true;
}

// ---- execution ----

// For a message about an instruction other than the current one: true (drop it) when the
// instruction does not exist or has already settled; false (keep it) when the plan has not
// reached it yet. Sequences need not be visited in increasing order.
bool PlanEngine::notCurrentYet(uint32_t sequence) const {
  if (!instruction(sequence)) return true;
  auto it = steps_.find(sequence);
  return it != steps_.end() && it->second.settled;
}

void PlanEngine::startInstruction(uint32_t sequence, int64_t at, Actions& out) {
  currentSequence_ = sequence;
  Step& step = steps_[sequence];
  step.startedAtMillis = at;
  const auto* ins = instruction(sequence);
  if (executes(*ins, config_.self)) executeOwn(*ins, at, out);
  // From the first step on, a lock paying the secret holder may be on its ledger and claimed.
  if (steps_.size() == 1 && model::hasHashLocks(*plan_)) claimWatchTimers(at, out);
}

void PlanEngine::executeOwn(const ExecutionInstruction& ins, int64_t startedAt,
                            Actions& out) const {
  if (ins.has_await() && ins.await().condition().empty()) {
    out.push_back(
        TimerAction{TimerAction::Kind::kAwait, ins.sequence(), ins.await().waituntil() * 1000});
    return;
  }
  int64_t timeout = timeoutMillis(ins);
  ExecuteAction action;
  action.instruction = ins;
  action.deadlineMillis = startedAt + timeout;
  switch (model::lockRole(*plan_, ins)) {
    case model::LockRole::kClaim:
      action.preimage = claimPreimage(ins);
      break;
    case model::LockRole::kRefund:
      // The ledger refuses a refund before the expiry; its time to run starts there.
      action.notBeforeMillis =
          model::refundNotBeforeMillis(*plan_, ins) + config_.refundDelayMillis;
      action.deadlineMillis = std::max(startedAt, action.notBeforeMillis) + timeout;
      break;
    default:
      break;
  }
  out.push_back(std::move(action));
}

std::string PlanEngine::claimPreimage(const ExecutionInstruction& ins) const {
  const auto* lock = model::lockOf(*plan_, ins);
  if (lock->secretholder() == config_.self) {
    return ledger::toHex(config_.crypto->hashLockSecret(planId_));
  }
  for (const auto& [sequence, step] : steps_) {
    if (!step.settled) continue;
    for (const auto& [executor, c] : step.byExecutor) {
      const auto& revealed = c.event.receipt().hashlock().preimage();
      if (c.event.status().code() == 0 && !revealed.empty() &&
          ledger::checkPreimage(lock->hashfunction(), lock->hash(), revealed).empty()) {
        return revealed;
      }
    }
  }
  return "";
}

bool PlanEngine::onAwaitTimer(uint32_t sequence, int64_t at, Actions& out) {
  const auto* ins = instruction(sequence);
  if (!ins) return true;
  finp2p::journal::InstructionExecuted done;
  done.set_sequence(sequence);
  auto* r = done.mutable_receipt();
  r->set_id(planId_ + "_" + std::to_string(sequence));
  r->set_operationtype("await");
  r->set_timestamp(ins->await().waituntil());
  r->mutable_transactiondetails()->set_operationid(planId_ + "_" + std::to_string(sequence));
  return onExecuted(done, at, out);
}

bool PlanEngine::onExecuted(const finp2p::journal::InstructionExecuted& e, int64_t at,
                            Actions& out) {
  const auto* ins = havePlan_ ? instruction(e.sequence()) : nullptr;
  if (status_ != PlanStatus::kInProgress || e.sequence() != currentSequence_ || !ins ||
      !executes(*ins, config_.self) || steps_[e.sequence()].byExecutor.count(config_.self)) {
    // A refund or claim run outside the plan's steps: the plan takes it up (by lookup) when it
    // reaches it; the outcome is said here so that the log shows what the ledger did.
    if (ins && model::lockRole(*plan_, *ins) != model::LockRole::kNone) {
      note("the ledger's outcome of instruction " + std::to_string(e.sequence()) +
           ", run outside the plan's steps: " +
           (e.code() == 0 ? "done, transaction " + e.receipt().id()
                          : "code " + std::to_string(e.code()) + ": " + e.message()));
    }
    return true;
  }
  Step& step = steps_[e.sequence()];
  InstructionCompletionEvent event;
  *event.mutable_instruction() = *ins;
  event.mutable_status()->set_code(e.code());
  event.mutable_status()->set_message(e.message());
  if (e.code() == 0) {
    auto* receipt = event.mutable_receipt();
    *receipt = e.receipt();
    auto* context = receipt->mutable_tradedetails()->mutable_executioncontext();
    context->mutable_executionplanid()->set_id(planId_);
    context->set_instructionsequencenumber(e.sequence());
  }
  config_.crypto->signCompletion(event);
  Completion& c = step.byExecutor[config_.self];
  c.executor = config_.self;
  c.event = event;
  c.digest = digestHex(event);
  c.decided = true;
  ProposeRequest proposal;
  *proposal.mutable_instructioncompletion() = event;
  out.push_back(
      send(planId_ + "/" + std::to_string(e.sequence()) + "/completion", std::move(proposal)));
  lockExpiryTimers(e.sequence(), out);
  checkSettled(e.sequence(), at, out);
  return true;
}

bool PlanEngine::onCompletionProposal(const std::string& from, const InstructionCompletionEvent& e,
                                      int64_t at, Actions& out) {
  if (!havePlan_) return false;
  uint32_t sequence = e.instruction().sequence();
  if (status_ == PlanStatus::kProposed) return false;
  if (status_ != PlanStatus::kInProgress) return true;
  if (sequence != currentSequence_) return notCurrentYet(sequence);
  const auto* ins = instruction(sequence);
  Step& step = steps_[sequence];
  if (step.byExecutor.count(from)) return true;  // a duplicate
  std::string problem;
  if (!executes(*ins, from)) {
    problem = from + " is not an executor of instruction " + std::to_string(sequence);
  } else if (crypto::canonicalBytes(e.instruction()) != crypto::canonicalBytes(*ins)) {
    problem = "the completion's instruction differs from the plan's instruction " +
              std::to_string(sequence);
  } else if (auto s = config_.crypto->verifyCompletion(e, from); !s) {
    problem = s.error().message;
  } else if (e.status().code() == 0) {
    if (!e.has_receipt()) {
      problem = "a successful completion without a receipt";
    } else if (auto s = model::checkReceipt(*plan_, *ins, e.receipt()); !s) {
      problem = s.error().message;
    }
  }
  if (!problem.empty() && !executes(*ins, from)) {
    note("ignored a completion of " + std::to_string(sequence) + " from " + from + ": " + problem);
    return true;
  }
  Completion& c = step.byExecutor[from];
  c.executor = from;
  c.event = e;
  c.digest = digestHex(e);
  if (!problem.empty()) {
    if (isContributor(config_.self)) decideCompletion(c, false, problem, at, out);
    return true;
  }
  if (isContributor(config_.self) && !c.decided) {
    c.verificationRequested = true;
    out.push_back(VerifyAction{sequence, from, e});
  }
  checkSettled(sequence, at, out);
  return true;
}

bool PlanEngine::onCompletionVerified(const finp2p::journal::CompletionVerified& v, int64_t at,
                                      Actions& out) {
  if (status_ != PlanStatus::kInProgress || v.sequence() != currentSequence_) return true;
  auto& byExecutor = steps_[v.sequence()].byExecutor;
  auto it = byExecutor.find(v.executor());
  if (it == byExecutor.end() || it->second.decided) return true;
  decideCompletion(it->second, v.ok(), v.reason(), at, out);
  checkSettled(v.sequence(), at, out);
  return true;
}

void PlanEngine::decideCompletion(Completion& c, bool ok, const std::string& reason, int64_t at,
                                  Actions& out) {
  c.decided = true;
  uint32_t sequence = c.event.instruction().sequence();
  std::string base = planId_ + "/" + std::to_string(sequence) + "/" + c.executor;
  if (ok) {
    auto approval = config_.crypto->approveCompletion(c.event);
    c.approvals[config_.self] = approval;
    ApproveRequest request;
    *request.mutable_instructioncompletion() = approval;
    out.push_back(send(base + "/completion-approval", std::move(request)));
    return;
  }
  c.ownRejection = reason;
  RejectRequest request;
  auto* r = request.mutable_instructioncompletion();
  r->mutable_executionplanid()->set_id(planId_);
  r->set_instructionsequence(sequence);
  r->set_reason(reason);
  out.push_back(send(base + "/completion-rejection", std::move(request)));
  failRejectedStep(sequence, config_.self, reason, at, out);
}

bool PlanEngine::onCompletionApproval(const std::string& from,
                                      const InstructionCompletionApproval& a, int64_t at,
                                      Actions& out) {
  if (!havePlan_ || status_ == PlanStatus::kProposed) return false;
  if (status_ != PlanStatus::kInProgress) return true;
  uint32_t sequence = a.instructioncompletion().instruction().sequence();
  if (!instruction(sequence)) return true;
  if (sequence != currentSequence_) return notCurrentYet(sequence);
  if (!isContributor(from)) {
    note("ignored a completion approval from " + from + ", not a contributor");
    return true;
  }
  std::string digest = digestHex(a.instructioncompletion());
  for (auto& [executor, c] : steps_[sequence].byExecutor) {
    if (c.digest != digest) continue;
    if (c.approvals.count(from)) return true;
    if (auto s = config_.crypto->verifyCompletionApproval(a, from); !s) {
      note("ignored a completion approval from " + from + ": " + s.error().message);
      return true;
    }
    c.approvals[from] = a;
    checkSettled(sequence, at, out);
    return true;
  }
  return false;  // the completion it approves has not arrived yet
}

bool PlanEngine::onCompletionRejection(const std::string& from, uint32_t sequence,
                                       const std::string& reason, int64_t at, Actions& out) {
  if (!havePlan_ || status_ == PlanStatus::kProposed) return false;
  if (status_ != PlanStatus::kInProgress) return true;
  if (!isContributor(from)) {
    note("ignored a completion rejection from " + from + ", not a contributor");
    return true;
  }
  if (sequence != currentSequence_) return notCurrentYet(sequence);
  if (steps_[sequence].settled) return true;
  failRejectedStep(sequence, from, reason, at, out);
  return true;
}

// A rejected completion is a failure of its instruction: the step settles failed and the plan
// takes the instruction's onFailure transition (a compensating RevertHold, or the default
// "halted"). Every router reaches this on the first rejection it sees, its own or a peer's.
void PlanEngine::failRejectedStep(uint32_t sequence, const std::string& by, const std::string& why,
                                  int64_t at, Actions& out) {
  Step& step = steps_[sequence];
  if (status_ != PlanStatus::kInProgress || sequence != currentSequence_ || step.settled) return;
  step.settled = true;
  // With several contributors, who rejected first may differ between routers: only the fact
  // that the completion was rejected is agreed.
  std::string agreed = "completion of instruction " + std::to_string(sequence) + " rejected";
  chain("settled", agreed, out);
  if (firstFailure_.empty()) {
    const auto* ins = instruction(sequence);
    std::string executor =
        ins && ins->organizations_size() == 1 ? " by " + ins->organizations(0) : std::string();
    firstFailure_ = "completion of instruction " + std::to_string(sequence) + executor +
                    " rejected by " + by + ": " + why;
    agreedFailure_ = agreed;
    failedSequence_ = sequence;
  }
  advance(sequence, model::Outcome::kFailure, at, out);
}

void PlanEngine::checkSettled(uint32_t sequence, int64_t at, Actions& out) {
  if (status_ != PlanStatus::kInProgress || sequence != currentSequence_) return;
  const auto* ins = instruction(sequence);
  Step& step = steps_[sequence];
  if (step.settled) return;
  auto everyone = contributors();
  for (const auto& executor : ins->organizations()) {
    auto it = step.byExecutor.find(executor);
    if (it == step.byExecutor.end()) return;
    for (const auto& c : everyone) {
      if (c != executor && !it->second.approvals.count(c)) return;
    }
  }
  step.settled = true;
  model::Outcome outcome = model::Outcome::kSuccess;
  std::string failure;
  std::string payload;
  for (const auto& [executor, c] : step.byExecutor) {
    payload += crypto::canonicalBytes(c.event);
    for (const auto& [org, approval] : c.approvals)
      payload += org + crypto::canonicalBytes(approval.signature());
    int32_t code = c.event.status().code();
    if (code != 0) {
      if (outcome != model::Outcome::kFailure) {
        outcome = code == kTimeoutCode ? model::Outcome::kTimeout : model::Outcome::kFailure;
      }
      failure = "instruction " + std::to_string(sequence) + " on " + executor + " failed (code " +
                std::to_string(code) + "): " + c.event.status().message();
    }
  }
  chain("settled", payload, out);
  if (outcome != model::Outcome::kSuccess && firstFailure_.empty()) {
    firstFailure_ = failure;
    failedSequence_ = sequence;
  }
  advance(sequence, outcome, at, out);
}

// The step `sequence` settled with `outcome`: start the instruction its transition names, or end
// the plan.
void PlanEngine::advance(uint32_t sequence, model::Outcome outcome, int64_t at, Actions& out) {
  auto index = model::findInstruction(*plan_, sequence);
  auto target = model::effectiveTransition(*plan_, *index, outcome);
  if (target.sequence) {
    startInstruction(*target.sequence, at, out);
    return;
  }
  PlanStatus end = target.status == "completed"   ? PlanStatus::kCompleted
                   : target.status == "failed"    ? PlanStatus::kFailed
                   : target.status == "cancelled" ? PlanStatus::kCancelled
                                                  : PlanStatus::kHalted;
  finish(end, firstFailure_, out);
}

void PlanEngine::finish(PlanStatus status, const std::string& reason, Actions& out) {
  status_ = status;
  reason_ = reason;
  // A rejection's reason names who rejected first, which may differ between routers.
  const std::string& agreedReason =
      !agreedFailure_.empty() && reason == firstFailure_ ? agreedFailure_ : reason;
  std::string payload = std::string(planStatusName(status)) + "\n" +
                        std::to_string(failedSequence_) + "\n" + agreedReason;
  // A rejection's reason depends on who noticed first; only the fact is agreed.
  if (status == PlanStatus::kRejected) payload = "rejected";
  chain("terminal", payload, out);
  pending_.clear();
}

// ---- resume: re-issue what peers or ledgers may still need ----

void PlanEngine::owedForStep(uint32_t sequence, Actions& out) const {
  auto it = steps_.find(sequence);
  if (it == steps_.end()) return;
  std::string step = planId_ + "/" + std::to_string(sequence);
  for (const auto& [executor, c] : it->second.byExecutor) {
    if (executor == config_.self) {
      ProposeRequest proposal;
      *proposal.mutable_instructioncompletion() = c.event;
      out.push_back(send(step + "/completion", std::move(proposal)));
    } else if (auto a = c.approvals.find(config_.self); a != c.approvals.end()) {
      ApproveRequest request;
      *request.mutable_instructioncompletion() = a->second;
      out.push_back(send(step + "/" + executor + "/completion-approval", std::move(request)));
    } else if (!c.ownRejection.empty()) {
      RejectRequest request;
      auto* r = request.mutable_instructioncompletion();
      r->mutable_executionplanid()->set_id(planId_);
      r->set_instructionsequence(sequence);
      r->set_reason(c.ownRejection);
      out.push_back(send(step + "/" + executor + "/completion-rejection", std::move(request)));
    }
  }
}

std::vector<Action> PlanEngine::owed() const {
  Actions out;
  if (!havePlan_) return out;
  auto issuer = model::ResourceId::parse(planId_);
  if (issuer && issuer->organizationId == config_.self) {
    ProposeRequest proposal;
    *proposal.mutable_executionplan()->mutable_plan() = *plan_;
    out.push_back(send(planId_ + "/plan", std::move(proposal)));
  }
  if (auto own = approvals_.find(config_.self); own != approvals_.end()) {
    ApproveRequest request;
    *request.mutable_plan() = own->second;
    out.push_back(send(planId_ + "/plan-approval", std::move(request)));
  }
  if (rejectedBySelf_) {
    RejectRequest request;
    request.mutable_plan()->mutable_executionplanid()->set_id(planId_);
    request.mutable_plan()->set_reason(ownRejectionReason_);
    out.push_back(send(planId_ + "/plan-rejection", std::move(request)));
  }
  for (const auto& org : fenced_) out.push_back(fenceMessage(org, false));
  if (approvals_.count(config_.self)) {
    for (const auto& org : fencesFrom_) out.push_back(fenceMessage(org, true));
  }
  for (const auto& [sequence, step] : steps_) owedForStep(sequence, out);
  return out;
}

TimerAction PlanEngine::catchUpTimer(int64_t fromMillis) const {
  TimerAction t{TimerAction::Kind::kCatchUp, 0, fromMillis + config_.catchUpIntervalMillis};
  t.mark = handled_;
  return t;
}

std::vector<Action> PlanEngine::catchUp(uint64_t mark, int64_t nowMillis) const {
  Actions out;
  if (!havePlan_) {
    // Messages about the plan came, its proposal did not: ask its issuer.
    auto issuer = model::ResourceId::parse(planId_);
    if (mark == handled_ && issuer && issuer->organizationId != config_.self) {
      out.push_back(ResendRequestAction{{issuer->organizationId}});
    }
    out.push_back(catchUpTimer(nowMillis));
    return out;
  }
  if (isTerminal(status_)) return out;
  if ((mark == handled_ || awaitingOwnDecision_) && !others().empty()) {
    out.push_back(ResendRequestAction{others(), awaitingOwnDecision_});
  }
  out.push_back(catchUpTimer(nowMillis));
  return out;
}

std::optional<finp2p::execution::ProposeRequest> PlanEngine::relayToIssuer(
    const std::string& org) const {
  auto issuer = model::ResourceId::parse(planId_);
  auto approval = approvals_.find(org);
  if (!havePlan_ || !issuer || issuer->organizationId != org || org == config_.self ||
      approval == approvals_.end()) {
    return std::nullopt;
  }
  finp2p::execution::ProposeRequest m;
  *m.mutable_executionplan()->mutable_plan() = *plan_;
  *m.mutable_executionplan()->mutable_issuerapproval() = approval->second;
  return m;
}

std::optional<finp2p::execution::ApproveRequest> PlanEngine::relayApproval(
    const std::string& org) const {
  auto approval = approvals_.find(org);
  if (!havePlan_ || org == config_.self || approval == approvals_.end()) return std::nullopt;
  finp2p::execution::ApproveRequest m;
  *m.mutable_plan() = approval->second;
  return m;
}

std::vector<Action> PlanEngine::resume(int64_t nowMillis) const {
  Actions out = owed();
  if (havePlan_ && isTerminal(status_)) {
    // A failed or halted plan's locks may still be claimable: the watches go on until expiry.
    if (model::hasHashLocks(*plan_)) claimWatchTimers(nowMillis, out);
    return out;
  }
  out.push_back(catchUpTimer(nowMillis));
  if (!havePlan_) return out;
  if (status_ == PlanStatus::kProposed) {
    out.push_back(TimerAction{TimerAction::Kind::kAgreementDeadline, 0,
                              createdAtMillis_ + config_.agreementTimeoutMillis});
    if (isContributor(config_.self) && !preflightDone_) out.push_back(ownPreflight());
    return out;
  }
  for (const auto& [sequence, step] : steps_) lockExpiryTimers(sequence, out);
  if (model::hasHashLocks(*plan_)) claimWatchTimers(nowMillis, out);
  auto it = steps_.find(currentSequence_);
  if (it != steps_.end()) {
    for (const auto& [executor, c] : it->second.byExecutor) {
      if (c.verificationRequested && !c.decided) {
        out.push_back(VerifyAction{currentSequence_, executor, c.event});
      }
    }
  }
  const auto* ins = instruction(currentSequence_);
  bool ownDone = it != steps_.end() && it->second.byExecutor.count(config_.self);
  if (ins && executes(*ins, config_.self) && !ownDone) {
    executeOwn(*ins, it != steps_.end() ? it->second.startedAtMillis : nowMillis, out);
  }
  return out;
}

}  // namespace finp2p::engine
