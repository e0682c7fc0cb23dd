// The authorization matrix: every message kind from every role of a plan, accepted or refused.
// Seal, key, replay and freshness checks happen before this, in the peer service; the
// end-to-end test e2e/hostile_input.sh covers those against a live router.

#include <gtest/gtest.h>

#include "../model/plan_builder.hpp"
#include "engine/plan_engine.hpp"

namespace finp2p::engine {
namespace {

using finp2p::journal::Event;

enum class Kind {
  kProposal,
  kPlanApproval,
  kPlanRejection,
  kCompletion,
  kCompletionApproval,
  kCompletionRejection
};

const char* kindName(Kind k) {
  switch (k) {
    case Kind::kProposal:
      return "plan proposal";
    case Kind::kPlanApproval:
      return "plan approval";
    case Kind::kPlanRejection:
      return "plan rejection";
    case Kind::kCompletion:
      return "completion of instruction 2";
    case Kind::kCompletionApproval:
      return "completion approval";
    case Kind::kCompletionRejection:
      return "completion rejection";
  }
  return "?";
}

Event message(Kind kind, const std::string& from) {
  auto plan = testing::dvpPlan();
  Event e;
  e.set_planid(plan.id().id());
  switch (kind) {
    case Kind::kProposal:
      e.mutable_planproposal()->set_from(from);
      *e.mutable_planproposal()->mutable_plan() = plan;
      break;
    case Kind::kPlanApproval:
      e.mutable_planapproval()->set_from(from);
      break;
    case Kind::kPlanRejection:
      e.mutable_planrejection()->set_from(from);
      break;
    case Kind::kCompletion:
      e.mutable_completionproposal()->set_from(from);
      *e.mutable_completionproposal()->mutable_event()->mutable_instruction() =
          plan.instructions(1);
      break;
    case Kind::kCompletionApproval:
      e.mutable_completionapproval()->set_from(from);
      break;
    case Kind::kCompletionRejection:
      e.mutable_completionrejection()->set_from(from);
      break;
  }
  return e;
}

struct Case {
  Kind kind;
  const char* from;  // bank-a issuer+contributor, bank-b contributor (executes 2), bank-c observer,
                     // bank-z stranger
  bool accepted;
  const char* reason;  // part of the refusal
};

class Authorization : public ::testing::TestWithParam<Case> {};

TEST_P(Authorization, MatchesTheMatrix) {
  const Case& c = GetParam();
  auto key = *crypto::SigningKey::generate();
  RouterCrypto crypto("bank-a", key, {});
  EngineConfig config{"bank-a", 60000, 60000, &crypto};
  PlanEngine engine(testing::kPlanId, config);
  Event created;
  created.set_planid(testing::kPlanId);
  *created.mutable_plancreated()->mutable_plan() = testing::dvpPlan();
  engine.handle(created);
  ASSERT_TRUE(engine.hasPlan());

  auto verdict = engine.authorize(message(c.kind, c.from));
  EXPECT_EQ(verdict.ok(), c.accepted) << kindName(c.kind) << " from " << c.from;
  if (!c.accepted && !verdict.ok()) {
    EXPECT_EQ(verdict.error().code, ErrorCode::kPermissionDenied);
    EXPECT_NE(verdict.error().message.find(c.reason), std::string::npos) << verdict.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryKindFromEveryRole, Authorization,
    ::testing::Values(Case{Kind::kProposal, "bank-a", true, ""},
                      Case{Kind::kProposal, "bank-b", false, "only its issuing organization"},
                      Case{Kind::kProposal, "bank-c", false, "only its issuing organization"},
                      Case{Kind::kProposal, "bank-z", false, "only its issuing organization"},
                      Case{Kind::kPlanApproval, "bank-a", true, ""},
                      Case{Kind::kPlanApproval, "bank-b", true, ""},
                      Case{Kind::kPlanApproval, "bank-c", false, "observer"},
                      Case{Kind::kPlanApproval, "bank-z", false, "not a participant"},
                      Case{Kind::kPlanRejection, "bank-b", true, ""},
                      Case{Kind::kPlanRejection, "bank-c", false, "observer"},
                      Case{Kind::kPlanRejection, "bank-z", false, "not a participant"},
                      Case{Kind::kCompletion, "bank-b", true, ""},
                      Case{Kind::kCompletion, "bank-a", false, "not an executor of instruction 2"},
                      Case{Kind::kCompletion, "bank-c", false, "not an executor"},
                      Case{Kind::kCompletion, "bank-z", false, "not a participant"},
                      Case{Kind::kCompletionApproval, "bank-a", true, ""},
                      Case{Kind::kCompletionApproval, "bank-b", true, ""},
                      Case{Kind::kCompletionApproval, "bank-c", false, "observer"},
                      Case{Kind::kCompletionApproval, "bank-z", false, "not a participant"},
                      Case{Kind::kCompletionRejection, "bank-b", true, ""},
                      Case{Kind::kCompletionRejection, "bank-c", false, "observer"},
                      Case{Kind::kCompletionRejection, "bank-z", false, "not a participant"}),
    [](const auto& info) {
      std::string name = kindName(info.param.kind);
      name += std::string("_from_") + info.param.from;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(Authorization, BeforeThePlanIsKnownOnlyTheProposerIsChecked) {
  auto key = *crypto::SigningKey::generate();
  RouterCrypto crypto("bank-b", key, {});
  PlanEngine engine(testing::kPlanId, EngineConfig{"bank-b", 60000, 60000, &crypto});
  EXPECT_FALSE(engine.authorize(message(Kind::kProposal, "bank-b")).ok());
  // An approval may arrive before the proposal: it is kept, and judged when the plan arrives.
  EXPECT_TRUE(engine.authorize(message(Kind::kPlanApproval, "bank-z")).ok());
}

}  // namespace
}  // namespace finp2p::engine
