#include "ledgers/ledger.hpp"

#include <atomic>

#include "common/clock.hpp"
#include "ledgers/child_process.hpp"
#include "ledgers/process_plugin.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <future>
#include <thread>

namespace finp2p::ledgers {
namespace {

using common::unixMillis;
int64_t nowMillis() {
  return unixMillis();
}
std::string seconds(int64_t millis) {
  return common::secondsText(millis);
}

// Completes a caller exactly once: with the plugin's outcome or with the ledger's timeout,
// whichever comes first.
template <typename T>
struct Once {
  std::mutex mutex;
  bool done = false;
  std::function<void(T)> callback;

  void complete(T value) {
    std::function<void(T)> f;
    {
      std::lock_guard lock(mutex);
      if (done) return;
      done = true;
      f = std::move(callback);
    }
    if (f) f(std::move(value));
  }
  bool isDone() {
    std::lock_guard lock(mutex);
    return done;
  }
};

ledger::Outcome outcomeFailure(ledger::Status status, const std::string& message) {
  return ledger::Outcome::failure(status, message);
}
ledger::Balance balanceFailure(ledger::Status status, const std::string& message) {
  return ledger::Balance{status, message, "", "", ""};
}

std::string operationWhat(const ledger::Operation& op) {
  return std::string(ledger::operationKindName(op.kind)) + " " + op.context.idempotencyKey;
}

template <typename T, typename Start>
T waitFor(Start&& start) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  start([promise](T value) { promise->set_value(std::move(value)); });
  return future.get();
}

}  // namespace

const char* ledgerStateName(LedgerState state) {
  switch (state) {
    case LedgerState::kServing:
      return "serving";
    case LedgerState::kDraining:
      return "draining";
    case LedgerState::kDown:
      return "down";
    case LedgerState::kCrashing:
      return "crashing";
  }
  return "unknown";
}

// Counts this ledger's live plugin instances; a reload creates the next one only at zero.
// It also counts the crashes of every instance, since it outlives them.
struct Ledger::Lifecycle {
  std::mutex mutex;
  std::condition_variable cv;
  int alive = 0;
  std::atomic<uint64_t> crashes{0};
  // The plugin's last answer said its ledger cannot be reached (FINP2P_LEDGER_ERROR_UNAVAILABLE:
  // an adapter or node down): why and since when; its next other answer clears it. A ledger
  // that is down shows as not up without waiting for a plan to fail on it (F21 of
  // docs/reviews/2026-12-03-newcomer-issues-16-17.md).
  std::mutex reachMutex;
  std::string unavailable;
  int64_t unavailableSinceMillis = 0;
};

Ledger::Ledger(config::LedgerConfig config, uint32_t generation)
    : name_(config.name),
      lifecycle_(std::make_shared<Lifecycle>()),
      config_(std::move(config)),
      generation_(generation),
      threads_(static_cast<std::size_t>(std::max(1, config_.threads)), config_.name) {}

Ledger::~Ledger() = default;

Result<std::shared_ptr<Ledger>> Ledger::open(const config::LedgerConfig& config,
                                             uint32_t generation) {
  std::shared_ptr<Ledger> ledger(new Ledger(config, generation));
  auto plugin = ledger->load(config);
  if (!plugin) return plugin.error();
  ledger->current_ = *plugin;
  spdlog::info("ledger {} loaded: {} {} from {} (sha256 {}, generation {}, {} threads)",
               config.name, (*plugin)->description().name, (*plugin)->description().version,
               config.pluginPath, (*plugin)->sha256(), generation, std::max(1, config.threads));
  return ledger;
}

