#pragma once
// A ledger's plugin in a child process (isolation = "process"): finp2p-ledger-host loads the
// library with the same loader (pin, ABI version) and the router speaks to it over a
// socketpair (ledgerhost/wire.hpp). What the router gains is that the plugin's faults stay in
// the child:
//  - The child crashes or exits: it is started again, after 100 ms, doubling per crash in a
//    row (without an answer in between) up to 1 s. Calls that were inside it are counted against
//    their operation (the idempotency key). An execute is answered UNAVAILABLE (the node retries it
//    after lookup); preflight, lookup, verify and balance are sent again to the new child. An
//    operation that was inside the child for `max_crashes_per_operation` crashes fails with
//    INTERNAL naming the plugin and how its process ended (the signal), so the plan takes its
//    onFailure path.
//  - The child sends a malformed frame: it is killed (SIGKILL) and that is a crash like the above
//    (counted in the child's crashes, the ledger's crashing state and the metrics, and against
//    every call inside it), its reason "killed (SIGKILL) by the router: it sent a malformed
//    frame".
//  - A call passes its deadline inside the child: the child is killed (SIGKILL) and started
//    again; the call ends with TIMEOUT saying so, and counts against its operation. The others
//    that were inside are sent again (or answered UNAVAILABLE, for execute), not counted.
// Calls that arrive while the child is being restarted wait for it (within their deadline).

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>

#include "ledgerhost/wire.hpp"
#include "ledgers/plugin_instance.hpp"

namespace finp2p::ledgers {

struct ProcessPluginOptions {
  std::string ledgerName;  // the [[ledger]] name, for messages and the child's command line
  std::string hostPath;    // finp2p-ledger-host
  uint32_t threads = 4;    // the child's plugin-call threads
  int maxCrashesPerOperation = 3;
  int64_t startTimeoutMillis = 30'000;  // for the child to load and initialise the plugin
  int64_t firstRestartDelayMillis = 100;
  int64_t maxRestartDelayMillis = 1'000;
  ledger::LogSink log;                // the plugin's log lines and the supervisor's own
  std::function<void()> onDestroyed;  // once the child has ended (its plugin destroyed)
  // Each crash, exit, hang kill or failed restart of the child, as it is counted (under the
  // plugin's lock: must be quick). Outlives this instance's reloads, unlike its own count.
  std::function<void()> onCrash;
};

class ProcessPlugin final : public PluginInstance {
 public:
  static std::variant<std::shared_ptr<ProcessPlugin>, ledger::LoadError> start(
      const std::string& pluginPath, const std::string& expectedSha256,
      const ledger::Config& config, ProcessPluginOptions options);
  // Closes the child's socket: it lets the plugin's operations finish, destroys it, exits.
  ~ProcessPlugin() override;
  ProcessPlugin(const ProcessPlugin&) = delete;
  ProcessPlugin& operator=(const ProcessPlugin&) = delete;

  const ledger::Description& description() const override { return description_; }
  const std::string& sha256() const override { return sha256_; }
  uint32_t abiVersion() const override { return abiVersion_; }
  int operationsInFlight() const override;
  IsolationInfo isolation() const override;

  void execute(const ledger::Operation& op, int64_t deadlineMillis, OutcomeCallback done) override;
  void preflight(const ledger::Operation& op, int64_t deadlineMillis,
                 OutcomeCallback done) override;
  void lookup(const std::string& key, int64_t deadlineMillis, OutcomeCallback done) override;
  void verify(const ledger::Receipt& receipt, int64_t deadlineMillis,
              OutcomeCallback done) override;
  void balance(const std::string& account, const std::string& asset, int64_t deadlineMillis,
               BalanceCallback done) override;

 private:
  struct Child;
  struct Pending;
  struct Completion;
  ProcessPlugin(std::string pluginPath, ledger::Config config, ProcessPluginOptions options);

  std::variant<std::shared_ptr<Child>, ledger::LoadError> launch(const std::string& sha256);
  void call(Pending pending, uint64_t id);
  uint64_t nextId();
  void read(std::shared_ptr<Child> child, ledgerhost::FrameReader frames);
  void childEnded(const std::shared_ptr<Child>& child, int waitStatus);
  void supervise();
  void log(finp2p_ledger_log_level level, const std::string& message) const;
  std::string failurePrefix(const Pending& p) const;

  const std::string pluginPath_;
  const ledger::Config config_;
  const ProcessPluginOptions options_;
  std::string sha256_;
  uint32_t abiVersion_ = 0;
  ledger::Description description_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;         // wakes the supervisor
  std::condition_variable readersCv_;  // a reader thread ended
  std::shared_ptr<Child> child_;       // null while restarting
  std::map<uint64_t, Pending> pending_;
  std::map<std::string, int> crashes_;  // per operation key, while it keeps failing
  uint64_t lastId_ = 0;
  uint64_t lastChild_ = 0;
  int readers_ = 0;
  int consecutiveCrashes_ = 0;
  int totalCrashes_ = 0;
  int64_t restartAtMillis_ = 0;
  int64_t supervisorWakeMillis_ = 0;  // when the sleeping supervisor wakes; 0: it is awake
  int64_t lastCrashAtMillis_ = 0;
  std::string lastCrash_;
  bool stopping_ = false;
  std::thread supervisor_;
};

}  // namespace finp2p::ledgers
