#include "rpc/outbox.hpp"

#include <algorithm>

#include <grpcpp/grpcpp.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include "common/failpoint.hpp"
#include "common/status_codes.hpp"
#include "crypto/sealing.hpp"

namespace finp2p::rpc {

using namespace finp2p::execution;

Outbox::Outbox(std::string self, crypto::SigningKey key, std::map<std::string, PeerEndpoint> peers,
               TlsMaterial tls, int lanesPerPeer, std::size_t maxHeldPerPeer)
    : self_(std::move(self)), key_(std::move(key)), maxHeldPerPeer_(maxHeldPerPeer) {
  for (auto& [org, endpoint] : peers) {
    auto peer = std::make_unique<Peer>(endpoint);
    peer->organization = org;
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    if (tls.enabled()) {
      grpc::SslCredentialsOptions options;
      options.pem_root_certs = tls.ca;
      options.pem_private_key = tls.privateKey;
      options.pem_cert_chain = tls.certificate;
      credentials = grpc::SslCredentials(options);
      // The peer's certificate must carry its organization id as a subjectAltName.
      args.SetSslTargetNameOverride(org);
    }
    auto channel = grpc::CreateCustomChannel(endpoint.address, credentials, args);
    peer->stub = ExecutionService::NewStub(channel);
    for (int i = 0; i < std::max(1, lanesPerPeer); ++i) {
      auto lane = std::make_unique<Lane>();
      lane->peer = peer.get();
      Lane* raw = lane.get();
      lane->thread = std::thread([this, raw] {
        pthread_setname_np(pthread_self(), "outbox-lane");
        run(*raw);
      });
      peer->lanes.push_back(std::move(lane));
    }
    peers_.emplace(org, std::move(peer));
  }
}

Outbox::~Outbox() {
  for (auto& [org, peer] : peers_) {
    for (auto& lane : peer->lanes) {
      {
        std::lock_guard lock(lane->mutex);
        stopping_ = true;
      }
      lane->cv.notify_all();
    }
  }
  for (auto& [org, peer] : peers_) {
    for (auto& lane : peer->lanes) lane->thread.join();
  }
}

void Outbox::send(const std::string& to, const std::string& planId, const std::string& messageId,
                  const node::PeerMessage& message, std::function<void()> settled) {
  auto it = peers_.find(to);
  if (it == peers_.end()) {
    spdlog::error("no [[peer]] configured for organization {}: message {} not sent", to, messageId);
    if (settled) settled();
    return;
  }
  Peer& peer = *it->second;
  Lane& lane = *peer.lanes[std::hash<std::string>{}(planId) % peer.lanes.size()];
  {
    std::lock_guard lock(lane.mutex);
    lane.queue.push_back({messageId, message, 0, 0, std::move(settled)});
  }
  lane.cv.notify_one();
}

std::vector<PeerQueue> Outbox::queues() const {
  std::vector<PeerQueue> out;
  for (const auto& [org, peer] : peers_) {
    PeerQueue q;
    q.peer = org;
    q.reachable = peer->reachable.load();
    q.address = peer->endpoint.address;
    q.lastAnswerMillis = peer->lastAnswerMillis.load();
    q.lastAcceptedMillis = peer->lastAcceptedMillis.load();
    q.held = peer->held.load();
    q.refusedMessages = peer->refusedMessages.load();
    q.droppedOverCap = peer->droppedOverCap.load();
    {
      std::lock_guard lock(peer->refusalMutex);
      q.lastRefusalMillis = peer->lastRefusalMillis;
      q.lastRefusalCode = peer->lastRefusalCode;
      q.lastRefusalMessage = peer->lastRefusalMessage;
    }
    for (const auto& lane : peer->lanes) {
      std::lock_guard lock(lane->mutex);
      q.backlog += lane->queue.size();
    }
    out.push_back(std::move(q));
  }
  return out;
}

void Outbox::run(Lane& lane) {
  Peer& peer = *lane.peer;
  int failures = 0;
  for (;;) {
    Item item;
    {
      std::unique_lock lock(lane.mutex);
      // The first message that may go now. A message the peer deferred ("busy, retry later")
      // waits at the back so it does not hold up the messages behind it: those may be exactly
      // what lets the peer make room.
      for (;;) {
        if (stopping_) return;
        int64_t now = node::nowMillis(), soonest = INT64_MAX;
        auto it = lane.queue.begin();
        for (; it != lane.queue.end() && it->notBefore > now; ++it) {
          soonest = std::min(soonest, it->notBefore);
        }
        if (it != lane.queue.end()) {
          item = std::move(*it);
          lane.queue.erase(it);
          break;
        }
        if (lane.queue.empty()) {
          lane.cv.wait(lock);
        } else {
          lane.cv.wait_for(lock, std::chrono::milliseconds(soonest - now));
        }
      }
    }
    Delivery result = deliver(peer, item);
    if (result == Delivery::kDone) {
      failures = 0;
      if (item.held) {
        peer.held.fetch_sub(1);
        wakeHeld(peer);
      }
      if (item.settled) item.settled();
      continue;
    }
    if (result == Delivery::kRefusedCurable && !item.held) {
      // A peer refusing everything must not make us hold without bound.
      if (peer.held.fetch_add(1) >= maxHeldPerPeer_) {
        peer.held.fetch_sub(1);
        peer.droppedOverCap.fetch_add(1);
        spdlog::error(
            "message {} to {} dropped: {} messages it refused are already held for re-delivery "
            "(the cap), this one will not be sent again",
            item.messageId, peer.organization, maxHeldPerPeer_);
        // Settled, as any final refusal: keeping even the plan's record of owing it would grow.
        if (item.settled) item.settled();
        continue;
      }
      item.held = true;
      spdlog::warn(
          "message {} to {}: held, sent again with backoff (up to {} s) until it is "
          "accepted (a fix of {}'s configuration)",
          item.messageId, peer.organization, kHeldMaxRetryMillis / 1000, peer.organization);
    }
    if (auto* observer = observer_.load()) observer->retrying(peer.organization);
    std::unique_lock lock(lane.mutex);
    if (result == Delivery::kRefusedCurable) {
      item.notBefore = node::nowMillis() + heldRetryMillis(++item.refusals);
      lane.queue.push_back(std::move(item));
      continue;
    }
    if (result == Delivery::kRetryLater) {
      ++item.attempts;
      if (item.firstDeferredMillis == 0) item.firstDeferredMillis = node::nowMillis();
      item.notBefore = node::nowMillis() + std::min(5000, 100 << std::min(item.attempts, 6));
      lane.queue.push_back(std::move(item));
      continue;
    }
    // The peer is unreachable: everything to it would fail alike, so keep the order and wait.
    lane.queue.push_front(std::move(item));
    ++failures;
    auto backoff = std::chrono::milliseconds(std::min(5000, 50 << std::min(failures, 7)));
    lane.cv.wait_for(lock, backoff, [&] { return stopping_.load(); });
    if (stopping_) return;
  }
}

int64_t Outbox::heldRetryMillis(int refusals) {
  int doublings = std::clamp(refusals - 1, 0, 16);
  return std::min(kHeldMaxRetryMillis, kHeldFirstRetryMillis << doublings);
}

void Outbox::wakeHeld(Peer& peer) {
  // At most once a second: held messages refused for another reason must not be re-sent at the
  // rate the peer accepts others.
  int64_t now = node::nowMillis(), last = peer.lastWakeMillis.load();
  if (now - last < 1000 || !peer.lastWakeMillis.compare_exchange_strong(last, now)) return;
  for (auto& lane : peer.lanes) {
    {
      std::lock_guard lock(lane->mutex);
      for (auto& item : lane->queue) {
        if (item.held) item.notBefore = 0;
      }
    }
    lane->cv.notify_one();
  }
}

namespace {

finp2p::common::Envelope envelope(const std::string& id, const std::string& from,
                                  const std::string& to) {
  finp2p::common::Envelope e;
  e.set_messageid(id);
  e.set_senderorganizationid(from);
  e.set_receiverorganizationid(to);
  e.set_timestampmillis(node::nowMillis());
  return e;
}

// A peer's words, as shown to an operator (terminal, page, API): bounded, no control characters.
std::string shownText(const std::string& text) {
  constexpr std::size_t kMax = 300;
  std::string out = text.substr(0, kMax);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (text.size() > kMax) out += "...";
  return out;
}

// One call: seal the request, send, and check the sealed answer.
template <typename Signed, typename Request, typename Response, typename Call>
std::optional<finp2p::common::Status> call(const Request& body, const std::string& id,
                                           const std::string& self, const std::string& to,
                                           const crypto::SigningKey& key,
                                           const crypto::VerifyingKey& peerKey, Call&& rpc,
                                           std::string& error) {
  Signed request;
  *request.mutable_request() = body;
  *request.mutable_request()->mutable_envelope() = envelope(id, self, to);
  *request.mutable_signature() = crypto::seal(request.request(), key, self);
  Response response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Status status = rpc(&context, request, &response);
  if (!status.ok()) {
    error = "transport: " + status.error_message();
    return std::nullopt;
  }
  if (auto s = crypto::verifySeal(response.response(), response.signature(), peerKey, to); !s) {
    error = "answer does not verify: " + s.error().message;
    return std::nullopt;
  }
  return response.response().status();
}

}  // namespace

Outbox::Delivery Outbox::deliver(Peer& peer, const Item& item) {
  std::string error;
  std::optional<finp2p::common::Status> answer;
  failpoint("before-send");
  auto& stub = *peer.stub;
  const auto& to = peer.organization;
  const auto& pk = peer.endpoint.key;
  if (auto* m = std::get_if<ProposeRequest>(&item.message)) {
    answer = call<SignedProposeRequest, ProposeRequest, SignedProposeResponse>(
        *m, item.messageId, self_, to, key_, pk,
        [&](auto* c, const auto& r, auto* out) { return stub.Propose(c, r, out); }, error);
  } else if (auto* m = std::get_if<ApproveRequest>(&item.message)) {
    answer = call<SignedApproveRequest, ApproveRequest, SignedApproveResponse>(
        *m, item.messageId, self_, to, key_, pk,
        [&](auto* c, const auto& r, auto* out) { return stub.Approve(c, r, out); }, error);
  } else if (auto* m = std::get_if<RejectRequest>(&item.message)) {
    answer = call<SignedRejectRequest, RejectRequest, SignedRejectResponse>(
        *m, item.messageId, self_, to, key_, pk,
        [&](auto* c, const auto& r, auto* out) { return stub.Reject(c, r, out); }, error);
  } else if (auto* m = std::get_if<ResendRequest>(&item.message)) {
    answer = call<SignedResendRequest, ResendRequest, SignedResendResponse>(
        *m, item.messageId, self_, to, key_, pk,
        [&](auto* c, const auto& r, auto* out) { return stub.Resend(c, r, out); }, error);
  }
  if (answer) failpoint("after-send");
  if (auto* observer = observer_.load()) {
    static constexpr const char* kKinds[] = {"propose", "approve", "reject", "resend"};
    observer->answered(to, kKinds[item.message.index()], answer ? answer->code() : -1);
  }
  if (!answer) {
    if (peer.reachable.exchange(false)) {
      spdlog::warn("peer {} at {} unreachable ({}); retrying with backoff", to,
                   peer.endpoint.address, error);
    }
    return Delivery::kPeerUnreachable;
  }
  int64_t now = node::nowMillis();
  peer.lastAnswerMillis = now;
  if (!peer.reachable.exchange(true)) spdlog::info("peer {} reachable again", to);
  if (answer->code() == protocol::kOk) {
    peer.lastAcceptedMillis = now;
    if (item.held) {
      spdlog::info("message {} to {} accepted after {} refusals", item.messageId, to,
                   item.refusals);
    }
    return Delivery::kDone;
  }
  if (answer->code() == protocol::kInternal || answer->code() == protocol::kOverLimit) {
    spdlog::warn("message {} to {}: peer cannot take it now: {}; will retry", item.messageId, to,
                 answer->message());
    return Delivery::kRetryLater;
  }
  // A peer that has not been proposed the plan yet (the issuer's proposal may be on its way)
  // is asked again, for a while: after that the plan cannot be waiting for this message.
  if (answer->code() == protocol::kUnknownPlan &&
      (item.firstDeferredMillis == 0 ||
       node::nowMillis() - item.firstDeferredMillis < kUnknownPlanRetryMillis)) {
    return Delivery::kRetryLater;
  }
  if (!item.held) peer.refusedMessages.fetch_add(1);
  {
    std::lock_guard lock(peer.refusalMutex);
    peer.lastRefusalMillis = now;
    peer.lastRefusalCode = answer->code();
    peer.lastRefusalMessage = shownText(answer->message());
  }
  if (protocol::curableByReceiverConfig(answer->code())) {
    if (!item.held) {
      spdlog::warn("message {} to {} refused (code {}): {}", item.messageId, to, answer->code(),
                   answer->message());
    }
    return Delivery::kRefusedCurable;
  }
  spdlog::warn("message {} to {} refused (code {}): {}", item.messageId, to, answer->code(),
               answer->message());
  return Delivery::kDone;
}

}  // namespace finp2p::rpc
