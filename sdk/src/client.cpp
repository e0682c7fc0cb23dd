#include "finp2p/ledger/client.hpp"

#include <openssl/evp.h>

#include <atomic>
#include <boost/dll/shared_library.hpp>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "abi_layouts.hpp"
#include "finp2p/ledger/decimal.hpp"
#include "finp2p/ledger/receipt_check.hpp"

namespace finp2p::ledger {

const char* loadErrorCodeName(LoadErrorCode code) {
  switch (code) {
    case LoadErrorCode::kMissingFile:
      return "missing file";
    case LoadErrorCode::kNotAPlugin:
      return "not a plugin";
    case LoadErrorCode::kAbiMismatch:
      return "ABI mismatch";
    case LoadErrorCode::kHashMismatch:
      return "hash mismatch";
    case LoadErrorCode::kInitFailed:
      return "init failed";
    case LoadErrorCode::kException:
      return "exception";
  }
  return "unknown";
}

std::string fileSha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    EVP_DigestUpdate(ctx.get(), buf, static_cast<size_t>(in.gcount()));
  }
  unsigned char digest[32];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

namespace {

std::string abiText(uint32_t v) {
  return std::to_string(FINP2P_LEDGER_ABI_MAJOR_OF(v)) + "." +
         std::to_string(FINP2P_LEDGER_ABI_MINOR_OF(v));
}

// Libraries are never unloaded (see client.hpp); they live here until the process exits.
std::mutex librariesMutex;
std::vector<boost::dll::shared_library>& keptLibraries() {
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  return *libraries;
}

// Every started operation, keyed by the id passed to the plugin as completion_ptr. A plugin
// that completes twice, or completes an id it never got, is caught here instead of crashing.
struct PendingOperation {
  LoadedPlugin::OutcomeCallback outcome;
  LoadedPlugin::BalanceCallback balance;
  std::shared_ptr<LoadedPlugin> owner;  // kept loaded until the operation completes
  std::shared_ptr<LogSink> log;
  std::shared_ptr<BrokenRuleSink> brokenRule;
  int64_t deadlineUnixMs = 0;
  std::optional<Operation> executed;  // an execute: what its receipt must state
  bool isLookup = false;              // a lookup: its receipt's operation_id is the key
  std::string idempotencyKey;
  std::string what;  // "execute of transfer KEY", for complaints about it
  uint32_t abiVersion = FINP2P_LEDGER_ABI_VERSION;  // the plugin's: the layout of its results
  // Set once the host gave up at the deadline: the caller has its TIMEOUT, but the plugin still
  // owns the operation, so the entry (and the plugin instance) stays until the plugin completes.
  bool expired = false;
  std::shared_ptr<std::atomic<int>> inFlight;  // the owner's count of operations in the plugin
};

class OperationTable {
 public:
  static OperationTable& instance() {
    static auto* table = new OperationTable();  // outlives every plugin thread
    return *table;
  }

  uint64_t add(PendingOperation op) {
    std::lock_guard lock(mutex_);
    uint64_t id = ++nextId_;
    bool hasDeadline = op.deadlineUnixMs > 0;
    pending_.emplace(id, std::move(op));
    if (hasDeadline && !watchdog_.joinable()) watchdog_ = std::thread([this] { watch(); });
    return id;
  }

  std::optional<PendingOperation> take(uint64_t id) {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return std::nullopt;
    PendingOperation op = std::move(it->second);
    pending_.erase(it);
    completed_.push_back({id, op.what, op.brokenRule});
    if (completed_.size() > kCompletedKept) completed_.pop_front();
    return op;
  }

  // A completion for an id that is no longer pending: said to the sink of the plugin that was
  // given it, when the id is among the last kCompletedKept completed.
  void completedAgain(uint64_t id) {
    std::shared_ptr<BrokenRuleSink> sink;
    std::string what;
    {
      std::lock_guard lock(mutex_);
      for (const auto& c : completed_) {
        if (c.id == id) sink = c.sink, what = c.what;
      }
    }
    if (sink && *sink) {
      (*sink)("the plugin completed " + what +
              " a second time: call callback_complete (or callback_balance) exactly once per "
              "operation; the host ignores every completion after the first (abi.h, "
              "finp2p_ledger_host_api)");
    }
  }

  // Drops the last reference to a plugin on the watchdog thread, never on a plugin's own
  // thread: destroying a plugin joins its threads.
  void release(std::shared_ptr<LoadedPlugin> owner) {
    if (!owner) return;
    std::lock_guard lock(mutex_);
    releases_.push_back(std::move(owner));
    if (!watchdog_.joinable()) watchdog_ = std::thread([this] { watch(); });
  }

