// The authorization matrix: every message kind from every role of a plan, accepted or refused.
// Seal, key, replay and freshness checks happen before this, in the peer service; the
// end-to-end test e2e/hostile_input.sh covers those against a live router.

#include <gtest/gtest.h>

#include "../model/plan_builder.hpp"
#include "engine/plan_engine.hpp"

namespace finp2p::engine {
namespace {

using finp2p::journal::Event;

// bank-a's engine with the DvP plan, knowing every organization's key.
struct Keyed {
  std::map<std::string, crypto::SigningKey> keys;
  std::map<std::string, std::unique_ptr<RouterCrypto>> crypto;
  std::unique_ptr<PlanEngine> engine;

  explicit Keyed(bool withPlan = true) {
    std::map<std::string, crypto::VerifyingKey> pub;
    for (const char* org : {"bank-a", "bank-b", "bank-c", "bank-z"}) {
      keys.emplace(org, *crypto::SigningKey::generate());
      pub.emplace(org, keys.at(org).verifyingKey());
    }
    for (auto& [org, k] : keys) crypto[org] = std::make_unique<RouterCrypto>(org, k, pub);
    engine = std::make_unique<PlanEngine>(
        testing::kPlanId, EngineConfig{"bank-a", 60000, 60000, crypto["bank-a"].get()});
    if (!withPlan) return;
    Event created;
    created.set_planid(testing::kPlanId);
    *created.mutable_plancreated()->mutable_plan() = testing::dvpPlan();
    engine->handle(created);
  }

