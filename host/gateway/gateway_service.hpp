#pragma once
// The adapter API served for the [[ledger]] plugins of one finp2p-adapter-gateway: every path of
// dlt-adapter-api.yaml. Asset operations run on the ledger that serves their asset; each
// mutating call is recorded under its Idempotency-Key before the plugin sees it, answered with
// the result when the plugin completes within `answer_within_ms`, else with isCompleted: false
// and found later by GET /operations/status/{cid}. After a restart an operation left open is
// finished the way the router finishes one: lookup of its key, execute only if the plugin
// never saw it.

#include <condition_variable>
#include <mutex>
#include <set>
#include <string>

#include "gateway/gateway_config.hpp"
#include "gateway/gateway_store.hpp"
#include "gateway/request_codec.hpp"
#include "ledgers/ledger_registry.hpp"
#include "ops/http_listener.hpp"

namespace finp2p::gateway {

class GatewayService {
 public:
  GatewayService(const GatewayConfig& config, ledgers::LedgerRegistry& registry,
                 GatewayStore& store);
  ~GatewayService();

  ops::HttpResponse handle(const ops::HttpRequest& request);
  bool authorized(const std::string& authorizationHeader) const;
  // Starts every operation a previous run left open (it completes in the background).
  void resumePending();

 private:
  ops::HttpResponse assetOperation(ledger::OperationKind kind, const ops::HttpRequest& request,
                                   const Json& body);
  ops::HttpResponse operationStatus(const std::string& cid);
  ops::HttpResponse receipt(const std::string& transactionId);
  ops::HttpResponse balance(const Json& body, bool deprecatedForm);
  ops::HttpResponse planApproval(const Json& body, const std::string& route);
  ops::HttpResponse createAsset(const Json& body);

  // Runs the stored operation (lookup first when `resuming`) unless it is running already.
  void start(const StoredOperation& stored, bool resuming);
  void finish(const std::string& cid, const GatewayOperation& g, const ledger::Outcome& outcome);
  // The operation's envelope after waiting at most answer_within_ms for it.
  Json awaitEnvelope(const std::string& cid);
  uint32_t decimalsOf(const std::string& asset) const;

  const GatewayConfig& config_;
  ledgers::LedgerRegistry& registry_;
  GatewayStore& store_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::set<std::string> running_;  // cids handed to a plugin and not yet completed
  int started_ = 0;                // operations in the plugins, for the destructor
};

}  // namespace finp2p::gateway
