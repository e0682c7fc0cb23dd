#include "crypto/sealing.hpp"

#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include "../model/plan_builder.hpp"

namespace finp2p::crypto {
namespace {

using finp2p::execution::RejectRequest;
using finp2p::execution::SignedRejectRequest;

// The fixed test vector of docs/protocol.md ("Test vector"): key seed 00 01 .. 1f.
SigningKey vectorKey() {
  std::string seed;
  for (int i = 0; i < 32; ++i) seed += static_cast<char>(i);
  return *SigningKey::fromSeed(seed);
}

RejectRequest vectorMessage() {
  RejectRequest r;
  r.mutable_envelope()->set_messageid("msg-0001");
  r.mutable_envelope()->set_senderorganizationid("bank-b");
  r.mutable_envelope()->set_receiverorganizationid("bank-a");
  r.mutable_envelope()->set_timestampmillis(1795000000000);
  r.mutable_plan()->mutable_executionplanid()->set_id(
      "bank-a:106:5b0c1f0e-8f43-4e0a-9d5c-3c2a7b9e1a01");
  r.mutable_plan()->set_reason("insufficient liquidity");
  return r;
}

constexpr const char* kVectorCanonicalHex =
    "0a210a086d73672d30303031120662616e6b2d621a0662616e6b2d612080bcd9f29e34a2064b0a310a2f62616e"
    "6b2d613a3130363a35623063316630652d386634332d346530612d396435632d336332613762396531613031"
    "1a16696e73756666696369656e74206c6971756964697479";
constexpr const char* kVectorDigestHex =
    "bf0d2636ac47f2e41f6dd9a2900acb84a4d28840a1d8a9d1e17e011e67cef149";
constexpr const char* kVectorSignatureHex =
    "fb08c0cbff01dab58790b1909ad69b5316e9d7ba75cbe98e748de20b9202c2ad61781d3157eb00d60ed683fbefaa"
    "48f9e929fbc5bc1f0b0f025d9608b58bec02";

TEST(Sealing, FixedTestVector) {
  auto key = vectorKey();
  auto message = vectorMessage();
  EXPECT_EQ(toHex(canonicalBytes(message)), kVectorCanonicalHex);
  EXPECT_EQ(toHex(sealDigest(message)), kVectorDigestHex);
  auto seal = crypto::seal(message, key, "bank-b");
  EXPECT_EQ(toHex(seal.signature()), kVectorSignatureHex);
  std::string sig;
  ASSERT_TRUE(fromHex(kVectorSignatureHex, sig));
  seal.set_signature(sig);
  EXPECT_TRUE(verifySeal(message, seal, key.verifyingKey(), "bank-b").ok());
}

TEST(Sealing, OneFlippedBitAnywhereFailsVerification) {
  auto key = SigningKey::generate();
  SignedRejectRequest signed_;
  *signed_.mutable_request() = vectorMessage();
  *signed_.mutable_signature() = seal(signed_.request(), *key, "bank-b");
  std::string wire = signed_.SerializeAsString();
  ASSERT_TRUE(
      verifySeal(signed_.request(), signed_.signature(), key->verifyingKey(), "bank-b").ok());

  google::protobuf::LogSilencer quiet;  // most flips are parse errors protobuf would log
  int accepted = 0;
  for (std::size_t bit = 0; bit < wire.size() * 8; ++bit) {
    std::string tampered = wire;
    tampered[bit / 8] = static_cast<char>(tampered[bit / 8] ^ (1 << (bit % 8)));
    SignedRejectRequest parsed;
    if (!parsed.ParseFromString(tampered)) continue;  // refused as malformed: fine
    // The receiver checks the seal names the envelope's sender.
    if (verifySeal(parsed.request(), parsed.signature(), key->verifyingKey(),
                   parsed.request().envelope().senderorganizationid())
            .ok() &&
        parsed.request().envelope().senderorganizationid() == "bank-b") {
      ++accepted;
      ADD_FAILURE() << "bit " << bit << " flipped and still verified";
    }
  }
  EXPECT_EQ(accepted, 0);
}

TEST(Sealing, WrongKeyWrongSenderAndWrongAlgorithmAreRefused) {
  auto key = SigningKey::generate(), other = SigningKey::generate();
  auto message = vectorMessage();
  auto s = seal(message, *key, "bank-b");
  auto wrongKey = verifySeal(message, s, other->verifyingKey(), "bank-b");
  ASSERT_FALSE(wrongKey.ok());
  EXPECT_EQ(wrongKey.error().code, ErrorCode::kUnauthenticated);
  auto wrongSender = verifySeal(message, s, key->verifyingKey(), "bank-c");
  ASSERT_FALSE(wrongSender.ok());
  EXPECT_NE(wrongSender.error().message.find("sender is \"bank-c\""), std::string::npos);
  s.set_algorithm("secp256k1");
  EXPECT_FALSE(verifySeal(message, s, key->verifyingKey(), "bank-b").ok());
}

TEST(Sealing, SignatureIsBoundToTheMessageType) {
  // The same bytes under another message type must not verify: the type name is hashed.
  auto key = SigningKey::generate();
  finp2p::execution::ApproveRequest approve;
  *approve.mutable_envelope() = vectorMessage().envelope();
  RejectRequest reject;
  *reject.mutable_envelope() = vectorMessage().envelope();
  ASSERT_EQ(canonicalBytes(approve), canonicalBytes(reject));
  auto s = seal(approve, *key, "bank-b");
  EXPECT_FALSE(verifySeal(reject, s, key->verifyingKey(), "bank-b").ok());
}

TEST(PlanApproval, VerifiesAndIsBoundToPlanAndOrganization) {
  auto key = SigningKey::generate();
  auto plan = finp2p::testing::dvpPlan();
  auto approval = signPlanApproval(plan, "bank-b", *key);
  EXPECT_EQ(approval.signature().hashfunc(), "sha3-256");
  EXPECT_TRUE(verifyPlanApproval(plan, approval, key->verifyingKey()).ok());

  auto changed = plan;
  changed.mutable_instructions(1)->mutable_transfer()->set_amount("10500.01");
  EXPECT_FALSE(verifyPlanApproval(changed, approval, key->verifyingKey()).ok());

  auto otherOrg = approval;
  otherOrg.set_organizationid("bank-a");
  EXPECT_FALSE(verifyPlanApproval(plan, otherOrg, key->verifyingKey()).ok());

  auto wrongTemplate = approval;
  wrongTemplate.mutable_signature()->set_routertemplate("EIP712");
  EXPECT_FALSE(verifyPlanApproval(plan, wrongTemplate, key->verifyingKey()).ok());

  // A router signature is not an investor signature: extra template bytes are refused.
  auto withInvestorTemplate = approval;
  withInvestorTemplate.mutable_signature()->mutable_template_()->set_type("hashList");
  EXPECT_FALSE(verifyPlanApproval(plan, withInvestorTemplate, key->verifyingKey()).ok());
}

// Regression (issue 13, found by fuzz_byzantine): a plan approval whose hex signature had one
// letter in capitals verified (the hex decoder takes either case), so a router stored and chained
// an approval the others never saw and its journal head differed from theirs.
TEST(PlanApproval, SignatureInCapitalsIsRefused) {
  auto key = *SigningKey::fromSeed(std::string(32, 'b'));
  finp2p::execution::ExecutionPlan plan;
  plan.mutable_id()->set_id("bank-a:106:x");
  auto approval = signPlanApproval(plan, "bank-b", key);
  ASSERT_TRUE(verifyPlanApproval(plan, approval, key.verifyingKey()).ok());
  std::string sig = approval.signature().signature();
  auto letter = sig.find_first_of("abcdef");
  ASSERT_NE(letter, std::string::npos);
  sig[letter] = static_cast<char>(sig[letter] - 'a' + 'A');
  approval.mutable_signature()->set_signature(sig);
  auto s = verifyPlanApproval(plan, approval, key.verifyingKey());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("lowercase"), std::string::npos) << s.error().message;
}

TEST(Completion, SignedEventVerifiesAndTamperingIsCaught) {
  auto key = SigningKey::generate();
  finp2p::execution::InstructionCompletionEvent event;
  *event.mutable_instruction() = finp2p::testing::dvpPlan().instructions(0);
  event.mutable_receipt()->set_id("tx-1");
  event.mutable_receipt()->set_quantity("100");
  signCompletion(event, *key);
  EXPECT_TRUE(verifyCompletion(event, key->verifyingKey()).ok());
  event.mutable_receipt()->set_quantity("1000");
  EXPECT_FALSE(verifyCompletion(event, key->verifyingKey()).ok());
}

}  // namespace
}  // namespace finp2p::crypto
