#include "ledgers/process_plugin.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <vector>

#include "common/clock.hpp"
#include "ledgerhost/wire.hpp"
#include "ledgers/child_process.hpp"

namespace finp2p::ledgers {

using ledgerhost::CallKind;
using ledgerhost::CallRequest;
using ledgerhost::CallResult;

namespace {

using common::unixMillis;
int64_t nowMillis() {
  return unixMillis();
}
std::string seconds(int64_t millis) {
  return common::secondsText(millis);
}

// Counts kept for operations that never came back (their plan ended elsewhere) are dropped
// beyond this many, oldest key first: a bound, not a policy.
constexpr std::size_t kMaxCountedOperations = 10'000;
// `ledger list` shows a ledger as crashing this long after its child's last crash.
constexpr int64_t kCrashingMillis = 60'000;

// "was killed by signal 11 (SIGSEGV)", "exited with status 3": how a process ended, as a verb.
std::string ended(const std::string& how) {
  return how.rfind("killed", 0) == 0 ? "was " + how : how;
}

}  // namespace

// One started finp2p-ledger-host.
struct ProcessPlugin::Child {
  uint64_t number = 0;
  pid_t pid = -1;
  int64_t startedAtMillis = 0;
  std::mutex writeMutex;
  int fd = -1;  // closed by its reader once the child has ended
  // Set when the router killed it: why. A kill for a hung call blames only that call; a kill
  // for a malformed frame (malformedFrame) is a crash of the child, as a segfault is.
  std::string killedFor;
  bool malformedFrame = false;

  bool send(const std::string& frame) {
    std::lock_guard lock(writeMutex);
    return fd >= 0 && ledgerhost::writeAll(fd, frame);
  }
};

struct ProcessPlugin::Pending {
  CallKind kind = CallKind::kExecute;
  std::string key;   // which operation a crash is counted against
  std::string what;  // "transfer K", "lookup of K"
  std::string frame;
  int64_t startedMillis = 0;
  int64_t deadlineMillis = 0;
  uint64_t sentTo = 0;  // the Child it is inside; 0: waits for the next one
  OutcomeCallback outcome;
  BalanceCallback balance;
};

// A call's end, run after mutex_ is released (callbacks may call back into the ledger).
struct ProcessPlugin::Completion {
  Pending pending;
  ledger::Status status;
  std::string message;
  void run() {
    if (pending.outcome) pending.outcome(ledger::Outcome::failure(status, message));
    if (pending.balance) pending.balance(ledger::Balance{status, message, "", "", ""});
  }
};

ProcessPlugin::ProcessPlugin(std::string pluginPath, ledger::Config config,
                             ProcessPluginOptions options)
    : pluginPath_(std::move(pluginPath)),
      config_(std::move(config)),
      options_(std::move(options)) {}

std::variant<std::shared_ptr<ProcessPlugin>, ledger::LoadError> ProcessPlugin::start(
    const std::string& pluginPath, const std::string& expectedSha256, const ledger::Config& config,
    ProcessPluginOptions options) {
  std::shared_ptr<ProcessPlugin> p(new ProcessPlugin(pluginPath, config, std::move(options)));
  auto child = p->launch(expectedSha256);
  if (auto* e = std::get_if<ledger::LoadError>(&child)) return *e;
  p->supervisor_ = std::thread([raw = p.get()] { raw->supervise(); });
  return p;
}

ProcessPlugin::~ProcessPlugin() {
  std::shared_ptr<Child> child;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    child = child_;
    // The Ledger drains before it destroys an instance; what is left here (the router is
    // stopping) is dropped, as the in-process threads drop their queue.
    pending_.clear();
  }
  cv_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
  if (child) {
    std::lock_guard lock(child->writeMutex);
    if (child->fd >= 0) ::shutdown(child->fd, SHUT_WR);  // the child's EOF: finish and exit
  }
  std::unique_lock lock(mutex_);
  // The child drains for at most 2 s and destroys the plugin; then its reader sees the EOF.
  if (!readersCv_.wait_for(lock, std::chrono::seconds(5), [&] { return readers_ == 0; })) {
    if (child) ::kill(child->pid, SIGKILL);
    readersCv_.wait(lock, [&] { return readers_ == 0; });
  }
  lock.unlock();
  if (options_.onDestroyed) options_.onDestroyed();
}

