#include "bridge.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "finp2p/ledger/decimal.hpp"

namespace finp2p::adapter_bridge {
namespace {

using ledger::Decimal;

// Without a context deadline (tools, the conformance runner) an operation is followed this long.
constexpr int64_t kDefaultFollowMillis = 60'000;

// The host's crash points (host/common/failpoint.hpp), for the e2e crash tests: the router
// hosting this plugin aborts where FINP2P_FAILPOINT names.
void failpoint(const char* name) {
  static const std::string armed = [] {
    const char* env = std::getenv("FINP2P_FAILPOINT");
    return std::string(env ? env : "");
  }();
  if (armed == name) std::abort();
}

Outcome validation(const std::string& why) {
  return Outcome::failure(FINP2P_LEDGER_ERROR_VALIDATION, why);
}

void sleepMillis(int64_t ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

std::string urlEncode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::optional<Json> parse(const std::string& body) {
  auto j = Json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

}  // namespace

Bridge::Bridge(BridgeConfig config)
    : config_(std::move(config)), http_(config_.http), store_(config_.statePath) {}

std::shared_ptr<std::mutex> Bridge::lockFor(const std::string& key) {
  std::lock_guard lock(locksMutex_);
  auto& weak = locks_[key];
  auto strong = weak.lock();
  if (!strong) {
    strong = std::make_shared<std::mutex>();
    weak = strong;
  }
  if (locks_.size() > 1024) {
    for (auto it = locks_.begin(); it != locks_.end();) {
      it = it->second.expired() ? locks_.erase(it) : std::next(it);
    }
  }
  return strong;
}

int64_t Bridge::deadlineOf(const Operation& op) const {
  return op.context.deadlineUnixMs > 0 ? op.context.deadlineUnixMs
                                       : ledger::nowUnixMs() + kDefaultFollowMillis;
}

std::optional<Outcome> Bridge::checkInput(const Operation& op) {
  if (op.context.idempotencyKey.empty()) return validation("missing idempotency key");
  if (!adapter_api::endpointFor(op.kind)) {
    return Outcome::failure(
        FINP2P_LEDGER_ERROR_UNSUPPORTED,
        std::string("the adapter API has no ") + ledger::operationKindName(op.kind));
  }
  bool needsAmount = op.kind == FINP2P_LEDGER_OP_HOLD || op.kind == FINP2P_LEDGER_OP_TRANSFER ||
                     op.kind == FINP2P_LEDGER_OP_ISSUE || op.kind == FINP2P_LEDGER_OP_REDEEM;
  if (needsAmount || !op.amount.empty()) {
    std::string why;
    auto amount = Decimal::parse(op.amount, op.assetDecimals, &why);
    if (!amount) return validation(why);
    if (amount->isZero()) return validation("amount must be greater than zero");
  }
  if (op.asset.empty()) return validation("missing asset");
  bool needsSource = op.kind == FINP2P_LEDGER_OP_HOLD || op.kind == FINP2P_LEDGER_OP_TRANSFER ||
                     op.kind == FINP2P_LEDGER_OP_REDEEM;
  if (needsSource && op.source.empty()) return validation("missing source account");
  bool needsDestination = op.kind == FINP2P_LEDGER_OP_TRANSFER ||
                          op.kind == FINP2P_LEDGER_OP_ISSUE || op.kind == FINP2P_LEDGER_OP_RELEASE;
  if (needsDestination && op.destination.empty()) return validation("missing destination account");
  if ((op.kind == FINP2P_LEDGER_OP_RELEASE || op.kind == FINP2P_LEDGER_OP_REVERT_HOLD) &&
      op.holdOperationId.empty()) {
    return validation("missing the hold's operation id");
  }
  return std::nullopt;
}

Outcome Bridge::execute(const Operation& op) {
  if (auto bad = checkInput(op)) return *bad;
  const auto& key = op.context.idempotencyKey;
  auto keyLock = lockFor(key);
  std::lock_guard guard(*keyLock);
  auto fingerprint = ledger::operationFingerprint(op);
  if (auto sent = store_.find(key)) {
    if (sent->fingerprint != fingerprint) {
      return validation("idempotency key " + key + " was used for a different operation");
    }
    if (sent->outcome) return *sent->outcome;
    if (!sent->cid.empty()) return poll(*sent, deadlineOf(op), 0);
    return send(*sent, deadlineOf(op));  // sent before, no answer recorded: the same bytes
  }
  std::optional<HoldFacts> hold;
  if (op.kind == FINP2P_LEDGER_OP_RELEASE || op.kind == FINP2P_LEDGER_OP_REVERT_HOLD) {
    if (auto h = store_.find(op.holdOperationId)) hold = holdFacts(h->body);
    bool knowsSource = hold || !op.source.empty();
    bool knowsAmount = (hold && !hold->amount.empty()) || !op.amount.empty();
    if (!knowsSource || !knowsAmount) {
      return validation("hold " + op.holdOperationId +
                        " was not made through this bridge and the operation does not name its "
                        "holder and amount");
    }
  }
  int64_t now = ledger::nowUnixMs() / 1000;
  auto body = requestBody(op, config_.assetFor(op.asset), derivedToken("nonce", key, now), hold);
  SentRequest request{key,
                      fingerprint,
                      adapter_api::endpointFor(op.kind),
                      body.dump(),
                      derivedToken("idempotency-key", key, now),
                      "",
                      std::nullopt};
  store_.insert(request);  // before the first byte leaves
  return send(request, deadlineOf(op));
}

Outcome Bridge::send(const SentRequest& recorded, int64_t deadlineMs) {
  auto reply = http_.post(recorded.endpoint, recorded.body, recorded.idempotencyHeader);
  failpoint("bridge-after-send");
  if (!reply.reached || reply.status != 200) return httpFailure(reply, recorded.endpoint);
  auto j = parse(reply.body);
  if (!j) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL,
                            "the adapter's answer to " + recorded.endpoint + " is not JSON");
  }
  auto envelope = readEnvelope(*j, recorded.key, recorded.endpoint, config_);
  SentRequest request = recorded;
  if (!envelope.cid.empty() && envelope.cid != request.cid) {
    request.cid = envelope.cid;
    store_.setCid(request.key, request.cid);
  }
  if (envelope.completed) return settle(request, envelope);
  if (request.cid.empty()) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL,
                            "the adapter answered isCompleted: false without a cid");
  }
  return poll(request, deadlineMs, envelope.pollMillis);
}

