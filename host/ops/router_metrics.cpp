#include "ops/router_metrics.hpp"

#include <algorithm>
#include <map>

#include "ledgers/ledger_registry.hpp"
#include "node/runtime.hpp"

namespace finp2p::ops {

namespace {

// Plans take from milliseconds (a local DvP) to hours (an Await, a slow chain).
std::vector<double> planBuckets() {
  return {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400};
}

std::vector<double> groupBuckets() {
  return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
}

const std::string kUnknown = "unknown";

}  // namespace

RouterMetrics::RouterMetrics(const std::string& organization, std::vector<std::string> peers,
                             std::vector<std::string> ledgers)
    : peers_(peers.begin(), peers.end()),
      ledgers_(ledgers.begin(), ledgers.end()),
      ready_(registry_
                 .gauge("finp2p_router_ready",
                        "1 once recovery finished and the ledgers are loaded; 0 while draining")
                 .only()),
      plans_(registry_.counter("finp2p_plans_total",
                               "Plans that entered each status (since the router started)",
                               {"status"})),
      plansInFlight_(registry_.gauge("finp2p_plans_in_flight",
                                     "Plans held in memory: unfinished, or announced by a message "
                                     "before their proposal")),
      planDuration_(registry_.histogram("finp2p_plan_duration_seconds",
                                        "From a plan's creation to its terminal status", {"status"},
                                        planBuckets())),
      instructionSeconds_(registry_.histogram(
          "finp2p_instruction_execution_seconds",
          "This router's ledger executing an instruction (the plugin's execute call)",
          {"kind", "ledger"}, latencyBuckets())),
      sent_(
          registry_.counter("finp2p_peer_messages_sent_total",
                            "Calls to peers by message kind and the peer's answer code (\"none\": "
                            "no verified answer: unreachable)",
                            {"peer", "kind", "code"})),
      received_(registry_.counter("finp2p_peer_messages_received_total",
                                  "Peer messages taken (answered 0)", {"peer", "kind"})),
      refused_(registry_.counter("finp2p_peer_messages_refused_total",
                                 "Peer messages refused, by the code answered (docs/protocol.md)",
                                 {"peer", "kind", "code"})),
      backlog_(registry_.gauge("finp2p_outbox_backlog_messages",
                               "Messages queued for a peer and not yet answered", {"peer"})),
      retries_(registry_.counter(
          "finp2p_outbox_retries_total",
          "Messages queued again (peer unreachable, busy, or refusing with 4 or 5)", {"peer"})),
      reachable_(registry_.gauge("finp2p_peer_reachable",
                                 "1 when the last call reached the peer, 0 when it did not",
                                 {"peer"})),
      held_(registry_.gauge("finp2p_outbox_held_messages",
                            "Of the backlog: messages the peer refused with a code a fix of its "
                            "configuration cures (4, 5), held and sent again with backoff",
                            {"peer"})),
      commits_(
          registry_.counter("finp2p_journal_commits_total", "Journal group commits", {"result"})),
      groupSize_(registry_.histogram("finp2p_journal_commit_group_entries",
                                     "Entries (events) written by one group commit", {},
                                     groupBuckets())),
      commitSeconds_(registry_.histogram(
          "finp2p_journal_commit_seconds",
          "The journal's COMMIT, where SQLite writes and fsyncs the WAL", {}, latencyBuckets())),
      ledgerCalls_(registry_.counter("finp2p_ledger_calls_total",
                                     "Ledger plugin calls by operation and outcome (the plugin "
                                     "status: ok, not_found, settlement_error, ...)",
                                     {"ledger", "operation", "outcome"})),
      ledgerCallSeconds_(registry_.histogram("finp2p_ledger_call_seconds",
                                             "Ledger plugin calls, from the call to its outcome",
                                             {"ledger", "operation"}, latencyBuckets())),
      reloads_(registry_.counter("finp2p_ledger_reloads_total",
                                 "Ledger plugin reloads (finp2p-execctl ledger reload)",
                                 {"ledger", "result"})),
      generation_(registry_.gauge("finp2p_ledger_generation",
                                  "The loaded plugin's generation (+1 per reload onto a new file)",
                                  {"ledger"})),
      ledgerUp_(registry_.gauge(
          "finp2p_ledger_up",
          "1 serving, 0 draining for a reload, down, or its last answer UNAVAILABLE", {"ledger"})),
      ledgerInFlight_(registry_.gauge("finp2p_ledger_operations_in_flight",
                                      "Plugin operations started and not yet answered",
                                      {"ledger"})),
      pluginCrashes_(registry_.counter(
          "finp2p_ledger_plugin_crashes_total",
          "isolation = \"process\": the plugin's child crashed, exited, was killed for a hung "
          "call or could not be restarted (in-process plugins: always 0, a crash is the "
          "router's)",
          {"ledger"})),
      plansOpen_(registry_.gauge("finp2p_plans_open",
                                 "Unfinished plans written since the router started, by status",
                                 {"status"})),
      oldestInStatus_(registry_.gauge("finp2p_plan_oldest_in_status_seconds",
                                      "How long the oldest unfinished plan in each status has been "
                                      "in it (0: none): plans stuck in a status",
                                      {"status"})) {
  registry_.gauge("finp2p_router_info", "The router's organization (always 1)", {"organization"})
      .with({organization})
      .set(1);
  for (const auto& p : peers_) {
    backlog_.with({p});
    held_.with({p});
    reachable_.with({p}).set(1);
  }
  for (const auto& p : peers_) peerCounters_.emplace(p, std::make_unique<PeerCounters>());
  peerCounters_.emplace(kUnknown, std::make_unique<PeerCounters>());
  // The outbox sends to configured peers only: "unknown" has no retries.
  for (auto& [p, counters] : peerCounters_) {
    if (p != kUnknown) counters->retries = &retries_.with({p});
  }
  for (const auto& l : ledgers_) {
    reloads_.with({l, "ok"});
    pluginCrashes_.with({l});  // 0 from the first scrape, so increase() sees the first crash
  }
  // Every status from the first scrape (0 until one is entered), so that rate() and alerts see
  // the first plan of each, cancelled ones included.
  for (const char* s :
       {"proposed", "in-progress", "completed", "failed", "halted", "rejected", "cancelled"}) {
    plans_.with({s});
  }
  for (const char* s : {"proposed", "in-progress"}) {
    plansOpen_.with({s});
    oldestInStatus_.with({s});
  }
  commits_.with({"ok"});
  registry_.onCollect([this] {
    int64_t now = node::wallClockMillis();
    std::map<std::string, std::pair<std::size_t, int64_t>> byStatus;  // count, oldest since
    {
      std::lock_guard lock(openMutex_);
      for (const auto& [id, plan] : open_) {
        auto& [count, oldest] = byStatus.try_emplace(plan.status, 0, now).first->second;
        ++count;
        oldest = std::min(oldest, plan.sinceMillis);
      }
    }
    // Statuses seen before stay exposed (at 0), so a series does not vanish when it empties.
    plansOpen_.each([](const auto&, Gauge& g) { g.set(0); });
    oldestInStatus_.each([](const auto&, Gauge& g) { g.set(0); });
    for (const auto& [status, v] : byStatus) {
      plansOpen_.with({status}).set(static_cast<double>(v.first));
      oldestInStatus_.with({status}).set(static_cast<double>(now - v.second) / 1000.0);
    }
  });
  addProcessMetrics(registry_);
}

const std::string& RouterMetrics::peerLabel(const std::string& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? kUnknown : *it;
}

const std::string& RouterMetrics::ledgerLabel(const std::string& ledger) const {
  auto it = ledgers_.find(ledger);
  return it == ledgers_.end() ? kUnknown : *it;
}

void RouterMetrics::watchPlansInFlight(std::function<std::size_t()> plansInFlight) {
  auto& gauge = plansInFlight_.only();
  registry_.onCollect(
      [&gauge, f = std::move(plansInFlight)] { gauge.set(static_cast<double>(f())); });
}

void RouterMetrics::watchOutbox(const rpc::Outbox& outbox) {
  registry_.onCollect([this, &outbox] {
    for (const auto& q : outbox.queues()) {
      backlog_.with({peerLabel(q.peer)}).set(static_cast<double>(q.backlog));
      reachable_.with({peerLabel(q.peer)}).set(q.reachable ? 1 : 0);
      held_.with({peerLabel(q.peer)}).set(static_cast<double>(q.held));
    }
  });
}

void RouterMetrics::watchLedgers(const ledgers::LedgerRegistry& registry) {
  registry_.onCollect([this, &registry] {
    for (const auto& l : registry.list()) {
      const auto& name = ledgerLabel(l.name);
      generation_.with({name}).set(l.generation);
      ledgerUp_.with({name}).set(l.up ? 1 : 0);
      ledgerInFlight_.with({name}).set(l.operationsInFlight);
      pluginCrashes_.with({name}).setTotal(static_cast<double>(l.crashesSinceStart));
    }
  });
}

void RouterMetrics::ledgerReloaded(const std::string& ledger, bool ok) {
  reloads_.with({ledgerLabel(ledger), ok ? "ok" : "error"}).inc();
}

void RouterMetrics::ledgerCall(const std::string& ledger, const char* operation,
                               const std::string& outcome, double seconds) {
  const auto& name = ledgerLabel(ledger);
  ledgerCalls_.with({name, operation, outcome}).inc();
  ledgerCallSeconds_.with({name, operation}).observe(seconds);
}

void RouterMetrics::instructionExecuted(const std::string& ledger, const char* kind,
                                        double seconds) {
  instructionSeconds_.with({kind, ledgerLabel(ledger)}).observe(seconds);
}

void RouterMetrics::committed(const std::vector<journal::Batch>& group, double seconds, bool ok) {
  commits_.with({ok ? "ok" : "error"}).inc();
  if (!ok) return;
  groupSize_.only().observe(static_cast<double>(group.size()));
  commitSeconds_.only().observe(seconds);
  std::lock_guard lock(openMutex_);
  for (const auto& b : group) {
    if (b.event.kind_case() == finp2p::journal::Event::KIND_NOT_SET) continue;  // bookkeeping
    const auto& s = b.summary;
    auto it = open_.find(s.planId);
    if (it == open_.end() || it->second.status != s.status) plans_.with({s.status}).inc();
    if (s.terminal) {
      planDuration_.with({s.status})
          .observe(static_cast<double>(s.updatedAtMillis - s.createdAtMillis) / 1000.0);
      if (it != open_.end()) open_.erase(it);
    } else if (it == open_.end()) {
      open_.emplace(s.planId, OpenPlan{s.status, s.updatedAtMillis});
    } else if (it->second.status != s.status) {
      it->second = {s.status, s.updatedAtMillis};
    }
  }
}

int RouterMetrics::kindIndex(const char* kind) {
  switch (kind[2]) {  // pr(o)pose, ap(p)rove, re(j)ect, re(s)end
    case 'o':
      return 0;
    case 'p':
      return 1;
    case 'j':
      return 2;
    default:
      return 3;
  }
}

Counter& RouterMetrics::cached(std::atomic<Counter*>& slot, CounterFamily& family,
                               const std::vector<std::string>& values) {
  if (Counter* c = slot.load(std::memory_order_acquire)) return *c;
  Counter& c = family.with(values);  // the same child if two threads race here
  slot.store(&c, std::memory_order_release);
  return c;
}

RouterMetrics::PeerCounters& RouterMetrics::countersOf(const std::string& peer) {
  auto it = peerCounters_.find(peer);
  return *(it != peerCounters_.end() ? it : peerCounters_.find(kUnknown))->second;
}

void RouterMetrics::answered(const std::string& peer, const char* kind, int code) {
  std::string codeLabel = code < 0 ? "none" : std::to_string(code);
  if (code + 1 >= kCodes) return sent_.with({peerLabel(peer), kind, codeLabel}).inc();
  auto& slot = countersOf(peer).sent[kindIndex(kind)][code + 1];
  cached(slot, sent_, {peerLabel(peer), kind, codeLabel}).inc();
}

void RouterMetrics::retrying(const std::string& peer) {
  if (Counter* retries = countersOf(peer).retries) retries->inc();
}

void RouterMetrics::received(const std::string& sender, const char* kind, int code) {
  auto& counters = countersOf(sender);
  int k = kindIndex(kind);
  if (code == 0) return cached(counters.received[k], received_, {peerLabel(sender), kind}).inc();
  if (code < 0 || code + 1 >= kCodes) {
    return refused_.with({peerLabel(sender), kind, std::to_string(code)}).inc();
  }
  cached(counters.refused[k][code + 1], refused_, {peerLabel(sender), kind, std::to_string(code)})
      .inc();
}

}  // namespace finp2p::ops
