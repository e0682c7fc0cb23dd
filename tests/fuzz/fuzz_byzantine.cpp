// Structure-aware fuzzing of what an authenticated peer can send a router in the middle of a
// real plan (issue 13). A DvP runs once among three engines (bank-a, bank-b, bank-c); every
// message one sent another is kept with the receiver's engine as it was just before it. Each
// input picks one of those messages and up to four of its set fields (found from the protobuf
// descriptors, tests/support/field_mutations) and how to change them, so what reaches the
// engine is a well-formed, valid-looking message, not random bytes. Every sixteenth input is
// re-sealed and its seal checked as the peer service does; the others are taken as if the seal
// had verified (a peer signs whatever it likes).
// Oracle: no crash or sanitizer report; a refused message leaves the engine's state as it was;
// an accepted message that differs from the genuine one is a finding unless it is a proposal
// (the issuer may propose another valid plan under its id) — and whatever was accepted, the
// genuine message under another envelope must still let the plan complete once the rest of
// the genuine messages follow.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../engine/matching_receipt.hpp"
#include "../model/plan_builder.hpp"
#include "../support/field_mutations.hpp"
#include "crypto/sealing.hpp"
#include "engine/messages.hpp"
#include "engine/plan_engine.hpp"

namespace {

using namespace finp2p;
using finp2p::journal::Event;
using Wire =
    std::variant<execution::ProposeRequest, execution::ApproveRequest, execution::RejectRequest>;

const std::vector<std::string> kOrgs = {"bank-a", "bank-b", "bank-c"};

// One message of the clean run, with what its receiver was before it and what came after.
struct Point {
  std::string from, to;
  Wire message;               // with its envelope
  engine::PlanEngine before;  // the receiver just before the message
  std::vector<Event> rest;    // the receiver's journal from this message on
};

struct Fixture {
  execution::ExecutionPlan plan = testing::dvpPlan();
  std::map<std::string, crypto::SigningKey> keys;
  std::map<std::string, crypto::VerifyingKey> pub;
  std::map<std::string, std::unique_ptr<engine::RouterCrypto>> crypto;
  std::vector<Point> points;

  engine::PlanEngine engineOf(const std::string& org) const {
    return engine::PlanEngine(plan.id().id(),
                              engine::EngineConfig{org, 10'000, 300'000, crypto.at(org).get()});
  }

  journal::InstructionExecuted success(const engine::ExecuteAction& a) const {
    return testing::matchingExecution(plan, a.instruction);
  }

  Fixture() {
    for (const auto& org : kOrgs) {
      keys.emplace(org, *crypto::SigningKey::fromSeed(std::string(32, org.back())));
      pub.emplace(org, keys.at(org).verifyingKey());
    }
    for (const auto& org : kOrgs) {
      crypto[org] = std::make_unique<engine::RouterCrypto>(org, keys.at(org), pub);
    }
    run();
  }

  // The plan in order, no faults (as tests/engine/byzantine_test.cpp), recording every message.
  void run() {
    std::map<std::string, std::unique_ptr<engine::PlanEngine>> engines;
    for (const auto& org : kOrgs) {
      engines[org] = std::make_unique<engine::PlanEngine>(engineOf(org));
    }
    struct Item {
      std::string org;
      Event event;
      std::optional<std::pair<std::string, Wire>> wire;  // sender and message, for a peer's
    };
    std::deque<Item> queue;
    std::map<std::string, std::vector<Event>> journal;
    std::vector<std::pair<std::size_t, std::string>> at;  // point -> receiver, journal index
    int64_t now = 1'000'000;
    int counter = 0;
    auto local = [&](const std::string& org, const std::function<void(Event&)>& fill) {
      Event e;
      e.set_planid(plan.id().id());
      e.set_atmillis(now++);
      fill(e);
      queue.push_back({org, e, std::nullopt});
    };
    local("bank-a", [&](Event& e) { *e.mutable_plancreated()->mutable_plan() = plan; });
    std::vector<std::size_t> indexOf;
    while (!queue.empty()) {
      Item item = std::move(queue.front());
      queue.pop_front();
      if (item.wire) {
        points.push_back(
            Point{item.wire->first, item.org, item.wire->second, *engines[item.org], {}});
        indexOf.push_back(journal[item.org].size());
      }
      journal[item.org].push_back(item.event);
      for (const auto& action : engines[item.org]->handle(item.event)) {
        if (auto* s = std::get_if<engine::SendAction>(&action)) {
          for (const auto& to : s->to) {
            Wire w = s->message;
            std::visit(
                [&](auto& m) {
                  auto* env = m.mutable_envelope();
                  env->set_messageid(s->messageId + "#" + std::to_string(counter++));
                  env->set_senderorganizationid(item.org);
                  env->set_receiverorganizationid(to);
                  env->set_timestampmillis(now);
                },
                w);
            auto e = std::visit([&](const auto& m) { return engine::toEvent(item.org, m); }, w);
            e->set_atmillis(now++);
            queue.push_back({to, *e, std::make_pair(item.org, w)});
          }
        } else if (std::get_if<engine::PreflightAction>(&action)) {
          local(item.org, [](Event& e) { e.mutable_preflight()->set_ok(true); });
        } else if (auto* x = std::get_if<engine::ExecuteAction>(&action)) {
          auto done = success(*x);
          local(item.org, [&](Event& e) { *e.mutable_instructionexecuted() = done; });
        } else if (auto* v = std::get_if<engine::VerifyAction>(&action)) {
          local(item.org, [&](Event& e) {
            e.mutable_completionverified()->set_sequence(v->sequence);
            e.mutable_completionverified()->set_executor(v->executor);
            e.mutable_completionverified()->set_ok(true);
          });
        }
      }
    }
    for (std::size_t p = 0; p < points.size(); ++p) {
      const auto& events = journal[points[p].to];
      points[p].rest.assign(events.begin() + static_cast<long>(indexOf[p]), events.end());
    }
    for (const auto& org : kOrgs) {
      if (engines[org]->status() != engine::PlanStatus::kCompleted) std::abort();
    }
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

uint64_t take(const uint8_t*& data, size_t& size, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes && size > 0; ++i, ++data, --size) v = v << 8 | *data;
  return v;
}

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "FINDING: %s\n", what.c_str());
  std::abort();
}

}  // namespace

