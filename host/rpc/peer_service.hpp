#pragma once
// ExecutionService for peers: the gRPC adapter of PeerIntake (peer_intake.hpp), which checks
// every request before it reaches the engine — addressed to this router, from a configured
// organization, sealed by that organization's key, fresh (within the allowed clock skew), and
// not a repeat of a message already accepted. Every answer is sealed with this router's key.
// Refusals are statuses with a reason, never crashes.
//
// gRPC's callback API: an accepted message is answered from the journal's commit callback once
// it is durable, so no thread waits for the fsync. (The synchronous API kept one thread blocked
// per call in flight, and its idle threads, all polling one queue, cost more CPU than the
// signatures.)

#include <atomic>
#include <map>
#include <string>

#include "finp2p/execution.grpc.pb.h"
#include "rpc/peer_intake.hpp"

namespace finp2p::rpc {

// The methods take raw bytes, so that a body that does not parse is answered with a sealed
// validation status (1) like any other refusal, not with gRPC's unsealed error.
using RawPeerMethods = finp2p::execution::ExecutionService::WithRawCallbackMethod_Propose<
    finp2p::execution::ExecutionService::WithRawCallbackMethod_Approve<
        finp2p::execution::ExecutionService::WithRawCallbackMethod_Reject<
            finp2p::execution::ExecutionService::WithRawCallbackMethod_Resend<
                finp2p::execution::ExecutionService::CallbackService>>>>;

// What the peer service reports, for metrics at the edge (no metric code here). Called on
// gRPC's and the journal's threads; must be quick.
class PeerServiceObserver {
 public:
  virtual ~PeerServiceObserver() = default;
  // A message was answered: `kind` propose, approve, reject or resend; `sender` as the
  // envelope names it (unchecked: any string); `code` 0 when taken, else why it was refused.
  virtual void answered(const std::string& sender, const char* kind, int code) = 0;
};

class PeerService final : public RawPeerMethods {
 public:
  PeerService(std::string self, crypto::SigningKey key,
              std::map<std::string, crypto::VerifyingKey> peerKeys, node::RouterNode& node,
              int64_t maxSkewMillis, bool requireTlsIdentity = false, PeerLimits limits = {});

  grpc::ServerUnaryReactor* Propose(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Approve(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Reject(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Resend(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;
  // Set before the server starts; outlives the service.
  void setObserver(PeerServiceObserver* observer) { observer_ = observer; }
  // When a message from this configured peer was last taken (answered 0); 0: not since the start.
  int64_t lastTakenMillis(const std::string& peer) const;

 private:
  template <typename Signed, typename Response>
  grpc::ServerUnaryReactor* handle(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request, grpc::ByteBuffer* response);

  PeerIntake intake_;
  PeerServiceObserver* observer_ = nullptr;
  // One entry per configured peer, made at construction: read and written without a lock.
  std::map<std::string, std::atomic<int64_t>> lastTaken_;
};

}  // namespace finp2p::rpc