  // bank-b's signed completion of instruction 2.
  finp2p::execution::InstructionCompletionEvent completion() const {
    finp2p::execution::InstructionCompletionEvent e;
    *e.mutable_instruction() = testing::dvpPlan().instructions(1);
    e.mutable_receipt()->set_quantity("10500.00");
    crypto.at("bank-b")->signCompletion(e);
    return e;
  }
};

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

// A well-formed, validly signed message of this kind from `from`.
Event message(const Keyed& k, Kind kind, const std::string& from) {
  auto plan = testing::dvpPlan();
  Event e;
  e.set_planid(plan.id().id());
  const RouterCrypto& signer = *k.crypto.at(from);
  switch (kind) {
    case Kind::kProposal:
      e.mutable_planproposal()->set_from(from);
      *e.mutable_planproposal()->mutable_plan() = plan;
      break;
    case Kind::kPlanApproval:
      e.mutable_planapproval()->set_from(from);
      *e.mutable_planapproval()->mutable_approval() = signer.approvePlan(plan);
      break;
    case Kind::kPlanRejection:
      e.mutable_planrejection()->set_from(from);
      break;
    case Kind::kCompletion: {
      finp2p::execution::InstructionCompletionEvent c;
      *c.mutable_instruction() = plan.instructions(1);
      signer.signCompletion(c);
      e.mutable_completionproposal()->set_from(from);
      *e.mutable_completionproposal()->mutable_event() = c;
      break;
    }
    case Kind::kCompletionApproval:
      e.mutable_completionapproval()->set_from(from);
      *e.mutable_completionapproval()->mutable_approval() =
          signer.approveCompletion(k.completion());
      break;
    case Kind::kCompletionRejection:
      e.mutable_completionrejection()->set_from(from);
      e.mutable_completionrejection()->set_sequence(2);
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
  Keyed k;
  PlanEngine& engine = *k.engine;
  ASSERT_TRUE(engine.hasPlan());

  auto verdict = engine.authorize(message(k, c.kind, c.from));
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

TEST(Authorization, BeforeThePlanIsKnownOnlyTheProposalIsJudged) {
  Keyed k(false);
  PlanEngine engine(testing::kPlanId,
                    EngineConfig{"bank-b", 60000, 60000, k.crypto["bank-b"].get()});
  EXPECT_FALSE(engine.authorize(message(k, Kind::kProposal, "bank-b")).ok());
  EXPECT_TRUE(engine.authorize(message(k, Kind::kProposal, "bank-a")).ok());
  // The node refuses other messages for a plan it does not know (unknown plan); the engine has
  // nothing to judge them by.
  EXPECT_TRUE(engine.authorize(message(k, Kind::kPlanApproval, "bank-z")).ok());
}

}  // namespace
}  // namespace finp2p::engine

// ---- issue 13: what a peer says is checked before it is journaled ----

namespace finp2p::engine {
namespace {

void expectRefused(const Status& s, ErrorCode code, const std::string& part) {
  ASSERT_FALSE(s.ok()) << "accepted; expected a refusal containing \"" << part << "\"";
  EXPECT_EQ(s.error().code, code) << s.error().message;
  EXPECT_NE(s.error().message.find(part), std::string::npos) << s.error().message;
}

TEST(PeerChecks, ProposalFromAnIssuerOutsideThePlanIsRefused) {
  auto plan = testing::dvpPlan();
  std::string id = "bank-z:106:5b0c1f0e-8f43-4e0a-9d5c-3c2a7b9e1a01";
  plan.mutable_id()->set_id(id);
  Keyed k(false);
  PlanEngine engine(id, EngineConfig{"bank-a", 60000, 60000, k.crypto["bank-a"].get()});
  Event e;
  e.set_planid(id);
  e.mutable_planproposal()->set_from("bank-z");
  *e.mutable_planproposal()->mutable_plan() = plan;
  expectRefused(engine.authorize(e), ErrorCode::kPermissionDenied,
                "bank-z is not a participant of plan " + id);
}

TEST(PeerChecks, ProposalNotNamingThisRouterIsRefused) {
  auto plan = testing::dvpPlan();
  plan.mutable_participants(2)->set_organizationid("bank-d");  // bank-c is left out
  Keyed k(false);
  PlanEngine engine(testing::kPlanId,
                    EngineConfig{"bank-c", 60000, 60000, k.crypto["bank-c"].get()});
  Event e;
  e.set_planid(testing::kPlanId);
  e.mutable_planproposal()->set_from("bank-a");
  *e.mutable_planproposal()->mutable_plan() = plan;
  expectRefused(engine.authorize(e), ErrorCode::kPermissionDenied,
                "bank-c is not a participant of plan");
}

TEST(PeerChecks, ProposalOfAnInvalidPlanIsRefusedBeforeJournaling) {
  auto plan = testing::dvpPlan();
  plan.mutable_instructions(1)->mutable_transfer()->set_amount("-5");
  Keyed k(false);
  Event e;
  e.set_planid(testing::kPlanId);
  e.mutable_planproposal()->set_from("bank-a");
  *e.mutable_planproposal()->mutable_plan() = plan;
  PlanEngine engine(testing::kPlanId,
                    EngineConfig{"bank-b", 60000, 60000, k.crypto["bank-b"].get()});
  expectRefused(engine.authorize(e), ErrorCode::kInvalidArgument, "invalid plan: ");
}

TEST(PeerChecks, ExecutionOfAnEngineWithoutAPlanDoesNotCrash) {
  Keyed k(false);
  auto execution = k.engine->execution();
  EXPECT_FALSE(execution.has_plan());
  EXPECT_EQ(execution.executionplanstatus(), "proposed");
}

TEST(PeerChecks, PlanApprovalOverAnAlteredPlanIsRefusedAsASignatureFailure) {
  Keyed k;
  auto altered = testing::dvpPlan();
  altered.mutable_instructions(1)->mutable_transfer()->set_amount("1.00");
  Event e;
  e.set_planid(testing::kPlanId);
  e.mutable_planapproval()->set_from("bank-b");
  *e.mutable_planapproval()->mutable_approval() = k.crypto["bank-b"]->approvePlan(altered);
  expectRefused(k.engine->authorize(e), ErrorCode::kUnauthenticated, "");
  // The same approval over the real plan is accepted.
  *e.mutable_planapproval()->mutable_approval() =
      k.crypto["bank-b"]->approvePlan(testing::dvpPlan());
  EXPECT_TRUE(k.engine->authorize(e).ok());
}

TEST(PeerChecks, PlanApprovalNamingAnotherOrganizationIsRefused) {
  Keyed k;
  Event e;
  e.set_planid(testing::kPlanId);
  e.mutable_planapproval()->set_from("bank-b");
  *e.mutable_planapproval()->mutable_approval() =
      k.crypto["bank-a"]->approvePlan(testing::dvpPlan());  // names bank-a
  expectRefused(k.engine->authorize(e), ErrorCode::kPermissionDenied,
                "approval names \"bank-a\" but was sent by \"bank-b\"");
}

TEST(PeerChecks, CompletionWithABadSignatureIsRefused) {
  Keyed k;
  auto completion = k.completion();
  completion.mutable_receipt()->set_quantity("1");  // altered after bank-b signed it
  Event e;
  e.set_planid(testing::kPlanId);
  e.mutable_completionproposal()->set_from("bank-b");
  *e.mutable_completionproposal()->mutable_event() = completion;
  expectRefused(k.engine->authorize(e), ErrorCode::kUnauthenticated, "");
  *e.mutable_completionproposal()->mutable_event() = k.completion();
  EXPECT_TRUE(k.engine->authorize(e).ok());
}

TEST(PeerChecks, CompletionApprovalOverAnAlteredEventIsRefused) {
  Keyed k;
  auto altered = k.completion();
  altered.mutable_receipt()->set_quantity("1");
  Event e;
  e.set_planid(testing::kPlanId);
  e.mutable_completionapproval()->set_from("bank-b");
  // bank-b approves (validly signs) a completion bank-b never proposed in this form.
  *e.mutable_completionapproval()->mutable_approval() =
      k.crypto["bank-b"]->approveCompletion(altered);
  expectRefused(k.engine->authorize(e), ErrorCode::kUnauthenticated,
                "not signed by an executor of instruction 2");
  *e.mutable_completionapproval()->mutable_approval() =
      k.crypto["bank-b"]->approveCompletion(k.completion());
  EXPECT_TRUE(k.engine->authorize(e).ok());
}

TEST(PeerChecks, CompletionApprovalWithABadSignatureIsRefused) {
  Keyed k;
  auto approval = k.crypto["bank-c"]->approveCompletion(k.completion());  // bank-c's key
  Event e;
  e.set_planid(testing::kPlanId);
  e.mutable_completionapproval()->set_from("bank-b");
  *e.mutable_completionapproval()->mutable_approval() = approval;
  expectRefused(k.engine->authorize(e), ErrorCode::kUnauthenticated, "");
}

}  // namespace
}  // namespace finp2p::engine
