#include "gateway/gateway_service.hpp"

#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "common/failpoint.hpp"

namespace finp2p::gateway {
namespace {

using adapter_api::sha256Hex;
using ops::HttpResponse;

constexpr const char* kJson = "application/json";
// How long a plugin may take over one attempt; a slower one is asked again (lookup) at the
// client's next poll.
constexpr int64_t kAttemptMillis = 60'000;

HttpResponse json(int status, const Json& body) {
  return {status, kJson, body.dump()};
}

// The API's error body (APIErrorsTyped) with one error.
HttpResponse apiError(int status, int code, const std::string& message) {
  return json(status, {{"type", "error"}, {"errors", {{{"code", code}, {"message", message}}}}});
}

std::string newCid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 2; ++i) {
    uint64_t v = rng();
    for (int n = 0; n < 16; ++n, v >>= 4) id += kHex[v & 15];
  }
  return id;
}

const std::map<std::string, ledger::OperationKind>& assetEndpoints() {
  static const std::map<std::string, ledger::OperationKind> endpoints = [] {
    std::map<std::string, ledger::OperationKind> m;
    for (auto kind : {FINP2P_LEDGER_OP_HOLD, FINP2P_LEDGER_OP_RELEASE, FINP2P_LEDGER_OP_REVERT_HOLD,
                      FINP2P_LEDGER_OP_TRANSFER, FINP2P_LEDGER_OP_ISSUE, FINP2P_LEDGER_OP_REDEEM}) {
      m[adapter_api::endpointFor(kind)] = kind;
    }
    return m;
  }();
  return endpoints;
}

// A path parameter as sent: percent-escapes decoded (a malformed one is kept as it is).
std::string percentDecoded(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

}  // namespace

GatewayService::GatewayService(const GatewayConfig& config, ledgers::LedgerRegistry& registry,
                               GatewayStore& store)
    : config_(config), registry_(registry), store_(store) {}

GatewayService::~GatewayService() {
  // Completions call back into this object: wait for the plugins (bounded, as the router does).
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, std::chrono::seconds(10), [&] { return started_ == 0; });
}

// Constant time in the token's length: a timing side channel must not spell the token out.
bool GatewayService::authorized(const std::string& header) const {
  const std::string prefix = "Bearer ";
  if (header.size() != prefix.size() + config_.authToken.size() || header.rfind(prefix, 0) != 0) {
    return false;
  }
  unsigned char diff = 0;
  for (std::size_t i = 0; i < config_.authToken.size(); ++i) {
    diff |= static_cast<unsigned char>(header[prefix.size() + i] ^ config_.authToken[i]);
  }
  return diff == 0;
}

HttpResponse GatewayService::handle(const ops::HttpRequest& request) {
  std::string path = request.path;
  if (!config_.basePath.empty()) {
    if (!startsWith(path, config_.basePath)) return apiError(404, 404, "not found: " + path);
    path = path.substr(config_.basePath.size());
  }
  spdlog::info("{} {}", request.method, path);
  // /health stays open for load balancers and probes: it says nothing about any ledger.
  bool health = request.method == "GET" && path == "/health";
  if (!health && !config_.authToken.empty() && !authorized(request.header("authorization"))) {
    spdlog::warn("refused {} {}: no valid bearer token", request.method, path);
    return apiError(401, 401, "unauthorized: Authorization: Bearer <token> is required");
  }
  if (request.method == "GET") {
    if (path == "/health") return json(200, {{"status", "ok"}});
    if (startsWith(path, "/operations/status/")) {
      return operationStatus(percentDecoded(path.substr(sizeof("/operations/status/") - 1)));
    }
    if (startsWith(path, "/assets/receipts/")) {
      return receipt(percentDecoded(path.substr(sizeof("/assets/receipts/") - 1)));
    }
    return apiError(404, 404, "not found: GET " + path);
  }
  if (request.method != "POST") return apiError(405, 405, "method not allowed: " + request.method);
  auto body = Json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return apiError(400, 400, "the body is not a JSON object");
  }
  if (auto it = assetEndpoints().find(path); it != assetEndpoints().end()) {
    return assetOperation(it->second, request, body);
  }
  if (path == "/asset/balance") return balance(body, false);
  if (path == "/assets/getBalance") return balance(body, true);
  if (path == "/plan/approve") return planApproval(body, "approve");
  if (path == "/plan/proposal") return planApproval(body, "proposal");
  if (path == "/plan/proposal/status") return {204, kJson, ""};
  if (path == "/assets/create") return createAsset(body);
  if (path == "/payments/depositInstruction") {
    return json(200, {{"cid", newCid()},
                      {"isCompleted", true},
                      {"error",
                       {{"code", 1},
                        {"message",
                         "finp2p-adapter-gateway: ledger plugins have no deposit "
                         "instructions"}}}});
  }
  if (path == "/payments/payout") {
    return json(200, adapter_api::failedOperation(
                         newCid(), FINP2P_LEDGER_ERROR_UNSUPPORTED,
                         "finp2p-adapter-gateway: ledger plugins have no payouts"));
  }
  return apiError(404, 404, "not found: POST " + path);
}

