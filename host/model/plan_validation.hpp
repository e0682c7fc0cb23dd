#pragma once
// Structural validation of an execution plan. Returns every violation, each with the path of the
// offending field, so an author can fix a plan in one pass.

#include <string>
#include <vector>

#include "finp2p/execution.pb.h"

namespace finp2p::model {

struct Violation {
  std::string path;     // e.g. "instructions[2].organizations[0]"
  std::string message;  // e.g. "\"bank-c\" is not a contributor"

  std::string toString() const { return path + ": " + message; }
};

// Limits that keep one plan's cost bounded (messages grow with participants squared).
inline constexpr int kMaxParticipants = 64;
inline constexpr int kMaxInstructions = 256;

struct PlanValidationOptions {
  // A plan being submitted may leave the id (and its instructions' planId) empty: the router
  // assigns one. A plan exchanged between routers must carry it. The same goes for the hash of
  // its hash locks (model/hash_lock.hpp): the secret holder's router fills it in at submit.
  bool requirePlanId = true;
  bool requireHashes = true;
};

std::vector<Violation> validatePlan(const finp2p::execution::ExecutionPlan& plan,
                                    const PlanValidationOptions& options = {});

}  // namespace finp2p::model
