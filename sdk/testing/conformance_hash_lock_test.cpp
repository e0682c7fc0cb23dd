// Hash time-locked holds (ABI 1.2), for plugins that declare them: a lock pays its beneficiary
// only on a claim with the preimage before the expiry, and goes back to its owner only on a
// refund from the expiry on; each outcome, refusals included, is idempotent.

#include <thread>

#include "conformance_fixture.hpp"
#include "finp2p/ledger/hash_lock.hpp"

namespace finp2p::conformance {
namespace {

using ledger::HashFunction;

constexpr const char* kClaimBypassed =
    "a hash lock paid out or went back without its preimage or expiry: the ledger itself must "
    "enforce the lock (abi.h, FINP2P_LEDGER_OP_CLAIM / FINP2P_LEDGER_OP_REFUND)";

int64_t nowUnixS() {
  return ledger::nowUnixMs() / 1000;
}

class HashLocks : public Conformance {
 protected:
  void SetUp() override {
    Conformance::SetUp();
    if (!(plugin_->description().supportedOperations & ledger::hashLockOperations())) {
      GTEST_SKIP() << "the plugin does not declare hash_lock, claim and refund";
    }
    secret_ = ledger::hashBytes(HashFunction::kSha256, prefix_ + "/secret");
  }

  std::string preimage() const { return ledger::toHex(secret_); }
  std::string hashOf(HashFunction f) const { return ledger::toHex(ledger::hashBytes(f, secret_)); }

  Operation lockOp(const std::string& keyName, const std::string& amount, int64_t expiry,
                   HashFunction f = HashFunction::kSha256) {
    auto o = op(FINP2P_LEDGER_OP_HASH_LOCK, keyName, amount);
    o.source = account("seller");
    o.destination = account("buyer");
    o.hashLock = hashOf(f);
    o.hashFunction = ledger::hashFunctionName(f);
    o.expiryUnixS = expiry;
    return o;
  }
  Operation claimOp(const std::string& keyName, const std::string& lockKey,
                    const std::string& preimageHex) {
    auto o = op(FINP2P_LEDGER_OP_CLAIM, keyName, "");
    o.destination = account("buyer");
    o.holdOperationId = key(lockKey);
    o.preimage = preimageHex;
    return o;
  }
  Operation refundOp(const std::string& keyName, const std::string& lockKey) {
    auto o = op(FINP2P_LEDGER_OP_REFUND, keyName, "");
    o.source = account("seller");
    o.destination = account("seller");
    o.holdOperationId = key(lockKey);
    return o;
  }

