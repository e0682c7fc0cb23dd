#include "model/plan_validation.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "model/decimal.hpp"
#include "model/hash_lock.hpp"
#include "model/resource_id.hpp"
#include "model/transitions.hpp"

namespace finp2p::model {
namespace {

using finp2p::execution::ExecutionInstruction;
using finp2p::execution::ExecutionPlan;
using finp2p::execution::OwnerAccount;
using finp2p::execution::Participant;
using finp2p::execution::Transition;

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}
std::string at(const std::string& base, int index) {
  return base + "[" + std::to_string(index) + "]";
}

class PlanValidator {
 public:
  PlanValidator(const ExecutionPlan& plan, const PlanValidationOptions& options)
      : plan_(plan), options_(options) {}

  std::vector<Violation> run() {
    checkId();
    checkIntent();
    checkParticipants();
    checkInstructions();
    if (sequencesUsable_) checkEveryPathEnds();
    if (sequencesUsable_) validateHashLocks(plan_, options_.requireHashes, violations_);
    return std::move(violations_);
  }

 private:
  void add(std::string path, std::string message) {
    violations_.push_back({std::move(path), std::move(message)});
  }

  void checkId() {
    const std::string& id = plan_.id().id();
    if (id.empty()) {
      if (options_.requirePlanId) add("id", "missing: a plan needs an org:106:<uuid> id");
      return;
    }
    auto parsed = parseExecutionPlanId(id);
    if (!parsed) add("id", parsed.error().message);
  }

  void checkIntent() {
    if (!plan_.has_intent() || !plan_.intent().has_intent()) return;
    const auto& intent = plan_.intent().intent();
    if (intent.start() != 0 && intent.end() != 0 && intent.end() < intent.start()) {
      add("intent.intent.end", "validity window ends (" + std::to_string(intent.end()) +
                                   ") before it starts (" + std::to_string(intent.start()) + ")");
    }
  }

  void checkParticipants() {
    if (plan_.participants().empty()) {
      add("participants", "a plan needs at least one participant");
      return;
    }
    if (plan_.participants_size() > kMaxParticipants) {
      add("participants", std::to_string(plan_.participants_size()) + " participants, at most " +
                              std::to_string(kMaxParticipants));
    }
    for (int i = 0; i < plan_.participants_size(); ++i) {
      const Participant& p = plan_.participants(i);
      std::string path = at("participants", i);
      const std::string& org = p.organizationid();
      if (auto s = validateOrganizationId(org); !s) {
        add(path + ".organizationID", s.error().message);
        continue;
      }
      if (!roles_.emplace(org, std::set<int>{}).second) {
        add(path + ".organizationID", quoted(org) + " is listed more than once");
        continue;
      }
      if (p.roles().empty()) add(path + ".roles", "a participant needs a role");
      for (int r = 0; r < p.roles_size(); ++r) {
        int role = p.roles(r);
        if (role != Participant::Observer && role != Participant::Contributor) {
          add(at(path + ".roles", r), "role must be Observer or Contributor");
        } else if (!roles_[org].insert(role).second) {
          add(at(path + ".roles", r), "role listed more than once");
        }
      }
    }
    bool anyContributor = false;
    for (const auto& [org, roles] : roles_) anyContributor |= isContributor(org);
    if (!anyContributor) add("participants", "a plan needs at least one contributor");

    const std::string& id = plan_.id().id();
    if (auto parsed = ResourceId::parse(id); parsed && !roles_.count(parsed->organizationId)) {
      add("id", "issuing organization " + quoted(parsed->organizationId) + " is not a participant");
    }
  }

  bool isContributor(const std::string& org) const {
    auto it = roles_.find(org);
    return it != roles_.end() && it->second.count(Participant::Contributor);
  }

