#include "investors/plan_signer.hpp"

#include "investors/terms.hpp"

namespace finp2p::investors {
namespace {

using finp2p::signature::HashGroup;
using finp2p::signature::Signature;
using finp2p::signature::SignatureTemplate;

void addField(HashGroup& g, const char* name, const char* type, const std::string& value) {
  auto* f = g.add_fields();
  f->set_name(name);
  f->set_type(type);
  f->set_value(value);
}

void addLeg(HashGroup& g, const Leg& leg) {
  addField(g, "assetType", "string", leg.assetType);
  addField(g, "assetId", "string", leg.assetId);
  addField(g, "srcAccountType", "string", leg.source.empty() ? "" : "finId");
  addField(g, "srcAccount", "string", leg.source);
  addField(g, "dstAccountType", "string", leg.destination.empty() ? "" : "finId");
  addField(g, "dstAccount", "string", leg.destination);
  addField(g, "amount", "string", leg.amount);
}

bool sameLeg(const Leg& a, const Leg& b) {
  return a.assetId == b.assetId && a.assetType == b.assetType && a.amount == b.amount &&
         a.source == b.source && a.destination == b.destination && a.operation == b.operation;
}

}  // namespace

Result<Signature> signTemplate(SignatureTemplate t, HashFunc f, const InvestorKey& key) {
  Signature s;
  s.set_hashfunc(f == HashFunc::kSha3_256 ? "sha3-256" : "keccak-256");
  Result<Digest> digest = makeError(ErrorCode::kInternal, "");
  if (t.type() == "hashList") {
    for (int i = 0; i < t.hashgroups_size(); ++i) {
      auto g =
          hashGroupDigest(t.hashgroups(i), f, "template.hashGroups[" + std::to_string(i) + "]");
      if (!g) return g.error();
      t.mutable_hashgroups(i)->set_hash(crypto::toHex(*g));
    }
    digest = hashListDigest(t, f);
  } else {
    digest = eip712Digest(t);
  }
  if (!digest) return digest.error();
  t.set_hash(crypto::toHex(*digest));
  s.set_signature(t.type() == "hashList" ? key.signCompact(*digest) : key.signRecoverable(*digest));
  *s.mutable_template_() = std::move(t);
  return s;
}

Result<Signature> signMovements(const finp2p::execution::ExecutionPlan& plan,
                                const InvestorKey& key, const std::string& nonceSalt) {
  std::vector<Leg> candidates;
  for (const auto& m : planMoves(plan)) {
    if (m.leg.source == key.finId() || m.leg.destination == key.finId()) {
      for (const auto* p : {&m.leg.source, &m.leg.destination}) {
        if (p->rfind(kNotFinIdParty, 0) == 0) {
          return makeError(ErrorCode::kInvalidArgument,
                           m.leg.path + " moves to or from an account without a finId (" +
                               p->substr(std::string(kNotFinIdParty).size()) +
                               "): an investor signature cannot name it");
        }
      }
      candidates.push_back(m.leg);
    }
  }
  // One group per movement: a release repeats its hold; a hold without a payee is covered by
  // the leg that names the payee.
  std::vector<Leg> legs;
  for (const auto& c : candidates) {
    bool redundant = false;
    for (const auto& other : candidates) {
      redundant |= !sameLeg(other, c) && sameMovement(other, c);
    }
    for (const auto& kept : legs) redundant |= sameLeg(kept, c);
    if (!redundant) legs.push_back(c);
  }
  if (legs.empty()) {
    return makeError(ErrorCode::kInvalidArgument,
                     "investor " + key.finId() + " takes part in no movement of the plan");
  }
  std::string seed = key.finId() + "\n" + plan.id().id() + "\n" + nonceSalt;
  for (const auto& l : legs)
    seed += "\n" + l.assetId + "|" + l.amount + "|" + l.source + "|" + l.destination;
  Digest random = crypto::sha3_256(seed);
  std::string nonce(reinterpret_cast<const char*>(random.data()), 24);
  uint64_t epoch = static_cast<uint64_t>(plan.intent().intent().start());
  for (int i = 7; i >= 0; --i) nonce += static_cast<char>((epoch >> (8 * i)) & 0xff);

  SignatureTemplate t;
  t.set_type("hashList");
  for (size_t i = 0; i < legs.size(); ++i) {
    auto* g = t.add_hashgroups();
    if (i == 0) addField(*g, "nonce", "bytes", crypto::toHex(nonce));
    // The first group names its operation (the FinP2P shape); a later one only when it is not
    // a transfer, since an unnamed group reads as one.
    if (i == 0 || legs[i].operation != "transfer") {
      addField(*g, "operation", "string", legs[i].operation);
    }
    addLeg(*g, legs[i]);
  }
  return signTemplate(std::move(t), HashFunc::kSha3_256, key);
}

Status signPlan(finp2p::execution::ExecutionPlan& plan, const InvestorKey& key,
                const std::string& role, const std::string& nonceSalt) {
  auto s = signMovements(plan, key, nonceSalt);
  if (!s) return s.error();
  auto* intent = plan.mutable_intent()->mutable_intent();
  finp2p::intents::InvestorSignature* entry = nullptr;
  for (auto& i : *intent->mutable_investors()) {
    if (i.finid() == key.finId()) entry = &i;
  }
  if (!entry) {
    entry = intent->add_investors();
    entry->set_finid(key.finId());
    entry->set_role(role);
  }
  *entry->mutable_signature() = std::move(*s);
  return {};
}

}  // namespace finp2p::investors
