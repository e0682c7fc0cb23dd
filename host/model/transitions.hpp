#pragma once
// Where a plan goes after an instruction: the instruction's explicit transition or the default
// (onSuccess: next sequence, or "completed" after the last; onFailure: "halted"; onTimeout: the
// onFailure target). The validator and the engine both read transitions through here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "finp2p/execution.pb.h"

namespace finp2p::model {

enum class Outcome { kSuccess, kFailure, kTimeout };

const char* outcomeFieldName(Outcome outcome);  // "onSuccess", "onFailure", "onTimeout"

// Terminal plan statuses an instruction may lead to.
bool isTerminalTransitionStatus(std::string_view status);

struct TransitionTarget {
  std::optional<uint32_t> sequence;  // set: go to this instruction
  std::string status;                // otherwise: end the plan with this status
};

// `index` is the instruction's position in plan.instructions().
TransitionTarget effectiveTransition(const finp2p::execution::ExecutionPlan& plan,
                                     std::size_t index, Outcome outcome);

// Position of the instruction with this sequence, if any.
std::optional<std::size_t> findInstruction(const finp2p::execution::ExecutionPlan& plan,
                                           uint32_t sequence);

}  // namespace finp2p::model
