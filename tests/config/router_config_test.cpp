#include "config/router_config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace finp2p::config {
namespace {

class RouterConfigTest : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    dir_ = std::filesystem::temp_directory_path() /
           ("finp2p-config-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    auto path = (dir_ / "router.toml").string();
    std::ofstream(path) << text;
    return path;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Expects the load to fail with a message containing every fragment.
  void expectError(const std::string& toml, std::initializer_list<const char*> fragments) {
    auto c = loadRouterConfig(write(toml));
    ASSERT_FALSE(c.ok()) << "accepted:\n" << toml;
    for (const char* f : fragments) {
      EXPECT_NE(c.error().message.find(f), std::string::npos) << "missing \"" << f << "\" in:\n"
                                                              << c.error().message;
    }
  }

  std::filesystem::path dir_;
};

constexpr const char* kValid = R"(
organization = "bank-a"
listen = "127.0.0.1:7001"
admin_listen = "127.0.0.1:7101"
key = "keys/bank-a.key"
journal = "data/journal.db"

[[peer]]
organization = "bank-b"
address = "127.0.0.1:7002"
public_key = "keys/bank-b.pub"

[[ledger]]
name = "securities"
plugin = "/opt/finp2p/plugins/libsqlite-ledger.so"
assets = ["bank-a:102:bond"]
[ledger.config]
database = "data/securities.db"
opening_balances = [ { account = "seller", asset = "bank-a:102:bond", amount = "1000" } ]
)";

TEST_F(RouterConfigTest, ParsesAValidRouter) {
  auto c = loadRouterConfig(write(kValid));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->organization, "bank-a");
  EXPECT_EQ(c->keyPath, (dir_ / "keys/bank-a.key").string());
  ASSERT_EQ(c->peers.size(), 1u);
  EXPECT_EQ(c->peers[0].publicKeyPath, (dir_ / "keys/bank-b.pub").string());
  ASSERT_EQ(c->ledgers.size(), 1u);
  EXPECT_EQ(c->ledgers[0].assets, std::vector<std::string>{"bank-a:102:bond"});
  std::vector<std::pair<std::string, std::string>> expected = {
      {"database", "data/securities.db"},
      // the host's reserved entry: relative paths in the config mean relative to the TOML
      {"finp2p.config_dir", std::filesystem::absolute(dir_).string()},
      {"opening_balances.0.account", "seller"},
      {"opening_balances.0.amount", "1000"},
      {"opening_balances.0.asset", "bank-a:102:bond"}};
  auto got = c->ledgers[0].pluginConfig;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, expected);
}

TEST_F(RouterConfigTest, SyntaxErrorNamesFileAndLine) {
  expectError("organization = \"bank-a\"\nlisten = \n", {"router.toml:2: ", "missing value"});
}

TEST_F(RouterConfigTest, MissingKeyIsNamed) {
  expectError("organization = \"bank-a\"\n", {"router.toml:1: ", "key \"listen\"", "missing"});
}

TEST_F(RouterConfigTest, WrongTypeNamesTheKeyAndLine) {
  std::string toml = kValid;
  toml.replace(toml.find("\"127.0.0.1:7001\""), 16, "7001");
  expectError(toml, {"key \"listen\"", "must be a string", "router.toml:3"});
}

TEST_F(RouterConfigTest, AdminMustBeLocal) {
  std::string toml = kValid;
  toml.replace(toml.find("127.0.0.1:7101"), 14, "0.0.0.0:7101");
  expectError(toml, {"admin_listen", "loopback or a unix socket"});
}

TEST_F(RouterConfigTest, AdminMayNotShareThePeerPort) {
  std::string toml = kValid;
  toml.replace(toml.find("127.0.0.1:7101"), 14, "127.0.0.1:7001");
  expectError(toml, {"admin_listen", "same port as listen", "router.toml:4"});
  // A wildcard peer address covers loopback too.
  toml = kValid;
  toml.replace(toml.find("\"127.0.0.1:7001\""), 16, "\"0.0.0.0:7101\"");
  expectError(toml, {"admin_listen", "same port as listen"});
  toml = kValid;
  toml.replace(toml.find("127.0.0.1:7101"), 14, "127.0.0.2:7001");  // another address: fine
  EXPECT_TRUE(loadRouterConfig(write(toml)).ok());
}

