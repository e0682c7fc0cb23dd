// Hash time-locked swaps in the pure engine: the secret holder's claim carries its own secret,
// the counterparty's claim the preimage from the first claim's receipt, a claim whose receipt
// does not open the lock is rejected, a refund is held until the lock's expiry (also when
// resumed from the journal), and a plan with unsafe timelocks is rejected on arrival.

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <set>

#include "../model/plan_builder.hpp"
#include "engine/messages.hpp"
#include "engine/plan_engine.hpp"
#include "finp2p/ledger/hash_lock.hpp"
#include "matching_receipt.hpp"
#include "model/hash_lock.hpp"
#include "model/receipt_check.hpp"

namespace finp2p::engine {
namespace {

using finp2p::journal::Event;
using ledger::toHex;

constexpr int64_t kNowMillis = 1'800'000'000'000;
constexpr int64_t kCashExpiry = kNowMillis / 1000 + 3600, kBondExpiry = kCashExpiry + 3600;

// bank-a and bank-b on an in-memory network; every ledger call succeeds unless `ledger` says
// otherwise, with a receipt that states the lock and, for a claim, the preimage it was given.
class Swap {
 public:
  Swap(int64_t bondExpiry = kBondExpiry, int64_t cashExpiry = kCashExpiry) {
    std::map<std::string, crypto::SigningKey> keys;
    for (const char* org : {"bank-a", "bank-b"}) keys.emplace(org, *crypto::SigningKey::generate());
    std::map<std::string, crypto::VerifyingKey> pub;
    for (auto& [org, k] : keys) pub.emplace(org, k.verifyingKey());
    for (auto& [org, k] : keys) crypto_[org] = std::make_unique<RouterCrypto>(org, k, pub);
    secret = crypto_["bank-a"]->hashLockSecret(testing::kPlanId);
    hash = toHex(ledger::hashBytes(ledger::HashFunction::kSha256, secret));
    plan = testing::htlcPlan(hash, bondExpiry, cashExpiry);
    for (const char* org : {"bank-a", "bank-b"}) engines_[org] = makeEngine(org);
  }

  std::unique_ptr<PlanEngine> makeEngine(const std::string& org) {
    EngineConfig c;
    c.self = org;
    c.crypto = crypto_[org].get();
    c.hashLockMarginSeconds = 600;
    c.refundDelayMillis = 2'000;
    return std::make_unique<PlanEngine>(plan.id().id(), c);
  }

  finp2p::journal::InstructionExecuted success(const ExecuteAction& a) const {
    auto e = testing::matchingExecution(plan, a.instruction);
    auto* r = e.mutable_receipt();
    const auto* lock = model::lockOf(plan, a.instruction);
    r->mutable_hashlock()->set_hash(lock->hash());
    r->mutable_hashlock()->set_hashfunction(lock->hashfunction());
    r->mutable_hashlock()->set_expiry(lock->expiry());
    r->mutable_hashlock()->set_preimage(a.preimage);
    return e;
  }

  std::function<finp2p::journal::InstructionExecuted(const ExecuteAction&)> ledger =
      [this](const ExecuteAction& a) { return success(a); };
  std::map<uint32_t, ExecuteAction> executed;  // by sequence, as the engines asked
  std::set<uint32_t> stalled;                  // instructions whose executor never runs them
  std::map<std::string, std::vector<TimerAction>> lockTimers;
  std::map<std::string, std::vector<TimerAction>> claimTimers;