 private:
  void watch() {
    for (;;) {
      std::vector<PendingOperation> expired;
      std::deque<std::shared_ptr<LoadedPlugin>> releases;
      {
        std::lock_guard lock(mutex_);
        int64_t now = nowUnixMs();
        for (auto it = pending_.begin(); it != pending_.end();) {
          auto& op = it->second;
          if (!op.expired && op.deadlineUnixMs > 0 && op.deadlineUnixMs <= now) {
            PendingOperation late;
            late.outcome = std::move(op.outcome);
            late.balance = std::move(op.balance);
            late.log = op.log;
            late.idempotencyKey = op.idempotencyKey;
            op.outcome = nullptr;
            op.balance = nullptr;
            op.expired = true;
            expired.push_back(std::move(late));
          }
          ++it;
        }
        releases.swap(releases_);
      }
      for (auto& op : expired) {
        if (op.log) {
          (*op.log)(FINP2P_LEDGER_LOG_WARN,
                    "operation " + op.idempotencyKey + " passed its deadline; reported as timeout");
        }
        if (op.outcome) {
          op.outcome(Outcome::failure(FINP2P_LEDGER_ERROR_TIMEOUT,
                                      "the plugin did not complete the operation before its "
                                      "deadline"));
        }
        if (op.balance) {
          op.balance(Balance{FINP2P_LEDGER_ERROR_TIMEOUT, "balance timed out", "", "", ""});
        }
      }
      releases.clear();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  struct Completed {
    uint64_t id;
    std::string what;
    std::shared_ptr<BrokenRuleSink> sink;
  };
  static constexpr size_t kCompletedKept = 4096;

  std::mutex mutex_;
  uint64_t nextId_ = 0;
  std::map<uint64_t, PendingOperation> pending_;
  std::deque<Completed> completed_;
  std::deque<std::shared_ptr<LoadedPlugin>> releases_;
  std::thread watchdog_;
};

void* toPtr(uint64_t id) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>(id));
}
uint64_t fromPtr(void* p) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p));
}

bool knownStatus(finp2p_ledger_status s) {
  return s >= FINP2P_LEDGER_OK && s <= FINP2P_LEDGER_ERROR_INTERNAL;
}

// Turns what a plugin returned into an Outcome the host can trust, or an INTERNAL error that
// says what was wrong with it.
Outcome checkedOutcome(const finp2p_ledger_result* r, const PendingOperation& op) {
  if (!r) return Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL, "plugin completed with no result");
  if (!knownStatus(r->status)) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL,
                            "plugin returned unknown status " + std::to_string(r->status));
  }
  Outcome out{r->status, copy(r->message), std::nullopt};
  if (r->receipt) {
    auto receipt = abi::readReceipt(r->receipt, op.abiVersion);
    if (auto* why = std::get_if<std::string>(&receipt)) {
      return Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL, *why);
    }
    out.receipt = std::get<Receipt>(std::move(receipt));
  }
  if (!out.ok() || !out.receipt) {
    if (op.executed && out.ok()) {
      return Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL,
                              "plugin reported success without a receipt: an OK execute must "
                              "carry the receipt of what it did, its operation_id the "
                              "idempotency key");
    }
    return out;
  }
  if (!out.receipt->quantity.empty() && !Decimal::parse(out.receipt->quantity)) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL,
                            "plugin returned a receipt with quantity \"" + out.receipt->quantity +
                                "\", not a decimal amount");
  }
  if (op.executed) {
    if (auto why = checkReceipt(*op.executed, *out.receipt); !why.empty()) {
      return Outcome::failure(
          FINP2P_LEDGER_ERROR_INTERNAL,
          "plugin returned a receipt that is not the receipt of " + op.what + ": " + why);
    }
  }
  if (op.isLookup && out.receipt->operationId != op.idempotencyKey) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL,
                            "plugin returned, for on_lookup of \"" + op.idempotencyKey +
                                "\", the receipt of operation \"" + out.receipt->operationId +
                                "\": a lookup returns the stored outcome of the key it was asked");
  }
  return out;
}

// The plugin is done with an operation: its instance may now be destroyed.
void finished(PendingOperation& op) {
  if (op.inFlight) --*op.inFlight;
  if (op.expired && op.log) {
    (*op.log)(FINP2P_LEDGER_LOG_WARN, "operation " + op.idempotencyKey +
                                          " completed after its deadline; the outcome is ignored");
  }
  OperationTable::instance().release(std::move(op.owner));
}

