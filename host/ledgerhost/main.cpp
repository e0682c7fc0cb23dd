// finp2p-ledger-host: runs one ledger plugin for a router ([[ledger]] isolation = "process"), so
// that a plugin that crashes, exits or hangs takes down only this process. The router starts it
// with one end of a socketpair as --fd, sends Init (the plugin file, its pin, its config), then
// calls; see ledgerhost/wire.hpp. The plugin is loaded with the host's own loader (the pin and
// the ABI version are checked as in the router) and called on `threads` threads of its own.
// When the router closes the socket (a reload, a shutdown, or the router died) this process
// lets the operations in the plugin finish for a bounded time, destroys the plugin and exits.

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "finp2p/ledger/client.hpp"
#include "ledgerhost/wire.hpp"

namespace finp2p::ledgerhost {
namespace {

// How long, once the router has gone, operations inside the plugin may still take.
constexpr auto kDrainOnClose = std::chrono::seconds(2);

class ChildHost {
 public:
  ChildHost(int fd, std::string ledger) : fd_(fd), ledger_(std::move(ledger)) {}

  // Reads Init on this thread, then leaves the socket to the plugin-call threads and waits
  // until one of them sees the router close it.
  int run() {
    for (;;) {
      Message message;
      if (!readMessage(message)) return finish();
      auto* init = std::get_if<InitRequest>(&message);
      if (!init) {
        std::fprintf(stderr, "finp2p-ledger-host (ledger %s): a call before Init\n",
                     ledger_.c_str());
        return finish();
      }
      if (!start(*init)) return finish();
      break;
    }
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return closing_; });
    lock.unlock();
    return finish();
  }

 private:
  bool complain(const std::string& why) {
    std::fprintf(stderr, "finp2p-ledger-host (ledger %s): %s\n", ledger_.c_str(), why.c_str());
    return false;
  }

  void send(const Message& m) {
    std::string frame = encode(m);
    std::lock_guard lock(writeMutex_);
    writeAll(fd_, frame);  // a router that is gone reads nothing; finish() follows the EOF
  }

  // The next message from the router; false at its EOF or at a frame that does not decode.
  bool readMessage(Message& out) {
    char buf[65536];
    for (;;) {
      auto payload = frames_.next();
      if (!payload) return complain(payload.error().message);
      if (*payload) {
        auto message = decode(**payload);
        if (!message) return complain(message.error().message);
        out = std::move(*message);
        return true;
      }
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;  // the router closed its end (or died)
      frames_.append(buf, static_cast<std::size_t>(n));
    }
  }

  bool start(const InitRequest& init) {
    ledger::LoadOptions options;
    options.expectedSha256 = init.expectedSha256;
    options.log = [this](finp2p_ledger_log_level level, const std::string& text) {
      send(LogLine{static_cast<uint8_t>(level), text});
    };
    options.onDestroyed = [this] { destroyed_.set_value(); };
    // The router enforces deadlines: it kills this process when a call passes its deadline.
    options.timeOutAtDeadline = false;
    auto loaded = ledger::LoadedPlugin::load(init.pluginPath, ledger::Config(init.config),
                                             std::move(options));
    InitResult result;
    if (auto* e = std::get_if<ledger::LoadError>(&loaded)) {
      result.loadErrorCode = static_cast<uint8_t>(e->code);
      result.message = e->message;
      send(result);
      return false;
    }
    plugin_ = std::get<std::shared_ptr<ledger::LoadedPlugin>>(loaded);
    result.ok = true;
    result.sha256 = plugin_->sha256();
    result.abiVersion = plugin_->abiVersion();
    result.description = plugin_->description();
    result.hasPreflight = plugin_->hasPreflight();
    for (uint32_t i = 0; i < std::max<uint32_t>(1, init.threads); ++i) {
      std::thread([this] { work(); }).detach();  // may stay inside a hung hook: never joined
    }
    send(result);
    return true;
  }

  // Leader and followers: one of these threads reads the socket; once it has a call it hands
  // the reading to the next idle thread and runs the call itself, so a call costs no thread
  // hand-off in this process. A thread inside a hung hook simply never leads again.
  void work() {
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return closing_ || !leading_; });
        if (closing_) return;
        leading_ = true;
      }
      Message message;
      bool ok = readMessage(message);
      auto* call = ok ? std::get_if<CallRequest>(&message) : nullptr;
      {
        std::lock_guard lock(mutex_);
        leading_ = false;
        if (!call) closing_ = true;  // EOF, a broken frame, or a second Init
        if (call) ++busy_;
      }
      cv_.notify_all();
      if (!call) return;
      invoke(*call);
      {
        std::lock_guard lock(mutex_);
        --busy_;
      }
      cv_.notify_all();
    }
  }

  void invoke(const CallRequest& call) {
    uint64_t id = call.id;
    auto outcome = [this, id](ledger::Outcome o) { send(CallResult{id, false, std::move(o), {}}); };
    switch (call.kind) {
      case CallKind::kExecute:
        return plugin_->execute(call.operation, outcome);
      case CallKind::kPreflight:
        return plugin_->preflight(call.operation, outcome);
      case CallKind::kLookup:
        return plugin_->lookup(call.key, outcome);
      case CallKind::kVerify:
        return plugin_->verify(call.receipt, outcome);
      case CallKind::kBalance:
        return plugin_->balance(call.key, call.asset, [this, id](ledger::Balance b) {
          send(CallResult{id, true, {}, std::move(b)});
        });
    }
  }

  int finish() {
    if (!plugin_) _exit(0);
    std::unique_lock lock(mutex_);
    closing_ = true;
    cv_.notify_all();
    // on_destroy may run only once every started operation completed (abi.h).
    bool drained = cv_.wait_for(lock, kDrainOnClose, [&] { return busy_ == 0; });
    lock.unlock();
    auto deadline = std::chrono::steady_clock::now() + kDrainOnClose;
    while (drained && plugin_->operationsInFlight() > 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        drained = false;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (drained) {
      auto done = destroyed_.get_future();
      plugin_.reset();
      done.wait_for(std::chrono::seconds(5));
    } else {
      std::fprintf(stderr,
                   "finp2p-ledger-host (ledger %s): operations still inside the plugin after "
                   "%lld s; exiting without destroying it\n",
                   ledger_.c_str(), static_cast<long long>(kDrainOnClose.count()));
    }
    std::fflush(stderr);
    _exit(0);  // threads inside a hung plugin are not joined
  }

  const int fd_;
  const std::string ledger_;
  std::mutex writeMutex_;
  std::shared_ptr<ledger::LoadedPlugin> plugin_;
  std::promise<void> destroyed_;

  std::mutex mutex_;
  std::condition_variable cv_;
  FrameReader frames_;  // touched by the leading thread only (run()'s before the threads exist)
  bool leading_ = false;
  int busy_ = 0;
  bool closing_ = false;
};

}  // namespace
}  // namespace finp2p::ledgerhost

int main(int argc, char** argv) {
  int fd = -1;
  std::string ledger = "?";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--fd")) fd = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--ledger")) ledger = argv[i + 1];
  }
  if (fd < 0) {
    std::fprintf(stderr,
                 "usage: finp2p-ledger-host --fd N --ledger NAME\n"
                 "Started by finp2p-execd for a [[ledger]] with isolation = \"process\"; not "
                 "meant to be run by hand.\n");
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  return finp2p::ledgerhost::ChildHost(fd, ledger).run();
}
