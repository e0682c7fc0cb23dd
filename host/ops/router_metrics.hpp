#pragma once
// The router's metrics (docs/operations.md lists them). They are observed at the edges — the
// journal's group commits, the outbox's calls, the peer service's answers, the ledger calls
// (MeteredLedgers) and the admin service's reloads — through each component's observer
// interface, and values that live elsewhere (queues, plans in memory, /proc) are read at scrape
// time. The engine knows nothing of them.
//
// Labels are bounded: peers and ledgers come from the TOML (anything else is "unknown"), kinds,
// operations, statuses and codes from fixed sets. No plan id is ever a label.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "journal/journal.hpp"
#include "ops/metrics.hpp"
#include "rpc/outbox.hpp"
#include "rpc/peer_service.hpp"

namespace finp2p::ledgers {
class LedgerRegistry;
}

namespace finp2p::ops {

class RouterMetrics final : public journal::CommitObserver, public rpc::OutboxObserver {
 public:
  RouterMetrics(const std::string& organization, std::vector<std::string> peers,
                std::vector<std::string> ledgers);

  MetricsRegistry& registry() { return registry_; }

  // Scrape-time sources; each outlives this object's last exposition.
  void watchPlansInFlight(std::function<std::size_t()> plansInFlight);
  void watchOutbox(const rpc::Outbox& outbox);
  void watchLedgers(const ledgers::LedgerRegistry& ledgers);

  // 1 once recovery finished and the services serve; 0 while starting or draining.
  void setReady(bool ready) { ready_.set(ready ? 1 : 0); }
  void ledgerReloaded(const std::string& ledger, bool ok);
  // One ledger call ended (MeteredLedgers). `operation`: preflight, execute, lookup, verify.
  void ledgerCall(const std::string& ledger, const char* operation, const std::string& outcome,
                  double seconds);
  // An instruction ran on this router's ledger (the execute call), by its kind.
  void instructionExecuted(const std::string& ledger, const char* kind, double seconds);

  void committed(const std::vector<journal::Batch>& group, double commitSeconds, bool ok) override;
  void answered(const std::string& peer, const char* kind, int code) override;
  void retrying(const std::string& peer) override;
  // A message from `sender` answered by the peer service (its observer is incoming()).
  void received(const std::string& sender, const char* kind, int code);
  rpc::PeerServiceObserver& incoming() { return incoming_; }

 private:
  const std::string& peerLabel(const std::string& peer) const;
  // The per-message counters of one peer, resolved on first use and then reached without a
  // lock or an allocation: [kind][code + 1], code -1 ("none") to 10; other codes take the
  // family's lookup.
  static constexpr int kKinds = 4, kCodes = 12;
  struct PeerCounters {
    std::atomic<Counter*> sent[kKinds][kCodes] = {};
    std::atomic<Counter*> received[kKinds] = {};
    std::atomic<Counter*> refused[kKinds][kCodes] = {};
    Counter* retries = nullptr;
  };
  PeerCounters& countersOf(const std::string& peer);
  static int kindIndex(const char* kind);
  // `slot` caches family.with(values).
  static Counter& cached(std::atomic<Counter*>& slot, CounterFamily& family,
                         const std::vector<std::string>& values);
  const std::string& ledgerLabel(const std::string& ledger) const;

  // The peer service's observer has the outbox's signature, so it is a separate object.
  struct Incoming final : rpc::PeerServiceObserver {
    explicit Incoming(RouterMetrics& m) : metrics(m) {}
    void answered(const std::string& sender, const char* kind, int code) override {
      metrics.received(sender, kind, code);
    }
    RouterMetrics& metrics;
  };

  MetricsRegistry registry_;
  Incoming incoming_{*this};
  std::set<std::string> peers_, ledgers_;
  Gauge& ready_;
  CounterFamily& plans_;
  GaugeFamily& plansInFlight_;
  HistogramFamily& planDuration_;
  HistogramFamily& instructionSeconds_;
  CounterFamily& sent_;
  CounterFamily& received_;
  CounterFamily& refused_;
  GaugeFamily& backlog_;
  CounterFamily& retries_;
  GaugeFamily& reachable_;
  GaugeFamily& held_;
  CounterFamily& commits_;
  HistogramFamily& groupSize_;
  HistogramFamily& commitSeconds_;
  CounterFamily& ledgerCalls_;
  HistogramFamily& ledgerCallSeconds_;
  CounterFamily& reloads_;
  GaugeFamily& generation_;
  GaugeFamily& ledgerUp_;
  GaugeFamily& ledgerInFlight_;
  CounterFamily& pluginCrashes_;
  GaugeFamily& plansOpen_;
  GaugeFamily& oldestInStatus_;
  // Each unfinished plan's status and since when (its updatedAt then): entries into a status
  // are counted, and the oldest plan in each status is what "stuck" alerts look at. Written by
  // the journal's thread, read at scrape time.
  struct OpenPlan {
    std::string status;
    int64_t sinceMillis = 0;
  };
  std::map<std::string, std::unique_ptr<PeerCounters>> peerCounters_;  // fixed after construction
  std::mutex openMutex_;
  std::unordered_map<std::string, OpenPlan> open_;
};

// Process metrics read from /proc at scrape time: process_cpu_seconds_total,
// process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds,
// process_max_fds, process_start_time_seconds (the names every Prometheus client uses).
void addProcessMetrics(MetricsRegistry& registry);

}  // namespace finp2p::ops
