// RouterNode on the simulator's runtime and ledgers (one thread, seeded), a real journal file,
// and a sink that records what the node sends.

#include "node/router_node.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "../model/plan_builder.hpp"
#include "../sim/sim_ledger.hpp"
#include "../sim/sim_world.hpp"
#include "../support/investors.hpp"
#include "engine/crypto_port.hpp"

namespace finp2p::node {
namespace {

using finp2p::sim::World;

struct Sent {
  std::string to, messageId;
  std::function<void()> settled;
};

class RecordingSink final : public MessageSink {
 public:
  void send(const std::string& to, const std::string&, const std::string& messageId,
            const PeerMessage&, std::function<void()> settled) override {
    sent.push_back({to, messageId, std::move(settled)});
  }
  std::vector<Sent> sent;
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const auto& s : sent) out.push_back(s.to + " " + s.messageId);
    return out;
  }
};

class RouterNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("finp2p-node-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    world_.incarnation.assign(1, 1);
    world_.up.assign(1, true);
    world_.skew.assign(1, 0);
    for (const char* org : {"bank-a", "bank-b", "bank-c"}) {
      keys_.emplace(org, *crypto::SigningKey::generate());
      pub_.emplace(org, keys_.at(org).verifyingKey());
    }
    crypto_ = std::make_unique<engine::RouterCrypto>("bank-a", keys_.at("bank-a"), pub_);
    book_.assets = {"bank-a:102:bond"};
  }
  void TearDown() override {
    node_.reset();
    journal_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A (re)started router: a new node on the same journal file.
  RouterNode& start(bool recover = true) {
    node_.reset();
    journal_.reset();
    auto journal =
        journal::Journal::open((dir_ / "a.db").string(), {.inlineWrites = true, .durable = false});
    EXPECT_TRUE(journal.ok());
    journal_ = std::move(*journal);
    NodeConfig config;
    config.engine.self = "bank-a";
    config.engine.crypto = crypto_.get();
    node_ = std::make_unique<RouterNode>(config, std::make_unique<sim::SimRuntime>(world_, 0),
                                         *journal_, ledgers_, sink_);
    if (recover) EXPECT_TRUE(node_->recover().ok());
    return *node_;
  }
  void run(int steps = 2'000) {
    int crashed;
    std::string where;
    // Only what is due before the agreement deadline (timers far ahead stay queued).
    while (steps-- > 0 && world_.nextAt() < deadline_ && world_.step(crashed, where)) {
    }
  }
  Result<Submitted> submit(const finp2p::execution::ExecutionPlan& plan, bool newId = false) {
    std::optional<Result<Submitted>> answer;
    node_->submitAsync(plan, newId, [&](Result<Submitted> r) { answer = std::move(r); });
    run();
    EXPECT_TRUE(answer.has_value());
    return answer ? *answer : Result<Submitted>(makeError(ErrorCode::kInternal, "no answer"));
  }

  std::filesystem::path dir_;
  World world_{7};
  int64_t deadline_ = world_.now() + 2'000;  // before the agreement deadline
  std::map<std::string, crypto::SigningKey> keys_;
  std::map<std::string, crypto::VerifyingKey> pub_;
  std::unique_ptr<engine::RouterCrypto> crypto_;
  sim::Book book_{"securities"};
  sim::LedgerFaults faults_;
  sim::SimLedgers ledgers_{world_, 0, {&book_}, &faults_};
  RecordingSink sink_;
  std::unique_ptr<journal::Journal> journal_;
  std::unique_ptr<RouterNode> node_;
};

// Regression (issue 12, defect 2): the peer service started before recovery, and a message in
// that window created a fresh engine that recovery then silently dropped.
TEST_F(RouterNodeTest, MessagesBeforeRecoveryAreRefusedAsRetryLater) {
  auto& node = start(/*recover=*/false);
  finp2p::journal::Event e;
  e.set_planid(finp2p::testing::kPlanId);
  e.mutable_planrejection()->set_from("bank-b");
  std::optional<Result<std::string>> answer;
  node.deliverAsync(e, [&](Result<std::string> r) { answer = std::move(r); });
  ASSERT_TRUE(answer.has_value());
  ASSERT_FALSE(answer->ok());
  EXPECT_EQ(answer->error().code, ErrorCode::kUnavailable);
  EXPECT_NE(answer->error().message.find("recovering"), std::string::npos);
  std::optional<Result<std::string>> resend;
  node.resendRequested("bank-b", finp2p::testing::kPlanId, false,
                       [&](Result<std::string> r) { resend = std::move(r); });
  ASSERT_TRUE(resend.has_value());
  EXPECT_FALSE(resend->ok());
}

