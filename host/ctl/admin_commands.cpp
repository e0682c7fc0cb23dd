#include "ctl/admin_commands.hpp"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>

#include "finp2p/admin.grpc.pb.h"
#include "model/hash_lock.hpp"
#include "model/plan_file.hpp"

namespace finp2p::ctl {

using namespace finp2p::admin;

namespace {

constexpr int kExitRefused = 1;
constexpr int kExitUnreachable = 3;
constexpr int kExitNotCompleted = 4;

std::unique_ptr<AdminService::Stub> connect(const std::string& admin) {
  return AdminService::NewStub(grpc::CreateChannel(admin, grpc::InsecureChannelCredentials()));
}

int report(const grpc::Status& s, const std::string& admin) {
  bool unreachable = s.error_code() == grpc::StatusCode::UNAVAILABLE ||
                     s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
  if (unreachable) {
    std::fprintf(stderr, "error: router admin service at %s is not reachable: %s\n", admin.c_str(),
                 s.error_message().c_str());
    return kExitUnreachable;
  }
  std::fprintf(stderr, "error: %s\n", s.error_message().c_str());
  return kExitRefused;
}

void withDeadline(grpc::ClientContext& c, int seconds = 30) {
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
}

std::string instructionName(const finp2p::execution::ExecutionPlan& plan,
                            const finp2p::execution::ExecutionInstruction& i) {
  switch (finp2p::model::lockRole(plan, i)) {
    case finp2p::model::LockRole::kLock:
      return "hash-lock " + i.hold().amount() + " " + i.hold().asset().id() + " until " +
             std::to_string(i.hold().hashlock().expiry()) + " under " +
             i.hold().hashlock().hashfunction() + " " + i.hold().hashlock().hash().substr(0, 12) +
             "…";
    case finp2p::model::LockRole::kClaim:
      return "claim " + i.release().amount() + " " + i.release().asset().id() +
             " (hash lock of instruction " + std::to_string(i.release().holdinstructionsequence()) +
             ")";
    case finp2p::model::LockRole::kRefund:
      return "refund the hash lock of instruction " +
             std::to_string(i.reverthold().holdinstructionsequence());
    case finp2p::model::LockRole::kNone:
      break;
  }
  switch (i.operation_case()) {
    case finp2p::execution::ExecutionInstruction::kHold:
      return "hold " + i.hold().amount() + " " + i.hold().asset().id();
    case finp2p::execution::ExecutionInstruction::kTransfer:
      return "transfer " + i.transfer().amount() + " " + i.transfer().asset().id();
    case finp2p::execution::ExecutionInstruction::kRelease:
      return "release " + i.release().amount() + " " + i.release().asset().id();
    case finp2p::execution::ExecutionInstruction::kRevertHold:
      return "revert hold of instruction " +
             std::to_string(i.reverthold().holdinstructionsequence());
    case finp2p::execution::ExecutionInstruction::kIssue:
      return "issue " + i.issue().amount() + " " + i.issue().asset().id();
    case finp2p::execution::ExecutionInstruction::kRedeem:
      return "redeem " + i.redeem().amount() + " " + i.redeem().asset().id();
    case finp2p::execution::ExecutionInstruction::kAwait:
      return "await until " + std::to_string(i.await().waituntil());
    default:
      return "?";
  }
}

void printExecution(const GetExecutionResponse& r) {
  const auto& e = r.execution();
  std::printf("plan %s: %s", e.plan().id().id().c_str(), e.executionplanstatus().c_str());
  if (!r.failurereason().empty()) std::printf(" (%s)", r.failurereason().c_str());
  std::printf("\n  approvals: %d, current instruction: %u\n", e.approvals_size(),
              e.currentinstructionsequence());
  for (const auto& ins : e.plan().instructions()) {
    const std::string& status = e.executionplanstatus();
    bool ended = status != "proposed" && status != "in-progress";
    std::string state = ended ? "not run" : "pending";
    for (const auto& ev : e.events()) {
      if (ev.instruction().sequence() != ins.sequence()) continue;
      state = ev.status().code() == 0
                  ? "done, tx " + ev.receipt().transactiondetails().transactionid()
                  : "FAILED: " + ev.status().message();
    }
    std::string orgs;
    for (const auto& o : ins.organizations()) orgs += (orgs.empty() ? "" : ",") + o;
    std::string approvedBy;
    for (const auto& step : r.steps()) {
      if (step.sequence() != ins.sequence()) continue;
      for (const auto& c : step.completions()) {
        for (const auto& o : c.approvedby()) approvedBy += (approvedBy.empty() ? "" : ",") + o;
      }
    }
    if (!approvedBy.empty()) state += ", approved by " + approvedBy;
    std::printf("  %u. %-40s by %-10s %s\n", ins.sequence(), instructionName(e.plan(), ins).c_str(),
                orgs.c_str(), state.c_str());
  }
  std::printf("  journal head: %s\n", r.journalheadhash().c_str());
}

}  // namespace

int submitPlan(const std::string& admin, const std::string& file, bool wait, bool newId) {
  auto plan = model::readPlanFile(file);
  if (!plan) {
    std::fprintf(stderr, "error: %s\n", plan.error().message.c_str());
    return kExitRefused;
  }
  SubmitPlanRequest request;
  *request.mutable_plan() = *plan;
  request.set_newid(newId);
  SubmitPlanResponse response;
  grpc::ClientContext c;
  withDeadline(c);
  auto s = connect(admin)->SubmitPlan(&c, request, &response);
  if (!s.ok()) return report(s, admin);
  std::printf("%s\n", response.planid().id().c_str());
  if (response.alreadysubmitted()) {
    std::fprintf(stderr, "plan %s was submitted before; nothing new was started\n",
                 response.planid().id().c_str());
  }
  std::fflush(stdout);
  return wait ? watchPlan(admin, response.planid().id()) : 0;
}

int showPlan(const std::string& admin, const std::string& planId, bool json) {
  GetExecutionRequest request;
  request.mutable_planid()->set_id(planId);
  GetExecutionResponse response;
  grpc::ClientContext c;
  withDeadline(c);
  auto s = connect(admin)->GetExecution(&c, request, &response);
  if (!s.ok()) return report(s, admin);
  if (json) {
    std::string out;
    google::protobuf::util::JsonPrintOptions o;
    o.add_whitespace = true;
    (void)google::protobuf::util::MessageToJsonString(response, &out, o);
    std::printf("%s", out.c_str());
  } else {
    printExecution(response);
  }
  return 0;
}

int watchPlan(const std::string& admin, const std::string& planId) {
  GetExecutionRequest request;
  request.mutable_planid()->set_id(planId);
  grpc::ClientContext c;
  auto stub = connect(admin);
  auto reader = stub->WatchExecution(&c, request);
  ExecutionUpdate update;
  std::string lastLine;
  GetExecutionResponse last;
  while (reader->Read(&update)) {
    last = update.state();
    const auto& e = last.execution();
    std::string line = e.executionplanstatus() + " at instruction " +
                       std::to_string(e.currentinstructionsequence()) + ", " +
                       std::to_string(e.approvals_size()) + " approvals, " +
                       std::to_string(e.events_size()) + " completions";
    if (line != lastLine) {
      std::printf("  %s\n", line.c_str());
      std::fflush(stdout);
      lastLine = line;
    }
  }
  auto s = reader->Finish();
  if (!s.ok()) return report(s, admin);
  printExecution(last);
  return last.execution().executionplanstatus() == "completed" ? 0 : kExitNotCompleted;
}

int listPlans(const std::string& admin, const std::string& status, uint32_t limit) {
  ListExecutionsRequest request;
  request.set_status(status);
  request.set_limit(limit);
  ListExecutionsResponse response;
  grpc::ClientContext c;
  withDeadline(c);
  auto s = connect(admin)->ListExecutions(&c, request, &response);
  if (!s.ok()) return report(s, admin);
  for (const auto& e : response.executions()) {
    std::printf("%s  %-11s  instruction %u  head %s\n", e.planid().id().c_str(), e.status().c_str(),
                e.currentinstructionsequence(), e.journalheadhash().c_str());
  }
  return 0;
}

int listLedgers(const std::string& admin) {
  ListLedgersResponse response;
  grpc::ClientContext c;
  withDeadline(c);
  auto s = connect(admin)->ListLedgers(&c, ListLedgersRequest{}, &response);
  if (!s.ok()) return report(s, admin);
  for (const auto& l : response.ledgers()) {
    std::string assets;
    for (const auto& a : l.assets()) assets += (assets.empty() ? "" : ",") + a;
    std::printf(
        "%s: %s %s (generation %u, %s, %d operations in flight) from %s (sha256 %s), "
        "assets %s\n",
        l.name().c_str(), l.pluginname().c_str(), l.pluginversion().c_str(), l.generation(),
        l.state().c_str(), l.operationsinflight(), l.pluginpath().c_str(), l.sha256().c_str(),
        assets.c_str());
    if (l.isolation() == "process") {
      std::printf(
          "  isolation process: %s, %d crashes%s%s\n",
          l.childpid() ? ("child pid " + std::to_string(l.childpid())).c_str() : "child restarting",
          l.crashes(), l.lastcrash().empty() ? "" : ", last: ", l.lastcrash().c_str());
    }
    if (!l.unavailable().empty()) {
      auto nowMillis = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      std::printf("  UNAVAILABLE for %lld s (its last answer): %s\n",
                  static_cast<long long>((nowMillis - l.unavailablesincemillis()) / 1000),
                  l.unavailable().c_str());
    }
  }
  return 0;
}

int listPeers(const std::string& admin) {
  ListPeersResponse response;
  grpc::ClientContext c;
  withDeadline(c);
  auto s = connect(admin)->ListPeers(&c, ListPeersRequest{}, &response);
  if (!s.ok()) return report(s, admin);
  auto ago = [](int64_t atMillis) {
    if (atMillis == 0) return std::string("never (since the router started)");
    auto nowMillis = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return std::to_string((nowMillis - atMillis) / 1000) + " s ago";
  };
  for (const auto& p : response.peers()) {
    // A router older than the state field: reachability only.
    std::string state =
        p.state().empty() ? (p.reachable() ? "reachable" : "unreachable") : p.state();
    if (state == "unreachable") state = "UNREACHABLE";
    if (state.rfind("refusing", 0) == 0) state = "REFUSING" + state.substr(8);
    std::string held = p.heldforredelivery() == 0 ? ""
                                                  : " (" + std::to_string(p.heldforredelivery()) +
                                                        " refused, held for re-delivery)";
    std::string refused = p.refusedmessages() == 0 ? ""
                                                   : ", " + std::to_string(p.refusedmessages()) +
                                                         " refused since the start, last " +
                                                         ago(p.lastrefusalatmillis()) + " (code " +
                                                         std::to_string(p.lastrefusalcode()) + ")";
    if (p.droppedovercap() != 0) {
      refused += ", " + std::to_string(p.droppedovercap()) + " dropped over the held cap";
    }
    std::printf("%s at %s: %s, %llu queued%s%s, last answer %s, last message from it %s\n",
                p.organization().c_str(), p.address().c_str(), state.c_str(),
                static_cast<unsigned long long>(p.backlog()), held.c_str(), refused.c_str(),
                ago(p.lastansweratmillis()).c_str(), ago(p.lastmessageatmillis()).c_str());
  }
  return 0;
}

int reloadLedger(const std::string& admin, const std::string& name) {
  ReloadLedgerRequest request;
  request.set_name(name);
  ReloadLedgerResponse response;
  grpc::ClientContext c;
  // A reload first drains the ledger (bounded by its reload_drain_timeout_secs).
  std::printf("%s: draining (operations in flight finish, new ones wait), then reloading...\n",
              name.c_str());
  std::fflush(stdout);
  withDeadline(c, 3600);
  auto s = connect(admin)->ReloadLedger(&c, request, &response);
  if (!s.ok()) return report(s, admin);
  const auto& l = response.ledger();
  std::printf(
      "%s reloaded: %s %s (generation %u) from %s (sha256 %s); drained %d operations in "
      "%lld ms\n",
      l.name().c_str(), l.pluginname().c_str(), l.pluginversion().c_str(), l.generation(),
      l.pluginpath().c_str(), l.sha256().c_str(), l.lastdrainoperations(),
      static_cast<long long>(l.lastdrainmillis()));
  return 0;
}

int showBalance(const std::string& admin, const std::string& ledger, const std::string& account,
                const std::string& asset) {
  GetBalanceRequest request;
  request.set_ledger(ledger);
  request.set_account(account);
  request.set_asset(asset);
  GetBalanceResponse response;
  grpc::ClientContext c;
  withDeadline(c);
  auto s = connect(admin)->GetBalance(&c, request, &response);
  if (!s.ok()) return report(s, admin);
  std::printf("%s %s on %s: current %s, available %s, held %s\n", account.c_str(), asset.c_str(),
              ledger.c_str(), response.current().c_str(), response.available().c_str(),
              response.held().c_str());
  return 0;
}

}  // namespace finp2p::ctl