  void checkInstructions() {
    if (plan_.instructions().empty()) {
      add("instructions", "a plan needs at least one instruction");
      sequencesUsable_ = false;
      return;
    }
    if (plan_.instructions_size() > kMaxInstructions) {
      add("instructions", std::to_string(plan_.instructions_size()) + " instructions, at most " +
                              std::to_string(kMaxInstructions));
    }
    uint32_t previous = 0;
    for (int i = 0; i < plan_.instructions_size(); ++i) {
      const ExecutionInstruction& ins = plan_.instructions(i);
      std::string path = at("instructions", i);
      if (i == 0 && ins.sequence() != 1) {
        add(path + ".sequence",
            "the first instruction must have sequence 1, not " + std::to_string(ins.sequence()));
        sequencesUsable_ = false;
      } else if (i > 0 && ins.sequence() <= previous) {
        add(path + ".sequence", "sequence " + std::to_string(ins.sequence()) +
                                    " does not increase (previous is " + std::to_string(previous) +
                                    ")");
        sequencesUsable_ = false;
      }
      previous = ins.sequence();
      if (ins.planid().id() != plan_.id().id()) {
        add(path + ".planId",
            quoted(ins.planid().id()) + " differs from the plan id " + quoted(plan_.id().id()));
      }
      checkOrganizations(ins, path);
      checkOperation(ins, path);
      checkTransitions(ins, path);
    }
  }

  void checkOrganizations(const ExecutionInstruction& ins, const std::string& path) {
    if (ins.organizations().empty()) {
      add(path + ".organizations", "an instruction needs at least one executing organization");
    }
    std::set<std::string> seen;
    for (int o = 0; o < ins.organizations_size(); ++o) {
      const std::string& org = ins.organizations(o);
      std::string opath = at(path + ".organizations", o);
      if (!seen.insert(org).second) {
        add(opath, quoted(org) + " is listed more than once");
      } else if (!roles_.count(org)) {
        add(opath, quoted(org) + " is not a contributor (not a participant of the plan)");
      } else if (!isContributor(org)) {
        add(opath, quoted(org) + " is not a contributor (an observer cannot execute)");
      }
    }
  }

  void checkAccount(const OwnerAccount& account, bool present, const std::string& path) {
    if (!present) {
      add(path, "missing");
      return;
    }
    if (account.owner().id().empty() &&
        account.account().identifier_case() ==
            finp2p::accounts::AccountIdentifier::IDENTIFIER_NOT_SET) {
      add(path, "names neither an owner nor an account");
      return;
    }
    if (!account.owner().id().empty()) {
      auto owner = ResourceId::parse(account.owner().id());
      if (!owner) add(path + ".owner", owner.error().message);
    }
    if (account.account().has_finp2p()) {
      const std::string& finId = account.account().finp2p().finid();
      if (!isFinId(finId)) {
        add(path + ".account.finp2p.finId",
            "\"" + finId.substr(0, 80) +
                "\" is not a finId (lowercase hex of a compressed secp256k1 public key: 66 "
                "characters starting 02 or 03)");
      }
    }
  }

  static bool isFinId(const std::string& s) {
    if (s.size() != 66 || s[0] != '0' || (s[1] != '2' && s[1] != '3')) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  }

  // Returns the asset's precision for amount checks.
  uint32_t checkAsset(const finp2p::common::Asset& asset, bool present, const std::string& path) {
    if (!present || asset.id().empty()) add(path + ".id", "missing asset id");
    if (present && asset.has_decimals() && asset.decimals() > Decimal::kDefaultMaxDecimals) {
      add(path + ".decimals", "at most 18 decimals are supported");
    }
    return present && asset.has_decimals() ? asset.decimals() : Decimal::kDefaultMaxDecimals;
  }

  std::optional<Decimal> checkAmount(const std::string& amount, uint32_t decimals,
                                     const std::string& path) {
    auto parsed = parseAmount(amount, decimals);
    if (!parsed) {
      add(path, parsed.error().message);
      return std::nullopt;
    }
    if (parsed->isZero()) {
      add(path, "amount must be greater than zero");
      return std::nullopt;
    }
    return *parsed;
  }

