#include "model/decimal.hpp"

#include <gtest/gtest.h>

namespace finp2p::model {
namespace {

Decimal dec(const char* s) {
  return parseAmount(s).value();
}

TEST(Decimal, ParsesAndCanonicalizes) {
  EXPECT_EQ(dec("0").toString(), "0");
  EXPECT_EQ(dec("007").toString(), "7");
  EXPECT_EQ(dec("12.50").toString(), "12.5");
  EXPECT_EQ(dec("0.000").toString(), "0");
  EXPECT_TRUE(dec("0.000").isZero());
  EXPECT_EQ(dec("123456789012345678901234567890.123456789012345678").toString(),
            "123456789012345678901234567890.123456789012345678");
}

TEST(Decimal, RejectsFloatsSignsBlanksAndGarbage) {
  for (const char* bad : {"", "1e3", "1E3", "-1", "+1", " 1", "1 ", "1.", ".5", "1..2", "1.2.3",
                          "0x10", "abc", "1,000", "NaN", "inf", "١"}) {
    auto r = parseAmount(bad);
    EXPECT_FALSE(r.ok()) << "accepted \"" << bad << "\"";
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    }
  }
  EXPECT_NE(parseAmount("-5").error().message.find("negative"), std::string::npos);
  EXPECT_NE(parseAmount("").error().message.find("empty"), std::string::npos);
}

TEST(Decimal, RejectsMoreFractionalDigitsThanTheAssetAllows) {
  EXPECT_TRUE(parseAmount("10.25", 2).ok());
  auto r = parseAmount("10.255", 2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("3 fractional digits, the asset allows 2"), std::string::npos);
  EXPECT_FALSE(parseAmount("1.0", 0).ok());  // a 0-decimal asset takes integers only
  EXPECT_TRUE(parseAmount("1", 0).ok());
}

TEST(Decimal, RejectsOverlongText) {
  EXPECT_FALSE(parseAmount(std::string(101, '1')).ok());
  EXPECT_TRUE(parseAmount(std::string(100, '1')).ok());
}

TEST(Decimal, ComparesExactly) {
  EXPECT_LT(dec("0.5"), dec("0.55"));
  EXPECT_GT(dec("0.6"), dec("0.55"));
  EXPECT_EQ(dec("1.10"), dec("1.1"));
  EXPECT_LT(dec("99.99"), dec("100"));
  EXPECT_GT(dec("100000000000000000000000"), dec("99999999999999999999999.999"));
}

TEST(Decimal, AddsWithCarryAcrossThePoint) {
  EXPECT_EQ((dec("0.5") + dec("0.5")).toString(), "1");
  EXPECT_EQ((dec("999.99") + dec("0.01")).toString(), "1000");
  EXPECT_EQ((dec("0.1") + dec("0.2")).toString(), "0.3");  // what a double gets wrong
  EXPECT_EQ((dec("18446744073709551615") + dec("1")).toString(), "18446744073709551616");
}

TEST(Decimal, SubtractsAndRefusesToGoNegative) {
  EXPECT_EQ(dec("1000").minus(dec("0.01"))->toString(), "999.99");
  EXPECT_EQ(dec("5").minus(dec("5"))->toString(), "0");
  EXPECT_FALSE(dec("1").minus(dec("1.01")).has_value());
}

TEST(Decimal, ConvertsToMinorUnits) {
  EXPECT_EQ(dec("12.5").toMinorUnits(2), "1250");
  EXPECT_EQ(dec("0.01").toMinorUnits(2), "1");
  EXPECT_EQ(dec("0").toMinorUnits(18), "0");
  EXPECT_EQ(dec("1").toMinorUnits(18), "1000000000000000000");
  EXPECT_FALSE(dec("0.001").toMinorUnits(2).has_value());
}

}  // namespace
}  // namespace finp2p::model
