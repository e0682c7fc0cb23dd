// The plan engine driven without I/O: three engines (asset bank, cash bank, observer) wired by an
// in-memory network that can reorder and duplicate messages, with a scripted ledger.

#include "engine/plan_engine.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <random>

#include "../model/plan_builder.hpp"
#include "engine/messages.hpp"
#include "matching_receipt.hpp"

namespace finp2p::engine {
namespace {

using finp2p::journal::Event;

class Network {
 public:
  explicit Network(finp2p::execution::ExecutionPlan plan) : plan_(std::move(plan)) {
    std::map<std::string, crypto::SigningKey> keys;
    for (const char* org : {"bank-a", "bank-b", "bank-c"})
      keys.emplace(org, *crypto::SigningKey::generate());
    std::map<std::string, crypto::VerifyingKey> pub;
    for (auto& [org, k] : keys) pub.emplace(org, k.verifyingKey());
    for (auto& [org, k] : keys) {
      crypto_[org] = std::make_unique<RouterCrypto>(org, k, pub);
      engines_[org] = makeEngine(org);
    }
  }

  std::unique_ptr<PlanEngine> makeEngine(const std::string& org,
                                         std::vector<int64_t> restoredAt = {}) {
    EngineConfig c;
    c.restoredAtMillis = std::move(restoredAt);
    c.self = org;
    c.crypto = crypto_[org].get();
    c.agreementTimeoutMillis = 10'000;
    return std::make_unique<PlanEngine>(plan_.id().id(), c);
  }

  // The ledger's answer for an instruction; default: success with a matching receipt.
  std::function<finp2p::journal::InstructionExecuted(const std::string&, const ExecuteAction&)>
      ledger = [this](const std::string&, const ExecuteAction& a) { return success(a); };
  std::map<std::string, std::pair<bool, std::string>> preflight;  // org -> (ok, reason)
  std::set<std::string> silent;       // orgs whose outgoing messages are lost
  std::set<std::string> deaf;         // orgs whose incoming messages are lost
  std::set<std::string> noPreflight;  // orgs whose ledgers never answer a preflight
  std::set<std::string> ranOnLedger;  // orgs whose ledgers already hold one of their operations
  std::vector<std::pair<std::string, ResendRequestAction>> resendRequests;
  bool shuffle = false, duplicate = false;
  std::mt19937 rng{42};
  std::map<std::string, std::vector<Event>> journal;

  finp2p::journal::InstructionExecuted success(const ExecuteAction& a) const {
    return testing::matchingExecution(plan_, a.instruction);
  }

  void submit() {
    local("bank-a", [&](Event& e) { *e.mutable_plancreated()->mutable_plan() = plan_; });
  }

  void local(const std::string& org, const std::function<void(Event&)>& fill) {
    Event e;
    e.set_planid(plan_.id().id());
    e.set_atmillis(now++);
    fill(e);
    queue_.emplace_back(org, e);
  }

  void run(int maxSteps = 10'000) {
    while (!queue_.empty() && maxSteps-- > 0) {
      std::size_t i =
          shuffle ? std::uniform_int_distribution<std::size_t>(0, queue_.size() - 1)(rng) : 0;
      auto [org, event] = queue_[i];
      queue_.erase(queue_.begin() + static_cast<long>(i));
      apply(org, event);
    }
  }

  void apply(const std::string& org, const Event& event) {
    journal[org].push_back(event);
    for (auto& action : engines_[org]->handle(event)) perform(org, action);
  }

