#pragma once
// The bridge: our ledger operations run against a FinP2P ledger adapter over its REST API.
//
// Crash safety does not rely on the adapter deduplicating. Before the first send of a key the
// exact request (endpoint, body with its nonce, Idempotency-Key header) is recorded; a second
// execute of the key sends those same bytes only while no answer was recorded, and polls the
// recorded cid once there is one. lookup never sends an operation: it answers from the
// recorded outcome, or asks /operations/status/{cid}, or says NOT_FOUND when no answer was
// recorded (the host then executes, which resends the recorded bytes).

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "bridge_config.hpp"
#include "bridge_store.hpp"
#include "http_client.hpp"
#include "requests.hpp"

namespace finp2p::adapter_bridge {

using ledger::Balance;
using ledger::Operation;
using ledger::Outcome;
using ledger::Receipt;

class Bridge {
 public:
  explicit Bridge(BridgeConfig config);

  Outcome execute(const Operation& op);
  Outcome preflight(const Operation& op);
  Outcome lookup(const std::string& key);
  Outcome verify(const Receipt& receipt);
  Balance balance(const std::string& account, const std::string& asset);

 private:
  std::optional<Outcome> checkInput(const Operation& op);
  // Sends the recorded request and follows it to its outcome or the deadline.
  Outcome send(const SentRequest& request, int64_t deadlineMs);
  // Polls the cid until the outcome is known or the deadline passed.
  Outcome poll(const SentRequest& request, int64_t deadlineMs, int64_t firstWaitMs);
  // Records a final outcome; passes any outcome through.
  Outcome settle(const SentRequest& request, const Envelope& envelope);
  std::shared_ptr<std::mutex> lockFor(const std::string& key);
  int64_t deadlineOf(const Operation& op) const;

  BridgeConfig config_;
  HttpClient http_;
  BridgeStore store_;
  std::mutex locksMutex_;
  std::map<std::string, std::weak_ptr<std::mutex>> locks_;  // one operation per key at a time
};

}  // namespace finp2p::adapter_bridge