void ProcessPlugin::log(finp2p_ledger_log_level level, const std::string& message) const {
  if (options_.log) options_.log(level, message);
}

std::variant<std::shared_ptr<ProcessPlugin::Child>, ledger::LoadError> ProcessPlugin::launch(
    const std::string& sha256) {
  auto fail = [&](ledger::LoadErrorCode code, const std::string& why) {
    return ledger::LoadError{code,
                             "ledger plugin " + pluginPath_ + " (isolation = \"process\"): " + why};
  };
  auto spawned = spawnLedgerHost(options_.hostPath, options_.ledgerName);
  if (!spawned) {
    return fail(spawned.error().code == ErrorCode::kNotFound ? ledger::LoadErrorCode::kMissingFile
                                                             : ledger::LoadErrorCode::kInitFailed,
                spawned.error().message);
  }
  // What the plugin (or the host process) prints: lines in the router's log, under the ledger's
  // name (the log sink's prefix), never raw bytes in the router's own stderr.
  auto logSink = options_.log;
  logChildOutput(spawned->outFd, [logSink](const std::string& line) {
    if (logSink) logSink(FINP2P_LEDGER_LOG_INFO, "plugin stdout: " + line);
  });
  logChildOutput(spawned->errFd, [logSink](const std::string& line) {
    if (logSink) logSink(FINP2P_LEDGER_LOG_WARN, "plugin stderr: " + line);
  });
  auto child = std::make_shared<Child>();
  child->pid = spawned->pid;
  child->fd = spawned->fd;
  child->startedAtMillis = nowMillis();
  auto abandon = [&](ledger::LoadErrorCode code, const std::string& why) {
    ::kill(child->pid, SIGKILL);
    int status = reapChild(child->pid, std::chrono::milliseconds(1000));
    ::close(child->fd);
    return fail(code, why + " (its process " + describeExit(status) + ")");
  };

  ledgerhost::InitRequest init{pluginPath_, sha256, config_.entries(), options_.threads};
  if (!child->send(ledgerhost::encode(init))) {
    return abandon(ledger::LoadErrorCode::kInitFailed, "finp2p-ledger-host did not take Init");
  }
  // Read the InitResult here, before the child's reader thread exists.
  ledgerhost::FrameReader frames;
  int64_t deadline = nowMillis() + options_.startTimeoutMillis;
  char buf[65536];
  for (;;) {
    auto payload = frames.next();
    if (!payload) return abandon(ledger::LoadErrorCode::kInitFailed, payload.error().message);
    if (*payload) {
      auto message = ledgerhost::decode(**payload);
      if (!message) return abandon(ledger::LoadErrorCode::kInitFailed, message.error().message);
      if (auto* line = std::get_if<ledgerhost::LogLine>(&*message)) {
        log(static_cast<finp2p_ledger_log_level>(line->level), line->message);
        continue;
      }
      auto* result = std::get_if<ledgerhost::InitResult>(&*message);
      if (!result) return abandon(ledger::LoadErrorCode::kInitFailed, "answered Init with a call");
      if (!result->ok) {
        // The loader's own refusal (pin, ABI, init), as in-process.
        int status = reapChild(child->pid, std::chrono::milliseconds(1000));
        ::close(child->fd);
        (void)status;
        return ledger::LoadError{static_cast<ledger::LoadErrorCode>(result->loadErrorCode),
                                 result->message};
      }
      sha256_ = result->sha256;
      abiVersion_ = result->abiVersion;
      description_ = result->description;
      break;
    }
    int64_t left = deadline - nowMillis();
    if (left <= 0) {
      return abandon(ledger::LoadErrorCode::kInitFailed,
                     "the plugin did not finish its init within " +
                         seconds(options_.startTimeoutMillis) + " s");
    }
    pollfd pfd{child->fd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, 1000))) <= 0) continue;
    ssize_t n = ::read(child->fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int status = reapChild(child->pid, std::chrono::milliseconds(1000));
      ::close(child->fd);
      return fail(ledger::LoadErrorCode::kInitFailed,
                  "its process " + describeExit(status) + " while starting the plugin");
    }
    frames.append(buf, static_cast<std::size_t>(n));
  }
  {
    std::lock_guard lock(mutex_);
    child->number = ++lastChild_;
    ++readers_;
    // Before its reader runs: a child that ends at once must be seen as the current one.
    if (!stopping_) child_ = child;
  }
  // Frames already read past the InitResult (log lines) go to the reader with the rest.
  std::thread([this, child, f = std::move(frames)]() mutable {
    read(child, std::move(f));
  }).detach();
  log(FINP2P_LEDGER_LOG_INFO, "plugin " + description_.name + " runs in finp2p-ledger-host pid " +
                                  std::to_string(child->pid));
  return child;
}

