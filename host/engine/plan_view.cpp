// What the engine shows of a plan to operators (plan show, the status page): read-only views of
// its state, kept apart from the state machine's transitions in plan_engine.cpp.
#include "engine/plan_engine.hpp"

namespace finp2p::engine {

finp2p::execution::Execution PlanEngine::execution() const {
  finp2p::execution::Execution e;
  if (plan_) *e.mutable_plan() = *plan_;
  for (const auto& [org, approval] : approvals_) *e.add_approvals() = approval;
  for (const auto& [sequence, step] : steps_) {
    for (const auto& [executor, c] : step.byExecutor) *e.add_events() = c.event;
  }
  e.set_currentinstructionsequence(currentSequence_);
  e.set_executionplanstatus(planStatusName(status_));
  return e;
}

std::vector<StepView> PlanEngine::steps() const {
  std::vector<StepView> out;
  for (const auto& [sequence, step] : steps_) {
    // A message about a later step can touch its entry before the step starts.
    if (step.startedAtMillis == 0 && step.byExecutor.empty()) continue;
    StepView v{sequence, step.startedAtMillis, step.settled, {}};
    for (const auto& [executor, c] : step.byExecutor) {
      CompletionView cv{executor, c.event, {}};
      for (const auto& [org, approval] : c.approvals) cv.approvedBy.push_back(org);
      v.completions.push_back(std::move(cv));
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace finp2p::engine
