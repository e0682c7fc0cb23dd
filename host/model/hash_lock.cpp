#include "model/hash_lock.hpp"

#include "finp2p/ledger/hash_lock.hpp"
#include "model/decimal.hpp"
#include "model/receipt_check.hpp"
#include "model/resource_id.hpp"
#include "model/transitions.hpp"

namespace finp2p::model {
namespace {

using finp2p::execution::ExecutionInstruction;
using finp2p::execution::ExecutionPlan;
using finp2p::execution::HashLock;
using finp2p::execution::Participant;

const ExecutionInstruction* holdFor(const ExecutionPlan& plan, uint32_t sequence) {
  auto index = findInstruction(plan, sequence);
  if (!index) return nullptr;
  const auto& hold = plan.instructions(static_cast<int>(*index));
  return hold.has_hold() && hold.hold().has_hashlock() ? &hold : nullptr;
}

// The hold instruction a claim or refund is about (the lock itself for a lock).
const ExecutionInstruction* lockInstruction(const ExecutionPlan& plan,
                                            const ExecutionInstruction& ins) {
  switch (ins.operation_case()) {
    case ExecutionInstruction::kHold:
      return ins.hold().has_hashlock() ? &ins : nullptr;
    case ExecutionInstruction::kRelease:
      return holdFor(plan, ins.release().holdinstructionsequence());
    case ExecutionInstruction::kRevertHold:
      return holdFor(plan, ins.reverthold().holdinstructionsequence());
    default:
      return nullptr;
  }
}

std::string at(int index) {
  return "instructions[" + std::to_string(index) + "]";
}

bool isContributor(const ExecutionPlan& plan, const std::string& org) {
  for (const auto& p : plan.participants()) {
    if (p.organizationid() != org) continue;
    for (int r : p.roles()) {
      if (r == Participant::Contributor) return true;
    }
  }
  return false;
}

// The first claim in sequence order, and its position.
const ExecutionInstruction* firstClaim(const ExecutionPlan& plan, int* position) {
  for (int i = 0; i < plan.instructions_size(); ++i) {
    if (lockRole(plan, plan.instructions(i)) == LockRole::kClaim) {
      if (position) *position = i;
      return &plan.instructions(i);
    }
  }
  return nullptr;
}

}  // namespace

std::string beneficiaryRouter(const finp2p::execution::OwnerAccount& destination) {
  if (destination.account().has_finp2p()) {
    const auto& f = destination.account().finp2p();
    if (!f.custodianorgid().empty()) return f.custodianorgid();
    if (!f.orgid().empty()) return f.orgid();
  }
  const auto& owner = destination.owner().id();
  return owner.substr(0, owner.find(':'));
}

LockRole lockRole(const ExecutionPlan& plan, const ExecutionInstruction& ins) {
  if (!lockInstruction(plan, ins)) return LockRole::kNone;
  switch (ins.operation_case()) {
    case ExecutionInstruction::kHold:
      return LockRole::kLock;
    case ExecutionInstruction::kRelease:
      return LockRole::kClaim;
    default:
      return LockRole::kRefund;
  }
}

const HashLock* lockOf(const ExecutionPlan& plan, const ExecutionInstruction& ins) {
  const auto* hold = lockInstruction(plan, ins);
  return hold ? &hold->hold().hashlock() : nullptr;
}

bool hasHashLocks(const ExecutionPlan& plan) {
  for (const auto& ins : plan.instructions()) {
    if (ins.has_hold() && ins.hold().has_hashlock()) return true;
  }
  return false;
}

void validateHashLocks(const ExecutionPlan& plan, bool requireHashes, std::vector<Violation>& out) {
  int first = -1;  // the first lock, which the others must agree with
  int locks = 0;
  for (int i = 0; i < plan.instructions_size(); ++i) {
    const auto& ins = plan.instructions(i);
    if (lockRole(plan, ins) != LockRole::kLock) continue;
    ++locks;
    const auto& lock = ins.hold().hashlock();
    std::string p = at(i) + ".hold.hashLock";
    if (!ledger::parseHashFunction(lock.hashfunction())) {
      out.push_back({p + ".hashFunction",
                     "\"" + lock.hashfunction() + "\" is not a hash function (sha256, keccak256)"});
    }
    if (lock.hash().empty()) {
      if (requireHashes) {
        out.push_back({p + ".hash", "missing: the secret holder's router fills it in at submit"});
      }
    } else if (auto why = ledger::checkHashHex(lock.hash()); !why.empty()) {
      out.push_back({p + ".hash", why});
    }
    if (lock.expiry() <= 0) out.push_back({p + ".expiry", "needs an expiry (epoch seconds)"});
    if (!isContributor(plan, lock.secretholder())) {
      out.push_back({p + ".secretHolder",
                     "\"" + lock.secretholder() + "\" is not a contributor of the plan"});
    }
    auto issuer = ResourceId::parse(plan.id().id());
    if (issuer && lock.secretholder() != issuer->organizationId) {
      out.push_back({p + ".secretHolder", "\"" + lock.secretholder() +
                                              "\" is not the plan's issuer " +
                                              issuer->organizationId +
                                              " (whose router generates the secret at submit)"});
    }
    if (!ins.hold().has_destination()) {
      out.push_back({at(i) + ".hold.destination", "a hash lock needs its beneficiary"});
    }
    if (first < 0) {
      first = i;
      continue;
    }
    const auto& one = plan.instructions(first).hold().hashlock();
    std::string other = " differs from " + at(first) + "'s";
    if (lock.hash() != one.hash()) out.push_back({p + ".hash", "the hash" + other});
    if (lock.hashfunction() != one.hashfunction()) {
      out.push_back({p + ".hashFunction", "the hash function" + other});
    }
    if (lock.secretholder() != one.secretholder()) {
      out.push_back({p + ".secretHolder", "the secret holder" + other});
    }
  }
  if (locks == 0) return;
  if (locks < 2) {
    out.push_back({at(first) + ".hold.hashLock",
                   "a hash lock alone swaps nothing: a plan with hash locks needs two or more"});
  }
  int firstClaimAt = -1;
  const auto* claim = firstClaim(plan, &firstClaimAt);
  const std::string& holder = plan.instructions(first).hold().hashlock().secretholder();
  if (claim) {
    if (claim->organizations_size() != 1 || claim->organizations(0) != holder) {
      out.push_back(
          {at(firstClaimAt) + ".organizations",
           "the first claim reveals the secret: only its holder " + holder + " can execute it"});
    }
    for (int i = firstClaimAt + 1; i < plan.instructions_size(); ++i) {
      if (lockRole(plan, plan.instructions(i)) == LockRole::kLock) {
        out.push_back({at(i), "a hash lock after the first claim (" + at(firstClaimAt) +
                                  ") would be locked under a revealed secret"});
      }
    }
  }
  for (int i = 0; i < plan.instructions_size(); ++i) {
    const auto& ins = plan.instructions(i);
    if (lockRole(plan, ins) != LockRole::kClaim) continue;
    const auto& hold = lockInstruction(plan, ins)->hold();
    if (ledgerAccount(ins.release().destination()) != ledgerAccount(hold.destination())) {
      out.push_back({at(i) + ".release.destination",
                     "a claim pays the lock's beneficiary " + ledgerAccount(hold.destination())});
    }
    auto claimed = parseAmount(ins.release().amount());
    auto held = parseAmount(hold.amount());
    if (claimed && held && *claimed != *held) {
      out.push_back(
          {at(i) + ".release.amount", "a claim takes the whole lock of " + held->toString()});
    }
  }
  // A lock nobody claims goes back to its owner only by a refund its own router runs (at the
  // expiry, on the plan's path or alone: docs/protocol.md, "A refund needs nobody").
  for (int i = 0; i < plan.instructions_size(); ++i) {
    const auto& lock = plan.instructions(i);
    if (lockRole(plan, lock) != LockRole::kLock) continue;
    bool refunded = false;
    for (const auto& ins : plan.instructions()) {
      if (lockRole(plan, ins) != LockRole::kRefund ||
          ins.reverthold().holdinstructionsequence() != lock.sequence()) {
        continue;
      }
      bool byItsRouters = true;
      for (const auto& org : lock.organizations()) {
        bool found = false;
        for (const auto& o : ins.organizations()) found = found || o == org;
        byItsRouters = byItsRouters && found;
      }
      refunded = refunded || byItsRouters;
    }
    if (!refunded) {
      out.push_back({at(i),
                     "a hash lock needs a refund (a RevertHold of it) executed by its own "
                     "router, which returns it at its expiry if nobody claims it"});
    }
  }
}

std::vector<Violation> checkTimelocks(const ExecutionPlan& plan, int64_t nowUnixS,
                                      int64_t marginSeconds) {
  std::vector<Violation> out;
  for (int i = 0; i < plan.instructions_size(); ++i) {
    const auto& ins = plan.instructions(i);
    if (lockRole(plan, ins) != LockRole::kLock) continue;
    int64_t expiry = ins.hold().hashlock().expiry();
    if (expiry <= nowUnixS) {
      out.push_back({at(i) + ".hold.hashLock.expiry", "expiry " + std::to_string(expiry) +
                                                          " is not in the future (now " +
                                                          std::to_string(nowUnixS) + ")"});
    }
  }
  // The secret holder can claim a lock that pays it (its side of the swap) until that lock's
  // expiry, and only then reveal the secret; every lock that pays anyone else must stay
  // claimable for the margin after that, whatever the order of the plan's claims (a plan whose
  // first claim is another lock does not oblige the holder to reveal early).
  const ExecutionInstruction* latestToHolder = nullptr;
  for (const auto& ins : plan.instructions()) {
    if (lockRole(plan, ins) != LockRole::kLock) continue;
    const auto& lock = ins.hold().hashlock();
    if (beneficiaryRouter(ins.hold().destination()) != lock.secretholder()) continue;
    if (!latestToHolder || lock.expiry() > latestToHolder->hold().hashlock().expiry()) {
      latestToHolder = &ins;
    }
  }
  if (!latestToHolder) return out;
  int64_t holderPaidBy = latestToHolder->hold().hashlock().expiry();
  for (int i = 0; i < plan.instructions_size(); ++i) {
    const auto& ins = plan.instructions(i);
    if (lockRole(plan, ins) != LockRole::kLock) continue;
    if (beneficiaryRouter(ins.hold().destination()) == ins.hold().hashlock().secretholder()) {
      continue;
    }
    int64_t longer = ins.hold().hashlock().expiry();
    if (longer - holderPaidBy < marginSeconds) {
      out.push_back({at(i) + ".hold.hashLock.expiry",
                     "expires " + std::to_string(longer - holderPaidBy) +
                         " s after the lock that pays the secret holder " +
                         latestToHolder->hold().hashlock().secretholder() + " (instruction " +
                         std::to_string(latestToHolder->sequence()) + "); this router requires " +
                         std::to_string(marginSeconds) +
                         " s, so that this lock's beneficiary can still claim it once the "
                         "secret holder has claimed its own and revealed the secret"});
    }
  }
  return out;
}

void fillHashLocks(ExecutionPlan& plan, const std::string& hashHex) {
  for (auto& ins : *plan.mutable_instructions()) {
    if (!ins.has_hold() || !ins.hold().has_hashlock()) continue;
    auto* lock = ins.mutable_hold()->mutable_hashlock();
    if (lock->hash().empty()) lock->set_hash(hashHex);
  }
}

Status checkLockReceipt(const ExecutionPlan& plan, const ExecutionInstruction& ins,
                        const finp2p::receipt::Receipt& receipt) {
  LockRole role = lockRole(plan, ins);
  if (role == LockRole::kNone) return {};
  const auto& lock = *lockOf(plan, ins);
  const auto& got = receipt.hashlock();
  auto differs = [](const std::string& field, const std::string& want, const std::string& was) {
    return makeError(
        ErrorCode::kInvalidArgument,
        "receipt hash lock " + field + " \"" + was + "\" differs from the plan's \"" + want + "\"");
  };
  if (got.hash() != lock.hash()) return differs("hash", lock.hash(), got.hash());
  if (got.hashfunction() != lock.hashfunction()) {
    return differs("hash function", lock.hashfunction(), got.hashfunction());
  }
  if (got.expiry() != lock.expiry()) {
    return differs("expiry", std::to_string(lock.expiry()), std::to_string(got.expiry()));
  }
  if (role != LockRole::kClaim) return {};
  if (auto why = ledger::checkPreimage(lock.hashfunction(), lock.hash(), got.preimage());
      !why.empty()) {
    return makeError(ErrorCode::kInvalidArgument,
                     "the claim's preimage does not open the lock: " + why);
  }
  return {};
}

int64_t refundNotBeforeMillis(const ExecutionPlan& plan, const ExecutionInstruction& ins) {
  if (lockRole(plan, ins) != LockRole::kRefund) return 0;
  return lockOf(plan, ins)->expiry() * 1000;
}

}  // namespace finp2p::model