TEST_F(RouterConfigTest, PeerLimitsHaveDefaultsAndMustBePositive) {
  auto c = loadRouterConfig(write(kValid));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_GT(c->maxPlanBytes, 0);
  EXPECT_GT(c->maxPlansPerPeerPerMinute, 0);
  EXPECT_GT(c->maxBytesPerPeerPerMinute, 0);
  std::string toml = kValid;
  toml.replace(toml.find("key = "), 0, "max_plans_per_peer_per_minute = 0\n");
  expectError(toml, {"max_plans_per_peer_per_minute"});
}

// Regression (merge of issues 13 and 14): the unknown-key check refused the peer limit keys.
TEST_F(RouterConfigTest, PeerLimitKeysAreKnown) {
  std::string toml = kValid;
  toml.replace(toml.find("key = "), 0,
               "max_plan_bytes = 2048\nmax_plans_per_peer_per_minute = 5\n"
               "max_bytes_per_peer_per_minute = 4096\n");
  auto c = loadRouterConfig(write(toml));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->maxPlanBytes, 2048);
  EXPECT_EQ(c->maxPlansPerPeerPerMinute, 5);
  EXPECT_EQ(c->maxBytesPerPeerPerMinute, 4096);
}

// Issue 17: the operations keys are known keys, with their defaults and their checks.
TEST_F(RouterConfigTest, OperationsKeys) {
  auto plain = loadRouterConfig(write(kValid));
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->metricsAddress, "");
  EXPECT_FALSE(plain->peerReflection);
  EXPECT_EQ(plain->logFormat, "text");
  EXPECT_EQ(plain->shutdownDrainSeconds, 0);
  std::string toml = kValid;
  toml.replace(toml.find("key = "), 0,
               "metrics_listen = \":9464\"\npeer_reflection = true\nlog_format = \"json\"\n"
               "shutdown_drain_seconds = 3\n");
  auto c = loadRouterConfig(write(toml));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->metricsAddress, "127.0.0.1:9464");  // a bare port binds loopback
  EXPECT_TRUE(c->peerReflection);
  EXPECT_EQ(c->logFormat, "json");
  EXPECT_EQ(c->shutdownDrainSeconds, 3);
  toml = kValid;
  toml.replace(toml.find("key = "), 0, "log_format = \"xml\"\n");
  expectError(toml, {"log_format", "\"text\" or \"json\""});
  toml = kValid;
  toml.replace(toml.find("key = "), 0, "metrics_listen = \"127.0.0.1:7101\"\n");
  expectError(toml, {"metrics_listen", "same port"});
}

TEST_F(RouterConfigTest, BadAddressAndBadOrganization) {
  std::string toml = kValid;
  toml.replace(toml.find("127.0.0.1:7002"), 14, "127.0.0.1:99999");
  expectError(toml, {"address", "port out of range"});
  toml = kValid;
  toml.replace(toml.find("\"bank-a\""), 8, "\"bank:a\"");
  expectError(toml, {"organization", "contains ':'"});
}

TEST_F(RouterConfigTest, LedgerMistakesAreNamed) {
  std::string toml = kValid;
  toml += "\n[[ledger]]\nname = \"securities\"\nplugin = \"x.so\"\nassets = [\"USD\"]\n";
  expectError(toml, {"ledger \"securities\" is defined twice"});
  toml = kValid;
  toml += "\n[[ledger]]\nname = \"cash\"\nplugin = \"x.so\"\nassets = [\"bank-a:102:bond\"]\n";
  expectError(toml, {"served by two ledgers"});
  toml = kValid;
  toml +=
      "\n[[ledger]]\nname = \"cash\"\nplugin = \"x.so\"\nassets = [\"USD\"]\nsha256 = \"abc\"\n";
  expectError(toml, {"sha256", "64 lowercase hex"});
  toml = kValid;
  toml += "\n[[ledger]]\nname = \"cash\"\nplugin = \"x.so\"\n";
  expectError(toml, {"needs a non-empty array of asset ids"});
}

