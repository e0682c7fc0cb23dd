#pragma once
// One configured ledger ([[ledger]] in the router's TOML): its plugin instance, the threads its
// plugin is called on, and its lifecycle. Every call the router makes goes through here.
//
// Calls run on this ledger's own threads ([[ledger]] `threads`, default 4) and complete through
// their callback exactly once, never inside the call itself: with the plugin's outcome, or with
// TIMEOUT naming the ledger and the operation ("ledger cash: preflight of hold K did not
// complete within 30.0 s") when the plugin did not complete by the call's deadline (execute:
// the operation's own; preflight, lookup, verify, balance: at most `call_timeout_secs`, default
// 30). A hung plugin holds only its own ledger's threads; a call queued behind it that passes
// its deadline before it started is never started. With isolation = "process" the plugin runs
// in a child process (process_plugin.hpp) that enforces the same deadlines by killing the child;
// the ledger's own timer then fires a second later, as a backstop.
//
// Reload never lets two instances of one ledger run: the ledger drains (new calls wait, the
// ones in flight finish on the old instance), the old instance is destroyed, then the new one
// is created and the waiting calls go to it. A drain that takes longer than
// `reload_drain_timeout_secs` is abandoned: the old instance keeps serving and the reload fails
// naming what is still in flight.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.hpp"
#include "config/router_config.hpp"
#include "finp2p/ledger/client.hpp"
#include "finp2p/ledger/timer.hpp"
#include "ledgers/ledger_threads.hpp"
#include "ledgers/plugin_instance.hpp"

namespace finp2p::ledgers {

enum class LedgerState {
  kServing,
  kDraining,  // a reload waits for the old instance's operations; new calls wait
  kDown,      // a reload destroyed the old instance and could load neither file
  kCrashing,  // isolation = "process": the child is restarting or crashed in the last minute
};
const char* ledgerStateName(LedgerState state);

struct LedgerInfo {
  std::string name;
  std::string pluginPath;
  std::string sha256;  // of the file that was loaded
  std::string pluginName;
  std::string pluginVersion;
  uint32_t abiVersion = 0;
  std::vector<std::string> assets;
  uint32_t generation = 0;  // 1 at first load, +1 per reload that loaded a different file
  LedgerState state = LedgerState::kServing;
  bool up = false;  // takes calls now (finp2p_ledger_up): serving, and an isolated child running
  int operationsInFlight = 0;
  // The last reload's drain: operations it waited for and how long.
  int lastDrainOperations = 0;
  int64_t lastDrainMillis = 0;
  config::Isolation isolation = config::Isolation::kInProcess;
  IsolationInfo child;  // process isolation: the child, its crashes (this instance's)
  // Process isolation: crashes of every instance of this ledger since the router started (the
  // child's own count starts again with each reload). For finp2p_ledger_plugin_crashes_total.
  uint64_t crashesSinceStart = 0;
  std::vector<std::string> supportedOperations;  // the plugin's: "hold", "release", ...
  // The plugin's last answer was FINP2P_LEDGER_ERROR_UNAVAILABLE (its ledger, adapter or node
  // cannot be reached): its message, and since when; `up` is false meanwhile.
  std::string unavailable;
  int64_t unavailableSinceMillis = 0;
};

class Ledger {
 public:
  using OutcomeCallback = ledger::LoadedPlugin::OutcomeCallback;
  using BalanceCallback = ledger::LoadedPlugin::BalanceCallback;

  // Loads the configured plugin file as generation `generation`.
  static Result<std::shared_ptr<Ledger>> open(const config::LedgerConfig& config,
                                              uint32_t generation = 1);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  const std::string& name() const { return name_; }
  LedgerInfo info() const;

  // Drains, destroys the current instance, then loads `next` (the same ledger's entry, re-read).
  // The generation increases when the file's hash changed. On failure the ledger keeps (or, if
  // the new file cannot be initialised, loads again) its previous file.
  Result<LedgerInfo> reload(const config::LedgerConfig& next);

  void execute(const ledger::Operation& op, OutcomeCallback done);
  // A plugin is still running an execute of this idempotency key (started, not yet answered by
  // the plugin itself, whatever the caller was told at its deadline): a lookup that finds
  // nothing does not yet mean the operation will not happen.
  bool executing(const std::string& idempotencyKey) const;
  void preflight(const ledger::Operation& op, OutcomeCallback done);
  void lookup(const std::string& idempotencyKey, OutcomeCallback done);
  void verify(const ledger::Receipt& receipt, OutcomeCallback done);
  void balance(const std::string& account, const std::string& asset, BalanceCallback done);

  // Blocking forms, for tools, the admin service and tests.
  ledger::Outcome executeAndWait(const ledger::Operation& op);
  ledger::Outcome preflightAndWait(const ledger::Operation& op);
  ledger::Outcome lookupAndWait(const std::string& idempotencyKey);
  ledger::Outcome verifyAndWait(const ledger::Receipt& receipt);
  ledger::Balance balanceAndWait(const std::string& account, const std::string& asset);

 private:
  struct Lifecycle;
  struct Call {
    std::string what;  // "hold plan_1_2", for logs and timeouts
    int64_t deadlineMillis = 0;
    std::function<void(PluginInstance&)> start;  // calls the plugin
    std::function<bool()> done;                  // completed already (timed out)
    std::function<void(ledger::Status, const std::string&)> fail;
  };

  Ledger(config::LedgerConfig config, uint32_t generation);
  Result<std::shared_ptr<PluginInstance>> load(const config::LedgerConfig& config);
  void submit(Call call);
  void dispatch(Call call, std::shared_ptr<PluginInstance> plugin);
  void resumeWaiting();
  int64_t callDeadline() const;
  template <typename T, typename Fail>
  Call makeCall(std::string what, int64_t deadlineMillis, std::function<void(T)> done, Fail fail,
                std::function<void(PluginInstance&, std::function<void(T)>)> start);

  const std::string name_;
  const std::shared_ptr<Lifecycle> lifecycle_;
  std::mutex reloadMutex_;  // one reload at a time

  mutable std::mutex mutex_;
  mutable std::mutex executingMutex_;
  std::map<std::string, int> executing_;  // idempotency key -> executes the plugin is running
  config::LedgerConfig config_;
  std::shared_ptr<PluginInstance> current_;
  uint32_t generation_;
  LedgerState state_ = LedgerState::kServing;
  std::string downReason_;
  std::deque<Call> waiting_;  // calls that arrived while draining
  int dispatched_ = 0;        // posted to the threads, plugin not yet called
  int lastDrainOperations_ = 0;
  int64_t lastDrainMillis_ = 0;

  LedgerThreads threads_;
  ledger::TimerThread timer_;  // call deadlines; destroyed first
};

}  // namespace finp2p::ledgers
