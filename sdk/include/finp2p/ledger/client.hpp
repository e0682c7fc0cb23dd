#pragma once
/// @file
/// The host side of the ledger ABI: loads a plugin file with Boost.DLL, checks its ABI and
/// optional SHA-256 pin, and calls it through C++ callbacks. Used by finp2p-execd and by the
/// conformance runner, so a vendor tests its plugin exactly as the host will load it.
///
/// The host refuses what a plugin must not do: results with an unknown status, success without
/// a receipt, a receipt that is not the receipt of the operation executed (receipt_check.hpp:
/// another operation id, kind, account, asset, amount or lock) or, from on_lookup, of another
/// key, a receipt whose struct_size is less than the plugin's ABI version's receipt, a second
/// completion of one operation (ignored, and reported through LoadOptions::onBrokenRule). It ends
/// an operation whose context deadline passed with TIMEOUT (a hung plugin does not hang the
/// host); the instance stays alive until the plugin completes it, so on_destroy never runs
/// while an operation is inside the plugin. A loaded library is never unloaded: code of an unloaded
/// library that is still referenced (a thread, a callback) would crash the host.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "finp2p/ledger/abi.h"
#include "finp2p/ledger/types.hpp"

namespace finp2p::ledger {

enum class LoadErrorCode {
  kMissingFile,   // no file at the configured path
  kNotAPlugin,    // not a shared library, or it lacks the entry point
  kAbiMismatch,   // different ABI major, or a newer minor than the host
  kHashMismatch,  // the file's SHA-256 differs from the configured pin
  kInitFailed,    // the plugin's init refused (its message is included)
  kException,     // the plugin's entry point threw
};
const char* loadErrorCodeName(LoadErrorCode code);

struct LoadError {
  LoadErrorCode code;
  std::string message;
};

using LogSink = std::function<void(finp2p_ledger_log_level, const std::string&)>;
using BrokenRuleSink = std::function<void(const std::string&)>;

struct LoadOptions {
  std::string expectedSha256;  // lowercase hex; empty: not pinned
  LogSink log;                 // plugin log lines and host-side complaints; default: stderr
  // Called once the instance has been destroyed (after its on_destroy returned).
  std::function<void()> onDestroyed;
  // Called, from the plugin's thread, when the plugin breaks a rule of abi.h that no caller
  // sees in an outcome: a second completion of one operation (ignored). Default: logged as an
  // ERROR through `log`. The conformance runner fails the case with it.
  BrokenRuleSink onBrokenRule;
  // false: operations are not ended with TIMEOUT at their context deadline; the caller
  // enforces deadlines itself (finp2p-ledger-host: the router kills the process instead).
  bool timeOutAtDeadline = true;
};

/// What can be learned from a plugin file without calling its entry point.
struct PluginFile {
  std::string sha256;
  uint32_t abiVersion = 0;  // 0: the plugin does not export its version (checked at init)
};

class LoadedPlugin {
 public:
  /// Checks a file as load() would, without creating an instance: it exists, matches the pin,
  /// is a shared library with the entry point, and (when it exports its version) speaks this
  /// host's ABI. The library is loaded (its static constructors run) but its init is not called.
  static std::variant<PluginFile, LoadError> inspect(const std::string& path,
                                                     const std::string& expectedSha256);

  using OutcomeCallback = std::function<void(Outcome)>;
  using BalanceCallback = std::function<void(Balance)>;

  static std::variant<std::shared_ptr<LoadedPlugin>, LoadError> load(const std::string& path,
                                                                     const Config& config,
                                                                     LoadOptions options = {});
  ~LoadedPlugin();
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;

  const Description& description() const { return description_; }
  const std::string& path() const { return path_; }
  const std::string& sha256() const { return sha256_; }
  uint32_t abiVersion() const { return abiVersion_; }
  bool hasPreflight() const { return api_.on_preflight != nullptr; }
  // Operations started and not yet completed by the plugin. One the host gave up on at its
  // deadline counts until the plugin completes it: until then the instance is not destroyed.
  int operationsInFlight() const;

  // Each completes through its callback exactly once, on a plugin or host thread.
  void execute(const Operation& op, OutcomeCallback done);
  void preflight(const Operation& op, OutcomeCallback done);
  void lookup(const std::string& idempotencyKey, OutcomeCallback done);
  void verify(const Receipt& receipt, OutcomeCallback done);
  void balance(const std::string& account, const std::string& asset, BalanceCallback done);

  // Blocking forms, for tools and tests.
  Outcome executeAndWait(const Operation& op);
  Outcome preflightAndWait(const Operation& op);
  Outcome lookupAndWait(const std::string& idempotencyKey);
  Outcome verifyAndWait(const Receipt& receipt);
  Balance balanceAndWait(const std::string& account, const std::string& asset);

 private:
  struct Private;
  LoadedPlugin() = default;
  uint64_t startOperation(OutcomeCallback done, int64_t deadlineUnixMs, const Operation* op,
                          const std::string* lookupKey);

  std::string path_;
  std::string sha256_;
  uint32_t abiVersion_ = 0;
  Description description_;
  finp2p_ledger_plugin_api api_{};
  std::shared_ptr<Private> private_;
  std::weak_ptr<LoadedPlugin> self_;
};

std::string fileSha256(const std::string& path);  // lowercase hex; empty if unreadable

}  // namespace finp2p::ledger
