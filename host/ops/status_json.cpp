#include "ops/status_json.hpp"

#include <algorithm>
#include <charconv>

#include "ops/http_query.hpp"
#include "ops/json_text.hpp"

namespace finp2p::ops {

namespace {

// A bound of the list; what does not parse does not filter.
int64_t number(const std::map<std::string, std::string>& q, const char* name) {
  auto it = q.find(name);
  if (it == q.end()) return 0;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  return ec == std::errc() && end == it->second.data() + it->second.size() && v > 0 ? v : 0;
}

std::string stringArray(const std::vector<std::string>& values) {
  std::string out = "[";
  for (const auto& v : values) out += (out.size() > 1 ? "," : "") + jsonString(v);
  return out + "]";
}

}  // namespace

PlanFilter planFilter(const std::string& target) {
  auto q = parseQuery(target);
  PlanFilter f;
  f.query.status = q["status"];
  f.query.idContains = q["q"];
  f.query.createdFromMillis = number(q, "from");
  f.query.createdToMillis = number(q, "to");
  int64_t limit = number(q, "limit");
  f.query.limit = static_cast<uint32_t>(limit == 0 ? 100 : std::min<int64_t>(limit, 1000));
  f.organization = q["org"];
  return f;
}

std::string planListJson(const std::string& organization, int64_t nowMillis,
                         const std::map<std::string, uint64_t>& counts,
                         const std::vector<PlanRow>& rows) {
  JsonObject countsJson;
  for (const auto& [status, n] : counts) countsJson.num(status, static_cast<int64_t>(n));
  std::string plans = "[";
  for (const auto& row : rows) {
    const auto& s = row.summary;
    if (plans.size() > 1) plans += ",";
    plans += JsonObject()
                 .str("planId", s.planId)
                 .str("status", s.status)
                 .num("currentSequence", s.currentSequence)
                 .num("createdAtMillis", s.createdAtMillis)
                 .num("updatedAtMillis", s.updatedAtMillis)
                 .str("reason", s.reason)
                 .flag("terminal", s.terminal)
                 .raw("participants", stringArray(row.participants))
                 .done();
  }
  plans += "]";
  return JsonObject()
      .str("organization", organization)
      .num("nowMillis", nowMillis)
      .raw("counts", countsJson.done())
      .raw("plans", plans)
      .done();
}

std::string planJson(const std::string& organization, int64_t nowMillis,
                     const finp2p::admin::GetExecutionResponse& view,
                     const journal::ChainCheck& chain,
                     const std::map<uint32_t, std::string>& ledgerOfStep) {
  JsonObject ledgers;
  for (const auto& [sequence, ledger] : ledgerOfStep) ledgers.str(std::to_string(sequence), ledger);
  return JsonObject()
      .str("organization", organization)
      .num("nowMillis", nowMillis)
      .raw("view", protoJson(view))
      .raw("chain", JsonObject()
                        .flag("intact", chain.intact)
                        .num("entries", static_cast<int64_t>(chain.entries))
                        .str("problem", chain.problem)
                        .done())
      .raw("ledgers", ledgers.done())
      .done();
}

std::string errorJson(const std::string& message) {
  return JsonObject().str("error", message).done();
}

}  // namespace finp2p::ops
