// The registry as the host uses it: routing by asset, reload without restart, refusals that
// leave the current plugin in service.

#include "ledgers/ledger_registry.hpp"

#include <gtest/gtest.h>

#include <future>

namespace finp2p::ledgers {
namespace {

std::string fixture(const std::string& name) {
  return std::string(FIXTURE_DIR) + "/lib" + name + ".so";
}

config::LedgerConfig echo(const std::string& version, const std::string& delayMs = "0") {
  config::LedgerConfig c;
  c.name = "cash";
  c.pluginPath = fixture("fixture_echo_v" + version);
  c.assets = {"USD", "EUR"};
  c.pluginConfig = {{"delay_ms", delayMs}};
  return c;
}

ledger::Operation transfer(const std::string& key) {
  ledger::Operation op;
  op.kind = FINP2P_LEDGER_OP_TRANSFER;
  op.context.idempotencyKey = key;
  op.amount = "1";
  return op;
}

TEST(LedgerRegistry, RoutesAssetsToTheirLedger) {
  LedgerRegistry registry;
  ASSERT_TRUE(registry.add(echo("1")).ok());
  EXPECT_NE(registry.forAsset("USD"), nullptr);
  EXPECT_EQ(registry.forAsset("JPY"), nullptr);
  EXPECT_EQ(registry.ledgerNameForAsset("EUR"), "cash");
  auto again = registry.add(echo("2"));
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("already loaded"), std::string::npos);
}

TEST(LedgerRegistry, ReloadServesNewOperationsWithTheNewPluginWhileOldOnesFinish) {
  LedgerRegistry registry;
  ASSERT_TRUE(registry.add(echo("1", "300")).ok());

  // An operation in flight on version 1 (it completes 300 ms later).
  std::promise<ledger::Outcome> inFlight;
  registry.forAsset("USD")->execute(transfer("plan_1"),
                                    [&](ledger::Outcome o) { inFlight.set_value(o); });

  auto info = registry.reload("cash", fixture("fixture_echo_v2"));
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->generation, 2u);
  EXPECT_EQ(info->pluginVersion, "2");

  auto after = registry.forAsset("USD")->executeAndWait(transfer("plan_2"));
  ASSERT_TRUE(after.ok()) << after.message;
  EXPECT_EQ(after.receipt->transactionId, "v2:plan_2");

  auto before = inFlight.get_future().get();
  ASSERT_TRUE(before.ok()) << before.message;
  EXPECT_EQ(before.receipt->transactionId, "v1:plan_1");
  EXPECT_EQ(registry.list().at(0).generation, 2u);
}

TEST(LedgerRegistry, FailedReloadKeepsTheCurrentPlugin) {
  LedgerRegistry registry;
  ASSERT_TRUE(registry.add(echo("1")).ok());
  auto bad = registry.reload("cash", fixture("fixture_abi_major"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("ABI mismatch"), std::string::npos) << bad.error().message;
  auto out = registry.forAsset("USD")->executeAndWait(transfer("plan_3"));
  EXPECT_EQ(out.receipt->transactionId, "v1:plan_3");
  EXPECT_EQ(registry.list().at(0).generation, 1u);
  EXPECT_FALSE(registry.reload("nope").ok());
}

TEST(LedgerRegistry, LoadErrorsNameTheLedger) {
  LedgerRegistry registry;
  auto c = echo("1");
  c.pluginPath = "/nonexistent/libx.so";
  auto s = registry.add(c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_NE(s.error().message.find("ledger \"cash\""), std::string::npos);
}

}  // namespace
}  // namespace finp2p::ledgers