void ProcessPlugin::read(std::shared_ptr<Child> child, ledgerhost::FrameReader frames) {
  char buf[65536];
  bool broken = false;
  for (;;) {
    auto payload = frames.next();
    std::optional<ledgerhost::Message> message;
    bool bad = !payload;
    if (payload && *payload) {
      auto decoded = ledgerhost::decode(**payload);
      if (decoded) message = std::move(*decoded);
      bad = !decoded;
    }
    if (bad) {
      if (!broken) {
        std::string what = !payload ? payload.error().message : std::string("undecodable frame");
        if (payload && *payload) what = ledgerhost::decode(**payload).error().message;
        log(FINP2P_LEDGER_LOG_ERROR, "finp2p-ledger-host pid " + std::to_string(child->pid) +
                                         " sent a malformed frame (" + what + "); killing it");
        std::lock_guard lock(mutex_);
        if (child->killedFor.empty()) {
          child->killedFor = "killed (SIGKILL) by the router: it sent a malformed frame";
          child->malformedFrame = true;
        }
        ::kill(child->pid, SIGKILL);
      }
      broken = true;  // read on until the EOF, ignoring everything
      frames = ledgerhost::FrameReader();
    } else if (message) {
      if (auto* line = std::get_if<ledgerhost::LogLine>(&*message)) {
        log(static_cast<finp2p_ledger_log_level>(line->level), line->message);
      } else if (auto* result = std::get_if<CallResult>(&*message)) {
        Pending done;
        {
          std::lock_guard lock(mutex_);
          auto it = pending_.find(result->id);
          // Not there: it ended already (its deadline passed) or it was for an earlier child.
          if (it == pending_.end() || it->second.sentTo != child->number) continue;
          done = std::move(it->second);
          pending_.erase(it);
          // Only the operation itself getting through clears its count: a lookup that
          // answers before each crashing execute must not reset it.
          if (done.kind == CallKind::kExecute) crashes_.erase(done.key);
          // A child that answers works: a later crash restarts it without waiting long.
          consecutiveCrashes_ = 0;
        }
        if (done.outcome) done.outcome(std::move(result->outcome));
        if (done.balance) done.balance(std::move(result->balance));
      }
      continue;
    }
    ssize_t n = ::read(child->fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (!broken) frames.append(buf, static_cast<std::size_t>(n));
  }
  int status = reapChild(child->pid, std::chrono::milliseconds(1000));
  {
    std::lock_guard lock(child->writeMutex);
    ::close(child->fd);
    child->fd = -1;
  }
  childEnded(child, status);
  std::lock_guard lock(mutex_);
  --readers_;
  readersCv_.notify_all();
}

std::string ProcessPlugin::failurePrefix(const Pending& p) const {
  return "ledger " + options_.ledgerName + ": " + p.what + ": plugin " + description_.name;
}

void ProcessPlugin::childEnded(const std::shared_ptr<Child>& child, int waitStatus) {
  std::vector<Completion> done;
  {
    std::lock_guard lock(mutex_);
    if (child_ == child) child_.reset();
    if (stopping_) return;
    // A malformed frame is the child's fault as a whole: a crash of every call inside it.
    bool hangKill = !child->killedFor.empty() && !child->malformedFrame;
    std::string how = child->killedFor.empty() ? describeExit(waitStatus) : child->killedFor;
    int64_t now = nowMillis();
    ++totalCrashes_;
    if (options_.onCrash) options_.onCrash();
    ++consecutiveCrashes_;
    int64_t delay = options_.firstRestartDelayMillis;
    for (int i = 1; i < consecutiveCrashes_ && delay < options_.maxRestartDelayMillis; ++i)
      delay *= 2;
    delay = std::min(delay, options_.maxRestartDelayMillis);
    restartAtMillis_ = now + delay;
    lastCrashAtMillis_ = now;
    int inside = 0;
    std::string during;
    int max = options_.maxCrashesPerOperation;
    for (auto it = pending_.begin(); it != pending_.end();) {
      Pending& p = it->second;
      if (p.sentTo != child->number) {
        ++it;
        continue;
      }
      ++inside;
      during = p.what;
      // A process the router killed for another call's hang is not this call's fault.
      if (crashes_.size() >= kMaxCountedOperations && !crashes_.count(p.key)) {
        crashes_.erase(crashes_.begin());
      }
      int crashes = hangKill ? crashes_[p.key] : ++crashes_[p.key];
      if (crashes >= max) {
        std::string why =
            failurePrefix(p) + " crashed " + std::to_string(crashes) +
            " times on this operation (max_crashes_per_operation = " + std::to_string(max) +
            "), the last time its process " + ended(how) + "; giving up on it";
        crashes_.erase(p.key);
        done.push_back({std::move(p), FINP2P_LEDGER_ERROR_INTERNAL, std::move(why)});
        it = pending_.erase(it);
      } else if (p.kind == CallKind::kExecute) {
        std::string why = failurePrefix(p) + "'s process " + ended(how) +
                          " while it ran this (crash " + std::to_string(crashes) + " of at most " +
                          std::to_string(max) +
                          " on this operation); it is restarted and the operation retried after "
                          "lookup";
        done.push_back({std::move(p), FINP2P_LEDGER_ERROR_UNAVAILABLE, std::move(why)});
        it = pending_.erase(it);
      } else {
        p.sentTo = 0;  // asked again of the next process
        ++it;
      }
    }
    // A hang kill names its call already; the others inside were innocent bystanders.
    if (hangKill) inside = 0;
    lastCrash_ = how + (inside == 1 ? " during " + during : "") +
                 (inside > 1 ? " with " + std::to_string(inside) + " calls inside" : "");
    log(FINP2P_LEDGER_LOG_ERROR, "plugin " + description_.name + " (finp2p-ledger-host pid " +
                                     std::to_string(child->pid) + ") " + lastCrash_ +
                                     "; restarting it in " + std::to_string(delay) + " ms");
  }
  cv_.notify_all();
  for (auto& c : done) c.run();
}

void ProcessPlugin::supervise() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    int64_t now = nowMillis();
    std::vector<Completion> done;
    for (auto it = pending_.begin(); it != pending_.end();) {
      Pending& p = it->second;
      if (p.deadlineMillis <= 0 || p.deadlineMillis > now) {
        ++it;
        continue;
      }
      std::string within =
          " did not complete it within " + seconds(p.deadlineMillis - p.startedMillis) + " s";
      std::string why = failurePrefix(p) + within;
      if (p.sentTo != 0 && child_ && p.sentTo == child_->number) {
        // Hung inside the child: only killing the process gets its thread back.
        ++crashes_[p.key];
        if (child_->killedFor.empty()) {
          child_->killedFor = "killed (SIGKILL) by the router: " + p.what +
                              " did not complete within " +
                              seconds(p.deadlineMillis - p.startedMillis) + " s";
          ::kill(child_->pid, SIGKILL);
        }
        why += ": its process (pid " + std::to_string(child_->pid) +
               ") was killed (SIGKILL) and is restarted";
      } else {
        why += ": its process is being restarted (it " + ended(lastCrash_) + ")";
      }
      done.push_back({std::move(p), FINP2P_LEDGER_ERROR_TIMEOUT, std::move(why)});
      it = pending_.erase(it);
    }
    if (!child_ && now >= restartAtMillis_) {
      lock.unlock();
      auto launched = launch(sha256_);  // the file that was loaded at start: nothing else
      lock.lock();
      if (stopping_) {
        if (auto* c = std::get_if<std::shared_ptr<Child>>(&launched)) {
          std::lock_guard l((*c)->writeMutex);
          ::shutdown((*c)->fd, SHUT_WR);
        }
        break;
      }
      if (auto* e = std::get_if<ledger::LoadError>(&launched)) {
        ++totalCrashes_;
        if (options_.onCrash) options_.onCrash();
        ++consecutiveCrashes_;
        lastCrash_ = "failed to restart: " + e->message;  // "it failed to restart: …"
        lastCrashAtMillis_ = nowMillis();
        restartAtMillis_ = lastCrashAtMillis_ + options_.maxRestartDelayMillis;
        log(FINP2P_LEDGER_LOG_ERROR, lastCrash_);
      } else {
        // launch() made it child_; the calls that waited for it go to it now, unless it
        // already ended again.
        auto child = std::get<std::shared_ptr<Child>>(launched);
        std::vector<std::string> frames;
        for (auto& [id, p] : pending_) {
          if (p.sentTo != 0 || child_ != child) continue;
          p.sentTo = child->number;
          frames.push_back(p.frame);
        }
        lock.unlock();
        for (const auto& f : frames) child->send(f);
        lock.lock();
      }
    }
    if (!done.empty()) {
      lock.unlock();
      for (auto& c : done) c.run();
      lock.lock();
      continue;
    }
    int64_t wake = nowMillis() + 1000;
    for (const auto& [id, p] : pending_) {
      if (p.deadlineMillis > 0) wake = std::min(wake, p.deadlineMillis);
    }
    if (!child_) wake = std::min(wake, restartAtMillis_);
    supervisorWakeMillis_ = wake;
    cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(1, wake - nowMillis())));
    supervisorWakeMillis_ = 0;  // awake: it sees every deadline on its next pass
  }
}

