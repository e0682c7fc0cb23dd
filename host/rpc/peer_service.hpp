#pragma once
// ExecutionService for peers. Every request is checked before it reaches the engine: addressed
// to this router, from a configured organization, sealed by that organization's key, fresh
// (within the allowed clock skew), and not a repeat of a message already accepted. Every answer
// is sealed with this router's key. Refusals are statuses with a reason, never crashes.

#include <map>
#include <mutex>
#include <string>

#include "crypto/keys.hpp"
#include "finp2p/execution.grpc.pb.h"
#include "node/router_node.hpp"

namespace finp2p::rpc {

// Status codes of docs/protocol.md.
enum StatusCode : int32_t {
  kOk = 0,
  kMalformed = 1,
  kSignature = 4,
  kNotAuthorized = 5,
  kStale = 6,
  kInternal = 9,
};

class PeerService final : public finp2p::execution::ExecutionService::Service {
 public:
  PeerService(std::string self, crypto::SigningKey key,
              std::map<std::string, crypto::VerifyingKey> peerKeys, node::RouterNode& node,
              int64_t maxSkewMillis, bool requireTlsIdentity = false);

  grpc::Status Propose(grpc::ServerContext*, const finp2p::execution::SignedProposeRequest* request,
                       finp2p::execution::SignedProposeResponse* response) override;
  grpc::Status Approve(grpc::ServerContext*, const finp2p::execution::SignedApproveRequest* request,
                       finp2p::execution::SignedApproveResponse* response) override;
  grpc::Status Reject(grpc::ServerContext*, const finp2p::execution::SignedRejectRequest* request,
                      finp2p::execution::SignedRejectResponse* response) override;

 private:
  template <typename Request>
  finp2p::common::Status accept(grpc::ServerContext* context, const Request& request,
                                const finp2p::common::SealingSignature& signature);
  template <typename Response>
  void answer(Response& response, const finp2p::common::Envelope& to,
              finp2p::common::Status status);
  bool seen(const std::string& sender, const std::string& messageId, int64_t now);
  void remember(const std::string& sender, const std::string& messageId, int64_t now);

  std::string self_;
  crypto::SigningKey key_;
  std::map<std::string, crypto::VerifyingKey> peerKeys_;
  node::RouterNode& node_;
  int64_t maxSkewMillis_;
  std::mutex seenMutex_;
  std::map<std::string, int64_t> seen_;  // "sender\nmessageId" -> accepted at
  int64_t lastPurge_ = 0;
  bool requireTlsIdentity_;
};

}  // namespace finp2p::rpc
