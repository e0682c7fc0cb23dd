#include "node/router_node.hpp"

#include <spdlog/spdlog.h>

#include <future>

#include "common/failpoint.hpp"
#include "crypto/sealing.hpp"
#include "engine/messages.hpp"
#include "finp2p/ledger/hash_lock.hpp"
#include "investors/investor_check.hpp"
#include "model/hash_lock.hpp"
#include "model/plan_validation.hpp"
#include "model/resource_id.hpp"
#include "node/ledger_ops.hpp"

namespace finp2p::node {

using finp2p::journal::Event;

RouterNode::RouterNode(NodeConfig config, std::unique_ptr<Runtime> runtime,
                       journal::Journal& journal, LedgerPort& ledgers, MessageSink& sink)
    : config_(std::move(config)),
      runtime_(std::move(runtime)),
      journal_(journal),
      ledgers_(ledgers),
      sink_(sink) {
  for (std::size_t i = 0; i < runtime_->strands(); ++i) {
    strands_.push_back(std::make_unique<Strand>());
  }
}

RouterNode::~RouterNode() {
  {
    // Ledger completions still to come find the router gone and do nothing.
    std::lock_guard lock(liveness_->mutex);
    liveness_->alive = false;
  }
  runtime_->stop();
}

template <typename F>
LedgerPort::Done RouterNode::alive(F f) {
  return [life = liveness_, f = std::move(f)](ledger::Outcome outcome) mutable {
    std::lock_guard lock(life->mutex);
    if (!life->alive) return;  // the router is shutting down; the journal has not changed
    f(std::move(outcome));
  };
}

std::size_t RouterNode::strandIndex(const std::string& planId) const {
  return std::hash<std::string>{}(planId) % strands_.size();
}

RouterNode::Strand& RouterNode::strandOf(const std::string& planId) {
  return *strands_[strandIndex(planId)];
}

void RouterNode::post(const std::string& planId, std::function<void()> task) {
  runtime_->onStrand(strandIndex(planId), std::move(task));
}

journal::PlanSummary RouterNode::summarize(const engine::PlanEngine& e, int64_t now) const {
  journal::PlanSummary s;
  s.planId = e.planId();
  s.status = engine::planStatusName(e.status());
  s.currentSequence = e.currentSequence();
  s.failedSequence = e.failedSequence();
  s.reason = e.reason();
  s.createdAtMillis = e.createdAtMillis() ? e.createdAtMillis() : now;
  s.updatedAtMillis = now;
  s.chainHead = e.chainHeadHex();
  s.terminal = e.hasPlan() && engine::isTerminal(e.status());
  return s;
}

// On the plan's strand: authorize, apply, journal; effects and the caller's answer follow once
// the journal entry is durable.
// A participant relays a plan back to this router, its issuer, whose restored journal forgot it:
// taken as this router's own submission only if it carries this router's own approval of it.
Result<bool> RouterNode::ownPlanRelayed(Event& event) {
  if (!event.has_planproposal() || !event.planproposal().has_issuerapproval()) return false;
  const auto& proposal = event.planproposal();
  auto issuer = model::ResourceId::parse(proposal.plan().id().id());
  if (!issuer || issuer->organizationId != config_.engine.self) return false;
  if (auto s = config_.engine.crypto->verifyPlanApproval(proposal.plan(), proposal.issuerapproval(),
                                                         config_.engine.self);
      !s) {
    return makeError(ErrorCode::kUnauthenticated,
                     proposal.from() + " relayed plan " + proposal.plan().id().id() + " to " +
                         config_.engine.self + " without its approval: " + s.error().message);
  }
  spdlog::warn("plan {}: {} relayed it back with {}'s own approval; taking it up again",
               event.planid(), proposal.from(), config_.engine.self);
  finp2p::execution::ExecutionPlan plan = proposal.plan();
  event.clear_planproposal();
  *event.mutable_plancreated()->mutable_plan() = std::move(plan);
  return true;
}

// A peer relays this router's own plan approval back to it (its restored journal forgot it):
// verified by this router's own signature, it stands for the approval it gave.
Status RouterNode::ownApprovalRelayed(const engine::PlanEngine& engine, Event& event) {
  if (!event.has_planapproval()) return {};
  const auto& received = event.planapproval();
  const std::string& self = config_.engine.self;
  if (received.approval().organizationid() != self || received.from() == self) return {};
  if (!engine.hasPlan()) {
    return makeError(ErrorCode::kNotFound, "unknown plan " + event.planid() + ": " + self +
                                               " has no proposal of it; nothing changed");
  }
  if (auto s = config_.engine.crypto->verifyPlanApproval(engine.plan(), received.approval(), self);
      !s) {
    return makeError(ErrorCode::kUnauthenticated, received.from() + " relayed an approval of " +
                                                      self + " that " + self +
                                                      " did not sign: " + s.error().message);
  }
  spdlog::warn("plan {}: {} relayed {}'s own approval back to it", event.planid(), received.from(),
               self);
  std::string from = received.from();
  event.clear_planapproval();
  auto* p = event.mutable_preflight();
  p->set_ok(true);
  p->set_relayedownapproval(true);
  p->set_reason("approved before the journal was restored; relayed back by " + from);
  return {};
}

// A peer fenced this router after the plan ended here: it approved (the plan went on), so the peer
// must take its approval after all. A finished engine handles no more events, so the node answers.
void RouterNode::liftFenceOfEndedPlan(Strand& strand, const Event& event) {
  if (!event.has_fencereceived() || event.fencereceived().lift()) return;
  std::unique_ptr<engine::PlanEngine> holder;
  const auto* engine = findOrReplay(strand, event.planid(), holder);
  if (!engine || !engine->approvedBySelf()) return;
  auto lift = engine->fenceMessage(event.fencereceived().from(), true);
  PeerMessage message = std::visit([](auto& m) { return PeerMessage(m); }, lift.message);
  sink_.send(event.fencereceived().from(), event.planid(), lift.messageId, message, nullptr);
}

void RouterNode::process(Strand& strand, Event event, Answer done) {
  const std::string planId = event.planid();
  if (auto relayed = ownPlanRelayed(event); !relayed) return done(relayed.error());
  if (auto s = engine::PlanEngine::authorizeProposer(event); !s) {
    done(s.error());
    return;
  }
  if (event.has_plancreated() && resubmitted(strand, event, done)) return;
  auto it = strand.plans.find(planId);
  if (it == strand.plans.end()) {
    auto known = journal_.summary(planId);
    if (known.ok() && known->has_value() && (*known)->terminal) {
      liftFenceOfEndedPlan(strand, event);
      // A late or repeated message for a finished plan changes nothing.
      done("plan " + planId + " already ended " + (*known)->status + "; nothing changed");
      return;
    }
    if (!engine::senderOf(event).empty() && !event.has_planproposal()) {
      // Nothing is kept for a plan this router was not proposed: the sender retries (its
      // proposal may still be on its way from the issuer), and a planted id leaves no trace.
      done(makeError(ErrorCode::kNotFound, "unknown plan " + planId + ": " + config_.engine.self +
                                               " has no proposal of it; nothing changed"));
      return;
    }
    std::string why;
    if (!admit(strand, event, why)) {
      done(
          makeError(ErrorCode::kResourceExhausted, why + "; refusing plan " + planId + " for now"));
      return;
    }
    it = strand.plans.emplace(planId, std::make_unique<engine::PlanEngine>(planId, config_.engine))
             .first;
  }
  engine::PlanEngine& engine = *it->second;
  if (engine.hasPlan() && engine::isTerminal(engine.status())) liftFenceOfEndedPlan(strand, event);
  if (auto s = ownApprovalRelayed(engine, event); !s) return done(s.error());
  if (auto s = engine.authorize(event); !s) {
    if (!engine.hasPlan()) release(strand, planId);  // a refused proposal takes no memory
    done(s.error());
    return;
  }
  if (engine.alreadyApplied(event)) {
    done("duplicate of a message already applied to plan " + planId + "; nothing changed");
    return;
  }
  std::vector<std::string> reservedSignatures;
  if (!engine.hasPlan() && (event.has_plancreated() || event.has_planproposal())) {
    const auto& plan =
        event.has_plancreated() ? event.plancreated().plan() : event.planproposal().plan();
    std::string reused = signatureUses_.reused(planId, plan, true, &reservedSignatures);
    engine::PlanEngine::stampInvestorCheck(event, config_.engine, reused);
  }
  auto beforeStatus = engine.status();
  auto beforeSequence = engine.currentSequence();
  bool hadPlan = engine.hasPlan();
  auto actions = engine.handle(event);
  for (const auto& note : engine.takeNotes()) spdlog::warn("plan {}: {}", planId, note);
  if (engine.hasPlan() && !hadPlan) {
    std::lock_guard lock(plansMutex_);
    activePlans_[planId] = engine.sharedPlan();
    spdlog::info("plan {} seq 0: proposed ({} participants, {} instructions)", planId,
                 engine.plan().participants_size(), engine.plan().instructions_size());
  }
  if (engine.currentSequence() != beforeSequence &&
      engine.status() == engine::PlanStatus::kInProgress) {
    spdlog::info("plan {} seq {}: instruction started", planId, engine.currentSequence());
  }
  if (engine.status() != beforeStatus) {
    spdlog::info("plan {} seq {}: {} -> {}{}{}", planId, engine.currentSequence(),
                 engine::planStatusName(beforeStatus), engine::planStatusName(engine.status()),
                 engine.reason().empty() ? "" : ": ", engine.reason());
  }
  journal::Batch batch;
  batch.event = event;
  for (const auto& a : actions) {
    if (auto* c = std::get_if<engine::ChainAction>(&a)) batch.chain.push_back(*c);
  }
  batch.summary = summarize(engine, now());
  // The journal records which plan used the signatures (rule 6); a plan they are refused to
  // records nothing.
  if (!reservedSignatures.empty() && engine.hasPlan() &&
      engine.status() != engine::PlanStatus::kRejected) {
    batch.investorSignatures = reservedSignatures;
  }
  bool terminal = batch.summary.terminal;
  std::optional<journal::PlanSummary> ended;
  if (terminal && !engine::isTerminal(beforeStatus)) ended = batch.summary;
  failpoint("before-journal-append");
  journal_.append(std::move(batch), [this, planId, actions = std::move(actions), done, terminal,
                                     ended, reservedSignatures](Status s) mutable {
    signatureUses_.release(reservedSignatures);
    if (!s) {
      // The in-memory state is ahead of the disk: stop rather than act on what may be lost.
      spdlog::critical("plan {}: journal write failed, stopping: {}", planId, s.error().message);
      std::abort();
    }
    failpoint("after-journal-append");
    if (ended && terminalListener_) terminalListener_(*ended);
    // Effects are hand-offs to other threads (outbox, ledger pool, timers): start them here, in
    // journal order, rather than with another trip through the strand.
    perform(planId, std::move(actions));
    if (terminal) {
      this->ended(planId);
      post(planId, [this, planId] {
        release(strandOf(planId), planId);  // its state stays in the journal
        std::lock_guard lock(plansMutex_);
        activePlans_.erase(planId);
      });
    }
    done(std::string("accepted"));
  });
}

// A plan created again under an id this router already has: the same plan is answered with the
// existing execution (an operator's retry), another one is refused. True when answered.
bool RouterNode::resubmitted(Strand& strand, const Event& event, Answer& done) {
  std::unique_ptr<engine::PlanEngine> holder;
  const auto* existing = findOrReplay(strand, event.planid(), holder);
  if (!existing || !existing->hasPlan()) return false;
  if (crypto::planDigest(existing->plan()) == crypto::planDigest(event.plancreated().plan())) {
    done(std::string("already submitted"));
  } else {
    done(makeError(ErrorCode::kAlreadyExists,
                   "plan id " + event.planid() +
                       " is already used by a different plan; submit with a new id"));
  }
  return true;
}

// On the plan's strand, before a new plan takes memory: within the router's and the peer's caps?
bool RouterNode::admit(Strand& strand, const Event& event, std::string& why) {
  if (plansInFlight_ >= config_.maxPlansInFlight) {
    why = "router " + config_.engine.self + " has " + std::to_string(plansInFlight_.load()) +
          " plans in flight, its limit";
    return false;
  }
  std::string peer = engine::senderOf(event);
  if (!peer.empty()) {
    std::lock_guard lock(peerCountMutex_);
    if (plansByPeer_[peer] >= config_.maxPlansInFlightPerPeer) {
      why = "peer " + peer + " has " + std::to_string(plansByPeer_[peer]) + " plans in flight at " +
            config_.engine.self + ", its limit";
      return false;
    }
    ++plansByPeer_[peer];
    strand.broughtBy[event.planid()] = peer;
  }
  ++plansInFlight_;
  return true;
}

void RouterNode::release(Strand& strand, const std::string& planId) {
  if (!strand.plans.erase(planId)) return;
  --plansInFlight_;
  auto by = strand.broughtBy.find(planId);
  if (by == strand.broughtBy.end()) return;
  std::lock_guard lock(peerCountMutex_);
  --plansByPeer_[by->second];
  strand.broughtBy.erase(by);
}

void RouterNode::postLocal(Event event) {
  event.set_atmillis(now());
  std::string planId = event.planid();
  post(planId, [this, planId, event = std::move(event)]() mutable {
    process(strandOf(planId), std::move(event), [](Result<std::string>) {});
  });
}

void RouterNode::sendTracked(const std::string& to, const std::string& planId,
                             const std::string& messageId, const PeerMessage& message) {
  {
    std::lock_guard lock(unsettledMutex_);
    ++unsettled_[planId].messages;
  }
  sink_.send(to, planId, messageId, message, [this, life = liveness_, planId] {
    std::lock_guard alive(life->mutex);
    if (!life->alive) return;
    std::lock_guard lock(unsettledMutex_);
    auto it = unsettled_.find(planId);
    if (it == unsettled_.end() || --it->second.messages > 0) return;
    if (it->second.ended) journal_.markDelivered(planId);
    unsettled_.erase(it);
  });
}

// The plan's terminal status is durable and its last messages are with the sink.
void RouterNode::ended(const std::string& planId) {
  std::lock_guard lock(unsettledMutex_);
  auto it = unsettled_.find(planId);
  if (it == unsettled_.end()) {
    journal_.markDelivered(planId);
    return;
  }
  it->second.ended = true;
}

void RouterNode::perform(const std::string& planId, std::vector<engine::Action> actions) {
  for (auto& action : actions) {
    if (auto* send = std::get_if<engine::SendAction>(&action)) {
      PeerMessage message = std::visit([](auto& m) { return PeerMessage(m); }, send->message);
      for (const auto& to : send->to) sendTracked(to, planId, send->messageId, message);
    } else if (auto* r = std::get_if<engine::ResendRequestAction>(&action)) {
      finp2p::execution::ResendRequest request;
      request.mutable_executionplanid()->set_id(planId);
      request.set_restored(r->restored);
      spdlog::info("plan {}: behind; asking {} peers to re-send", planId, r->to.size());
      // Each request is a new message (receivers ignore a repeated message id).
      std::string id = planId + "/resend/" + std::to_string(now());
      for (const auto& to : r->to) sink_.send(to, planId, id, request, nullptr);
    } else if (auto* p = std::get_if<engine::PreflightAction>(&action)) {
      preflight(planId, *p);
    } else if (auto* x = std::get_if<engine::ExecuteAction>(&action)) {
      execute(planId, *x);
    } else if (auto* v = std::get_if<engine::VerifyAction>(&action)) {
      verify(planId, *v);
    } else if (auto* t = std::get_if<engine::TimerAction>(&action)) {
      auto kind = t->kind;
      uint32_t sequence = t->sequence;
      uint64_t mark = t->mark;
      runtime_->at(t->atMillis, [this, planId, kind, sequence, mark] {
        if (kind == engine::TimerAction::Kind::kCatchUp) {
          post(planId, [this, planId, mark] { catchUp(planId, mark); });
          return;
        }
        if (kind == engine::TimerAction::Kind::kLockExpired) {
          post(planId, [this, planId, sequence] { lockExpired(planId, sequence); });
          return;
        }
        if (kind == engine::TimerAction::Kind::kClaimWatch) {
          post(planId, [this, planId, sequence] { claimWatch(planId, sequence, "", false); });
          return;
        }
        Event e;
        e.set_planid(planId);
        if (kind == engine::TimerAction::Kind::kAwait) {
          e.mutable_awaittimer()->set_sequence(sequence);
        } else {
          e.mutable_agreementdeadline();
        }
        postLocal(std::move(e));
      });
    }
  }
}

// On the strand: a hash lock of this router's expired; its engine decides whether to refund it
// outside the plan's steps. No state changes until the ledger answers, so nothing is journaled.
void RouterNode::lockExpired(const std::string& planId, uint32_t refundSequence) {
  auto& plans = strandOf(planId).plans;
  auto it = plans.find(planId);
  if (it == plans.end()) {
    spdlog::info("plan {} seq {}: hash lock expired; the plan is no longer in memory", planId,
                 refundSequence);
    return;
  }
  auto actions = it->second->lockExpired(refundSequence);
  if (actions.empty()) {
    spdlog::info("plan {} seq {}: hash lock expired; the plan's own path refunds it, if at all",
                 planId, refundSequence);
  }
  if (!actions.empty()) {
    spdlog::info("plan {} seq {}: hash lock expired; refunding it without waiting for the plan",
                 planId, refundSequence);
  }
  perform(planId, std::move(actions));
}

// On the strand: a catch-up timer changes no state, so it is not journaled.
void RouterNode::catchUp(const std::string& planId, uint64_t mark) {
  auto& plans = strandOf(planId).plans;
  auto it = plans.find(planId);
  if (it == plans.end()) return;
  perform(planId, it->second->catchUp(mark, now()));
}

namespace {
std::shared_ptr<const finp2p::execution::ExecutionPlan> planOf(
    std::mutex& m,
    std::map<std::string, std::shared_ptr<const finp2p::execution::ExecutionPlan>>& plans,
    const std::string& planId) {
  std::lock_guard lock(m);
  auto it = plans.find(planId);
  if (it == plans.end()) return nullptr;
  return it->second;
}
}  // namespace

void RouterNode::preflight(const std::string& planId, const engine::PreflightAction& action) {
  auto plan = planOf(plansMutex_, activePlans_, planId);
  if (!plan) return;
  auto shared = std::make_shared<const engine::PreflightAction>(action);
  if (action.lookForOwnOperations) return lookForOwnOperations(planId, plan, shared, 0);
  preflightFrom(planId, plan, shared, 0);
}

// A restored router's question to its ledgers: did any of its operations of the plan run?
void RouterNode::lookForOwnOperations(const std::string& planId,
                                      std::shared_ptr<const finp2p::execution::ExecutionPlan> plan,
                                      std::shared_ptr<const engine::PreflightAction> action,
                                      std::size_t next) {
  auto answer = [this, planId](bool found, const std::string& detail) {
    Event e;
    e.set_planid(planId);
    e.mutable_ownoperations()->set_found(found);
    e.mutable_ownoperations()->set_detail(detail);
    postLocal(std::move(e));
  };
  for (; next < action->instructions.size(); ++next) {
    const auto& ins = action->instructions[next];
    const auto* asset = instructionAsset(*plan, ins);
    if (!asset || !ledgers_.ledgerFor(asset->id())) continue;
    auto op = toLedgerOperation(*plan, ins, now() + 30'000);
    std::string key = op.context.idempotencyKey;
    ledgers_.lookup(asset->id(), key,
                    alive([this, planId, plan, action, next, key, answer](ledger::Outcome found) {
                      // A ledger that cannot look up (UNSUPPORTED) is no witness either way.
                      if (found.status == FINP2P_LEDGER_ERROR_NOT_FOUND ||
                          found.status == FINP2P_LEDGER_ERROR_UNSUPPORTED) {
                        return lookForOwnOperations(planId, plan, action, next + 1);
                      }
                      if (found.status == FINP2P_LEDGER_ERROR_UNAVAILABLE ||
                          found.status == FINP2P_LEDGER_ERROR_TIMEOUT ||
                          found.status == FINP2P_LEDGER_ERROR_INTERNAL) {
                        // Not an answer: ask again (the decision waits for the ledger).
                        runtime_->at(now() + 1'000, [this, planId, plan, action, next] {
                          lookForOwnOperations(planId, plan, action, next);
                        });
                        return;
                      }
                      answer(true,
                             key + " (" + std::string(ledger::statusName(found.status)) + ")");
                    }));
    return;
  }
  answer(false, "");
}

// Preflights the instructions one after another; the first failure answers for all.
void RouterNode::preflightFrom(const std::string& planId,
                               std::shared_ptr<const finp2p::execution::ExecutionPlan> plan,
                               std::shared_ptr<const engine::PreflightAction> action,
                               std::size_t next) {
  auto answer = [this, planId](const std::string& failure) {
    Event e;
    e.set_planid(planId);
    e.mutable_preflight()->set_ok(failure.empty());
    e.mutable_preflight()->set_reason(failure);
    postLocal(std::move(e));
  };
  for (; next < action->instructions.size(); ++next) {
    const auto& ins = action->instructions[next];
    const auto* asset = instructionAsset(*plan, ins);
    if (!asset) continue;  // a timed Await needs no ledger
    if (!ledgers_.ledgerFor(asset->id())) {
      return answer("instruction " + std::to_string(ins.sequence()) + ": no ledger of " +
                    config_.engine.self + " serves asset \"" + asset->id() + "\"");
    }
    auto op = toLedgerOperation(*plan, ins, now() + 30'000);
    uint32_t sequence = ins.sequence();
    ledgers_.preflight(
        asset->id(), op,
        alive([this, planId, plan, action, next, sequence, answer](ledger::Outcome outcome) {
          if (!outcome.ok()) {
            return answer("instruction " + std::to_string(sequence) + ": " +
                          ledger::statusName(outcome.status) + ": " + outcome.message);
          }
          preflightFrom(planId, plan, action, next + 1);
        }));
    return;
  }
  answer("");
}

// On the strand: a claim this router watches (it executes it, or serves its beneficiary). Its
// engine decides; the node reads the locks that pay the secret holder from the ledgers it
// serves (a claimed lock shows the preimage it was claimed with, under whatever key), and claims
// without waiting for the plan. Nothing is journaled until the ledger answers. One watch runs
// per claim: a timer of the engine starts it unless it runs already.
void RouterNode::claimWatch(const std::string& planId, uint32_t claimSequence,
                            const std::string& preimageOnLedger, bool started) {
  auto& strand = strandOf(planId);
  auto watch = std::make_pair(planId, claimSequence);
  if (!started && !strand.claimWatches.insert(watch).second) return;  // already watched
  std::unique_ptr<engine::PlanEngine> replayed;  // a terminal plan is no longer in memory
  const auto* engine = findOrReplay(strand, planId, replayed);
  auto w =
      engine ? engine->claimWatch(claimSequence, now(), preimageOnLedger) : engine::ClaimWatch{};
  auto again = [this, planId, claimSequence](int64_t atMillis) {
    runtime_->at(atMillis, [this, planId, claimSequence] {
      post(planId, [this, planId, claimSequence] { claimWatch(planId, claimSequence, "", true); });
    });
  };
  using Next = engine::ClaimWatch::Next;
  if (w.next == Next::kStop) {
    strand.claimWatches.erase(watch);
    return;
  }
  if (w.next == Next::kWait) return again(w.retryAtMillis);
  if (w.next == Next::kClaim) {
    strand.claimWatches.erase(watch);
    spdlog::info(
        "plan {} seq {}: the secret is public and the claim not made; claiming the lock for its "
        "beneficiary without waiting for the plan",
        planId, claimSequence);
    return execute(planId, w.claim, engine->sharedPlan());
  }
  // A preimage the ledger gave that does not open the lock: ask again later, not at once.
  if (!preimageOnLedger.empty()) return again(w.retryAtMillis);
  lookUpLocks(planId, claimSequence, engine->sharedPlan(),
              std::make_shared<engine::ClaimWatch>(std::move(w)), 0);
}

// The locks of a claim watch, one after the other, on the ledgers this router serves: the first
// that shows a preimage goes back to the engine; none does, the watch looks again later.
void RouterNode::lookUpLocks(const std::string& planId, uint32_t claimSequence,
                             std::shared_ptr<const finp2p::execution::ExecutionPlan> plan,
                             std::shared_ptr<engine::ClaimWatch> w, std::size_t next) {
  auto again = [this, planId, claimSequence, at = w->retryAtMillis] {
    runtime_->at(at, [this, planId, claimSequence] {
      post(planId, [this, planId, claimSequence] { claimWatch(planId, claimSequence, "", true); });
    });
  };
  for (; plan && next < w->locksToLookUp.size(); ++next) {
    const auto& lock = w->locksToLookUp[next];
    const auto* asset = instructionAsset(*plan, lock);
    if (!asset || !ledgers_.ledgerFor(asset->id())) continue;
    std::string key = toLedgerOperation(*plan, lock, 0).context.idempotencyKey;
    ledgers_.lookup(
        asset->id(), key,
        alive([this, planId, claimSequence, plan, w, next,
               lockSequence = lock.sequence()](ledger::Outcome found) {
          if (found.ok() && found.receipt && !found.receipt->preimage.empty()) {
            spdlog::info(
                "plan {} seq {}: the ledger shows the lock of instruction {} claimed, with its "
                "preimage",
                planId, claimSequence, lockSequence);
            return post(planId, [this, planId, claimSequence, p = found.receipt->preimage] {
              claimWatch(planId, claimSequence, p, true);
            });
          }
          post(planId, [this, planId, claimSequence, plan, w, next] {
            lookUpLocks(planId, claimSequence, plan, w, next + 1);
          });
        }));
    return;
  }
  again();
}

void RouterNode::execute(const std::string& planId, const engine::ExecuteAction& action,
                         std::shared_ptr<const finp2p::execution::ExecutionPlan> plan) {
  if (!plan) plan = planOf(plansMutex_, activePlans_, planId);
  if (!plan) return;
  const auto& ins = action.instruction;
  const auto* asset = instructionAsset(*plan, ins);
  if (!asset || !ledgers_.ledgerFor(asset->id())) {
    Event e;
    e.set_planid(planId);
    auto* x = e.mutable_instructionexecuted();
    x->set_sequence(ins.sequence());
    x->set_code(1);
    x->set_message("no ledger of " + config_.engine.self + " serves asset \"" +
                   (asset ? asset->id() : std::string()) + "\"");
    postLocal(std::move(e));
    return;
  }
  if (now() < action.notBeforeMillis) {
    spdlog::info("plan {} seq {}: refund waits for the hash lock's expiry, until {} ms", planId,
                 ins.sequence(), action.notBeforeMillis);
    runtime_->at(action.notBeforeMillis,
                 [this, planId, action, plan] { execute(planId, action, plan); });
    return;
  }
  std::string assetId = asset->id();
  auto op =
      std::make_shared<ledger::Operation>(toLedgerOperation(*plan, ins, action.deadlineMillis));
  op->preimage = action.preimage;
  // After a crash the ledger may already have done this: ask before doing it again.
  ledgers_.lookup(
      assetId, op->context.idempotencyKey,
      alive([this, planId, action, plan, assetId, op](ledger::Outcome found) {
        const auto& ins = action.instruction;
        if (found.status != FINP2P_LEDGER_ERROR_NOT_FOUND) {
          spdlog::info("plan {} seq {}: ledger already has {} ({}), not executing again", planId,
                       ins.sequence(), op->context.idempotencyKey,
                       ledger::statusName(found.status));
          executed(planId, action, *plan, std::move(found));
          return;
        }
        spdlog::info("plan {} seq {}: executing {} on ledger {}", planId, ins.sequence(),
                     ledger::operationKindName(op->kind),
                     ledgers_.ledgerFor(assetId).value_or("?"));
        failpoint("before-ledger-execute");
        // The operation completes on the plugin's thread, now or later: a slow ledger (a chain
        // waiting for blocks) does not hold one of the router's threads meanwhile.
        ledgers_.execute(assetId, *op, alive([this, planId, action, plan](ledger::Outcome outcome) {
                           failpoint("after-ledger-execute");
                           executed(planId, action, *plan, std::move(outcome));
                         }));
      }));
}

void RouterNode::executed(const std::string& planId, const engine::ExecuteAction& action,
                          const finp2p::execution::ExecutionPlan& plan, ledger::Outcome outcome) {
  const auto& ins = action.instruction;
  if (isIndeterminate(outcome)) {
    if (!isFinal(outcome) && now() < action.deadlineMillis) {
      spdlog::warn("plan {} seq {}: ledger {}: {}; retrying", planId, ins.sequence(),
                   ledger::statusName(outcome.status), outcome.message);
      runtime_->at(now() + 1000, [this, planId, action] { execute(planId, action); });
      return;
    }
    // A timeout, a crash, an unreachable ledger: the operation may have been applied all the
    // same (a plugin that committed and then died, or answered after the deadline). Failing
    // the instruction now would run its compensation against money that moved; ask the ledger.
    return confirm(planId, action, std::move(outcome), 0);
  }
  Event e;
  e.set_planid(planId);
  *e.mutable_instructionexecuted() =
      toExecuted(ins.sequence(), outcome, instructionAsset(plan, ins));
  postLocal(std::move(e));
}

void RouterNode::confirm(const std::string& planId, const engine::ExecuteAction& action,
                         ledger::Outcome last, int attempt) {
  auto plan = planOf(plansMutex_, activePlans_, planId);
  if (!plan) return;
  const auto* asset = instructionAsset(*plan, action.instruction);
  if (!asset) return;
  std::string assetId = asset->id();
  std::string key =
      toLedgerOperation(*plan, action.instruction, action.deadlineMillis).context.idempotencyKey;
  ledgers_.lookup(
      assetId, key,
      alive([this, planId, action, plan, assetId, key, last, attempt](ledger::Outcome found) {
        const auto seq = action.instruction.sequence();
        if (!isIndeterminate(found) && found.status != FINP2P_LEDGER_ERROR_NOT_FOUND) {
          spdlog::info("plan {} seq {}: ledger has {} as {} (after {}: {})", planId, seq, key,
                       ledger::statusName(found.status), ledger::statusName(last.status),
                       last.message);
          return executed(planId, action, *plan, std::move(found));
        }
        if (found.status == FINP2P_LEDGER_ERROR_NOT_FOUND && !ledgers_.executing(assetId, key)) {
          // Not on the ledger, and no call of it is running any more: it did not happen.
          spdlog::info("plan {} seq {}: ledger has no {}; the {} stands", planId, seq, key,
                       ledger::statusName(last.status));
          Event e;
          e.set_planid(planId);
          auto failure = last.status == FINP2P_LEDGER_PENDING
                             ? ledger::Outcome::failure(FINP2P_LEDGER_ERROR_TIMEOUT,
                                                        "deadline passed while the ledger was "
                                                        "PENDING: " +
                                                            last.message)
                             : last;
          *e.mutable_instructionexecuted() =
              toExecuted(seq, failure, instructionAsset(*plan, action.instruction));
          return postLocal(std::move(e));
        }
        // Still unknown: the plan waits for the ledger (never compensated on a guess), asking
        // again later and later.
        int64_t wait = std::min<int64_t>(int64_t{1000} << std::min(attempt, 5), 30'000);
        if (attempt % 10 == 0) {
          spdlog::warn(
              "plan {} seq {}: outcome of {} unknown ({}: {}; lookup: {}: {}); asking the ledger "
              "again in {} ms",
              planId, seq, key, ledger::statusName(last.status), last.message,
              ledger::statusName(found.status), found.message, wait);
        }
        runtime_->at(now() + wait, [this, planId, action, last, attempt] {
          confirm(planId, action, last, attempt + 1);
        });
      }));
}

void RouterNode::verify(const std::string& planId, const engine::VerifyAction& action) {
  auto answer = [this, planId, sequence = action.sequence, executor = action.executor](
                    bool ok, const std::string& reason) {
    Event e;
    e.set_planid(planId);
    auto* v = e.mutable_completionverified();
    v->set_sequence(sequence);
    v->set_executor(executor);
    v->set_ok(ok);
    v->set_reason(reason);
    postLocal(std::move(e));
  };
  const auto& event = action.event;
  if (event.status().code() != 0 || !event.has_receipt()) return answer(true, "");
  const std::string& asset = event.receipt().asset().id();
  auto ledger = ledgers_.ledgerFor(asset);
  if (!ledger) return answer(true, "");  // not a ledger this router can see
  ledgers_.verify(asset, toLedgerReceipt(event.receipt()),
                  alive([this, answer, name = *ledger](ledger::Outcome outcome) {
                    if (outcome.ok()) return answer(true, "");
                    answer(false, "ledger " + name + " of " + config_.engine.self +
                                      " does not confirm the receipt: " + outcome.message);
                  }));
}

std::unique_ptr<engine::PlanEngine> RouterNode::replay(const std::string& planId,
                                                       const std::vector<Event>& events) {
  auto engine = std::make_unique<engine::PlanEngine>(planId, config_.engine);
  for (const auto& e : events) engine->handle(e);
  engine->takeNotes();
  return engine;
}

const engine::PlanEngine* RouterNode::findOrReplay(Strand& strand, const std::string& planId,
                                                   std::unique_ptr<engine::PlanEngine>& holder) {
  if (auto it = strand.plans.find(planId); it != strand.plans.end()) return it->second.get();
  auto events = journal_.events(planId);
  if (!events || events->empty()) return nullptr;
  holder = replay(planId, *events);
  return holder.get();
}

// A restore recorded once is kept: replays of the plans it affected must decide as they did.
Status RouterNode::noteRestores() {
  constexpr const char* kSince = "restored_since_ms";
  if (config_.restoredJournal) {
    auto newest = journal_.newestEventMillis();
    if (!newest) return newest.error();
    auto count = journal_.meta("restores");
    if (!count) return count.error();
    int64_t n = count->value_or(0);
    // The copy's newest event, less a margin for the peers' clocks and messages in flight.
    int64_t since = *newest - 2 * config_.engine.agreementTimeoutMillis;
    if (auto s = journal_.setMeta("restored_at_ms/" + std::to_string(n), now()); !s) return s;
    if (auto s = journal_.setMeta(kSince, since); !s) return s;
    if (auto s = journal_.setMeta("restores", n + 1); !s) return s;
    spdlog::warn(
        "journal restored from an older copy (its newest entry is from {} ms): asking peers for "
        "everything since {} ms; no plan it held is rejected alone at its deadline",
        *newest, since);
  }
  auto count = journal_.meta("restores");
  if (!count) return count.error();
  config_.engine.restoredAtMillis.clear();
  for (int64_t i = 0; i < count->value_or(0); ++i) {
    auto at = journal_.meta("restored_at_ms/" + std::to_string(i));
    if (!at) return at.error();
    if (at->has_value()) config_.engine.restoredAtMillis.push_back(**at);
  }
  auto since = journal_.meta(kSince);
  if (!since) return since.error();
  restoredSinceMillis_ = since->value_or(0);
  return {};
}

// Within the restore window every recovery asks again, and then every few catch-up intervals.
void RouterNode::askPeersAfterRestore() {
  const auto& restores = config_.engine.restoredAtMillis;
  if (restores.empty() || now() > restores.back() + config_.engine.restoredWindowMillis) return;
  finp2p::execution::ResendRequest request;
  request.set_sincemillis(restoredSinceMillis_);
  std::string id = "resync/" + std::to_string(now());
  for (const auto& peer : config_.peers) {
    if (peer == config_.engine.self) continue;
    spdlog::info("asking {} for every plan that names {} and changed since {} ms", peer,
                 config_.engine.self, restoredSinceMillis_);
    sink_.send(peer, "", id, request, nullptr);
  }
  // Again a little later: a peer that took the request may crash before its re-sent messages
  // were delivered, and it keeps no record of having been asked.
  runtime_->at(now() + 3 * config_.engine.catchUpIntervalMillis,
               [this] { askPeersAfterRestore(); });
}

Status RouterNode::recover() {
  if (auto s = noteRestores(); !s) return s;
  auto unfinished = journal_.unfinishedPlans();
  if (!unfinished) return unfinished.error();
  auto owing = journal_.owingPlans();
  if (!owing) return owing.error();
  for (const auto* ids : {&*unfinished, &*owing}) {
    for (const auto& planId : *ids) {
      auto events = journal_.events(planId);
      if (!events) return events.error();
      auto engine = replay(planId, *events);
      bool finished = engine->hasPlan() && engine::isTerminal(engine->status());
      spdlog::info("plan {} seq {}: recovered as {} from {} journal entries{}", planId,
                   engine->currentSequence(), engine::planStatusName(engine->status()),
                   events->size(), finished ? "; re-sending what peers may have missed" : "");
      auto actions = engine->resume(now());
      if (finished) {
        perform(planId, std::move(actions));
        ended(planId);
        continue;
      }
      if (engine->hasPlan()) {
        std::lock_guard lock(plansMutex_);
        activePlans_[planId] = engine->sharedPlan();
      }
      auto holder = std::make_shared<std::unique_ptr<engine::PlanEngine>>(std::move(engine));
      post(planId, [this, planId, holder, actions = std::move(actions)]() mutable {
        // Recovery runs before peers are served, so nothing else can have created this plan's
        // engine: if something did, the rebuilt state would be silently dropped.
        if (!strandOf(planId).plans.emplace(planId, std::move(*holder)).second) {
          spdlog::critical("plan {}: recovery found it in memory already; stopping", planId);
          std::abort();
        }
        ++plansInFlight_;
        perform(planId, std::move(actions));
      });
    }
  }
  recovered_ = true;  // what peers send now is posted after every rebuilt engine
  askPeersAfterRestore();
  return {};
}

Result<Submitted> RouterNode::submit(finp2p::execution::ExecutionPlan plan, bool newId) {
  auto result = std::make_shared<std::promise<Result<Submitted>>>();
  auto future = result->get_future();
  submitAsync(std::move(plan), newId,
              [result](Result<Submitted> s) { result->set_value(std::move(s)); });
  return future.get();
}

void RouterNode::submitAsync(finp2p::execution::ExecutionPlan plan, bool newId,
                             std::function<void(Result<Submitted>)> done) {
  auto checked = checkSubmission(std::move(plan), newId);
  if (!checked) return done(checked.error());
  std::string id = checked->id().id();
  Event e;
  e.set_planid(id);
  e.set_atmillis(now());
  *e.mutable_plancreated()->mutable_plan() = std::move(*checked);
  deliverAsync(std::move(e), [id, done = std::move(done)](Result<std::string> answer) {
    if (!answer) return done(answer.error());
    done(Submitted{id, *answer == "already submitted"});
  });
}

Result<finp2p::execution::ExecutionPlan> RouterNode::checkSubmission(
    finp2p::execution::ExecutionPlan plan, bool newId) {
  const std::string& self = config_.engine.self;
  if (plan.id().id().empty() || newId) {
    auto id = model::generateExecutionPlanId(self);
    if (!id) return id.error();
    std::string oldId = plan.id().id();
    plan.mutable_id()->set_id(*id);
    for (auto& ins : *plan.mutable_instructions()) {
      if (ins.planid().id().empty() || ins.planid().id() == oldId) {
        ins.mutable_planid()->set_id(*id);
      }
    }
  } else {
    auto given = model::ResourceId::parse(plan.id().id());
    if (!given || given->organizationId != self) {
      return makeError(
          ErrorCode::kInvalidArgument,
          "the plan's id \"" + plan.id().id() + "\" is not one of " + self +
              "'s; leave it empty (or submit with a new id) and the router assigns one");
    }
  }
  fillOwnHashLocks(plan);
  auto violations = model::validatePlan(plan);
  if (violations.empty()) {
    violations = model::checkTimelocks(plan, now() / 1000, config_.engine.hashLockMarginSeconds);
  }
  if (!violations.empty()) {
    std::string why = "invalid plan:";
    for (const auto& v : violations) why += "\n  " + v.toString();
    return makeError(ErrorCode::kInvalidArgument, why);
  }
  // The issuer checks the intent's window and investor signatures before proposing, as every
  // contributor will.
  auto notCovered = investors::checkIntentWindow(plan, now() / 1000);
  if (notCovered.empty()) {
    notCovered = investors::checkInvestorSignatures(
        plan, {.requireSignatures = config_.engine.requireInvestorSignatures});
  }
  if (!notCovered.empty()) {
    std::string why = "investor signatures:";
    for (const auto& v : notCovered) why += "\n  " + v.toString();
    return makeError(ErrorCode::kInvalidArgument, why);
  }
  if (auto reused = signatureUses_.reused(plan.id().id(), plan, false); !reused.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "investor signatures:\n  " + reused);
  }
  bool participant = false;
  for (const auto& p : plan.participants()) participant |= p.organizationid() == self;
  if (!participant) {
    return makeError(ErrorCode::kInvalidArgument, self + " is not a participant of the plan");
  }
  return plan;
}

// The hash of a plan's hash locks whose secret this router holds, left empty in the plan file:
// hashFunction(secret), the secret derived from this router's key and the plan id (CryptoPort).
void RouterNode::fillOwnHashLocks(finp2p::execution::ExecutionPlan& plan) const {
  for (const auto& ins : plan.instructions()) {
    if (!ins.has_hold() || !ins.hold().has_hashlock()) continue;
    const auto& lock = ins.hold().hashlock();
    auto function = ledger::parseHashFunction(lock.hashfunction());
    if (!lock.hash().empty() || lock.secretholder() != config_.engine.self || !function) continue;
    std::string secret = config_.engine.crypto->hashLockSecret(plan.id().id());
    model::fillHashLocks(plan, ledger::toHex(ledger::hashBytes(*function, secret)));
    spdlog::info("plan {}: hash locks under {} of {}'s secret", plan.id().id(), lock.hashfunction(),
                 config_.engine.self);
    return;
  }
}

Result<std::string> RouterNode::deliver(Event event) {
  auto result = std::make_shared<std::promise<Result<std::string>>>();
  auto future = result->get_future();
  deliverAsync(std::move(event),
               [result](Result<std::string> s) { result->set_value(std::move(s)); });
  return future.get();
}

namespace {
Error recovering(const std::string& self) {
  return makeError(ErrorCode::kUnavailable, "router " + self + " is recovering; retry shortly");
}
}  // namespace

void RouterNode::deliverAsync(Event event, std::function<void(Result<std::string>)> done) {
  if (!recovered_) return done(recovering(config_.engine.self));
  if (event.atmillis() == 0) event.set_atmillis(now());
  std::string planId = event.planid();
  post(planId, [this, planId, event = std::move(event), done = std::move(done)]() mutable {
    process(strandOf(planId), std::move(event), std::move(done));
  });
}

Result<std::size_t> RouterNode::resendOwed(Strand& strand, const std::string& from,
                                           const std::string& planId, bool restored) {
  std::unique_ptr<engine::PlanEngine> holder;
  const auto* engine = findOrReplay(strand, planId, holder);
  if (!engine || !engine->hasPlan()) {
    return makeError(ErrorCode::kNotFound, config_.engine.self + " has no plan " + planId);
  }
  const auto& participants = engine->plan().participants();
  if (std::none_of(participants.begin(), participants.end(),
                   [&](const auto& p) { return p.organizationid() == from; })) {
    return makeError(ErrorCode::kPermissionDenied,
                     from + " is not a participant of plan " + planId);
  }
  std::size_t count = 0;
  for (auto& action : engine->owed()) {
    auto* send = std::get_if<engine::SendAction>(&action);
    if (!send || std::find(send->to.begin(), send->to.end(), from) == send->to.end()) continue;
    PeerMessage message = std::visit([](auto& m) { return PeerMessage(m); }, send->message);
    sink_.send(from, planId, send->messageId, message, nullptr);
    ++count;
  }
  if (auto relay = engine->relayToIssuer(from)) {
    sink_.send(from, planId, planId + "/relay-to-issuer", PeerMessage(*relay), nullptr);
    ++count;
  }
  if (auto relay = engine->relayApproval(from)) {
    sink_.send(from, planId, planId + "/relay-approval", PeerMessage(*relay), nullptr);
    ++count;
  } else if (engine->status() == engine::PlanStatus::kRejected) {
    if (auto rejected = engine->relayRejection(from)) {
      sink_.send(from, planId, planId + "/relay-rejection", PeerMessage(*rejected), nullptr);
      ++count;
    }
    if (restored) {
      // Rejected here: this router will never hold the asker's approval as one that counts.
      auto fence = engine->fenceMessage(from, false);
      PeerMessage message = std::visit([](auto& m) { return PeerMessage(m); }, fence.message);
      sink_.send(from, planId, fence.messageId, message, nullptr);
      ++count;
    }
  } else if (restored && engine->mayFence(from) && strand.plans.count(planId)) {
    // It cannot tell whether it approved: this router holds no approval of it and will ignore
    // one from now on (the fence is journaled and sent as the plan's own action).
    Event fence;
    fence.set_planid(planId);
    fence.set_atmillis(now());
    fence.mutable_peerfenced()->set_organization(from);
    process(strand, std::move(fence), [](Result<std::string>) {});
    ++count;
  }
  spdlog::info("plan {}: re-sending {} messages to {} at its request", planId, count, from);
  return count;
}

void RouterNode::resendRequested(const std::string& from, const std::string& planId, bool restored,
                                 std::function<void(Result<std::string>)> done) {
  if (!recovered_) return done(recovering(config_.engine.self));
  post(planId, [this, from, planId, restored, done = std::move(done)] {
    auto count = resendOwed(strandOf(planId), from, planId, restored);
    if (!count) return done(count.error());
    done("re-sending " + std::to_string(*count) + " messages");
  });
}

void RouterNode::resendAllRequested(const std::string& from, int64_t sinceMillis,
                                    std::function<void(Result<std::string>)> done) {
  if (!recovered_) return done(recovering(config_.engine.self));
  auto ids = journal_.plansChangedSince(sinceMillis, kMaxResyncPlans);
  if (!ids) return done(ids.error());
  spdlog::warn("{} asks for every plan that names it and changed since {} ms: {} candidates", from,
               sinceMillis, ids->size());
  for (const auto& planId : *ids) {
    // Plans that do not name the asker are skipped: it learns nothing about them.
    post(planId, [this, from, planId] { (void)resendOwed(strandOf(planId), from, planId, false); });
  }
  done("re-sending the plans of " + std::to_string(ids->size()) + " changed since then");
}

Result<ExecutionView> RouterNode::get(const std::string& planId) {
  auto summary = journal_.summary(planId);
  if (!summary) return summary.error();
  if (!summary->has_value()) return makeError(ErrorCode::kNotFound, "no plan " + planId);
  ExecutionView view;
  view.summary = **summary;
  using Snapshot = std::pair<finp2p::execution::Execution, std::vector<engine::StepView>>;
  auto snapshot = std::make_shared<std::promise<std::optional<Snapshot>>>();
  auto future = snapshot->get_future();
  post(planId, [this, planId, snapshot] {
    auto& plans = strandOf(planId).plans;
    auto it = plans.find(planId);
    if (it == plans.end()) return snapshot->set_value(std::nullopt);
    snapshot->set_value(Snapshot{it->second->execution(), it->second->steps()});
  });
  if (auto live = future.get()) {
    view.execution = std::move(live->first);
    view.steps = std::move(live->second);
  } else {
    auto events = journal_.events(planId);
    if (!events) return events.error();
    auto engine = replay(planId, *events);
    view.execution = engine->execution();
    view.steps = engine->steps();
  }
  if (auto head = journal_.localHead(planId)) view.localJournalHead = *head;
  // The summary may lag the live state by one commit; take both from the same source.
  auto fresh = journal_.summary(planId);
  if (fresh && fresh->has_value()) view.summary = **fresh;
  return view;
}

Result<std::vector<journal::PlanSummary>> RouterNode::list(const std::string& status,
                                                           uint32_t limit) {
  return journal_.list(status, limit);
}

Result<std::vector<journal::PlanSummary>> RouterNode::list(const journal::PlanQuery& query) {
  return journal_.list(query);
}

void RouterNode::setTerminalListener(std::function<void(const journal::PlanSummary&)> listener) {
  terminalListener_ = std::move(listener);
}

std::size_t RouterNode::plansInMemory() {
  std::lock_guard lock(plansMutex_);
  return activePlans_.size();
}

}  // namespace finp2p::node
