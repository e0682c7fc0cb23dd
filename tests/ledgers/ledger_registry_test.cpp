// The registry as the host uses it: routing by asset, reload without restart, refusals that
// leave the current plugin in service.

#include "ledgers/ledger_registry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

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

std::string scratchFile(const std::string& name) {
  auto path = std::filesystem::temp_directory_path() /
              ("ledger_registry_test_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove(path);
  return path.string();
}

// The router's TOML, as far as the registry reads it: its [[ledger]] entries.
struct RouterToml {
  std::string path = scratchFile("router.toml");
  config::LedgerConfig ledger;

  explicit RouterToml(config::LedgerConfig l) : ledger(std::move(l)) { write(); }
  void write() const {
    std::ofstream out(path, std::ios::trunc);
    out << "[[ledger]]\nname = \"" << ledger.name << "\"\nplugin = \"" << ledger.pluginPath
        << "\"\n";
    if (!ledger.sha256.empty()) out << "sha256 = \"" << ledger.sha256 << "\"\n";
    if (ledger.reloadDrainTimeoutMillis % 1000 == 0 &&  // TOML has whole seconds only
        ledger.reloadDrainTimeoutMillis != config::LedgerConfig{}.reloadDrainTimeoutMillis) {
      out << "reload_drain_timeout_secs = " << ledger.reloadDrainTimeoutMillis / 1000 << "\n";
    }
    out << "assets = [";
    for (size_t i = 0; i < ledger.assets.size(); ++i)
      out << (i ? ", " : "") << "\"" << ledger.assets[i] << "\"";
    out << "]\n[ledger.config]\n";
    for (const auto& [k, v] : ledger.pluginConfig) out << k << " = \"" << v << "\"\n";
  }
  // The operator's swap: edit the plugin line of the entry.
  void setPlugin(const std::string& fixtureName) {
    ledger.pluginPath = fixture(fixtureName);
    write();
  }
};

std::string readAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
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

TEST(LedgerRegistry, ReloadLetsOperationsInFlightFinishOnTheOldPlugin) {
  RouterToml toml(echo("1", "300"));
  LedgerRegistry registry(toml.path);
  ASSERT_TRUE(registry.add(toml.ledger).ok());

  // An operation in flight on version 1 (it completes 300 ms later).
  std::promise<ledger::Outcome> inFlight;
  registry.forAsset("USD")->execute(transfer("plan_1"),
                                    [&](ledger::Outcome o) { inFlight.set_value(o); });

  toml.setPlugin("fixture_echo_v2");
  auto info = registry.reload("cash");
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
  auto instances = scratchFile("failed");
  auto v1 = echo("1");
  v1.pluginConfig.push_back({"instances_file", instances});
  RouterToml toml(v1);
  LedgerRegistry registry(toml.path);
  ASSERT_TRUE(registry.add(toml.ledger).ok());
  toml.setPlugin("fixture_abi_major");
  auto bad = registry.reload("cash");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("ABI mismatch"), std::string::npos) << bad.error().message;
  auto out = registry.forAsset("USD")->executeAndWait(transfer("plan_3"));
  EXPECT_EQ(out.receipt->transactionId, "v1:plan_3");
  EXPECT_EQ(registry.list().at(0).generation, 1u);
  // The wrong ABI is found before the drain: the running instance was never stopped.
  EXPECT_EQ(readAll(instances), "open 1\n");
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

// Whether two instances were ever alive at once, from the fixture's "open N"/"close N" lines.
bool instancesOverlapped(const std::string& lines) {
  std::istringstream in(lines);
  std::string what, version;
  int alive = 0;
  while (in >> what >> version) {
    alive += what == "open" ? 1 : -1;
    if (alive > 1) return true;
  }
  return false;
}

// Defect 1 of issue 14: a reload while operations run must not let the new instance open the
// ledger beside the old one. The old instance finishes what it started and is destroyed first;
// operations that arrive meanwhile wait and then run on the new instance.
TEST(LedgerRegistry, ReloadDrainsAndDestroysTheOldInstanceBeforeTheNewOneStarts) {
  auto instances = scratchFile("instances");
  auto v1 = echo("1", "300");
  v1.pluginConfig.push_back({"instances_file", instances});
  RouterToml toml(v1);
  LedgerRegistry registry(toml.path);
  ASSERT_TRUE(registry.add(v1).ok());

  std::vector<std::future<ledger::Outcome>> before;
  for (int i = 0; i < 6; ++i) {
    auto p = std::make_shared<std::promise<ledger::Outcome>>();
    before.push_back(p->get_future());
    registry.forAsset("USD")->execute(transfer("before_" + std::to_string(i)),
                                      [p](ledger::Outcome o) { p->set_value(o); });
  }
  toml.setPlugin("fixture_echo_v2");
  auto reloaded = std::async(std::launch::async, [&] { return registry.reload("cash"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the drain has begun
  auto during = std::async(std::launch::async, [&] {
    return registry.forAsset("USD")->executeAndWait(transfer("during"));
  });

  auto info = reloaded.get();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->generation, 2u);
  for (auto& f : before) {
    auto o = f.get();
    ASSERT_TRUE(o.ok()) << o.message;
    EXPECT_EQ(o.receipt->transactionId.substr(0, 3), "v1:");
  }
  auto d = during.get();
  ASSERT_TRUE(d.ok()) << d.message;
  EXPECT_EQ(d.receipt->transactionId, "v2:during");
  EXPECT_EQ(readAll(instances), "open 1\nclose 1\nopen 2\n");
}

// The same under load: four callers keep slow operations running while the ledger is reloaded
// three times. Every operation completes with a receipt and no two instances ever overlap.
TEST(LedgerRegistry, ReloadUnderLoadNeverRunsTwoInstances) {
  auto instances = scratchFile("load");
  auto v1 = echo("1", "40");
  v1.pluginConfig.push_back({"instances_file", instances});
  RouterToml toml(v1);
  LedgerRegistry registry(toml.path);
  ASSERT_TRUE(registry.add(v1).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      for (int i = 0; !stop; ++i) {
        auto o = registry.forAsset("EUR")->executeAndWait(
            transfer("c" + std::to_string(c) + "_" + std::to_string(i)));
        (o.ok() && o.receipt ? ok : failed)++;
      }
    });
  }
  for (const char* v : {"2", "1", "2"}) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    toml.setPlugin(std::string("fixture_echo_v") + v);
    auto r = registry.reload("cash");
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  stop = true;
  for (auto& t : callers) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(ok.load(), 20);
  auto lines = readAll(instances);
  EXPECT_FALSE(instancesOverlapped(lines)) << lines;
  EXPECT_EQ(registry.list().at(0).generation, 4u);
}

// The drain is bounded: an operation that outlives reload_drain_timeout_secs makes the reload
// fail, naming what is in flight, and the old instance keeps serving (it is never doubled).
TEST(LedgerRegistry, ReloadThatCannotDrainInTimeKeepsTheOldInstance) {
  auto instances = scratchFile("bounded");
  auto v1 = echo("1", "3000");
  v1.pluginConfig.push_back({"instances_file", instances});
  v1.reloadDrainTimeoutMillis = 1000;  // in the TOML too: the reload drains with what it reads
  RouterToml toml(v1);
  LedgerRegistry registry(toml.path);
  ASSERT_TRUE(registry.add(v1).ok());
  std::promise<ledger::Outcome> slow;
  registry.forAsset("USD")->execute(transfer("slow"),
                                    [&](ledger::Outcome o) { slow.set_value(o); });
  toml.setPlugin("fixture_echo_v2");
  auto started = std::chrono::steady_clock::now();
  auto r = registry.reload("cash");
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("1 operations still in flight"), std::string::npos)
      << r.error().message;
  EXPECT_LT(took, std::chrono::milliseconds(2500));
  auto info = registry.list().at(0);
  EXPECT_EQ(info.generation, 1u);
  EXPECT_EQ(ledgers::ledgerStateName(info.state), std::string("serving"));
  auto o = slow.get_future().get();
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(o.receipt->transactionId, "v1:slow");
  EXPECT_EQ(registry.forAsset("USD")->executeAndWait(transfer("next")).receipt->transactionId,
            "v1:next");
  EXPECT_EQ(readAll(instances), "open 1\n");
}

