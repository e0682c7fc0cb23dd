#pragma once
// A valid DvP plan built in code, for tests to break one rule at a time. Its investors are the
// test investors (tests/support/investors.hpp), and it carries their real signatures.

#include "../support/investors.hpp"
#include "finp2p/execution.pb.h"

namespace finp2p::testing {

inline constexpr const char* kPlanId = "bank-a:106:5b0c1f0e-8f43-4e0a-9d5c-3c2a7b9e1a01";

inline finp2p::execution::OwnerAccount account(const std::string& owner) {
  finp2p::execution::OwnerAccount a;
  a.mutable_owner()->set_id(owner);
  return a;
}

// An investor's FinP2P account, named by its finId.
inline finp2p::execution::OwnerAccount investorAccount(const std::string& owner,
                                                       const std::string& finId) {
  auto a = account(owner);
  auto* f = a.mutable_account()->mutable_finp2p();
  f->set_finid(finId);
  f->set_orgid(owner.substr(0, owner.find(':')));
  f->set_custodianorgid(f->orgid());
  return a;
}

inline finp2p::common::Asset asset(const std::string& id, uint32_t decimals) {
  finp2p::common::Asset a;
  a.set_id(id);
  a.set_type(finp2p::common::Asset::FINP2P);
  a.set_decimals(decimals);
  return a;
}

// 1 hold bond (bank-a) -> 2 pay cash (bank-b, on failure -> 4) -> 3 release bond -> completed;
// 4 revert the hold -> failed. bank-c observes.
inline finp2p::execution::ExecutionPlan dvpPlan() {
  using finp2p::execution::Participant;
  finp2p::execution::ExecutionPlan plan;
  plan.mutable_id()->set_id(kPlanId);
  auto addParticipant = [&](const char* org, Participant::Role role) {
    auto* p = plan.add_participants();
    p->set_organizationid(org);
    p->add_roles(role);
  };
  addParticipant("bank-a", Participant::Contributor);
  addParticipant("bank-b", Participant::Contributor);
  addParticipant("bank-c", Participant::Observer);
  auto seller = investorAccount("bank-a:101:seller", kSellerFinId);
  auto buyer = investorAccount("bank-b:101:buyer", kBuyerFinId);
  auto bond = asset("bank-a:102:bond", 0), usd = asset("USD", 2);

  auto add = [&](uint32_t seq, const char* org) {
    auto* i = plan.add_instructions();
    i->mutable_planid()->set_id(kPlanId);
    i->set_sequence(seq);
    i->add_organizations(org);
    return i;
  };
  auto* hold = add(1, "bank-a")->mutable_hold();
  *hold->mutable_source() = seller;
  *hold->mutable_destination() = buyer;
  *hold->mutable_asset() = bond;
  hold->set_amount("100");

  auto* pay = add(2, "bank-b");
  pay->mutable_transitions()->mutable_onfailure()->set_sequence(4);
  auto* transfer = pay->mutable_transfer();
  *transfer->mutable_source() = buyer;
  *transfer->mutable_destination() = seller;
  *transfer->mutable_asset() = usd;
  transfer->set_amount("10500.00");

  auto* rel = add(3, "bank-a");
  rel->mutable_transitions()->mutable_onsuccess()->set_status("completed");
  auto* release = rel->mutable_release();
  *release->mutable_source() = seller;
  *release->mutable_destination() = buyer;
  *release->mutable_asset() = bond;
  release->set_amount("100");
  release->set_holdinstructionsequence(1);

  auto* rev = add(4, "bank-a");
  rev->mutable_transitions()->mutable_onsuccess()->set_status("failed");
  rev->mutable_reverthold()->set_holdinstructionsequence(1);
  signInvestors(plan);
  return plan;
}

// A hash time-locked swap: 1 bank-a locks the bond for the buyer until `bondExpiry`; 2 bank-b
// locks the cash for the seller until `cashExpiry` (on failure -> 5); 3 bank-a, the secret
// holder, claims the cash (on failure -> 6); 4 bank-b claims the bond -> completed; 5 bank-a
// refunds the bond -> failed; 6 bank-b refunds the cash -> 5. `hash` may be empty (a plan file).
inline finp2p::execution::ExecutionPlan htlcPlan(const std::string& hash, int64_t bondExpiry,
                                                 int64_t cashExpiry) {
  using finp2p::execution::Participant;
  finp2p::execution::ExecutionPlan plan;
  plan.mutable_id()->set_id(kPlanId);
  for (const char* org : {"bank-a", "bank-b"}) {
    auto* p = plan.add_participants();
    p->set_organizationid(org);
    p->add_roles(Participant::Contributor);
  }
  auto seller = account("bank-a:101:seller"), buyer = account("bank-b:101:buyer");
  auto bond = asset("bank-a:102:bond", 0), usd = asset("USD", 2);
  auto add = [&](uint32_t seq, const char* org) {
    auto* i = plan.add_instructions();
    i->mutable_planid()->set_id(kPlanId);
    i->set_sequence(seq);
    i->add_organizations(org);
    return i;
  };
  auto lock = [&](finp2p::execution::HoldInstruction* h, int64_t expiry) {
    auto* l = h->mutable_hashlock();
    l->set_hash(hash);
    l->set_hashfunction("sha256");
    l->set_expiry(expiry);
    l->set_secretholder("bank-a");
  };
  auto* lockBond = add(1, "bank-a");
  lockBond->mutable_transitions()->mutable_onfailure()->set_status("failed");
  auto* hb = lockBond->mutable_hold();
  *hb->mutable_source() = seller;
  *hb->mutable_destination() = buyer;
  *hb->mutable_asset() = bond;
  hb->set_amount("100");
  lock(hb, bondExpiry);

  auto* lockCash = add(2, "bank-b");
  lockCash->mutable_transitions()->mutable_onfailure()->set_sequence(5);
  auto* hc = lockCash->mutable_hold();
  *hc->mutable_source() = buyer;
  *hc->mutable_destination() = seller;
  *hc->mutable_asset() = usd;
  hc->set_amount("10500.00");
  lock(hc, cashExpiry);

  auto* claimCash = add(3, "bank-a");
  claimCash->mutable_transitions()->mutable_onfailure()->set_sequence(6);
  auto* cc = claimCash->mutable_release();
  *cc->mutable_source() = buyer;
  *cc->mutable_destination() = seller;
  *cc->mutable_asset() = usd;
  cc->set_amount("10500.00");
  cc->set_holdinstructionsequence(2);

  auto* claimBond = add(4, "bank-b");
  claimBond->mutable_transitions()->mutable_onsuccess()->set_status("completed");
  claimBond->mutable_transitions()->mutable_onfailure()->set_status("halted");
  auto* cb = claimBond->mutable_release();
  *cb->mutable_source() = seller;
  *cb->mutable_destination() = buyer;
  *cb->mutable_asset() = bond;
  cb->set_amount("100");
  cb->set_holdinstructionsequence(1);

  auto* refundBond = add(5, "bank-a");
  refundBond->mutable_transitions()->mutable_onsuccess()->set_status("failed");
  refundBond->mutable_reverthold()->set_holdinstructionsequence(1);
  auto* refundCash = add(6, "bank-b");
  refundCash->mutable_transitions()->mutable_onsuccess()->set_sequence(5);
  refundCash->mutable_transitions()->mutable_onfailure()->set_sequence(5);
  refundCash->mutable_reverthold()->set_holdinstructionsequence(2);
  return plan;
}

}  // namespace finp2p::testing
