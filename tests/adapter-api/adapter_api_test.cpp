// What the bridge and the gateway agree on (sdk/adapter_api): endpoints both ways, error codes
// both ways, accounts and assets written and read back, polling intervals.
#include "adapter_api.hpp"

#include <gtest/gtest.h>

namespace finp2p::adapter_api {
namespace {

TEST(AdapterApi, EveryOperationKindHasItsEndpointAndBack) {
  for (auto kind : {FINP2P_LEDGER_OP_HOLD, FINP2P_LEDGER_OP_RELEASE, FINP2P_LEDGER_OP_REVERT_HOLD,
                    FINP2P_LEDGER_OP_TRANSFER, FINP2P_LEDGER_OP_ISSUE, FINP2P_LEDGER_OP_REDEEM}) {
    ASSERT_NE(endpointFor(kind), nullptr) << ledger::operationKindName(kind);
    EXPECT_EQ(kindForEndpoint(endpointFor(kind)), kind);
  }
  EXPECT_EQ(endpointFor(FINP2P_LEDGER_OP_AWAIT), nullptr);
  EXPECT_STREQ(endpointFor(FINP2P_LEDGER_OP_REVERT_HOLD), "/assets/rollback");
  EXPECT_FALSE(kindForEndpoint("/assets/create"));
}

TEST(AdapterApi, ErrorCodesRoundTripForEveryFinalStatus) {
  for (auto s : {FINP2P_LEDGER_ERROR_VALIDATION, FINP2P_LEDGER_ERROR_INTENT_VALIDATION,
                 FINP2P_LEDGER_ERROR_SETTLEMENT, FINP2P_LEDGER_ERROR_SIGNATURE,
                 FINP2P_LEDGER_ERROR_TIMEOUT, FINP2P_LEDGER_ERROR_INTERNAL}) {
    EXPECT_EQ(statusForErrorCode(errorCodeFor(s)), s) << ledger::statusName(s);
  }
  EXPECT_EQ(errorCodeFor(FINP2P_LEDGER_ERROR_UNSUPPORTED), 1u);
  EXPECT_EQ(statusForErrorCode(4108), FINP2P_LEDGER_ERROR_VALIDATION);  // unknown: validation
}

TEST(AdapterApi, AccountsThatAreNotFinIdsTravelAsTheirAddress) {
  Json asset = assetJson({"bank-x:102:usd", "n", "USD", "s"});
  std::string finId = "02" + std::string(64, 'a');
  auto plain = accountJson(finId, asset);
  EXPECT_EQ(plain["finId"], finId);
  EXPECT_FALSE(plain.contains("ledgerAccount"));
  EXPECT_EQ(accountFrom(plain), finId);
  auto wallet = accountJson("DE89370400440532013000", asset);
  EXPECT_TRUE(isFinId(wallet["finId"].get<std::string>()));
  EXPECT_EQ(wallet["ledgerAccount"]["type"], "walletAccount");
  EXPECT_EQ(accountFrom(wallet), "DE89370400440532013000");
  EXPECT_EQ(finIdFor("DE89370400440532013000"), wallet["finId"]);
  EXPECT_FALSE(isFinId("02AB"));
}

TEST(AdapterApi, AssetsAreReadBackByTheirTokenId) {
  auto asset = assetJson({"bank-x:102:usd", "finp2p-exec", "USD", "sqlite-ledger"});
  EXPECT_EQ(asset["ledgerIdentifier"]["assetIdentifierType"], "CAIP-19");
  EXPECT_EQ(assetFrom(asset), "USD");
  EXPECT_EQ(assetFrom(Json{{"resourceId", "bank-x:102:usd"}}), "bank-x:102:usd");
}

TEST(AdapterApi, PollingIntervalsInIso8601) {
  EXPECT_EQ(durationMillis("PT0.2S"), 200);
  EXPECT_EQ(durationMillis("PT5M"), 300'000);
  EXPECT_EQ(durationMillis("P1DT30M"), 86'400'000 + 1'800'000);
  EXPECT_FALSE(durationMillis("5s"));
  EXPECT_FALSE(durationMillis("PT"));
  EXPECT_FALSE(durationMillis("P5M"));  // months are not a polling interval
  EXPECT_EQ(durationMillis(isoDuration(1234)), 1234);
  auto pending = pendingOperation("c1", 250);
  EXPECT_EQ(pending["isCompleted"], false);
  EXPECT_EQ(pending["operationMetadata"]["operationResponseStrategy"]["polling"]["duration"],
            "PT0.250S");
}

}  // namespace
}  // namespace finp2p::adapter_api
