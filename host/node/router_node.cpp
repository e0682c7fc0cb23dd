#include "node/router_node.hpp"

#include <pthread.h>

#include <spdlog/spdlog.h>

#include <future>

#include "common/failpoint.hpp"
#include "engine/messages.hpp"
#include "model/plan_validation.hpp"
#include "model/resource_id.hpp"
#include "node/ledger_ops.hpp"

namespace finp2p::node {

using finp2p::journal::Event;

int64_t nowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RouterNode::RouterNode(NodeConfig config, journal::Journal& journal,
                       ledgers::LedgerRegistry& ledgers, MessageSink& sink)
    : config_(std::move(config)),
      journal_(journal),
      ledgers_(ledgers),
      sink_(sink),
      ledgerPool_(config_.ledgerThreads, "ledger-calls") {
  for (int i = 0; i < std::max(1, config_.strands); ++i) {
    auto strand = std::make_unique<Strand>();
    Strand* raw = strand.get();
    strand->thread = std::thread([this, raw] {
      pthread_setname_np(pthread_self(), "plan-strand");
      runStrand(*raw);
    });
    strands_.push_back(std::move(strand));
  }
}

RouterNode::~RouterNode() {
  {
    // Ledger completions still to come find the router gone and do nothing.
    std::lock_guard lock(liveness_->mutex);
    liveness_->alive = false;
  }
  for (auto& s : strands_) {
    {
      std::lock_guard lock(s->mutex);
      s->stopping = true;
    }
    s->cv.notify_all();
    s->thread.join();
  }
}

RouterNode::Strand& RouterNode::strandOf(const std::string& planId) {
  return *strands_[std::hash<std::string>{}(planId) % strands_.size()];
}

void RouterNode::post(const std::string& planId, std::function<void()> task) {
  Strand& s = strandOf(planId);
  {
    std::lock_guard lock(s.mutex);
    s.tasks.push_back(std::move(task));
  }
  s.cv.notify_one();
}

void RouterNode::runStrand(Strand& s) {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(s.mutex);
      s.cv.wait(lock, [&] { return s.stopping || !s.tasks.empty(); });
      if (s.stopping) return;
      task = std::move(s.tasks.front());
      s.tasks.pop_front();
    }
    task();
  }
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
void RouterNode::process(Strand& strand, Event event, Answer done) {
  const std::string planId = event.planid();
  if (auto s = engine::PlanEngine::authorizeProposer(event); !s) {
    done(s.error());
    return;
  }
  auto it = strand.plans.find(planId);
  if (it == strand.plans.end()) {
    auto known = journal_.summary(planId);
    if (known.ok() && known->has_value() && (*known)->terminal) {
      // A late or repeated message for a finished plan changes nothing.
      done("plan " + planId + " already ended " + (*known)->status + "; nothing changed");
      return;
    }
    std::string why;
    if (!admit(strand, event, why)) {
      done(makeError(ErrorCode::kUnavailable, why + "; refusing plan " + planId + " for now"));
      return;
    }
    it = strand.plans.emplace(planId, std::make_unique<engine::PlanEngine>(planId, config_.engine))
             .first;
  }
  engine::PlanEngine& engine = *it->second;
  if (auto s = engine.authorize(event); !s) {
    done(s.error());
    return;
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
  batch.summary = summarize(engine, nowMillis());
  bool terminal = batch.summary.terminal;
  std::optional<journal::PlanSummary> ended;
  if (terminal && !engine::isTerminal(beforeStatus)) ended = batch.summary;
  failpoint("before-journal-append");
  journal_.append(std::move(batch), [this, planId, actions = std::move(actions), done, terminal,
                                     ended](Status s) mutable {
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
      post(planId, [this, planId] {
        release(strandOf(planId), planId);  // its state stays in the journal
        std::lock_guard lock(plansMutex_);
        activePlans_.erase(planId);
      });
    }
    done(std::string("accepted"));
  });
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
  event.set_atmillis(nowMillis());
  std::string planId = event.planid();
  post(planId, [this, planId, event = std::move(event)]() mutable {
    process(strandOf(planId), std::move(event), [](Result<std::string>) {});
  });
}

