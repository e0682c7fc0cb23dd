#include "rpc/peer_service.hpp"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include "crypto/sealing.hpp"
#include "engine/messages.hpp"

namespace finp2p::rpc {

using namespace finp2p::execution;

namespace {
finp2p::common::Status status(int32_t code, std::string message) {
  finp2p::common::Status s;
  s.set_code(code);
  s.set_message(std::move(message));
  return s;
}
}  // namespace

int32_t PeerService::wireCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kPermissionDenied:
      return kNotAuthorized;
    case ErrorCode::kInvalidArgument:
      return kMalformed;
    case ErrorCode::kUnauthenticated:
      return kSignature;
    case ErrorCode::kNotFound:
      return kUnknownPlan;
    default:
      return kInternal;
  }
}

PeerService::PeerService(std::string self, crypto::SigningKey key,
                         std::map<std::string, crypto::VerifyingKey> peerKeys,
                         node::RouterNode& node, int64_t maxSkewMillis, bool requireTlsIdentity)
    : self_(std::move(self)),
      key_(std::move(key)),
      peerKeys_(std::move(peerKeys)),
      node_(node),
      maxSkewMillis_(maxSkewMillis),
      requireTlsIdentity_(requireTlsIdentity) {}

bool PeerService::seen(const std::string& sender, const std::string& id, int64_t now) {
  std::lock_guard lock(seenMutex_);
  if (now - lastPurge_ > maxSkewMillis_) {
    // Older entries need not be kept: their messages are refused as stale anyway.
    for (auto it = seen_.begin(); it != seen_.end();) {
      it = now - it->second > 2 * maxSkewMillis_ ? seen_.erase(it) : std::next(it);
    }
    lastPurge_ = now;
  }
  return seen_.count(sender + "\n" + id) != 0;
}

void PeerService::remember(const std::string& sender, const std::string& id, int64_t now) {
  std::lock_guard lock(seenMutex_);
  seen_[sender + "\n" + id] = now;
}

template <typename Request>
void PeerService::accept(grpc::CallbackServerContext* context, const Request& request,
                         const finp2p::common::SealingSignature& signature,
                         std::function<void(finp2p::common::Status)> done) {
  if (auto refused = check(context, request, signature)) return done(std::move(*refused));
  const auto& env = request.envelope();
  if constexpr (std::is_same_v<Request, ResendRequest>) {
    // Not remembered: a later request with the same id is as harmless as this one.
    node_.resendRequested(env.senderorganizationid(), request.executionplanid().id(),
                          [done = std::move(done)](Result<std::string> taken) {
                            if (taken) return done(status(kOk, *taken));
                            done(status(wireCode(taken.error().code), taken.error().message));
                          });
    return;
  } else {
    auto event = engine::toEvent(env.senderorganizationid(), request);
    if (!event) return done(status(kMalformed, event.error().message));
    node_.deliverAsync(std::move(*event), [this, from = env.senderorganizationid(),
                                           id = env.messageid(), now = node::nowMillis(),
                                           done = std::move(done)](Result<std::string> delivered) {
      if (!delivered) {
        return done(status(wireCode(delivered.error().code), delivered.error().message));
      }
      remember(from, id, now);
      done(status(kOk, *delivered));
    });
  }
}

template <typename Request>
std::optional<finp2p::common::Status> PeerService::check(
    grpc::CallbackServerContext* context, const Request& request,
    const finp2p::common::SealingSignature& signature) {
  const auto& env = request.envelope();
  const std::string& from = env.senderorganizationid();
  if (requireTlsIdentity_) {
    // The TLS certificate (verified against the CA) must name the organization the message
    // claims to come from.
    std::string names;
    bool matches = false;
    for (const auto& id : context->auth_context()->GetPeerIdentity()) {
      std::string name(id.data(), id.size());
      matches |= name == from;
      names += (names.empty() ? "" : ", ") + name;
    }
    if (!matches) {
      return status(kNotAuthorized, "the TLS certificate names \"" + names +
                                        "\" but the message claims to come from \"" + from + "\"");
    }
  }
  if (env.receiverorganizationid() != self_) {
    return status(kNotAuthorized, "message is addressed to \"" + env.receiverorganizationid() +
                                      "\", this router is \"" + self_ + "\"");
  }
  auto key = peerKeys_.find(from);
  if (key == peerKeys_.end()) {
    return status(kNotAuthorized, "unknown sender \"" + from + "\": not a configured peer");
  }
  if (auto s = crypto::verifySeal(request, signature, key->second, from); !s) {
    return status(kSignature, s.error().message);
  }
  int64_t now = node::nowMillis();
  int64_t skew = env.timestampmillis() - now;
  if (skew > maxSkewMillis_ || -skew > maxSkewMillis_) {
    return status(kStale, std::string(skew > 0 ? "future-dated" : "stale") +
                              " message: " + std::to_string(skew > 0 ? skew : -skew) +
                              " ms from this router's "
                              "clock, the limit is " +
                              std::to_string(maxSkewMillis_) + " ms");
  }
  if (env.messageid().empty()) return status(kMalformed, "message has no id");
  if (seen(from, env.messageid(), now)) {
    return status(kOk, "duplicate of an accepted message; nothing changed");
  }
  return std::nullopt;
}

template <typename Response>
void PeerService::answer(Response& response, const finp2p::common::Envelope& to,
                         finp2p::common::Status s) {
  if (s.code() != kOk) {
    spdlog::warn("refused message {} from {} (code {}): {}", to.messageid(),
                 to.senderorganizationid(), s.code(), s.message());
  }
  auto* r = response.mutable_response();
  auto* env = r->mutable_envelope();
  env->set_messageid("re:" + to.messageid());
  env->set_senderorganizationid(self_);
  env->set_receiverorganizationid(to.senderorganizationid());
  env->set_timestampmillis(node::nowMillis());
  *r->mutable_status() = std::move(s);
  *response.mutable_signature() = crypto::seal(*r, key_, self_);
}

template <typename Signed, typename Response>
grpc::ServerUnaryReactor* PeerService::handle(grpc::CallbackServerContext* context,
                                              const Signed& request, Response* response) {
  auto* reactor = context->DefaultReactor();
  // gRPC keeps `request` and `response` alive until Finish.
  accept(context, request.request(), request.signature(),
         [this, reactor, &request, response](finp2p::common::Status s) {
           answer(*response, request.request().envelope(), std::move(s));
           reactor->Finish(grpc::Status::OK);
         });
  return reactor;
}

grpc::ServerUnaryReactor* PeerService::Propose(grpc::CallbackServerContext* context,
                                               const SignedProposeRequest* request,
                                               SignedProposeResponse* response) {
  return handle(context, *request, response);
}

grpc::ServerUnaryReactor* PeerService::Approve(grpc::CallbackServerContext* context,
                                               const SignedApproveRequest* request,
                                               SignedApproveResponse* response) {
  return handle(context, *request, response);
}

grpc::ServerUnaryReactor* PeerService::Reject(grpc::CallbackServerContext* context,
                                              const SignedRejectRequest* request,
                                              SignedRejectResponse* response) {
  return handle(context, *request, response);
}

grpc::ServerUnaryReactor* PeerService::Resend(grpc::CallbackServerContext* context,
                                              const SignedResendRequest* request,
                                              SignedResendResponse* response) {
  return handle(context, *request, response);
}

}  // namespace finp2p::rpc
