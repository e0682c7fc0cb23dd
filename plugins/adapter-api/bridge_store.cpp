#include "bridge_store.hpp"

#include <nlohmann/json.hpp>

namespace finp2p::adapter_bridge {
namespace {

using Json = nlohmann::json;
using sqlite_ledger::Statement;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS sent (
  idempotency_key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, endpoint TEXT NOT NULL,
  body TEXT NOT NULL, idempotency_header TEXT NOT NULL, cid TEXT NOT NULL,
  outcome TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS approved_plans (plan_id TEXT PRIMARY KEY) WITHOUT ROWID;
)sql";

std::string outcomeText(const ledger::Outcome& o) {
  Json j = {{"status", static_cast<int>(o.status)}, {"message", o.message}};
  if (o.receipt) {
    const auto& r = *o.receipt;
    j["receipt"] = {{"transactionId", r.transactionId},
                    {"operationId", r.operationId},
                    {"operationType", r.operationType},
                    {"source", r.source},
                    {"destination", r.destination},
                    {"asset", r.asset},
                    {"quantity", r.quantity},
                    {"timestamp", r.timestampUnixS},
                    {"proof", r.proof}};
  }
  return j.dump();
}

ledger::Outcome outcomeFrom(const std::string& text) {
  auto j = Json::parse(text);
  ledger::Outcome o{static_cast<ledger::Status>(j.at("status").get<int>()),
                    j.at("message").get<std::string>(), std::nullopt};
  if (j.contains("receipt")) {
    const auto& r = j["receipt"];
    auto str = [&](const char* k) { return r.at(k).get<std::string>(); };
    o.receipt = ledger::Receipt{str("transactionId"), str("operationId"),
                                str("operationType"), str("source"),
                                str("destination"),   str("asset"),
                                str("quantity"),      r.at("timestamp").get<int64_t>(),
                                str("proof")};
  }
  return o;
}

}  // namespace

BridgeStore::BridgeStore(const std::string& path) : db_(path, true) {
  db_.exec(kSchema);
}

std::optional<SentRequest> BridgeStore::find(const std::string& key) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT fingerprint, endpoint, body, idempotency_header, cid, outcome FROM sent "
              "WHERE idempotency_key=?");
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  SentRequest r{key, s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), std::nullopt};
  if (auto outcome = s.text(5); !outcome.empty()) r.outcome = outcomeFrom(outcome);
  return r;
}

void BridgeStore::insert(const SentRequest& r) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "INSERT INTO sent(idempotency_key, fingerprint, endpoint, body, idempotency_header, "
              "cid) VALUES(?,?,?,?,?,?)");
  s.bind(1, r.key).bind(2, r.fingerprint).bind(3, r.endpoint).bind(4, r.body);
  s.bind(5, r.idempotencyHeader).bind(6, r.cid);
  s.run();
}

void BridgeStore::setCid(const std::string& key, const std::string& cid) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "UPDATE sent SET cid=? WHERE idempotency_key=?");
  s.bind(1, cid).bind(2, key);
  s.run();
}

void BridgeStore::setOutcome(const std::string& key, const ledger::Outcome& outcome) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "UPDATE sent SET outcome=? WHERE idempotency_key=?");
  s.bind(1, outcomeText(outcome)).bind(2, key);
  s.run();
}

bool BridgeStore::planApproved(const std::string& planId) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT 1 FROM approved_plans WHERE plan_id=?");
  s.bind(1, planId);
  return s.step();
}

void BridgeStore::approvePlan(const std::string& planId) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "INSERT OR IGNORE INTO approved_plans(plan_id) VALUES(?)");
  s.bind(1, planId);
  s.run();
}

}  // namespace finp2p::adapter_bridge
