// The receipt check, one field at a time, on every instruction kind of the DvP plan and on an
// Issue and a Redeem.

#include "model/receipt_check.hpp"

#include <gtest/gtest.h>

#include "model/transitions.hpp"
#include "plan_builder.hpp"

namespace finp2p::model {
namespace {

using finp2p::execution::ExecutionInstruction;
using finp2p::receipt::Receipt;

// The receipt a correct ledger writes for `ins`.
Receipt matching(const finp2p::execution::ExecutionPlan& plan, const ExecutionInstruction& ins) {
  auto want = expectedReceipt(plan, ins);
  Receipt r;
  r.set_id("tx-1");
  r.set_operationtype(want.operationTypes.front());
  if (!want.source.empty()) r.mutable_source()->set_address(want.source);
  if (!want.destination.empty()) r.mutable_destination()->set_address(want.destination);
  if (want.asset) *r.mutable_asset() = *want.asset;
  r.set_quantity(want.quantity.empty() ? "7" : want.quantity);
  auto* ctx = r.mutable_tradedetails()->mutable_executioncontext();
  ctx->mutable_executionplanid()->set_id(want.planId);
  ctx->set_instructionsequencenumber(want.sequence);
  r.mutable_transactiondetails()->set_operationid(want.operationId);
  return r;
}

finp2p::execution::ExecutionPlan planWithIssueAndRedeem() {
  auto plan = testing::dvpPlan();
  auto* issue = plan.add_instructions();
  issue->set_sequence(5);
  issue->add_organizations("bank-a");
  *issue->mutable_issue()->mutable_destination() = testing::account("bank-b:101:buyer");
  *issue->mutable_issue()->mutable_asset() = testing::asset("bank-a:102:bond", 0);
  issue->mutable_issue()->set_amount("5");
  auto* redeem = plan.add_instructions();
  redeem->set_sequence(6);
  redeem->add_organizations("bank-a");
  *redeem->mutable_redeem()->mutable_source() = testing::account("bank-b:101:buyer");
  *redeem->mutable_redeem()->mutable_asset() = testing::asset("bank-a:102:bond", 0);
  redeem->mutable_redeem()->set_amount("5");
  return plan;
}

Status check(const finp2p::execution::ExecutionPlan& plan, uint32_t sequence,
             const std::function<void(Receipt&)>& forge) {
  const auto& ins = plan.instructions(static_cast<int>(*findInstruction(plan, sequence)));
  Receipt r = matching(plan, ins);
  forge(r);
  return checkReceipt(plan, ins, r);
}

void expectRefused(const Status& s, const std::string& part) {
  ASSERT_FALSE(s.ok()) << "accepted; expected a refusal containing " << part;
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(s.error().message.find(part), std::string::npos) << s.error().message;
}

TEST(ReceiptCheck, AMatchingReceiptPassesForEveryKind) {
  auto plan = planWithIssueAndRedeem();
  for (const auto& ins : plan.instructions()) {
    EXPECT_TRUE(checkReceipt(plan, ins, matching(plan, ins)).ok()) << ins.sequence();
  }
}

TEST(ReceiptCheck, AnotherAssetIdIsRefused) {
  auto plan = planWithIssueAndRedeem();
  for (uint32_t seq : {1u, 2u, 3u, 4u, 5u, 6u}) {
    expectRefused(check(plan, seq, [](Receipt& r) { r.mutable_asset()->set_id("EUR"); }),
                  "receipt asset id \"EUR\"");
  }
}

TEST(ReceiptCheck, AnotherAssetTypeIsRefused) {
  auto plan = testing::dvpPlan();
  for (uint32_t seq : {1u, 2u, 3u, 4u}) {
    expectRefused(
        check(
            plan, seq,
            [](Receipt& r) { r.mutable_asset()->set_type(finp2p::common::Asset::CRYPTOCURRENCY); }),
        "receipt asset type \"CRYPTOCURRENCY\" differs from the instruction's \"FINP2P\"");
  }
}

TEST(ReceiptCheck, AnotherSourceAccountIsRefused) {
  auto plan = planWithIssueAndRedeem();
  for (uint32_t seq : {1u, 2u, 3u, 4u, 6u}) {
    expectRefused(check(plan, seq, [](Receipt& r) { r.mutable_source()->set_address("mallory"); }),
                  "receipt source account \"mallory\"");
  }
  // An Issue's source is the ledger's own account: the instruction does not determine it.
  EXPECT_TRUE(check(plan, 5, [](Receipt& r) { r.mutable_source()->set_address("world"); }).ok());
}

TEST(ReceiptCheck, AnotherDestinationAccountIsRefused) {
  auto plan = planWithIssueAndRedeem();
  for (uint32_t seq : {1u, 2u, 3u, 4u, 5u}) {
    expectRefused(
        check(plan, seq, [](Receipt& r) { r.mutable_destination()->set_iban("DE00 MALLORY"); }),
        "receipt destination account \"DE00 MALLORY\"");
  }
  EXPECT_TRUE(
      check(plan, 6, [](Receipt& r) { r.mutable_destination()->set_address("world"); }).ok());
}

TEST(ReceiptCheck, AccountsCompareByTheirLedgerName) {
  auto plan = testing::dvpPlan();
  // The ledger account is the buyer's finId; a receipt may carry it in any identifier.
  EXPECT_TRUE(check(plan, 2, [](Receipt& r) {
                r.mutable_source()->set_address(testing::kBuyerFinId);
              }).ok());
  // A plan naming owners only: the ledger account is the owner's resource id.
  *plan.mutable_instructions(1)->mutable_transfer()->mutable_source() =
      testing::account("bank-b:101:buyer");
  EXPECT_TRUE(check(plan, 2, [](Receipt& r) {
                r.mutable_source()->mutable_finp2p()->set_finid("bank-b:101:buyer");
              }).ok());
  expectRefused(check(plan, 2, [](Receipt& r) { r.clear_source(); }),
                "receipt source account \"\"");
}

TEST(ReceiptCheck, AnotherQuantityIsRefusedButAnEqualDecimalPasses) {
  auto plan = planWithIssueAndRedeem();
  for (uint32_t seq : {1u, 2u, 3u, 5u, 6u}) {
    expectRefused(check(plan, seq, [](Receipt& r) { r.set_quantity("1"); }),
                  "receipt quantity \"1\"");
  }
  EXPECT_TRUE(check(plan, 2, [](Receipt& r) { r.set_quantity("10500"); }).ok());
  expectRefused(check(plan, 2, [](Receipt& r) { r.set_quantity("not a number"); }),
                "receipt quantity");
  // A RevertHold returns whatever the hold still holds: the ledger reports the amount.
  EXPECT_TRUE(check(plan, 4, [](Receipt& r) { r.set_quantity("3"); }).ok());
}

TEST(ReceiptCheck, AnotherOperationTypeIsRefused) {
  auto plan = planWithIssueAndRedeem();
  for (uint32_t seq : {1u, 2u, 3u, 4u, 5u, 6u}) {
    expectRefused(check(plan, seq, [](Receipt& r) { r.set_operationtype("mint"); }),
                  "receipt operation type \"mint\"");
  }
  EXPECT_TRUE(check(plan, 4, [](Receipt& r) { r.set_operationtype("release"); }).ok());
}

TEST(ReceiptCheck, AnotherPlanOrSequenceIsRefused) {
  auto plan = testing::dvpPlan();
  expectRefused(
      check(
          plan, 2,
          [](Receipt& r) {
            r.mutable_tradedetails()->mutable_executioncontext()->mutable_executionplanid()->set_id(
                "bank-a:106:other");
          }),
      "receipt execution plan id \"bank-a:106:other\"");
  expectRefused(
      check(plan, 2,
            [](Receipt& r) {
              r.mutable_tradedetails()->mutable_executioncontext()->set_instructionsequencenumber(
                  1);
            }),
      "receipt instruction sequence \"1\" differs from the instruction's \"2\"");
  expectRefused(
      check(plan, 2,
            [](Receipt& r) {
              r.mutable_transactiondetails()->set_operationid(std::string(testing::kPlanId) + "_1");
            }),
      "receipt operation id");
}

}  // namespace
}  // namespace finp2p::model