int ProcessPlugin::operationsInFlight() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(pending_.size());
}

IsolationInfo ProcessPlugin::isolation() const {
  std::lock_guard lock(mutex_);
  IsolationInfo i;
  i.isolated = true;
  i.childPid = child_ ? child_->pid : 0;
  i.crashes = totalCrashes_;
  i.lastCrash = lastCrash_;
  i.crashing =
      !child_ || (lastCrashAtMillis_ > 0 && nowMillis() - lastCrashAtMillis_ < kCrashingMillis);
  return i;
}

uint64_t ProcessPlugin::nextId() {
  std::lock_guard lock(mutex_);
  return ++lastId_;
}

void ProcessPlugin::call(Pending pending, uint64_t id) {
  pending.startedMillis = nowMillis();
  if (pending.deadlineMillis > 0 && pending.deadlineMillis <= pending.startedMillis) {
    // Never sent: at its deadline the supervisor would take it for a hang and kill the child.
    std::string why = failurePrefix(pending) + ": its deadline had passed before it was called";
    {
      std::lock_guard lock(mutex_);
      if (!lastCrash_.empty()) why += " (its process last " + ended(lastCrash_) + ")";
    }
    Completion{std::move(pending), FINP2P_LEDGER_ERROR_TIMEOUT, std::move(why)}.run();
    return;
  }
  std::shared_ptr<Child> child;
  std::string frame;
  bool wakeSupervisor = false;
  {
    std::lock_guard lock(mutex_);
    if (child_) {
      child = child_;
      pending.sentTo = child->number;
    }
    frame = pending.frame;
    // Wake the supervisor only for a deadline before the one it sleeps until: a wake-up per
    // call would cost more than the call itself.
    wakeSupervisor = pending.deadlineMillis > 0 && pending.deadlineMillis < supervisorWakeMillis_;
    pending_.emplace(id, std::move(pending));
  }
  if (wakeSupervisor) cv_.notify_all();
  // A write to a child that has just died fails; its reader then handles this call.
  if (child) child->send(frame);
}

