#include "sim_router.hpp"

#include <cstdio>

#include "engine/messages.hpp"

namespace finp2p::sim {

namespace {
const char* kindOf(const node::PeerMessage& m) {
  switch (m.index()) {
    case 0:
      return "propose";
    case 1:
      return "approve";
    case 2:
      return "reject";
    default:
      return "resend";
  }
}
}  // namespace

SimRouter::SimRouter(World& world, Network& network, int index, std::string org,
                     std::string journalPath, engine::EngineConfig engine, std::vector<Book*> books,
                     const LedgerFaults* ledgerFaults)
    : world_(world),
      network_(network),
      index_(index),
      org_(std::move(org)),
      journalPath_(std::move(journalPath)),
      engineConfig_(std::move(engine)),
      ledgers_(world, index, std::move(books), ledgerFaults) {}

SimRouter::~SimRouter() {
  node_.reset();
  journal_.reset();
}

void SimRouter::setCrypto(std::unique_ptr<engine::RouterCrypto> crypto) {
  crypto_ = std::move(crypto);
  engineConfig_.crypto = crypto_.get();
}

void SimRouter::start() {
  auto& w = world_;
  auto r = static_cast<std::size_t>(index_);
  ++w.incarnation[r];
  w.up[r] = true;
  auto journal = journal::Journal::open(journalPath_, {.inlineWrites = true, .durable = false});
  if (!journal) {
    std::fprintf(stderr, "sim: %s\n", journal.error().message.c_str());
    std::abort();
  }
  journal_ = std::move(*journal);
  node::NodeConfig config;
  config.engine = engineConfig_;
  config.restoredJournal = restored_;  // the operator says so once, on the first start after it
  restored_ = false;
  for (auto& r : *network_.routers) config.peers.push_back(r->org());
  node_ = std::make_unique<node::RouterNode>(config, std::make_unique<SimRuntime>(world_, index_),
                                             *journal_, ledgers_, *this);
  w.log(org_ + ": started (incarnation " + std::to_string(w.incarnation[r]) + "), recovering");
  if (auto s = node_->recover(); !s) {
    std::fprintf(stderr, "sim: %s recovery failed: %s\n", org_.c_str(), s.error().message.c_str());
    std::abort();
  }
}

void SimRouter::crash() {
  auto r = static_cast<std::size_t>(index_);
  world_.up[r] = false;
  ++world_.incarnation[r];  // every task of the dead process is dropped
  outbox_.clear();
  node_.reset();
  journal_.reset();
}

SimRouter* SimRouter::byOrg(const std::string& org) {
  for (auto& r : *network_.routers) {
    if (r->org() == org) return r.get();
  }
  return nullptr;
}

void SimRouter::send(const std::string& to, const std::string& planId, const std::string& messageId,
                     const node::PeerMessage& message, std::function<void()> settled) {
  (void)planId;
  SimRouter* peer = byOrg(to);
  if (!peer) {
    if (settled) settled();
    return;
  }
  uint64_t id = nextId_++;
  outbox_[id] = Outgoing{peer->index(), messageId, message, std::move(settled)};
  ++network_.counters->messages;
  // The outbox hands the message to its sender thread: a task of this incarnation.
  world_.schedule(world_.now(), index_, [this, id] { attempt(id); });
}

// One delivery attempt, and a retry later unless the peer answered by then.
void SimRouter::attempt(uint64_t id) {
  auto it = outbox_.find(id);
  if (it == outbox_.end()) return;
  const Outgoing& item = it->second;
  auto& f = network_.faults;
  int copies = 1;
  if (!network_.reaches(index_, item.to)) {
    ++network_.counters->partitioned;
    copies = 0;
  } else if (world_.chance(f.drop)) {
    ++network_.counters->dropped;
    copies = 0;
  } else if (world_.chance(f.duplicate)) {
    ++network_.counters->duplicated;
    copies = 2;
  }
  uint64_t incarnation = world_.incarnation[static_cast<std::size_t>(index_)];
  for (int c = 0; c < copies; ++c) {
    world_.schedule(world_.now() + world_.between(1, f.maxDelayMillis), World::kWorld,
                    [this, id, item, incarnation] { arrive(index_, id, item, incarnation); });
  }
  world_.schedule(world_.now() + world_.between(200, 600), index_, [this, id] { attempt(id); });
}

void SimRouter::arrive(int from, uint64_t id, const Outgoing& item, uint64_t senderIncarnation) {
  auto& routers = *network_.routers;
  SimRouter& to = *routers[static_cast<std::size_t>(item.to)];
  if (!to.isUp()) return;  // connection refused; the sender retries
  world_.log(org_ + " -> " + to.org() + ": " + kindOf(item.message) + " " + item.messageId);
  // The answer travels back, and may be lost; the sender only forgets the message once it has
  // it (and only if it is still the process that sent it).
  auto answered = [this, from, id, senderIncarnation, toIndex = item.to](bool final) {
    if (!final) return;  // "busy, retry later": the sender's next attempt covers it
    if (world_.chance(network_.faults.drop) || !network_.reaches(toIndex, from)) {
      ++network_.counters->dropped;
      return;
    }
    world_.schedule(world_.now() + world_.between(1, network_.faults.maxDelayMillis), from,
                    [this, id, senderIncarnation] {
                      if (world_.incarnation[static_cast<std::size_t>(index_)] != senderIncarnation)
                        return;
                      auto it = outbox_.find(id);
                      if (it == outbox_.end()) return;
                      auto settled = std::move(it->second.settled);
                      outbox_.erase(it);
                      if (settled) settled();
                    });
  };
  // Arrival is handled by the receiving process: a task of its incarnation.
  world_.schedule(world_.now(), item.to, [this, &to, item, answered] {
    if (network_.beforeDelivery) network_.beforeDelivery(index_, item.to, item.message);
    if (auto* resend = std::get_if<finp2p::execution::ResendRequest>(&item.message)) {
      auto done = [answered](Result<std::string> r) {
        answered(r.ok() || r.error().code != ErrorCode::kUnavailable);
      };
      if (resend->executionplanid().id().empty()) {
        to.node().resendAllRequested(org_, resend->sincemillis(), done);
      } else {
        to.node().resendRequested(org_, resend->executionplanid().id(), resend->restored(), done);
      }
      return;
    }
    auto event = std::visit(
        [&](const auto& m) -> Result<finp2p::journal::Event> {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, finp2p::execution::ResendRequest>) {
            return makeError(ErrorCode::kInternal, "unreachable");
          } else {
            return engine::toEvent(org_, m);
          }
        },
        item.message);
    if (!event) return answered(true);
    to.node().deliverAsync(std::move(*event), [answered](Result<std::string> r) {
      answered(r.ok() || r.error().code != ErrorCode::kUnavailable);
    });
  });
}

}  // namespace finp2p::sim
