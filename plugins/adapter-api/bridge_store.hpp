#pragma once
// What the bridge sent, durably, before it sends it: per idempotency key the endpoint, the exact
// body and Idempotency-Key header (a retry after a crash sends the same bytes), the adapter's
// cid once it answered, and the final outcome once known. Plans the adapter approved are kept
// too (preflight asks once per plan). Errors surface as std::runtime_error (sqlite_db.hpp).

#include <mutex>
#include <optional>
#include <string>

#include "../sqlite-ledger/sqlite_db.hpp"
#include "finp2p/ledger/types.hpp"

namespace finp2p::adapter_bridge {

struct SentRequest {
  std::string key;
  std::string fingerprint;  // ledger::operationFingerprint of the operation
  std::string endpoint;
  std::string body;
  std::string idempotencyHeader;
  std::string cid;                         // empty until the adapter answered
  std::optional<ledger::Outcome> outcome;  // final only
};

class BridgeStore {
 public:
  explicit BridgeStore(const std::string& path);

  std::optional<SentRequest> find(const std::string& key);
  void insert(const SentRequest& request);
  void setCid(const std::string& key, const std::string& cid);
  void setOutcome(const std::string& key, const ledger::Outcome& outcome);

  bool planApproved(const std::string& planId);
  void approvePlan(const std::string& planId);

 private:
  std::mutex mutex_;
  sqlite_ledger::Database db_;
};

}  // namespace finp2p::adapter_bridge
