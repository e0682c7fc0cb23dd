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

bool PlanEngine::claimWatchRuns() const {
  // From the plan's first step (a lock may be claimed, under any key, as soon as it is on its
  // ledger) until it completed; also in a failed or halted plan, whose locks may still be
  // claimable until they expire.
  return havePlan_ && !steps_.empty() && status_ != PlanStatus::kProposed &&
         status_ != PlanStatus::kRejected && status_ != PlanStatus::kCompleted;
}

std::vector<finp2p::execution::ExecutionInstruction> PlanEngine::locksPayingTheHolder() const {
  std::vector<finp2p::execution::ExecutionInstruction> out;
  for (const auto& ins : plan_->instructions()) {
    if (model::lockRole(*plan_, ins) == model::LockRole::kLock &&
        model::beneficiaryRouter(ins.hold().destination()) ==
            ins.hold().hashlock().secretholder()) {
      out.push_back(ins);
    }
  }
  return out;
}

void PlanEngine::claimWatchTimers(int64_t at, Actions& out) const {
  if (!claimWatchRuns()) return;
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
  if (!claim || !claimWatchRuns() || !watchesClaim(*claim)) return w;
  const auto* lock = model::lockOf(*plan_, *claim);
  if (nowMillis >= lock->expiry() * 1000) return w;  // the ledger refuses it; the refund is due
  auto step = steps_.find(claimSequence);
  bool mine = executes(*claim, config_.self);
  if (step != steps_.end()) {
    // Reached by the plan and still on it: its executor's own execution runs (or ran) it.
    if (step->second.settled) return w;
    if (mine && status_ == PlanStatus::kInProgress) return w;
    for (const auto& [executor, c] : step->second.byExecutor) {
      if (c.event.status().code() == 0) return w;  // claimed, as its executor says
    }
  }
  std::string preimage = claimPreimage(*claim);
  if (preimage.empty() && !preimageOnLedger.empty() &&
      ledger::checkPreimage(lock->hashfunction(), lock->hash(), preimageOnLedger).empty()) {
    preimage = preimageOnLedger;
  }
  w.retryAtMillis = nowMillis + kClaimWatchIntervalMillis;
  if (preimage.empty()) {
    // Not revealed to this router yet: a lock that pays the secret holder may have been claimed
    // on a ledger it serves, under the plan's key or any other (the ledger's lookup of the lock
    // shows the preimage it was claimed with).
    w.next = ClaimWatch::Next::kLookUp;
    w.locksToLookUp = locksPayingTheHolder();
    return w;
  }
  if (!mine && step != steps_.end() && status_ == PlanStatus::kInProgress) {
    // The claim's executor has the claim's timeout, from the plan reaching it, to run it first,
    // but never so long that the beneficiary could not claim before the lock's expiry.
    int64_t due = std::min(step->second.startedAtMillis + timeoutMillis(*claim),
                           lock->expiry() * 1000 - config_.hashLockMarginSeconds * 1000 / 2);
    if (nowMillis < due) {
      w.next = ClaimWatch::Next::kWait;
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
