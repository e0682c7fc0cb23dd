#pragma once
// Delivery of sealed messages to peers, retried with backoff until the peer answers. An
// unreachable peer is retried. A refusal is final (logged), except a refusal that a configuration
// fix on the peer's side can cure (protocol::curableByReceiverConfig: its key for us, its peer
// list): such a message is held and offered again with a backoff doubling to 60 s, at most
// maxHeldPerPeer of them per peer, so that it is delivered once the peer is fixed. Each attempt
// is sealed anew with a fresh envelope timestamp, so a late re-send is within the peer's skew
// window. After a restart the engine re-issues what was still undelivered (resume()), and
// receivers recognize repeated message ids, so delivery is at-least-once and effect once.
//
// Each peer has several lanes (a queue and a sender thread each) so that several calls are in
// flight to it at once: a peer answers only after it has journaled the message durably, so one
// call at a time would cap a peer pair at one fsync per message. A plan's messages always take
// the same lane (chosen by its plan id), so a peer receives each plan's messages in the order
// the engine sent them, as it did with a single queue.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "crypto/keys.hpp"
#include "finp2p/execution.grpc.pb.h"
#include "node/router_node.hpp"

namespace finp2p::rpc {

struct PeerEndpoint {
  std::string address;
  crypto::VerifyingKey key;
};

// PEM material for mTLS; empty: plaintext.
struct TlsMaterial {
  std::string certificate;
  std::string privateKey;
  std::string ca;
  bool enabled() const { return !certificate.empty(); }
};

// What the outbox reports, for metrics at the edge (no metric code here). Called on the lanes'
// threads; must be quick.
class OutboxObserver {
 public:
  virtual ~OutboxObserver() = default;
  // One call to `peer` ended: the peer's answer code, or -1 when no verified answer came.
  // `kind`: propose, approve, reject or resend.
  virtual void answered(const std::string& peer, const char* kind, int code) = 0;
  // A message goes back to its queue to be sent again (unreachable, or "retry later").
  virtual void retrying(const std::string& peer) = 0;
};

struct PeerQueue {
  std::string peer;
  std::size_t backlog = 0;  // messages queued, not yet answered
  bool reachable = true;    // the last call reached the peer (true before the first call)
  std::string address;
  int64_t lastAnswerMillis = 0;    // when it last gave a verified answer (0: not since the start)
  int64_t lastAcceptedMillis = 0;  // when it last accepted a message (code 0)
  std::size_t held = 0;            // of the backlog: refused with a curable code, kept
  uint64_t refusedMessages = 0;    // messages it refused since the start (each counted once)
  uint64_t droppedOverCap = 0;     // curable refusals dropped because `held` was at the cap
  int64_t lastRefusalMillis = 0;   // when it last refused one (0: not since the start)
  int32_t lastRefusalCode = 0;
  std::string lastRefusalMessage;
};

class Outbox final : public node::MessageSink {
 public:
  static constexpr int kDefaultLanesPerPeer = 8;
  // Messages held per peer after a curable refusal; beyond it a refused message is dropped.
  static constexpr std::size_t kDefaultMaxHeldPerPeer = 10000;
  // The backoff of a held message: doubling from the first, up to the last.
  static constexpr int64_t kHeldFirstRetryMillis = 1000;
  static constexpr int64_t kHeldMaxRetryMillis = 60 * 1000;
  static int64_t heldRetryMillis(int refusals);

  Outbox(std::string self, crypto::SigningKey key, std::map<std::string, PeerEndpoint> peers,
         TlsMaterial tls = {}, int lanesPerPeer = kDefaultLanesPerPeer,
         std::size_t maxHeldPerPeer = kDefaultMaxHeldPerPeer);
  ~Outbox() override;

  void send(const std::string& to, const std::string& planId, const std::string& messageId,
            const node::PeerMessage& message, std::function<void()> settled) override;
  // Set before the first send; outlives the outbox.
  void setObserver(OutboxObserver* observer) { observer_ = observer; }
  // Each peer's queues, read now (each lane's lock is held briefly).
  std::vector<PeerQueue> queues() const;

 private:
  struct Item {
    std::string messageId;
    node::PeerMessage message;
    int64_t notBefore = 0;  // a message the peer asked us to retry later waits until then
    int attempts = 0;
    std::function<void()> settled;
    int64_t firstDeferredMillis = 0;  // when the peer first asked us to retry it
    bool held = false;                // refused with a curable code, counted in Peer::held
    int refusals = 0;                 // curable refusals of it, for its backoff
  };
  // How long a message refused for an unknown plan is offered again.
  static constexpr int64_t kUnknownPlanRetryMillis = 10 * 60 * 1000;
  enum class Delivery { kDone, kPeerUnreachable, kRetryLater, kRefusedCurable };
  struct Peer;
  struct Lane {
    Peer* peer = nullptr;
    mutable std::mutex mutex;
    std::condition_variable cv;
    std::deque<Item> queue;
    std::thread thread;
  };
  struct Peer {
    explicit Peer(PeerEndpoint e) : endpoint(std::move(e)) {}
    std::string organization;
    PeerEndpoint endpoint;
    std::unique_ptr<finp2p::execution::ExecutionService::Stub> stub;  // thread-safe
    std::vector<std::unique_ptr<Lane>> lanes;
    // To log the first failure of a run of failures (on any lane), not every retry.
    std::atomic<bool> reachable{true};
    std::atomic<int64_t> lastAnswerMillis{0};
    std::atomic<int64_t> lastAcceptedMillis{0};
    std::atomic<std::size_t> held{0};
    std::atomic<uint64_t> refusedMessages{0};
    std::atomic<uint64_t> droppedOverCap{0};
    std::atomic<int64_t> lastWakeMillis{0};
    mutable std::mutex refusalMutex;  // the last refusal
    int64_t lastRefusalMillis = 0;
    int32_t lastRefusalCode = 0;
    std::string lastRefusalMessage;
  };
  void run(Lane& lane);
  Delivery deliver(Peer& peer, const Item& item);
  // A held message went through: the peer has been fixed, so the others need not wait out
  // their backoff.
  void wakeHeld(Peer& peer);

  std::string self_;
  crypto::SigningKey key_;
  std::size_t maxHeldPerPeer_;
  std::map<std::string, std::unique_ptr<Peer>> peers_;
  std::atomic<bool> stopping_{false};
  std::atomic<OutboxObserver*> observer_{nullptr};
};

}  // namespace finp2p::rpc
