// Whether a plan's investor signatures cover what it does: each violation names the investor
// and the field.

#include <gtest/gtest.h>

#include "../model/plan_builder.hpp"
#include "investors/investor_check.hpp"
#include "investors/plan_signer.hpp"

namespace finp2p::investors {
namespace {

using finp2p::execution::ExecutionPlan;
using testing::kBuyerFinId;
using testing::kSellerFinId;

std::string all(const std::vector<model::Violation>& vs) {
  std::string out;
  for (const auto& v : vs) out += v.toString() + "\n";
  return out;
}

void expectViolation(const ExecutionPlan& plan, const std::string& path,
                     const std::string& investor, const std::string& mentions) {
  auto vs = checkInvestorSignatures(plan);
  bool found = false;
  for (const auto& v : vs) {
    found |= v.path == path && v.message.find("investor " + investor) != std::string::npos &&
             v.message.find(mentions) != std::string::npos;
  }
  EXPECT_TRUE(found) << "expected " << path << " / " << investor << " / " << mentions << ", got:\n"
                     << all(vs);
}

TEST(InvestorCheck, TheSignedDvpIsCovered) {
  EXPECT_EQ(all(checkInvestorSignatures(testing::dvpPlan())), "");
}

TEST(InvestorCheck, ReleaseToSomeoneElseIsNotCovered) {
  auto plan = testing::dvpPlan();
  auto other = testing::investorAccount("bank-c:101:mallory", kSellerFinId);
  other.mutable_account()->mutable_finp2p()->set_finid(
      "02" + std::string(kBuyerFinId).substr(2));  // a finId nobody signed for
  *plan.mutable_instructions(2)->mutable_release()->mutable_destination() = other;
  expectViolation(plan, "instructions[2].release.destination", kSellerFinId, "counterparty");
}

TEST(InvestorCheck, SettlementTheSellerAskedForMustBePaid) {
  auto plan = testing::dvpPlan();
  // The plan pays less than the seller signed for; the buyer re-signs the smaller payment.
  plan.mutable_instructions(1)->mutable_transfer()->set_amount("10.00");
  ASSERT_TRUE(signPlan(plan, testing::investorKey(testing::kBuyerKey), "buyer").ok());
  expectViolation(plan, "intent.intent.investors[0].signature.template.hashGroups[1]", kSellerFinId,
                  "which the plan does not do");
}

// A newcomer's finding (F23): a plan that repeats a signed movement matched the signature with
// each copy, and the buyer paid (or the seller delivered) twice for one signature.
TEST(InvestorCheck, ASignedMovementDoneTwiceIsRefused) {
  auto plan = testing::dvpPlan();
  auto copy = plan.instructions(1);  // the buyer's payment
  copy.set_sequence(100);
  *plan.add_instructions() = copy;
  auto vs = checkInvestorSignatures(plan);
  int named = 0;
  for (const auto& v : vs) {
    if (v.message.find("once, but the plan does it 2 times (instructions[1].transfer, "
                       "instructions[" +
                       std::to_string(plan.instructions_size() - 1) + "].transfer)") !=
        std::string::npos) {
      ++named;
    }
  }
  // The seller signed to be paid once, the buyer to pay once: both legs are named.
  EXPECT_EQ(named, 2) << all(vs);
}

TEST(InvestorCheck, AnAccountWithoutFinIdCannotBeCovered) {
  auto plan = testing::dvpPlan();
  *plan.mutable_instructions(1)->mutable_transfer()->mutable_source() =
      testing::account("bank-b:101:buyer");
  expectViolation(plan, "instructions[1].transfer.source", "bank-b:101:buyer", "no finId");
}

TEST(InvestorCheck, UnknownHashFuncIsNamed) {
  auto plan = testing::dvpPlan();
  plan.mutable_intent()->mutable_intent()->mutable_investors(1)->mutable_signature()->set_hashfunc(
      "blake2b");
  expectViolation(plan, "intent.intent.investors[1].signature", kBuyerFinId, "hashFunc");
}

// An EIP-712 `Buying` signature of the buyer covers the payment and asks for the bond.
TEST(InvestorCheck, Eip712BuyingCoversTheBuyersPayment) {
  auto plan = testing::dvpPlan();
  finp2p::signature::SignatureTemplate t;
  t.set_type("EIP712");
  t.set_primarytype("Buying");
  auto* d = t.mutable_domain();
  d->set_name("FinP2P");
  d->set_version("1");
  d->set_chainid(1);
  d->set_verifyingcontract("0x0000000000000000000000000000000000000000");
  auto define = [&](const char* name, std::vector<std::pair<const char*, const char*>> fields) {
    auto* def = t.mutable_types()->add_definitions();
    def->set_name(name);
    for (auto [n, ty] : fields) {
      auto* f = def->add_fields();
      f->set_name(n);
      f->set_type(ty);
    }
  };
  define("FinId", {{"idkey", "string"}});
  define("Term", {{"assetId", "string"}, {"assetType", "string"}, {"amount", "string"}});
  define("Buying", {{"nonce", "string"},
                    {"buyer", "FinId"},
                    {"seller", "FinId"},
                    {"asset", "Term"},
                    {"settlement", "Term"}});
  auto& m = *t.mutable_message()->mutable_fields();
  m["nonce"].set_string_value("00");
  auto party = [&](const char* name, const char* finId) {
    (*m[name].mutable_struct_value()->mutable_fields())["idkey"].set_string_value(finId);
  };
  party("buyer", kBuyerFinId);
  party("seller", kSellerFinId);
  auto term = [&](const char* name, const char* id, const char* type, const char* amount) {
    auto& f = *m[name].mutable_struct_value()->mutable_fields();
    f["assetId"].set_string_value(id);
    f["assetType"].set_string_value(type);
    f["amount"].set_string_value(amount);
  };
  term("asset", "bank-a:102:bond", "finp2p", "100");
  term("settlement", "USD", "finp2p", "10500.00");
  auto s = signTemplate(t, HashFunc::kKeccak256, testing::investorKey(testing::kBuyerKey));
  ASSERT_TRUE(s.ok()) << s.error().message;
  *plan.mutable_intent()->mutable_intent()->mutable_investors(1)->mutable_signature() = *s;
  EXPECT_EQ(all(checkInvestorSignatures(plan)), "");
  auto covering = coveringSignature(plan, 2);
  ASSERT_TRUE(covering);
  EXPECT_EQ(covering.signature->template_().type(), "EIP712");
  EXPECT_EQ(covering.finId, kBuyerFinId);

  term("settlement", "USD", "finp2p", "1.00");  // not what the plan pays
  s = signTemplate(t, HashFunc::kKeccak256, testing::investorKey(testing::kBuyerKey));
  *plan.mutable_intent()->mutable_intent()->mutable_investors(1)->mutable_signature() = *s;
  expectViolation(plan, "instructions[1].transfer.source", kBuyerFinId, "amount");
}

TEST(InvestorCheck, CoveringSignatureOfEachInstruction) {
  auto plan = testing::dvpPlan();
  const auto& investors = plan.intent().intent().investors();
  EXPECT_EQ(coveringSignature(plan, 1).signature, &investors[0].signature());  // seller's hold
  EXPECT_EQ(coveringSignature(plan, 1).finId, kSellerFinId);
  EXPECT_EQ(coveringSignature(plan, 2).signature, &investors[1].signature());  // buyer's payment
  EXPECT_EQ(coveringSignature(plan, 2).finId, kBuyerFinId);
  EXPECT_EQ(coveringSignature(plan, 3).signature, &investors[0].signature());  // the release
  EXPECT_FALSE(coveringSignature(plan, 4));  // the hold given back to its owner
}

// Findings of docs/reviews/2026-12-03-newcomer-issues-16-17.md.

// F24: a Redeem of the seller's bonds matched the seller's signed transfer to the buyer (it names
// no destination), so the buyer paid for bonds that were burned.
TEST(InvestorCheck, ARedeemDoesNotDoASignedTransfer) {
  auto plan = testing::dvpPlan();
  auto signatures = plan.intent();
  auto* first = plan.mutable_instructions(0);
  auto hold = first->hold();
  auto* redeem = first->mutable_redeem();
  *redeem->mutable_source() = hold.source();
  *redeem->mutable_asset() = hold.asset();
  redeem->set_amount(hold.amount());
  // 2 pay -> 1 redeem -> completed; the release and revert are gone.
  plan.mutable_instructions()->DeleteSubrange(2, 2);
  plan.mutable_instructions()->SwapElements(0, 1);
  plan.mutable_instructions(0)->clear_transitions();
  plan.mutable_instructions(0)->mutable_transitions()->mutable_onsuccess()->set_sequence(1);
  first = plan.mutable_instructions(1);
  first->mutable_transitions()->mutable_onsuccess()->set_status("completed");
  *plan.mutable_intent() = signatures;  // as signed for the DvP
  expectViolation(plan, "instructions[1].redeem.source", kSellerFinId,
                  "differs in operation (signed \"transfer\", the plan has \"redeem\")");
  // The buyer's leg "100 bonds to me" is done by nothing now.
  expectViolation(plan, "intent.intent.investors[1].signature.template.hashGroups[0]", kBuyerFinId,
                  "which the plan does not do");

  // Signed as a redemption, the same plan is covered.
  testing::signInvestors(plan);
  EXPECT_EQ(all(checkInvestorSignatures(plan)), "");
}

// F26: a group naming "amount" twice was read by its last value, though a wallet may show the
// first.
TEST(InvestorCheck, AFieldNamedTwiceInAGroupIsRefused) {
  auto plan = testing::dvpPlan();
  auto* sig = plan.mutable_intent()->mutable_intent()->mutable_investors(0)->mutable_signature();
  auto t = sig->template_();
  auto* dup = t.mutable_hashgroups(0)->add_fields();
  dup->set_name("amount");
  dup->set_type("string");
  dup->set_value("1000");
  auto s = signTemplate(t, HashFunc::kSha3_256, testing::investorKey(testing::kSellerKey));
  ASSERT_TRUE(s.ok()) << s.error().message;
  *sig = *s;
  expectViolation(plan, "intent.intent.investors[0].signature", kSellerFinId,
                  "template.hashGroups[0]: names \"amount\" twice");
}

// F3: "differs in" named the amount although only the asset differed.
TEST(InvestorCheck, DiffersInNamesOnlyTheFieldsThatDiffer) {
  auto plan = testing::dvpPlan();
  plan.mutable_instructions(1)->mutable_transfer()->mutable_asset()->set_id("EUR");
  auto vs = checkInvestorSignatures(plan);
  bool named = false;
  for (const auto& v : vs) {
    if (v.path != "instructions[1].transfer.source") continue;
    named = true;
    EXPECT_NE(v.message.find("differs in assetId (signed \"USD\", the plan has \"EUR\")"),
              std::string::npos)
        << v.message;
    EXPECT_EQ(v.message.find("amount"), std::string::npos) << v.message;
  }
  EXPECT_TRUE(named) << all(vs);
}

// F25: the payment's onFailure led to the bond's release; the payment failed, the bond went to
// the buyer and the plan completed.
TEST(InvestorCheck, DeliveryOnThePaymentsFailureIsRefused) {
  auto plan = testing::dvpPlan();
  plan.mutable_instructions(1)->mutable_transitions()->mutable_onfailure()->set_sequence(3);
  expectViolation(plan, "instructions[2].release", kSellerFinId,
                  "instruction 3 gives it away even when instruction 2, which pays them, ends by "
                  "onFailure");
  plan = testing::dvpPlan();
  plan.mutable_instructions(1)->mutable_transitions()->mutable_ontimeout()->set_sequence(3);
  expectViolation(plan, "instructions[2].release", kSellerFinId, "ends by onTimeout");
}

// F25: delivering first and being paid after leaves the seller unpaid if the payment fails.
TEST(InvestorCheck, DeliveryBeforeThePaymentIsRefused) {
  auto plan = testing::dvpPlan();
  // 1 hold -> 3 release -> 2 pay -> completed (on failure -> 4, which has nothing to revert).
  plan.mutable_instructions(0)->mutable_transitions()->mutable_onsuccess()->set_sequence(3);
  plan.mutable_instructions(2)->mutable_transitions()->mutable_onsuccess()->set_sequence(2);
  plan.mutable_instructions(1)->mutable_transitions()->mutable_onsuccess()->set_status("completed");
  expectViolation(plan, "instructions[2].release", kSellerFinId,
                  "instruction 3 can give it away before instruction 2, which pays them, has "
                  "succeeded");
  // The buyer pays while the bond is held for them, and its release follows: that is the DvP.
  for (const auto& v : checkInvestorSignatures(testing::dvpPlan())) ADD_FAILURE() << v.toString();
}

// A payment after which the plan does not release the held bond to the buyer is refused for
// the buyer: the bond being held is not enough.
TEST(InvestorCheck, PaymentWithoutTheReleaseFollowingIsRefused) {
  auto plan = testing::dvpPlan();
  plan.mutable_instructions(1)->mutable_transitions()->mutable_onsuccess()->set_sequence(4);
  expectViolation(plan, "instructions[1].transfer", kBuyerFinId,
                  "instruction 2 can give it away before instruction 3");
}

// F5: intents of 2023 and of 2030 settled; only an end before the start was refused.
TEST(InvestorCheck, TheIntentsValidityWindowIsEnforced) {
  auto plan = testing::dvpPlan();
  auto* intent = plan.mutable_intent()->mutable_intent();
  intent->set_start(1'000'000);
  intent->set_end(2'000'000);
  EXPECT_EQ(all(checkIntentWindow(plan, 1'500'000)), "");
  EXPECT_EQ(all(checkIntentWindow(plan, 1'000'000 - kIntentStartToleranceSeconds)), "");
  auto early = checkIntentWindow(plan, 1'000'000 - kIntentStartToleranceSeconds - 1);
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0].path, "intent.intent.start");
  EXPECT_NE(early[0].message.find("valid from 1000000, not yet"), std::string::npos);
  auto late = checkIntentWindow(plan, 2'000'001);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].toString(),
            "intent.intent.end: the intent was valid until 2000000 (now 2000001)");
  intent->set_start(0);
  intent->set_end(0);  // open on both sides
  EXPECT_EQ(all(checkIntentWindow(plan, 0)), "");
}

