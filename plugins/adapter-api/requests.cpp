#include "requests.hpp"

#include <openssl/sha.h>

#include "finp2p/ledger/decimal.hpp"

namespace finp2p::adapter_bridge {
namespace {

using adapter_api::accountFrom;
using adapter_api::accountJson;

// The investor signature covering the operation (ABI 1.2: the JSON of the adapter API's
// `signature` object, verified by the router). Without one (a plan accepted without investor
// signatures) the API's required `signature` is sent empty: a hashList with no groups.
Json investorSignature(const ledger::Operation& op) {
  if (!op.investorSignature.empty()) {
    auto s = Json::parse(op.investorSignature, nullptr, false);
    if (s.is_object()) {
      // protobuf's JSON writes the uint64 chainId as a string; the API has an integer.
      auto t = s.find("template");
      if (t != s.end() && t->is_object() && t->contains("domain")) {
        auto& domain = (*t)["domain"];
        if (domain.contains("chainId") && domain["chainId"].is_string()) {
          domain["chainId"] = std::stoull(domain["chainId"].get<std::string>());
        }
      }
      return s;
    }
  }
  return {{"signature", "unsigned"},
          {"template", {{"type", "hashList"}, {"hashGroups", Json::array()}, {"hash", ""}}},
          {"hashFunc", "unspecified"}};
}

ledger::Outcome malformed(const std::string& what) {
  return ledger::Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL,
                                  "the adapter's answer is not an operation: " + what);
}

std::string ourAsset(const Json& account, const BridgeConfig& config) {
  std::string tokenId = adapter_api::assetFrom(account.value("asset", Json::object()));
  for (const auto& [id, ref] : config.assets) {
    if (ref.tokenId == tokenId) return id;
  }
  return tokenId;
}

}  // namespace

std::optional<HoldFacts> holdFacts(const std::string& holdRequestBody) {
  auto j = Json::parse(holdRequestBody, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("source")) return std::nullopt;
  return HoldFacts{accountFrom(j["source"]), j.value("quantity", "")};
}

std::string derivedToken(const std::string& purpose, const std::string& key, int64_t epochSeconds) {
  std::string input = purpose + ":" + key;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char token[32];
  std::copy(digest, digest + 24, token);
  auto t = static_cast<uint64_t>(epochSeconds);
  for (int i = 0; i < 8; ++i) token[24 + i] = static_cast<unsigned char>(t >> (56 - 8 * i));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : token) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

Json requestBody(const ledger::Operation& op, const adapter_api::AssetRef& ref,
                 const std::string& nonce, const std::optional<HoldFacts>& hold) {
  Json asset = adapter_api::assetJson(ref);
  Json body = Json::object();
  auto account = [&](const std::string& a) { return accountJson(a, asset); };
  std::string amount = op.amount.empty() && hold ? hold->amount : op.amount;
  switch (op.kind) {
    case FINP2P_LEDGER_OP_HOLD:
      body = {{"nonce", nonce},
              {"operationId", op.context.idempotencyKey},
              {"source", account(op.source)},
              {"quantity", amount},
              {"expiry", 0},
              {"signature", investorSignature(op)}};
      if (!op.destination.empty()) body["destination"] = account(op.destination);
      break;
    case FINP2P_LEDGER_OP_RELEASE:
      body = {{"operationId", op.holdOperationId},
              {"source", account(op.source.empty() && hold ? hold->source : op.source)},
              {"destination", account(op.destination)},
              {"quantity", amount}};
      break;
    case FINP2P_LEDGER_OP_REVERT_HOLD:
      body = {{"operationId", op.holdOperationId},
              {"source", account(hold ? hold->source : op.source)},
              {"quantity", amount}};
      break;
    case FINP2P_LEDGER_OP_TRANSFER:
      body = {{"nonce", nonce},
              {"source", account(op.source)},
              {"destination", account(op.destination)},
              {"quantity", amount},
              {"settlementRef", op.context.idempotencyKey},
              {"signature", investorSignature(op)}};
      break;
    case FINP2P_LEDGER_OP_ISSUE:
      body = {{"nonce", nonce},
              {"destination", account(op.destination)},
              {"quantity", amount},
              {"settlementRef", op.context.idempotencyKey},
              {"signature", investorSignature(op)}};
      break;
    case FINP2P_LEDGER_OP_REDEEM:
      body = {{"nonce", nonce},
              {"source", account(op.source)},
              {"quantity", amount},
              {"settlementRef", op.context.idempotencyKey},
              {"signature", investorSignature(op)}};
      break;
    default:
      break;
  }
  // The API's execution context is (plan, sequence); ours is the key. Sent when they agree, so
  // an adapter that keys operations by it keys them as we do.
  if (!op.context.planId.empty() &&
      op.context.idempotencyKey == op.context.planId + "_" + std::to_string(op.context.sequence)) {
    body["executionContext"] = {{"executionPlanId", op.context.planId},
                                {"instructionSequenceNumber", op.context.sequence}};
  }
  return body;
}

