// A contributor verifies the investor signatures of a plan it is proposed before it approves
// (issue 16): a plan that moves an investor's bonds without that investor's valid signature is
// rejected, to every participant, with a reason naming the investor and the field.

#include <gtest/gtest.h>

#include "../model/plan_builder.hpp"
#include "engine/plan_engine.hpp"

namespace finp2p::engine {
namespace {

using finp2p::execution::ExecutionPlan;
using finp2p::journal::Event;

struct Contributor {
  std::map<std::string, crypto::SigningKey> keys;
  std::map<std::string, std::unique_ptr<RouterCrypto>> crypto;
  std::unique_ptr<PlanEngine> engine;

  explicit Contributor(bool require = true) {
    std::map<std::string, crypto::VerifyingKey> pub;
    for (const char* org : {"bank-a", "bank-b", "bank-c"}) {
      keys.emplace(org, *crypto::SigningKey::generate());
      pub.emplace(org, keys.at(org).verifyingKey());
    }
    for (auto& [org, k] : keys) crypto[org] = std::make_unique<RouterCrypto>(org, k, pub);
    config = EngineConfig{"bank-b", 60000, 60000, crypto["bank-b"].get()};
    config.requireInvestorSignatures = require;
    engine = std::make_unique<PlanEngine>(testing::kPlanId, config);
  }
  EngineConfig config;
  Event journaled;

  // bank-a proposes `plan` to bank-b: what bank-b does about it.
  std::vector<Action> propose(const ExecutionPlan& plan) {
    Event e;
    e.set_planid(testing::kPlanId);
    e.set_atmillis(1);
    e.mutable_planproposal()->set_from("bank-a");
    *e.mutable_planproposal()->mutable_plan() = plan;
    EXPECT_TRUE(engine->authorize(e).ok());
    PlanEngine::stampInvestorCheck(e, config);  // as the node does before journaling it
    journaled = e;
    return engine->handle(e);
  }
};

// The reason of bank-b's rejection of the plan, or "" when it did not reject it.
std::string rejection(const std::vector<Action>& actions) {
  for (const auto& a : actions) {
    const auto* send = std::get_if<SendAction>(&a);
    if (!send) continue;
    if (const auto* r = std::get_if<finp2p::execution::RejectRequest>(&send->message)) {
      return r->plan().reason();
    }
  }
  return "";
}

bool preflights(const std::vector<Action>& actions) {
  for (const auto& a : actions) {
    if (std::holds_alternative<PreflightAction>(a)) return true;
  }
  return false;
}

ExecutionPlan withoutSeller() {
  auto plan = testing::dvpPlan();
  auto* investors = plan.mutable_intent()->mutable_intent()->mutable_investors();
  for (auto& i : *investors) {
    if (i.finid() == testing::kSellerFinId) i.clear_signature();
  }
  return plan;
}

TEST(InvestorSignatures, SignedPlanGoesToPreflight) {
  Contributor b;
  auto actions = b.propose(testing::dvpPlan());
  EXPECT_EQ(rejection(actions), "");
  EXPECT_TRUE(preflights(actions));
}

// Regression: before issue 16 bank-b preflighted (and approved) this plan.
TEST(InvestorSignatures, BondMovedWithoutTheSellersSignatureIsRejected) {
  Contributor b;
  auto actions = b.propose(withoutSeller());
  std::string why = rejection(actions);
  EXPECT_FALSE(preflights(actions));
  EXPECT_NE(why.find(testing::kSellerFinId), std::string::npos) << why;
  EXPECT_NE(why.find("instructions[0].hold.source"), std::string::npos) << why;
  EXPECT_EQ(b.engine->status(), PlanStatus::kRejected);
}

// F5 of the 2026-12-03 review: a contributor took in an intent of 2023 and settled it. The
// window is judged at the proposal's arrival (the event's time, in milliseconds).
TEST(InvestorSignatures, AnIntentPastItsEndIsRejected) {
  Contributor b;
  auto plan = testing::dvpPlan();
  plan.mutable_intent()->mutable_intent()->set_end(0);  // arrives at 1 ms: still valid
  EXPECT_EQ(rejection(b.propose(plan)), "");
  Contributor c;
  plan.mutable_intent()->mutable_intent()->set_start(-10);
  plan.mutable_intent()->mutable_intent()->set_end(-1);  // ended before the proposal arrived
  auto actions = c.propose(plan);
  EXPECT_NE(rejection(actions).find("intent.intent.end: the intent was valid until -1"),
            std::string::npos)
      << rejection(actions);
  EXPECT_FALSE(preflights(actions));
}

// The verdict travels in the journaled event: replayed with the setting off, the router
// rejects the plan it rejected; an event journaled before investor signatures is not checked.
TEST(InvestorSignatures, ReplayDecidesByTheJournaledVerdict) {
  Contributor b;
  b.propose(withoutSeller());
  EXPECT_TRUE(b.journaled.planproposal().investorcheck().checked());

  EngineConfig lenient = b.config;
  lenient.requireInvestorSignatures = false;
  PlanEngine replayed(testing::kPlanId, lenient);
  EXPECT_NE(rejection(replayed.handle(b.journaled)), "");
  EXPECT_EQ(replayed.status(), PlanStatus::kRejected);

  Event old = b.journaled;
  old.mutable_planproposal()->clear_investorcheck();
  PlanEngine before(testing::kPlanId, b.config);
  auto actions = before.handle(old);
  EXPECT_EQ(rejection(actions), "");
  EXPECT_TRUE(preflights(actions));
}

TEST(InvestorSignatures, ForgedSignatureIsRejectedNamingTheInvestor) {
  Contributor b;
  auto plan = testing::dvpPlan();
  // The buyer's signature, put under the seller's finId.
  auto& investors = *plan.mutable_intent()->mutable_intent()->mutable_investors();
  auto buyers = investors[1].signature();
  ASSERT_EQ(investors[0].finid(), testing::kSellerFinId);
  *investors[0].mutable_signature() = buyers;
  std::string why = rejection(b.propose(plan));
  EXPECT_NE(why.find("intent.intent.investors[0].signature"), std::string::npos) << why;
  EXPECT_NE(why.find("investor " + std::string(testing::kSellerFinId)), std::string::npos) << why;
}

TEST(InvestorSignatures, AmountTheSellerDidNotSignIsRejectedNamingTheField) {
  Contributor b;
  auto plan = testing::dvpPlan();
  plan.mutable_instructions(0)->mutable_hold()->set_amount("1000");  // signed: 100
  plan.mutable_instructions(2)->mutable_release()->set_amount("1000");
  std::string why = rejection(b.propose(plan));
  EXPECT_NE(why.find("amount"), std::string::npos) << why;
  EXPECT_NE(why.find(testing::kSellerFinId), std::string::npos) << why;
}

TEST(InvestorSignatures, WithoutTheSettingAnUnsignedPlanIsAccepted) {
  Contributor b(/*require=*/false);
  auto plan = testing::dvpPlan();
  plan.mutable_intent()->clear_intent();
  auto actions = b.propose(plan);
  EXPECT_EQ(rejection(actions), "");
  EXPECT_TRUE(preflights(actions));
  // ... but a signature that is there still has to be real.
  Contributor c(/*require=*/false);
  auto forged = testing::dvpPlan();
  forged.mutable_intent()
      ->mutable_intent()
      ->mutable_investors(0)
      ->mutable_signature()
      ->set_signature(std::string(128, '1'));
  EXPECT_NE(rejection(c.propose(forged)), "");
}

}  // namespace
}  // namespace finp2p::engine