uint32_t GatewayService::decimalsOf(const std::string& asset) const {
  auto it = config_.decimals.find(asset);
  return it == config_.decimals.end() ? 18 : it->second;
}

HttpResponse GatewayService::assetOperation(ledger::OperationKind kind,
                                            const ops::HttpRequest& request, const Json& body) {
  std::string key = request.header("idempotency-key");
  if (key.empty()) return apiError(400, 400, "the Idempotency-Key header is required");
  auto g = operationFromRequest(kind, body, key, 18);
  if (!g) return apiError(400, 400, g.error().message);
  g->op.assetDecimals = decimalsOf(g->op.asset);
  auto ledger = registry_.forAsset(g->op.asset);
  if (!ledger) {
    return json(
        200, adapter_api::failedOperation(newCid(), FINP2P_LEDGER_ERROR_VALIDATION,
                                          "no ledger of this gateway serves asset " + g->op.asset));
  }
  for (const auto* account : {&g->op.source, &g->op.destination}) {
    if (account->empty() || adapter_api::isFinId(*account)) continue;
    if (auto s = store_.rememberAccount(adapter_api::finIdFor(*account), *account); !s) {
      return apiError(500, 500, s.error().message);
    }
  }
  StoredOperation fresh{
      newCid(), ledger::operationKindName(kind), ledger->name(), toStored(*g), false, ""};
  auto claimed = store_.claim(key, adapter_api::endpointFor(kind), sha256Hex(body.dump()), fresh);
  if (!claimed) {
    bool reused = claimed.error().code == ErrorCode::kAlreadyExists;
    return apiError(reused ? 409 : 500, reused ? 409 : 500, claimed.error().message);
  }
  if (claimed->cid != fresh.cid) {
    spdlog::info("Idempotency-Key {} replayed: operation {} ({})", key, claimed->cid,
                 claimed->done ? "completed" : "open");
  }
  if (!claimed->done) start(*claimed, claimed->cid != fresh.cid);
  return json(200, awaitEnvelope(claimed->cid));
}

void GatewayService::start(const StoredOperation& stored, bool resuming) {
  {
    std::lock_guard lock(mutex_);
    if (!running_.insert(stored.cid).second) return;
    ++started_;
  }
  auto g = fromStored(stored.operation);
  auto ledger = g ? registry_.byName(stored.ledger) : nullptr;
  if (!g || !ledger) {
    auto why = !g ? g.error().message : "ledger " + stored.ledger + " is no longer configured";
    return finish(stored.cid, g ? *g : GatewayOperation{},
                  ledger::Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL, why));
  }
  auto op = std::make_shared<GatewayOperation>(std::move(*g));
  op->op.context.deadlineUnixMs = ledger::nowUnixMs() + kAttemptMillis;
  std::string cid = stored.cid;
  auto run = [this, cid, op, ledger] {
    ledger->execute(op->op, [this, cid, op](ledger::Outcome o) { finish(cid, *op, o); });
  };
  if (!resuming) return run();
  ledger->lookup(op->op.context.idempotencyKey, [this, cid, op, run](ledger::Outcome o) {
    if (o.status == FINP2P_LEDGER_ERROR_NOT_FOUND) return run();
    finish(cid, *op, o);
  });
}

void GatewayService::finish(const std::string& cid, const GatewayOperation& g,
                            const ledger::Outcome& outcome) {
  failpoint("gateway-after-execute");
  if (adapter_api::isFinal(outcome.status)) {
    auto envelope = completedOperation(cid, g, outcome);
    auto tx = outcome.ok() && outcome.receipt ? outcome.receipt->transactionId : "";
    if (auto s = store_.complete(cid, envelope.dump(), tx); !s) {
      spdlog::error("operation {}: cannot store its outcome: {}", cid, s.error().message);
    }
  } else {
    spdlog::warn("operation {}: {} ({}); asked again at the next poll", cid,
                 ledger::statusName(outcome.status), outcome.message);
  }
  {
    std::lock_guard lock(mutex_);
    running_.erase(cid);
    --started_;
  }
  changed_.notify_all();
}

Json GatewayService::awaitEnvelope(const std::string& cid) {
  {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::milliseconds(config_.answerWithinMillis),
                      [&] { return !running_.count(cid); });
  }
  auto stored = store_.byCid(cid);
  if (stored && *stored && (*stored)->done) {
    auto envelope = Json::parse((*stored)->response, nullptr, false);
    if (!envelope.is_discarded()) return envelope;
  }
  return adapter_api::pendingOperation(cid, config_.pollIntervalMillis);
}