  // The Hold a Release or RevertHold refers to, if it is an earlier Hold of this plan.
  const finp2p::execution::HoldInstruction* checkHoldReference(const ExecutionInstruction& ins,
                                                               uint32_t holdSequence,
                                                               const std::string& path) {
    auto index = findInstruction(plan_, holdSequence);
    if (holdSequence == 0 || !index) {
      add(path, "refers to sequence " + std::to_string(holdSequence) + ", which does not exist");
      return nullptr;
    }
    const auto& target = plan_.instructions(static_cast<int>(*index));
    if (target.sequence() >= ins.sequence()) {
      add(path, "refers to sequence " + std::to_string(holdSequence) +
                    ", which is not earlier than this instruction");
      return nullptr;
    }
    if (!target.has_hold()) {
      add(path, "refers to sequence " + std::to_string(holdSequence) + ", which is not a Hold");
      return nullptr;
    }
    return &target.hold();
  }

  // A release or revert moves what its hold holds: a source of its own other than the hold's
  // would name holdings nobody locked (or signed for) to a ledger that reads it (F-F of the
  // 2026-12-03 adversarial review). Omitted, it is the hold's.
  void checkHoldSource(const finp2p::execution::HoldInstruction* hold,
                       const finp2p::execution::OwnerAccount& source, bool present,
                       const std::string& path) {
    if (!hold || !present) return;
    if (source.account().SerializeAsString() != hold->source().account().SerializeAsString()) {
      add(path, "is not the source of the hold it refers to");
    }
  }

  void checkOperation(const ExecutionInstruction& ins, const std::string& path) {
    using EI = ExecutionInstruction;
    switch (ins.operation_case()) {
      case EI::OPERATION_NOT_SET:
        add(path,
            "an instruction needs exactly one operation (hold, transfer, release, await, "
            "issue, revertHold or redeem)");
        return;
      case EI::kHold: {
        const auto& op = ins.hold();
        std::string p = path + ".hold";
        checkAccount(op.source(), op.has_source(), p + ".source");
        uint32_t decimals = checkAsset(op.asset(), op.has_asset(), p + ".asset");
        checkAmount(op.amount(), decimals, p + ".amount");
        return;
      }
      case EI::kTransfer: {
        const auto& op = ins.transfer();
        std::string p = path + ".transfer";
        checkAccount(op.source(), op.has_source(), p + ".source");
        checkAccount(op.destination(), op.has_destination(), p + ".destination");
        uint32_t decimals = checkAsset(op.asset(), op.has_asset(), p + ".asset");
        checkAmount(op.amount(), decimals, p + ".amount");
        return;
      }
      case EI::kRelease: {
        const auto& op = ins.release();
        std::string p = path + ".release";
        checkAccount(op.destination(), op.has_destination(), p + ".destination");
        uint32_t decimals = checkAsset(op.asset(), op.has_asset(), p + ".asset");
        auto amount = checkAmount(op.amount(), decimals, p + ".amount");
        const auto* hold =
            checkHoldReference(ins, op.holdinstructionsequence(), p + ".holdInstructionSequence");
        if (hold && hold->asset().id() != op.asset().id()) {
          add(p + ".asset.id", "releases " + quoted(op.asset().id()) + " but the hold is of " +
                                   quoted(hold->asset().id()));
        }
        checkHoldSource(hold, op.source(), op.has_source(), p + ".source");
        if (hold && amount) {
          auto held = parseAmount(hold->amount());
          if (held && *amount > *held) {
            add(p + ".amount",
                "releases " + amount->toString() + ", more than the " + held->toString() + " held");
          }
        }
        return;
      }
      case EI::kRevertHold: {
        const auto& op = ins.reverthold();
        const auto* hold = checkHoldReference(ins, op.holdinstructionsequence(),
                                              path + ".revertHold.holdInstructionSequence");
        checkHoldSource(hold, op.source(), op.has_source(), path + ".revertHold.source");
        return;
      }
      case EI::kIssue: {
        const auto& op = ins.issue();
        std::string p = path + ".issue";
        checkAccount(op.destination(), op.has_destination(), p + ".destination");
        uint32_t decimals = checkAsset(op.asset(), op.has_asset(), p + ".asset");
        checkAmount(op.amount(), decimals, p + ".amount");
        return;
      }
      case EI::kRedeem: {
        const auto& op = ins.redeem();
        std::string p = path + ".redeem";
        checkAccount(op.source(), op.has_source(), p + ".source");
        uint32_t decimals = checkAsset(op.asset(), op.has_asset(), p + ".asset");
        checkAmount(op.amount(), decimals, p + ".amount");
        return;
      }
      case EI::kAwait: {
        const auto& op = ins.await();
        std::string p = path + ".await";
        if (op.waituntil() <= 0 && op.condition().empty()) {
          add(p, "needs waitUntil (epoch seconds) or a ledger condition");
        }
        if (!op.condition().empty() && (!op.has_asset() || op.asset().id().empty())) {
          add(p + ".asset", "a ledger condition needs the asset whose ledger evaluates it");
        }
        return;
      }
    }
  }

