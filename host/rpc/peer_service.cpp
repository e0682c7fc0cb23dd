#include "rpc/peer_service.hpp"

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>
#include <spdlog/spdlog.h>

namespace finp2p::rpc {

using namespace finp2p::execution;

PeerService::PeerService(std::string self, crypto::SigningKey key,
                         std::map<std::string, crypto::VerifyingKey> peerKeys,
                         node::RouterNode& node, int64_t maxSkewMillis, bool requireTlsIdentity,
                         PeerLimits limits)
    : intake_(std::move(self), std::move(key), peerKeys, node, maxSkewMillis, requireTlsIdentity,
              limits) {
  for (const auto& [peer, peerKey] : peerKeys) lastTaken_[peer] = 0;
}

int64_t PeerService::lastTakenMillis(const std::string& peer) const {
  auto it = lastTaken_.find(peer);
  return it == lastTaken_.end() ? 0 : it->second.load();
}

namespace {
template <typename Signed>
const char* messageKind() {
  if constexpr (std::is_same_v<Signed, SignedProposeRequest>) return "propose";
  if constexpr (std::is_same_v<Signed, SignedApproveRequest>) return "approve";
  if constexpr (std::is_same_v<Signed, SignedRejectRequest>) return "reject";
  return "resend";
}
}  // namespace

template <typename Signed, typename Response>
grpc::ServerUnaryReactor* PeerService::handle(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* body, grpc::ByteBuffer* out) {
  auto* reactor = context->DefaultReactor();
  // The request and its answer live until the answer is serialized (gRPC keeps `out` alive
  // until Finish).
  auto call = std::make_shared<std::pair<Signed, Response>>();
  auto finish = [this, reactor, out, call](finp2p::common::Status s) {
    const auto& sender = call->first.request().envelope().senderorganizationid();
    if (observer_) observer_->answered(sender, messageKind<Signed>(), s.code());
    // Taken means its seal verified: the sender is the configured peer it names.
    if (s.code() == 0) {
      if (auto it = lastTaken_.find(sender); it != lastTaken_.end()) it->second = node::nowMillis();
    }
    intake_.answer(call->second, call->first.request().envelope(), std::move(s));
    bool ownBuffer = false;
    auto serialized = grpc::SerializationTraits<Response>::Serialize(call->second, out, &ownBuffer);
    reactor->Finish(serialized.ok() ? grpc::Status::OK : serialized);
  };
  grpc::ByteBuffer copy(*body);
  if (!grpc::SerializationTraits<Signed>::Deserialize(&copy, &call->first).ok()) {
    call->first.Clear();
    finish(PeerIntake::status(kMalformed,
                              "malformed body: not a " + Signed::descriptor()->full_name()));
    return reactor;
  }
  std::vector<std::string> identities;
  if (auto auth = intake_.checksTlsIdentity() ? context->auth_context() : nullptr) {
    for (const auto& id : auth->GetPeerIdentity()) identities.emplace_back(id.data(), id.size());
  }
  intake_.take(call->first.request(), call->first.signature(), identities, std::move(finish));
  return reactor;
}

grpc::ServerUnaryReactor* PeerService::Propose(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) {
  return handle<SignedProposeRequest, SignedProposeResponse>(context, request, response);
}

grpc::ServerUnaryReactor* PeerService::Approve(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) {
  return handle<SignedApproveRequest, SignedApproveResponse>(context, request, response);
}

grpc::ServerUnaryReactor* PeerService::Reject(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) {
  return handle<SignedRejectRequest, SignedRejectResponse>(context, request, response);
}

grpc::ServerUnaryReactor* PeerService::Resend(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) {
  return handle<SignedResendRequest, SignedResendResponse>(context, request, response);
}

}  // namespace finp2p::rpc
