#include "model/transitions.hpp"

#include <array>

namespace finp2p::model {

using finp2p::execution::ExecutionPlan;
using finp2p::execution::Transition;

const char* outcomeFieldName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return "onSuccess";
    case Outcome::kFailure:
      return "onFailure";
    case Outcome::kTimeout:
      return "onTimeout";
  }
  return "?";
}

bool isTerminalTransitionStatus(std::string_view status) {
  static constexpr std::array<std::string_view, 4> kTerminal = {"completed", "failed", "halted",
                                                                "cancelled"};
  for (auto s : kTerminal) {
    if (s == status) return true;
  }
  return false;
}

namespace {

const Transition* explicitTransition(const finp2p::execution::ExecutionInstruction& instruction,
                                     Outcome outcome) {
  if (!instruction.has_transitions()) return nullptr;
  const auto& t = instruction.transitions();
  switch (outcome) {
    case Outcome::kSuccess:
      return t.has_onsuccess() ? &t.onsuccess() : nullptr;
    case Outcome::kFailure:
      return t.has_onfailure() ? &t.onfailure() : nullptr;
    case Outcome::kTimeout:
      return t.has_ontimeout() ? &t.ontimeout() : nullptr;
  }
  return nullptr;
}

TransitionTarget fromTransition(const Transition& t) {
  if (t.target_case() == Transition::kSequence) return {t.sequence(), ""};
  return {std::nullopt, t.status()};
}

}  // namespace

TransitionTarget effectiveTransition(const ExecutionPlan& plan, std::size_t index,
                                     Outcome outcome) {
  const auto& instruction = plan.instructions(static_cast<int>(index));
  if (const Transition* t = explicitTransition(instruction, outcome);
      t && t->target_case() != Transition::TARGET_NOT_SET) {
    return fromTransition(*t);
  }
  switch (outcome) {
    case Outcome::kSuccess:
      if (index + 1 < static_cast<std::size_t>(plan.instructions_size())) {
        return {plan.instructions(static_cast<int>(index + 1)).sequence(), ""};
      }
      return {std::nullopt, "completed"};
    case Outcome::kFailure:
      return {std::nullopt, "halted"};
    case Outcome::kTimeout:
      return effectiveTransition(plan, index, Outcome::kFailure);
  }
  return {std::nullopt, "halted"};
}

std::optional<std::size_t> findInstruction(const ExecutionPlan& plan, uint32_t sequence) {
  for (int i = 0; i < plan.instructions_size(); ++i) {
    if (plan.instructions(i).sequence() == sequence) return static_cast<std::size_t>(i);
  }
  return std::nullopt;
}

}  // namespace finp2p::model