// The drain of a reload is bounded by the reload_drain_timeout_secs of the entry it re-reads,
// not by the value loaded at start: an operator who shortens it in the TOML before a reload gets
// the shorter bound (F9; before the fix this reload waited out the 3 s operation and succeeded).
TEST(LedgerRegistry, ReloadDrainsForTheTimeoutItReReads) {
  RouterToml toml(echo("1", "3000"));  // started with the default bound, 60 s
  LedgerRegistry registry(toml.path);
  ASSERT_TRUE(registry.add(toml.ledger).ok());
  std::promise<ledger::Outcome> slow;
  registry.forAsset("USD")->execute(transfer("slow"),
                                    [&](ledger::Outcome o) { slow.set_value(o); });
  toml.ledger.reloadDrainTimeoutMillis = 1000;
  toml.setPlugin("fixture_echo_v2");
  auto started = std::chrono::steady_clock::now();
  auto r = registry.reload("cash");
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok()) << "the reload waited for the 3 s operation";
  EXPECT_NE(r.error().message.find("after 1.0 s (reload_drain_timeout_secs)"), std::string::npos)
      << r.error().message;
  EXPECT_LT(took, std::chrono::milliseconds(2500));
  EXPECT_TRUE(slow.get_future().get().ok());
  // With nothing in flight any more, the same reload goes through.
  ASSERT_TRUE(registry.reload("cash").ok());
}

