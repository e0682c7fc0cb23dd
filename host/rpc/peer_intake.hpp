#pragma once
// What the peer service does with a request once its bytes have parsed, without gRPC: the
// checks of docs/protocol.md (addressed to this router, from a configured organization, sealed
// by its key, within the clock skew, not a repeat, within the structural and per-minute limits),
// then the node. Kept apart from the gRPC adapter (peer_service.hpp) so that the whole path a
// peer's message takes into a router can run in process, as fuzz_router does.

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status_codes.hpp"
#include "crypto/keys.hpp"
#include "finp2p/execution.pb.h"
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

class PeerIntake {
 public:
  PeerIntake(std::string self, crypto::SigningKey key,
             std::map<std::string, crypto::VerifyingKey> peerKeys, node::RouterNode& node,
             int64_t maxSkewMillis, bool requireTlsIdentity = false, PeerLimits limits = {});

  // Checks a request and hands it to the node; `done` gets the status to answer with: 0 once
  // the node has applied it (journaled), else why it was refused. `tlsIdentities`: the names
  // the peer's verified certificate carries (checked only with requireTlsIdentity). Request is
  // ProposeRequest, ApproveRequest, RejectRequest or ResendRequest.
  template <typename Request>
  void take(const Request& request, const finp2p::common::SealingSignature& signature,
            const std::vector<std::string>& tlsIdentities,
            std::function<void(finp2p::common::Status)> done);

  // The sealed answer to the request whose envelope is `to`.
  template <typename Response>
  void answer(Response& response, const finp2p::common::Envelope& to,
              finp2p::common::Status status) const;

  static finp2p::common::Status status(int32_t code, std::string message);
  // Whether take() looks at the peer's TLS identities (the adapter collects them only then).
  bool checksTlsIdentity() const { return requireTlsIdentity_; }

 private:
  static int32_t wireCode(ErrorCode code);
  // The checks that need no engine: sender, addressing, seal, freshness, repeats. A status to
  // answer with at once, or nothing when the message goes on to the node.
  template <typename Request>
  std::optional<finp2p::common::Status> check(const Request& request,
                                              const finp2p::common::SealingSignature& signature,
                                              const std::vector<std::string>& tlsIdentities);
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
};

}  // namespace finp2p::rpc
