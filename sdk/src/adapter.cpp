#include "finp2p/ledger/adapter.hpp"

#include "finp2p/ledger/timer.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

namespace finp2p::ledger {

// ---- Completion ----

struct Completion::State {
  const finp2p_ledger_host_api* host;
  void* ptr;
  std::atomic<bool> done{false};

  void deliver(const Outcome& o) noexcept {
    if (done.exchange(true)) return;
    finp2p_ledger_receipt receipt{};
    if (o.receipt) receipt = receiptToC(*o.receipt);
    finp2p_ledger_result result{sizeof(finp2p_ledger_result), o.status, view(o.message),
                                o.receipt ? &receipt : nullptr};
    host->callback_complete(ptr, &result);
  }
  ~State() {
    deliver(Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL,
                             "the plugin dropped the operation without completing it"));
  }
};

Completion::Completion(const finp2p_ledger_host_api* host, void* completionPtr)
    : state_(std::make_shared<State>()) {
  state_->host = host;
  state_->ptr = completionPtr;
}

void Completion::complete(const Outcome& outcome) const noexcept {
  state_->deliver(outcome);
}

// ---- Adapter defaults ----

Adapter::Adapter() = default;
Adapter::~Adapter() = default;

namespace {
void unsupported(const Operation& op, const Completion& done) {
  done.complete(
      Outcome::failure(FINP2P_LEDGER_ERROR_UNSUPPORTED,
                       std::string("this ledger does not support ") + operationKindName(op.kind)));
}
}  // namespace

void Adapter::hold(const Operation& op, Completion done) {
  unsupported(op, done);
}
void Adapter::release(const Operation& op, Completion done) {
  unsupported(op, done);
}
void Adapter::revertHold(const Operation& op, Completion done) {
  unsupported(op, done);
}
void Adapter::transfer(const Operation& op, Completion done) {
  unsupported(op, done);
}
void Adapter::issue(const Operation& op, Completion done) {
  unsupported(op, done);
}
void Adapter::redeem(const Operation& op, Completion done) {
  unsupported(op, done);
}
void Adapter::hashLock(const Operation& op, Completion done) {
  unsupported(op, done);
}
void Adapter::claim(const Operation& op, Completion done) {
  unsupported(op, done);
}
void Adapter::refund(const Operation& op, Completion done) {
  unsupported(op, done);
}
void Adapter::preflight(const Operation&, Completion done) {
  done.complete(Outcome::success());
}

void Adapter::await(const Operation& op, Completion done) {
  if (!op.condition.empty()) {
    done.complete(
        Outcome::failure(FINP2P_LEDGER_ERROR_UNSUPPORTED,
                         "this ledger does not understand the condition \"" + op.condition + "\""));
    return;
  }
  Receipt receipt;
  receipt.transactionId = op.context.idempotencyKey;
  receipt.operationId = op.context.idempotencyKey;
  receipt.operationType = "await";
  receipt.timestampUnixS = op.waitUntilUnixS;
  auto finish = [done, receipt] { done.complete(Outcome::success(receipt)); };
  if (op.waitUntilUnixS * 1000 <= nowUnixMs()) {
    finish();
  } else {
    runAt(op.waitUntilUnixS * 1000, finish);
  }
}

void Adapter::execute(const Operation& op, Completion done) {
  switch (op.kind) {
    case FINP2P_LEDGER_OP_HOLD:
      return hold(op, std::move(done));
    case FINP2P_LEDGER_OP_RELEASE:
      return release(op, std::move(done));
    case FINP2P_LEDGER_OP_REVERT_HOLD:
      return revertHold(op, std::move(done));
    case FINP2P_LEDGER_OP_TRANSFER:
      return transfer(op, std::move(done));
    case FINP2P_LEDGER_OP_ISSUE:
      return issue(op, std::move(done));
    case FINP2P_LEDGER_OP_REDEEM:
      return redeem(op, std::move(done));
    case FINP2P_LEDGER_OP_AWAIT:
      return await(op, std::move(done));
    case FINP2P_LEDGER_OP_HASH_LOCK:
      return hashLock(op, std::move(done));
    case FINP2P_LEDGER_OP_CLAIM:
      return claim(op, std::move(done));
    case FINP2P_LEDGER_OP_REFUND:
      return refund(op, std::move(done));
  }
  done.complete(Outcome::failure(FINP2P_LEDGER_ERROR_VALIDATION,
                                 "unknown operation kind " + std::to_string(op.kind)));
}

void Adapter::log(finp2p_ledger_log_level level, const std::string& message) const {
  if (host_ && host_->callback_log) host_->callback_log(host_->host_ptr, level, view(message));
}

void Adapter::runAt(int64_t unixMs, std::function<void()> fn) {
  static std::mutex startMutex;
  {
    std::lock_guard lock(startMutex);
    if (!timer_) timer_ = std::make_unique<TimerThread>();
  }
  timer_->at(unixMs, std::move(fn));
}

