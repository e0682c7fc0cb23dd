#pragma once
// The local operators' service (finp2p-execctl talks to it). Listens on loopback or a unix
// socket only; it is not part of the FinP2P protocol.

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "finp2p/admin.grpc.pb.h"
#include "ledgers/ledger_registry.hpp"
#include "node/router_node.hpp"

namespace finp2p::rpc {

class Outbox;
class PeerService;

class AdminService final : public finp2p::admin::AdminService::Service {
 public:
  AdminService(node::RouterNode& node, ledgers::LedgerRegistry& ledgers);

  grpc::Status SubmitPlan(grpc::ServerContext*, const finp2p::admin::SubmitPlanRequest*,
                          finp2p::admin::SubmitPlanResponse*) override;
  grpc::Status GetExecution(grpc::ServerContext*, const finp2p::admin::GetExecutionRequest*,
                            finp2p::admin::GetExecutionResponse*) override;
  grpc::Status ListExecutions(grpc::ServerContext*, const finp2p::admin::ListExecutionsRequest*,
                              finp2p::admin::ListExecutionsResponse*) override;
  grpc::Status WatchExecution(grpc::ServerContext*, const finp2p::admin::GetExecutionRequest*,
                              grpc::ServerWriter<finp2p::admin::ExecutionUpdate>*) override;
  grpc::Status ListLedgers(grpc::ServerContext*, const finp2p::admin::ListLedgersRequest*,
                           finp2p::admin::ListLedgersResponse*) override;
  grpc::Status ReloadLedger(grpc::ServerContext*, const finp2p::admin::ReloadLedgerRequest*,
                            finp2p::admin::ReloadLedgerResponse*) override;
  grpc::Status GetBalance(grpc::ServerContext*, const finp2p::admin::GetBalanceRequest*,
                          finp2p::admin::GetBalanceResponse*) override;
  grpc::Status SubscribeTerminal(grpc::ServerContext*,
                                 const finp2p::admin::SubscribeTerminalRequest*,
                                 grpc::ServerWriter<finp2p::admin::TerminalEvent>*) override;
  grpc::Status ListPeers(grpc::ServerContext*, const finp2p::admin::ListPeersRequest*,
                         finp2p::admin::ListPeersResponse*) override;
  // Where ListPeers reads from; both outlive the service. Set before the server starts.
  void watchPeers(const Outbox& outbox, const PeerService& peers) {
    outbox_ = &outbox;
    peerService_ = &peers;
  }
  // Told of every reload (the ledger's name, whether it loaded), for metrics. Set before the
  // server starts.
  void setReloadListener(std::function<void(const std::string&, bool)> listener) {
    reloadListener_ = std::move(listener);
  }

 private:
  struct Subscriber {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<finp2p::admin::TerminalEvent> events;
  };
  node::RouterNode& node_;
  ledgers::LedgerRegistry& ledgers_;
  std::mutex subscribersMutex_;
  std::vector<std::shared_ptr<Subscriber>> subscribers_;
  std::function<void(const std::string&, bool)> reloadListener_;
  const Outbox* outbox_ = nullptr;
  const PeerService* peerService_ = nullptr;
};

}  // namespace finp2p::rpc
