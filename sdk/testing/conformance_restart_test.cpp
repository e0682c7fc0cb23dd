// Restarts, reloads and races (issue 14, defect 6): what a router does to a plugin that the
// single-call cases do not. After a crash the host creates a new instance on the same state and
// submits the same operations again (after on_lookup); a reload does the same without a crash;
// a retry can race the first attempt of the same key.

#include "conformance_fixture.hpp"

namespace finp2p::conformance {
namespace {

struct Done {
  Operation op;
  Outcome outcome;
};

// Every operation kind, each executed once, then the instance destroyed and a new one created:
// the same ids submitted again return the same receipts and move nothing twice.
TEST_F(Conformance, EveryOperationKindIsIdempotentAcrossARestart) {
  std::vector<Done> done;
  auto run = [&](Operation o) {
    auto out = execute(o);
    EXPECT_TRUE(succeeded(out)) << ledger::operationKindName(o.kind);
    done.push_back({std::move(o), std::move(out)});
  };
  auto o = op(FINP2P_LEDGER_OP_ISSUE, "issue", "100");
  o.destination = account("a");
  run(o);
  o = op(FINP2P_LEDGER_OP_TRANSFER, "transfer", "10");
  o.source = account("a");
  o.destination = account("b");
  run(o);
  o = op(FINP2P_LEDGER_OP_HOLD, "hold", "20");
  o.source = account("a");
  o.destination = account("b");
  run(o);
  o = op(FINP2P_LEDGER_OP_RELEASE, "release", "20");
  o.source = account("a");
  o.destination = account("b");
  o.holdOperationId = key("hold");
  run(o);
  o = op(FINP2P_LEDGER_OP_HOLD, "hold-2", "5");
  o.source = account("a");
  o.destination = account("b");
  run(o);
  o = op(FINP2P_LEDGER_OP_REVERT_HOLD, "revert", "");
  o.source = account("a");
  o.destination = account("a");
  o.holdOperationId = key("hold-2");
  run(o);
  o = op(FINP2P_LEDGER_OP_REDEEM, "redeem", "1.5");
  o.source = account("a");
  run(o);
  if (plugin_->description().supportedOperations & FINP2P_LEDGER_SUPPORTS(FINP2P_LEDGER_OP_AWAIT)) {
    o = op(FINP2P_LEDGER_OP_AWAIT, "await", "");
    o.waitUntilUnixS = 1;
    run(o);
  }
  ASSERT_FALSE(HasFailure());
  const Pair a{"68.5", "0"}, b{"30", "0"};
  EXPECT_EQ(balanceOf(account("a")), a);
  EXPECT_EQ(balanceOf(account("b")), b);

  restart();
  for (const auto& [first, outcome] : done) {
    const char* kind = ledger::operationKindName(first.kind);
    // A timed await is stateless (the SDK's default keeps no record): asked again, it completes
    // again with the same receipt, which is all the host needs.
    auto found = first.kind == FINP2P_LEDGER_OP_AWAIT ? Outcome::success()
                                                      : lookup(first.context.idempotencyKey);
    EXPECT_TRUE(found.ok()) << kForgot << "on_lookup of " << kind << " "
                            << first.context.idempotencyKey << " answered "
                            << ledger::statusName(found.status) << ": " << found.message;
    auto again = execute(first);
    ASSERT_TRUE(again.ok()) << kind << " " << first.context.idempotencyKey
                            << ", submitted again after a restart, failed ("
                            << ledger::statusName(again.status) << ": " << again.message << "); "
                            << kExecutedTwice;
    EXPECT_EQ(again.receipt->transactionId, outcome.receipt->transactionId)
        << kind
        << " submitted again after a restart returned another transaction: " << kExecutedTwice;
  }
  EXPECT_EQ(balanceOf(account("a")), a) << "balances changed when the same operations were "
                                           "submitted again after a restart: "
                                        << kExecutedTwice;
  EXPECT_EQ(balanceOf(account("b")), b);
}

// A retry can race the first attempt (abi.h, "Threads and blocking"): the same key from several
// threads at once moves once, and every caller gets the one receipt.
TEST_F(Conformance, TheSameKeyFromSeveralThreadsAtOnceMovesOnce) {
  ASSERT_TRUE(succeeded(issue(account("a"), "100", "issue")));
  constexpr int kThreads = 6;
  std::vector<Outcome> outcomes(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ++ready;
      while (ready < kThreads) std::this_thread::yield();
      outcomes[t] = transfer(account("a"), account("b"), "7", "same");
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& out : outcomes) {
    ASSERT_TRUE(out.ok()) << "a concurrent call with the same key failed ("
                          << ledger::statusName(out.status) << ": " << out.message
                          << "): the second must wait for or return the first's outcome";
    EXPECT_EQ(out.receipt->transactionId, outcomes[0].receipt->transactionId) << kExecutedTwice;
  }
  EXPECT_EQ(balanceOf(account("a")), Pair("93", "0")) << kExecutedTwice;
  EXPECT_EQ(balanceOf(account("b")), Pair("7", "0")) << kExecutedTwice;
}

// A reload (finp2p-execctl ledger reload) destroys the instance between a plan's hold and its
// release: the new instance must find the hold on the state the old one left.
TEST_F(Conformance, AHoldMadeBeforeAReloadIsReleasedOrRevertedAfterIt) {
  ASSERT_TRUE(succeeded(issue(account("seller"), "50", "issue")));
  ASSERT_TRUE(succeeded(hold(account("seller"), account("buyer"), "20", "hold")));
  ASSERT_TRUE(succeeded(hold(account("seller"), account("buyer"), "10", "hold-2")));
  restart();
  EXPECT_EQ(balanceOf(account("seller")), Pair("20", "30"))
      << "the new instance does not see the holds of the one before it";
  auto rel = op(FINP2P_LEDGER_OP_RELEASE, "release", "20");
  rel.source = account("seller");
  rel.destination = account("buyer");
  rel.holdOperationId = key("hold");
  auto out = execute(rel);
  EXPECT_TRUE(succeeded(out)) << "a release after a reload, of a hold made before it";
  auto rev = op(FINP2P_LEDGER_OP_REVERT_HOLD, "revert", "");
  rev.source = account("seller");
  rev.destination = account("seller");
  rev.holdOperationId = key("hold-2");
  EXPECT_TRUE(succeeded(execute(rev))) << "a revert after a reload, of a hold made before it";
  EXPECT_EQ(balanceOf(account("seller")), Pair("30", "0"));
  EXPECT_EQ(balanceOf(account("buyer")), Pair("20", "0"));
}

}  // namespace
}  // namespace finp2p::conformance
