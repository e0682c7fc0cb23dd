#pragma once
// The gateway's own durable state, one SQLite file: which Idempotency-Key started which
// operation (a retried call gets that operation's stored response, also after a restart), each
// operation with what is needed to finish it after a crash (the ledger operation, its state,
// its response once completed), receipts by transaction id, and the accounts learned from
// requests (a balance query names its owner by finId only).

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace finp2p::gateway {

struct StoredOperation {
  std::string cid;
  std::string kind;       // "hold", ..., "approval": what the status endpoint reports
  std::string ledger;     // the [[ledger]] name; empty for operations that need none
  std::string operation;  // the ledger operation as JSON, to run it again after a restart
  bool done = false;
  std::string response;  // the API's operation envelope once done
};

class GatewayStore {
 public:
  static Result<std::unique_ptr<GatewayStore>> open(const std::string& path);
  ~GatewayStore();
  GatewayStore(const GatewayStore&) = delete;
  GatewayStore& operator=(const GatewayStore&) = delete;

  // Records `op` under `idempotencyKey` in one transaction and returns it; or, when the key
  // was used before, the operation it started. A key used before with another request
  // (`requestDigest` differs) is refused (kAlreadyExists).
  Result<StoredOperation> claim(const std::string& idempotencyKey, const std::string& route,
                                const std::string& requestDigest, const StoredOperation& op);
  Result<std::optional<StoredOperation>> byCid(const std::string& cid);
  Result<std::optional<StoredOperation>> byTransaction(const std::string& transactionId);
  // Marks the operation done with its response; `transactionId` (may be empty) indexes it.
  Status complete(const std::string& cid, const std::string& response,
                  const std::string& transactionId);
  Result<std::vector<StoredOperation>> pending();

  Status rememberAccount(const std::string& finId, const std::string& account);
  Result<std::optional<std::string>> accountFor(const std::string& finId);

 private:
  explicit GatewayStore(sqlite3* db) : db_(db) {}
  std::mutex mutex_;
  sqlite3* db_;
};

}  // namespace finp2p::gateway
