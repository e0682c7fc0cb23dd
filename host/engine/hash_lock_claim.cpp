// PlanEngine: the claim of a hash lock by its beneficiary's router once the secret is public,
// without waiting for the plan (docs/protocol.md, "A claim needs nobody"). The mirror of
// hash_lock_expiry.cpp: a timer in, a decision out; nothing is journaled but the ledger's outcome.

#include "engine/plan_engine.hpp"
#include "finp2p/ledger/hash_lock.hpp"
#include "model/hash_lock.hpp"

namespace finp2p::engine {

int64_t PlanEngine::timeoutMillis(const finp2p::execution::ExecutionInstruction& ins) const {
  return ins.timeoutseconds() > 0 ? int64_t{ins.timeoutseconds()} * 1000
                                  : config_.defaultInstructionTimeoutMillis;
}

bool PlanEngine::watchesClaim(const finp2p::execution::ExecutionInstruction& ins) const {
  if (model::lockRole(*plan_, ins) != model::LockRole::kClaim) return false;
  if (model::lockOf(*plan_, ins)->secretholder() == config_.self) return false;  // its own secret
  return executes(ins, config_.self) ||
         model::beneficiaryRouter(ins.release().destination()) == config_.self;
}

const finp2p::execution::ExecutionInstruction* PlanEngine::revealingClaimStarted() const {
  for (const auto& ins : plan_->instructions()) {
    if (model::lockRole(*plan_, ins) == model::LockRole::kClaim &&
        executes(ins, model::lockOf(*plan_, ins)->secretholder()) && steps_.count(ins.sequence())) {
      return &ins;
    }
  }
  return nullptr;
}

void PlanEngine::claimWatchTimers(int64_t at, Actions& out) const {
  if (!revealingClaimStarted()) return;
  for (const auto& ins : plan_->instructions()) {
    if (!watchesClaim(ins)) continue;
    out.push_back(TimerAction{TimerAction::Kind::kClaimWatch, ins.sequence(),
                              at + kClaimWatchIntervalMillis});
  }
}

ClaimWatch PlanEngine::claimWatch(uint32_t claimSequence, int64_t nowMillis,
                                  const std::string& preimageOnLedger) const {
  ClaimWatch w;
  const auto* claim = havePlan_ ? instruction(claimSequence) : nullptr;
  if (!claim || status_ != PlanStatus::kInProgress || !watchesClaim(*claim)) return w;
  const auto* lock = model::lockOf(*plan_, *claim);
  if (nowMillis >= lock->expiry() * 1000) return w;  // the ledger refuses it; the refund is due
  auto step = steps_.find(claimSequence);
  bool mine = executes(*claim, config_.self);
  if (step != steps_.end()) {
    // Reached by the plan: its executor's own execution runs (or ran) it.
    if (mine || step->second.settled) return w;
    for (const auto& [executor, c] : step->second.byExecutor) {
      if (c.event.status().code() == 0) return w;  // claimed, as its executor says
    }
  }
  const auto* revealing = revealingClaimStarted();
  if (!revealing) return w;
  std::string preimage = claimPreimage(*claim);
  if (preimage.empty() && !preimageOnLedger.empty() &&
      ledger::checkPreimage(lock->hashfunction(), lock->hash(), preimageOnLedger).empty()) {
    preimage = preimageOnLedger;
  }
  w.retryAtMillis = nowMillis + kClaimWatchIntervalMillis;
  if (preimage.empty()) {
    // Not revealed to this router yet: the secret holder's claim may be on a ledger it serves.
    w.next = ClaimWatch::Next::kLookUp;
    w.revealingClaim = *revealing;
    return w;
  }
  if (!mine) {
    // The claim's executor has its own time to run it first: from the plan reaching the claim,
    // or (not reached: the plan stopped at the revealing claim) from that claim's deadline.
    int64_t from = step != steps_.end() ? step->second.startedAtMillis
                                        : steps_.at(revealing->sequence()).startedAtMillis +
                                              timeoutMillis(*revealing);
    int64_t due = from + timeoutMillis(*claim);
    if (nowMillis < due) {
      w.next = ClaimWatch::Next::kWait;
      w.retryAtMillis = due;
      return w;
    }
  }
  w.next = ClaimWatch::Next::kClaim;
  w.claim.instruction = *claim;
  w.claim.preimage = preimage;
  w.claim.deadlineMillis = std::min(nowMillis + timeoutMillis(*claim), lock->expiry() * 1000);
  return w;
}

}  // namespace finp2p::engine
