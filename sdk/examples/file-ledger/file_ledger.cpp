// file-ledger: a sample ledger plugin for vendors. It keeps balances in memory and makes them
// durable by appending every executed operation to a log file (fsync'd) that it replays on
// start (file_book.hpp). Built against the installed SDK only; passes finp2p-ledger-conformance.
//
// [ledger.config]
//   log = "/var/lib/finp2p/file-ledger.log"

#include <mutex>

#include "file_book.hpp"

namespace {

using namespace finp2p::ledger;

class FileLedger final : public Adapter {
 public:
  explicit FileLedger(const Config& config) : book_(logPath(config)) {}

  Description describe() const override {
    return {"file-ledger", "0.1.0", allOperations(), "fiat"};
  }

  void execute(const Operation& op, Completion done) override {
    if (op.kind == FINP2P_LEDGER_OP_AWAIT) return Adapter::await(op, done);
    std::lock_guard lock(mutex_);
    // The same idempotency key again: the stored outcome, never a second execution.
    if (const auto* before = book_.stored(op.context.idempotencyKey)) {
      if (before->fingerprint != operationFingerprint(op)) {
        return done.complete(Outcome::failure(FINP2P_LEDGER_ERROR_VALIDATION,
                                              "idempotency key reused for another operation"));
      }
      return done.complete(before->outcome);
    }
    done.complete(book_.applyAndLog(op));
  }

  Outcome lookup(const std::string& key) override {
    std::lock_guard lock(mutex_);
    return book_.lookup(key);
  }

  Outcome verify(const Receipt& r) override {
    std::lock_guard lock(mutex_);
    return book_.verify(r);
  }

  Balance balance(const std::string& account, const std::string& asset) override {
    std::lock_guard lock(mutex_);
    return book_.balance(account, asset);
  }

 private:
  static std::string logPath(const Config& config) {
    auto path = config.getPath("log");  // relative: to the router's TOML
    if (!path) throw std::invalid_argument("config key \"log\" is required");
    return *path;
  }

  std::mutex mutex_;
  file_ledger::FileBook book_;
};

}  // namespace

FINP2P_LEDGER_PLUGIN(FileLedger)