  void perform(const std::string& org, const Action& action) {
    if (auto* s = std::get_if<SendAction>(&action)) {
      if (silent.count(org)) return;
      for (const auto& to : s->to) {
        if (deaf.count(to)) continue;
        auto event = std::visit([&](const auto& m) { return toEvent(org, m); }, s->message);
        ASSERT_TRUE(event.ok());
        event->set_atmillis(now++);
        queue_.emplace_back(to, *event);
        if (duplicate) queue_.emplace_back(to, *event);
      }
    } else if (auto* r = std::get_if<ResendRequestAction>(&action)) {
      resendRequests.emplace_back(org, *r);
    } else if (auto* p = std::get_if<PreflightAction>(&action)) {
      if (p->lookForOwnOperations) {
        bool found = ranOnLedger.count(org) > 0;
        local(org, [&](Event& e) { e.mutable_ownoperations()->set_found(found); });
        return;
      }
      if (noPreflight.count(org)) return;
      auto [ok, reason] = preflight.count(org) ? preflight[org] : std::pair{true, std::string()};
      local(org, [&](Event& e) {
        e.mutable_preflight()->set_ok(ok);
        e.mutable_preflight()->set_reason(reason);
      });
      (void)p;
    } else if (auto* x = std::get_if<ExecuteAction>(&action)) {
      auto result = ledger(org, *x);
      local(org, [&](Event& e) { *e.mutable_instructionexecuted() = result; });
    } else if (auto* v = std::get_if<VerifyAction>(&action)) {
      local(org, [&](Event& e) {
        auto* c = e.mutable_completionverified();
        c->set_sequence(v->sequence);
        c->set_executor(v->executor);
        c->set_ok(true);
      });
    } else if (auto* t = std::get_if<TimerAction>(&action)) {
      if (t->kind == TimerAction::Kind::kAwait) {
        uint32_t seq = t->sequence;
        local(org, [&](Event& e) { e.mutable_awaittimer()->set_sequence(seq); });
      }
    }
  }

  PlanEngine& engine(const std::string& org) { return *engines_[org]; }
  void replace(const std::string& org, std::unique_ptr<PlanEngine> e) {
    engines_[org] = std::move(e);
  }

  int64_t now = 1'000'000;