// Findings of the adversarial review of 2026-12-03 (plans `plan validate` accepted, signatures
// untouched, that made an investor lose what they did not sign away).

// F-E: a destination without a finId was "not named", so it matched the signed counterparty.
TEST(InvestorCheck, APaymentToAnAccountWithoutFinIdIsNotTheSignedPayment) {
  auto plan = testing::dvpPlan();
  auto iban = testing::account("bank-c:101:mallory");
  iban.mutable_account()->set_iban("DE89370400440532013000");
  *plan.mutable_instructions(1)->mutable_transfer()->mutable_destination() = iban;
  expectViolation(plan, "instructions[1].transfer.source", kBuyerFinId,
                  "differs in destination (counterparty)");
  expectViolation(plan, "intent.intent.investors[0].signature.template.hashGroups[1]", kSellerFinId,
                  "which the plan does not do");
}

// F-A: the bond held for the buyer and never released; the plan completed after the payment.
TEST(InvestorCheck, AHoldThatIsNeverReleasedIsNoDelivery) {
  auto plan = testing::dvpPlan();
  plan.mutable_instructions(1)->mutable_transitions()->mutable_onsuccess()->set_status("completed");
  plan.mutable_instructions()->DeleteSubrange(2, 1);  // the release
  expectViolation(plan, "instructions[1].transfer", kBuyerFinId,
                  "instruction 1, which pays them, only holds it for them");
}

