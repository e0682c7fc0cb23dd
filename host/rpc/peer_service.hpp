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
#include "model/message_limits.hpp"
#include "node/router_node.hpp"

namespace finp2p::rpc {

using namespace finp2p::protocol;  // the status codes of docs/protocol.md

// What one peer may make this router store (docs/reliability.md, "Limits").
struct PeerLimits {
  model::MessageLimits structure;                        // refused with 1 beyond
  std::size_t maxPlanBytes = 1 << 20;                    // a proposal's plan; refused with 1
  std::size_t maxPlansPerMinute = 60'000;                // new plans; refused with 10 beyond
  std::size_t maxBytesPerMinute = std::size_t{1} << 30;  // accepted messages; 10 beyond
};

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
  grpc::ServerUnaryReactor* handle(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request, grpc::ByteBuffer* response);
  template <typename Response>
  void answer(Response& response, const finp2p::common::Envelope& to,
              finp2p::common::Status status);
  // Structural and size limits of a message, before anything of it is copied.
  template <typename Request>
  std::optional<finp2p::common::Status> checkLimits(const Request& request) const;
  // Within the sender's per-minute allowance? `charge` records an accepted message.
  std::optional<finp2p::common::Status> checkRate(const std::string& sender, bool newPlan,
                                                  int64_t now);
  void charge(const std::string& sender, std::size_t bytes, bool newPlan, int64_t now);
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
  PeerLimits limits_;
  struct Minute {
    int64_t start = 0;
    std::size_t plans = 0;
    std::size_t bytes = 0;
  };
  std::mutex rateMutex_;
  std::map<std::string, Minute> rates_;  // per sender, the current minute's allowance used
  PeerServiceObserver* observer_ = nullptr;
};

}  // namespace finp2p::rpc
