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

}  // namespace
}  // namespace finp2p::investors