void hostComplete(void* completionPtr, const finp2p_ledger_result* result) {
  auto op = OperationTable::instance().take(fromPtr(completionPtr));
  if (!op) {
    // Already completed: the plugin broke the exactly-once rule. Refuse it, and say so.
    OperationTable::instance().completedAgain(fromPtr(completionPtr));
    return;
  }
  if (op->outcome) op->outcome(checkedOutcome(result, *op));
  finished(*op);
}

void hostBalance(void* completionPtr, const finp2p_ledger_balance* b) {
  auto op = OperationTable::instance().take(fromPtr(completionPtr));
  if (!op) {
    OperationTable::instance().completedAgain(fromPtr(completionPtr));
    return;
  }
  Balance out;
  auto read = b ? abi::readBalance(b, op->abiVersion)
                : std::variant<Balance, std::string>("plugin completed with no balance");
  if (auto* why = std::get_if<std::string>(&read)) {
    out = Balance{FINP2P_LEDGER_ERROR_INTERNAL, *why, "", "", ""};
  } else if (!knownStatus(std::get<Balance>(read).status)) {
    out = Balance{FINP2P_LEDGER_ERROR_INTERNAL, "plugin returned an invalid balance", "", "", ""};
  } else {
    out = std::get<Balance>(std::move(read));
    if (out.status == FINP2P_LEDGER_OK &&
        (!Decimal::parse(out.current) || !Decimal::parse(out.available) ||
         !Decimal::parse(out.held))) {
      out = Balance{FINP2P_LEDGER_ERROR_INTERNAL,
                    "plugin returned a balance that is not decimal amounts", "", "", ""};
    }
  }
  if (op->balance) op->balance(std::move(out));
  finished(*op);
}

void hostLog(void* hostPtr, finp2p_ledger_log_level level, finp2p_ledger_str message) {
  auto* sink = static_cast<LogSink*>(hostPtr);
  if (sink && *sink) (*sink)(level, copy(message));
}

}  // namespace

struct LoadedPlugin::Private {
  finp2p_ledger_host_api host{};
  std::shared_ptr<LogSink> log;
  std::shared_ptr<BrokenRuleSink> brokenRule;
  std::shared_ptr<std::atomic<int>> inFlight = std::make_shared<std::atomic<int>>(0);
  std::function<void()> onDestroyed;
  bool timeOutAtDeadline = true;
};

namespace {

bool abiAccepted(uint32_t abi) {
  return FINP2P_LEDGER_ABI_MAJOR_OF(abi) == FINP2P_LEDGER_ABI_MAJOR &&
         FINP2P_LEDGER_ABI_MINOR_OF(abi) <= FINP2P_LEDGER_ABI_MINOR;
}

std::string abiRefusal(uint32_t abi) {
  return "built for ledger ABI " + abiText(abi) + ", this host speaks " +
         abiText(FINP2P_LEDGER_ABI_VERSION) +
         " (the major must match and the minor must not be newer)";
}

struct OpenedFile {
  boost::dll::shared_library library;
  PluginFile file;
};

// Everything load() checks before it calls the entry point.
std::variant<OpenedFile, LoadError> openPluginFile(const std::string& path,
                                                   const std::string& expectedSha256) {
  auto fail = [&](LoadErrorCode code, const std::string& why) {
    return LoadError{code, "ledger plugin " + path + ": " + why};
  };
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fail(LoadErrorCode::kMissingFile, "no such file");
  }
  OpenedFile out;
  out.file.sha256 = fileSha256(path);
  if (!expectedSha256.empty() && out.file.sha256 != expectedSha256) {
    return fail(LoadErrorCode::kHashMismatch,
                "sha256 is " + out.file.sha256 + ", the configuration pins " + expectedSha256);
  }
  try {
    out.library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return fail(LoadErrorCode::kNotAPlugin, std::string("cannot be loaded: ") + e.what());
  }
  {
    std::lock_guard lock(librariesMutex);
    keptLibraries().push_back(out.library);  // never unloaded, even when refused
  }
  if (!out.library.has(FINP2P_LEDGER_ENTRY_POINT)) {
    return fail(LoadErrorCode::kNotAPlugin,
                std::string("does not export ") + FINP2P_LEDGER_ENTRY_POINT);
  }
  if (out.library.has(FINP2P_LEDGER_ABI_VERSION_POINT)) {
    auto version = out.library.get<uint32_t()>(FINP2P_LEDGER_ABI_VERSION_POINT);
    out.file.abiVersion = version();
    if (!abiAccepted(out.file.abiVersion)) {
      return fail(LoadErrorCode::kAbiMismatch,
                  abiRefusal(out.file.abiVersion) +
                      "; refused before its entry point ran, so nothing of it was initialised");
    }
  }
  return out;
}

}  // namespace