// F-B: the release's failure gave the bond back to the seller, who kept the payment.
TEST(InvestorCheck, TheReleaseFailingIntoARevertIsRefused) {
  auto plan = testing::dvpPlan();
  plan.mutable_instructions(2)->mutable_transitions()->mutable_onfailure()->set_sequence(4);
  expectViolation(plan, "instructions[1].transfer", kBuyerFinId,
                  "instruction 4 can give back the hold that pays them (instruction 1) after "
                  "instruction 2 gave it away");
}

// F-C: the hold given back before the payment; the release then fails.
TEST(InvestorCheck, ARevertBeforeThePaymentIsRefused) {
  auto plan = testing::dvpPlan();
  // 1 hold -> 4 revert -> 2 pay -> 3 release.
  plan.mutable_instructions(0)->mutable_transitions()->mutable_onsuccess()->set_sequence(4);
  plan.mutable_instructions(3)->mutable_transitions()->mutable_onsuccess()->set_sequence(2);
  plan.mutable_instructions(1)->mutable_transitions()->mutable_onfailure()->set_status("failed");
  auto vs = checkInvestorSignatures(plan);
  bool named = false;
  for (const auto& v : vs) named |= v.message.find("can give back the hold") != std::string::npos;
  EXPECT_TRUE(named) << all(vs);
}

}  // namespace
}  // namespace finp2p::investors