// Regression (issue 12, defect 4): submitting the same plan file twice ran two plans.
TEST_F(RouterNodeTest, SubmissionIsIdempotentOnThePlanId) {
  start();
  auto plan = finp2p::testing::dvpPlan();
  auto first = submit(plan);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->planId, finp2p::testing::kPlanId);
  EXPECT_FALSE(first->alreadySubmitted);
  auto again = submit(plan);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->planId, finp2p::testing::kPlanId);
  EXPECT_TRUE(again->alreadySubmitted);
  // After a restart too (the plan is rebuilt from the journal to compare).
  start();
  auto afterRestart = submit(plan);
  ASSERT_TRUE(afterRestart.ok());
  EXPECT_TRUE(afterRestart->alreadySubmitted);

  auto other = plan;
  other.mutable_instructions(1)->mutable_transfer()->set_amount("1.00");
  finp2p::testing::signInvestors(other);  // a different plan its investors did sign
  auto refused = submit(other);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(refused.error().message.find("already used by a different plan"), std::string::npos);

  // The same signed trade under a new id is another settlement of it: its investors sign again
  // (a new nonce), then it is a new plan.
  auto reused = submit(plan, /*newId=*/true);
  ASSERT_FALSE(reused.ok());
  EXPECT_NE(
      reused.error().message.find("was used by plan " + std::string(finp2p::testing::kPlanId)),
      std::string::npos)
      << reused.error().message;
  auto signedAgain = plan;
  for (auto [hex, role] : {std::pair{finp2p::testing::kSellerKey, "seller"},
                           std::pair{finp2p::testing::kBuyerKey, "buyer"}}) {
    ASSERT_TRUE(
        investors::signPlan(signedAgain, finp2p::testing::investorKey(hex), role, "again").ok());
  }
  auto fresh = submit(signedAgain, /*newId=*/true);
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  EXPECT_NE(fresh->planId, finp2p::testing::kPlanId);
  EXPECT_FALSE(fresh->alreadySubmitted);
}

// F4 of docs/reviews/2026-12-03-newcomer-issues-16-17.md: one investor signature settled any
// number of plans (`plan submit --new-id`). A router takes a signature in one plan only: its own
// submissions, and a peer's proposal carrying a signature another plan used is rejected with
// the reason (journaled, so after a restart too).
TEST_F(RouterNodeTest, AnInvestorSignatureSettlesOnePlanOnly) {
  start();
  auto plan = finp2p::testing::dvpPlan();
  ASSERT_TRUE(submit(plan).ok());
  start();  // the use is in the journal, not only in memory
  // bank-b proposes a copy of the plan under its own id: the signatures still verify (they
  // cover the movements, not the plan id).
  auto copy = plan;
  std::string otherId = "bank-b:106:5b0c1f0e-8f43-4e0a-9d5c-3c2a7b9e1a02";
  copy.mutable_id()->set_id(otherId);
  for (auto& ins : *copy.mutable_instructions()) ins.mutable_planid()->set_id(otherId);
  finp2p::journal::Event e;
  e.set_planid(otherId);
  e.mutable_planproposal()->set_from("bank-b");
  *e.mutable_planproposal()->mutable_plan() = copy;
  std::optional<Result<std::string>> answer;
  node_->deliverAsync(e, [&](Result<std::string> r) { answer = std::move(r); });
  run();
  ASSERT_TRUE(answer.has_value());
  auto events = journal_->events(otherId);
  ASSERT_TRUE(events.ok());
  ASSERT_FALSE(events->empty());
  const auto& check = events->front().planproposal().investorcheck();
  EXPECT_NE(check.rejection().find("was used by plan " + std::string(finp2p::testing::kPlanId)),
            std::string::npos)
      << check.rejection();
  auto summary = journal_->summary(otherId);
  ASSERT_TRUE(summary.ok() && summary->has_value());
  EXPECT_EQ((*summary)->status, "rejected");
}