 private:
  finp2p::execution::ExecutionPlan plan_;
  std::map<std::string, std::unique_ptr<RouterCrypto>> crypto_;
  std::map<std::string, std::unique_ptr<PlanEngine>> engines_;
  std::deque<std::pair<std::string, Event>> queue_;
};

void expectEverywhere(Network& n, PlanStatus status) {
  for (const char* org : {"bank-a", "bank-b", "bank-c"}) {
    EXPECT_EQ(n.engine(org).status(), status)
        << org << " is " << planStatusName(n.engine(org).status()) << ": "
        << n.engine(org).reason();
  }
}

void expectSameChain(Network& n) {
  EXPECT_EQ(n.engine("bank-a").chainHeadHex(), n.engine("bank-b").chainHeadHex());
  EXPECT_EQ(n.engine("bank-a").chainHeadHex(), n.engine("bank-c").chainHeadHex());
  EXPECT_FALSE(n.engine("bank-a").chainHeadHex().empty());
}

TEST(PlanEngine, DvpCompletesOnEveryRouterWithTheSameChain) {
  Network n(finp2p::testing::dvpPlan());
  std::vector<uint32_t> executed;
  n.ledger = [&](const std::string&, const ExecuteAction& a) {
    executed.push_back(a.instruction.sequence());
    return n.success(a);
  };
  n.submit();
  n.run();
  expectEverywhere(n, PlanStatus::kCompleted);
  expectSameChain(n);
  EXPECT_EQ(executed, (std::vector<uint32_t>{1, 2, 3}));
  auto execution = n.engine("bank-c").execution();
  EXPECT_EQ(execution.events_size(), 3);
  EXPECT_EQ(execution.approvals_size(), 2);
  EXPECT_EQ(execution.executionplanstatus(), "completed");
}

TEST(PlanEngine, FailedPaymentRunsTheCompensationAndEndsFailed) {
  Network n(finp2p::testing::dvpPlan());
  std::vector<uint32_t> executed;
  n.ledger = [&](const std::string&, const ExecuteAction& a) {
    executed.push_back(a.instruction.sequence());
    auto e = n.success(a);
    if (a.instruction.sequence() == 2) {
      e.clear_receipt();
      e.set_code(3);
      e.set_message("insufficient balance: buyer has 10 USD, needs 10500");
    }
    return e;
  };
  n.submit();
  n.run();
  expectEverywhere(n, PlanStatus::kFailed);
  expectSameChain(n);
  EXPECT_EQ(executed, (std::vector<uint32_t>{1, 2, 4}));
  for (const char* org : {"bank-a", "bank-b", "bank-c"}) {
    EXPECT_EQ(n.engine(org).failedSequence(), 2u) << org;
    EXPECT_NE(n.engine(org).reason().find("insufficient balance"), std::string::npos) << org;
  }
}

TEST(PlanEngine, FailingPreflightRejectsEverywhereAndNothingExecutes) {
  Network n(finp2p::testing::dvpPlan());
  n.preflight["bank-b"] = {false, "account buyer is frozen"};
  int executions = 0;
  n.ledger = [&](const std::string&, const ExecuteAction& a) {
    ++executions;
    return n.success(a);
  };
  n.submit();
  n.run();
  expectEverywhere(n, PlanStatus::kRejected);
  EXPECT_EQ(executions, 0);
  EXPECT_NE(n.engine("bank-a").reason().find(
                "rejected by bank-b: preflight failed: account buyer is frozen"),
            std::string::npos)
      << n.engine("bank-a").reason();
}

TEST(PlanEngine, ContributorThatHasNotApprovedRejectsAtItsDeadline) {
  Network n(finp2p::testing::dvpPlan());
  n.noPreflight.insert("bank-b");  // bank-b never approves
  n.submit();
  n.run();
  EXPECT_EQ(n.engine("bank-b").status(), PlanStatus::kProposed);
  n.local("bank-b", [](Event& e) { e.mutable_agreementdeadline(); });
  n.run();
  expectEverywhere(n, PlanStatus::kRejected);
  EXPECT_NE(n.engine("bank-a").reason().find("rejected by bank-b: agreement deadline passed"),
            std::string::npos)
      << n.engine("bank-a").reason();
}

// Regression (issue 12): a contributor that had approved, and an observer, declared the plan
// rejected at their deadline on their own, while the others could hold every approval.
TEST(PlanEngine, ApprovedContributorAndObserverWaitAtTheDeadlineAndAskToCatchUp) {
  Network n(finp2p::testing::dvpPlan());
  n.silent.insert("bank-b");  // bank-b approved, but nobody heard it
  n.submit();
  n.run();
  for (const char* org : {"bank-a", "bank-c"}) {
    n.local(org, [](Event& e) { e.mutable_agreementdeadline(); });
  }
  n.run();
  for (const char* org : {"bank-a", "bank-c"}) {
    EXPECT_EQ(n.engine(org).status(), PlanStatus::kProposed) << org;
    EXPECT_NE(n.engine(org).reason().find("no approval from bank-b"), std::string::npos)
        << org << ": " << n.engine(org).reason();
  }
  ASSERT_EQ(n.resendRequests.size(), 2u);
  EXPECT_EQ(n.resendRequests[0].second.to, (std::vector<std::string>{"bank-b", "bank-c"}));
  // bank-b is heard again and re-sends what it owes: the plan goes on and completes.
  n.silent.clear();
  for (auto& a : n.engine("bank-b").owed()) n.perform("bank-b", a);
  n.run();
  expectEverywhere(n, PlanStatus::kCompleted);
  expectSameChain(n);
}

// A contributor's journal restored from a copy taken before it rejected at its deadline (its
// rejection reached nobody). It cannot tell whether it approved or rejected: it rejects only
// once every other participant has fenced it and its ledger ran none of its operations; a
// fenced peer holds its approval back.
TEST(PlanEngine, RestoredContributorDecidesOnlyOnceEveryOtherParticipantFencedIt) {
  Network n(finp2p::testing::dvpPlan());
  n.noPreflight.insert("bank-b");
  n.submit();
  n.run();
  auto copy = n.journal["bank-b"];  // the backup: the proposal, nothing decided
  n.silent.insert("bank-b");
  n.local("bank-b", [](Event& e) { e.mutable_agreementdeadline(); });
  n.run();
  ASSERT_EQ(n.engine("bank-b").status(), PlanStatus::kRejected);  // told nobody
  // Restored, later: replay the copy, the deadline passes again after the restore.
  n.now += 60'000;
  n.replace("bank-b", n.makeEngine("bank-b", {n.now}));
  for (const auto& e : copy) n.engine("bank-b").handle(e);
  n.silent.clear();
  n.noPreflight.clear();
  n.resendRequests.clear();
  n.local("bank-b", [](Event& e) { e.mutable_preflight()->set_ok(true); });
  n.local("bank-b", [](Event& e) { e.mutable_agreementdeadline(); });
  n.run();
  EXPECT_EQ(n.engine("bank-b").status(), PlanStatus::kProposed) << n.engine("bank-b").reason();
  EXPECT_TRUE(n.engine("bank-b").execution().approvals().size() < 2);
  ASSERT_FALSE(n.resendRequests.empty());
  EXPECT_TRUE(n.resendRequests.back().second.restored);
  // bank-a fences it; bank-c (an observer) has not answered yet: still undecided.
  ASSERT_TRUE(n.engine("bank-a").mayFence("bank-b"));
  n.local("bank-a", [](Event& e) { e.mutable_peerfenced()->set_organization("bank-b"); });
  n.run();
  EXPECT_EQ(n.engine("bank-b").status(), PlanStatus::kProposed);
  n.local("bank-c", [](Event& e) { e.mutable_peerfenced()->set_organization("bank-b"); });
  n.run();
  expectEverywhere(n, PlanStatus::kRejected);
  expectSameChain(n);
}

// The same restored contributor, but its ledger holds one of its operations: it executes only
// after approving, so it approves, and lifts the fences, and the plan goes on.
TEST(PlanEngine, RestoredContributorWhoseLedgerRanItsOperationApprovesAndLiftsTheFences) {
  Network n(finp2p::testing::dvpPlan());
  n.noPreflight.insert("bank-b");
  n.submit();
  n.run();
  auto copy = n.journal["bank-b"];
  n.now += 60'000;
  n.replace("bank-b", n.makeEngine("bank-b", {n.now}));
  for (const auto& e : copy) n.engine("bank-b").handle(e);
  n.local("bank-a", [](Event& e) { e.mutable_peerfenced()->set_organization("bank-b"); });
  n.run();
  n.ranOnLedger.insert("bank-b");
  n.local("bank-b", [](Event& e) { e.mutable_agreementdeadline(); });
  n.run();
  expectEverywhere(n, PlanStatus::kCompleted);
  expectSameChain(n);
}

// Regression (issue 12): an observer that missed every message catches up from what the others
// owe it (regenerated from their state, for a finished plan too).
TEST(PlanEngine, RouterThatMissedEverythingCatchesUpFromWhatTheOthersOwe) {
  Network n(finp2p::testing::dvpPlan());
  n.deaf.insert("bank-c");
  n.submit();
  n.run();
  EXPECT_EQ(n.engine("bank-a").status(), PlanStatus::kCompleted);
  EXPECT_FALSE(n.engine("bank-c").hasPlan());
  n.deaf.clear();
  n.shuffle = true;
  for (const char* org : {"bank-a", "bank-b"}) {
    for (auto& a : n.engine(org).owed()) {
      auto* send = std::get_if<SendAction>(&a);
      ASSERT_NE(send, nullptr);
      n.perform(org, a);
    }
  }
  n.run();
  expectEverywhere(n, PlanStatus::kCompleted);
  expectSameChain(n);
}

TEST(PlanEngine, CatchUpTimerAsksOnlyWhenNothingHappened) {
  Network n(finp2p::testing::dvpPlan());
  n.silent.insert("bank-b");
  n.submit();
  n.run();
  auto& a = n.engine("bank-a");
  auto stalled = a.catchUp(a.progressMark(), 5'000);
  ASSERT_EQ(stalled.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<ResendRequestAction>(stalled[0]));
  auto* next = std::get_if<TimerAction>(&stalled[1]);
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->kind, TimerAction::Kind::kCatchUp);
  auto moved = a.catchUp(a.progressMark() - 1, 5'000);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<TimerAction>(moved[0]));
}

TEST(PlanEngine, ReorderedAndDuplicatedMessagesGiveTheSameOutcome) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    Network n(finp2p::testing::dvpPlan());
    n.shuffle = true;
    n.duplicate = true;
    n.rng.seed(seed);
    n.submit();
    n.run();
    expectEverywhere(n, PlanStatus::kCompleted);
    expectSameChain(n);
  }
}

TEST(PlanEngine, ReplayingTheJournalRebuildsTheStateAndResumesTheStep) {
  Network n(finp2p::testing::dvpPlan());
  bool crashed = false;
  n.ledger = [&](const std::string& org, const ExecuteAction& a) {
    if (org == "bank-a" && a.instruction.sequence() == 3 && !crashed) {
      crashed = true;
      throw std::runtime_error("crash");  // bank-a dies before the release result is journaled
    }
    return n.success(a);
  };
  n.submit();
  EXPECT_THROW(n.run(), std::runtime_error);
  ASSERT_TRUE(crashed);

  // Restart bank-a: a fresh engine fed its journal, then resume().
  auto journal = n.journal["bank-a"];
  auto fresh = n.makeEngine("bank-a");
  for (const auto& e : journal) fresh->handle(e);
  EXPECT_EQ(fresh->status(), PlanStatus::kInProgress);
  EXPECT_EQ(fresh->currentSequence(), 3u);
  auto actions = fresh->resume(n.now);
  bool executesRelease = false;
  for (const auto& a : actions) {
    if (auto* x = std::get_if<ExecuteAction>(&a)) executesRelease |= x->instruction.sequence() == 3;
  }
  EXPECT_TRUE(executesRelease);
  n.replace("bank-a", std::move(fresh));
  for (const auto& a : actions) n.perform("bank-a", a);
  n.run();
  expectEverywhere(n, PlanStatus::kCompleted);
  expectSameChain(n);
}

TEST(PlanEngine, RejectedCompletionTakesTheFailureTransitionAndRevertsTheHold) {
  Network n(finp2p::testing::dvpPlan());
  std::vector<uint32_t> executed;
  n.ledger = [&](const std::string& org, const ExecuteAction& a) {
    executed.push_back(a.instruction.sequence());
    auto e = n.success(a);
    if (a.instruction.sequence() == 2) e.mutable_receipt()->set_quantity("1");  // claims less
    (void)org;
    return e;
  };
  n.submit();
  n.run();
  // bank-b signed a receipt that does not match the instruction: bank-a rejects it, and the
  // payment's onFailure (4, the RevertHold) gives the bond back on every router.
  expectEverywhere(n, PlanStatus::kFailed);
  expectSameChain(n);
  EXPECT_EQ(executed, (std::vector<uint32_t>{1, 2, 4}));
  for (const char* org : {"bank-a", "bank-b", "bank-c"}) {
    EXPECT_EQ(n.engine(org).failedSequence(), 2u) << org;
    EXPECT_NE(
        n.engine(org).reason().find(
            "completion of instruction 2 by bank-b rejected by bank-a: receipt quantity \"1\""),
        std::string::npos)
        << org << ": " << n.engine(org).reason();
  }
}

// Every receipt field the instruction determines is checked by the receiving contributor: a
// payment receipt for another asset, asset type or account must not release the bond.
struct ReceiptForgery {
  const char* name;
  std::function<void(finp2p::receipt::Receipt&)> forge;
  const char* reason;
};

void PrintTo(const ReceiptForgery& f, std::ostream* os) {
  *os << f.name;
}

class ForgedReceipt : public ::testing::TestWithParam<ReceiptForgery> {};

TEST_P(ForgedReceipt, IsRejectedAndTheBondIsNotReleased) {
  Network n(finp2p::testing::dvpPlan());
  std::vector<uint32_t> executed;
  n.ledger = [&](const std::string&, const ExecuteAction& a) {
    executed.push_back(a.instruction.sequence());
    auto e = n.success(a);
    if (a.instruction.sequence() == 2) GetParam().forge(*e.mutable_receipt());
    return e;
  };
  n.submit();
  n.run();
  EXPECT_NE(n.engine("bank-a").status(), PlanStatus::kCompleted);
  EXPECT_EQ(std::count(executed.begin(), executed.end(), 3u), 0) << "the bond was released";
  EXPECT_NE(n.engine("bank-a").reason().find(GetParam().reason), std::string::npos)
      << n.engine("bank-a").reason();
}

INSTANTIATE_TEST_SUITE_P(
    EveryDeterminedField, ForgedReceipt,
    ::testing::Values(
        ReceiptForgery{"AssetId", [](auto& r) { r.mutable_asset()->set_id("EUR"); },
                       "receipt asset id \"EUR\""},
        ReceiptForgery{"AssetType",
                       [](auto& r) { r.mutable_asset()->set_type(finp2p::common::Asset::FIAT); },
                       "receipt asset type \"FIAT\""},
        ReceiptForgery{"Source", [](auto& r) { r.mutable_source()->set_address("bank-b:101:x"); },
                       "receipt source account \"bank-b:101:x\""},
        ReceiptForgery{"Destination",
                       [](auto& r) { r.mutable_destination()->set_address("bank-b:101:buyer"); },
                       "receipt destination account \"bank-b:101:buyer\""},
        ReceiptForgery{"OperationId",
                       [](auto& r) { r.mutable_transactiondetails()->set_operationid("other_2"); },
                       "receipt operation id \"other_2\""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PlanEngine, TimeoutTakesTheTimeoutTransition) {
  auto plan = finp2p::testing::dvpPlan();
  plan.mutable_instructions(1)->set_timeoutseconds(30);
  plan.mutable_instructions(1)->mutable_transitions()->mutable_ontimeout()->set_sequence(4);
  Network n(plan);
  n.ledger = [&](const std::string&, const ExecuteAction& a) {
    auto e = n.success(a);
    if (a.instruction.sequence() == 2) {
      EXPECT_GT(a.deadlineMillis, 0);
      e.clear_receipt();
      e.set_code(8);
      e.set_message("the plugin did not complete the operation before its deadline");
    }
    return e;
  };
  n.submit();
  n.run();
  expectEverywhere(n, PlanStatus::kFailed);
}

TEST(PlanEngine, ApprovalFromANonContributorIsIgnored) {
  Network n(finp2p::testing::dvpPlan());
  n.silent.insert("bank-b");
  n.submit();
  n.run();
  // bank-c (an observer) forges an approval: it must not count.
  auto approval = n.engine("bank-a").execution().approvals(0);
  n.local("bank-a", [&](Event& e) {
    e.mutable_planapproval()->set_from("bank-c");
    *e.mutable_planapproval()->mutable_approval() = approval;
  });
  n.run();
  EXPECT_EQ(n.engine("bank-a").status(), PlanStatus::kProposed);
  auto notes = n.engine("bank-a").takeNotes();
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes.back().find("not a contributor"), std::string::npos);
}

}  // namespace
}  // namespace finp2p::engine
