#include "rpc/peer_intake.hpp"

#include <spdlog/spdlog.h>

#include "crypto/sealing.hpp"
#include "engine/messages.hpp"

namespace finp2p::rpc {

using namespace finp2p::execution;

finp2p::common::Status PeerIntake::status(int32_t code, std::string message) {
  finp2p::common::Status s;
  s.set_code(code);
  s.set_message(std::move(message));
  return s;
}

int32_t PeerIntake::wireCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kPermissionDenied:
      return kNotAuthorized;
    case ErrorCode::kInvalidArgument:
      return kMalformed;
    case ErrorCode::kUnauthenticated:
      return kSignature;
    case ErrorCode::kNotFound:
      return kUnknownPlan;
    case ErrorCode::kResourceExhausted:
      return kOverLimit;
    default:
      return kInternal;
  }
}

PeerIntake::PeerIntake(std::string self, crypto::SigningKey key,
                       std::map<std::string, crypto::VerifyingKey> peerKeys, node::RouterNode& node,
                       int64_t maxSkewMillis, bool requireTlsIdentity, PeerLimits limits)
    : self_(std::move(self)),
      key_(std::move(key)),
      peerKeys_(std::move(peerKeys)),
      node_(node),
      maxSkewMillis_(maxSkewMillis),
      requireTlsIdentity_(requireTlsIdentity),
      limits_(limits) {}

template <typename Request>
std::optional<finp2p::common::Status> PeerIntake::checkLimits(const Request& request) const {
  if (auto s = model::checkMessageLimits(request, limits_.structure); !s) {
    return status(kMalformed, "over a structural limit: " + s.error().message);
  }
  if constexpr (std::is_same_v<Request, ProposeRequest>) {
    if (request.has_executionplan()) {
      std::size_t bytes = request.executionplan().plan().ByteSizeLong();
      if (bytes > limits_.maxPlanBytes) {
        return status(kMalformed, "a plan of " + std::to_string(bytes) + " bytes; the limit is " +
                                      std::to_string(limits_.maxPlanBytes));
      }
    }
  }
  return std::nullopt;
}

