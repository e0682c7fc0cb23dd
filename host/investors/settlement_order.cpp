#include "investors/settlement_order.hpp"

#include <vector>

#include "model/transitions.hpp"

namespace finp2p::investors {
namespace {

using finp2p::execution::ExecutionPlan;
using model::Outcome;

constexpr Outcome kOutcomes[] = {Outcome::kSuccess, Outcome::kFailure, Outcome::kTimeout};

std::optional<std::size_t> next(const ExecutionPlan& plan, std::size_t at, Outcome outcome) {
  auto t = model::effectiveTransition(plan, at, outcome);
  if (!t.sequence) return std::nullopt;
  return model::findInstruction(plan, *t.sequence);
}

// succeeded[i][j]: instruction j has succeeded on every way from the first instruction to i
// (a must-analysis: the intersection over i's predecessors, starting from "everything").
std::vector<std::vector<bool>> mustHaveSucceeded(const ExecutionPlan& plan) {
  std::size_t n = plan.instructions_size();
  std::vector<std::vector<bool>> in(n, std::vector<bool>(n, true));
  std::vector<bool> reached(n, false);
  if (n == 0) return in;
  in[0].assign(n, false);
  reached[0] = true;
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (!reached[i]) continue;
      for (Outcome o : kOutcomes) {
        auto to = next(plan, i, o);
        if (!to) continue;
        std::vector<bool> flow = in[i];
        if (o == Outcome::kSuccess) flow[i] = true;
        std::vector<bool> meet(n);
        for (std::size_t j = 0; j < n; ++j)
          meet[j] = reached[*to] ? in[*to][j] && flow[j] : flow[j];
        if (!reached[*to] || meet != in[*to]) {
          reached[*to] = true;
          in[*to] = std::move(meet);
          changed = true;
        }
      }
    }
  }
  return in;
}

// Can `target` run after `from` ends with `outcome`?
bool reachableAfter(const ExecutionPlan& plan, std::size_t from, Outcome outcome,
                    std::size_t target) {
  std::vector<bool> seen(plan.instructions_size(), false);
  std::vector<std::size_t> todo;
  if (auto first = next(plan, from, outcome)) todo.push_back(*first);
  while (!todo.empty()) {
    std::size_t i = todo.back();
    todo.pop_back();
    if (seen[i]) continue;
    seen[i] = true;
    if (i == target) return true;
    for (Outcome o : kOutcomes) {
      if (auto to = next(plan, i, o)) todo.push_back(*to);
    }
  }
  return false;
}

// Does `target` come after `from` when everything succeeds?
bool followsOnSuccess(const ExecutionPlan& plan, std::size_t from, std::size_t target) {
  std::vector<bool> seen(plan.instructions_size(), false);
  for (auto i = next(plan, from, Outcome::kSuccess); i && !seen[*i];
       i = next(plan, *i, Outcome::kSuccess)) {
    if (*i == target) return true;
    seen[*i] = true;
  }
  return false;
}

}  // namespace

SettlementOrder::SettlementOrder(const ExecutionPlan& plan)
    : plan_(plan), succeeded_(mustHaveSucceeded(plan)) {}

std::optional<std::string> SettlementOrder::unsafe(uint32_t give, uint32_t receive,
                                                   std::optional<uint32_t> receiveHold) const {
  const ExecutionPlan& plan = plan_;
  auto g = model::findInstruction(plan, give), r = model::findInstruction(plan, receive);
  if (!g || !r) return std::nullopt;  // plan validation refuses a missing sequence
  std::string gs = std::to_string(give), rs = std::to_string(receive);
  for (Outcome o : {Outcome::kFailure, Outcome::kTimeout}) {
    if (reachableAfter(plan, *r, o, *g)) {
      return "instruction " + gs + " gives it away even when instruction " + rs +
             ", which pays them, ends by " + model::outcomeFieldName(o);
    }
  }
  const auto& succeeded = succeeded_;
  if (succeeded[*g][*r]) return std::nullopt;
  if (receiveHold) {
    auto h = model::findInstruction(plan, *receiveHold);
    if (h && succeeded[*g][*h] && followsOnSuccess(plan, *g, *r)) {
      // The lock is what pays them: nothing may give it back to its owner once they have given
      // (the release failing into a revert), nor before (a revert between the hold and `give`)
      // — F-B and F-C of the 2026-12-03 adversarial review.
      for (int i = 0; i < plan.instructions_size(); ++i) {
        const auto& ins = plan.instructions(i);
        if (!ins.has_reverthold() || ins.reverthold().holdinstructionsequence() != *receiveHold) {
          continue;
        }
        auto at = static_cast<std::size_t>(i);
        std::string rv = std::to_string(ins.sequence());
        if (reachableAfter(plan, *g, Outcome::kSuccess, at)) {
          return "instruction " + rv + " can give back the hold that pays them (instruction " +
                 std::to_string(*receiveHold) + ") after instruction " + gs + " gave it away";
        }
        for (Outcome o : kOutcomes) {
          if (reachableAfter(plan, at, o, *g)) {
            return "instruction " + rv + " can give back the hold that pays them (instruction " +
                   std::to_string(*receiveHold) + ") before instruction " + gs + " gives it away";
          }
        }
      }
      return std::nullopt;
    }
  }
  return "instruction " + gs + " can give it away before instruction " + rs +
         ", which pays them, has succeeded (or its asset is held for them)";
}

}  // namespace finp2p::investors
