#pragma once
// The conformance cases' fixture: the plugin under test, a deadline on every call, unique
// accounts and keys per case, and restart() (the instance destroyed, a new one created on the
// same configuration, as after a crash or a reload).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <ostream>
#include <thread>

#include "finp2p/ledger/receipt_check.hpp"

#include "conformance.hpp"

namespace finp2p::ledger {
// Amounts print as text in failure messages (gtest would print the object's bytes).
inline void PrintTo(const Decimal& d, std::ostream* os) {
  *os << d.toString();
}
}  // namespace finp2p::ledger

namespace finp2p::conformance {

using ledger::Decimal;
using ledger::LoadedPlugin;
using ledger::Operation;
using ledger::Outcome;

// What to fix, appended to the failures that find it.
inline constexpr const char* kExecutedTwice =
    "the same idempotency key was executed twice: a repeated key must return the stored outcome "
    "of the first execution (the same receipt) and move nothing again (abi.h, "
    "finp2p_ledger_context)";
inline constexpr const char* kForgot =
    "after the instance was destroyed and a new one created on the same configuration (a crash, "
    "a restart or a reload), the plugin no longer knew an operation it had completed: outcomes "
    "must be durable before the operation completes, since the host asks on_lookup after every "
    "restart before it executes again (kept in memory only, static variables included, they "
    "do not survive a crash: the new instance was created from the library loaded afresh). ";

inline constexpr const char* kLookup =
    "on_lookup must return the stored outcome of the key it is asked for: the receipt the "
    "execution of that key returned (abi.h, finp2p_ledger_plugin_api)";

// An outcome that must be OK, with the plugin's message when it is not.
inline ::testing::AssertionResult succeeded(const Outcome& o) {
  if (o.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << ledger::statusName(o.status) << ": " << o.message;
}

class Conformance : public ::testing::Test {
 protected:
  void SetUp() override {
    takeBrokenRules();  // a previous case's stragglers are that case's, not this one's
    plugin_ = load();
    ASSERT_NE(plugin_, nullptr);
    prefix_ = "conf-" + settings().runId + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  // Every call has a deadline: a plugin that never completes an operation fails that case,
  // naming the operation, instead of hanging the run.
  static constexpr int kCallSeconds = 10;
  template <typename T, typename Start>
  T within(const std::string& what, Start&& start, T onTimeout) {
    auto promise = std::make_shared<std::promise<T>>();
    auto future = promise->get_future();
    start([promise](T value) { promise->set_value(std::move(value)); });
    if (future.wait_for(std::chrono::seconds(kCallSeconds)) == std::future_status::ready) {
      return future.get();
    }
    ADD_FAILURE() << "the plugin did not complete " << what << " within " << kCallSeconds
                  << " s: every hook must complete its operation exactly once "
                     "(callback_complete / callback_balance), from any thread";
    return onTimeout;
  }
  Outcome timedOut() { return Outcome::failure(FINP2P_LEDGER_ERROR_TIMEOUT, "no completion"); }
  // What no outcome shows (a second completion) fails the case it happened in.
  void TearDown() override {
    for (const auto& why : takeBrokenRules()) ADD_FAILURE() << why;
  }

  Outcome execute(const Operation& o) {
    executed_[o.context.idempotencyKey] = o;
    return within<Outcome>(
        std::string(ledger::operationKindName(o.kind)) + " " + o.context.idempotencyKey,
        [&](auto cb) { plugin_->execute(o, cb); }, timedOut());
  }
  Outcome preflight(const Operation& o) {
    return within<Outcome>(
        std::string("on_preflight of ") + ledger::operationKindName(o.kind) + " " +
            o.context.idempotencyKey,
        [&](auto cb) { plugin_->preflight(o, cb); }, timedOut());
  }
  // The host checks that a found receipt names the key; this also checks it is the receipt of
  // the operation this case executed under the key.
  Outcome lookup(const std::string& k) {
    auto found = within<Outcome>(
        "on_lookup of " + k, [&](auto cb) { plugin_->lookup(k, cb); }, timedOut());
    auto it = executed_.find(k);
    if (found.ok() && found.receipt && it != executed_.end()) {
      if (auto why = ledger::checkReceipt(it->second, *found.receipt); !why.empty()) {
        ADD_FAILURE() << "on_lookup of " << k << " returned a receipt that is not the receipt of "
                      << ledger::operationKindName(it->second.kind) << " " << k
                      << ", the operation executed under that key: " << why << ". " << kLookup;
        return Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL, why);
      }
    }
    return found;
  }
  Outcome verify(const ledger::Receipt& r) {
    return within<Outcome>(
        "on_verify of " + r.transactionId, [&](auto cb) { plugin_->verify(r, cb); }, timedOut());
  }
  ledger::Balance balance(const std::string& who, const std::string& asset) {
    return within<ledger::Balance>(
        "on_balance of " + who, [&](auto cb) { plugin_->balance(who, asset, cb); },
        ledger::Balance{FINP2P_LEDGER_ERROR_TIMEOUT, "no completion", "0", "0", "0"});
  }

  std::string account(const std::string& name) const { return prefix_ + "-" + name; }
  std::string key(const std::string& name) const { return prefix_ + "_" + name; }

  Operation op(finp2p_ledger_operation_kind kind, const std::string& keyName,
               const std::string& amount) const {
    Operation o;
    o.kind = kind;
    o.context.planId = prefix_;
    o.context.idempotencyKey = key(keyName);
    o.asset = settings().asset;
    o.assetDecimals = settings().decimals;
    o.amount = amount;
    return o;
  }

  Outcome issue(const std::string& to, const std::string& amount, const std::string& keyName) {
    auto o = op(FINP2P_LEDGER_OP_ISSUE, keyName, amount);
    o.destination = to;
    return execute(o);
  }
  Outcome transfer(const std::string& from, const std::string& to, const std::string& amount,
                   const std::string& keyName) {
    auto o = op(FINP2P_LEDGER_OP_TRANSFER, keyName, amount);
    o.source = from;
    o.destination = to;
    return execute(o);
  }
  Outcome hold(const std::string& from, const std::string& to, const std::string& amount,
               const std::string& keyName) {
    auto o = op(FINP2P_LEDGER_OP_HOLD, keyName, amount);
    o.source = from;
    o.destination = to;
    return execute(o);
  }

  // available and held, as exact decimals
  std::pair<std::string, std::string> balanceOf(const std::string& who) {
    auto b = balance(who, settings().asset);
    EXPECT_EQ(b.status, FINP2P_LEDGER_OK) << b.message;
    EXPECT_EQ(*Decimal::parse(b.current), *Decimal::parse(b.available) + *Decimal::parse(b.held))
        << "current must be available + held";
    return {Decimal::parse(b.available)->toString(), Decimal::parse(b.held)->toString()};
  }
  using Pair = std::pair<std::string, std::string>;

  // A crash or a reload: the instance is destroyed (on_destroy returned) and only the ledger's
  // storage remains, then a new instance is created on the same configuration, from the library
  // loaded afresh (a copy of the file): outcomes kept in the plugin's memory, static variables
  // included, are gone, as in the new process a router starts after a crash.
  void restart() {
    plugin_.reset();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kCallSeconds);
    while (!*destroyed_ && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(*destroyed_) << "the plugin instance was not destroyed within " << kCallSeconds
                             << " s of its last operation: an operation was never completed";
    plugin_ = load(/*freshLibrary=*/true);
    ASSERT_NE(plugin_, nullptr) << "a new instance could not be created on the same state";
  }

  std::shared_ptr<LoadedPlugin> load(bool freshLibrary = false) {
    destroyed_ = std::make_shared<std::atomic<bool>>(false);
    return loadPlugin([flag = destroyed_] { *flag = true; }, freshLibrary);
  }

  std::shared_ptr<LoadedPlugin> plugin_;
  std::map<std::string, Operation> executed_;  // by idempotency key
  std::shared_ptr<std::atomic<bool>> destroyed_;
  std::string prefix_;
};

}  // namespace finp2p::conformance