Result<std::shared_ptr<PluginInstance>> Ledger::load(const config::LedgerConfig& cfg) {
  {
    // The invariant a reload exists to keep: one instance of a ledger at a time.
    std::lock_guard lock(lifecycle_->mutex);
    if (lifecycle_->alive != 0) {
      spdlog::critical("ledger {}: refusing to create a second plugin instance ({} alive)", name_,
                       lifecycle_->alive);
      return makeError(ErrorCode::kInternal, "ledger \"" + name_ +
                                                 "\": an instance is still alive; refusing to "
                                                 "create a second one");
    }
  }
  ledger::LoadOptions options;
  options.expectedSha256 = cfg.sha256;
  std::string name = cfg.name;
  options.log = [name](finp2p_ledger_log_level level, const std::string& message) {
    auto spdLevel = level >= FINP2P_LEDGER_LOG_ERROR  ? spdlog::level::err
                    : level == FINP2P_LEDGER_LOG_WARN ? spdlog::level::warn
                    : level == FINP2P_LEDGER_LOG_INFO ? spdlog::level::info
                                                      : spdlog::level::debug;
    spdlog::log(spdLevel, "ledger {}: {}", name, message);
  };
  options.onDestroyed = [lc = lifecycle_] {
    std::lock_guard lock(lc->mutex);
    --lc->alive;
    lc->cv.notify_all();
  };
  std::variant<std::shared_ptr<PluginInstance>, ledger::LoadError> loaded;
  if (cfg.isolation == config::Isolation::kProcess) {
    ProcessPluginOptions process;
    process.ledgerName = cfg.name;
    process.hostPath = ledgerHostPath();
    process.threads = static_cast<uint32_t>(std::max(1, cfg.threads));
    process.maxCrashesPerOperation = cfg.maxCrashesPerOperation;
    process.startTimeoutMillis = cfg.callTimeoutMillis;
    process.log = options.log;
    process.onDestroyed = options.onDestroyed;
    process.onCrash = [lc = lifecycle_] { ++lc->crashes; };
    auto started = ProcessPlugin::start(cfg.pluginPath, cfg.sha256,
                                        ledger::Config(cfg.pluginConfig), std::move(process));
    if (auto* e = std::get_if<ledger::LoadError>(&started)) {
      loaded = *e;
    } else {
      loaded = std::shared_ptr<PluginInstance>(std::get<0>(std::move(started)));
    }
  } else {
    auto in = ledger::LoadedPlugin::load(cfg.pluginPath, ledger::Config(cfg.pluginConfig),
                                         std::move(options));
    if (auto* e = std::get_if<ledger::LoadError>(&in)) {
      loaded = *e;
    } else {
      loaded = std::make_shared<InProcessPlugin>(std::get<0>(std::move(in)));
    }
  }
  if (auto* e = std::get_if<ledger::LoadError>(&loaded)) {
    auto code = e->code == ledger::LoadErrorCode::kMissingFile ? ErrorCode::kNotFound
                                                               : ErrorCode::kFailedPrecondition;
    return makeError(code, "ledger \"" + cfg.name + "\": " + e->message + " [" +
                               ledger::loadErrorCodeName(e->code) + "]");
  }
  std::lock_guard lock(lifecycle_->mutex);
  ++lifecycle_->alive;
  return std::get<std::shared_ptr<PluginInstance>>(loaded);
}

LedgerInfo Ledger::info() const {
  std::lock_guard lock(mutex_);
  LedgerInfo i;
  i.name = name_;
  i.pluginPath = config_.pluginPath;
  i.assets = config_.assets;
  i.generation = generation_;
  i.state = state_;
  i.lastDrainOperations = lastDrainOperations_;
  i.lastDrainMillis = lastDrainMillis_;
  i.isolation = config_.isolation;
  if (current_) {
    i.child = current_->isolation();
    if (i.child.crashing && state_ == LedgerState::kServing) i.state = LedgerState::kCrashing;
    // "crashing" lingers for a minute after a crash; the ledger takes calls once the child is back.
    i.up = state_ == LedgerState::kServing && (!i.child.isolated || i.child.childPid > 0);
    i.sha256 = current_->sha256();
    i.pluginName = current_->description().name;
    i.pluginVersion = current_->description().version;
    i.abiVersion = current_->abiVersion();
    i.operationsInFlight = current_->operationsInFlight() + dispatched_;
    uint32_t supported = current_->description().supportedOperations;
    for (auto kind : {FINP2P_LEDGER_OP_HOLD, FINP2P_LEDGER_OP_RELEASE, FINP2P_LEDGER_OP_REVERT_HOLD,
                      FINP2P_LEDGER_OP_TRANSFER, FINP2P_LEDGER_OP_ISSUE, FINP2P_LEDGER_OP_REDEEM,
                      FINP2P_LEDGER_OP_AWAIT}) {
      if (supported & FINP2P_LEDGER_SUPPORTS(kind))
        i.supportedOperations.push_back(ledger::operationKindName(kind));
    }
  }
  i.crashesSinceStart = lifecycle_->crashes.load();
  {
    std::lock_guard reach(lifecycle_->reachMutex);
    i.unavailable = lifecycle_->unavailable;
    i.unavailableSinceMillis = lifecycle_->unavailableSinceMillis;
    if (!i.unavailable.empty()) i.up = false;
  }
  i.operationsInFlight += static_cast<int>(waiting_.size());
  return i;
}

