// Hash time-locked legs in the model: the hash functions (known vectors), the structure
// validatePlan refuses, the timelocks checkTimelocks refuses, and what a lock's, claim's and
// refund's receipt must say.

#include "model/hash_lock.hpp"

#include <gtest/gtest.h>

#include "finp2p/ledger/hash_lock.hpp"
#include "model/plan_file.hpp"
#include "model/receipt_check.hpp"
#include "plan_builder.hpp"

namespace finp2p::model {
namespace {

using ledger::hashBytes;
using ledger::HashFunction;
using ledger::toHex;

constexpr int64_t kNow = 1'800'000'000;
const std::string kSecret(32, '\x42');

std::string hashOf(HashFunction f = HashFunction::kSha256) {
  return toHex(hashBytes(f, kSecret));
}

finp2p::execution::ExecutionPlan swap(int64_t bondExpiry = kNow + 7200,
                                      int64_t cashExpiry = kNow + 3600) {
  return testing::htlcPlan(hashOf(), bondExpiry, cashExpiry);
}

bool mentions(const std::vector<Violation>& vs, const std::string& path, const std::string& text) {
  for (const auto& v : vs) {
    if (v.path == path && v.message.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string all(const std::vector<Violation>& vs) {
  std::string out;
  for (const auto& v : vs) out += v.toString() + "\n";
  return out;
}

TEST(HashFunctions, MatchTheirPublishedVectors) {
  EXPECT_EQ(toHex(hashBytes(HashFunction::kSha256, "abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(toHex(hashBytes(HashFunction::kSha256, "")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // Two blocks of padding (56 bytes) and more than one block of input.
  EXPECT_EQ(toHex(hashBytes(HashFunction::kSha256,
                            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(toHex(hashBytes(HashFunction::kKeccak256, "")),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(toHex(hashBytes(HashFunction::kKeccak256, "abc")),
            "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  // 136 bytes: exactly one rate block, padding in a block of its own.
  EXPECT_EQ(toHex(hashBytes(HashFunction::kKeccak256, std::string(136, 'a'))),
            toHex(hashBytes(HashFunction::kKeccak256, std::string(136, 'a'))));
  EXPECT_NE(toHex(hashBytes(HashFunction::kKeccak256, std::string(136, 'a'))),
            toHex(hashBytes(HashFunction::kKeccak256, std::string(135, 'a'))));
}

TEST(HashFunctions, CheckPreimageSaysWhy) {
  EXPECT_EQ(ledger::checkPreimage("sha256", hashOf(), toHex(kSecret)), "");
  EXPECT_EQ(ledger::checkPreimage("keccak256", hashOf(HashFunction::kKeccak256), toHex(kSecret)),
            "");
  EXPECT_NE(ledger::checkPreimage("keccak256", hashOf(), toHex(kSecret)), "");
  EXPECT_NE(ledger::checkPreimage("sha256", hashOf(), toHex(std::string(32, '\x43'))), "");
  EXPECT_NE(ledger::checkPreimage("sha256", hashOf(), "zz"), "");
  EXPECT_NE(ledger::checkPreimage("sha256", hashOf(), ""), "");
  EXPECT_NE(ledger::checkPreimage("md5", hashOf(), toHex(kSecret)), "");
}

TEST(HashLockRoles, LockClaimAndRefundAreTheHoldReleaseAndRevertOfALock) {
  auto plan = swap();
  EXPECT_EQ(lockRole(plan, plan.instructions(0)), LockRole::kLock);
  EXPECT_EQ(lockRole(plan, plan.instructions(2)), LockRole::kClaim);
  EXPECT_EQ(lockRole(plan, plan.instructions(4)), LockRole::kRefund);
  auto dvp = testing::dvpPlan();
  for (const auto& ins : dvp.instructions()) EXPECT_EQ(lockRole(dvp, ins), LockRole::kNone);
  EXPECT_EQ(refundNotBeforeMillis(plan, plan.instructions(4)), (kNow + 7200) * 1000);
  EXPECT_EQ(refundNotBeforeMillis(plan, plan.instructions(5)), (kNow + 3600) * 1000);
}

TEST(HashLockValidation, TheSwapIsValid) {
  auto plan = swap();
  EXPECT_TRUE(validatePlan(plan).empty()) << all(validatePlan(plan));
  EXPECT_TRUE(checkTimelocks(plan, kNow, 600).empty()) << all(checkTimelocks(plan, kNow, 600));
}

TEST(HashLockValidation, AnEmptyHashOnlyInAPlanBeingSubmitted) {
  auto plan = testing::htlcPlan("", kNow + 7200, kNow + 3600);
  EXPECT_TRUE(mentions(validatePlan(plan), "instructions[0].hold.hashLock.hash", "missing"));
  EXPECT_TRUE(validatePlan(plan, {.requireHashes = false}).empty())
      << all(validatePlan(plan, {.requireHashes = false}));
  fillHashLocks(plan, hashOf());
  EXPECT_EQ(plan.instructions(1).hold().hashlock().hash(), hashOf());
  EXPECT_TRUE(validatePlan(plan).empty());
}

TEST(HashLockValidation, DifferentHashesFunctionsOrHoldersAreRefused) {
  auto plan = swap();
  plan.mutable_instructions(1)->mutable_hold()->mutable_hashlock()->set_hash(
      hashOf(HashFunction::kKeccak256));
  EXPECT_TRUE(mentions(validatePlan(plan), "instructions[1].hold.hashLock.hash", "differs"));
  plan = swap();
  plan.mutable_instructions(1)->mutable_hold()->mutable_hashlock()->set_hashfunction("keccak256");
  EXPECT_TRUE(
      mentions(validatePlan(plan), "instructions[1].hold.hashLock.hashFunction", "differs"));
  plan = swap();
  plan.mutable_instructions(1)->mutable_hold()->mutable_hashlock()->set_secretholder("bank-b");
  auto vs = validatePlan(plan);
  EXPECT_TRUE(mentions(vs, "instructions[1].hold.hashLock.secretHolder", "not the plan's issuer"))
      << all(vs);
  plan = swap();
  plan.mutable_instructions(0)->mutable_hold()->mutable_hashlock()->set_hashfunction("md5");
  EXPECT_TRUE(mentions(validatePlan(plan), "instructions[0].hold.hashLock.hashFunction",
                       "not a hash function"));
  plan = swap();
  plan.mutable_instructions(0)->mutable_hold()->mutable_hashlock()->set_hash("ABC");
  EXPECT_TRUE(mentions(validatePlan(plan), "instructions[0].hold.hashLock.hash", "lowercase hex"));
}

TEST(HashLockValidation, OnlyTheSecretHolderClaimsFirstAndOnlyAfterEveryLock) {
  auto plan = swap();
  plan.mutable_instructions(2)->set_organizations(0, "bank-b");
  EXPECT_TRUE(mentions(validatePlan(plan), "instructions[2].organizations", "only its holder"));
  // A claim that pays someone else, or part of the lock.
  plan = swap();
  *plan.mutable_instructions(2)->mutable_release()->mutable_destination() =
      testing::account("bank-b:101:buyer");
  EXPECT_TRUE(mentions(validatePlan(plan), "instructions[2].release.destination", "beneficiary"));
  plan = swap();
  plan.mutable_instructions(2)->mutable_release()->set_amount("10000.00");
  EXPECT_TRUE(mentions(validatePlan(plan), "instructions[2].release.amount", "whole lock"));
  // A single lock swaps nothing.
  plan = swap();
  plan.mutable_instructions(1)->mutable_hold()->clear_hashlock();
  EXPECT_TRUE(mentions(validatePlan(plan), "instructions[0].hold.hashLock", "two or more"));
}

TEST(HashLockTimelocks, PastExpiriesAndATooSmallMarginAreRefused) {
  auto past = checkTimelocks(swap(kNow + 7200, kNow - 1), kNow, 600);
  EXPECT_TRUE(mentions(past, "instructions[1].hold.hashLock.expiry", "not in the future"))
      << all(past);
  // The lock paying the secret holder (the cash, instruction 2) must expire 600 s before the bond.
  auto tight = checkTimelocks(swap(kNow + 4199, kNow + 3600), kNow, 600);
  EXPECT_TRUE(mentions(tight, "instructions[0].hold.hashLock.expiry", "requires 600 s"))
      << all(tight);
  EXPECT_TRUE(checkTimelocks(swap(kNow + 4200, kNow + 3600), kNow, 600).empty());
  // The classic mistake: the secret holder's own lock expiring first.
  auto reversed = checkTimelocks(swap(kNow + 3600, kNow + 7200), kNow, 600);
  EXPECT_FALSE(reversed.empty());
}

// The margin is about whom each lock pays, not about the plan's claim order: the secret holder
// may claim the lock paying it at any time before that lock's expiry (reviewer findings 1, 2).
TEST(HashLockTimelocks, EveryLockPayingTheHolderExpiresTheMarginBeforeEveryOther) {
  // The first claim is the holder's claim of the bond for the buyer: by claim order the bond
  // "is claimed first" and may expire first, but the holder need not claim it at all, and can
  // refund the bond and still claim the cash until the cash lock's later expiry.
  auto plan = swap(kNow + 3600, kNow + 7200);
  std::swap(*plan.mutable_instructions(2)->mutable_release(),
            *plan.mutable_instructions(3)->mutable_release());
  EXPECT_TRUE(validatePlan(plan).empty()) << all(validatePlan(plan));
  auto byOrder = checkTimelocks(plan, kNow, 600);
  EXPECT_TRUE(mentions(byOrder, "instructions[0].hold.hashLock.expiry", "pays the secret holder"))
      << all(byOrder);
  // Three locks in the classic order: a second lock paying the holder that expires after the
  // bond lets the holder refund the bond and claim that one.
  plan = swap();
  auto* late = plan.add_instructions();
  *late = plan.instructions(1);
  late->set_sequence(7);
  late->mutable_hold()->mutable_hashlock()->set_expiry(kNow + 9000);
  auto three = checkTimelocks(plan, kNow, 600);
  EXPECT_TRUE(mentions(three, "instructions[0].hold.hashLock.expiry", "instruction 7"))
      << all(three);
}

// Every lock goes back to its owner at its expiry only by a refund its own router runs
// (reviewer finding 6).
TEST(HashLockValidation, ALockWithoutARefundByItsOwnRouterIsRefused) {
  auto plan = swap();
  plan.mutable_instructions(5)->set_organizations(0, "bank-a");  // the cash refund, by bank-a
  EXPECT_TRUE(mentions(validatePlan(plan), "instructions[1]", "refund")) << all(validatePlan(plan));
  plan = swap();
  plan.mutable_instructions()->RemoveLast();  // no refund of the cash lock at all
  plan.mutable_instructions(1)->mutable_transitions()->mutable_onfailure()->set_sequence(5);
  plan.mutable_instructions(2)->mutable_transitions()->mutable_onfailure()->set_sequence(5);
  EXPECT_TRUE(mentions(validatePlan(plan), "instructions[1]", "refund")) << all(validatePlan(plan));
  EXPECT_FALSE(mentions(validatePlan(swap()), "instructions[1]", "refund"));
}

finp2p::receipt::Receipt receiptFor(const finp2p::execution::ExecutionPlan& plan, int index,
                                    const std::string& type, const std::string& preimage) {
  const auto& ins = plan.instructions(index);
  auto want = expectedReceipt(plan, ins);
  finp2p::receipt::Receipt r;
  r.set_operationtype(type);
  *r.mutable_asset() = *want.asset;
  r.mutable_source()->set_address(want.source);
  r.mutable_destination()->set_address(want.destination);
  r.set_quantity(want.quantity);
  r.mutable_tradedetails()->mutable_executioncontext()->mutable_executionplanid()->set_id(
      want.planId);
  r.mutable_tradedetails()->mutable_executioncontext()->set_instructionsequencenumber(
      want.sequence);
  r.mutable_transactiondetails()->set_operationid(want.operationId);
  const auto* lock = lockOf(plan, ins);
  r.mutable_hashlock()->set_hash(lock->hash());
  r.mutable_hashlock()->set_hashfunction(lock->hashfunction());
  r.mutable_hashlock()->set_expiry(lock->expiry());
  r.mutable_hashlock()->set_preimage(preimage);
  return r;
}

TEST(HashLockReceipts, ALockStatesItsLockAndAClaimAPreimageThatOpensIt) {
  auto plan = swap();
  auto lock = receiptFor(plan, 1, "hash_lock", "");
  EXPECT_TRUE(checkReceipt(plan, plan.instructions(1), lock));
  auto plainHold = lock;
  plainHold.set_operationtype("hold");
  EXPECT_FALSE(checkReceipt(plan, plan.instructions(1), plainHold));
  auto otherExpiry = lock;
  otherExpiry.mutable_hashlock()->set_expiry(kNow + 10);
  EXPECT_FALSE(checkReceipt(plan, plan.instructions(1), otherExpiry));

  auto claim = receiptFor(plan, 2, "claim", toHex(kSecret));
  EXPECT_TRUE(checkReceipt(plan, plan.instructions(2), claim));
  auto wrong = receiptFor(plan, 2, "claim", toHex(std::string(32, '\x01')));
  auto s = checkReceipt(plan, plan.instructions(2), wrong);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("does not open the lock"), std::string::npos);
  EXPECT_FALSE(checkReceipt(plan, plan.instructions(2), receiptFor(plan, 2, "claim", "")));
}

TEST(HashLockExample, TheSwapExampleIsValidOnceItsRouterHashedTheSecret) {
  auto plan = readPlanFile(std::string(FINP2P_EXAMPLES_DIR) + "/htlc-swap.json");
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(mentions(validatePlan(*plan), "instructions[0].hold.hashLock.hash", "missing"));
  fillHashLocks(*plan, hashOf());
  EXPECT_TRUE(validatePlan(*plan).empty()) << all(validatePlan(*plan));
  EXPECT_TRUE(checkTimelocks(*plan, kNow, 3600).empty()) << all(checkTimelocks(*plan, kNow, 3600));
}

}  // namespace
}  // namespace finp2p::model
