// Structure-aware fuzzing of a whole router in process (issue 13). bank-b is a real RouterNode —
// recovery, its SQLite journal, the engine — behind PeerIntake, the checks the gRPC peer service
// runs (addressing, sender, seal, freshness, repeats, limits), among two more real nodes (bank-a
// issues the DvP and serves the bond, bank-c observes), in the simulator's world (tests/sim)
// without faults. Each input runs one DvP from fresh journals. The n-th message bank-b receives
// is first delivered mutated — up to four of its set fields, chosen from the protobuf descriptors
// (tests/support/field_mutations) — and sealed by the sender it claims (or, for one input in
// eight, by another participant's key), through PeerIntake; then the genuine message follows.
// Oracle: no crash or sanitizer report; a refused message leaves no event of it in bank-b's
// journal; an accepted message that differs from the genuine one is a finding, unless it is a
// proposal (the issuer may propose any valid plan under its id), a rejection's free-text reason,
// or a rejection another participant sealed (its own, its right); and unless a different
// proposal was accepted, the plan ends completed on all three with one journal head.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../model/plan_builder.hpp"
#include "../sim/sim_router.hpp"
#include "../support/field_mutations.hpp"
#include "crypto/digest.hpp"
#include "crypto/sealing.hpp"
#include "engine/messages.hpp"
#include "rpc/peer_intake.hpp"

#include <spdlog/spdlog.h>

namespace {

using namespace finp2p;
using finp2p::journal::Event;

const std::vector<std::string> kOrgs = {"bank-a", "bank-b", "bank-c"};
constexpr int kTarget = 1;  // bank-b
// The accounts and the bond of testing::dvpPlan(), as the simulator's ledgers name them.
constexpr const char* kBond = "bank-a:102:bond";
// The ledgers' accounts: the test investors' finIds (dvpPlan's accounts are FinP2P accounts).
constexpr const char* kSeller = finp2p::testing::kSellerFinId;
constexpr const char* kBuyer = finp2p::testing::kBuyerFinId;

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "FINDING: %s\n", what.c_str());
  std::abort();
}

uint64_t take(const uint8_t*& data, size_t& size, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes && size > 0; ++i, ++data, --size) v = v << 8 | *data;
  return v;
}

// The event a message becomes, without its time: what "the same message" means here.
std::string payload(Event e) {
  e.clear_atmillis();
  return e.SerializeAsString();
}

struct Keys {
  std::map<std::string, crypto::SigningKey> signing;
  std::map<std::string, crypto::VerifyingKey> verifying;
  Keys() {
    for (const auto& org : kOrgs) {
      auto digest = crypto::sha3_256("fuzz_router " + org);
      signing.emplace(org,
                      *crypto::SigningKey::fromSeed(std::string(digest.begin(), digest.end())));
      verifying.emplace(org, signing.at(org).verifyingKey());
    }
  }
};

const Keys& keys() {
  static Keys k;
  return k;
}

// What the input asks for: which message bank-b receives is mutated, and how.
struct Mutation {
  std::size_t target = 0;
  uint64_t flags = 0;
  std::vector<std::pair<uint16_t, uint32_t>> leaves;  // (leaf number, salt)
};

struct Outcome {
  bool delivered = false;  // the n-th message existed
  bool differs = false;    // its event differs from the genuine one's
  bool exempt = false;     // accepted but within a sender's rights (see the top)
  bool differentProposal = false;
  std::optional<finp2p::common::Status> answer;
  std::string paths, refusedPayload, description;
};

