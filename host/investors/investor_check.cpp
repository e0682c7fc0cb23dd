#include "investors/investor_check.hpp"

#include "crypto/digest.hpp"
#include "investors/settlement_order.hpp"
#include "investors/template_hash.hpp"
#include "investors/terms.hpp"
#include "model/decimal.hpp"

namespace finp2p::investors {
namespace {

using finp2p::execution::ExecutionInstruction;
using finp2p::execution::ExecutionPlan;
using finp2p::signature::Signature;
using model::Violation;

constexpr int kMaxSignatures = 64;

struct Signed {
  std::string finId;
  std::string path;  // of the signature: "intent.intent.investors[1].signature"
  const Signature* signature;
  std::vector<Leg> legs;  // empty until verified
  bool valid = false;
};

std::string shortId(const std::string& finId) {
  return finId.size() > 80 ? finId.substr(0, 80) + "…" : finId;
}

std::string describe(const Leg& l) {
  std::string out = l.amount + " " + l.assetId + " (" + l.assetType + ")";
  if (!l.source.empty()) out += " from " + l.source;
  if (!l.destination.empty()) out += " to " + l.destination;
  return out;
}

// The fields in which a signed leg differs from a planned one, and how.
std::vector<std::string> differences(const Leg& s, const Leg& p) {
  std::vector<std::string> out;
  auto one = [&](const std::string& field, const std::string& signedValue,
                 const std::string& planned, bool differs) {
    if (differs)
      out.push_back(field + " (signed \"" + signedValue + "\", the plan has \"" + planned + "\")");
  };
  one("assetId", s.assetId, p.assetId, s.assetId != p.assetId);
  one("assetType", s.assetType, p.assetType, s.assetType != p.assetType);
  one("operation", s.operation, p.operation, s.operation != p.operation);
  auto a = model::parseAmount(s.amount), b = model::parseAmount(p.amount);
  one("amount", s.amount, p.amount, !a || !b || !(*a == *b));
  one("destination (counterparty)", s.destination, p.destination,
      !p.destination.empty() && s.destination != p.destination);
  one("source", s.source, p.source, !p.source.empty() && s.source != p.source);
  return out;
}

std::vector<Signed> collect(const ExecutionPlan& plan) {
  std::vector<Signed> all;
  const auto& investors = plan.intent().intent().investors();
  for (int i = 0; i < investors.size(); ++i) {
    if (!investors[i].has_signature()) continue;
    all.push_back({investors[i].finid(),
                   "intent.intent.investors[" + std::to_string(i) + "].signature",
                   &investors[i].signature()});
  }
  for (int i = 0; i < plan.instructions_size(); ++i) {
    const auto& ins = plan.instructions(i);
    std::string at = "instructions[" + std::to_string(i) + "]";
    auto finIdOf = [](const finp2p::execution::OwnerAccount& a) {
      return a.account().has_finp2p() ? a.account().finp2p().finid() : std::string();
    };
    switch (ins.operation_case()) {
      case ExecutionInstruction::kHold:
        if (ins.hold().has_signature()) {
          all.push_back(
              {finIdOf(ins.hold().source()), at + ".hold.signature", &ins.hold().signature()});
        }
        break;
      case ExecutionInstruction::kTransfer:
        if (ins.transfer().has_signature()) {
          all.push_back({finIdOf(ins.transfer().source()), at + ".transfer.signature",
                         &ins.transfer().signature()});
        }
        break;
      case ExecutionInstruction::kRedeem:
        if (ins.redeem().has_signature()) {
          all.push_back({finIdOf(ins.redeem().source()), at + ".redeem.signature",
                         &ins.redeem().signature()});
        }
        break;
      case ExecutionInstruction::kIssue:
        if (ins.issue().has_signature()) {
          all.push_back({finIdOf(ins.issue().destination()), at + ".issue.signature",
                         &ins.issue().signature()});
        }
        break;
      default:
        break;
    }
  }
  return all;
}

// Verifies each signature and reads its legs; every signed leg must be a movement of the plan,
// and only one: a plan that repeats a signed leg (two transfers of the signed 10 bonds, two
// payments) moves more than the investor signed, though each copy alone matches the leg. A
// hold's release completes the hold's movement and is not counted again.
void verifyAll(std::vector<Signed>& all, const std::vector<Move>& moves,
               std::vector<Violation>& out, std::vector<Violation>& notDone,
               std::vector<Violation>& repeated) {
  for (auto& s : all) {
    std::string who = "investor " + shortId(s.finId) + ": ";
    if (s.finId.empty()) {
      out.push_back({s.path, "the signature's investor has no finId"});
      continue;
    }
    if (auto ok = verifyInvestorSignature(*s.signature, s.finId); !ok) {
      out.push_back({s.path, who + ok.error().message});
      continue;
    }
    auto legs = signedLegs(*s.signature);
    if (!legs) {
      out.push_back({s.path, who + legs.error().message});
      continue;
    }
    s.valid = true;
    s.legs = *legs;
    for (const auto& leg : s.legs) {
      bool made = false;
      int times = 0;
      std::string doneBy;
      for (const auto& m : moves) {
        if (!sameMovement(leg, m.leg)) continue;
        made = true;
        if (!m.completesHold) doneBy += (times++ ? ", " : "") + m.leg.path;
      }
      if (!made) {
        notDone.push_back({s.path + "." + leg.path,
                           who + "signed " + describe(leg) + ", which the plan does not do"});
      } else if (times > 1) {
        repeated.push_back({s.path + "." + leg.path,
                            who + "signed " + describe(leg) + " once, but the plan does it " +
                                std::to_string(times) + " times (" + doneBy + ")"});
      }
    }
  }
}

const Signed* covering(const std::vector<Signed>& all, const Move& m, const std::string& signer) {
  for (const auto& s : all) {
    if (!s.valid || (!signer.empty() && s.finId != signer)) continue;
    for (const auto& leg : s.legs) {
      if (sameMovement(leg, m.leg)) return &s;
    }
  }
  return nullptr;
}

void checkCoverage(const std::vector<Signed>& all, const std::vector<Move>& moves,
                   const InvestorCheckOptions& options, std::vector<Violation>& out) {
  for (const auto& m : moves) {
    if (m.funder.empty()) continue;
    bool signedSomething = false;
    for (const auto& s : all) signedSomething |= s.finId == m.funder;
    if (!options.requireSignatures && !signedSomething) continue;
    std::string who = "investor " + shortId(m.funder) + ": ";
    if (!m.funderHasFinId) {
      out.push_back({m.funderPath, who +
                                       "the account is not a FinP2P account (no finId), so "
                                       "no investor signature can cover " +
                                       m.leg.path});
      continue;
    }
    if (covering(all, m, m.funder)) continue;
    // Name the field in which the closest signed leg differs.
    std::vector<std::string> best;
    std::string bestPath;
    for (const auto& s : all) {
      if (!s.valid || s.finId != m.funder) continue;
      for (const auto& leg : s.legs) {
        auto d = differences(leg, m.leg);
        if (bestPath.empty() || d.size() < best.size()) {
          best = d;
          bestPath = s.path + "." + leg.path;
        }
      }
    }
    std::string why = who + m.leg.path + " moves " + describe(m.leg) + ", ";
    if (bestPath.empty()) {
      why += signedSomething ? "and no valid signature of theirs covers it"
                             : "and the plan carries no signature of theirs";
    } else {
      why += "but their signature (" + bestPath + ") differs in ";
      for (size_t i = 0; i < best.size(); ++i) why += (i ? ", " : "") + best[i];
    }
    out.push_back({m.funderPath, why});
  }
}

// What an investor gives must depend on what they receive for it, as their signature ties the
// two (a seller's delivery on the payment): settlement_order.hpp.
void checkSettlementOrder(const ExecutionPlan& plan, const std::vector<Signed>& all,
                          const std::vector<Move>& moves, std::vector<Violation>& out) {
  auto signs = [](const Signed& s, const Move& m) {
    for (const auto& leg : s.legs) {
      if (sameMovement(leg, m.leg)) return true;
    }
    return false;
  };
  std::optional<SettlementOrder> order;
  for (const auto& s : all) {
    if (!s.valid) continue;
    std::vector<const Move*> gives, receives;
    for (const auto& m : moves) {
      if (!signs(s, m)) continue;
      if (m.kind == "hold") {
        // A hold for them that no release gives them is no payment (F-A, F-D of the 2026-12-03
        // adversarial review: the plan completed with the bond locked, or the cash held and
        // given back); a hold with its release is paid by the release.
        bool released = false;
        for (const auto& other : moves) {
          released |= other.kind == "release" && other.holdSequence == m.sequence &&
                      other.leg.destination == s.finId;
        }
        if (m.leg.destination == s.finId && !released) receives.push_back(&m);
        continue;
      }
      if (m.funder == s.finId && m.kind != "issue") gives.push_back(&m);
      if (m.leg.destination == s.finId && m.kind != "redeem") receives.push_back(&m);
    }
    for (const Move* g : gives) {
      for (const Move* r : receives) {
        // Getting the same asset back (a repo's closing leg) is a later obligation the investor
        // signed for, not what they are paid for giving it.
        if (g->leg.assetId == r->leg.assetId && g->leg.assetType == r->leg.assetType) continue;
        std::optional<std::string> why;
        if (r->kind == "hold") {
          why = "instruction " + std::to_string(r->sequence) +
                ", which pays them, only holds it for them: no release of it gives it to them";
        } else {
          std::optional<uint32_t> hold;
          if (r->kind == "release") hold = r->holdSequence;
          if (!order) order.emplace(plan);  // only for a plan with something to pair
          why = order->unsafe(g->sequence, r->sequence, hold);
        }
        if (!why) continue;
        out.push_back({g->leg.path, "investor " + shortId(s.finId) + ": " + *why + " (" + s.path +
                                        " gives " + describe(g->leg) + " for " + describe(r->leg) +
                                        ")"});
      }
    }
  }
}

}  // namespace

std::vector<Violation> checkInvestorSignatures(const ExecutionPlan& plan,
                                               const InvestorCheckOptions& options) {
  std::vector<Violation> out;
  auto all = collect(plan);
  if (all.size() > kMaxSignatures) {
    return {{"intent.intent.investors",
             "more than " + std::to_string(kMaxSignatures) + " investor signatures"}};
  }
  auto moves = planMoves(plan);
  // Forged signatures first, then the movements no signature covers (they name the differing
  // field), then what was signed once but is done more often, then what was signed but is not
  // done (a settlement not paid).
  std::vector<Violation> notDone, repeated;
  verifyAll(all, moves, out, notDone, repeated);
  checkCoverage(all, moves, options, out);
  checkSettlementOrder(plan, all, moves, out);
  out.insert(out.end(), repeated.begin(), repeated.end());
  out.insert(out.end(), notDone.begin(), notDone.end());
  return out;
}

std::vector<Violation> checkIntentWindow(const ExecutionPlan& plan, int64_t nowSeconds) {
  if (!plan.has_intent() || !plan.intent().has_intent()) return {};
  const auto& intent = plan.intent().intent();
  std::string now = " (now " + std::to_string(nowSeconds) + ")";
  if (intent.start() != 0 && nowSeconds + kIntentStartToleranceSeconds < intent.start()) {
    return {{"intent.intent.start",
             "the intent is valid from " + std::to_string(intent.start()) + ", not yet" + now}};
  }
  if (intent.end() != 0 && nowSeconds > intent.end()) {
    return {
        {"intent.intent.end", "the intent was valid until " + std::to_string(intent.end()) + now}};
  }
  return {};
}

std::vector<SignatureUse> signatureDigests(const ExecutionPlan& plan) {
  std::vector<SignatureUse> out;
  for (const auto& s : collect(plan)) {
    if (s.finId.empty() || s.signature->template_().hash().empty()) continue;
    out.push_back({s.path, s.finId,
                   crypto::toHex(crypto::sha3_256("finp2p-exec:investor-signature:v1\n" + s.finId +
                                                  "\n" + s.signature->template_().hash()))});
  }
  return out;
}

CoveringSignature coveringSignature(const ExecutionPlan& plan, uint32_t sequence) {
  auto all = collect(plan);
  auto moves = planMoves(plan);
  // Read, not verified again: a plan reaches its ledgers only after checkInvestorSignatures
  // passed (an invalid signature is refused whatever the setting), and this runs per operation.
  for (auto& s : all) {
    if (s.finId.empty()) continue;
    auto legs = signedLegs(*s.signature);
    if (!legs) continue;
    s.valid = true;
    s.legs = *legs;
  }
  for (const auto& m : moves) {
    if (m.sequence != sequence) continue;
    // The funder's own signature; for an issue, the signature that asked for it (the buyer's).
    if (const Signed* s = covering(all, m, m.funder)) return {s->signature, s->finId};
  }
  return {};
}

}  // namespace finp2p::investors
