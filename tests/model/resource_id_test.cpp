#include "model/resource_id.hpp"

#include <gtest/gtest.h>

#include <set>

namespace finp2p::model {
namespace {

constexpr const char* kUuid = "5b0c1f0e-8f43-4e0a-9d5c-3c2a7b9e1a01";

TEST(ResourceId, ParsesAndFormats) {
  auto id = ResourceId::parse(std::string("bank-a:106:") + kUuid);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->organizationId, "bank-a");
  EXPECT_EQ(id->type, 106u);
  EXPECT_EQ(id->rawId, kUuid);
  EXPECT_EQ(id->toString(), std::string("bank-a:106:") + kUuid);
}

TEST(ResourceId, IssuerIsEverythingBeforeTheFirstColon) {
  // The raw id may itself contain colons.
  auto id = ResourceId::parse("org.example:102:asset:with:colons");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->organizationId, "org.example");
  EXPECT_EQ(id->rawId, "asset:with:colons");
}

TEST(ResourceId, RejectsMalformed) {
  for (const char* bad :
       {"", "bank-a", "bank-a:106", ":106:x", "bank-a::x", "bank-a:abc:x",
        "bank-a:106:", "bank-a:999:x", "bank a:106:x", "bank-a:1060:x", "bank-a:106:x y"}) {
    EXPECT_FALSE(ResourceId::parse(bad).ok()) << bad;
  }
}

TEST(ResourceId, EnforcesTheLengthLimits) {
  std::string org(140, 'o');
  EXPECT_TRUE(ResourceId::parse(org + ":106:" + std::string(5, 'r')).ok());  // 150 chars
  auto tooLong = ResourceId::parse(org + ":106:" + std::string(6, 'r'));     // 151
  ASSERT_FALSE(tooLong.ok());
  EXPECT_NE(tooLong.error().message.find("150"), std::string::npos);
  EXPECT_FALSE(validateOrganizationId(std::string(151, 'o')).ok());
  EXPECT_TRUE(validateOrganizationId(std::string(150, 'o')).ok());
}

TEST(ResourceId, PlanIdsNeedType106AndAV4Uuid) {
  EXPECT_TRUE(parseExecutionPlanId(std::string("bank-a:106:") + kUuid).ok());
  auto wrongType = parseExecutionPlanId(std::string("bank-a:102:") + kUuid);
  ASSERT_FALSE(wrongType.ok());
  EXPECT_NE(wrongType.error().message.find("106"), std::string::npos);
  EXPECT_FALSE(parseExecutionPlanId("bank-a:106:not-a-uuid").ok());
  // version nibble 1 instead of 4
  EXPECT_FALSE(parseExecutionPlanId("bank-a:106:5b0c1f0e-8f43-1e0a-9d5c-3c2a7b9e1a01").ok());
  // uppercase
  EXPECT_FALSE(parseExecutionPlanId("bank-a:106:5B0C1F0E-8F43-4E0A-9D5C-3C2A7B9E1A01").ok());
}

TEST(ResourceId, GeneratesUniqueValidPlanIds) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = generateExecutionPlanId("bank-a");
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(parseExecutionPlanId(*id).ok()) << *id;
    EXPECT_EQ(id->rfind("bank-a:106:", 0), 0u);
    seen.insert(*id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_FALSE(generateExecutionPlanId("bad:org").ok());
}

}  // namespace
}  // namespace finp2p::model