  void submit() {
    local("bank-a", [&](Event& e) { *e.mutable_plancreated()->mutable_plan() = plan; });
    run();
  }
  void local(const std::string& org, const std::function<void(Event&)>& fill) {
    Event e;
    e.set_planid(plan.id().id());
    e.set_atmillis(now++ + skew[org]);
    fill(e);
    queue_.emplace_back(org, e);
  }
  void run() {
    while (!queue_.empty()) {
      auto [org, event] = queue_.front();
      queue_.pop_front();
      journal[org].push_back(event);
      for (auto& action : engines_[org]->handle(event)) perform(org, action);
    }
  }
  void perform(const std::string& org, const Action& action) {
    if (auto* s = std::get_if<SendAction>(&action)) {
      for (const auto& to : s->to) {
        auto event = std::visit([&](const auto& m) { return toEvent(org, m); }, s->message);
        ASSERT_TRUE(event.ok());
        event->set_atmillis(now++ + skew[to]);
        queue_.emplace_back(to, *event);
      }
    } else if (std::get_if<PreflightAction>(&action)) {
      local(org, [&](Event& e) { e.mutable_preflight()->set_ok(true); });
    } else if (auto* t = std::get_if<TimerAction>(&action)) {
      if (t->kind == TimerAction::Kind::kLockExpired) lockTimers[org].push_back(*t);
      if (t->kind == TimerAction::Kind::kClaimWatch) claimTimers[org].push_back(*t);
    } else if (auto* x = std::get_if<ExecuteAction>(&action)) {
      if (stalled.count(x->instruction.sequence())) return;  // its executor went down
      executed[x->instruction.sequence()] = *x;
      // The node holds a refund until notBeforeMillis: the clock jumps there.
      if (x->notBeforeMillis > now) now = x->notBeforeMillis;
      auto result = ledger(*x);
      local(org, [&](Event& e) { *e.mutable_instructionexecuted() = result; });
    } else if (auto* v = std::get_if<VerifyAction>(&action)) {
      local(org, [&](Event& e) {
        e.mutable_completionverified()->set_sequence(v->sequence);
        e.mutable_completionverified()->set_executor(v->executor);
        e.mutable_completionverified()->set_ok(true);
      });
    }
  }
  PlanEngine& engine(const std::string& org) { return *engines_[org]; }

  finp2p::execution::ExecutionPlan plan;
  std::string secret, hash;
  int64_t now = kNowMillis;
  std::map<std::string, int64_t> skew;  // each router's clock, ahead (+) or behind (-)
  std::map<std::string, std::vector<Event>> journal;