// Each input copies an engine and a message (hundreds of allocations); recording eight frames
// per allocation instead of thirty keeps the reports useful and costs less.
extern "C" const char* __asan_default_options() {
  return "malloc_context_size=8";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& f = fixture();
  if (size < 2) return 0;
  const Point& point = f.points[take(data, size, 1) % f.points.size()];
  uint64_t flags = take(data, size, 1);
  Wire message = point.message;
  std::string paths;
  int count = 1 + static_cast<int>(flags & 3);
  std::visit(
      [&](auto& m) {
        std::size_t leaves = testing::countLeaves(m);
        for (int i = 0; i < count && size > 0; ++i) {
          std::size_t n = take(data, size, 2) % leaves;
          uint64_t salt = take(data, size, 4);
          paths += " " + testing::mutateLeaf(m, n, salt);
        }
      },
      message);
  std::string from =
      std::visit([](const auto& m) { return m.envelope().senderorganizationid(); }, message);
  // The peer service refuses a sender that is not a configured peer, and a router is not its
  // own peer.
  if (from == point.to || !f.keys.count(from)) return 0;
  if ((flags & 0xf0) == 0xf0) {
    // Re-sealed with the claimed sender's key, when it has one, and checked as the peer
    // service checks it (the key configured for the envelope's sender).
    auto key = f.keys.find(from);
    bool sealed = std::visit(
        [&](const auto& m) {
          auto seal = crypto::seal(m, key->second, from);
          return crypto::verifySeal(m, seal, f.pub.at(from), from).ok();
        },
        message);
    if (!sealed) finding("a message re-sealed with its sender's key did not verify");
  }
  auto event = std::visit([&](const auto& m) { return engine::toEvent(from, m); }, message);
  if (!event) return 0;
  event->set_atmillis(point.rest.front().atmillis());
  engine::PlanEngine engine = point.before;
  std::string head = engine.chainHeadHex();
  auto status = engine.status();
  if (!engine.authorize(*event).ok()) {
    if (engine.chainHeadHex() != head || engine.status() != status) {
      finding("a refused message changed the plan:" + paths);
    }
    return 0;
  }
  bool same = event->SerializeAsString() == point.rest.front().SerializeAsString();
  if (!same && !event->has_planproposal()) {
    // Every field of an approval, a completion or a rejection is under a signature or checked
    // against the plan; a rejection's reason is free text.
    bool reasonOnly =
        paths.find("reason") != std::string::npos && paths.find(' ', 1) == std::string::npos;
    // A rejection carries no inner signature: the same rejection re-sealed by another
    // participant is that participant's own rejection (the seal names it), its right.
    bool rejectionBySomeoneElse = (event->has_planrejection() || event->has_completionrejection() ||
                                   event->has_fencereceived()) &&
                                  paths.find("senderOrganizationId") != std::string::npos &&
                                  paths.find(' ', 1) == std::string::npos;
    if (!reasonOnly && !rejectionBySomeoneElse) {
      finding("accepted a mutated " + point.from + " -> " + point.to + " (" +
              event->GetDescriptor()->FindFieldByNumber(event->kind_case())->name() + "):" + paths +
              "\n  genuine: " + point.rest.front().ShortDebugString() +
              "\n  accepted: " + event->ShortDebugString());
    }
  }
  engine.handle(*event);
  if (!same) return 0;
  // The rest signs this router's own messages: costly, so only where there is an oracle.
  for (const auto& e : point.rest) engine.handle(e);
  if (engine.status() != engine::PlanStatus::kCompleted) {
    finding("the genuine message under another envelope, then the rest, did not complete:" + paths);
  }
  return 0;
}
