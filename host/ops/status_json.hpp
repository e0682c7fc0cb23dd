#pragma once
// The status page's JSON documents, from values only (no router): what /api/plans and /api/plan
// answer. Kept apart from the wiring (status_page.cpp) so that the unit test can feed them
// hostile plan ids and reasons and parse what comes out.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "finp2p/admin.pb.h"
#include "journal/journal.hpp"

namespace finp2p::ops {

// The list's filters, from the query string: status, org (a participant), from / to (created,
// Unix ms), q (a part of the plan id), limit (1..1000, default 100).
struct PlanFilter {
  journal::PlanQuery query;
  std::string organization;
};
PlanFilter planFilter(const std::string& target);

struct PlanRow {
  journal::PlanSummary summary;
  std::vector<std::string> participants;  // empty while the proposal has not arrived
};

// {"organization", "nowMillis", "counts": {status: n}, "plans": [...]}
std::string planListJson(const std::string& organization, int64_t nowMillis,
                         const std::map<std::string, uint64_t>& counts,
                         const std::vector<PlanRow>& rows);

// {"nowMillis", "view": <plan show --json>, "chain": {intact, entries, problem},
//  "ledgers": {sequence: this router's ledger that runs it}, "organization"}
std::string planJson(const std::string& organization, int64_t nowMillis,
                     const finp2p::admin::GetExecutionResponse& view,
                     const journal::ChainCheck& chain,
                     const std::map<uint32_t, std::string>& ledgerOfStep);

// {"error": message}
std::string errorJson(const std::string& message);

}  // namespace finp2p::ops