Envelope readEnvelope(const Json& in, const std::string& key, const std::string& endpoint,
                      const BridgeConfig& config) {
  Envelope e;
  const Json& j = in.contains("operation") && in["operation"].is_object() ? in["operation"] : in;
  if (!j.is_object() || !j.contains("isCompleted") || !j["isCompleted"].is_boolean()) {
    e.completed = e.malformed = true;
    e.outcome = malformed("no isCompleted in " + in.dump());
    return e;
  }
  e.cid = j.value("cid", "");
  e.completed = j["isCompleted"].get<bool>();
  if (!e.completed) {
    auto strategy = j.value("operationMetadata", Json::object())
                        .value("operationResponseStrategy", Json::object());
    auto polling = strategy.value("polling", Json::object());
    std::string type = polling.value("type", "random");
    if (type == "relative" && polling.contains("duration") && polling["duration"].is_string()) {
      e.pollMillis =
          adapter_api::durationMillis(polling["duration"].get<std::string>()).value_or(0);
    } else if (type == "absolute" && polling.contains("time") && polling["time"].is_number()) {
      e.pollMillis = polling["time"].get<int64_t>() * 1000 - ledger::nowUnixMs();
    }
    return e;
  }
  if (j.contains("error") && j["error"].is_object()) {
    const auto& err = j["error"];
    int64_t code = err.contains("code") && err["code"].is_number() ? err["code"].get<int64_t>() : 1;
    e.outcome = ledger::Outcome::failure(adapter_api::statusForErrorCode(code),
                                         err.value("message", "the adapter gave no message"));
    return e;
  }
  if (!j.contains("response") || !j["response"].is_object()) {
    e.malformed = true;
    e.outcome = malformed("completed without error or response");
    return e;
  }
  const auto& r = j["response"];
  auto kind = adapter_api::kindForEndpoint(endpoint);
  ledger::Receipt receipt;
  auto details = r.value("transactionDetails", Json::object());
  receipt.transactionId = details.value("transactionId", r.value("id", ""));
  receipt.operationId = key;
  receipt.operationType = kind ? ledger::operationKindName(*kind) : "";
  receipt.quantity = r.value("quantity", "");
  if (r.contains("timestamp") && r["timestamp"].is_number()) {
    receipt.timestampUnixS = r["timestamp"].get<int64_t>();
  }
  if (r.contains("source")) {
    receipt.source = accountFrom(r["source"]);
    receipt.asset = ourAsset(r["source"], config);
  }
  if (r.contains("destination")) {
    receipt.destination = accountFrom(r["destination"]);
    if (receipt.asset.empty()) receipt.asset = ourAsset(r["destination"], config);
  }
  if (receipt.transactionId.empty()) {
    e.malformed = true;
    e.outcome = malformed("a receipt without a transaction id");
    return e;
  }
  if (!ledger::Decimal::parse(receipt.quantity)) {
    e.malformed = true;
    e.outcome = malformed("a receipt with quantity \"" + receipt.quantity + "\"");
    return e;
  }
  e.outcome = ledger::Outcome::success(std::move(receipt));
  return e;
}

std::string adapterMessage(const std::string& body) {
  auto j = Json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object()) {
    if (j.contains("errors") && j["errors"].is_array() && !j["errors"].empty() &&
        j["errors"][0].is_object() && j["errors"][0].contains("message") &&
        j["errors"][0]["message"].is_string()) {
      return j["errors"][0]["message"].get<std::string>();
    }
    if (j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
  }
  return body.empty() ? "(no body)" : body.substr(0, 500);
}

ledger::Outcome httpFailure(const HttpReply& reply, const std::string& what) {
  if (!reply.reached) {
    return ledger::Outcome::failure(FINP2P_LEDGER_ERROR_UNAVAILABLE,
                                    "adapter unreachable (" + what + "): " + reply.error);
  }
  std::string message = "adapter answered " + std::to_string(reply.status) + " to " + what + ": " +
                        adapterMessage(reply.body);
  if (reply.status >= 500 || reply.status == 429) {
    return ledger::Outcome::failure(FINP2P_LEDGER_ERROR_UNAVAILABLE, message);
  }
  return ledger::Outcome::failure(FINP2P_LEDGER_ERROR_VALIDATION, message);
}

}  // namespace finp2p::adapter_bridge