TEST_F(RouterConfigTest, IsolationDefaultsToInProcessAndProcessTakesMaxCrashes) {
  auto c = loadRouterConfig(write(kValid));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->ledgers[0].isolation, Isolation::kInProcess);
  std::string toml = kValid;
  toml +=
      "\n[[ledger]]\nname = \"cash\"\nplugin = \"x.so\"\nassets = [\"USD\"]\n"
      "isolation = \"process\"\nmax_crashes_per_operation = 5\n";
  c = loadRouterConfig(write(toml));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->ledgers[1].isolation, Isolation::kProcess);
  EXPECT_EQ(c->ledgers[1].maxCrashesPerOperation, 5);
}

TEST_F(RouterConfigTest, IsolationMistakesAreNamed) {
  std::string base = kValid;
  base += "\n[[ledger]]\nname = \"cash\"\nplugin = \"x.so\"\nassets = [\"USD\"]\n";
  expectError(base + "isolation = \"sandbox\"\n",
              {"isolation", "must be \"in-process\" or \"process\""});
  expectError(base + "max_crashes_per_operation = 3\n",
              {"max_crashes_per_operation", "applies only with isolation = \"process\""});
  expectError(base + "isolation = \"process\"\nmax_crashes_per_operation = 0\n",
              {"max_crashes_per_operation", "positive integer"});
  // A misspelt key is refused, and the known-key list names the real one.
  expectError(base + "max_crashes = 3\n", {"unknown in [[ledger]]", "max_crashes_per_operation"});
}

TEST_F(RouterConfigTest, DuplicatePeerAndSelfAsPeer) {
  std::string toml = kValid;
  toml +=
      "\n[[peer]]\norganization = \"bank-b\"\naddress = \"127.0.0.1:7003\"\npublic_key = \"k\"\n";
  expectError(toml, {"peer \"bank-b\" is listed twice"});
  toml = kValid;
  toml +=
      "\n[[peer]]\norganization = \"bank-a\"\naddress = \"127.0.0.1:7003\"\npublic_key = \"k\"\n";
  expectError(toml, {"not its own peer"});
}

TEST_F(RouterConfigTest, InvalidUtf8IsRefusedBeforeParsing) {
  // fuzz_config found toml11 3.7.1 reading out of bounds on this input; we refuse it first.
  expectError("a ='''x\xa4''''b\n", {"not valid UTF-8", "0xA4", "line 1, column 8"});
  // The second finding: 0xF6 looks like a 4-byte lead to a loose check but is never valid.
  expectError("a ='''\xf6\x90\x8d\x96'''\n", {"not valid UTF-8", "0xF6", "line 1, column 7"});
  expectError("a = \"\xc0\xaf\"\n", {"not valid UTF-8", "0xC0"});          // overlong "/"
  expectError("a = \"\xed\xa0\x80\"\n", {"not valid UTF-8", "0xED"});      // a surrogate
  expectError("a = \"\xf4\x90\x80\x80\"\n", {"not valid UTF-8", "0xF4"});  // above U+10FFFF
  expectError("a = 'x\x01'\n", {"a control character", "0x01"});
  auto ok = parseRouterConfig("organization = \"bank-\xc3\xa9\xf0\x9f\x92\xb6\"\n", "x.toml");
  ASSERT_FALSE(ok.ok());  // valid UTF-8 gets through to the normal checks
  EXPECT_EQ(ok.error().message.find("UTF-8"), std::string::npos);
}

TEST_F(RouterConfigTest, MissingFile) {
  auto c = loadRouterConfig("/nonexistent/router.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("/nonexistent/router.toml"), std::string::npos);
}

}  // namespace
}  // namespace finp2p::config