HttpResponse GatewayService::operationStatus(const std::string& cid) {
  auto stored = store_.byCid(cid);
  if (!stored) return apiError(500, 500, stored.error().message);
  if (!*stored) return apiError(404, 404, "no operation with cid " + cid);
  if (!(*stored)->done) start(**stored, true);
  Json envelope = awaitEnvelope(cid);
  return json(200, {{"type", (*stored)->kind == "approval" ? "approval" : "receipt"},
                    {"operation", envelope}});
}

HttpResponse GatewayService::receipt(const std::string& transactionId) {
  auto stored = store_.byTransaction(transactionId);
  if (!stored) return apiError(500, 500, stored.error().message);
  if (!*stored) return apiError(404, 404, "no transaction " + transactionId);
  return {200, kJson, (*stored)->response};
}

HttpResponse GatewayService::balance(const Json& body, bool deprecatedForm) {
  const char* ownerKey = deprecatedForm ? "owner" : "account";
  if (!body.contains(ownerKey) || !body[ownerKey].is_object()) {
    return apiError(400, 400, std::string("missing field \"") + ownerKey + "\"");
  }
  const Json& owner = body[ownerKey];
  Json assetObject =
      deprecatedForm ? owner.value("asset", Json::object()) : body.value("asset", Json::object());
  std::string asset = adapter_api::assetFrom(assetObject);
  std::string account = adapter_api::accountFrom(owner);
  if (asset.empty() || account.empty()) return apiError(400, 400, "missing account or asset");
  if (adapter_api::isFinId(account)) {
    auto known = store_.accountFor(account);
    if (known && *known) account = **known;
  }
  auto ledger = registry_.forAsset(asset);
  if (!ledger) return apiError(404, 404, "no ledger of this gateway serves asset " + asset);
  auto b = ledger->balanceAndWait(account, asset);
  if (b.status != FINP2P_LEDGER_OK) {
    return apiError(b.status == FINP2P_LEDGER_ERROR_NOT_FOUND ? 404 : 500,
                    static_cast<int>(adapter_api::errorCodeFor(b.status)), b.message);
  }
  if (deprecatedForm) return json(200, {{"asset", assetObject}, {"balance", b.current}});
  return json(200, {{"account", owner},
                    {"asset", assetObject},
                    {"balanceInfo",
                     {{"asset", assetObject},
                      {"current", b.current},
                      {"available", b.available},
                      {"held", b.held}}}});
}

HttpResponse GatewayService::planApproval(const Json& body, const std::string& route) {
  if (!body.contains("executionPlan") || !body["executionPlan"].is_object() ||
      !body["executionPlan"].contains("id") || !body["executionPlan"]["id"].is_string()) {
    return apiError(400, 400, "missing field \"executionPlan.id\"");
  }
  // A plugin sees operations, not plans: it approves or refuses each one at execution. The
  // plan is approved and the answer kept, so that its cid can be polled like any other.
  std::string cid = newCid();
  Json envelope = {{"cid", cid}, {"isCompleted", true}, {"approval", {{"status", "approved"}}}};
  std::string digest = sha256Hex(body.dump());
  auto claimed = store_.claim("plan/" + route + ":" + digest, "/plan/" + route, digest,
                              StoredOperation{cid, "approval", "", "{}", true, envelope.dump()});
  if (!claimed) return apiError(500, 500, claimed.error().message);
  return {200, kJson, claimed->response};
}

HttpResponse GatewayService::createAsset(const Json& body) {
  Json binding = body.value("ledgerAssetBinding", Json::object());
  std::string id = binding.is_object() ? binding.value("tokenId", "") : "";
  if (id.empty() && body.contains("asset") && body["asset"].is_object()) {
    id = body["asset"].value("resourceId", "");
  }
  auto ledger = id.empty() ? nullptr : registry_.forAsset(id);
  if (!ledger) {
    return json(200, {{"cid", newCid()},
                      {"isCompleted", true},
                      {"error",
                       {{"code", 1},
                        {"message",
                         "finp2p-adapter-gateway: ledger plugins cannot create assets; "
                         "list asset \"" +
                             id + "\" in a [[ledger]]'s assets"}}}});
  }
  // The asset exists already: its identifier is the answer.
  return json(200, {{"cid", newCid()},
                    {"isCompleted", true},
                    {"response",
                     {{"ledgerAssetInfo",
                       {{"ledgerIdentifier",
                         {{"assetIdentifierType", "CAIP-19"},
                          {"network", "finp2p-exec"},
                          {"tokenId", id},
                          {"standard", ledger->name()}}}}}}}});
}

void GatewayService::resumePending() {
  auto open = store_.pending();
  if (!open) {
    spdlog::error("cannot read the open operations: {}", open.error().message);
    return;
  }
  for (const auto& stored : *open) {
    spdlog::info("resuming operation {} ({})", stored.cid, stored.kind);
    start(stored, true);
  }
}

}  // namespace finp2p::gateway
