// The EVM ledger against a real anvil node, in the situations a chain creates and the
// conformance suite cannot: a node that is down, a wrong chain, a transaction the node dropped,
// a nonce taken by another transaction, confirmations, and a transaction that passed its dry
// run but reverted on chain. Each test starts its own anvil (ANVIL_BIN).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "evm_ledger.hpp"

namespace finp2p::evm {
namespace {

const char* kKeys[] = {"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
                       "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"};

// A port the kernel just handed out and took back (the shell helpers do the same).
int freePort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  close(s);
  return ntohs(addr.sin_port);
}

class EvmLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(TEST_SCRATCH_DIR) /
           (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
            std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    for (int i = 0; i < 2; ++i) {
      keyFiles_.push_back((dir_ / ("key-" + std::to_string(i))).string());
      std::ofstream(keyFiles_.back()) << kKeys[i] << "\n";
    }
    startAnvil();
  }
  void TearDown() override { stopAnvil(); }

  void startAnvil() {
    port_ = freePort();
    url_ = "http://127.0.0.1:" + std::to_string(port_);
    anvil_ = fork();
    if (anvil_ == 0) {
      std::string port = std::to_string(port_);
      execl(ANVIL_BIN, ANVIL_BIN, "--host", "127.0.0.1", "--port", port.c_str(), "--chain-id",
            "31337", "--silent", static_cast<char*>(nullptr));
      _exit(127);
    }
    JsonRpcClient rpc(url_, 500);
    for (int i = 0; i < 200; ++i) {
      if (rpc.call("eth_chainId", Json::array()).ok()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    FAIL() << "anvil did not start on " << url_;
  }
  void stopAnvil() {
    if (anvil_ > 0) {
      kill(anvil_, SIGTERM);
      waitpid(anvil_, nullptr, 0);
      anvil_ = 0;
    }
  }
  // The one transaction waiting in anvil's pool (automine off): its hash and nonce, as JSON.
  Json pendingTransaction() {
    Json found;
    auto pool = node("txpool_content", Json::array());
    for (auto& [from, byNonce] : pool.result["pending"].items()) {
      for (auto& [nonce, tx] : byNonce.items()) found = tx;
    }
    return found;
  }
  RpcReply node(const std::string& method, Json params) {
    JsonRpcClient rpc(url_, 2000);
    return rpc.call(method, std::move(params));
  }

  EvmConfig config() const {
    EvmConfig c;
    c.rpcUrl = url_;
    c.chainId = 31337;
    c.stateDatabase = (dir_ / "state.db").string();
    c.keyFiles = keyFiles_;
    c.deploy = true;
    c.assets = {{"USD", "Dollar", "USD", 2, std::nullopt}};
    c.receiptTimeoutMs = 2000;
    c.rpcTimeoutMs = 1000;
    return c;
  }

  static Operation op(finp2p_ledger_operation_kind kind, const std::string& key,
                      const std::string& from, const std::string& to, const std::string& amount) {
    Operation o;
    o.kind = kind;
    o.context.idempotencyKey = key;
    o.source = from;
    o.destination = to;
    o.asset = "USD";
    o.assetDecimals = 2;
    o.amount = amount;
    return o;
  }

  std::filesystem::path dir_;
  std::vector<std::string> keyFiles_;
  pid_t anvil_ = 0;
  int port_ = 0;
  std::string url_;
};

TEST_F(EvmLedgerTest, StartupNamesWhatIsWrong) {
  auto wrongChain = config();
  wrongChain.chainId = 1;
  try {
    EvmLedger ledger(wrongChain);
    FAIL() << "a wrong chain id was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("serves chain 31337"), std::string::npos) << e.what();
  }
  auto noCode = config();
  noCode.deploy = false;
  noCode.escrow = *parseAddress("0x00000000000000000000000000000000000000aa");
  noCode.assets[0].token = *parseAddress("0x00000000000000000000000000000000000000bb");
  try {
    EvmLedger ledger(noCode);
    FAIL() << "an address without code was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "no contract code at 0x00000000000000000000000000000000000000aa"),
              std::string::npos)
        << e.what();
  }
  auto nothing = config();
  nothing.deploy = false;
  try {
    EvmLedger ledger(nothing);
    FAIL() << "no escrow and no deploy was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no escrow address configured"), std::string::npos);
  }
  auto badKey = config();
  std::ofstream(dir_ / "bad.key") << "not a key\n";
  badKey.keyFiles = {(dir_ / "bad.key").string()};
  try {
    EvmLedger ledger(badKey);
    FAIL() << "a malformed key file was accepted";
  } catch (const std::invalid_argument& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("bad.key"), std::string::npos) << what;
    EXPECT_EQ(what.find("not a key"), std::string::npos) << "key material in the message";
  }
}