void RouterNode::perform(const std::string& planId, std::vector<engine::Action> actions) {
  for (auto& action : actions) {
    if (auto* send = std::get_if<engine::SendAction>(&action)) {
      for (const auto& to : send->to) sink_.send(to, planId, send->messageId, send->message);
    } else if (auto* p = std::get_if<engine::PreflightAction>(&action)) {
      ledgerPool_.post([this, planId, p = *p] { preflight(planId, p); });
    } else if (auto* x = std::get_if<engine::ExecuteAction>(&action)) {
      ledgerPool_.post([this, planId, x = *x] { execute(planId, x); });
    } else if (auto* v = std::get_if<engine::VerifyAction>(&action)) {
      ledgerPool_.post([this, planId, v = *v] { verify(planId, v); });
    } else if (auto* t = std::get_if<engine::TimerAction>(&action)) {
      auto kind = t->kind;
      uint32_t sequence = t->sequence;
      timers_.at(t->atMillis, [this, planId, kind, sequence] {
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
  std::string failure;
  for (const auto& ins : action.instructions) {
    const auto* asset = instructionAsset(*plan, ins);
    if (!asset) continue;  // a timed Await needs no ledger
    auto plugin = ledgers_.forAsset(asset->id());
    if (!plugin) {
      failure = "instruction " + std::to_string(ins.sequence()) + ": no ledger of " +
                config_.engine.self + " serves asset \"" + asset->id() + "\"";
      break;
    }
    auto op = toLedgerOperation(*plan, ins, nowMillis() + 30'000);
    auto outcome = plugin->preflightAndWait(op);
    if (!outcome.ok()) {
      failure = "instruction " + std::to_string(ins.sequence()) + ": " +
                ledger::statusName(outcome.status) + ": " + outcome.message;
      break;
    }
  }
  Event e;
  e.set_planid(planId);
  e.mutable_preflight()->set_ok(failure.empty());
  e.mutable_preflight()->set_reason(failure);
  postLocal(std::move(e));
}

void RouterNode::execute(const std::string& planId, const engine::ExecuteAction& action) {
  auto plan = planOf(plansMutex_, activePlans_, planId);
  if (!plan) return;
  const auto& ins = action.instruction;
  const auto* asset = instructionAsset(*plan, ins);
  auto plugin = asset ? ledgers_.forAsset(asset->id()) : nullptr;
  if (!plugin) {
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
  auto op = toLedgerOperation(*plan, ins, action.deadlineMillis);
  // After a crash the ledger may already have done this: ask before doing it again.
  ledger::Outcome found = plugin->lookupAndWait(op.context.idempotencyKey);
  if (found.status != FINP2P_LEDGER_ERROR_NOT_FOUND) {
    spdlog::info("plan {} seq {}: ledger already has {} ({}), not executing again", planId,
                 ins.sequence(), op.context.idempotencyKey, ledger::statusName(found.status));
    executed(planId, action, *plan, std::move(found));
    return;
  }
  spdlog::info("plan {} seq {}: executing {} on ledger {}", planId, ins.sequence(),
               ledger::operationKindName(op.kind), plugin->description().name);
  failpoint("before-ledger-execute");
  // The operation completes on the plugin's thread, now or later: a slow ledger (a chain
  // waiting for blocks) does not hold one of the router's ledger threads meanwhile.
  plugin->execute(op, [this, life = liveness_, planId, action, plan](ledger::Outcome outcome) {
    std::lock_guard alive(life->mutex);
    if (!life->alive) return;  // the router is shutting down; the journal has not changed
    failpoint("after-ledger-execute");
    executed(planId, action, *plan, std::move(outcome));
  });
}

void RouterNode::executed(const std::string& planId, const engine::ExecuteAction& action,
                          const finp2p::execution::ExecutionPlan& plan, ledger::Outcome outcome) {
  const auto& ins = action.instruction;
  if (!isFinal(outcome)) {
    if (nowMillis() < action.deadlineMillis) {
      spdlog::warn("plan {} seq {}: ledger {}: {}; retrying", planId, ins.sequence(),
                   ledger::statusName(outcome.status), outcome.message);
      timers_.at(nowMillis() + 1000, [this, planId, action] {
        ledgerPool_.post([this, planId, action] { execute(planId, action); });
      });
      return;
    }
    outcome = ledger::Outcome::failure(
        FINP2P_LEDGER_ERROR_TIMEOUT,
        "deadline passed while the ledger was " + std::string(ledger::statusName(outcome.status)));
  }
  Event e;
  e.set_planid(planId);
  *e.mutable_instructionexecuted() =
      toExecuted(ins.sequence(), outcome, instructionAsset(plan, ins));
  postLocal(std::move(e));
}

void RouterNode::verify(const std::string& planId, const engine::VerifyAction& action) {
  Event e;
  e.set_planid(planId);
  auto* v = e.mutable_completionverified();
  v->set_sequence(action.sequence);
  v->set_executor(action.executor);
  v->set_ok(true);
  const auto& event = action.event;
  if (event.status().code() == 0 && event.has_receipt()) {
    if (auto plugin = ledgers_.forAsset(event.receipt().asset().id())) {
      auto outcome = plugin->verifyAndWait(toLedgerReceipt(event.receipt()));
      if (!outcome.ok()) {
        v->set_ok(false);
        v->set_reason("ledger " + plugin->description().name + " of " + config_.engine.self +
                      " does not confirm the receipt: " + outcome.message);
      }
    }
  }
  postLocal(std::move(e));
}

std::unique_ptr<engine::PlanEngine> RouterNode::replay(const std::string& planId,
                                                       const std::vector<Event>& events) {
  auto engine = std::make_unique<engine::PlanEngine>(planId, config_.engine);
  for (const auto& e : events) engine->handle(e);
  engine->takeNotes();
  return engine;
}

Status RouterNode::recover() {
  auto unfinished = journal_.unfinishedPlans();
  if (!unfinished) return unfinished.error();
  for (const auto& planId : *unfinished) {
    auto events = journal_.events(planId);
    if (!events) return events.error();
    auto engine = replay(planId, *events);
    spdlog::info("plan {} seq {}: recovered as {} from {} journal entries", planId,
                 engine->currentSequence(), engine::planStatusName(engine->status()),
                 events->size());
    auto actions = engine->resume(nowMillis());
    if (engine->hasPlan()) {
      std::lock_guard lock(plansMutex_);
      activePlans_[planId] = engine->sharedPlan();
    }
    std::promise<void> placed;
    auto holder = std::make_shared<std::unique_ptr<engine::PlanEngine>>(std::move(engine));
    post(planId, [this, planId, &placed, holder, actions = std::move(actions)]() mutable {
      if (strandOf(planId).plans.emplace(planId, std::move(*holder)).second) ++plansInFlight_;
      perform(planId, std::move(actions));
      placed.set_value();
    });
    placed.get_future().wait();
  }
  return {};
}

Result<std::string> RouterNode::submit(finp2p::execution::ExecutionPlan plan) {
  const std::string& self = config_.engine.self;
  auto id = model::generateExecutionPlanId(self);
  if (!id) return id.error();
  if (!plan.id().id().empty()) {
    auto given = model::ResourceId::parse(plan.id().id());
    if (!given || given->organizationId != self) {
      return makeError(ErrorCode::kInvalidArgument,
                       "the plan's id \"" + plan.id().id() + "\" is not one of " + self +
                           "'s; leave it empty and the router assigns one");
    }
  }
  std::string oldId = plan.id().id();
  plan.mutable_id()->set_id(*id);
  for (auto& ins : *plan.mutable_instructions()) {
    if (ins.planid().id().empty() || ins.planid().id() == oldId) ins.mutable_planid()->set_id(*id);
  }
  auto violations = model::validatePlan(plan);
  if (!violations.empty()) {
    std::string why = "invalid plan:";
    for (const auto& v : violations) why += "\n  " + v.toString();
    return makeError(ErrorCode::kInvalidArgument, why);
  }
  bool participant = false;
  for (const auto& p : plan.participants()) participant |= p.organizationid() == self;
  if (!participant) {
    return makeError(ErrorCode::kInvalidArgument, self + " is not a participant of the plan");
  }
  Event e;
  e.set_planid(*id);
  e.set_atmillis(nowMillis());
  *e.mutable_plancreated()->mutable_plan() = plan;
  if (auto s = deliver(std::move(e)); !s) return s.error();
  return *id;
}

Result<std::string> RouterNode::deliver(Event event) {
  auto result = std::make_shared<std::promise<Result<std::string>>>();
  auto future = result->get_future();
  deliverAsync(std::move(event),
               [result](Result<std::string> s) { result->set_value(std::move(s)); });
  return future.get();
}

void RouterNode::deliverAsync(Event event, std::function<void(Result<std::string>)> done) {
  if (event.atmillis() == 0) event.set_atmillis(nowMillis());
  std::string planId = event.planid();
  post(planId, [this, planId, event = std::move(event), done = std::move(done)]() mutable {
    process(strandOf(planId), std::move(event), std::move(done));
  });
}

Result<ExecutionView> RouterNode::get(const std::string& planId) {
  auto summary = journal_.summary(planId);
  if (!summary) return summary.error();
  if (!summary->has_value()) return makeError(ErrorCode::kNotFound, "no plan " + planId);
  ExecutionView view;
  view.summary = **summary;
  auto snapshot = std::make_shared<std::promise<std::optional<finp2p::execution::Execution>>>();
  auto future = snapshot->get_future();
  post(planId, [this, planId, snapshot] {
    auto& plans = strandOf(planId).plans;
    auto it = plans.find(planId);
    snapshot->set_value(it == plans.end() ? std::nullopt : std::optional(it->second->execution()));
  });
  if (auto live = future.get()) {
    view.execution = *live;
  } else {
    auto events = journal_.events(planId);
    if (!events) return events.error();
    view.execution = replay(planId, *events)->execution();
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

void RouterNode::setTerminalListener(std::function<void(const journal::PlanSummary&)> listener) {
  terminalListener_ = std::move(listener);
}

std::size_t RouterNode::plansInMemory() {
  std::lock_guard lock(plansMutex_);
  return activePlans_.size();
}

}  // namespace finp2p::node