// Defect 2 of issue 14: what runs is what the router's TOML says. A reload re-reads the
// ledger's [[ledger]] entry, so a swap is in the file and survives a restart.
TEST(LedgerRegistry, ReloadRereadsTheLedgerEntryOfTheRouterToml) {
  RouterToml toml(echo("1"));
  LedgerRegistry registry(toml.path);
  ASSERT_TRUE(registry.add(toml.ledger).ok());
  toml.setPlugin("fixture_echo_v2");
  auto r = registry.reload("cash");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->pluginVersion, "2");
  EXPECT_EQ(r->pluginPath, fixture("fixture_echo_v2"));
  EXPECT_EQ(r->sha256, ledger::fileSha256(fixture("fixture_echo_v2")));
  // Reloading again loads what the file says, not what the last reload used.
  toml.setPlugin("fixture_echo_v1");
  r = registry.reload("cash");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->pluginVersion, "1");
  // A ledger the file no longer has is not reloaded.
  toml.ledger.name = "renamed";
  toml.write();
  auto gone = registry.reload("cash");
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.error().message.find("no [[ledger]] named \"cash\""), std::string::npos)
      << gone.error().message;
}

// Every load honours the sha256 pin, a reload too: a file that does not match is refused
// before the running instance is touched.
TEST(LedgerRegistry, ReloadHonoursTheSha256Pin) {
  auto v1 = echo("1");
  v1.sha256 = ledger::fileSha256(v1.pluginPath);
  RouterToml toml(v1);
  LedgerRegistry registry(toml.path);
  ASSERT_TRUE(registry.add(toml.ledger).ok());
  toml.setPlugin("fixture_echo_v2");  // the pin still names v1's hash
  auto r = registry.reload("cash");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("hash mismatch"), std::string::npos) << r.error().message;
  auto info = registry.list().at(0);
  EXPECT_EQ(info.pluginVersion, "1");
  EXPECT_EQ(info.generation, 1u);
  toml.ledger.sha256 = ledger::fileSha256(fixture("fixture_echo_v2"));
  toml.write();
  r = registry.reload("cash");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->pluginVersion, "2");
}

// The generation is kept across restarts in the state file: the same file keeps its generation,
// a file swapped while the router was stopped is the next one.
TEST(LedgerRegistry, GenerationSurvivesARestart) {
  auto state = scratchFile("state");
  RouterToml toml(echo("1"));
  {
    LedgerRegistry registry(toml.path, state);
    ASSERT_TRUE(registry.add(toml.ledger).ok());
    toml.setPlugin("fixture_echo_v2");
    ASSERT_TRUE(registry.reload("cash").ok());
    EXPECT_EQ(registry.list().at(0).generation, 2u);
  }
  {
    LedgerRegistry restarted(toml.path, state);
    ASSERT_TRUE(restarted.add(toml.ledger).ok());
    EXPECT_EQ(restarted.list().at(0).generation, 2u);
  }
  toml.setPlugin("fixture_echo_v1");
  LedgerRegistry swapped(toml.path, state);
  ASSERT_TRUE(swapped.add(toml.ledger).ok());
  EXPECT_EQ(swapped.list().at(0).generation, 3u);
}

}  // namespace
}  // namespace finp2p::ledgers
