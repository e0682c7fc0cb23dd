// The outbox against a fake peer (an in-process gRPC server that answers every proposal with the
// code a test sets): which refusals are held and sent again, which are final, the cap on held
// messages, and what the peer view says meanwhile (F27).

#include "rpc/outbox.hpp"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "common/status_codes.hpp"
#include "crypto/sealing.hpp"
#include "rpc/admin_views.hpp"

namespace finp2p::rpc {
namespace {

using namespace finp2p::execution;

constexpr const char* kPeer = "bank-c";

// Answers each proposal with `code`, sealed as a real router would.
class FakePeer final : public ExecutionService::Service {
 public:
  FakePeer() : key_(*crypto::SigningKey::generate()) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~FakePeer() override { server_->Shutdown(); }

  grpc::Status Propose(grpc::ServerContext*, const SignedProposeRequest* request,
                       SignedProposeResponse* response) override {
    {
      std::lock_guard lock(mutex_);
      ids_.push_back(request->request().envelope().messageid());
      stamps_.push_back(request->request().envelope().timestampmillis());
    }
    auto* r = response->mutable_response();
    r->mutable_envelope()->set_messageid("re:" + request->request().envelope().messageid());
    r->mutable_envelope()->set_senderorganizationid(kPeer);
    r->mutable_envelope()->set_receiverorganizationid("bank-a");
    r->mutable_envelope()->set_timestampmillis(node::nowMillis());
    r->mutable_status()->set_code(code.load());
    r->mutable_status()->set_message(code.load() == 0 ? "" : message);
    *response->mutable_signature() = crypto::seal(*r, key_, kPeer);
    return grpc::Status::OK;
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  crypto::VerifyingKey verifyingKey() const { return key_.verifyingKey(); }
  std::vector<std::string> ids() const {
    std::lock_guard lock(mutex_);
    return ids_;
  }
  std::vector<int64_t> stamps() const {
    std::lock_guard lock(mutex_);
    return stamps_;
  }

  std::atomic<int> code{0};
  std::string message = "refused for the test";  // set before the first call

 private:
  crypto::SigningKey key_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  mutable std::mutex mutex_;
  std::vector<std::string> ids_;
  std::vector<int64_t> stamps_;
};

std::unique_ptr<Outbox> outboxTo(const FakePeer& peer,
                                 std::size_t maxHeld = Outbox::kDefaultMaxHeldPerPeer) {
  std::map<std::string, PeerEndpoint> peers;
  peers.emplace(kPeer, PeerEndpoint{peer.address(), peer.verifyingKey()});
  return std::make_unique<Outbox>("bank-a", *crypto::SigningKey::generate(), std::move(peers),
                                  TlsMaterial{}, 1, maxHeld);
}

// The fake peer does not read the body.
node::PeerMessage proposal() {
  return ProposeRequest{};
}

PeerQueue queueOf(const Outbox& outbox) {
  for (const auto& q : outbox.queues()) {
    if (q.peer == kPeer) return q;
  }
  ADD_FAILURE() << "no queue for " << kPeer;
  return {};
}

bool eventually(const std::function<bool()>& condition, int seconds = 10) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

TEST(OutboxTest, HeldMessagesBackOffDoublingToAMinute) {
  EXPECT_EQ(Outbox::heldRetryMillis(1), 1000);
  EXPECT_EQ(Outbox::heldRetryMillis(2), 2000);
  EXPECT_EQ(Outbox::heldRetryMillis(6), 32000);
  EXPECT_EQ(Outbox::heldRetryMillis(7), 60000);
  EXPECT_EQ(Outbox::heldRetryMillis(1000), 60000);
}

TEST(OutboxTest, OnlyRefusalsAReceiverConfigFixCuresAreHeld) {
  EXPECT_TRUE(protocol::curableByReceiverConfig(protocol::kSignature));
  EXPECT_TRUE(protocol::curableByReceiverConfig(protocol::kNotAuthorized));
  for (int code : {protocol::kOk, protocol::kMalformed, protocol::kIntentValidation,
                   protocol::kSettlement, protocol::kStale, protocol::kUnknownPlan,
                   protocol::kTimeout, protocol::kInternal, protocol::kOverLimit}) {
    EXPECT_FALSE(protocol::curableByReceiverConfig(code)) << code;
  }
}

TEST(OutboxTest, SealRefusalIsHeldShownAndDeliveredOnceThePeerIsFixed) {
  FakePeer peer;
  peer.code = protocol::kSignature;
  auto outbox = outboxTo(peer);
  std::atomic<int> settled{0};
  outbox->send(kPeer, "plan-1", "m-1", proposal(), [&] { ++settled; });

  ASSERT_TRUE(eventually([&] { return queueOf(*outbox).held == 1; }));
  PeerQueue q = queueOf(*outbox);
  EXPECT_EQ(q.backlog, 1u);
  EXPECT_EQ(q.refusedMessages, 1u);
  EXPECT_EQ(q.lastRefusalCode, protocol::kSignature);
  EXPECT_NE(q.lastRefusalMillis, 0);
  EXPECT_EQ(peerState(q), "refusing our messages (code 4: refused for the test)");
  EXPECT_EQ(settled.load(), 0) << "a message refused with 4 must stay owed";

  // Refused again after its backoff, still counted once.
  ASSERT_TRUE(eventually([&] { return peer.ids().size() >= 2; }));
  EXPECT_EQ(queueOf(*outbox).refusedMessages, 1u);

  peer.code = protocol::kOk;  // the peer's configuration is fixed
  ASSERT_TRUE(eventually([&] { return settled.load() == 1; }));
  q = queueOf(*outbox);
  EXPECT_EQ(q.held, 0u);
  EXPECT_EQ(q.backlog, 0u);
  EXPECT_EQ(peerState(q), "reachable");
  for (const auto& id : peer.ids()) EXPECT_EQ(id, "m-1");
  // Each attempt is sealed with a fresh timestamp: a late re-send is within the skew window.
  auto stamps = peer.stamps();
  ASSERT_GE(stamps.size(), 3u);
  EXPECT_GE(stamps.back() - stamps.front(), 1000);
}

TEST(OutboxTest, OtherRefusalsAreFinalButShown) {
  FakePeer peer;
  peer.code = protocol::kMalformed;
  auto outbox = outboxTo(peer);
  std::atomic<int> settled{0};
  outbox->send(kPeer, "plan-1", "m-1", proposal(), [&] { ++settled; });
  ASSERT_TRUE(eventually([&] { return settled.load() == 1; }));
  PeerQueue q = queueOf(*outbox);
  EXPECT_EQ(q.held, 0u);
  EXPECT_EQ(q.backlog, 0u);
  EXPECT_EQ(q.refusedMessages, 1u);
  EXPECT_EQ(peerState(q), "refusing our messages (code 1: refused for the test)");
  EXPECT_EQ(peer.ids().size(), 1u);

  peer.code = protocol::kOk;
  outbox->send(kPeer, "plan-2", "m-2", proposal(), [&] { ++settled; });
  ASSERT_TRUE(eventually([&] { return settled.load() == 2; }));
  q = queueOf(*outbox);
  EXPECT_EQ(peerState(q), "reachable");
  EXPECT_EQ(q.refusedMessages, 1u);
  EXPECT_EQ(q.lastRefusalCode, protocol::kMalformed);
}

TEST(OutboxTest, APeersReasonIsShownBoundedWithoutControlCharacters) {
  FakePeer peer;
  peer.code = protocol::kMalformed;
  peer.message = "\x1b[2Jwiped" + std::string(1000, 'x');
  auto outbox = outboxTo(peer);
  std::atomic<int> settled{0};
  outbox->send(kPeer, "plan-1", "m-1", proposal(), [&] { ++settled; });
  ASSERT_TRUE(eventually([&] { return settled.load() == 1; }));
  std::string shown = queueOf(*outbox).lastRefusalMessage;
  EXPECT_EQ(shown.rfind("?[2Jwiped", 0), 0u) << shown;
  EXPECT_EQ(shown.size(), 303u);
}

TEST(OutboxTest, HeldMessagesAreCappedPerPeer) {
  FakePeer peer;
  peer.code = protocol::kNotAuthorized;
  auto outbox = outboxTo(peer, 2);
  std::atomic<int> settled{0};
  for (int i = 0; i < 3; ++i) {
    std::string id = std::to_string(i);
    outbox->send(kPeer, "plan-" + id, "m-" + id, proposal(), [&] { ++settled; });
  }
  ASSERT_TRUE(eventually([&] { return queueOf(*outbox).droppedOverCap == 1; }));
  PeerQueue q = queueOf(*outbox);
  EXPECT_EQ(q.held, 2u);
  EXPECT_EQ(q.backlog, 2u);
  EXPECT_EQ(q.refusedMessages, 3u);
  EXPECT_EQ(settled.load(), 1) << "the message over the cap is dropped, as any final refusal";
}

TEST(OutboxTest, PeerStateNamesUnreachableThenRefusingThenReachable) {
  PeerQueue q;
  q.peer = kPeer;
  EXPECT_EQ(peerState(q), "reachable");  // nothing sent yet
  q.lastRefusalMillis = 2000;
  q.lastRefusalCode = protocol::kSignature;
  q.lastRefusalMessage = "seal does not verify";
  q.lastAcceptedMillis = 1000;
  EXPECT_EQ(peerState(q), "refusing our messages (code 4: seal does not verify)");
  q.lastAcceptedMillis = 3000;  // it accepted one since: refusals are history
  EXPECT_EQ(peerState(q), "reachable");
  q.held = 1;  // but some it refused are still held
  EXPECT_EQ(peerState(q), "refusing our messages (code 4: seal does not verify)");
  q.reachable = false;
  EXPECT_EQ(peerState(q), "unreachable");
}

}  // namespace
}  // namespace finp2p::rpc