 private:
  std::map<std::string, std::unique_ptr<RouterCrypto>> crypto_;
  std::map<std::string, std::unique_ptr<PlanEngine>> engines_;
  std::deque<std::pair<std::string, Event>> queue_;
};

TEST(HashLockEngine, TheSecretHolderClaimsWithItsSecretAndTheCounterpartyWithTheRevealedOne) {
  Swap s;
  s.submit();
  for (const char* org : {"bank-a", "bank-b"}) {
    EXPECT_EQ(s.engine(org).status(), PlanStatus::kCompleted)
        << org << ": " << s.engine(org).reason();
  }
  EXPECT_EQ(s.engine("bank-a").chainHeadHex(), s.engine("bank-b").chainHeadHex());
  ASSERT_TRUE(s.executed.count(3) && s.executed.count(4));
  EXPECT_EQ(s.executed[3].preimage, toHex(s.secret)) << "bank-a's claim: its own secret";
  EXPECT_EQ(s.executed[4].preimage, toHex(s.secret)) << "bank-b's claim: from bank-a's receipt";
  // Nothing else bank-a asked of a ledger, and no lock, carried it.
  EXPECT_TRUE(s.executed[1].preimage.empty());
  EXPECT_TRUE(s.executed[2].preimage.empty());
}

TEST(HashLockEngine, AClaimWhoseReceiptDoesNotOpenTheLockIsRejectedAndBothLegsRefund) {
  Swap s;
  s.ledger = [&](const ExecuteAction& a) {
    auto e = s.success(a);
    if (a.instruction.sequence() == 3) {
      e.mutable_receipt()->mutable_hashlock()->set_preimage(toHex(std::string(32, '\x01')));
    }
    return e;
  };
  s.submit();
  for (const char* org : {"bank-a", "bank-b"}) {
    EXPECT_EQ(s.engine(org).status(), PlanStatus::kFailed) << org;
    EXPECT_NE(s.engine(org).reason().find("does not open the lock"), std::string::npos)
        << s.engine(org).reason();
  }
  EXPECT_FALSE(s.executed.count(4)) << "bank-b must not claim with a preimage that does not open";
  // Both refunds ran, each held until its own lock's expiry plus the delay.
  ASSERT_TRUE(s.executed.count(5) && s.executed.count(6));
  EXPECT_EQ(s.executed[6].notBeforeMillis, kCashExpiry * 1000 + 2'000);
  EXPECT_EQ(s.executed[5].notBeforeMillis, kBondExpiry * 1000 + 2'000);
  EXPECT_GT(s.executed[5].deadlineMillis, s.executed[5].notBeforeMillis);
}

TEST(HashLockEngine, AFailedLockRefundsTheOtherAtItsExpiryAlsoWhenResumedFromTheJournal) {
  Swap s;
  s.ledger = [&](const ExecuteAction& a) {
    if (a.instruction.sequence() != 2) return s.success(a);
    finp2p::journal::InstructionExecuted e;
    e.set_sequence(2);
    e.set_code(3);
    e.set_message("insufficient balance");
    return e;
  };
  s.submit();
  EXPECT_EQ(s.engine("bank-a").status(), PlanStatus::kFailed);
  EXPECT_EQ(s.engine("bank-a").failedSequence(), 2u);
  ASSERT_TRUE(s.executed.count(5));
  EXPECT_EQ(s.executed[5].notBeforeMillis, kBondExpiry * 1000 + 2'000);
  // bank-a's journal up to the refund's start, replayed: resume() asks for the same held refund.
  auto replayed = s.makeEngine("bank-a");
  for (const auto& e : s.journal["bank-a"]) {
    if (e.has_instructionexecuted() && e.instructionexecuted().sequence() == 5) break;
    replayed->handle(e);
  }
  ASSERT_EQ(replayed->currentSequence(), 5u);
  bool found = false;
  for (const auto& action : replayed->resume(kNowMillis + 10)) {
    if (auto* x = std::get_if<ExecuteAction>(&action); x && x->instruction.sequence() == 5) {
      found = true;
      EXPECT_EQ(x->notBeforeMillis, kBondExpiry * 1000 + 2'000);
    }
  }
  EXPECT_TRUE(found) << "resume() did not execute the refund";
}

TEST(HashLockEngine, UnsafeTimelocksAreRejectedOnArrival) {
  Swap s(kCashExpiry + 599, kCashExpiry);  // 599 s margin, the routers require 600
  s.submit();
  EXPECT_EQ(s.engine("bank-b").status(), PlanStatus::kRejected);
  EXPECT_NE(s.engine("bank-b").reason().find("requires 600 s"), std::string::npos)
      << s.engine("bank-b").reason();
  EXPECT_TRUE(s.executed.empty());
}

TEST(HashLockEngine, AnOwnerRefundsItsExpiredLockAloneWhileTheCounterpartyIsSilent) {
  Swap s;
  s.stalled = {2};  // bank-b approved, then never locks
  s.submit();
  EXPECT_EQ(s.engine("bank-a").status(), PlanStatus::kInProgress);
  ASSERT_EQ(s.lockTimers["bank-a"].size(), 1u);
  const auto& timer = s.lockTimers["bank-a"][0];
  EXPECT_EQ(timer.sequence, 5u);
  EXPECT_EQ(timer.atMillis, kBondExpiry * 1000 + 2'000);
  auto actions = s.engine("bank-a").lockExpired(5);
  ASSERT_EQ(actions.size(), 1u);
  const auto& refund = std::get<ExecuteAction>(actions[0]);
  EXPECT_EQ(refund.instruction.sequence(), 5u);
  EXPECT_EQ(refund.notBeforeMillis, kBondExpiry * 1000 + 2'000);
  EXPECT_TRUE(s.lockTimers["bank-b"].empty()) << "bank-b locked nothing";
  // Rebuilt from its journal (a restart), bank-a sets the same timer again.
  auto replayed = s.makeEngine("bank-a");
  for (const auto& e : s.journal["bank-a"]) replayed->handle(e);
  int timers = 0;
  for (const auto& action : replayed->resume(kNowMillis + 10)) {
    auto* t = std::get_if<TimerAction>(&action);
    if (t && t->kind == TimerAction::Kind::kLockExpired && t->sequence == 5) ++timers;
  }
  EXPECT_EQ(timers, 1);
  EXPECT_EQ(replayed->lockExpired(5).size(), 1u);
  EXPECT_TRUE(s.engine("bank-b").lockExpired(6).empty());
}

TEST(HashLockEngine, TheSecretHolderDoesNotRefundAloneOnceItsClaimStarted) {
  Swap s;
  s.stalled = {3};  // bank-a's claim never answers: the secret may be on the ledger
  s.submit();
  EXPECT_EQ(s.engine("bank-a").currentSequence(), 3u);
  EXPECT_TRUE(s.engine("bank-a").lockExpired(5).empty());
  // bank-b may refund its cash once expired: the ledger refuses it if bank-a's claim ran.
  auto cash = s.engine("bank-b").lockExpired(6);
  ASSERT_EQ(cash.size(), 1u);
  EXPECT_EQ(std::get<ExecuteAction>(cash[0]).notBeforeMillis, kCashExpiry * 1000 + 2'000);
}

int64_t stepStart(const PlanEngine& e, uint32_t sequence) {
  for (const auto& v : e.steps()) {
    if (v.sequence == sequence) return v.startedAtMillis;
  }
  return 0;
}

// A claim needs nobody: bank-a claimed the cash (the preimage is on the cash ledger) and then
// went silent before its completion reached anyone. bank-b, which executes the bond claim, does
// not wait for the plan to reach it: its ledger shows the cash lock claimed, with the preimage,
// whatever key the claim came under, and that opens the bond lock, so it claims at once.
TEST(HashLockEngine, TheClaimsExecutorClaimsWithThePreimageOnTheLedgerWhileTheHolderIsSilent) {
  Swap s;
  s.stalled = {3};  // bank-a's claim ran on the ledger; its outcome never reached the engines
  s.submit();
  EXPECT_EQ(s.engine("bank-b").currentSequence(), 3u);
  ASSERT_EQ(s.claimTimers["bank-b"].size(), 1u) << "bank-b watches its bond claim";
  EXPECT_EQ(s.claimTimers["bank-b"][0].sequence, 4u);
  EXPECT_LE(s.claimTimers["bank-b"][0].atMillis, stepStart(s.engine("bank-b"), 1) + 2'000)
      << "from the first step: a lock may be claimed as soon as it is on its ledger";
  EXPECT_TRUE(s.claimTimers["bank-a"].empty()) << "the secret holder claims by the plan";
  int64_t at = s.claimTimers["bank-b"][0].atMillis;
  auto look = s.engine("bank-b").claimWatch(4, at);
  ASSERT_EQ(look.next, ClaimWatch::Next::kLookUp);
  ASSERT_EQ(look.locksToLookUp.size(), 1u);
  EXPECT_EQ(look.locksToLookUp[0].sequence(), 2u) << "the lock that pays the secret holder";
  EXPECT_EQ(s.engine("bank-b").claimWatch(4, at, toHex(std::string(32, 'x'))).next,
            ClaimWatch::Next::kLookUp)
      << "a preimage that does not open the lock is not one";
  auto claim = s.engine("bank-b").claimWatch(4, at, toHex(s.secret));
  ASSERT_EQ(claim.next, ClaimWatch::Next::kClaim);
  EXPECT_EQ(claim.claim.instruction.sequence(), 4u);
  EXPECT_EQ(claim.claim.preimage, toHex(s.secret));
  EXPECT_LE(claim.claim.deadlineMillis, kBondExpiry * 1000);
  EXPECT_EQ(s.engine("bank-b").claimWatch(4, kBondExpiry * 1000, toHex(s.secret)).next,
            ClaimWatch::Next::kStop)
      << "expired: the refund is due, not a claim";
  // Rebuilt from its journal (a restart), bank-b watches again.
  auto replayed = s.makeEngine("bank-b");
  for (const auto& e : s.journal["bank-b"]) replayed->handle(e);
  int timers = 0;
  for (const auto& action : replayed->resume(at)) {
    auto* t = std::get_if<TimerAction>(&action);
    if (t && t->kind == TimerAction::Kind::kClaimWatch && t->sequence == 4) ++timers;
  }
  EXPECT_EQ(timers, 1);
}

// The plan gives the bond claim to bank-a (the bond's router), which claims the cash and then
// refuses to run the bond claim. bank-b, the router of the bond's beneficiary, holds the
// preimage from the cash claim's receipt; once bank-a has had the claim's timeout, bank-b
// claims the bond itself (on a chain anyone may claim): the ledger enforces the swap.
TEST(HashLockEngine, TheBeneficiarysRouterClaimsWhenTheClaimsExecutorRefuses) {
  Swap s;
  s.plan.mutable_instructions(3)->set_organizations(0, "bank-a");
  s.plan.mutable_instructions(3)->set_timeoutseconds(30);
  s.stalled = {4};  // bank-a never executes the bond claim
  s.submit();
  ASSERT_EQ(s.engine("bank-b").currentSequence(), 4u) << s.engine("bank-b").reason();
  ASSERT_EQ(s.claimTimers["bank-b"].size(), 1u);
  int64_t started = stepStart(s.engine("bank-b"), 4);
  auto wait = s.engine("bank-b").claimWatch(4, started + 29'999);
  ASSERT_EQ(wait.next, ClaimWatch::Next::kWait) << "bank-a has the claim's timeout first";
  auto claim = s.engine("bank-b").claimWatch(4, started + 30'000);
  ASSERT_EQ(claim.next, ClaimWatch::Next::kClaim);
  EXPECT_EQ(claim.claim.preimage, toHex(s.secret)) << "from bank-a's cash claim receipt";
  EXPECT_EQ(claim.claim.instruction.sequence(), 4u);
  EXPECT_EQ(s.engine("bank-a").claimWatch(4, started + 30'000).next, ClaimWatch::Next::kStop);
}

// A claim timeout longer than the lock has left does not keep the beneficiary's router from
// claiming: it claims at the latest half the margin (600 s here) before the lock's expiry
// (reviewer finding 5).
TEST(HashLockEngine, TheBeneficiarysRouterClaimsBeforeTheExpiryWhateverTheClaimsTimeout) {
  Swap s;
  s.plan.mutable_instructions(3)->set_organizations(0, "bank-a");
  s.plan.mutable_instructions(3)->set_timeoutseconds(1'000'000);
  s.stalled = {4};
  s.submit();
  ASSERT_EQ(s.engine("bank-b").currentSequence(), 4u) << s.engine("bank-b").reason();
  EXPECT_EQ(s.engine("bank-b").claimWatch(4, kBondExpiry * 1000 - 300'001).next,
            ClaimWatch::Next::kWait);
  EXPECT_EQ(s.engine("bank-b").claimWatch(4, kBondExpiry * 1000 - 300'000).next,
            ClaimWatch::Next::kClaim);
}

// The margin compares the two expiries, not an expiry with a clock: routers whose clocks differ
// by the skew the protocol allows (message_max_skew_seconds, 300 s) agree on it, and the swap
// completes; only an expiry within the skew of a router's clock can be judged differently.
TEST(HashLockEngine, ClocksApartByTheAllowedSkewAgreeOnTheTimelocks) {
  for (int64_t skew : {-300'000, 300'000}) {
    Swap s;
    s.skew["bank-b"] = skew;
    s.submit();
    for (const char* org : {"bank-a", "bank-b"}) {
      EXPECT_EQ(s.engine(org).status(), PlanStatus::kCompleted)
          << org << " with bank-b " << skew << " ms off: " << s.engine(org).reason();
    }
  }
  Swap tight(kCashExpiry + 599, kCashExpiry);
  tight.skew["bank-b"] = 300'000;
  tight.submit();
  EXPECT_EQ(tight.engine("bank-b").status(), PlanStatus::kRejected) << "skew does not widen it";
}

}  // namespace
}  // namespace finp2p::engine
