// Every vector of shared/spec/investor-signatures/vectors.json (copied here unchanged), computed
// by the FinP2P ecosystem's own libraries (ethers.js, Node's SHA3-256, the secp256k1 package),
// reproduced with ours: keys and finIds, Ethereum addresses, each hash group, template hashes,
// the EIP-712 domain separator, struct hash and digest, and both signatures.

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "investors/eip712.hpp"
#include "investors/investor_key.hpp"
#include "investors/plan_signer.hpp"
#include "investors/template_hash.hpp"

namespace finp2p::investors {
namespace {

using finp2p::signature::Signature;
using nlohmann::json;

json vectors() {
  std::ifstream in(FINP2P_VECTORS);
  return json::parse(in);
}

// The vector's signature object as our protobuf. Its EIP-712 `types` is ethers' map of type
// name to fields; the adapter API's schema (and our message) lists definitions instead.
Signature signatureOf(const json& v) {
  json t = v["template"];
  if (t.contains("types")) {
    json definitions = json::array();
    for (auto& [name, fields] : t["types"].items()) {
      definitions.push_back({{"name", name}, {"fields", fields}});
    }
    t["types"] = {{"definitions", definitions}};
  }
  json s = {{"signature", v["signature"]}, {"hashFunc", v["hashFunc"]}, {"template", t}};
  Signature out;
  auto status = google::protobuf::util::JsonStringToMessage(s.dump(), &out);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

std::string hex(const Digest& d) {
  return crypto::toHex(d);
}

TEST(InvestorVectors, KeysGiveTheirFinIdsAndAddresses) {
  for (const auto& [who, k] : vectors()["keys"].items()) {
    auto key = InvestorKey::fromHex(k["privateKey"].get<std::string>());
    ASSERT_TRUE(key.ok()) << who;
    EXPECT_EQ(key->finId(), k["finId"]) << who;
    auto address = ethereumAddressOf(k["finId"].get<std::string>());
    ASSERT_TRUE(address.ok()) << who;
    std::string expected = k["ethereumAddress"].get<std::string>().substr(2);
    for (auto& c : expected) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(*address, expected) << who;
  }
}

TEST(InvestorVectors, HashListGroupsTemplateAndSignature) {
  json all = vectors();
  const json& v = all["hashList"];
  Signature s = signatureOf(v);
  auto f = parseHashFunc(s.hashfunc());
  ASSERT_TRUE(f.ok());
  for (int i = 0; i < s.template_().hashgroups_size(); ++i) {
    auto g = hashGroupDigest(s.template_().hashgroups(i), *f, "g");
    ASSERT_TRUE(g.ok()) << g.error().message;
    EXPECT_EQ(hex(*g), v["template"]["hashGroups"][i]["hash"]) << "group " << i;
  }
  auto t = hashListDigest(s.template_(), *f);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(hex(*t), v["template"]["hash"]);

  std::string finId = all["keys"][v["signer"].get<std::string>()]["finId"];
  auto verified = verifyInvestorSignature(s, finId);
  EXPECT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(v["verifies"], true);
  // And our signer gives the vector's bytes (RFC 6979 nonces, as the secp256k1 package).
  auto key = InvestorKey::fromHex(all["keys"]["buyer"]["privateKey"].get<std::string>());
  EXPECT_EQ(key->signCompact(*t), v["signature"]);
}

TEST(InvestorVectors, Eip712DomainStructDigestAndSignature) {
  json all = vectors();
  const json& v = all["eip712"];
  Signature s = signatureOf(v);
  auto domain = eip712DomainSeparator(s.template_().domain());
  ASSERT_TRUE(domain.ok()) << domain.error().message;
  EXPECT_EQ(hex(*domain), v["domainSeparator"]);
  auto structHash = eip712StructHash(s.template_());
  ASSERT_TRUE(structHash.ok()) << structHash.error().message;
  EXPECT_EQ(hex(*structHash), v["structHash"]);
  auto digest = eip712Digest(s.template_());
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(hex(*digest), v["template"]["hash"]);

  std::string finId = all["keys"][v["signer"].get<std::string>()]["finId"];
  auto verified = verifyInvestorSignature(s, finId);
  EXPECT_TRUE(verified.ok()) << verified.error().message;
  auto key = InvestorKey::fromHex(all["keys"]["buyer"]["privateKey"].get<std::string>());
  EXPECT_EQ(key->signRecoverable(*digest), v["signature"]);
}

TEST(InvestorVectors, EncodeTypeListsReferencedTypesInNameOrder) {
  Signature s = signatureOf(vectors()["eip712"]);
  auto encoded = eip712::encodeType(s.template_().types(), "Buying");
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(*encoded,
            "Buying(string nonce,FinId buyer,FinId seller,Term asset,Term settlement)"
            "FinId(string idkey)Term(string assetId,string assetType,string amount)");
}

// The vectors verify only with the signer's key, and only as they are.
TEST(InvestorVectors, AnyChangeOrAnotherKeyFails) {
  json all = vectors();
  std::string buyer = all["keys"]["buyer"]["finId"], seller = all["keys"]["seller"]["finId"];
  for (const char* kind : {"hashList", "eip712"}) {
    Signature s = signatureOf(all[kind]);
    EXPECT_FALSE(verifyInvestorSignature(s, seller).ok()) << kind;

    Signature tampered = s;
    if (std::string(kind) == "hashList") {
      tampered.mutable_template_()->mutable_hashgroups(1)->mutable_fields(6)->set_value("1.00");
    } else {
      (*tampered.mutable_template_()->mutable_message()->mutable_fields())["settlement"]
          .mutable_struct_value()
          ->mutable_fields()
          ->at("amount")
          .set_string_value("1.00");
    }
    auto refused = verifyInvestorSignature(tampered, buyer);
    ASSERT_FALSE(refused.ok()) << kind;
    EXPECT_NE(refused.error().message.find("hash"), std::string::npos) << refused.error().message;

    // Restating the hashes of the tampered template does not help: the signature is over them.
    auto key = InvestorKey::fromHex(all["keys"]["seller"]["privateKey"].get<std::string>());
    auto resigned = signTemplate(
        tampered.template_(),
        std::string(kind) == "hashList" ? HashFunc::kSha3_256 : HashFunc::kKeccak256, *key);
    ASSERT_TRUE(resigned.ok());
    Signature restated = tampered;
    *restated.mutable_template_() = resigned->template_();
    EXPECT_FALSE(verifyInvestorSignature(restated, buyer).ok()) << kind;
    EXPECT_TRUE(verifyInvestorSignature(*resigned, seller).ok()) << kind;
  }
}

}  // namespace
}  // namespace finp2p::investors
