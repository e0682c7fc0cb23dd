#pragma once
/// @file
/// The C++ side of a ledger plugin. Derive from finp2p::ledger::Adapter, implement the hooks
/// your ledger supports, and register the class once with FINP2P_LEDGER_PLUGIN(MyAdapter).
/// This code is compiled into the plugin; only the C entry point of abi.h and the ABI version
/// export are exported.
///
/// Every hook runs behind a noexcept barrier: an exception becomes an INTERNAL error result,
/// never a crash of the host. Hooks may be called from several threads at once.

#include <functional>
#include <memory>
#include <string>

#include "finp2p/ledger/abi.h"
#include "finp2p/ledger/types.hpp"

namespace finp2p::ledger {

class TimerThread;

/// Completes one operation, exactly once, from any thread, now or later. Copies share one
/// state: the first complete() wins and later ones are ignored. If the last copy is destroyed
/// without completing, the host receives an INTERNAL error instead of waiting forever.
class Completion {
 public:
  Completion(const finp2p_ledger_host_api* host, void* completionPtr);
  void complete(const Outcome& outcome) const noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

class Adapter {
 public:
  Adapter();
  virtual ~Adapter();

  virtual Description describe() const = 0;

  // Ledger operations. The default refuses with UNSUPPORTED.
  virtual void hold(const Operation& op, Completion done);
  virtual void release(const Operation& op, Completion done);
  virtual void revertHold(const Operation& op, Completion done);
  virtual void transfer(const Operation& op, Completion done);
  virtual void issue(const Operation& op, Completion done);
  virtual void redeem(const Operation& op, Completion done);
  /// ABI 1.2, hash time-locked holds (abi.h lists what each must refuse).
  virtual void hashLock(const Operation& op, Completion done);
  virtual void claim(const Operation& op, Completion done);
  virtual void refund(const Operation& op, Completion done);
  /// Default: completes when wait_until_unix_s has passed (an SDK timer thread); a condition
  /// is refused as UNSUPPORTED. Override to understand ledger conditions.
  virtual void await(const Operation& op, Completion done);
  /// Can this operation be executed (checked at plan approval)? Default: yes.
  virtual void preflight(const Operation& op, Completion done);

  /// The stored outcome for an idempotency key: OK with the receipt, an error, PENDING, or
  /// NOT_FOUND when the ledger never saw the key.
  virtual Outcome lookup(const std::string& idempotencyKey) = 0;
  /// OK when `receipt` matches a transaction on this ledger; VALIDATION naming the mismatch.
  virtual Outcome verify(const Receipt& receipt) = 0;
  virtual Balance balance(const std::string& account, const std::string& asset) = 0;

  /// Dispatches on op.kind; plugins rarely override it.
  virtual void execute(const Operation& op, Completion done);

  void attachHost(const finp2p_ledger_host_api* host) { host_ = host; }

 protected:
  void log(finp2p_ledger_log_level level, const std::string& message) const;
  /// Runs `fn` at `unixMs` on the SDK's timer thread (started on first use).
  void runAt(int64_t unixMs, std::function<void()> fn);

 private:
  const finp2p_ledger_host_api* host_ = nullptr;
  std::unique_ptr<TimerThread> timer_;  // started by the first runAt()
};

namespace detail {
using AdapterFactory = std::unique_ptr<Adapter> (*)(const Config&);
int32_t initPlugin(const finp2p_ledger_host_api* host, const finp2p_ledger_config_entry* config,
                   size_t configCount, finp2p_ledger_plugin_api* plugin, char* error,
                   size_t errorSize, AdapterFactory factory) noexcept;
}  // namespace detail

}  // namespace finp2p::ledger

/// Registers `AdapterClass` (constructible from `const finp2p::ledger::Config&`; a throwing
/// constructor fails the load with its message) as this library's ledger plugin.
#define FINP2P_LEDGER_PLUGIN(AdapterClass)                                                     \
  extern "C" __attribute__((visibility("default"))) uint32_t finp2p_ledger_plugin_abi_version( \
      void) {                                                                                  \
    return FINP2P_LEDGER_ABI_VERSION;                                                          \
  }                                                                                            \
  extern "C" __attribute__((visibility("default"))) int32_t finp2p_ledger_plugin_init(         \
      const finp2p_ledger_host_api* host, const finp2p_ledger_config_entry* config,            \
      size_t config_count, finp2p_ledger_plugin_api* plugin, char* error, size_t error_size) { \
    return ::finp2p::ledger::detail::initPlugin(                                               \
        host, config, config_count, plugin, error, error_size,                                 \
        [](const ::finp2p::ledger::Config& c) -> std::unique_ptr<::finp2p::ledger::Adapter> {  \
          return std::make_unique<AdapterClass>(c);                                            \
        });                                                                                    \
  }