void ProcessPlugin::execute(const ledger::Operation& op, int64_t deadlineMillis,
                            OutcomeCallback done) {
  uint64_t id = nextId();
  Pending p;
  p.kind = CallKind::kExecute;
  p.key = op.context.idempotencyKey;
  p.what = std::string(ledger::operationKindName(op.kind)) + " " + op.context.idempotencyKey;
  p.frame = ledgerhost::encode(CallRequest{id, CallKind::kExecute, op, "", "", {}});
  p.deadlineMillis = deadlineMillis;
  p.outcome = std::move(done);
  call(std::move(p), id);
}

void ProcessPlugin::preflight(const ledger::Operation& op, int64_t deadlineMillis,
                              OutcomeCallback done) {
  uint64_t id = nextId();
  Pending p;
  p.kind = CallKind::kPreflight;
  p.key = op.context.idempotencyKey;
  p.what = "preflight of " + std::string(ledger::operationKindName(op.kind)) + " " +
           op.context.idempotencyKey;
  p.frame = ledgerhost::encode(CallRequest{id, CallKind::kPreflight, op, "", "", {}});
  p.deadlineMillis = deadlineMillis;
  p.outcome = std::move(done);
  call(std::move(p), id);
}

void ProcessPlugin::lookup(const std::string& key, int64_t deadlineMillis, OutcomeCallback done) {
  uint64_t id = nextId();
  Pending p;
  p.kind = CallKind::kLookup;
  p.key = key;
  p.what = "lookup of " + key;
  p.frame = ledgerhost::encode(CallRequest{id, CallKind::kLookup, {}, key, "", {}});
  p.deadlineMillis = deadlineMillis;
  p.outcome = std::move(done);
  call(std::move(p), id);
}

void ProcessPlugin::verify(const ledger::Receipt& receipt, int64_t deadlineMillis,
                           OutcomeCallback done) {
  uint64_t id = nextId();
  Pending p;
  p.kind = CallKind::kVerify;
  p.key = receipt.operationId;
  p.what = "verify of receipt " + receipt.transactionId;
  p.frame = ledgerhost::encode(CallRequest{id, CallKind::kVerify, {}, "", "", receipt});
  p.deadlineMillis = deadlineMillis;
  p.outcome = std::move(done);
  call(std::move(p), id);
}

void ProcessPlugin::balance(const std::string& account, const std::string& asset,
                            int64_t deadlineMillis, BalanceCallback done) {
  uint64_t id = nextId();
  Pending p;
  p.kind = CallKind::kBalance;
  p.what = "balance of " + account + " in " + asset;
  p.key = p.what;
  p.frame = ledgerhost::encode(CallRequest{id, CallKind::kBalance, {}, account, asset, {}});
  p.deadlineMillis = deadlineMillis;
  p.balance = std::move(done);
  call(std::move(p), id);
}

}  // namespace finp2p::ledgers
