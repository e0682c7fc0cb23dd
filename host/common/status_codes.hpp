#pragma once
// The protocol's status codes (finp2p.common.Status.code), as docs/protocol.md defines them:
// one place for the peer service, the outbox and the engine. A ledger plugin's result codes
// (sdk abi.h, finp2p_ledger_status) are another numbering; the one mapping from those to these
// is toExecuted (node/ledger_ops.cpp), and abi.h states it for plugin vendors.

#include <cstdint>

namespace finp2p::protocol {

enum StatusCode : int32_t {
  kOk = 0,
  kMalformed = 1,  // validation: a malformed message or an invalid plan
  kIntentValidation = 2,
  kSettlement = 3,
  kSignature = 4,
  kNotAuthorized = 5,
  kStale = 6,
  kUnknownPlan = 7,
  kTimeout = 8,
  kInternal = 9,
  // Ours: the sender is over one of this router's limits (plans in flight, plans or bytes per
  // minute); nothing was stored, and the same message may be sent again later.
  kOverLimit = 10,
};

// A refusal that a configuration fix on the receiver's side can cure (the sender's public key,
// the peer list, a TLS identity): the sender keeps such a message and offers it again, with a
// backoff, rather than dropping it (docs/protocol.md, "What an answer means").
constexpr bool curableByReceiverConfig(int32_t code) {
  return code == kSignature || code == kNotAuthorized;
}

}  // namespace finp2p::protocol