Outcome Bridge::poll(const SentRequest& request, int64_t deadlineMs, int64_t firstWaitMs) {
  int64_t wait = firstWaitMs > 0 ? firstWaitMs : config_.pollIntervalMillis;
  std::string last = "not completed";
  for (;;) {
    int64_t left = deadlineMs - ledger::nowUnixMs();
    if (left <= 0) {
      return Outcome::failure(FINP2P_LEDGER_ERROR_TIMEOUT,
                              "adapter operation " + request.cid + " (" + request.key +
                                  ") did not complete by the deadline: " + last);
    }
    sleepMillis(std::min(wait, left));
    wait = config_.pollIntervalMillis;
    auto reply = http_.get("/operations/status/" + urlEncode(request.cid));
    if (!reply.reached || reply.status != 200) {
      last = httpFailure(reply, "/operations/status").message;
      continue;
    }
    auto j = parse(reply.body);
    if (!j) continue;
    auto envelope = readEnvelope(*j, request.key, request.endpoint, config_);
    if (envelope.completed) return settle(request, envelope);
    if (envelope.pollMillis > 0) wait = envelope.pollMillis;
  }
}

Outcome Bridge::settle(const SentRequest& request, const Envelope& envelope) {
  if (!envelope.malformed && adapter_api::isFinal(envelope.outcome.status)) {
    store_.setOutcome(request.key, envelope.outcome);
  }
  return envelope.outcome;
}

Outcome Bridge::lookup(const std::string& key) {
  auto keyLock = lockFor(key);
  std::lock_guard guard(*keyLock);
  auto sent = store_.find(key);
  if (!sent) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_NOT_FOUND, "the adapter was never sent " + key);
  }
  if (sent->outcome) return *sent->outcome;
  if (sent->cid.empty()) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_NOT_FOUND,
                            key +
                                " was sent but no answer was recorded: executing it again "
                                "sends the recorded request, byte for byte");
  }
  auto reply = http_.get("/operations/status/" + urlEncode(sent->cid));
  if (!reply.reached || reply.status != 200) {
    return Outcome::failure(FINP2P_LEDGER_ERROR_UNAVAILABLE,
                            httpFailure(reply, "/operations/status").message);
  }
  auto j = parse(reply.body);
  if (!j) return Outcome::failure(FINP2P_LEDGER_ERROR_UNAVAILABLE, "status is not JSON");
  auto envelope = readEnvelope(*j, key, sent->endpoint, config_);
  if (envelope.completed) return settle(*sent, envelope);
  return Outcome::failure(FINP2P_LEDGER_PENDING,
                          "adapter operation " + sent->cid + " is not completed yet");
}