  std::string secret_;
};

TEST_F(HashLocks, ClaimWithTheWrongPreimageFailsAndMovesNothingEachTime) {
  ASSERT_TRUE(succeeded(issue(account("seller"), "50", "issue")));
  ASSERT_TRUE(succeeded(issue(account("buyer"), "1", "issue-buyer")));
  int64_t expiry = nowUnixS() + 120;
  auto lock = execute(lockOp("lock", "20", expiry));
  ASSERT_TRUE(succeeded(lock));
  EXPECT_EQ(lock.receipt->operationType, "hash_lock");
  EXPECT_EQ(lock.receipt->hashLock, hashOf(HashFunction::kSha256));
  EXPECT_EQ(lock.receipt->hashFunction, "sha256");
  EXPECT_EQ(lock.receipt->expiryUnixS, expiry);
  EXPECT_EQ(balanceOf(account("seller")), Pair("30", "20"));
  std::string wrong = ledger::toHex(ledger::hashBytes(HashFunction::kSha256, "not the secret"));
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto bad = execute(claimOp("bad-claim", "lock", wrong));
    EXPECT_EQ(bad.status, FINP2P_LEDGER_ERROR_VALIDATION) << bad.message;
    EXPECT_EQ(balanceOf(account("seller")), Pair("30", "20")) << kClaimBypassed;
    EXPECT_EQ(balanceOf(account("buyer")), Pair("1", "0")) << kClaimBypassed;
  }
  EXPECT_EQ(lookup(key("bad-claim")).status, FINP2P_LEDGER_ERROR_VALIDATION);
}

TEST_F(HashLocks, ClaimWithThePreimagePaysTheBeneficiaryOnceAndRevealsIt) {
  ASSERT_TRUE(succeeded(issue(account("seller"), "50", "issue")));
  ASSERT_TRUE(succeeded(execute(lockOp("lock", "20", nowUnixS() + 120))));
  auto first = execute(claimOp("claim", "lock", preimage()));
  ASSERT_TRUE(succeeded(first));
  EXPECT_EQ(first.receipt->preimage, preimage()) << "a claim's receipt carries the preimage";
  EXPECT_EQ(first.receipt->hashLock, hashOf(HashFunction::kSha256));
  EXPECT_EQ(*Decimal::parse(first.receipt->quantity), *Decimal::parse("20"));
  auto again = execute(claimOp("claim", "lock", preimage()));
  ASSERT_TRUE(succeeded(again));
  EXPECT_EQ(again.receipt->transactionId, first.receipt->transactionId) << kExecutedTwice;
  EXPECT_EQ(balanceOf(account("seller")), Pair("30", "0"));
  EXPECT_EQ(balanceOf(account("buyer")), Pair("20", "0"));
  // Whoever looks the claim up reads the preimage from the ledger.
  auto found = lookup(key("claim"));
  ASSERT_TRUE(succeeded(found));
  EXPECT_EQ(found.receipt->preimage, preimage());
  EXPECT_TRUE(succeeded(verify(*found.receipt)));
  auto forged = *found.receipt;
  forged.preimage = ledger::toHex(std::string(32, '\x01'));
  EXPECT_FALSE(verify(forged).ok()) << "verify must compare the receipt's preimage";
  // A claimed lock cannot be claimed under another key, nor refunded.
  EXPECT_EQ(execute(claimOp("claim-2", "lock", preimage())).status, FINP2P_LEDGER_ERROR_VALIDATION);
  EXPECT_EQ(balanceOf(account("buyer")), Pair("20", "0")) << kClaimBypassed;
}

// A router preflights every instruction it will execute when the plan arrives, before any lock
// exists and before the secret is revealed: a claim's preflight has no preimage to give.
TEST_F(HashLocks, AClaimIsPreflightedWithoutItsPreimage) {
  auto pre = preflight(claimOp("pre-claim", "pre-lock", ""));
  EXPECT_TRUE(succeeded(pre)) << "a claim cannot be preflighted with its preimage: " << pre.message;
  EXPECT_FALSE(execute(claimOp("pre-claim", "pre-lock", "")).ok())
      << "executed, a claim without its preimage is refused";
}

// Whoever claims a lock publishes its preimage, under whatever key the claim came: the lock's
// own lookup then shows it, so the lock's counterparty learns the secret from the ledger
// (abi.h, on_lookup; docs/protocol.md, "A claim needs nobody").
TEST_F(HashLocks, ALockLookedUpAfterAnyClaimShowsThePreimage) {
  ASSERT_TRUE(succeeded(issue(account("seller"), "50", "issue")));
  ASSERT_TRUE(succeeded(execute(lockOp("lock", "20", nowUnixS() + 120))));
  auto before = lookup(key("lock"));
  ASSERT_TRUE(succeeded(before));
  EXPECT_EQ(before.receipt->preimage, "") << "an unclaimed lock reveals nothing";
  ASSERT_TRUE(succeeded(execute(claimOp("a-side-door-key", "lock", preimage()))));
  auto after = lookup(key("lock"));
  ASSERT_TRUE(succeeded(after));
  EXPECT_EQ(after.receipt->operationType, "hash_lock");
  EXPECT_EQ(after.receipt->preimage, preimage())
      << "the lock's lookup must show the preimage it was claimed with, whatever the claim's key";
}

TEST_F(HashLocks, Keccak256LocksClaimToo) {
  ASSERT_TRUE(succeeded(issue(account("seller"), "5", "issue")));
  ASSERT_TRUE(succeeded(execute(lockOp("lock", "5", nowUnixS() + 120, HashFunction::kKeccak256))));
  ASSERT_TRUE(succeeded(execute(claimOp("claim", "lock", preimage()))));
  EXPECT_EQ(balanceOf(account("buyer")), Pair("5", "0"));
}

TEST_F(HashLocks, RefundBeforeTheExpiryFailsAndMovesNothingEachTime) {
  ASSERT_TRUE(succeeded(issue(account("seller"), "50", "issue")));
  ASSERT_TRUE(succeeded(execute(lockOp("lock", "20", nowUnixS() + 120))));
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto early = execute(refundOp("refund", "lock"));
    EXPECT_EQ(early.status, FINP2P_LEDGER_ERROR_VALIDATION) << early.message;
    EXPECT_EQ(balanceOf(account("seller")), Pair("30", "20")) << kClaimBypassed;
  }
  // Neither the plain operations of a hold: the lock is the only way out.
  auto rev = op(FINP2P_LEDGER_OP_REVERT_HOLD, "revert", "");
  rev.holdOperationId = key("lock");
  EXPECT_EQ(execute(rev).status, FINP2P_LEDGER_ERROR_VALIDATION) << kClaimBypassed;
  auto rel = op(FINP2P_LEDGER_OP_RELEASE, "release", "20");
  rel.destination = account("buyer");
  rel.holdOperationId = key("lock");
  EXPECT_EQ(execute(rel).status, FINP2P_LEDGER_ERROR_VALIDATION) << kClaimBypassed;
  EXPECT_EQ(balanceOf(account("seller")), Pair("30", "20")) << kClaimBypassed;
}