  void checkTransitions(const ExecutionInstruction& ins, const std::string& path) {
    if (!ins.has_transitions()) return;
    const auto& t = ins.transitions();
    const std::pair<const Transition*, Outcome> all[] = {
        {t.has_onsuccess() ? &t.onsuccess() : nullptr, Outcome::kSuccess},
        {t.has_onfailure() ? &t.onfailure() : nullptr, Outcome::kFailure},
        {t.has_ontimeout() ? &t.ontimeout() : nullptr, Outcome::kTimeout}};
    for (const auto& [transition, outcome] : all) {
      if (!transition) continue;
      std::string p = path + ".transitions." + outcomeFieldName(outcome);
      switch (transition->target_case()) {
        case Transition::TARGET_NOT_SET:
          add(p, "names neither a sequence nor a status");
          break;
        case Transition::kSequence:
          if (transition->sequence() == ins.sequence()) {
            add(p + ".sequence", "an instruction cannot lead to itself");
          } else if (!findInstruction(plan_, transition->sequence())) {
            add(p + ".sequence",
                "sequence " + std::to_string(transition->sequence()) + " does not exist");
          }
          break;
        case Transition::kStatus:
          if (!isTerminalTransitionStatus(transition->status())) {
            add(p + ".status", quoted(transition->status()) +
                                   " is not a terminal status (completed, failed, halted, "
                                   "cancelled)");
          }
          break;
      }
    }
    if (t.has_ontimeout() && ins.timeoutseconds() == 0) {
      add(path + ".transitions.onTimeout", "set, but the instruction has no timeoutSeconds");
    }
  }

  // Every path from the first instruction must reach a terminal status. Re-running a sequence
  // reuses its idempotency key "<planId>_<sequence>" and so repeats its recorded outcome: any
  // cycle would loop forever, so any reachable cycle is a violation.
  void checkEveryPathEnds() {
    enum class Mark { kNew, kOnPath, kDone };
    std::vector<Mark> mark(plan_.instructions_size(), Mark::kNew);
    std::vector<uint32_t> path;
    auto visit = [&](auto&& self, std::size_t index) -> void {
      mark[index] = Mark::kOnPath;
      path.push_back(plan_.instructions(static_cast<int>(index)).sequence());
      for (Outcome outcome : {Outcome::kSuccess, Outcome::kFailure, Outcome::kTimeout}) {
        auto target = effectiveTransition(plan_, index, outcome);
        if (!target.sequence) continue;
        auto next = findInstruction(plan_, *target.sequence);
        if (!next) continue;  // reported by checkTransitions
        if (mark[*next] == Mark::kOnPath) {
          std::string cycle;
          bool inCycle = false;
          for (uint32_t s : path) {
            inCycle |= s == *target.sequence;
            if (inCycle) cycle += std::to_string(s) + " -> ";
          }
          cycle += std::to_string(*target.sequence);
          add(at("instructions", static_cast<int>(index)) + ".transitions." +
                  outcomeFieldName(outcome),
              "leads into the cycle " + cycle + "; every path must end in a terminal status");
        } else if (mark[*next] == Mark::kNew) {
          self(self, *next);
        }
      }
      path.pop_back();
      mark[index] = Mark::kDone;
    };
    visit(visit, 0);
  }

  const ExecutionPlan& plan_;
  const PlanValidationOptions& options_;
  std::map<std::string, std::set<int>> roles_;
  std::vector<Violation> violations_;
  bool sequencesUsable_ = true;
};

}  // namespace

std::vector<Violation> validatePlan(const ExecutionPlan& plan,
                                    const PlanValidationOptions& options) {
  return PlanValidator(plan, options).run();
}

}  // namespace finp2p::model