TEST_F(RouterNodeTest, SubmitAppliesTheSameRulesAsValidate) {
  start();
  auto plan = finp2p::testing::dvpPlan();
  std::string wrongType = "bank-a:105:5b0c1f0e-8f43-4e0a-9d5c-3c2a7b9e1a01";
  plan.mutable_id()->set_id(wrongType);
  for (auto& ins : *plan.mutable_instructions()) ins.mutable_planid()->set_id(wrongType);
  auto refused = submit(plan);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  auto oops = finp2p::testing::dvpPlan();
  oops.mutable_instructions(2)
      ->mutable_release()
      ->mutable_destination()
      ->mutable_account()
      ->mutable_finp2p()
      ->set_finid("oops");
  auto refusedFinId = submit(oops);
  ASSERT_FALSE(refusedFinId.ok());
  EXPECT_NE(refusedFinId.error().message.find("is not a finId"), std::string::npos);
}

// Issue 16: the issuer checks investor signatures before it proposes; the refusal names the
// investor and the field, and nothing is proposed.
TEST_F(RouterNodeTest, SubmissionMovingTheBondWithoutTheSellersSignatureIsRefused) {
  start();
  auto plan = finp2p::testing::dvpPlan();
  plan.mutable_intent()->mutable_intent()->mutable_investors(0)->clear_signature();
  auto refused = submit(plan);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("instructions[0].hold.source: investor " +
                                         std::string(finp2p::testing::kSellerFinId)),
            std::string::npos)
      << refused.error().message;
  EXPECT_TRUE(sink_.ids().empty());
}

// Regression (issue 12, defect 1): recovery re-sent only unfinished plans' messages, so what a
// finished plan still owed a peer that was down was lost when the sender restarted.
TEST_F(RouterNodeTest, WhatAFinishedPlanOwesIsSentAgainAfterEveryRestartUntilAnswered) {
  start();
  auto plan = finp2p::testing::dvpPlan();
  // No ledger of bank-a serves the bond: its preflight fails and it rejects the plan at once.
  book_.assets.clear();
  ASSERT_TRUE(submit(plan).ok());
  auto summary = journal_->summary(finp2p::testing::kPlanId);
  ASSERT_TRUE(summary.ok() && summary->has_value());
  ASSERT_EQ((*summary)->status, "rejected");
  auto owed = std::vector<std::string>{
      "bank-b " + std::string(finp2p::testing::kPlanId) + "/plan",
      "bank-c " + std::string(finp2p::testing::kPlanId) + "/plan",
      "bank-b " + std::string(finp2p::testing::kPlanId) + "/plan-rejection",
      "bank-c " + std::string(finp2p::testing::kPlanId) + "/plan-rejection"};
  EXPECT_EQ(sink_.ids(), owed);

  // Nobody answered (bank-b and bank-c are down): a restart sends it all again.
  sink_.sent.clear();
  start();
  run();
  EXPECT_EQ(sink_.ids(), owed);
  // Again, and this time every peer answers: the journal then forgets the plan owes anything.
  sink_.sent.clear();
  start();
  run();
  EXPECT_EQ(sink_.ids(), owed);
  for (auto& s : sink_.sent) s.settled();
  run();
  EXPECT_TRUE(journal_->owingPlans()->empty());
  sink_.sent.clear();
  start();
  run();
  EXPECT_TRUE(sink_.sent.empty());
}

// A participant that missed messages asks for them (issue 12, defect 5).
TEST_F(RouterNodeTest, ResendRequestIsAnsweredWithWhatThatPeerIsOwed) {
  start();
  book_.assets.clear();
  ASSERT_TRUE(submit(finp2p::testing::dvpPlan()).ok());
  for (auto& s : sink_.sent) s.settled();
  run();
  sink_.sent.clear();
  start();  // the plan is no longer in memory: the node rebuilds it from the journal
  std::optional<Result<std::string>> answer;
  node_->resendRequested("bank-c", finp2p::testing::kPlanId, false,
                         [&](Result<std::string> r) { answer = std::move(r); });
  run();
  ASSERT_TRUE(answer.has_value() && answer->ok());
  EXPECT_EQ(sink_.ids(),
            (std::vector<std::string>{
                "bank-c " + std::string(finp2p::testing::kPlanId) + "/plan",
                "bank-c " + std::string(finp2p::testing::kPlanId) + "/plan-rejection"}));
  std::optional<Result<std::string>> stranger, unknown;
  node_->resendRequested("bank-z", finp2p::testing::kPlanId, false,
                         [&](Result<std::string> r) { stranger = std::move(r); });
  node_->resendRequested("bank-b", "bank-a:106:00000000-0000-4000-8000-000000000000", false,
                         [&](Result<std::string> r) { unknown = std::move(r); });
  run();
  ASSERT_TRUE(stranger.has_value() && unknown.has_value());
  EXPECT_EQ(stranger->error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(unknown->error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace finp2p::node