std::variant<PluginFile, LoadError> LoadedPlugin::inspect(const std::string& path,
                                                          const std::string& expectedSha256) {
  auto opened = openPluginFile(path, expectedSha256);
  if (auto* e = std::get_if<LoadError>(&opened)) return *e;
  return std::get<OpenedFile>(opened).file;
}

std::variant<std::shared_ptr<LoadedPlugin>, LoadError> LoadedPlugin::load(const std::string& path,
                                                                          const Config& config,
                                                                          LoadOptions options) {
  auto fail = [&](LoadErrorCode code, const std::string& why) {
    return LoadError{code, "ledger plugin " + path + ": " + why};
  };
  auto opened = openPluginFile(path, options.expectedSha256);
  if (auto* e = std::get_if<LoadError>(&opened)) return *e;
  auto& library = std::get<OpenedFile>(opened).library;
  std::string sha = std::get<OpenedFile>(opened).file.sha256;
  auto init =
      library.get<int32_t(const finp2p_ledger_host_api*, const finp2p_ledger_config_entry*, size_t,
                          finp2p_ledger_plugin_api*, char*, size_t)>(FINP2P_LEDGER_ENTRY_POINT);
  std::shared_ptr<LoadedPlugin> plugin(new LoadedPlugin());
  plugin->self_ = plugin;
  plugin->path_ = path;
  plugin->sha256_ = sha;
  plugin->private_ = std::make_shared<Private>();
  auto& priv = *plugin->private_;
  if (!options.log) {
    options.log = [](finp2p_ledger_log_level, const std::string& m) {
      std::fprintf(stderr, "%s\n", m.c_str());
    };
  }
  priv.log = std::make_shared<LogSink>(std::move(options.log));
  if (!options.onBrokenRule) {
    options.onBrokenRule = [log = priv.log](const std::string& why) {
      (*log)(FINP2P_LEDGER_LOG_ERROR, why);
    };
  }
  priv.brokenRule = std::make_shared<BrokenRuleSink>(std::move(options.onBrokenRule));
  priv.onDestroyed = std::move(options.onDestroyed);
  priv.timeOutAtDeadline = options.timeOutAtDeadline;
  priv.host = {sizeof(finp2p_ledger_host_api),
               FINP2P_LEDGER_ABI_VERSION,
               priv.log.get(),
               hostComplete,
               hostBalance,
               hostLog};

  std::vector<finp2p_ledger_config_entry> entries;
  for (const auto& [k, v] : config.entries()) entries.push_back({view(k), view(v)});
  finp2p_ledger_plugin_api api{};
  api.struct_size = sizeof(api);
  char error[1024] = {0};
  int32_t rc = 0;
  try {
    rc = init(&priv.host, entries.data(), entries.size(), &api, error, sizeof error);
  } catch (const std::exception& e) {
    return fail(LoadErrorCode::kException, std::string("entry point threw: ") + e.what());
  } catch (...) {
    return fail(LoadErrorCode::kException, "entry point threw a non-standard exception");
  }
  uint32_t abi = api.abi_version;
  if (!abiAccepted(abi)) return fail(LoadErrorCode::kAbiMismatch, abiRefusal(abi));
  if (rc != 0) {
    error[sizeof error - 1] = '\0';
    return fail(LoadErrorCode::kInitFailed,
                std::string("init failed: ") + (error[0] ? error : "no reason given"));
  }
  if (!api.on_describe || !api.on_execute || !api.on_lookup || !api.on_verify || !api.on_balance ||
      !api.on_destroy) {
    return fail(LoadErrorCode::kNotAPlugin, "init left required hooks empty");
  }
  plugin->api_ = api;
  plugin->abiVersion_ = abi;
  const finp2p_ledger_description* d = api.on_describe(api.plugin_ptr);
  if (d) {
    auto description = abi::readDescription(d, abi);
    if (auto* why = std::get_if<std::string>(&description)) {
      return fail(LoadErrorCode::kNotAPlugin, *why);
    }
    plugin->description_ = std::get<Description>(std::move(description));
  }
  return plugin;
}