TEST_F(HashLocks, ClaimAfterTheExpiryFailsAndTheRefundThenReturnsTheLockOnce) {
  ASSERT_TRUE(succeeded(issue(account("seller"), "50", "issue")));
  ASSERT_TRUE(succeeded(issue(account("buyer"), "1", "issue-buyer")));
  int64_t expiry = nowUnixS() + 2;
  ASSERT_TRUE(succeeded(execute(lockOp("lock", "20", expiry))));
  auto early = execute(refundOp("refund", "lock"));
  EXPECT_EQ(early.status, FINP2P_LEDGER_ERROR_VALIDATION) << early.message;
  while (nowUnixS() <= expiry) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto late = execute(claimOp("late-claim", "lock", preimage()));
    EXPECT_EQ(late.status, FINP2P_LEDGER_ERROR_VALIDATION) << late.message;
    EXPECT_EQ(balanceOf(account("buyer")), Pair("1", "0")) << kClaimBypassed;
  }
  // The refund refused before the expiry, under the same key, now runs: a refusal by the clock
  // must not be stored as the key's outcome.
  auto refund = execute(refundOp("refund", "lock"));
  ASSERT_TRUE(succeeded(refund));
  EXPECT_EQ(refund.receipt->hashLock, hashOf(HashFunction::kSha256));
  auto again = execute(refundOp("refund", "lock"));
  ASSERT_TRUE(succeeded(again));
  EXPECT_EQ(again.receipt->transactionId, refund.receipt->transactionId) << kExecutedTwice;
  EXPECT_EQ(balanceOf(account("seller")), Pair("50", "0"));
  restart();
  EXPECT_EQ(lookup(key("refund")).receipt->transactionId, refund.receipt->transactionId) << kForgot;
}

TEST_F(HashLocks, LocksWithAPastExpiryOrAMalformedHashAreRefused) {
  ASSERT_TRUE(succeeded(issue(account("seller"), "50", "issue")));
  EXPECT_EQ(execute(lockOp("past", "1", nowUnixS() - 1)).status, FINP2P_LEDGER_ERROR_VALIDATION);
  auto badHash = lockOp("bad-hash", "1", nowUnixS() + 60);
  badHash.hashLock = "xyz";
  EXPECT_EQ(execute(badHash).status, FINP2P_LEDGER_ERROR_VALIDATION);
  auto badFunction = lockOp("bad-function", "1", nowUnixS() + 60);
  badFunction.hashFunction = "md5";
  EXPECT_EQ(execute(badFunction).status, FINP2P_LEDGER_ERROR_VALIDATION);
  EXPECT_EQ(preflight(lockOp("pre-past", "1", nowUnixS() - 1)).status,
            FINP2P_LEDGER_ERROR_VALIDATION);
  EXPECT_EQ(balanceOf(account("seller")), Pair("50", "0"));
}

}  // namespace
}  // namespace finp2p::conformance