std::optional<finp2p::common::Status> PeerIntake::checkRate(const std::string& sender, bool newPlan,
                                                            int64_t now) {
  std::lock_guard lock(rateMutex_);
  Minute& m = rates_[sender];
  if (now - m.start >= 60'000) m = Minute{now, 0, 0};
  if (newPlan && m.plans >= limits_.maxPlansPerMinute) {
    return status(kOverLimit, "peer " + sender + " has proposed " + std::to_string(m.plans) +
                                  " plans to " + self_ + " in the last minute, its limit");
  }
  if (m.bytes >= limits_.maxBytesPerMinute) {
    return status(kOverLimit, "peer " + sender + " has sent " + std::to_string(m.bytes) +
                                  " bytes to " + self_ + " in the last minute, its limit");
  }
  return std::nullopt;
}

void PeerIntake::charge(const std::string& sender, std::size_t bytes, bool newPlan, int64_t now) {
  std::lock_guard lock(rateMutex_);
  Minute& m = rates_[sender];
  if (now - m.start >= 60'000) m = Minute{now, 0, 0};
  m.bytes += bytes;
  if (newPlan) ++m.plans;
}

bool PeerIntake::seen(const std::string& sender, const std::string& id, int64_t now) {
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

void PeerIntake::remember(const std::string& sender, const std::string& id, int64_t now) {
  std::lock_guard lock(seenMutex_);
  seen_[sender + "\n" + id] = now;
}

template <typename Request>
void PeerIntake::take(const Request& request, const finp2p::common::SealingSignature& signature,
                      const std::vector<std::string>& tlsIdentities,
                      std::function<void(finp2p::common::Status)> done) {
  if (auto refused = checkLimits(request)) return done(std::move(*refused));
  if (auto refused = check(request, signature, tlsIdentities)) return done(std::move(*refused));
  const auto& env = request.envelope();
  if constexpr (std::is_same_v<Request, ResendRequest>) {
    // Not remembered: a later request with the same id is as harmless as this one.
    auto answer = [done = std::move(done)](Result<std::string> taken) {
      if (taken) return done(status(kOk, *taken));
      done(status(wireCode(taken.error().code), taken.error().message));
    };
    if (request.executionplanid().id().empty()) {
      // A peer restored from an older copy of its journal: every plan that names it.
      node_.resendAllRequested(env.senderorganizationid(), request.sincemillis(),
                               std::move(answer));
    } else {
      node_.resendRequested(env.senderorganizationid(), request.executionplanid().id(),
                            request.restored(), std::move(answer));
    }
    return;
  } else {
    int64_t now = node::nowMillis();
    bool newPlan = false;
    if constexpr (std::is_same_v<Request, ProposeRequest>) newPlan = request.has_executionplan();
    if (auto refused = checkRate(env.senderorganizationid(), newPlan, now)) {
      return done(std::move(*refused));
    }
    auto event = engine::toEvent(env.senderorganizationid(), request);
    if (!event) return done(status(kMalformed, event.error().message));
    node_.deliverAsync(
        std::move(*event),
        [this, from = env.senderorganizationid(), id = env.messageid(), now, newPlan,
         bytes = request.ByteSizeLong(), done = std::move(done)](Result<std::string> delivered) {
          if (!delivered) {
            return done(status(wireCode(delivered.error().code), delivered.error().message));
          }
          remember(from, id, now);
          charge(from, bytes, newPlan, now);
          done(status(kOk, *delivered));
        });
  }
}

template <typename Request>
std::optional<finp2p::common::Status> PeerIntake::check(
    const Request& request, const finp2p::common::SealingSignature& signature,
    const std::vector<std::string>& tlsIdentities) {
  const auto& env = request.envelope();
  const std::string& from = env.senderorganizationid();
  if (requireTlsIdentity_) {
    // The TLS certificate (verified against the CA) must name the organization the message
    // claims to come from.
    std::string names;
    bool matches = false;
    for (const auto& name : tlsIdentities) {
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
  // The distance in unsigned arithmetic: any int64 timestamp, INT64_MIN included, is in range.
  int64_t at = env.timestampmillis();
  bool future = at > now;
  uint64_t distance = future ? static_cast<uint64_t>(at) - static_cast<uint64_t>(now)
                             : static_cast<uint64_t>(now) - static_cast<uint64_t>(at);
  if (distance > static_cast<uint64_t>(maxSkewMillis_)) {
    return status(kStale, std::string(future ? "future-dated" : "stale") +
                              " message: " + std::to_string(distance) +
                              " ms from this router's clock, the limit is " +
                              std::to_string(maxSkewMillis_) + " ms");
  }
  if (env.messageid().empty()) return status(kMalformed, "message has no id");
  if (seen(from, env.messageid(), now)) {
    return status(kOk, "duplicate of an accepted message; nothing changed");
  }
  return std::nullopt;
}

template <typename Response>
void PeerIntake::answer(Response& response, const finp2p::common::Envelope& to,
                        finp2p::common::Status s) const {
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

// The four requests and their answers.
template void PeerIntake::take(const ProposeRequest&, const finp2p::common::SealingSignature&,
                               const std::vector<std::string>&,
                               std::function<void(finp2p::common::Status)>);
template void PeerIntake::take(const ApproveRequest&, const finp2p::common::SealingSignature&,
                               const std::vector<std::string>&,
                               std::function<void(finp2p::common::Status)>);
template void PeerIntake::take(const RejectRequest&, const finp2p::common::SealingSignature&,
                               const std::vector<std::string>&,
                               std::function<void(finp2p::common::Status)>);
template void PeerIntake::take(const ResendRequest&, const finp2p::common::SealingSignature&,
                               const std::vector<std::string>&,
                               std::function<void(finp2p::common::Status)>);
template void PeerIntake::answer(SignedProposeResponse&, const finp2p::common::Envelope&,
                                 finp2p::common::Status) const;
template void PeerIntake::answer(SignedApproveResponse&, const finp2p::common::Envelope&,
                                 finp2p::common::Status) const;
template void PeerIntake::answer(SignedRejectResponse&, const finp2p::common::Envelope&,
                                 finp2p::common::Status) const;
template void PeerIntake::answer(SignedResendResponse&, const finp2p::common::Envelope&,
                                 finp2p::common::Status) const;

}  // namespace finp2p::rpc
