#include "investors/terms.hpp"

#include <map>

#include "model/decimal.hpp"

namespace finp2p::investors {
namespace {

using finp2p::execution::ExecutionInstruction;
using finp2p::execution::OwnerAccount;
using google::protobuf::Struct;
using google::protobuf::Value;

Error invalid(const std::string& path, const std::string& why) {
  return makeError(ErrorCode::kInvalidArgument, path + ": " + why);
}

Result<std::vector<Leg>> hashListLegs(const finp2p::signature::SignatureTemplate& t) {
  std::vector<Leg> legs;
  for (int i = 0; i < t.hashgroups_size(); ++i) {
    std::string path = "template.hashGroups[" + std::to_string(i) + "]";
    std::map<std::string, std::string> f;
    for (const auto& field : t.hashgroups(i).fields()) {
      // A wallet showing the first "amount" and a router reading the last would disagree on
      // what was signed (F26): a field named twice makes the group mean nothing.
      if (!f.emplace(field.name(), field.value()).second) {
        return invalid(path, "names \"" + field.name().substr(0, 40) + "\" twice");
      }
    }
    if (!f.count("assetId") && !f.count("amount")) continue;  // e.g. a group of terms only
    for (const char* name : {"assetType", "assetId", "amount"}) {
      if (!f.count(name)) return invalid(path, std::string("names no ") + name);
    }
    for (const char* side : {"src", "dst"}) {
      auto type = f.find(std::string(side) + "AccountType");
      if (type != f.end() && type->second != "finId" && !f[std::string(side) + "Account"].empty()) {
        return invalid(path + "." + side + "AccountType",
                       "\"" + type->second.substr(0, 40) + "\" accounts are not supported");
      }
    }
    // The FinP2P shape names the operation in the first (asset) group; the settlement group is
    // a payment. A group may name its own.
    std::string operation = f.count("operation") ? f["operation"] : "transfer";
    if (operation == "hold" || operation == "release") operation = "transfer";
    if (operation != "transfer" && operation != "issue" && operation != "redeem") {
      return invalid(path + ".operation", "\"" + operation.substr(0, 40) +
                                              "\" is not an operation this router reads "
                                              "(transfer, hold, release, issue, redeem)");
    }
    legs.push_back({f["assetId"], f["assetType"], f["amount"], f["srcAccount"], f["dstAccount"],
                    operation, path});
  }
  if (legs.empty()) return invalid("template.hashGroups", "no group names an asset and amount");
  return legs;
}

const Value* member(const Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? nullptr : &it->second;
}

Result<std::string> stringAt(const Struct& s, const std::string& name, const std::string& path) {
  const Value* v = member(s, name);
  if (!v || v->kind_case() != Value::kStringValue) return invalid(path + "." + name, "no string");
  return v->string_value();
}

Result<std::string> finIdOf(const Struct& message, const std::string& party) {
  const Value* v = member(message, party);
  if (!v || v->kind_case() != Value::kStructValue) {
    return invalid("template.message." + party, "no FinId object");
  }
  return stringAt(v->struct_value(), "idkey", "template.message." + party);
}

Result<Leg> termLeg(const Struct& message, const std::string& term, const std::string& from,
                    const std::string& to) {
  std::string path = "template.message." + term;
  const Value* v = member(message, term);
  if (!v || v->kind_case() != Value::kStructValue) return invalid(path, "no Term object");
  const Struct& t = v->struct_value();
  Leg leg;
  leg.path = path;
  for (auto [name, out] :
       {std::pair{"assetId", &leg.assetId}, std::pair{"assetType", &leg.assetType},
        std::pair{"amount", &leg.amount}}) {
    auto s = stringAt(t, name, path);
    if (!s) return s.error();
    *out = *s;
  }
  auto source = finIdOf(message, from), destination = finIdOf(message, to);
  if (!source) return source.error();
  if (!destination) return destination.error();
  leg.source = *source;
  leg.destination = *destination;
  return leg;
}

// Who gives the asset and who pays the settlement, per FinP2P primary type
// (skeleton/src/models/eip712.ts).
struct Parties {
  const char* assetFrom;
  const char* assetTo;
  bool settles;
  const char* assetOperation;  // a primary sale issues the asset; a redemption burns it
};
const std::map<std::string, Parties>& eip712Parties() {
  static const std::map<std::string, Parties> kParties = {
      {"PrimarySale", {"issuer", "buyer", true, "issue"}},
      {"Buying", {"seller", "buyer", true, "transfer"}},
      {"Selling", {"seller", "buyer", true, "transfer"}},
      {"PrivateOffer", {"seller", "buyer", true, "transfer"}},
      {"Redemption", {"seller", "issuer", true, "redeem"}},
      {"Transfer", {"seller", "buyer", false, "transfer"}}};
  return kParties;
}

Result<std::vector<Leg>> eip712Legs(const finp2p::signature::SignatureTemplate& t) {
  if (t.domain().name() != "FinP2P" || t.domain().version() != "1") {
    return invalid("template.domain", "not the FinP2P domain (name \"FinP2P\", version \"1\")");
  }
  auto parties = eip712Parties().find(t.primarytype());
  if (parties == eip712Parties().end()) {
    return invalid("template.primaryType", "\"" + t.primarytype().substr(0, 40) +
                                               "\" is not a FinP2P primary type this router "
                                               "reads (Loan is not supported yet)");
  }
  const auto& p = parties->second;
  std::vector<Leg> legs;
  auto asset = termLeg(t.message(), "asset", p.assetFrom, p.assetTo);
  if (!asset) return asset.error();
  asset->operation = p.assetOperation;
  legs.push_back(*asset);
  if (p.settles) {
    auto settlement = termLeg(t.message(), "settlement", p.assetTo, p.assetFrom);
    if (!settlement) return settlement.error();
    legs.push_back(*settlement);
  }
  return legs;
}

std::string finIdOf(const OwnerAccount& a) {
  return a.account().has_finp2p() ? a.account().finp2p().finid() : "";
}

// The ledger account an OwnerAccount names, as ledger_ops resolves it.
std::string accountKey(const OwnerAccount& a) {
  const auto& id = a.account();
  if (id.has_finp2p()) return id.finp2p().finid();
  if (id.identifier_case() == finp2p::accounts::AccountIdentifier::kAddress) return id.address();
  if (id.identifier_case() == finp2p::accounts::AccountIdentifier::kIban) return id.iban();
  return a.owner().id();
}

// A party as a leg names it: its finId, or for an account without one (an IBAN, an address, an
// owner only) a name no signed finId can equal, so that a movement to or from it matches no
// signed leg (F-E of the 2026-12-03 adversarial review: the payment went to an IBAN and was
// taken as the signed payment to the seller, since an empty party was "not named").
std::string party(const OwnerAccount& a) {
  std::string finId = finIdOf(a);
  return finId.empty() ? std::string(kNotFinIdParty) + accountKey(a) : finId;
}

}  // namespace

Result<std::vector<Leg>> signedLegs(const finp2p::signature::Signature& s) {
  if (s.template_().type() == "hashList") return hashListLegs(s.template_());
  if (s.template_().type() == "EIP712") return eip712Legs(s.template_());
  return invalid("template.type", "neither hashList nor EIP712");
}

std::string publicAssetType(finp2p::common::Asset::Type type) {
  switch (type) {
    case finp2p::common::Asset::FINP2P:
      return "finp2p";
    case finp2p::common::Asset::FIAT:
      return "fiat";
    case finp2p::common::Asset::CRYPTOCURRENCY:
      return "cryptocurrency";
    default:
      return "";
  }
}

bool sameMovement(const Leg& s, const Leg& p) {
  if (s.operation != p.operation) return false;
  if (s.assetId != p.assetId || s.assetType != p.assetType) return false;
  auto a = model::parseAmount(s.amount), b = model::parseAmount(p.amount);
  if (!a || !b || !(*a == *b)) return false;
  // A party the plan does not name (an issue's source) is not compared; one the signature
  // leaves empty matches nothing the plan names, so a signed hold without a payee is no
  // signature on where a release sends it.
  auto party = [](const std::string& signedParty, const std::string& planned) {
    return planned.empty() || signedParty == planned;
  };
  return party(s.source, p.source) &&
         (p.operation == "redeem" || party(s.destination, p.destination));
}

std::vector<Move> planMoves(const finp2p::execution::ExecutionPlan& plan) {
  std::vector<Move> moves;
  std::map<uint32_t, const ExecutionInstruction*> bySequence;
  for (const auto& ins : plan.instructions()) bySequence[ins.sequence()] = &ins;
  auto holdOf = [&](uint32_t sequence) -> const finp2p::execution::HoldInstruction* {
    auto it = bySequence.find(sequence);
    return it != bySequence.end() && it->second->has_hold() ? &it->second->hold() : nullptr;
  };
  for (int i = 0; i < plan.instructions_size(); ++i) {
    const auto& ins = plan.instructions(i);
    std::string at = "instructions[" + std::to_string(i) + "]";
    auto add = [&](const std::string& kind, const OwnerAccount* from, const OwnerAccount* to,
                   const finp2p::common::Asset& asset, const std::string& amount,
                   const std::string& fromField, bool funded) {
      Move m;
      m.sequence = ins.sequence();
      m.leg = {asset.id(),
               publicAssetType(asset.type()),
               amount,
               from ? party(*from) : "",
               to ? party(*to) : "",
               kind == "issue" || kind == "redeem" ? kind : "transfer",
               at + "." + kind};
      if (funded && from) {
        m.funderHasFinId = !finIdOf(*from).empty();
        m.funder = m.funderHasFinId ? m.leg.source : accountKey(*from);
        m.funderPath = at + "." + fromField;
      }
      m.completesHold = kind == "release" || kind == "revertHold";
      m.kind = kind;
      if (ins.has_release()) m.holdSequence = ins.release().holdinstructionsequence();
      if (ins.has_reverthold()) m.holdSequence = ins.reverthold().holdinstructionsequence();
      moves.push_back(std::move(m));
    };
    switch (ins.operation_case()) {
      case ExecutionInstruction::kHold: {
        const auto& h = ins.hold();
        add("hold", &h.source(), h.has_destination() ? &h.destination() : nullptr, h.asset(),
            h.amount(), "hold.source", true);
        break;
      }
      case ExecutionInstruction::kTransfer: {
        const auto& t = ins.transfer();
        add("transfer", &t.source(), &t.destination(), t.asset(), t.amount(), "transfer.source",
            true);
        break;
      }
      case ExecutionInstruction::kRedeem: {
        const auto& r = ins.redeem();
        add("redeem", &r.source(), nullptr, r.asset(), r.amount(), "redeem.source", true);
        break;
      }
      case ExecutionInstruction::kIssue: {
        const auto& is = ins.issue();
        add("issue", nullptr, &is.destination(), is.asset(), is.amount(), "", false);
        break;
      }
      case ExecutionInstruction::kRelease: {
        // A release pays the held asset out: it moves the hold's owner's holdings, to the
        // release's destination.
        const auto* hold = holdOf(ins.release().holdinstructionsequence());
        if (!hold) break;  // plan validation refuses it
        const auto& r = ins.release();
        add("release", &hold->source(), &r.destination(), hold->asset(),
            r.amount().empty() ? hold->amount() : r.amount(), "release.destination", true);
        break;
      }
      case ExecutionInstruction::kRevertHold: {
        // Giving a hold back to its owner moves nothing of anyone's; giving it elsewhere does.
        const auto* hold = holdOf(ins.reverthold().holdinstructionsequence());
        const auto& r = ins.reverthold();
        if (!hold || accountKey(r.destination()).empty() ||
            accountKey(r.destination()) == accountKey(hold->source())) {
          break;
        }
        add("revertHold", &hold->source(), &r.destination(), hold->asset(), hold->amount(),
            "revertHold.destination", true);
        break;
      }
      default:
        break;
    }
  }
  return moves;
}

}  // namespace finp2p::investors
