#pragma once
// A whole router inside the simulator: the real RouterNode, recovery and journal (a real SQLite
// file), with the world's runtime, the simulated ledgers and network. Crashing one discards
// everything in its memory (engines, outbox, pending answers); restarting it reopens the same
// journal file and runs recovery, as a restarted finp2p-execd would.

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "engine/crypto_port.hpp"
#include "journal/journal.hpp"
#include "node/router_node.hpp"
#include "sim_ledger.hpp"
#include "sim_world.hpp"

namespace finp2p::sim {

struct NetworkFaults {
  double drop = 0;       // a request or an answer lost
  double duplicate = 0;  // a request delivered twice
  int64_t maxDelayMillis = 5;
};

struct Counters {
  uint64_t crashes = 0, restarts = 0, messages = 0, dropped = 0, duplicated = 0, partitioned = 0,
           resubmits = 0, restores = 0;
};

class SimRouter;

// Who can reach whom: routers that are up and not cut off from each other.
struct Network {
  World& world;
  NetworkFaults faults;
  std::vector<std::unique_ptr<SimRouter>>* routers = nullptr;
  std::set<std::pair<int, int>> cut;  // partitions, both directions listed
  Counters* counters = nullptr;
  // Called as a message is about to reach a router (fuzz_router delivers a mutated copy first).
  std::function<void(int from, int to, const node::PeerMessage& message)> beforeDelivery;
  bool reaches(int from, int to) const { return !cut.count({from, to}); }
};

class SimRouter final : public node::MessageSink {
 public:
  SimRouter(World& world, Network& network, int index, std::string org, std::string journalPath,
            engine::EngineConfig engine, std::vector<Book*> books,
            const LedgerFaults* ledgerFaults);
  ~SimRouter() override;

  const std::string& org() const { return org_; }
  int index() const { return index_; }
  bool isUp() const { return node_ != nullptr; }
  void start();  // opens the journal and recovers
  void crash();  // everything in memory is gone
  const std::string& journalPath() const { return journalPath_; }
  // The journal file was replaced by an older copy: the next start tells the node so.
  void markRestored() { restored_ = true; }
  node::RouterNode& node() { return *node_; }
  journal::Journal& journal() { return *journal_; }
  void setCrypto(std::unique_ptr<engine::RouterCrypto> crypto);

  void send(const std::string& to, const std::string& planId, const std::string& messageId,
            const node::PeerMessage& message, std::function<void()> settled) override;

 private:
  struct Outgoing {
    int to;
    std::string messageId;
    node::PeerMessage message;
    std::function<void()> settled;
  };
  void attempt(uint64_t id);
  void arrive(int from, uint64_t id, const Outgoing& item, uint64_t senderIncarnation);
  SimRouter* byOrg(const std::string& org);

  World& world_;
  Network& network_;
  int index_;
  std::string org_;
  std::string journalPath_;
  engine::EngineConfig engineConfig_;
  std::unique_ptr<engine::RouterCrypto> crypto_;
  SimLedgers ledgers_;
  std::unique_ptr<journal::Journal> journal_;
  std::unique_ptr<node::RouterNode> node_;
  std::map<uint64_t, Outgoing> outbox_;  // this incarnation's undelivered messages
  uint64_t nextId_ = 0;
  bool restored_ = false;
};

}  // namespace finp2p::sim
