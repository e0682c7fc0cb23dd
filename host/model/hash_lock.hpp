#pragma once
// Hash time-locked legs (HTLC) in a plan: a Hold with a `hashLock` is a lock, a Release of it a
// claim by the preimage, a RevertHold of it a refund after the expiry. This file is the one place
// that knows which instruction plays which part, what a safe set of timelocks is, and what a
// lock's, claim's or refund's receipt must say about the lock (docs/protocol.md, "Hash
// time-locked legs").

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "finp2p/execution.pb.h"
#include "finp2p/receipt.pb.h"
#include "model/plan_validation.hpp"

namespace finp2p::model {

enum class LockRole { kNone, kLock, kClaim, kRefund };

// The part `ins` plays, and the lock it is about (null for kNone).
LockRole lockRole(const finp2p::execution::ExecutionPlan& plan,
                  const finp2p::execution::ExecutionInstruction& ins);
const finp2p::execution::HashLock* lockOf(const finp2p::execution::ExecutionPlan& plan,
                                          const finp2p::execution::ExecutionInstruction& ins);
bool hasHashLocks(const finp2p::execution::ExecutionPlan& plan);
// The router of an account's holder: the custodian of the FinP2P account, else that account's
// organization, else the organization of its owner's resource id ("org:type:raw").
std::string beneficiaryRouter(const finp2p::execution::OwnerAccount& destination);

// The structure of a plan's hash locks, no clock (validatePlan calls it): one hash and function
// on every lock, one secret holder (the plan's issuer, a contributor), every lock before the
// first claim, which the secret holder executes, claims paying the lock's beneficiary its whole
// amount. With `requireHashes` false a lock may leave its hash empty (a plan file, before the
// secret holder's router fills it in at submit).
void validateHashLocks(const finp2p::execution::ExecutionPlan& plan, bool requireHashes,
                       std::vector<Violation>& out);

// The timelocks against a clock and the router's margin: every expiry after `nowUnixS`, and
// every lock that pays the secret holder expiring at least `marginSeconds` before every lock
// that pays anyone else, so that once the holder has claimed its side (revealing the secret, at
// the latest at that lock's expiry) the others still have the margin to claim theirs.
std::vector<Violation> checkTimelocks(const finp2p::execution::ExecutionPlan& plan,
                                      int64_t nowUnixS, int64_t marginSeconds);

// Fills every empty lock hash with `hashHex` (the secret holder's router, at submit).
void fillHashLocks(finp2p::execution::ExecutionPlan& plan, const std::string& hashHex);

// What a receipt must say about the lock: a lock's and a refund's the lock itself, a claim's
// also a preimage that hashes to the lock's hash. Ok for instructions that are not HTLC parts.
Status checkLockReceipt(const finp2p::execution::ExecutionPlan& plan,
                        const finp2p::execution::ExecutionInstruction& ins,
                        const finp2p::receipt::Receipt& receipt);

// When the refund `ins` may run: the lock's expiry (epoch ms); 0 for other instructions.
int64_t refundNotBeforeMillis(const finp2p::execution::ExecutionPlan& plan,
                              const finp2p::execution::ExecutionInstruction& ins);

}  // namespace finp2p::model