LoadedPlugin::~LoadedPlugin() {
  // Only reached once no operation holds a reference, so no hook runs any more.
  if (!api_.on_destroy) return;  // never fully loaded
  api_.on_destroy(api_.plugin_ptr);
  if (private_->onDestroyed) private_->onDestroyed();
}

int LoadedPlugin::operationsInFlight() const {
  return *private_->inFlight;
}

uint64_t LoadedPlugin::startOperation(OutcomeCallback done, int64_t deadlineUnixMs,
                                      const Operation* op, const std::string* lookupKey) {
  PendingOperation pending;
  pending.outcome = std::move(done);
  pending.owner = self_.lock();
  pending.log = private_->log;
  pending.brokenRule = private_->brokenRule;
  pending.deadlineUnixMs = private_->timeOutAtDeadline ? deadlineUnixMs : 0;
  if (op) {
    pending.executed = *op;
    pending.idempotencyKey = op->context.idempotencyKey;
    pending.what =
        std::string("execute of ") + operationKindName(op->kind) + " " + op->context.idempotencyKey;
  } else if (lookupKey) {
    pending.isLookup = true;
    pending.idempotencyKey = *lookupKey;
    pending.what = "on_lookup of " + *lookupKey;
  }
  pending.abiVersion = abiVersion_;
  pending.inFlight = private_->inFlight;
  ++*pending.inFlight;
  return OperationTable::instance().add(std::move(pending));
}

void LoadedPlugin::execute(const Operation& op, OutcomeCallback done) {
  uint64_t id = startOperation(std::move(done), op.context.deadlineUnixMs, &op, nullptr);
  abi::HostOperation cop(op, abiVersion_);
  api_.on_execute(api_.plugin_ptr, cop.get(), toPtr(id));
}

void LoadedPlugin::preflight(const Operation& op, OutcomeCallback done) {
  if (!api_.on_preflight) {
    done(Outcome::success());
    return;
  }
  uint64_t id = startOperation(std::move(done), op.context.deadlineUnixMs, nullptr, nullptr);
  abi::HostOperation cop(op, abiVersion_);
  api_.on_preflight(api_.plugin_ptr, cop.get(), toPtr(id));
}

void LoadedPlugin::lookup(const std::string& key, OutcomeCallback done) {
  uint64_t id = startOperation(std::move(done), 0, nullptr, &key);
  api_.on_lookup(api_.plugin_ptr, view(key), toPtr(id));
}

void LoadedPlugin::verify(const Receipt& receipt, OutcomeCallback done) {
  uint64_t id = startOperation(std::move(done), 0, nullptr, nullptr);
  abi::HostReceipt r(receipt, abiVersion_);
  api_.on_verify(api_.plugin_ptr, r.get(), toPtr(id));
}

void LoadedPlugin::balance(const std::string& account, const std::string& asset,
                           BalanceCallback done) {
  PendingOperation pending;
  pending.balance = std::move(done);
  pending.owner = self_.lock();
  pending.log = private_->log;
  pending.brokenRule = private_->brokenRule;
  pending.what = "on_balance of " + account;
  pending.abiVersion = abiVersion_;
  pending.inFlight = private_->inFlight;
  ++*pending.inFlight;
  uint64_t id = OperationTable::instance().add(std::move(pending));
  api_.on_balance(api_.plugin_ptr, view(account), view(asset), toPtr(id));
}

namespace {
template <typename T, typename Start>
T waitFor(Start&& start) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  start([promise](T value) { promise->set_value(std::move(value)); });
  return future.get();
}
}  // namespace

Outcome LoadedPlugin::executeAndWait(const Operation& op) {
  return waitFor<Outcome>([&](auto cb) { execute(op, cb); });
}
Outcome LoadedPlugin::preflightAndWait(const Operation& op) {
  return waitFor<Outcome>([&](auto cb) { preflight(op, cb); });
}
Outcome LoadedPlugin::lookupAndWait(const std::string& key) {
  return waitFor<Outcome>([&](auto cb) { lookup(key, cb); });
}
Outcome LoadedPlugin::verifyAndWait(const Receipt& receipt) {
  return waitFor<Outcome>([&](auto cb) { verify(receipt, cb); });
}
Balance LoadedPlugin::balanceAndWait(const std::string& account, const std::string& asset) {
  return waitFor<Balance>([&](auto cb) { balance(account, asset, cb); });
}

}  // namespace finp2p::ledger
