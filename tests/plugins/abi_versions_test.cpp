// ABI 1.2 adds the hash-lock fields (issue 15) and the investor signature (issue 16) to the
// operation; a plugin built against the frozen 1.1 header (fixtures/abi_1_1/) reads a 1.2
// operation. ABI 1.1 (issue 14, defect 5): context, receipt, balance and description carry
// struct_size, and a plugin built against ABI 1.0
// (tests/plugins/fixtures/abi_1_0/, the frozen 1.0 header) keeps loading: the host hands it, and
// reads from it, the 1.0 layouts. The fixture echoes every field it was given, so a wrong layout
// shows as a wrong field, not as luck.

#include <gtest/gtest.h>

#include <cstring>

#include "finp2p/ledger/client.hpp"

namespace finp2p::ledger {
namespace {

std::shared_ptr<LoadedPlugin> load(const std::string& name) {
  LoadOptions quiet;
  quiet.log = [](finp2p_ledger_log_level, const std::string&) {};
  auto loaded = LoadedPlugin::load(std::string(FIXTURE_DIR) + "/lib" + name + ".so", {}, quiet);
  if (auto* e = std::get_if<LoadError>(&loaded)) {
    ADD_FAILURE() << e->message;
    return nullptr;
  }
  return std::get<std::shared_ptr<LoadedPlugin>>(loaded);
}

TEST(AbiVersions, TheHostSpeaksOneTwo) {
  EXPECT_EQ(FINP2P_LEDGER_ABI_VERSION, (1u << 16) | 2u);
  finp2p_ledger_receipt r{};
  r.struct_size = offsetof(finp2p_ledger_receipt, proof);  // a writer without the last field
  EXPECT_TRUE(FINP2P_LEDGER_HAS_FIELD(&r, finp2p_ledger_receipt, quantity));
  EXPECT_FALSE(FINP2P_LEDGER_HAS_FIELD(&r, finp2p_ledger_receipt, proof));
}

// A plugin built for 1.1 writes a receipt that ends at `proof`: the host reads no hash-lock
// field of it (they lie beyond what the plugin wrote).
TEST(AbiVersions, AOneOneReceiptHasNoHashLockFields) {
  struct {
    finp2p_ledger_receipt r;
    char beyond[64];
  } memory;
  std::memset(&memory, 0x7f, sizeof memory);  // whatever lies after a 1.1 receipt
  auto& r = memory.r;
  r.struct_size = offsetof(finp2p_ledger_receipt, proof) + sizeof(finp2p_ledger_str);
  r.transaction_id = r.operation_id = r.operation_type = r.source = r.destination = r.asset =
      r.quantity = r.proof = {nullptr, 0};
  r.timestamp_unix_s = 7;
  auto read = finp2p::ledger::receiptFromC(r);
  EXPECT_EQ(read.timestampUnixS, 7);
  EXPECT_TRUE(read.hashLock.empty());
  EXPECT_TRUE(read.preimage.empty());
  EXPECT_EQ(read.expiryUnixS, 0);
}

TEST(AbiVersions, APluginBuiltForOneZeroKeepsLoadingAndIsDescribedByItsLayout) {
  auto plugin = load("fixture_abi_1_0");
  ASSERT_NE(plugin, nullptr);
  EXPECT_EQ(plugin->abiVersion(), 1u << 16);
  const auto& d = plugin->description();
  EXPECT_EQ(d.name, "abi-1.0");
  EXPECT_EQ(d.version, "1.0.7");
  EXPECT_EQ(d.supportedOperations, FINP2P_LEDGER_SUPPORTS(FINP2P_LEDGER_OP_TRANSFER));
  EXPECT_EQ(d.assetTypes, "fiat");
}

TEST(AbiVersions, AOneZeroPluginReadsItsOperationAndWritesItsReceiptInTheOneZeroLayout) {
  auto plugin = load("fixture_abi_1_0");
  ASSERT_NE(plugin, nullptr);
  Operation op;
  op.kind = FINP2P_LEDGER_OP_TRANSFER;
  op.context.planId = "plan-9";
  op.context.sequence = 3;
  op.context.idempotencyKey = "plan-9_3";
  op.context.deadlineUnixMs = nowUnixMs() + 60'000;
  op.source = "alice";
  op.destination = "bob";
  op.asset = "USD";
  op.amount = "2.50";
  auto out = plugin->executeAndWait(op);
  ASSERT_TRUE(out.ok()) << out.message;
  ASSERT_TRUE(out.receipt);
  const auto& r = *out.receipt;
  EXPECT_EQ(r.transactionId, "plan-9/3/" + std::to_string(op.context.deadlineUnixMs));
  EXPECT_EQ(r.operationId, "plan-9_3");
  EXPECT_EQ(r.operationType, "transfer");
  EXPECT_EQ(r.source, "alice");
  EXPECT_EQ(r.destination, "bob");
  EXPECT_EQ(r.asset, "USD");
  EXPECT_EQ(r.quantity, "2.50");
  EXPECT_EQ(r.timestampUnixS, 1700000000);
  EXPECT_EQ(r.proof, "bob");

  // The receipt goes back to it in its layout too: it accepts its own, refuses an altered one.
  EXPECT_TRUE(plugin->verifyAndWait(r).ok());
  auto altered = r;
  altered.quantity = "25.0";
  EXPECT_EQ(plugin->verifyAndWait(altered).status, FINP2P_LEDGER_ERROR_VALIDATION);
}

TEST(AbiVersions, AOneZeroPluginsBalanceIsReadByTheOneZeroLayout) {
  auto plugin = load("fixture_abi_1_0");
  ASSERT_NE(plugin, nullptr);
  auto b = plugin->balanceAndWait("alice", "USD");
  ASSERT_EQ(b.status, FINP2P_LEDGER_OK) << b.message;
  EXPECT_EQ(b.current, "3");
  EXPECT_EQ(b.available, "2");
  EXPECT_EQ(b.held, "1");
}

// A 1.1 plugin reads a 1.2 host's operation: the fields it knows are where it expects them.
TEST(AbiVersions, AOneOnePluginReadsTheOneTwoOperation) {
  auto plugin = load("fixture_abi_1_1");
  ASSERT_NE(plugin, nullptr);
  EXPECT_EQ(plugin->abiVersion(), (1u << 16) | 1u);
  EXPECT_EQ(plugin->description().name, "abi-1.1");
  Operation op;
  op.kind = FINP2P_LEDGER_OP_TRANSFER;
  op.context.planId = "plan-9";
  op.context.sequence = 3;
  op.context.idempotencyKey = "plan-9_3";
  op.source = "alice";
  op.destination = "bob";
  op.asset = "USD";
  op.amount = "2.50";
  op.condition = "last-1.1-field";
  op.investorSignature = "{}";
  op.investorFinId = "02466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f27";
  auto out = plugin->executeAndWait(op);
  ASSERT_TRUE(out.ok()) << out.message;
  EXPECT_EQ(out.receipt->transactionId, "plan-9/3");
  EXPECT_EQ(out.receipt->quantity, "2.50");
  EXPECT_EQ(out.receipt->proof, "last-1.1-field");
}

TEST(AbiVersions, AOneTwoPluginIsDescribedAndAnsweredAndGetsTheInvestorSignature) {
  auto plugin = load("fixture_echo_v1");  // the C++ SDK: ABI 1.2
  ASSERT_NE(plugin, nullptr);
  EXPECT_EQ(plugin->abiVersion(), FINP2P_LEDGER_ABI_VERSION);
  EXPECT_EQ(plugin->description().name, "echo");
  Operation op;
  op.kind = FINP2P_LEDGER_OP_TRANSFER;
  op.context.idempotencyKey = "plan_1";
  op.amount = "1";
  op.investorSignature = R"({"signature":"ab","hashFunc":"sha3-256","template":{}})";
  op.investorFinId = "02466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f27";
  auto out = plugin->executeAndWait(op);
  ASSERT_TRUE(out.ok()) << out.message;
  EXPECT_EQ(out.receipt->operationId, "plan_1");
  EXPECT_EQ(out.receipt->proof, op.investorSignature);  // arrived through the 1.2 field
}

}  // namespace
}  // namespace finp2p::ledger