template <typename T, typename Fail>
Ledger::Call Ledger::makeCall(std::string what, int64_t deadlineMillis, std::function<void(T)> done,
                              Fail fail,
                              std::function<void(PluginInstance&, std::function<void(T)>)> start) {
  auto once = std::make_shared<Once<T>>();
  once->callback = std::move(done);
  Call c;
  c.what = what;
  c.deadlineMillis = deadlineMillis;
  c.start = [once, start = std::move(start), prefix = "ledger " + name_ + ": " + what + ": ",
             ours = "ledger " + name_ + ": ", life = lifecycle_,
             name = name_](PluginInstance& plugin) {
    start(plugin, [once, prefix, ours, life, name](T value) {
      {
        std::lock_guard lock(life->reachMutex);
        bool down = value.status == FINP2P_LEDGER_ERROR_UNAVAILABLE;
        if (down && life->unavailable.empty()) {
          life->unavailableSinceMillis = nowMillis();
          spdlog::warn("ledger {}: unavailable: {}", name, value.message.substr(0, 300));
        } else if (!down && !life->unavailable.empty()) {
          spdlog::info("ledger {}: available again", name);
        }
        life->unavailable = down ? value.message.substr(0, 300) : "";
        if (!down) life->unavailableSinceMillis = 0;
      }
      // The client's own deadline watchdog does not know which ledger it serves (a child's
      // supervisor does, and says so).
      if (value.status == FINP2P_LEDGER_ERROR_TIMEOUT && value.message.rfind(ours, 0) != 0) {
        value.message = prefix + value.message;
      }
      once->complete(std::move(value));
    });
  };
  c.done = [once] { return once->isDone(); };
  c.fail = [once, fail](ledger::Status status, const std::string& message) {
    once->complete(fail(status, message));
  };
  return c;
}

void Ledger::submit(Call call) {
  int64_t now = nowMillis();
  if (call.deadlineMillis > 0) {
    // A child process enforces the deadline itself (and kills a hung child): this is a backstop.
    int64_t backstop = config_.isolation == config::Isolation::kProcess ? 1000 : 0;
    std::string why = "ledger " + name_ + ": " + call.what + " did not complete within " +
                      seconds(std::max<int64_t>(0, call.deadlineMillis - now)) + " s";
    timer_.at(call.deadlineMillis + backstop,
              [fail = call.fail, why] { fail(FINP2P_LEDGER_ERROR_TIMEOUT, why); });
  }
  std::lock_guard lock(mutex_);
  switch (state_) {
    case LedgerState::kServing:
    case LedgerState::kCrashing:  // reported by info(), never stored: the child queues calls
      dispatch(std::move(call), current_);
      return;
    case LedgerState::kDraining:
      waiting_.push_back(std::move(call));
      return;
    case LedgerState::kDown: {
      std::string why = "ledger " + name_ + " has no plugin instance: " + downReason_;
      // Never completes inside the call: callers may hold a lock their callback takes.
      threads_.post([fail = call.fail, why] { fail(FINP2P_LEDGER_ERROR_UNAVAILABLE, why); });
      return;
    }
  }
}

// Called with mutex_ held.
void Ledger::dispatch(Call call, std::shared_ptr<PluginInstance> plugin) {
  ++dispatched_;
  threads_.post([this, call = std::move(call), plugin = std::move(plugin)] {
    {
      std::lock_guard lock(mutex_);
      --dispatched_;
    }
    if (call.done()) return;  // timed out while queued behind a slow call: never started
    call.start(*plugin);
  });
}

void Ledger::resumeWaiting() {
  std::deque<Call> calls;
  std::string why;
  {
    std::lock_guard lock(mutex_);
    if (state_ != LedgerState::kDown) {
      for (auto& c : waiting_) dispatch(std::move(c), current_);
      waiting_.clear();
      return;
    }
    calls.swap(waiting_);
    why = "ledger " + name_ + " has no plugin instance: " + downReason_;
  }
  for (auto& c : calls) c.fail(FINP2P_LEDGER_ERROR_UNAVAILABLE, why);
}

