// The conformance suite every ledger plugin must pass: each operation, idempotent repeats,
// lookup after the plugin is destroyed and loaded again, insufficient balance, hold -> release,
// hold -> revert, bad input, preflight, concurrent calls. Restarts and reloads:
// conformance_restart_test.cpp.

#include "conformance_fixture.hpp"

namespace finp2p::conformance {
namespace {

TEST_F(Conformance, DescribesItself) {
  const auto& d = plugin_->description();
  EXPECT_FALSE(d.name.empty());
  EXPECT_FALSE(d.version.empty());
  for (auto kind : {FINP2P_LEDGER_OP_HOLD, FINP2P_LEDGER_OP_RELEASE, FINP2P_LEDGER_OP_REVERT_HOLD,
                    FINP2P_LEDGER_OP_TRANSFER, FINP2P_LEDGER_OP_ISSUE}) {
    EXPECT_TRUE(d.supportedOperations & FINP2P_LEDGER_SUPPORTS(kind))
        << "does not declare " << ledger::operationKindName(kind);
  }
}

TEST_F(Conformance, IssueTransferAndRedeemMoveExactAmounts) {
  ASSERT_TRUE(succeeded(issue(account("a"), "100.10", "issue")));
  EXPECT_EQ(balanceOf(account("a")), Pair("100.1", "0"));
  auto t = transfer(account("a"), account("b"), "0.11", "t1");
  ASSERT_TRUE(t.ok()) << t.message;
  ASSERT_TRUE(t.receipt);
  EXPECT_EQ(t.receipt->operationId, key("t1"));
  EXPECT_EQ(*Decimal::parse(t.receipt->quantity), *Decimal::parse("0.11"));
  EXPECT_FALSE(t.receipt->transactionId.empty());
  EXPECT_EQ(balanceOf(account("a")), Pair("99.99", "0"));
  EXPECT_EQ(balanceOf(account("b")), Pair("0.11", "0"));

  auto r = op(FINP2P_LEDGER_OP_REDEEM, "redeem", "9.99");
  r.source = account("a");
  ASSERT_TRUE(succeeded(execute(r)));
  EXPECT_EQ(balanceOf(account("a")), Pair("90", "0"));
}

TEST_F(Conformance, HoldThenReleasePaysTheBeneficiary) {
  ASSERT_TRUE(succeeded(issue(account("seller"), "50", "issue")));
  auto h = hold(account("seller"), account("buyer"), "20", "hold");
  ASSERT_TRUE(h.ok()) << h.message;
  EXPECT_EQ(balanceOf(account("seller")), Pair("30", "20"));
  auto rel = op(FINP2P_LEDGER_OP_RELEASE, "release", "20");
  rel.source = account("seller");
  rel.destination = account("buyer");
  rel.holdOperationId = key("hold");
  auto out = execute(rel);
  ASSERT_TRUE(out.ok()) << out.message;
  EXPECT_EQ(balanceOf(account("seller")), Pair("30", "0"));
  EXPECT_EQ(balanceOf(account("buyer")), Pair("20", "0"));
  // A released hold cannot be reverted.
  auto rev = op(FINP2P_LEDGER_OP_REVERT_HOLD, "revert", "");
  rev.holdOperationId = key("hold");
  EXPECT_EQ(execute(rev).status, FINP2P_LEDGER_ERROR_VALIDATION);
}

TEST_F(Conformance, HoldThenRevertReturnsTheAsset) {
  ASSERT_TRUE(succeeded(issue(account("seller"), "50", "issue")));
  ASSERT_TRUE(succeeded(hold(account("seller"), account("buyer"), "50", "hold")));
  EXPECT_EQ(balanceOf(account("seller")), Pair("0", "50"));
  auto rev = op(FINP2P_LEDGER_OP_REVERT_HOLD, "revert", "");
  rev.holdOperationId = key("hold");
  rev.destination = account("seller");
  auto out = execute(rev);
  ASSERT_TRUE(out.ok()) << out.message;
  EXPECT_EQ(balanceOf(account("seller")), Pair("50", "0"));
  // The reverted hold cannot be released any more.
  auto rel = op(FINP2P_LEDGER_OP_RELEASE, "release", "50");
  rel.holdOperationId = key("hold");
  rel.destination = account("buyer");
  EXPECT_EQ(execute(rel).status, FINP2P_LEDGER_ERROR_VALIDATION);
}

TEST_F(Conformance, SameKeyTwiceMovesOnceAndReturnsTheSameReceipt) {
  ASSERT_TRUE(succeeded(issue(account("a"), "10", "issue")));
  auto first = transfer(account("a"), account("b"), "3", "t");
  auto second = transfer(account("a"), account("b"), "3", "t");
  ASSERT_TRUE(first.ok() && second.ok()) << first.message << " / " << second.message;
  EXPECT_EQ(first.receipt->transactionId, second.receipt->transactionId) << kExecutedTwice;
  EXPECT_EQ(balanceOf(account("a")), Pair("7", "0")) << kExecutedTwice;
  // An issue repeated is not issued twice either.
  ASSERT_TRUE(succeeded(issue(account("a"), "10", "issue")));
  EXPECT_EQ(balanceOf(account("a")), Pair("7", "0")) << kExecutedTwice;
}

TEST_F(Conformance, KeyReusedForADifferentOperationIsRefused) {
  ASSERT_TRUE(succeeded(issue(account("a"), "10", "issue")));
  ASSERT_TRUE(succeeded(transfer(account("a"), account("b"), "3", "t")));
  auto reused = transfer(account("a"), account("b"), "4", "t");
  EXPECT_FALSE(reused.ok());
  EXPECT_EQ(balanceOf(account("a")), Pair("7", "0"));
}

TEST_F(Conformance, LookupReturnsTheStoredOutcome) {
  ASSERT_TRUE(succeeded(issue(account("a"), "10", "issue")));
  auto t = transfer(account("a"), account("b"), "1", "t");
  ASSERT_TRUE(succeeded(t));
  auto found = lookup(key("t"));
  ASSERT_TRUE(found.ok()) << found.message;
  EXPECT_EQ(found.receipt->transactionId, t.receipt->transactionId);
  EXPECT_EQ(lookup(key("never")).status, FINP2P_LEDGER_ERROR_NOT_FOUND);
}

TEST_F(Conformance, LookupAfterThePluginIsDestroyedAndLoadedAgain) {
  ASSERT_TRUE(succeeded(issue(account("a"), "10", "issue")));
  auto t = transfer(account("a"), account("b"), "4", "t");
  ASSERT_TRUE(succeeded(t));
  auto failed = transfer(account("a"), account("b"), "400", "too-much");
  EXPECT_EQ(failed.status, FINP2P_LEDGER_ERROR_SETTLEMENT);
  restart();
  auto found = lookup(key("t"));
  ASSERT_TRUE(found.ok()) << kForgot << "lookup of transfer " << key("t") << " answered "
                          << ledger::statusName(found.status) << ": " << found.message;
  EXPECT_EQ(found.receipt->transactionId, t.receipt->transactionId);
  auto again = transfer(account("a"), account("b"), "4", "t");
  ASSERT_TRUE(succeeded(again));
  EXPECT_EQ(again.receipt->transactionId, t.receipt->transactionId);
  EXPECT_EQ(balanceOf(account("a")), Pair("6", "0"));
  EXPECT_EQ(lookup(key("too-much")).status, FINP2P_LEDGER_ERROR_SETTLEMENT);
}

TEST_F(Conformance, InsufficientBalanceIsASettlementErrorWithTheAmounts) {
  ASSERT_TRUE(succeeded(issue(account("a"), "5", "issue")));
  auto t = transfer(account("a"), account("b"), "5.01", "t");
  EXPECT_EQ(t.status, FINP2P_LEDGER_ERROR_SETTLEMENT);
  EXPECT_NE(t.message.find("5.01"), std::string::npos) << t.message;
  auto h = hold(account("a"), account("b"), "6", "h");
  EXPECT_EQ(h.status, FINP2P_LEDGER_ERROR_SETTLEMENT);
  EXPECT_EQ(balanceOf(account("a")), Pair("5", "0"));
}

TEST_F(Conformance, BadInputIsAValidationErrorAndMovesNothing) {
  ASSERT_TRUE(succeeded(issue(account("a"), "5", "issue")));
  for (const char* amount : {"-1", "0", "abc", "1e3", "", "1.001"}) {
    auto t = transfer(account("a"), account("b"), amount, std::string("bad-") + amount);
    EXPECT_EQ(t.status, FINP2P_LEDGER_ERROR_VALIDATION) << "amount \"" << amount << "\"";
  }
  auto unknown = transfer(account("nobody"), account("b"), "1", "unknown");
  EXPECT_TRUE(unknown.status == FINP2P_LEDGER_ERROR_VALIDATION ||
              unknown.status == FINP2P_LEDGER_ERROR_SETTLEMENT)
      << ledger::statusName(unknown.status);
  auto rel = op(FINP2P_LEDGER_OP_RELEASE, "release", "1");
  rel.holdOperationId = key("no-such-hold");
  rel.destination = account("b");
  EXPECT_EQ(execute(rel).status, FINP2P_LEDGER_ERROR_VALIDATION);
  EXPECT_EQ(balanceOf(account("a")), Pair("5", "0"));
}

TEST_F(Conformance, VerifyAcceptsTrueReceiptsAndRefusesAlteredOnes) {
  ASSERT_TRUE(succeeded(issue(account("a"), "5", "issue")));
  auto t = transfer(account("a"), account("b"), "2", "t");
  ASSERT_TRUE(succeeded(t));
  EXPECT_TRUE(succeeded(verify(*t.receipt)));
  auto altered = *t.receipt;
  altered.quantity = "20";
  EXPECT_FALSE(verify(altered).ok());
  altered = *t.receipt;
  altered.destination = account("mallory");
  EXPECT_FALSE(verify(altered).ok());
}

TEST_F(Conformance, AwaitCompletesAtItsTime) {
  if (!(plugin_->description().supportedOperations &
        FINP2P_LEDGER_SUPPORTS(FINP2P_LEDGER_OP_AWAIT))) {
    std::printf("  (await is not in supported_operations: the router runs timed awaits itself)\n");
    return;
  }
  auto past = op(FINP2P_LEDGER_OP_AWAIT, "past", "");
  past.waitUntilUnixS = 1;
  EXPECT_TRUE(succeeded(execute(past)));
  auto soon = op(FINP2P_LEDGER_OP_AWAIT, "soon", "");
  soon.waitUntilUnixS = ledger::nowUnixMs() / 1000 + 2;
  auto out = execute(soon);
  ASSERT_TRUE(out.ok()) << out.message;
  EXPECT_GE(ledger::nowUnixMs() / 1000, soon.waitUntilUnixS);
}

// Preflight runs at approval time, before any instruction of the plan ran: it must complete,
// accept what can succeed, and accept a release whose hold is an earlier instruction of the
// same plan (it does not exist yet).
TEST_F(Conformance, PreflightAcceptsAPlanBeforeItsHoldExists) {
  ASSERT_TRUE(succeeded(issue(account("a"), "100", "issue")));
  auto t = op(FINP2P_LEDGER_OP_TRANSFER, "pre-t", "1");
  t.source = account("a");
  t.destination = account("b");
  EXPECT_TRUE(succeeded(preflight(t))) << "on_preflight refused a valid transfer";
  auto h = op(FINP2P_LEDGER_OP_HOLD, "pre-h", "1");
  h.source = account("a");
  h.destination = account("b");
  EXPECT_TRUE(succeeded(preflight(h))) << "on_preflight refused a valid hold";
  auto rel = op(FINP2P_LEDGER_OP_RELEASE, "pre-rel", "1");
  rel.source = account("a");
  rel.destination = account("b");
  rel.holdOperationId = key("pre-h");  // not executed: at approval time it does not exist yet
  EXPECT_TRUE(succeeded(preflight(rel)))
      << "on_preflight refused a release whose hold does not exist yet; at approval time the "
         "hold is an earlier instruction of the same plan, so every DvP would be rejected";
  EXPECT_EQ(lookup(key("pre-t")).status, FINP2P_LEDGER_ERROR_NOT_FOUND)
      << "on_preflight must not execute anything";
}

TEST_F(Conformance, ConcurrentCallsKeepTheBooksBalanced) {
  ASSERT_TRUE(succeeded(issue(account("a"), "1000", "issue")));
  ASSERT_TRUE(succeeded(issue(account("b"), "1000", "issue-b")));
  constexpr int kThreads = 4, kEach = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        bool forward = (t + i) % 2 == 0;
        auto out =
            transfer(forward ? account("a") : account("b"), forward ? account("b") : account("a"),
                     "1.01", "c" + std::to_string(t) + "-" + std::to_string(i));
        if (!out.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto a = *Decimal::parse(balanceOf(account("a")).first);
  auto b = *Decimal::parse(balanceOf(account("b")).first);
  EXPECT_EQ((a + b).toString(), "2000");
  EXPECT_EQ(a.toString(), "1000");  // 50 transfers each way
}

}  // namespace
}  // namespace finp2p::conformance