Outcome Bridge::verify(const Receipt& receipt) {
  auto reply = http_.get("/assets/receipts/" + urlEncode(receipt.transactionId));
  if (reply.reached && reply.status == 404) {
    return validation("the adapter has no transaction " + receipt.transactionId);
  }
  if (!reply.reached || reply.status != 200) return httpFailure(reply, "/assets/receipts");
  auto j = parse(reply.body);
  if (!j) return Outcome::failure(FINP2P_LEDGER_ERROR_UNAVAILABLE, "receipt is not JSON");
  std::string endpoint;
  if (auto sent = store_.find(receipt.operationId)) {
    endpoint = sent->endpoint;
    if (sent->outcome && sent->outcome->receipt &&
        sent->outcome->receipt->transactionId != receipt.transactionId) {
      return validation("operation " + receipt.operationId + " is transaction " +
                        sent->outcome->receipt->transactionId + ", not " + receipt.transactionId);
    }
  }
  auto envelope = readEnvelope(*j, receipt.operationId, endpoint, config_);
  if (!envelope.outcome.ok() || !envelope.outcome.receipt) {
    return validation("transaction " + receipt.transactionId +
                      " is not a completed operation: " + envelope.outcome.message);
  }
  const auto& theirs = *envelope.outcome.receipt;
  auto differs = [](const std::string& ours, const std::string& adapters) {
    return !ours.empty() && !adapters.empty() && ours != adapters;
  };
  auto q1 = Decimal::parse(receipt.quantity), q2 = Decimal::parse(theirs.quantity);
  if (!q1 || !q2 || *q1 != *q2) {
    return validation("quantity: the receipt says " + receipt.quantity + ", the adapter " +
                      theirs.quantity);
  }
  if (differs(receipt.source, theirs.source)) {
    return validation("source: the receipt says " + receipt.source + ", the adapter " +
                      theirs.source);
  }
  if (differs(receipt.destination, theirs.destination)) {
    return validation("destination: the receipt says " + receipt.destination + ", the adapter " +
                      theirs.destination);
  }
  if (differs(receipt.asset, theirs.asset)) {
    return validation("asset: the receipt says " + receipt.asset + ", the adapter " + theirs.asset);
  }
  return Outcome::success();
}

Balance Bridge::balance(const std::string& account, const std::string& asset) {
  Json body = {{"account", {{"type", "finId"}, {"finId", adapter_api::finIdFor(account)}}},
               {"asset", adapter_api::assetJson(config_.assetFor(asset))}};
  auto reply = http_.post("/asset/balance", body.dump(), "");
  Balance b;
  if (!reply.reached || reply.status != 200) {
    auto failure = httpFailure(reply, "/asset/balance");
    b.status =
        reply.reached && reply.status == 404 ? FINP2P_LEDGER_ERROR_NOT_FOUND : failure.status;
    b.message = failure.message;
    return b;
  }
  auto j = parse(reply.body);
  auto info = j ? j->value("balanceInfo", Json::object()) : Json::object();
  auto field = [&](const char* name) { return info.value(name, std::string("0")); };
  b.current = field("current");
  b.available = field("available");
  b.held = field("held");
  for (const auto* v : {&b.current, &b.available, &b.held}) {
    if (!Decimal::parse(*v)) {
      b.status = FINP2P_LEDGER_ERROR_INTERNAL;
      b.message = "the adapter's balance \"" + *v + "\" is not a decimal amount";
    }
  }
  return b;
}

Outcome Bridge::preflight(const Operation& op) {
  if (auto bad = checkInput(op)) return *bad;
  const auto& plan = op.context.planId;
  if (!config_.approvePlans || plan.empty() || store_.planApproved(plan)) {
    return Outcome::success();
  }
  Json body = {{"executionPlan", {{"id", plan}}}};
  auto reply = http_.post("/plan/approve", body.dump(), "");
  int64_t deadline = ledger::nowUnixMs() + config_.http.timeoutMillis;
  for (;;) {
    if (!reply.reached || reply.status != 200) return httpFailure(reply, "/plan/approve");
    auto j = parse(reply.body);
    if (!j) return Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL, "approval is not JSON");
    const Json& e = j->contains("operation") ? (*j)["operation"] : *j;
    if (e.value("isCompleted", false)) {
      auto approval = e.value("approval", Json::object());
      if (approval.value("status", "") == "approved") {
        store_.approvePlan(plan);
        return Outcome::success();
      }
      auto failure = approval.value("failure", Json::object());
      std::string why = failure.value("message", "");
      if (failure.contains("errors")) why += failure["errors"].dump();
      auto status = failure.contains("code") && failure["code"].is_number()
                        ? adapter_api::statusForErrorCode(failure["code"].get<int64_t>())
                        : FINP2P_LEDGER_ERROR_INTENT_VALIDATION;
      return Outcome::failure(status, "the adapter rejected plan " + plan + ": " +
                                          (why.empty() ? approval.dump() : why));
    }
    if (ledger::nowUnixMs() > deadline || e.value("cid", "").empty()) {
      return Outcome::failure(FINP2P_LEDGER_ERROR_UNAVAILABLE,
                              "the adapter has not approved plan " + plan + " yet");
    }
    sleepMillis(config_.pollIntervalMillis);
    reply = http_.get("/operations/status/" + urlEncode(e.value("cid", "")));
  }
}

}  // namespace finp2p::adapter_bridge
