// Loading plugins as the host does, one fixture per failure mode: each refusal has its code
// and a message naming what is wrong, and the process goes on.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "finp2p/ledger/client.hpp"

namespace finp2p::ledger {
namespace {

std::string fixture(const std::string& name) {
  return std::string(FIXTURE_DIR) + "/lib" + name + ".so";
}

LoadOptions quiet() {
  LoadOptions o;
  o.log = [](finp2p_ledger_log_level, const std::string&) {};
  return o;
}

LoadError loadError(const std::string& path, const Config& config = {},
                    LoadOptions options = quiet()) {
  auto loaded = LoadedPlugin::load(path, config, options);
  if (auto* e = std::get_if<LoadError>(&loaded)) return *e;
  ADD_FAILURE() << path << " loaded, expected a refusal";
  return {LoadErrorCode::kException, ""};
}

std::shared_ptr<LoadedPlugin> loadOk(const std::string& path, const Config& config = {},
                                     LoadOptions options = quiet()) {
  if (!options.log) options.log = quiet().log;
  auto loaded = LoadedPlugin::load(path, config, options);
  if (auto* e = std::get_if<LoadError>(&loaded)) {
    ADD_FAILURE() << e->message;
    return nullptr;
  }
  return std::get<std::shared_ptr<LoadedPlugin>>(loaded);
}

void expectError(const LoadError& e, LoadErrorCode code, const std::string& text) {
  EXPECT_EQ(e.code, code) << loadErrorCodeName(e.code) << ": " << e.message;
  EXPECT_NE(e.message.find(text), std::string::npos) << e.message;
}

Config single(const std::string& key, const std::string& value) {
  return Config(std::vector<std::pair<std::string, std::string>>{{key, value}});
}

Operation transfer(const std::string& key) {
  Operation op;
  op.kind = FINP2P_LEDGER_OP_TRANSFER;
  op.context.idempotencyKey = key;
  op.source = "a";
  op.destination = "b";
  op.asset = "USD";
  op.amount = "1";
  return op;
}

TEST(PluginLoader, MissingFile) {
  expectError(loadError("/nonexistent/libledger.so"), LoadErrorCode::kMissingFile,
              "/nonexistent/libledger.so: no such file");
}

TEST(PluginLoader, NotASharedLibrary) {
  std::string path = std::string(TEST_SCRATCH_DIR) + "/not-a-library.so";
  std::ofstream(path) << "just text";
  expectError(loadError(path), LoadErrorCode::kNotAPlugin, "cannot be loaded");
}

TEST(PluginLoader, LibraryWithoutEntryPoint) {
  expectError(loadError(fixture("fixture_not_a_plugin")), LoadErrorCode::kNotAPlugin,
              "does not export finp2p_ledger_plugin_init");
}

TEST(PluginLoader, DifferentAbiMajor) {
  expectError(loadError(fixture("fixture_abi_major")), LoadErrorCode::kAbiMismatch,
              "built for ledger ABI 2.0, this host speaks 1.2");
}

TEST(PluginLoader, NewerAbiMinor) {
  expectError(loadError(fixture("fixture_abi_minor")), LoadErrorCode::kAbiMismatch,
              "built for ledger ABI 1.99");
}

// Issue 14, defect 5: the ABI version is read before any of the plugin's code with side effects
// runs. The ABI 2.0 fixture's init would create the file named by "touch"; it must never run.
TEST(PluginLoader, AbiIsCheckedBeforeTheEntryPointRuns) {
  auto marker = std::string(TEST_SCRATCH_DIR) + "/abi_major_init_ran";
  std::remove(marker.c_str());
  expectError(loadError(fixture("fixture_abi_major"), single("touch", marker)),
              LoadErrorCode::kAbiMismatch, "before its entry point ran");
  EXPECT_FALSE(std::ifstream(marker).good()) << "the plugin's init ran before the ABI check";
}

// What --check-config and a reload check first: file, hash and ABI, without running init.
TEST(PluginLoader, InspectReadsHashAndAbiWithoutRunningInit) {
  auto marker = std::string(TEST_SCRATCH_DIR) + "/inspect_init_ran";
  std::remove(marker.c_str());
  auto ok = LoadedPlugin::inspect(fixture("fixture_echo_v1"), "");
  ASSERT_TRUE(std::holds_alternative<PluginFile>(ok));
  EXPECT_EQ(std::get<PluginFile>(ok).abiVersion, FINP2P_LEDGER_ABI_VERSION);
  EXPECT_EQ(std::get<PluginFile>(ok).sha256, fileSha256(fixture("fixture_echo_v1")));
  auto major = LoadedPlugin::inspect(fixture("fixture_abi_major"), "");
  ASSERT_TRUE(std::holds_alternative<LoadError>(major));
  EXPECT_EQ(std::get<LoadError>(major).code, LoadErrorCode::kAbiMismatch);
  auto pinned = LoadedPlugin::inspect(fixture("fixture_echo_v1"), std::string(64, '0'));
  ASSERT_TRUE(std::holds_alternative<LoadError>(pinned));
  EXPECT_EQ(std::get<LoadError>(pinned).code, LoadErrorCode::kHashMismatch);
  auto missing = LoadedPlugin::inspect("/nonexistent/libx.so", "");
  ASSERT_TRUE(std::holds_alternative<LoadError>(missing));
  EXPECT_EQ(std::get<LoadError>(missing).code, LoadErrorCode::kMissingFile);
}

TEST(PluginLoader, HashMismatch) {
  LoadOptions options = quiet();
  options.expectedSha256 = std::string(64, '0');
  expectError(loadError(SQLITE_LEDGER_PLUGIN, {}, options), LoadErrorCode::kHashMismatch,
              "the configuration pins 0000");
}

TEST(PluginLoader, MatchingHashLoads) {
  LoadOptions options = quiet();
  options.expectedSha256 = fileSha256(SQLITE_LEDGER_PLUGIN);
  std::string db = std::string(TEST_SCRATCH_DIR) + "/pinned.db";
  auto loaded = LoadedPlugin::load(SQLITE_LEDGER_PLUGIN, single("database", db), options);
  EXPECT_TRUE(std::holds_alternative<std::shared_ptr<LoadedPlugin>>(loaded));
}

TEST(PluginLoader, InitFailureCarriesThePluginsMessage) {
  expectError(loadError(fixture("fixture_init_fails")), LoadErrorCode::kInitFailed,
              "init failed: config key \"database\" is required");
  expectError(loadError(SQLITE_LEDGER_PLUGIN, single("database", "/nonexistent/dir/x.db")),
              LoadErrorCode::kInitFailed, "cannot open ledger database /nonexistent/dir/x.db");
}

// F20 of docs/reviews/2026-12-03-newcomer-issues-16-17.md: a typo inside [ledger.config]
// ("databse", "opening_balances[0].ammount") was ignored, the setting silently at its default.
TEST(PluginLoader, AnUnknownConfigKeyIsRefusedNamingIt) {
  std::string db = std::string(TEST_SCRATCH_DIR) + "/typo.db";
  Config typo({{"database", db}, {"synchronus", "normal"}});
  expectError(loadError(SQLITE_LEDGER_PLUGIN, typo), LoadErrorCode::kInitFailed,
              "unknown config key \"synchronus\" in [ledger.config] (this plugin reads: database, "
              "synchronous");
  Config nested({{"database", db},
                 {"opening_balances.0.account", "a"},
                 {"opening_balances.0.asset", "USD"},
                 {"opening_balances.0.ammount", "10"}});
  expectError(loadError(SQLITE_LEDGER_PLUGIN, nested), LoadErrorCode::kInitFailed,
              "unknown config key \"opening_balances.0.ammount\"");
  // The host's own entry (the TOML's directory) is not the plugin's to refuse.
  Config host({{"database", db}, {Config::kConfigDirKey, TEST_SCRATCH_DIR}});
  EXPECT_TRUE(std::holds_alternative<std::shared_ptr<LoadedPlugin>>(
      LoadedPlugin::load(SQLITE_LEDGER_PLUGIN, host, quiet())));
}

TEST(PluginLoader, EntryPointThatThrows) {
  expectError(loadError(fixture("fixture_entry_throws")), LoadErrorCode::kException,
              "entry point threw: boom in init");
}

TEST(PluginCalls, ExceptionsInHooksBecomeInternalErrors) {
  auto plugin = loadOk(fixture("fixture_throwing"));
  ASSERT_NE(plugin, nullptr);
  auto out = plugin->executeAndWait(transfer("p_1"));
  EXPECT_EQ(out.status, FINP2P_LEDGER_ERROR_INTERNAL);
  EXPECT_NE(out.message.find("plugin threw from execute: ledger connection lost"),
            std::string::npos)
      << out.message;
  EXPECT_EQ(plugin->lookupAndWait("k").status, FINP2P_LEDGER_ERROR_INTERNAL);
  auto verify = plugin->verifyAndWait({});
  EXPECT_NE(verify.message.find("non-standard exception"), std::string::npos) << verify.message;
  auto balance = plugin->balanceAndWait("a", "USD");
  EXPECT_EQ(balance.status, FINP2P_LEDGER_ERROR_INTERNAL);
  EXPECT_NE(balance.message.find("balance exploded"), std::string::npos);
}

TEST(PluginCalls, UnsupportedOperationIsRefused) {
  auto plugin = loadOk(fixture("fixture_echo_v1"));
  ASSERT_NE(plugin, nullptr);
  auto op = transfer("p_2");
  op.kind = FINP2P_LEDGER_OP_HOLD;
  auto out = plugin->executeAndWait(op);
  EXPECT_EQ(out.status, FINP2P_LEDGER_ERROR_UNSUPPORTED);
  EXPECT_NE(out.message.find("does not support hold"), std::string::npos);
}

class Misbehaving : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(Misbehaving, GarbageResultsAreRefusedByTheHost) {
  auto [mode, expected] = GetParam();
  auto plugin = loadOk(fixture("fixture_misbehaving"), single("mode", mode));
  ASSERT_NE(plugin, nullptr);
  auto out = plugin->executeAndWait(transfer("plan_7"));
  EXPECT_EQ(out.status, FINP2P_LEDGER_ERROR_INTERNAL) << mode;
  EXPECT_NE(out.message.find(expected), std::string::npos) << out.message;
}

INSTANTIATE_TEST_SUITE_P(
    Modes, Misbehaving,
    ::testing::Values(std::pair{"unknown_status", "unknown status 42"},
                      std::pair{"no_receipt", "success without a receipt"},
                      std::pair{"wrong_operation_id", "receipt operation_id \"someone-else_1\""},
                      std::pair{"receipt_without_size", "receipt with struct_size 0"},
                      std::pair{"small_receipt", "ABI 1.2 needs at least"},
                      std::pair{"wrong_operation_type",
                                "receipt operation_type \"issue\" differs from the operation's "
                                "\"transfer\""}),
    [](const auto& info) { return std::string(info.param.first); });

TEST(PluginCalls, SecondCompletionIsIgnoredAndReported) {
  std::vector<std::string> broken;
  LoadOptions options;
  options.onBrokenRule = [&](const std::string& why) { broken.push_back(why); };
  auto plugin = loadOk(fixture("fixture_misbehaving"), single("mode", "double_complete"), options);
  ASSERT_NE(plugin, nullptr);
  int calls = 0;
  plugin->execute(transfer("plan_8"), [&](Outcome o) {
    ++calls;
    EXPECT_TRUE(o.ok()) << o.message;
  });
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_NE(broken[0].find("completed execute of transfer plan_8 a second time"), std::string::npos)
      << broken[0];
}

TEST(PluginCalls, LookupReturningAnotherKeysReceiptIsRefused) {
  auto plugin = loadOk(fixture("fixture_misbehaving"), single("mode", "lookup_other_key"));
  ASSERT_NE(plugin, nullptr);
  auto out = plugin->lookupAndWait("plan_9");
  EXPECT_EQ(out.status, FINP2P_LEDGER_ERROR_INTERNAL);
  EXPECT_NE(out.message.find("for on_lookup of \"plan_9\", the receipt of operation "
                             "\"someone-else_1\""),
            std::string::npos)
      << out.message;
}

TEST(PluginCalls, BalanceThatIsNotADecimalIsRefused) {
  auto plugin = loadOk(fixture("fixture_misbehaving"), single("mode", "ok"));
  ASSERT_NE(plugin, nullptr);
  auto b = plugin->balanceAndWait("a", "USD");
  EXPECT_EQ(b.status, FINP2P_LEDGER_ERROR_INTERNAL);
  EXPECT_NE(b.message.find("not decimal amounts"), std::string::npos);
}

TEST(PluginCalls, HungOperationEndsAtItsDeadline) {
  auto plugin = loadOk(fixture("fixture_misbehaving"), single("mode", "hang"));
  ASSERT_NE(plugin, nullptr);
  auto op = transfer("plan_9");
  op.context.deadlineUnixMs = nowUnixMs() + 200;
  auto out = plugin->executeAndWait(op);
  EXPECT_EQ(out.status, FINP2P_LEDGER_ERROR_TIMEOUT);
  EXPECT_NE(out.message.find("before its deadline"), std::string::npos);
  EXPECT_GE(nowUnixMs(), op.context.deadlineUnixMs);
}

}  // namespace
}  // namespace finp2p::ledger
