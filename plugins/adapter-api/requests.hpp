#pragma once
// The bridge's side of the adapter API's JSON: the request body for an operation, the
// Idempotency-Key and nonce derived from its key, and the adapter's operation envelope read
// back into our outcome and receipt.

#include <optional>
#include <string>

#include "adapter_api.hpp"
#include "bridge_config.hpp"
#include "finp2p/ledger/types.hpp"
#include "http_client.hpp"

namespace finp2p::adapter_bridge {

using adapter_api::Json;

// The hold a release or rollback names, as its recorded request says (the API wants the
// holder and the quantity; a revert of ours may leave both to the ledger).
struct HoldFacts {
  std::string source;
  std::string amount;
};
std::optional<HoldFacts> holdFacts(const std::string& holdRequestBody);

// 24 bytes of SHA-256(purpose ":" key) and 8 bytes of big-endian epoch seconds, in hex: the
// format the API asks for, the same for a key every time it is derived with the same time
// (the bridge records it before the first send).
std::string derivedToken(const std::string& purpose, const std::string& key, int64_t epochSeconds);

Json requestBody(const ledger::Operation& op, const adapter_api::AssetRef& asset,
                 const std::string& nonce, const std::optional<HoldFacts>& hold);

struct Envelope {
  std::string cid;
  bool completed = false;
  bool malformed = false;   // not an operation envelope: the outcome says why; not recorded
  ledger::Outcome outcome;  // when completed
  int64_t pollMillis = 0;   // when not: when to ask again (0: the configured default)
};

// An operation envelope (receiptOperation) for the request sent under `key` to `endpoint`.
// A malformed one is an INTERNAL outcome naming what is missing.
Envelope readEnvelope(const Json& envelope, const std::string& key, const std::string& endpoint,
                      const BridgeConfig& config);

// An HTTP answer that is not a 200: unreachable and 5xx are UNAVAILABLE (retrying may help),
// 4xx is VALIDATION, each with the adapter's own message.
ledger::Outcome httpFailure(const HttpReply& reply, const std::string& what);

// The adapter's error message in a body ({errors: [{message}]}, {message}), else the body.
std::string adapterMessage(const std::string& body);

}  // namespace finp2p::adapter_bridge