void runOne(const Mutation& m, const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  sim::World world(1);
  world.incarnation.assign(kOrgs.size(), 0);
  world.up.assign(kOrgs.size(), false);
  world.skew.assign(kOrgs.size(), 0);
  sim::Counters counters;
  sim::Network network{world};
  network.counters = &counters;
  sim::LedgerFaults noFaults{};
  sim::Book securities{"securities", {kBond}};
  sim::Book cash{"cash", {"USD"}};
  securities.available[{kSeller, kBond}] = *ledger::Decimal::parse("1000");
  cash.available[{kBuyer, "USD"}] = *ledger::Decimal::parse("100000.00");

  std::vector<std::unique_ptr<sim::SimRouter>> routers;
  network.routers = &routers;
  for (std::size_t i = 0; i < kOrgs.size(); ++i) {
    engine::EngineConfig config;
    config.self = kOrgs[i];
    config.agreementTimeoutMillis = 3'000;
    config.catchUpIntervalMillis = 1'000;
    std::vector<sim::Book*> books;
    if (i == 0) books.push_back(&securities);
    if (i == 1) books.push_back(&cash);
    routers.push_back(std::make_unique<sim::SimRouter>(world, network, static_cast<int>(i),
                                                       kOrgs[i], dir + "/" + kOrgs[i] + ".db",
                                                       config, books, &noFaults));
    routers.back()->setCrypto(std::make_unique<engine::RouterCrypto>(
        kOrgs[i], keys().signing.at(kOrgs[i]), keys().verifying));
    routers.back()->start();
  }
  sim::SimRouter& target = *routers[kTarget];
  std::map<std::string, crypto::VerifyingKey> peers = keys().verifying;
  peers.erase(kOrgs[kTarget]);
  rpc::PeerIntake intake(kOrgs[kTarget], keys().signing.at(kOrgs[kTarget]), peers, target.node(),
                         60'000);

  auto plan = testing::dvpPlan();
  const std::string planId = plan.id().id();
  Outcome out;
  std::size_t seen = 0;
  int counter = 0;
  network.beforeDelivery = [&](int from, int to, const node::PeerMessage& genuine) {
    if (to != kTarget || seen++ != m.target) return;
    out.delivered = true;
    node::PeerMessage message = genuine;
    std::visit(
        [&](auto& msg) {
          auto* env = msg.mutable_envelope();
          env->set_messageid("fuzz-" + std::to_string(counter++));
          env->set_senderorganizationid(kOrgs[static_cast<std::size_t>(from)]);
          env->set_receiverorganizationid(kOrgs[kTarget]);
          env->set_timestampmillis(node::nowMillis());
          std::size_t leaves = testing::countLeaves(msg);
          for (const auto& [n, salt] : m.leaves) {
            out.paths += " " + testing::mutateLeaf(msg, n % leaves, salt);
          }
          std::string claimed = msg.envelope().senderorganizationid();
          std::string signer = claimed;
          if ((m.flags & 0x70) == 0x70 || !keys().signing.count(signer)) {
            signer = kOrgs[(m.flags >> 8) % kOrgs.size()];
          }
          auto seal = crypto::seal(msg, keys().signing.at(signer), claimed);
          using M = std::decay_t<decltype(msg)>;
          if constexpr (!std::is_same_v<M, finp2p::execution::ResendRequest>) {
            auto mutated = engine::toEvent(claimed, msg);
            auto real =
                engine::toEvent(kOrgs[static_cast<std::size_t>(from)], std::get<M>(genuine));
            if (mutated && real) {
              out.differs = payload(*mutated) != payload(*real);
              out.refusedPayload = payload(*mutated);
              out.differentProposal = out.differs && mutated->has_planproposal();
              bool reasonOnly = out.paths.find("reason") != std::string::npos &&
                                out.paths.find(' ', 1) == std::string::npos;
              bool rejectionBySomeoneElse =
                  (mutated->has_planrejection() || mutated->has_completionrejection() ||
                   mutated->has_fencereceived()) &&
                  claimed != kOrgs[static_cast<std::size_t>(from)];
              out.exempt = out.differentProposal || reasonOnly || rejectionBySomeoneElse;
              out.description = mutated->ShortDebugString().substr(0, 600);
            }
          }
          intake.take(msg, seal, {}, [&out](finp2p::common::Status s) { out.answer = s; });
        },
        message);
  };

  routers[0]->node().submitAsync(plan, false, [](Result<node::Submitted>) {});
  auto terminal = [&] {
    for (auto& r : routers) {
      auto s = r->journal().summary(planId);
      if (!s || !s->has_value() || !(*s)->terminal) return false;
    }
    return true;
  };
  int crashed = sim::World::kWorld;
  std::string where;
  const int64_t giveUpAt = world.now() + 120'000;
  while (!terminal() && world.now() < giveUpAt) {
    if (!world.step(crashed, where)) {
      world.schedule(world.now() + 250, sim::World::kWorld, [] {});
    }
  }
  // Let the answer to the mutated message arrive if it is still on its way.
  for (int i = 0; i < 1000 && out.delivered && !out.answer && world.step(crashed, where); ++i) {
  }

  if (!out.delivered) return;
  bool accepted = out.answer && out.answer->code() == 0;
  if (accepted && out.differs && !out.exempt) {
    finding("accepted a mutated message:" + out.paths + "\n  " + out.description);
  }
  if (!accepted && out.differs && !out.refusedPayload.empty()) {
    auto events = target.journal().events(planId);
    if (events) {
      for (const auto& e : *events) {
        if (payload(e) == out.refusedPayload) {
          finding("a refused message (" + (out.answer ? out.answer->message() : "no answer") +
                  ") is in the journal:" + out.paths);
        }
      }
    }
  }
  if (out.differentProposal && accepted) return;
  std::string head;
  for (auto& r : routers) {
    auto s = r->journal().summary(planId);
    if (!s || !s->has_value()) finding(r->org() + " has no record of the plan after:" + out.paths);
    const auto& sum = **s;
    if (sum.status != "completed") {
      finding("the plan ended " + sum.status + " on " + r->org() + " (" + sum.reason +
              ") after:" + out.paths);
    }
    if (head.empty()) head = sum.chainHead;
    if (sum.chainHead != head) finding("journal heads differ after:" + out.paths);
  }
}

}  // namespace

extern "C" const char* __asan_default_options() {
  return "malloc_context_size=8";
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // a line per state change, thousands per second
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = "/dev/shm/fuzz_router-" + std::to_string(::getpid());
  if (size < 2) return 0;
  Mutation m;
  m.target = take(data, size, 1) % 24;
  m.flags = take(data, size, 2);
  int count = 1 + static_cast<int>(m.flags & 3);
  for (int i = 0; i < count && size > 0; ++i) {
    auto n = static_cast<uint16_t>(take(data, size, 2));
    auto salt = static_cast<uint32_t>(take(data, size, 4));
    m.leaves.emplace_back(n, salt);
  }
  runOne(m, dir);
  return 0;
}