Result<LedgerInfo> Ledger::reload(const config::LedgerConfig& next) {
  std::lock_guard one(reloadMutex_);
  auto refuse = [&](ErrorCode code, const std::string& why) {
    spdlog::error("ledger {}: reload refused, the current plugin stays: {}", name_, why);
    return makeError(code, "ledger \"" + name_ + "\": reload refused: " + why);
  };
  // What can be checked without touching the running instance is checked first: the file, its
  // pin and its ABI (without running the plugin's init).
  auto file = ledger::LoadedPlugin::inspect(next.pluginPath, next.sha256);
  if (auto* e = std::get_if<ledger::LoadError>(&file)) {
    return refuse(e->code == ledger::LoadErrorCode::kMissingFile ? ErrorCode::kNotFound
                                                                 : ErrorCode::kFailedPrecondition,
                  e->message + " [" + ledger::loadErrorCodeName(e->code) + "]");
  }
  std::shared_ptr<PluginInstance> old;
  uint32_t generation = 0;
  int64_t drainTimeout = 0;
  {
    std::lock_guard lock(mutex_);
    if (next.assets != config_.assets) {
      return refuse(ErrorCode::kFailedPrecondition,
                    "its assets changed in the configuration; restart the router to apply that");
    }
    old = current_;
    generation = generation_;
    // The bound the operator just wrote in the [[ledger]] entry this reload re-read.
    drainTimeout = next.reloadDrainTimeoutMillis;
    if (state_ == LedgerState::kServing) state_ = LedgerState::kDraining;
  }

  int64_t started = nowMillis();
  auto inFlight = [&] {
    std::lock_guard lock(mutex_);
    return (old ? old->operationsInFlight() : 0) + dispatched_;
  };
  int drained = inFlight();
  spdlog::warn(
      "ledger {}: draining generation {} before the reload: {} operations in flight; new "
      "operations wait (at most {} s)",
      name_, generation, drained, seconds(drainTimeout));
  while (inFlight() > 0) {
    if (nowMillis() - started > drainTimeout) {
      int left = inFlight();
      {
        std::lock_guard lock(mutex_);
        if (state_ == LedgerState::kDraining) state_ = LedgerState::kServing;
      }
      resumeWaiting();
      return refuse(ErrorCode::kUnavailable,
                    std::to_string(left) + " operations still in flight on generation " +
                        std::to_string(generation) + " after " + seconds(drainTimeout) +
                        " s (reload_drain_timeout_secs). A plugin that never completes an "
                        "operation cannot be replaced in the router's process: restart the "
                        "router");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  // Destroy the old instance before creating the new one.
  std::weak_ptr<PluginInstance> weak = old;
  {
    std::lock_guard lock(mutex_);
    current_.reset();
  }
  old.reset();
  {
    std::unique_lock lock(lifecycle_->mutex);
    while (!lifecycle_->cv.wait_for(lock, std::chrono::seconds(10),
                                    [&] { return lifecycle_->alive == 0; })) {
      if (auto back = weak.lock()) {  // something still holds it: keep serving with it
        lock.unlock();
        {
          std::lock_guard l(mutex_);
          current_ = back;
          state_ = LedgerState::kServing;
        }
        resumeWaiting();
        return refuse(ErrorCode::kInternal,
                      "the old instance is still referenced after its "
                      "operations finished");
      }
    }
  }
  int64_t drainMillis = nowMillis() - started;

  auto loaded = load(next);
  if (!loaded) {
    spdlog::error("ledger {}: the new plugin failed to start ({}); loading {} again", name_,
                  loaded.error().message, config_.pluginPath);
    auto again = load(config_);
    {
      std::lock_guard lock(mutex_);
      if (again) {
        current_ = *again;
        state_ = LedgerState::kServing;
      } else {
        state_ = LedgerState::kDown;
        downReason_ = "reload failed (" + loaded.error().message + ") and the previous plugin " +
                      "failed to start again (" + again.error().message + ")";
        spdlog::critical("ledger {}: {}", name_, downReason_);
      }
    }
    resumeWaiting();
    return makeError(loaded.error().code,
                     loaded.error().message + (again ? "; the previous plugin was started again"
                                                     : "; the ledger is down"));
  }
  {
    std::lock_guard lock(mutex_);
    current_ = *loaded;
    config_ = next;
    ++generation_;
    state_ = LedgerState::kServing;
    lastDrainOperations_ = drained;
    lastDrainMillis_ = drainMillis;
  }
  resumeWaiting();
  auto i = info();
  spdlog::info(
      "ledger {} reloaded: generation {} is {} {} from {} (sha256 {}); drained {} operations in "
      "{} ms",
      name_, i.generation, i.pluginName, i.pluginVersion, i.pluginPath, i.sha256, drained,
      drainMillis);
  return i;
}

int64_t Ledger::callDeadline() const {
  std::lock_guard lock(mutex_);
  return nowMillis() + config_.callTimeoutMillis;
}

void Ledger::execute(const ledger::Operation& op, OutcomeCallback done) {
  submit(makeCall<ledger::Outcome>(
      operationWhat(op), op.context.deadlineUnixMs, std::move(done), outcomeFailure,
      [this, op](PluginInstance& p, OutcomeCallback cb) {
        const std::string key = op.context.idempotencyKey;
        {
          std::lock_guard lock(executingMutex_);
          ++executing_[key];
        }
        // Counted until the plugin itself answers (a child's crash answers for it), not until
        // the caller's deadline: after a timeout the operation may still be applied.
        p.execute(op, op.context.deadlineUnixMs, [this, key, cb](ledger::Outcome outcome) {
          {
            std::lock_guard lock(executingMutex_);
            if (--executing_[key] <= 0) executing_.erase(key);
          }
          cb(std::move(outcome));
        });
      }));
}

bool Ledger::executing(const std::string& idempotencyKey) const {
  std::lock_guard lock(executingMutex_);
  return executing_.count(idempotencyKey) != 0;
}

void Ledger::preflight(const ledger::Operation& op, OutcomeCallback done) {
  // An approval waits at most call_timeout_secs for the ledger, whatever the caller allows.
  int64_t deadline = callDeadline();
  if (op.context.deadlineUnixMs > 0) deadline = std::min(deadline, op.context.deadlineUnixMs);
  submit(makeCall<ledger::Outcome>("preflight of " + operationWhat(op), deadline, std::move(done),
                                   outcomeFailure,
                                   [op, deadline](PluginInstance& p, OutcomeCallback cb) {
                                     p.preflight(op, deadline, std::move(cb));
                                   }));
}

void Ledger::lookup(const std::string& key, OutcomeCallback done) {
  int64_t deadline = callDeadline();
  submit(makeCall<ledger::Outcome>("lookup of " + key, deadline, std::move(done), outcomeFailure,
                                   [key, deadline](PluginInstance& p, OutcomeCallback cb) {
                                     p.lookup(key, deadline, std::move(cb));
                                   }));
}

void Ledger::verify(const ledger::Receipt& receipt, OutcomeCallback done) {
  int64_t deadline = callDeadline();
  submit(makeCall<ledger::Outcome>("verify of receipt " + receipt.transactionId, deadline,
                                   std::move(done), outcomeFailure,
                                   [receipt, deadline](PluginInstance& p, OutcomeCallback cb) {
                                     p.verify(receipt, deadline, std::move(cb));
                                   }));
}

void Ledger::balance(const std::string& account, const std::string& asset, BalanceCallback done) {
  int64_t deadline = callDeadline();
  submit(makeCall<ledger::Balance>(
      "balance of " + account + " in " + asset, deadline, std::move(done), balanceFailure,
      [account, asset, deadline](PluginInstance& p, BalanceCallback cb) {
        p.balance(account, asset, deadline, std::move(cb));
      }));
}

ledger::Outcome Ledger::executeAndWait(const ledger::Operation& op) {
  return waitFor<ledger::Outcome>([&](auto cb) { execute(op, cb); });
}
ledger::Outcome Ledger::preflightAndWait(const ledger::Operation& op) {
  return waitFor<ledger::Outcome>([&](auto cb) { preflight(op, cb); });
}
ledger::Outcome Ledger::lookupAndWait(const std::string& key) {
  return waitFor<ledger::Outcome>([&](auto cb) { lookup(key, cb); });
}
ledger::Outcome Ledger::verifyAndWait(const ledger::Receipt& receipt) {
  return waitFor<ledger::Outcome>([&](auto cb) { verify(receipt, cb); });
}
ledger::Balance Ledger::balanceAndWait(const std::string& account, const std::string& asset) {
  return waitFor<ledger::Balance>([&](auto cb) { balance(account, asset, cb); });
}

}  // namespace finp2p::ledgers
