#include "rpc/admin_views.hpp"

#include "rpc/outbox.hpp"
#include "rpc/peer_service.hpp"

namespace finp2p::rpc {

using namespace finp2p::admin;

GetExecutionResponse executionResponse(const node::ExecutionView& view) {
  GetExecutionResponse out;
  *out.mutable_execution() = view.execution;
  out.mutable_execution()->set_executionplanstatus(view.summary.status);
  out.set_journalheadhash(view.summary.chainHead);
  out.set_localjournalheadhash(view.localJournalHead);
  out.set_failurereason(view.summary.reason);
  out.set_failedinstructionsequence(view.summary.failedSequence);
  for (const auto& step : view.steps) {
    auto* s = out.add_steps();
    s->set_sequence(step.sequence);
    s->set_startedatmillis(step.startedAtMillis);
    s->set_settled(step.settled);
    for (const auto& c : step.completions) {
      auto* cs = s->add_completions();
      cs->set_executor(c.executor);
      cs->set_code(c.event.status().code());
      cs->set_message(c.event.status().message());
      cs->set_transactionid(c.event.receipt().transactiondetails().transactionid());
      for (const auto& org : c.approvedBy) cs->add_approvedby(org);
    }
  }
  return out;
}

ExecutionSummary executionSummary(const journal::PlanSummary& p) {
  ExecutionSummary s;
  s.mutable_planid()->set_id(p.planId);
  s.set_status(p.status);
  s.set_currentinstructionsequence(p.currentSequence);
  s.set_createdatmillis(p.createdAtMillis);
  s.set_journalheadhash(p.chainHead);
  return s;
}

LedgerInfo ledgerInfo(const ledgers::LedgerInfo& i) {
  LedgerInfo out;
  out.set_name(i.name);
  out.set_pluginpath(i.pluginPath);
  out.set_pluginname(i.pluginName);
  out.set_pluginversion(i.pluginVersion);
  out.set_abiversion(i.abiVersion);
  for (const auto& a : i.assets) out.add_assets(a);
  out.set_generation(i.generation);
  out.set_sha256(i.sha256);
  out.set_state(ledgers::ledgerStateName(i.state));
  out.set_operationsinflight(i.operationsInFlight);
  out.set_lastdrainoperations(i.lastDrainOperations);
  out.set_lastdrainmillis(i.lastDrainMillis);
  out.set_isolation(config::isolationName(i.isolation));
  out.set_childpid(i.child.childPid);
  out.set_crashes(i.child.crashes);
  out.set_lastcrash(i.child.lastCrash);
  for (const auto& op : i.supportedOperations) out.add_supportedoperations(op);
  out.set_up(i.up);
  out.set_unavailable(i.unavailable);
  out.set_unavailablesincemillis(i.unavailableSinceMillis);
  return out;
}

ListPeersResponse peerList(const Outbox& outbox, const PeerService& peers) {
  ListPeersResponse out;
  for (const auto& q : outbox.queues()) {
    auto* p = out.add_peers();
    p->set_organization(q.peer);
    p->set_address(q.address);
    p->set_reachable(q.reachable);
    p->set_backlog(q.backlog);
    p->set_lastansweratmillis(q.lastAnswerMillis);
    p->set_lastmessageatmillis(peers.lastTakenMillis(q.peer));
    p->set_state(peerState(q));
    p->set_refusedmessages(q.refusedMessages);
    p->set_heldforredelivery(q.held);
    p->set_droppedovercap(q.droppedOverCap);
    p->set_lastrefusalatmillis(q.lastRefusalMillis);
    p->set_lastrefusalcode(q.lastRefusalCode);
    p->set_lastrefusalmessage(q.lastRefusalMessage);
  }
  return out;
}

std::string peerState(const PeerQueue& q) {
  if (!q.reachable) return "unreachable";
  if (q.held > 0 || (q.lastRefusalMillis != 0 && q.lastRefusalMillis >= q.lastAcceptedMillis)) {
    return "refusing our messages (code " + std::to_string(q.lastRefusalCode) + ": " +
           q.lastRefusalMessage + ")";
  }
  return "reachable";
}

}  // namespace finp2p::rpc