TEST_F(EvmLedgerTest, NodeDownIsUnavailableNotAFailure) {
  EvmLedger ledger(config());
  ASSERT_TRUE(ledger.execute(op(FINP2P_LEDGER_OP_ISSUE, "issue", "", "alice", "10")).ok());
  stopAnvil();
  auto down = ledger.execute(op(FINP2P_LEDGER_OP_TRANSFER, "t", "alice", "bob", "1"));
  EXPECT_EQ(down.status, FINP2P_LEDGER_ERROR_UNAVAILABLE);
  EXPECT_NE(down.message.find("node unreachable"), std::string::npos) << down.message;
  EXPECT_EQ(ledger.lookup("t").status, FINP2P_LEDGER_ERROR_UNAVAILABLE);
  EXPECT_EQ(ledger.balance("alice", "USD").status, FINP2P_LEDGER_ERROR_UNAVAILABLE);
}

TEST_F(EvmLedgerTest, TransactionDroppedByTheNodeIsRebroadcastNotResigned) {
  auto c = config();
  c.receiptTimeoutMs = 300;
  EvmLedger ledger(c);
  ASSERT_TRUE(ledger.execute(op(FINP2P_LEDGER_OP_ISSUE, "issue", "", "alice", "10")).ok());
  ASSERT_TRUE(node("evm_setAutomine", {false}).ok());
  auto pending = ledger.execute(op(FINP2P_LEDGER_OP_TRANSFER, "t", "alice", "bob", "4"));
  ASSERT_EQ(pending.status, FINP2P_LEDGER_PENDING) << pending.message;
  // The node forgets the transaction (a restart, a full pool): lookup sends the same bytes.
  Json inPool = pendingTransaction();
  ASSERT_TRUE(inPool.contains("hash"));
  std::string hash = inPool["hash"];
  ASSERT_TRUE(node("anvil_dropTransaction", {hash}).ok());
  EXPECT_EQ(ledger.lookup("t").status, FINP2P_LEDGER_PENDING);
  ASSERT_TRUE(node("evm_mine", Json::array()).ok());
  auto found = ledger.lookup("t");
  ASSERT_TRUE(found.ok()) << found.message;
  EXPECT_EQ(found.receipt->transactionId, hash) << "the same signed transaction, not a new one";
  EXPECT_EQ(ledger.balance("bob", "USD").available, "4");
}

TEST_F(EvmLedgerTest, NonceTakenByAnotherTransactionIsSentAnewOnce) {
  auto c = config();
  c.receiptTimeoutMs = 300;
  c.keyFiles = {keyFiles_[0]};
  EvmLedger ledger(c);
  ASSERT_TRUE(ledger.execute(op(FINP2P_LEDGER_OP_ISSUE, "issue", "", "alice", "10")).ok());
  ASSERT_TRUE(node("evm_setAutomine", {false}).ok());
  auto first = ledger.execute(op(FINP2P_LEDGER_OP_TRANSFER, "t", "alice", "bob", "4"));
  ASSERT_EQ(first.status, FINP2P_LEDGER_PENDING) << first.message;
  Json inPool = pendingTransaction();
  ASSERT_TRUE(inPool.contains("hash"));
  std::string hash = inPool["hash"], nonce = inPool["nonce"];
  ASSERT_TRUE(node("anvil_dropTransaction", {hash}).ok());
  // Someone else with the same key (an operator's mistake) spends that nonce.
  Signer other(kKeys[0]);
  Eip1559Transaction tx;
  tx.chainId = 31337;
  tx.nonce = *quantityToU64(nonce);
  tx.maxPriorityFeePerGas = 1'000'000'000;
  tx.maxFeePerGas = 100'000'000'000;
  tx.gasLimit = 21'000;
  tx.to = other.address();
  ASSERT_TRUE(node("eth_sendRawTransaction", {toHex(other.sign(tx).raw)}).ok());
  ASSERT_TRUE(node("evm_mine", Json::array()).ok());
  ASSERT_TRUE(node("evm_setAutomine", {true}).ok());
  EXPECT_EQ(ledger.lookup("t").status, FINP2P_LEDGER_ERROR_NOT_FOUND)
      << "a transaction that can never be mined is not pending";
  auto again = ledger.execute(op(FINP2P_LEDGER_OP_TRANSFER, "t", "alice", "bob", "4"));
  ASSERT_TRUE(again.ok()) << again.message;
  EXPECT_NE(again.receipt->transactionId, hash);
  EXPECT_EQ(ledger.balance("bob", "USD").available, "4");
  EXPECT_EQ(ledger.balance("alice", "USD").available, "6");
}

