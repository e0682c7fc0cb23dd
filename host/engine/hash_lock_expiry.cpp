// PlanEngine: the refund of an expired hash lock by its owner's router, outside the plan's steps
// (docs/protocol.md, "Hash time-locked legs"). Pure like the rest of the engine: a timer in, an
// ExecuteAction out; nothing is journaled but the ledger's outcome.

#include "engine/plan_engine.hpp"
#include "model/hash_lock.hpp"

namespace finp2p::engine {

// This router locked it: its own execution of the lock succeeded (settled or not: the lock is on
// the ledger either way, and its refund needs nobody's approval).
bool PlanEngine::ownLockHeld(uint32_t sequence) const {
  auto it = steps_.find(sequence);
  if (it == steps_.end()) return false;
  auto own = it->second.byExecutor.find(config_.self);
  return own != it->second.byExecutor.end() && own->second.event.status().code() == 0 &&
         model::lockRole(*plan_, own->second.event.instruction()) == model::LockRole::kLock;
}

void PlanEngine::lockExpiryTimers(uint32_t lockSequence, Actions& out) const {
  if (!ownLockHeld(lockSequence)) return;
  for (const auto& ins : plan_->instructions()) {
    if (model::lockRole(*plan_, ins) != model::LockRole::kRefund || !executes(ins, config_.self) ||
        ins.reverthold().holdinstructionsequence() != lockSequence) {
      continue;
    }
    out.push_back(
        TimerAction{TimerAction::Kind::kLockExpired, ins.sequence(),
                    model::refundNotBeforeMillis(*plan_, ins) + config_.refundDelayMillis});
  }
}

std::vector<Action> PlanEngine::lockExpired(uint32_t refundSequence) const {
  Actions out;
  const auto* refund = havePlan_ ? instruction(refundSequence) : nullptr;
  if (!refund || status_ != PlanStatus::kInProgress || currentSequence_ == refundSequence ||
      model::lockRole(*plan_, *refund) != model::LockRole::kRefund) {
    return out;  // the plan's own path runs (or ran) it
  }
  if (!ownLockHeld(refund->reverthold().holdinstructionsequence())) return out;
  if (steps_.count(refundSequence)) return out;  // reached before: its outcome is the plan's
  // The secret holder refunds early only while it has revealed nothing: once one of its claims
  // has started, the preimage may be on a ledger and the counterparty entitled to this lock.
  for (const auto& ins : plan_->instructions()) {
    if (model::lockRole(*plan_, ins) == model::LockRole::kClaim &&
        model::lockOf(*plan_, ins)->secretholder() == config_.self &&
        steps_.count(ins.sequence())) {
      return out;
    }
  }
  int64_t timeout = refund->timeoutseconds() > 0 ? int64_t{refund->timeoutseconds()} * 1000
                                                 : config_.defaultInstructionTimeoutMillis;
  ExecuteAction action;
  action.instruction = *refund;
  action.notBeforeMillis =
      model::refundNotBeforeMillis(*plan_, *refund) + config_.refundDelayMillis;
  action.deadlineMillis = action.notBeforeMillis + timeout;
  out.push_back(std::move(action));
  return out;
}

}  // namespace finp2p::engine
