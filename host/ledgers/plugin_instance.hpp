#pragma once
// One live instance of a ledger's plugin, as the Ledger calls it: inside the router
// (InProcessPlugin, the loaded library itself) or in a child process (ProcessPlugin, behind
// finp2p-ledger-host). Both complete every call through its callback exactly once.

#include <cstdint>
#include <functional>
#include <string>

#include "finp2p/ledger/client.hpp"

namespace finp2p::ledgers {

// What the process isolation has seen; all zero for an in-process plugin.
struct IsolationInfo {
  bool isolated = false;
  int childPid = 0;       // 0: no child running (it is being restarted)
  int crashes = 0;        // child crashes, exits and hang kills so far
  std::string lastCrash;  // "killed by signal 11 (SIGSEGV) during transfer K"
  bool crashing = false;  // restarting, or crashed within the last minute
};

class PluginInstance {
 public:
  using OutcomeCallback = ledger::LoadedPlugin::OutcomeCallback;
  using BalanceCallback = ledger::LoadedPlugin::BalanceCallback;
  virtual ~PluginInstance() = default;

  virtual const ledger::Description& description() const = 0;
  virtual const std::string& sha256() const = 0;
  virtual uint32_t abiVersion() const = 0;
  // Started and not yet completed by the plugin (a reload drains them first).
  virtual int operationsInFlight() const = 0;
  virtual IsolationInfo isolation() const { return {}; }

  // `deadlineMillis` (Unix ms, 0: none) is when the Ledger gives up on the call; an isolated
  // plugin that has not answered by then is killed and restarted.
  virtual void execute(const ledger::Operation& op, int64_t deadlineMillis,
                       OutcomeCallback done) = 0;
  virtual void preflight(const ledger::Operation& op, int64_t deadlineMillis,
                         OutcomeCallback done) = 0;
  virtual void lookup(const std::string& key, int64_t deadlineMillis, OutcomeCallback done) = 0;
  virtual void verify(const ledger::Receipt& receipt, int64_t deadlineMillis,
                      OutcomeCallback done) = 0;
  virtual void balance(const std::string& account, const std::string& asset, int64_t deadlineMillis,
                       BalanceCallback done) = 0;
};

// The plugin library loaded into this process.
class InProcessPlugin final : public PluginInstance {
 public:
  explicit InProcessPlugin(std::shared_ptr<ledger::LoadedPlugin> plugin)
      : plugin_(std::move(plugin)) {}
  const ledger::Description& description() const override { return plugin_->description(); }
  const std::string& sha256() const override { return plugin_->sha256(); }
  uint32_t abiVersion() const override { return plugin_->abiVersion(); }
  int operationsInFlight() const override { return plugin_->operationsInFlight(); }
  // Deadlines are the Ledger's own timer's (a hung library cannot be stopped).
  void execute(const ledger::Operation& op, int64_t, OutcomeCallback done) override {
    plugin_->execute(op, std::move(done));
  }
  void preflight(const ledger::Operation& op, int64_t, OutcomeCallback done) override {
    plugin_->preflight(op, std::move(done));
  }
  void lookup(const std::string& key, int64_t, OutcomeCallback done) override {
    plugin_->lookup(key, std::move(done));
  }
  void verify(const ledger::Receipt& receipt, int64_t, OutcomeCallback done) override {
    plugin_->verify(receipt, std::move(done));
  }
  void balance(const std::string& account, const std::string& asset, int64_t,
               BalanceCallback done) override {
    plugin_->balance(account, asset, std::move(done));
  }

 private:
  std::shared_ptr<ledger::LoadedPlugin> plugin_;
};

}  // namespace finp2p::ledgers
