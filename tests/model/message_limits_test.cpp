// Structural limits on a peer's message, before anything of it is copied or expanded.

#include "model/message_limits.hpp"

#include <gtest/gtest.h>

#include "finp2p/execution.pb.h"
#include "plan_builder.hpp"

namespace finp2p::model {
namespace {

finp2p::execution::ProposeRequest proposal(const finp2p::execution::ExecutionPlan& plan) {
  finp2p::execution::ProposeRequest r;
  r.mutable_envelope()->set_messageid("m1");
  *r.mutable_executionplan()->mutable_plan() = plan;
  return r;
}

void expectRefused(const Status& s, const std::string& part) {
  ASSERT_FALSE(s.ok()) << "accepted; expected a refusal containing " << part;
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(s.error().message.find(part), std::string::npos) << s.error().message;
}

TEST(MessageLimits, AValidPlanPasses) {
  EXPECT_TRUE(checkMessageLimits(proposal(testing::dvpPlan())).ok());
}

TEST(MessageLimits, MillionsOfDuplicateRolesAreRefused) {
  auto plan = testing::dvpPlan();
  for (int i = 0; i < 1'000'000; ++i) {
    plan.mutable_participants(0)->add_roles(finp2p::execution::Participant::Contributor);
  }
  expectRefused(checkMessageLimits(proposal(plan)),
                "executionPlan.plan.participants[0].roles: 1000001 entries, the limit is 4");
}

TEST(MessageLimits, TooManyParticipantsInstructionsOrOrganizationsAreRefused) {
  auto plan = testing::dvpPlan();
  for (int i = 0; i < 280'000; ++i) plan.add_participants()->set_organizationid("x");
  expectRefused(checkMessageLimits(proposal(plan)), "plan.participants: 280003 entries");
  plan = testing::dvpPlan();
  for (int i = 0; i < 300; ++i) *plan.add_instructions() = plan.instructions(0);
  expectRefused(checkMessageLimits(proposal(plan)), "plan.instructions: 304 entries");
  plan = testing::dvpPlan();
  for (int i = 0; i < 100; ++i) plan.mutable_instructions(0)->add_organizations("bank-a");
  expectRefused(checkMessageLimits(proposal(plan)), "instructions[0].organizations: 101 entries");
}

TEST(MessageLimits, LongStringsAreRefusedInAnyMessage) {
  finp2p::execution::RejectRequest r;
  r.mutable_plan()->set_reason(std::string(20'000, 'x'));
  expectRefused(checkMessageLimits(r), "plan.reason: longer than 16384 bytes");
  finp2p::execution::ApproveRequest a;
  a.mutable_plan()->mutable_signature()->set_signature(std::string(20'000, 'a'));
  expectRefused(checkMessageLimits(a), "plan.signature.signature");
}

}  // namespace
}  // namespace finp2p::model
