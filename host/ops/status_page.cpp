#include "ops/status_page.hpp"

#include <algorithm>

#include "journal/journal.hpp"
#include "ledgers/ledger_registry.hpp"
#include "model/receipt_check.hpp"
#include "node/router_node.hpp"
#include "ops/http_query.hpp"
#include "ops/json_text.hpp"
#include "ops/status_json.hpp"
#include "rpc/admin_views.hpp"

namespace finp2p::ops {

namespace {

// Plans whose participants are remembered; past it the memory starts again empty (each plan's
// participants are then read once more), so a router with millions of plans stays bounded.
constexpr std::size_t kMaxRemembered = 50'000;
// An organization filter looks at this many of the newest matching plans at most, so that one
// poll stays bounded however many plans the journal holds.
constexpr uint32_t kOrganizationScan = 1000;

// The page runs only its own files: no inline script, nothing from elsewhere (it must work
// offline, and a hostile string that reached the DOM as markup still could not run).
const std::vector<std::pair<std::string, std::string>>& securityHeaders() {
  static const std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
       "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-store"},
  };
  return headers;
}

HttpResponse json(int status, std::string body) {
  return {status, "application/json; charset=utf-8", std::move(body), securityHeaders()};
}

HttpResponse failure(const Error& e) {
  int status = e.code == ErrorCode::kNotFound          ? 404
               : e.code == ErrorCode::kInvalidArgument ? 400
                                                       : 500;
  return json(status, errorJson(e.message));
}

}  // namespace

std::vector<std::string> StatusPage::participantsOf(const std::string& planId) {
  {
    std::lock_guard lock(cacheMutex_);
    if (auto it = participants_.find(planId); it != participants_.end()) return it->second;
  }
  std::vector<std::string> out;
  auto view = sources_.node.get(planId);
  if (!view) return out;
  for (const auto& p : view->execution.plan().participants()) out.push_back(p.organizationid());
  if (out.empty()) return out;  // not proposed yet: ask again next time
  std::lock_guard lock(cacheMutex_);
  if (participants_.size() >= kMaxRemembered) participants_.clear();
  participants_[planId] = out;
  return out;
}

HttpResponse StatusPage::plans(const std::string& target) {
  auto filter = planFilter(target);
  uint32_t wanted = filter.query.limit;
  if (!filter.organization.empty()) filter.query.limit = kOrganizationScan;
  auto summaries = sources_.node.list(filter.query);
  if (!summaries) return failure(summaries.error());
  auto counts = sources_.journal.countByStatus();
  if (!counts) return failure(counts.error());
  std::vector<PlanRow> rows;
  for (auto& s : *summaries) {
    if (rows.size() >= wanted) break;
    auto participants = participantsOf(s.planId);
    if (!filter.organization.empty() && std::find(participants.begin(), participants.end(),
                                                  filter.organization) == participants.end()) {
      continue;
    }
    rows.push_back({std::move(s), std::move(participants)});
  }
  return json(200, planListJson(sources_.organization, node::nowMillis(), *counts, rows));
}

HttpResponse StatusPage::plan(const std::string& target) {
  auto id = parseQuery(target)["id"];
  if (id.empty()) return json(400, errorJson("say which plan: /api/plan?id=PLAN_ID"));
  auto view = sources_.node.get(id);
  if (!view) return failure(view.error());
  auto chain = sources_.journal.verifyChain(id);
  if (!chain) return failure(chain.error());
  // Which of this router's ledgers runs each of its own instructions (the others' ledgers are
  // theirs to know).
  std::map<uint32_t, std::string> ledgerOfStep;
  const auto& plan = view->execution.plan();
  for (const auto& ins : plan.instructions()) {
    const auto& orgs = ins.organizations();
    if (std::find(orgs.begin(), orgs.end(), sources_.organization) == orgs.end()) continue;
    if (const auto* asset = model::instructionAsset(plan, ins)) {
      if (auto name = sources_.ledgers.ledgerNameForAsset(asset->id())) {
        ledgerOfStep[ins.sequence()] = *name;
      }
    }
  }
  return json(200, planJson(sources_.organization, node::nowMillis(), rpc::executionResponse(*view),
                            *chain, ledgerOfStep));
}

HttpResponse StatusPage::ledgers() {
  finp2p::admin::ListLedgersResponse response;
  for (const auto& l : sources_.ledgers.list()) *response.add_ledgers() = rpc::ledgerInfo(l);
  return json(200, protoJson(response));
}

HttpResponse StatusPage::peers() {
  return json(200, protoJson(rpc::peerList(sources_.outbox, sources_.peers)));
}

void StatusPage::addRoutes(HttpRoutes& routes) {
  for (std::size_t i = 0; i < kStatusAssetCount; ++i) {
    const StatusAsset& asset = kStatusAssets[i];
    routes[asset.path] = [&asset](const std::string&) {
      return HttpResponse{200, asset.contentType,
                          std::string(reinterpret_cast<const char*>(asset.data), asset.size),
                          securityHeaders()};
    };
  }
  routes["/api/plans"] = [this](const std::string& target) { return plans(target); };
  routes["/api/plan"] = [this](const std::string& target) { return plan(target); };
  routes["/api/ledgers"] = [this](const std::string&) { return ledgers(); };
  routes["/api/peers"] = [this](const std::string&) { return peers(); };
}

}  // namespace finp2p::ops