TEST_F(EvmLedgerTest, ReceiptsCountOnlyAfterTheConfiguredConfirmations) {
  auto c = config();
  c.confirmations = 2;
  c.receiptTimeoutMs = 300;
  std::thread miner;  // deployment waits for confirmations too: add blocks while it waits
  std::atomic<bool> mining{true};
  miner = std::thread([&] {
    while (mining) {
      node("evm_mine", Json::array());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  std::unique_ptr<EvmLedger> ledger;
  ledger = std::make_unique<EvmLedger>(c);
  ASSERT_TRUE(ledger->execute(op(FINP2P_LEDGER_OP_ISSUE, "issue", "", "alice", "10")).ok());
  mining = false;
  miner.join();
  auto t = ledger->execute(op(FINP2P_LEDGER_OP_TRANSFER, "t", "alice", "bob", "1"));
  EXPECT_EQ(t.status, FINP2P_LEDGER_PENDING) << "mined, but without 2 blocks on top";
  ASSERT_TRUE(node("anvil_mine", {2}).ok());
  auto found = ledger->lookup("t");
  ASSERT_TRUE(found.ok()) << ledger::statusName(found.status) << ": " << found.message;
  EXPECT_TRUE(ledger->verify(*found.receipt).ok());
}

TEST_F(EvmLedgerTest, RevertAfterAPassingDryRunIsASettlementError) {
  auto c = config();
  c.receiptTimeoutMs = 5000;
  EvmLedger ledger(c);
  ASSERT_TRUE(ledger.execute(op(FINP2P_LEDGER_OP_ISSUE, "issue", "", "alice", "10")).ok());
  ASSERT_TRUE(node("evm_setAutomine", {false}).ok());
  // Two transfers of 7 from 10, from two sending accounts: both pass the dry run against the
  // same block, only one can settle.
  Outcome a, b;
  std::thread ta(
      [&] { a = ledger.execute(op(FINP2P_LEDGER_OP_TRANSFER, "a", "alice", "bob", "7")); });
  std::thread tb(
      [&] { b = ledger.execute(op(FINP2P_LEDGER_OP_TRANSFER, "b", "alice", "carol", "7")); });
  for (int i = 0; i < 100; ++i) {
    auto pool = node("txpool_status", Json::array());
    if (pool.ok() && pool.result["pending"] == "0x2") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(node("evm_mine", Json::array()).ok());
  ta.join();
  tb.join();
  EXPECT_NE(a.ok(), b.ok()) << a.message << " / " << b.message;
  const Outcome& failed = a.ok() ? b : a;
  EXPECT_EQ(failed.status, FINP2P_LEDGER_ERROR_SETTLEMENT);
  EXPECT_NE(failed.message.find("reverted in block"), std::string::npos) << failed.message;
  EXPECT_EQ(ledger.lookup(a.ok() ? "b" : "a").status, FINP2P_LEDGER_ERROR_SETTLEMENT);
  EXPECT_EQ(ledger.balance("alice", "USD").available, "3");
}

}  // namespace
}  // namespace finp2p::evm
