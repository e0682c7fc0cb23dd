#pragma once
// The embedded ledger: a double-entry ledger in its own SQLite file. Accounts per (owner,
// asset) with available and held balances, holds keyed by the hold's operation id,
// transactions with their postings, hash locks (hash_locks.hpp), and an idempotency table: the same
// key twice returns the stored outcome and moves nothing twice, also after a restart.

#include <mutex>
#include <string>

#include "finp2p/ledger/types.hpp"
#include "sqlite_db.hpp"

namespace finp2p::sqlite_ledger {

using finp2p::ledger::Balance;
using finp2p::ledger::Operation;
using finp2p::ledger::Outcome;
using finp2p::ledger::Receipt;

class SqliteLedger {
 public:
  SqliteLedger(const std::string& path, bool fullSync, bool preflightChecksBalance);

  Outcome execute(const Operation& op);
  Outcome preflight(const Operation& op);
  Outcome lookup(const std::string& idempotencyKey);
  Outcome verify(const Receipt& receipt);
  Balance balance(const std::string& account, const std::string& asset);

 private:
  Outcome apply(const Operation& op);
  Outcome hold(const Operation& op, const char* type = "hold");
  Outcome release(const Operation& op, const char* type = "release");
  Outcome revertHold(const Operation& op, const char* type = "revert_hold");
  Outcome hashLock(const Operation& op);
  Outcome claim(const Operation& op);
  Outcome refund(const Operation& op);
  std::optional<Outcome> refundTooEarly(const Operation& op);
  Outcome transfer(const Operation& op);
  Outcome issue(const Operation& op);
  Outcome redeem(const Operation& op);

  Outcome storedOutcome(const std::string& key);
  std::optional<Receipt> receiptFor(const std::string& operationId);
  Receipt record(const Operation& op, const std::string& type, const std::string& source,
                 const std::string& destination, const std::string& quantity);

  bool preflightChecksBalance_;
  std::mutex mutex_;  // one connection, one writer at a time
  Database db_;
};

}  // namespace finp2p::sqlite_ledger