// ---- The C trampolines: the noexcept barrier ----

namespace detail {
namespace {

struct Instance {
  std::unique_ptr<Adapter> adapter;
  Description description;
  finp2p_ledger_description cDescription{};
  const finp2p_ledger_host_api* host;
};

Adapter& adapterOf(void* p) {
  return *static_cast<Instance*>(p)->adapter;
}
const finp2p_ledger_host_api* hostOf(void* p) {
  return static_cast<Instance*>(p)->host;
}

std::string describeException(const char* hook) {
  try {
    throw;
  } catch (const std::exception& e) {
    return std::string("plugin threw from ") + hook + ": " + e.what();
  } catch (...) {
    return std::string("plugin threw a non-standard exception from ") + hook;
  }
}

template <typename Fn>
void guarded(const char* hook, void* plugin, void* completion, Fn&& fn) noexcept {
  Completion done(hostOf(plugin), completion);
  try {
    fn(done);
  } catch (...) {
    done.complete(Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL, describeException(hook)));
  }
}

const finp2p_ledger_description* onDescribe(void* p) {
  return &static_cast<Instance*>(p)->cDescription;
}

void onExecute(void* p, const finp2p_ledger_operation* op, void* completion) {
  guarded("execute", p, completion,
          [&](Completion& done) { adapterOf(p).execute(operationFromC(*op), done); });
}

void onPreflight(void* p, const finp2p_ledger_operation* op, void* completion) {
  guarded("preflight", p, completion,
          [&](Completion& done) { adapterOf(p).preflight(operationFromC(*op), done); });
}

void onLookup(void* p, finp2p_ledger_str key, void* completion) {
  guarded("lookup", p, completion,
          [&](Completion& done) { done.complete(adapterOf(p).lookup(copy(key))); });
}

void onVerify(void* p, const finp2p_ledger_receipt* receipt, void* completion) {
  guarded("verify", p, completion,
          [&](Completion& done) { done.complete(adapterOf(p).verify(receiptFromC(*receipt))); });
}

void onBalance(void* p, finp2p_ledger_str account, finp2p_ledger_str asset, void* completion) {
  Balance b;
  try {
    b = adapterOf(p).balance(copy(account), copy(asset));
  } catch (...) {
    b = Balance{FINP2P_LEDGER_ERROR_INTERNAL, describeException("balance"), "", "", ""};
  }
  finp2p_ledger_balance out{sizeof(finp2p_ledger_balance),
                            b.status,
                            view(b.message),
                            view(b.current),
                            view(b.available),
                            view(b.held)};
  hostOf(p)->callback_balance(completion, &out);
}

void onDestroy(void* p) {
  auto* instance = static_cast<Instance*>(p);
  try {
    delete instance;
  } catch (...) {
    // A destructor that throws is a plugin bug; the host must not die of it.
  }
}

void writeError(char* error, size_t size, const std::string& message) {
  if (!error || size == 0) return;
  size_t n = std::min(size - 1, message.size());
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}

}  // namespace

int32_t initPlugin(const finp2p_ledger_host_api* host, const finp2p_ledger_config_entry* config,
                   size_t configCount, finp2p_ledger_plugin_api* plugin, char* error,
                   size_t errorSize, AdapterFactory factory) noexcept {
  if (!plugin || plugin->struct_size < sizeof(uint32_t) * 2) return 1;
  plugin->abi_version = FINP2P_LEDGER_ABI_VERSION;
  if (!host || host->struct_size < sizeof(finp2p_ledger_host_api)) {
    writeError(error, errorSize, "the host's API table is older than this plugin needs");
    return 1;
  }
  if (plugin->struct_size < sizeof(finp2p_ledger_plugin_api)) {
    writeError(error, errorSize, "the host's plugin table is smaller than ABI 1.0");
    return 1;
  }
  try {
    auto instance = std::make_unique<Instance>();
    instance->host = host;
    instance->adapter = factory(Config::fromC(config, configCount));
    instance->adapter->attachHost(host);
    instance->description = instance->adapter->describe();
    instance->cDescription = {sizeof(finp2p_ledger_description), instance->description.name.c_str(),
                              instance->description.version.c_str(),
                              instance->description.supportedOperations,
                              instance->description.assetTypes.c_str()};
    plugin->struct_size = sizeof(finp2p_ledger_plugin_api);
    plugin->plugin_ptr = instance.release();
    plugin->on_describe = onDescribe;
    plugin->on_execute = onExecute;
    plugin->on_preflight = onPreflight;
    plugin->on_lookup = onLookup;
    plugin->on_verify = onVerify;
    plugin->on_balance = onBalance;
    plugin->on_destroy = onDestroy;
    return 0;
  } catch (const std::exception& e) {
    writeError(error, errorSize, e.what());
  } catch (...) {
    writeError(error, errorSize, "the plugin threw a non-standard exception during init");
  }
  return 1;
}

}  // namespace detail
}  // namespace finp2p::ledger
