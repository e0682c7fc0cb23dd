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

}  // namespace finp2p::testing
