// The bridge plugin, loaded as the router loads it, against a gateway whose ledger takes 2 s
// for a transfer (bridge_pending.sh starts it, with Prism in between): an operation still
// running at its deadline is PENDING through lookup, also after the bridge was destroyed and
// loaded again (the recorded cid), then found with its receipt; executing the key again
// returns that receipt and moves nothing twice.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "finp2p/ledger/client.hpp"
#include "finp2p/ledger/decimal.hpp"

namespace finp2p::ledger {
namespace {

std::shared_ptr<LoadedPlugin> loadBridge() {
  const char* url = std::getenv("ADAPTER_URL");
  const char* dir = std::getenv("WORK_DIR");
  if (!url || !dir) return nullptr;
  Config config{{"base_url", url},
                {"state", std::string(dir) + "/bridge.db"},
                {"poll_interval_ms", "50"},
                {"assets.0.id", "USD"},
                {"assets.0.resource_id", "bank-x:102:usd"},
                {"assets.0.token_id", "USD"}};
  auto loaded = LoadedPlugin::load(BRIDGE_PLUGIN, config);
  if (auto* e = std::get_if<LoadError>(&loaded)) {
    ADD_FAILURE() << e->message;
    return nullptr;
  }
  return std::get<std::shared_ptr<LoadedPlugin>>(loaded);
}

Operation operation(OperationKind kind, const std::string& key, int64_t deadlineMs) {
  Operation op;
  op.kind = kind;
  op.context = {"pending-plan", 0, key, nowUnixMs() + deadlineMs};
  op.asset = "USD";
  op.assetDecimals = 2;
  return op;
}

TEST(BridgePending, StillRunningAtItsDeadlineIsPendingThenFoundAndNotSentAgain) {
  auto bridge = loadBridge();
  ASSERT_NE(bridge, nullptr) << "set ADAPTER_URL and WORK_DIR (bridge_pending.sh does)";
  auto issue = operation(FINP2P_LEDGER_OP_ISSUE, "pending-issue", 10'000);
  issue.destination = "alice";
  issue.amount = "100";
  auto issued = bridge->executeAndWait(issue);
  ASSERT_TRUE(issued.ok()) << issued.message;

  auto transfer = operation(FINP2P_LEDGER_OP_TRANSFER, "pending-transfer", 500);
  transfer.source = "alice";
  transfer.destination = "bob";
  transfer.amount = "10.25";
  auto first = bridge->executeAndWait(transfer);
  EXPECT_EQ(first.status, FINP2P_LEDGER_ERROR_TIMEOUT) << first.message;
  auto pending = bridge->lookupAndWait("pending-transfer");
  EXPECT_EQ(pending.status, FINP2P_LEDGER_PENDING) << pending.message;

  bridge.reset();  // the router restarts: only the bridge's state file remains
  bridge = loadBridge();
  ASSERT_NE(bridge, nullptr);
  pending = bridge->lookupAndWait("pending-transfer");
  EXPECT_EQ(pending.status, FINP2P_LEDGER_PENDING) << pending.message;

  Outcome found;
  for (int i = 0; i < 100; ++i) {
    found = bridge->lookupAndWait("pending-transfer");
    if (found.status != FINP2P_LEDGER_PENDING) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(found.ok()) << statusName(found.status) << ": " << found.message;
  ASSERT_TRUE(found.receipt);
  EXPECT_EQ(found.receipt->operationId, "pending-transfer");
  EXPECT_EQ(found.receipt->quantity, "10.25");
  EXPECT_EQ(found.receipt->source, "alice");
  EXPECT_EQ(found.receipt->destination, "bob");

  transfer.context.deadlineUnixMs = nowUnixMs() + 10'000;
  auto again = bridge->executeAndWait(transfer);
  ASSERT_TRUE(again.ok()) << again.message;
  EXPECT_EQ(again.receipt->transactionId, found.receipt->transactionId);
  EXPECT_TRUE(bridge->verifyAndWait(*found.receipt).ok());
  auto alice = bridge->balanceAndWait("alice", "USD");
  auto bob = bridge->balanceAndWait("bob", "USD");
  ASSERT_EQ(alice.status, FINP2P_LEDGER_OK) << alice.message;
  EXPECT_EQ(*Decimal::parse(alice.available), *Decimal::parse("89.75"));
  EXPECT_EQ(*Decimal::parse(bob.available), *Decimal::parse("10.25"));
}

}  // namespace
}  // namespace finp2p::ledger
