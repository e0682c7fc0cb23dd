#pragma once
// ExecutionService for peers. Every request is checked before it reaches the engine: addressed
// to this router, from a configured organization, sealed by that organization's key, fresh
// (within the allowed clock skew), and not a repeat of a message already accepted. Every answer
// is sealed with this router's key. Refusals are statuses with a reason, never crashes.
//
// gRPC's callback API: an accepted message is answered from the journal's commit callback once
// it is durable, so no thread waits for the fsync. (The synchronous API kept one thread blocked
// per call in flight, and its idle threads, all polling one queue, cost more CPU than the
// signatures.)

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/status_codes.hpp"
#include "crypto/keys.hpp"
#include "finp2p/execution.grpc.pb.h"
#include "node/router_node.hpp"

namespace finp2p::rpc {

using namespace finp2p::protocol;  // the status codes of docs/protocol.md

class PeerService final : public finp2p::execution::ExecutionService::CallbackService {
 public:
  PeerService(std::string self, crypto::SigningKey key,
              std::map<std::string, crypto::VerifyingKey> peerKeys, node::RouterNode& node,
              int64_t maxSkewMillis, bool requireTlsIdentity = false);

  grpc::ServerUnaryReactor* Propose(grpc::CallbackServerContext* context,
                                    const finp2p::execution::SignedProposeRequest* request,
                                    finp2p::execution::SignedProposeResponse* response) override;
  grpc::ServerUnaryReactor* Approve(grpc::CallbackServerContext* context,
                                    const finp2p::execution::SignedApproveRequest* request,
                                    finp2p::execution::SignedApproveResponse* response) override;
  grpc::ServerUnaryReactor* Reject(grpc::CallbackServerContext* context,
                                   const finp2p::execution::SignedRejectRequest* request,
                                   finp2p::execution::SignedRejectResponse* response) override;
  grpc::ServerUnaryReactor* Resend(grpc::CallbackServerContext* context,
                                   const finp2p::execution::SignedResendRequest* request,
                                   finp2p::execution::SignedResendResponse* response) override;

 private:
  static int32_t wireCode(ErrorCode code);
  // Checks the request and hands it to the node; `done` gets the status to answer with.
  template <typename Request>
  void accept(grpc::CallbackServerContext* context, const Request& request,
              const finp2p::common::SealingSignature& signature,
              std::function<void(finp2p::common::Status)> done);
  // The checks that need no engine: sender, addressing, seal, freshness, repeats. A status to
  // answer with at once, or nothing when the message goes on to the node.
  template <typename Request>
  std::optional<finp2p::common::Status> check(grpc::CallbackServerContext* context,
                                              const Request& request,
                                              const finp2p::common::SealingSignature& signature);
  template <typename Signed, typename Response>
  grpc::ServerUnaryReactor* handle(grpc::CallbackServerContext* context, const Signed& request,
                                   Response* response);
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
