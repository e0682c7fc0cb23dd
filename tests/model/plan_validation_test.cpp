#include "model/plan_validation.hpp"

#include <gtest/gtest.h>

#include "plan_builder.hpp"

namespace finp2p::model {
namespace {

using finp2p::execution::ExecutionPlan;
using finp2p::execution::Participant;
using finp2p::testing::dvpPlan;

std::string describe(const std::vector<Violation>& vs) {
  std::string out;
  for (const auto& v : vs) out += "  " + v.toString() + "\n";
  return out;
}

void expectValid(const ExecutionPlan& plan, const PlanValidationOptions& options = {}) {
  auto vs = validatePlan(plan, options);
  EXPECT_TRUE(vs.empty()) << describe(vs);
}

// Expects a violation at exactly `path` whose message contains `text`.
void expectViolation(const ExecutionPlan& plan, const std::string& path, const std::string& text) {
  auto vs = validatePlan(plan);
  for (const auto& v : vs) {
    if (v.path == path && v.message.find(text) != std::string::npos) return;
  }
  ADD_FAILURE() << "expected \"" << path << ": ..." << text << "...\" in:\n" << describe(vs);
}

TEST(PlanValidation, TheDvpPlanIsValid) {
  expectValid(dvpPlan());
}

TEST(PlanValidation, ReportsEveryViolationNotJustTheFirst) {
  auto plan = dvpPlan();
  plan.mutable_instructions(0)->mutable_hold()->set_amount("-1");
  plan.mutable_instructions(1)->set_organizations(0, "bank-z");
  EXPECT_EQ(validatePlan(plan).size(), 2u) << describe(validatePlan(plan));
}

// --- plan id ---
TEST(PlanValidation, PlanIdMayBeLeftToTheRouterWhenAllowed) {
  auto plan = dvpPlan();
  plan.clear_id();
  for (auto& i : *plan.mutable_instructions()) i.clear_planid();
  expectValid(plan, {.requirePlanId = false});
}
TEST(PlanValidation, PlanIdMustBeA106Id) {
  auto plan = dvpPlan();
  plan.mutable_id()->set_id("bank-a:102:5b0c1f0e-8f43-4e0a-9d5c-3c2a7b9e1a01");
  expectViolation(plan, "id", "an execution plan id has 106");
  plan.clear_id();
  expectViolation(plan, "id", "missing");
}

// --- unique participants ---
TEST(PlanValidation, ParticipantWithBothRolesIsAccepted) {
  auto plan = dvpPlan();
  plan.mutable_participants(2)->add_roles(Participant::Contributor);
  expectValid(plan);
}
TEST(PlanValidation, DuplicateParticipantIsRefused) {
  auto plan = dvpPlan();
  auto* dup = plan.add_participants();
  dup->set_organizationid("bank-b");
  dup->add_roles(Participant::Observer);
  expectViolation(plan, "participants[3].organizationID", "\"bank-b\" is listed more than once");
}
TEST(PlanValidation, ParticipantNeedsAKnownRole) {
  auto plan = dvpPlan();
  plan.mutable_participants(2)->clear_roles();
  expectViolation(plan, "participants[2].roles", "needs a role");
  plan.mutable_participants(2)->add_roles(Participant::Unknown);
  expectViolation(plan, "participants[2].roles[0]", "Observer or Contributor");
}

// --- at least one contributor ---
TEST(PlanValidation, OneContributorIsEnough) {
  auto plan = dvpPlan();
  plan.mutable_participants(1)->set_roles(0, Participant::Observer);
  for (auto& i : *plan.mutable_instructions()) i.set_organizations(0, "bank-a");
  expectValid(plan);
}
TEST(PlanValidation, PlanWithoutContributorsIsRefused) {
  auto plan = dvpPlan();
  for (auto& p : *plan.mutable_participants()) p.set_roles(0, Participant::Observer);
  expectViolation(plan, "participants", "at least one contributor");
}

// --- sequences start at 1 and strictly increase ---
TEST(PlanValidation, SequencesMayHaveGaps) {
  auto plan = dvpPlan();
  plan.mutable_instructions(3)->set_sequence(10);
  plan.mutable_instructions(1)->mutable_transitions()->mutable_onfailure()->set_sequence(10);
  expectValid(plan);
}
TEST(PlanValidation, FirstSequenceMustBeOne) {
  auto plan = dvpPlan();
  plan.mutable_instructions(0)->set_sequence(0);
  expectViolation(plan, "instructions[0].sequence", "must have sequence 1");
}
TEST(PlanValidation, SequencesMustIncrease) {
  auto plan = dvpPlan();
  plan.mutable_instructions(2)->set_sequence(2);
  expectViolation(plan, "instructions[2].sequence", "does not increase (previous is 2)");
}

// --- exactly one operation ---
TEST(PlanValidation, EveryOperationKindIsAccepted) {
  auto plan = dvpPlan();
  auto* issue = plan.add_instructions();
  issue->mutable_planid()->set_id(finp2p::testing::kPlanId);
  issue->set_sequence(5);
  issue->add_organizations("bank-a");
  issue->mutable_issue()->set_amount("5");
  *issue->mutable_issue()->mutable_asset() = finp2p::testing::asset("bank-a:102:bond", 0);
  *issue->mutable_issue()->mutable_destination() = finp2p::testing::account("bank-a:101:x");
  auto* redeem = plan.add_instructions();
  *redeem = *issue;
  redeem->set_sequence(6);
  redeem->mutable_redeem()->set_amount("5");
  *redeem->mutable_redeem()->mutable_asset() = finp2p::testing::asset("bank-a:102:bond", 0);
  *redeem->mutable_redeem()->mutable_source() = finp2p::testing::account("bank-a:101:x");
  auto* wait = plan.add_instructions();
  *wait = *issue;
  wait->set_sequence(7);
  wait->mutable_await()->set_waituntil(1798761600);
  expectValid(plan);
}
TEST(PlanValidation, InstructionWithoutOperationIsRefused) {
  auto plan = dvpPlan();
  plan.mutable_instructions(1)->clear_transfer();
  expectViolation(plan, "instructions[1]", "exactly one operation");
}

// --- at least one executing organization ---
TEST(PlanValidation, SeveralExecutorsAreAccepted) {
  auto plan = dvpPlan();
  plan.mutable_instructions(0)->add_organizations("bank-b");
  expectValid(plan);
}
TEST(PlanValidation, InstructionWithoutExecutorIsRefused) {
  auto plan = dvpPlan();
  plan.mutable_instructions(0)->clear_organizations();
  expectViolation(plan, "instructions[0].organizations", "at least one executing organization");
}

// --- every executor is a contributor ---
TEST(PlanValidation, ContributorExecutorIsAccepted) {
  auto plan = dvpPlan();
  plan.mutable_instructions(1)->set_organizations(0, "bank-a");
  expectValid(plan);
}
TEST(PlanValidation, ObserverOrStrangerAsExecutorIsRefused) {
  auto plan = dvpPlan();
  plan.mutable_instructions(2)->set_organizations(0, "bank-c");
  plan.mutable_instructions(1)->set_organizations(0, "bank-z");
  expectViolation(plan, "instructions[2].organizations[0]", "\"bank-c\" is not a contributor");
  expectViolation(plan, "instructions[1].organizations[0]", "not a participant");
}

// --- instruction planId equals the plan id ---
TEST(PlanValidation, InstructionPlanIdMustMatch) {
  auto plan = dvpPlan();
  plan.mutable_instructions(3)->mutable_planid()->set_id(
      "bank-a:106:6c1d2e3f-9a54-4b1c-8e6d-4d3b8c0f2b12");
  expectViolation(plan, "instructions[3].planId", "differs from the plan id");
}

// --- transitions target an existing sequence or a terminal status ---
TEST(PlanValidation, TransitionsToSequencesAndTerminalStatusesAreAccepted) {
  auto plan = dvpPlan();
  auto* t = plan.mutable_instructions(1)->mutable_transitions();
  t->mutable_onsuccess()->set_sequence(3);
  plan.mutable_instructions(1)->set_timeoutseconds(30);
  t->mutable_ontimeout()->set_status("cancelled");
  expectValid(plan);
}
TEST(PlanValidation, TransitionToMissingSequenceIsRefused) {
  auto plan = dvpPlan();
  plan.mutable_instructions(1)->mutable_transitions()->mutable_onfailure()->set_sequence(9);
  expectViolation(plan, "instructions[1].transitions.onFailure.sequence", "9 does not exist");
}
TEST(PlanValidation, TransitionToUnknownStatusIsRefused) {
  auto plan = dvpPlan();
  plan.mutable_instructions(2)->mutable_transitions()->mutable_onsuccess()->set_status("done");
  expectViolation(plan, "instructions[2].transitions.onSuccess.status", "not a terminal status");
}
TEST(PlanValidation, TimeoutTransitionNeedsATimeout) {
  auto plan = dvpPlan();
  plan.mutable_instructions(1)->mutable_transitions()->mutable_ontimeout()->set_sequence(4);
  expectViolation(plan, "instructions[1].transitions.onTimeout", "no timeoutSeconds");
}

// --- every path ends ---
TEST(PlanValidation, ForwardJumpsEndEverywhere) {
  auto plan = dvpPlan();
  plan.mutable_instructions(0)->mutable_transitions()->mutable_onsuccess()->set_sequence(3);
  expectValid(plan);
}
TEST(PlanValidation, CycleIsRefused) {
  auto plan = dvpPlan();
  plan.mutable_instructions(3)->mutable_transitions()->mutable_onsuccess()->set_sequence(2);
  expectViolation(plan, "instructions[3].transitions.onSuccess", "cycle 2 -> 4 -> 2");
}

// --- amounts valid ---
TEST(PlanValidation, AmountWithinTheAssetPrecisionIsAccepted) {
  auto plan = dvpPlan();
  plan.mutable_instructions(1)->mutable_transfer()->set_amount("0.01");
  expectValid(plan);
}
TEST(PlanValidation, BadAmountsAreRefused) {
  auto plan = dvpPlan();
  plan.mutable_instructions(1)->mutable_transfer()->set_amount("1e3");
  plan.mutable_instructions(0)->mutable_hold()->set_amount("0");
  expectViolation(plan, "instructions[1].transfer.amount", "invalid amount \"1e3\"");
  expectViolation(plan, "instructions[0].hold.amount", "greater than zero");
  plan.mutable_instructions(1)->mutable_transfer()->set_amount("1.001");
  expectViolation(plan, "instructions[1].transfer.amount", "the asset allows 2");
}

// --- Release / RevertHold refer to an earlier Hold ---
TEST(PlanValidation, PartialReleaseOfAHoldIsAccepted) {
  auto plan = dvpPlan();
  plan.mutable_instructions(2)->mutable_release()->set_amount("40");
  expectValid(plan);
}
TEST(PlanValidation, ReleaseOfANonHoldIsRefused) {
  auto plan = dvpPlan();
  plan.mutable_instructions(2)->mutable_release()->set_holdinstructionsequence(2);
  expectViolation(plan, "instructions[2].release.holdInstructionSequence", "not a Hold");
}
TEST(PlanValidation, RevertOfALaterOrMissingHoldIsRefused) {
  auto plan = dvpPlan();
  plan.mutable_instructions(3)->mutable_reverthold()->set_holdinstructionsequence(4);
  expectViolation(plan, "instructions[3].revertHold.holdInstructionSequence", "not earlier");
  plan.mutable_instructions(3)->mutable_reverthold()->set_holdinstructionsequence(0);
  expectViolation(plan, "instructions[3].revertHold.holdInstructionSequence", "does not exist");
}
TEST(PlanValidation, ReleaseMustMatchTheHold) {
  auto plan = dvpPlan();
  plan.mutable_instructions(2)->mutable_release()->set_amount("101");
  plan.mutable_instructions(2)->mutable_release()->mutable_asset()->set_id("bank-a:102:other");
  expectViolation(plan, "instructions[2].release.amount", "more than the 100 held");
  expectViolation(plan, "instructions[2].release.asset.id", "the hold is of");
}

// --- await ---
TEST(PlanValidation, AwaitNeedsATimeOrACondition) {
  auto plan = dvpPlan();
  plan.mutable_instructions(0)->mutable_await();
  expectViolation(plan, "instructions[0].await", "needs waitUntil");
}

TEST(PlanValidation, TooManyInstructionsOrParticipantsAreRefused) {
  auto plan = dvpPlan();
  for (int i = 0; i < kMaxParticipants; ++i) {
    auto* p = plan.add_participants();
    p->set_organizationid("org-" + std::to_string(i));
    p->add_roles(Participant::Observer);
  }
  expectViolation(plan, "participants", "at most 64");
  plan = dvpPlan();
  for (uint32_t s = 5; s <= 300; ++s) {
    auto* ins = plan.add_instructions();
    *ins = plan.instructions(0);
    ins->set_sequence(s);
    ins->mutable_transitions()->mutable_onsuccess()->set_status("completed");
  }
  expectViolation(plan, "instructions", "300 instructions, at most 256");
}

TEST(PlanValidation, IntentWindowMustNotEndBeforeItStarts) {
  auto plan = dvpPlan();
  auto* intent = plan.mutable_intent()->mutable_intent();
  intent->set_start(200);
  intent->set_end(100);
  expectViolation(plan, "intent.intent.end", "before it starts");
}

// Regression (issue 12): a release to finId "oops" was accepted and settled to a ledger account
// named "oops".
TEST(PlanValidation, FinIdMustBeACompressedSecp256k1PublicKeyInHex) {
  auto plan = dvpPlan();
  auto* dest = plan.mutable_instructions(2)->mutable_release()->mutable_destination();
  dest->mutable_account()->mutable_finp2p()->set_finid("oops");
  expectViolation(plan, "instructions[2].release.destination.account.finp2p.finId",
                  "is not a finId");
  dest->mutable_account()->mutable_finp2p()->set_finid(
      "02466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f27");
  expectValid(plan);
  dest->mutable_account()->mutable_finp2p()->set_finid(
      "02B7E2C1F4A9D3E5B6C7A8F9E0D1C2B3A4F5E6D7C8B9A0F1E2D3C4B5A6978877AA");
  expectViolation(plan, "instructions[2].release.destination.account.finp2p.finId",
                  "is not a finId");
}

// F-F of the 2026-12-03 adversarial review: a release (or revert) naming a source other than its
// hold's was accepted; a ledger reading it would move holdings nobody locked or signed for.
TEST(PlanValidation, AReleaseOrRevertFromAnotherSourceThanItsHoldsIsRefused) {
  auto plan = testing::dvpPlan();
  *plan.mutable_instructions(2)->mutable_release()->mutable_source() =
      plan.instructions(1).transfer().source();  // the buyer, not the hold's seller
  expectViolation(plan, "instructions[2].release.source",
                  "is not the source of the hold it refers to");
  plan = testing::dvpPlan();
  *plan.mutable_instructions(3)->mutable_reverthold()->mutable_source() =
      plan.instructions(1).transfer().source();
  expectViolation(plan, "instructions[3].revertHold.source",
                  "is not the source of the hold it refers to");
}

}  // namespace
}  // namespace finp2p::model
