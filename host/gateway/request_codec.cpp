#include "gateway/request_codec.hpp"

namespace finp2p::gateway {
namespace {

using adapter_api::accountFrom;
using adapter_api::accountJson;
using adapter_api::assetFrom;

Error missing(const std::string& field) {
  return makeError(ErrorCode::kInvalidArgument, "missing or invalid field \"" + field + "\"");
}

bool hasString(const Json& body, const char* key) {
  return body.contains(key) && body[key].is_string() && !body[key].get<std::string>().empty();
}

bool hasObject(const Json& body, const char* key) {
  return body.contains(key) && body[key].is_object();
}

}  // namespace

Result<GatewayOperation> operationFromRequest(ledger::OperationKind kind, const Json& body,
                                              const std::string& idempotencyKey,
                                              uint32_t decimals) {
  if (!body.is_object()) return makeError(ErrorCode::kInvalidArgument, "the body is not an object");
  GatewayOperation g;
  auto& op = g.op;
  op.kind = kind;
  op.assetDecimals = decimals;
  bool needsSource = kind != FINP2P_LEDGER_OP_ISSUE;
  bool needsDestination = kind == FINP2P_LEDGER_OP_ISSUE || kind == FINP2P_LEDGER_OP_TRANSFER ||
                          kind == FINP2P_LEDGER_OP_RELEASE;
  if (needsSource && !hasObject(body, "source")) return missing("source");
  if (needsDestination && !hasObject(body, "destination")) return missing("destination");
  if (!hasString(body, "quantity")) return missing("quantity");
  if (hasObject(body, "source")) op.source = accountFrom(body["source"]);
  if (hasObject(body, "destination")) op.destination = accountFrom(body["destination"]);
  g.asset = needsSource ? body["source"].value("asset", Json::object())
                        : body["destination"].value("asset", Json::object());
  op.asset = assetFrom(g.asset);
  if (op.asset.empty()) return missing(needsSource ? "source.asset" : "destination.asset");
  op.amount = body["quantity"].get<std::string>();
  bool namesHold = kind == FINP2P_LEDGER_OP_HOLD || kind == FINP2P_LEDGER_OP_RELEASE ||
                   kind == FINP2P_LEDGER_OP_REVERT_HOLD;
  if (namesHold && !hasString(body, "operationId")) return missing("operationId");
  if (kind == FINP2P_LEDGER_OP_RELEASE || kind == FINP2P_LEDGER_OP_REVERT_HOLD) {
    op.holdOperationId = body["operationId"].get<std::string>();
  }
  if (hasObject(body, "executionContext")) {
    const auto& c = body["executionContext"];
    if (!c.contains("executionPlanId") || !c["executionPlanId"].is_string() ||
        !c.contains("instructionSequenceNumber") ||
        !c["instructionSequenceNumber"].is_number_unsigned()) {
      return missing("executionContext");
    }
    op.context.planId = c["executionPlanId"].get<std::string>();
    op.context.sequence = c["instructionSequenceNumber"].get<uint32_t>();
  }
  if (kind == FINP2P_LEDGER_OP_HOLD) {
    op.context.idempotencyKey = body["operationId"].get<std::string>();
  } else if (!op.context.planId.empty()) {
    op.context.idempotencyKey = op.context.planId + "_" + std::to_string(op.context.sequence);
  } else {
    op.context.idempotencyKey = std::string(adapter_api::endpointFor(kind)) + ":" + idempotencyKey;
  }
  return g;
}

std::string toStored(const GatewayOperation& g) {
  const auto& op = g.op;
  Json j = {{"kind", static_cast<int>(op.kind)},
            {"planId", op.context.planId},
            {"sequence", op.context.sequence},
            {"key", op.context.idempotencyKey},
            {"source", op.source},
            {"destination", op.destination},
            {"asset", op.asset},
            {"decimals", op.assetDecimals},
            {"amount", op.amount},
            {"holdOperationId", op.holdOperationId},
            {"assetObject", g.asset}};
  return j.dump();
}

Result<GatewayOperation> fromStored(const std::string& text) {
  auto j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return makeError(ErrorCode::kInternal, "stored operation is not JSON: " + text);
  }
  try {
    GatewayOperation g;
    auto& op = g.op;
    op.kind = static_cast<ledger::OperationKind>(j.at("kind").get<int>());
    op.context.planId = j.at("planId").get<std::string>();
    op.context.sequence = j.at("sequence").get<uint32_t>();
    op.context.idempotencyKey = j.at("key").get<std::string>();
    op.source = j.at("source").get<std::string>();
    op.destination = j.at("destination").get<std::string>();
    op.asset = j.at("asset").get<std::string>();
    op.assetDecimals = j.at("decimals").get<uint32_t>();
    op.amount = j.at("amount").get<std::string>();
    op.holdOperationId = j.at("holdOperationId").get<std::string>();
    g.asset = j.at("assetObject");
    return g;
  } catch (const std::exception& e) {
    return makeError(ErrorCode::kInternal, std::string("stored operation: ") + e.what());
  }
}

Json completedOperation(const std::string& cid, const GatewayOperation& g,
                        const ledger::Outcome& outcome) {
  if (!outcome.ok() || !outcome.receipt) {
    return adapter_api::failedOperation(
        cid, outcome.ok() ? FINP2P_LEDGER_ERROR_INTERNAL : outcome.status,
        outcome.ok() ? "the plugin gave no receipt" : outcome.message);
  }
  const auto& r = *outcome.receipt;
  const auto& op = g.op;
  Json receipt = {{"id", r.transactionId},
                  {"quantity", r.quantity.empty() ? op.amount : r.quantity},
                  {"timestamp", r.timestampUnixS},
                  {"transactionDetails",
                   {{"transactionId", r.transactionId},
                    {"operationId",
                     op.holdOperationId.empty() ? op.context.idempotencyKey : op.holdOperationId}}},
                  {"operationType", adapter_api::operationTypeFor(op.kind)},
                  {"tradeDetails", Json::object()},
                  {"proof", {{"type", "noProofPolicy"}}}};
  std::string source = r.source.empty() ? op.source : r.source;
  std::string destination = r.destination.empty() ? op.destination : r.destination;
  if (!source.empty()) receipt["source"] = accountJson(source, g.asset);
  if (!destination.empty()) receipt["destination"] = accountJson(destination, g.asset);
  if (!op.context.planId.empty()) {
    receipt["tradeDetails"]["executionContext"] = {
        {"executionPlanId", op.context.planId}, {"instructionSequenceNumber", op.context.sequence}};
  }
  return {{"cid", cid}, {"isCompleted", true}, {"response", receipt}};
}

}  // namespace finp2p::gateway
