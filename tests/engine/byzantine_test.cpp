// A Byzantine peer, engine level: every field of every message a router receives in a real DvP
// is mutated in turn (every set leaf of the plan, approvals, completions, receipts, signatures,
// completion approvals and rejections), and the mutated message is delivered mid-plan to each
// participant's engine rebuilt from its journal up to that point. Oracle: the engine refuses it
// before anything is journaled (nothing changes), or — when it accepts it — the plan still ends
// as the clean run did, with the same agreed chain, once the original message follows.
// Seals, envelopes and replays are the peer service's (tests/e2e/hostile_input.sh).

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <gtest/gtest.h>

#include <deque>

#include "../model/plan_builder.hpp"
#include "engine/messages.hpp"
#include "engine/plan_engine.hpp"
#include "matching_receipt.hpp"

namespace finp2p::engine {
namespace {

using finp2p::journal::Event;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

const std::vector<std::string> kOrgs = {"bank-a", "bank-b", "bank-c"};

struct World {
  finp2p::execution::ExecutionPlan plan = testing::dvpPlan();
  std::map<std::string, std::unique_ptr<RouterCrypto>> crypto;
  World() {
    std::map<std::string, crypto::SigningKey> keys;
    std::map<std::string, crypto::VerifyingKey> pub;
    for (const auto& org : kOrgs) {
      keys.emplace(org, *crypto::SigningKey::fromSeed(std::string(32, org.back())));
      pub.emplace(org, keys.at(org).verifyingKey());
    }
    for (const auto& org : kOrgs)
      crypto[org] = std::make_unique<RouterCrypto>(org, keys.at(org), pub);
  }
  std::unique_ptr<PlanEngine> engine(const std::string& org) const {
    return std::make_unique<PlanEngine>(plan.id().id(),
                                        EngineConfig{org, 10'000, 300'000, crypto.at(org).get()});
  }
  finp2p::journal::InstructionExecuted success(const ExecuteAction& a) const {
    return testing::matchingExecution(plan, a.instruction);
  }
};

// Runs the plan in order (no faults) and records every router's journal.
std::map<std::string, std::vector<Event>> cleanRun(const World& w,
                                                   std::map<std::string, std::string>& heads) {
  std::map<std::string, std::unique_ptr<PlanEngine>> engines;
  for (const auto& org : kOrgs) engines[org] = w.engine(org);
  std::map<std::string, std::vector<Event>> journal;
  std::deque<std::pair<std::string, Event>> queue;
  int64_t now = 1'000'000;
  auto local = [&](const std::string& org, const std::function<void(Event&)>& fill) {
    Event e;
    e.set_planid(w.plan.id().id());
    e.set_atmillis(now++);
    fill(e);
    queue.emplace_back(org, e);
  };
  local("bank-a", [&](Event& e) { *e.mutable_plancreated()->mutable_plan() = w.plan; });
  while (!queue.empty()) {
    auto [org, event] = queue.front();
    queue.pop_front();
    journal[org].push_back(event);
    for (const auto& action : engines[org]->handle(event)) {
      if (auto* s = std::get_if<SendAction>(&action)) {
        for (const auto& to : s->to) {
          auto e = std::visit([&](const auto& m) { return toEvent(org, m); }, s->message);
          e->set_atmillis(now++);
          queue.emplace_back(to, *e);
        }
      } else if (std::get_if<PreflightAction>(&action)) {
        local(org, [](Event& e) { e.mutable_preflight()->set_ok(true); });
      } else if (auto* x = std::get_if<ExecuteAction>(&action)) {
        auto done = w.success(*x);
        local(org, [&](Event& e) { *e.mutable_instructionexecuted() = done; });
      } else if (auto* v = std::get_if<VerifyAction>(&action)) {
        local(org, [&](Event& e) {
          e.mutable_completionverified()->set_sequence(v->sequence);
          e.mutable_completionverified()->set_executor(v->executor);
          e.mutable_completionverified()->set_ok(true);
        });
      }
    }
  }
  for (const auto& org : kOrgs) heads[org] = engines[org]->chainHeadHex();
  for (const auto& org : kOrgs) {
    EXPECT_EQ(engines[org]->status(), PlanStatus::kCompleted) << org;
  }
  return journal;
}

// Every set leaf of `m`, as a function that mutates that leaf of a copy.
void leaves(Message& m, std::vector<std::function<void()>>& out, std::vector<std::string>& names,
            const std::string& path) {
  const auto* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const auto* f : fields) {
    int count = f->is_repeated() ? r->FieldSize(m, f) : 1;
    for (int i = 0; i < count; ++i) {
      std::string at =
          path + "." + f->name() + (f->is_repeated() ? "[" + std::to_string(i) + "]" : "");
      bool rep = f->is_repeated();
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_MESSAGE:
          leaves(rep ? *r->MutableRepeatedMessage(&m, f, i) : *r->MutableMessage(&m, f), out, names,
                 at);
          continue;
        case FieldDescriptor::CPPTYPE_STRING:
          out.push_back([&m, r, f, i, rep] {
            std::string v = rep ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
            v[0] = static_cast<char>(v[0] ^ 1);  // set strings are never empty
            rep ? r->SetRepeatedString(&m, f, i, v) : r->SetString(&m, f, v);
          });
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          out.push_back([&m, r, f, i, rep] {
            rep ? r->SetRepeatedUInt32(&m, f, i, r->GetRepeatedUInt32(m, f, i) + 1)
                : r->SetUInt32(&m, f, r->GetUInt32(m, f) + 1);
          });
          break;
        case FieldDescriptor::CPPTYPE_INT32:
          out.push_back([&m, r, f, i, rep] {
            rep ? r->SetRepeatedInt32(&m, f, i, r->GetRepeatedInt32(m, f, i) + 1)
                : r->SetInt32(&m, f, r->GetInt32(m, f) + 1);
          });
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          out.push_back([&m, r, f, i, rep] {
            rep ? r->SetRepeatedInt64(&m, f, i, r->GetRepeatedInt64(m, f, i) + 1)
                : r->SetInt64(&m, f, r->GetInt64(m, f) + 1);
          });
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          out.push_back([&m, r, f, i, rep] {
            rep ? r->SetRepeatedBool(&m, f, i, !r->GetRepeatedBool(m, f, i))
                : r->SetBool(&m, f, !r->GetBool(m, f));
          });
          break;
        case FieldDescriptor::CPPTYPE_ENUM:
          out.push_back([&m, r, f, i, rep] {
            int v = rep ? r->GetRepeatedEnumValue(m, f, i) : r->GetEnumValue(m, f);
            int next = (v + 1) % f->enum_type()->value_count();
            rep ? r->SetRepeatedEnumValue(&m, f, i, next) : r->SetEnumValue(&m, f, next);
          });
          break;
        default:
          continue;
      }
      names.push_back(at);
    }
  }
}

TEST(Byzantine, EveryFieldOfEveryReceivedMessageMutatedIsRefusedOrChangesNothing) {
  World w;
  std::map<std::string, std::string> heads;
  auto journal = cleanRun(w, heads);
  int mutations = 0, refused = 0, harmless = 0, otherPlans = 0;
  std::map<std::string, int> byKind;
  for (const auto& org : kOrgs) {
    const auto& events = journal[org];
    for (std::size_t k = 0; k < events.size(); ++k) {
      if (senderOf(events[k]).empty()) continue;  // local events are not a peer's
      // Count the leaves of this message once, then mutate each on a fresh copy.
      Event probe = events[k];
      std::vector<std::function<void()>> mutate;
      std::vector<std::string> names;
      leaves(probe, mutate, names, "");
      for (std::size_t j = 0; j < mutate.size(); ++j) {
        if (names[j].find(".from") != std::string::npos || names[j].find(".planId") == 0 ||
            names[j] == ".atMillis") {
          continue;  // the sender and routing are the envelope's, checked by the peer service
        }
        Event mutated = events[k];
        std::vector<std::function<void()>> m2;
        std::vector<std::string> n2;
        leaves(mutated, m2, n2, "");
        m2[j]();
        ++mutations;
        ++byKind[std::string(Event::descriptor()
                                 ->FindFieldByNumber(static_cast<int>(events[k].kind_case()))
                                 ->name())];
        auto engine = w.engine(org);
        for (std::size_t i = 0; i < k; ++i) engine->handle(events[i]);
        std::string before = engine->chainHeadHex();
        auto beforeStatus = engine->status();
        if (auto s = engine->authorize(mutated); !s) {
          ++refused;
          EXPECT_TRUE(s.error().code == ErrorCode::kPermissionDenied ||
                      s.error().code == ErrorCode::kUnauthenticated ||
                      s.error().code == ErrorCode::kInvalidArgument)
              << names[j];
          EXPECT_EQ(engine->chainHeadHex(), before);
          EXPECT_EQ(engine->status(), beforeStatus);
          continue;
        }
        engine->handle(mutated);
        if (mutated.has_planproposal()) {
          // The issuer proposing another valid plan under its id is its right, not a finding:
          // the receiver holds that plan, and nothing of the original can attach to it.
          ++otherPlans;
          continue;
        }
        // Every field of an approval, a completion or a completion approval is under a
        // signature or checked against the plan: accepting a mutation would answer "applied"
        // for a message the engine then ignores or, worse, uses.
        ADD_FAILURE() << org << " accepted a mutation of " << names[j];
        // Whatever it did, it may not change the outcome once the original message follows.
        for (std::size_t i = k; i < events.size(); ++i) engine->handle(events[i]);
        ++harmless;
        EXPECT_EQ(engine->status(), PlanStatus::kCompleted)
            << org << " accepted " << names[j] << " mutated and ended "
            << planStatusName(engine->status()) << ": " << engine->reason();
        EXPECT_EQ(engine->chainHeadHex(), heads[org]) << org << " accepted " << names[j];
      }
    }
  }
  std::string kinds;
  for (const auto& [k, n] : byKind) kinds += " " + k + "=" + std::to_string(n);
  std::printf(
      "byzantine: %d mutations (%s), %d refused before journaling, %d accepted and "
      "harmless, %d accepted as another valid plan from its issuer\n",
      mutations, kinds.c_str(), refused, harmless, otherPlans);
  EXPECT_GT(mutations, 300);
}

// Regression (issue 13, found by the live Byzantine suite, tests/e2e/byzantine_live.sh): an
// approval, a completion or a completion approval replayed under a new message id was
// journaled again (a row each time, a disk a peer could fill with one message). The engine now
// tells the node that it already holds such a message; before it arrived it does not.
TEST(Byzantine, AMessageAlreadyAppliedIsRecognizedSoTheNodeJournalsNothing) {
  World w;
  std::map<std::string, std::string> heads;
  auto journal = cleanRun(w, heads);
  int repeats = 0;
  for (const auto& org : kOrgs) {
    const auto& events = journal[org];
    for (std::size_t k = 0; k < events.size(); ++k) {
      if (senderOf(events[k]).empty() || events[k].has_planrejection() ||
          events[k].has_completionrejection()) {
        continue;
      }
      auto engine = w.engine(org);
      for (std::size_t i = 0; i < k; ++i) engine->handle(events[i]);
      bool pendingBefore = events[k].has_planproposal() ? false : engine->hasPlan();
      if (pendingBefore) {
        EXPECT_FALSE(engine->alreadyApplied(events[k])) << org << " event " << k;
      }
      engine->handle(events[k]);
      if (engine::isTerminal(engine->status())) continue;
      Event again = events[k];
      EXPECT_TRUE(engine->authorize(again).ok()) << org << " event " << k;
      EXPECT_TRUE(engine->alreadyApplied(again))
          << org << " event " << k << ": " << again.ShortDebugString().substr(0, 120);
      ++repeats;
    }
  }
  EXPECT_GT(repeats, 10);
}

// Regression (issue 13, found by fuzz_byzantine, tests/fuzz/open/fuzz_byzantine-sender-relabelled):
// once a router held bank-a's plan approval, bank-a could send bank-b's approval (or any bytes
// at all) as its own, and it was answered accepted as a duplicate. Only the held approval, byte
// for byte, is a duplicate; anything else from that sender is checked, late or not.
TEST(Byzantine, AnApprovalNamingAnotherOrganizationIsRefusedAlsoFromASenderWhoseApprovalIsHeld) {
  World w;
  std::map<std::string, std::string> heads;
  auto journal = cleanRun(w, heads);
  const auto& events = journal["bank-c"];
  std::optional<std::size_t> fromA, fromB;
  for (std::size_t k = 0; k < events.size(); ++k) {
    if (!events[k].has_planapproval()) continue;
    if (events[k].planapproval().from() == "bank-a") fromA = k;
    if (events[k].planapproval().from() == "bank-b") fromB = k;
  }
  ASSERT_TRUE(fromB.has_value());
  auto engine = w.engine("bank-c");
  for (std::size_t i = 0; i < *fromB; ++i) engine->handle(events[i]);
  ASSERT_EQ(engine->status(), PlanStatus::kProposed);
  Event relabelled = events[*fromB];
  relabelled.mutable_planapproval()->set_from("bank-a");
  auto s = engine->authorize(relabelled);
  ASSERT_FALSE(s.ok()) << "an approval signed by bank-b was taken as bank-a's";
  EXPECT_EQ(s.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(s.error().message.find("bank-b"), std::string::npos) << s.error().message;
  EXPECT_FALSE(engine->alreadyApplied(relabelled));
  if (fromA && *fromA < *fromB) {
    EXPECT_TRUE(engine->authorize(events[*fromA]).ok());  // the held one again: a duplicate
    EXPECT_TRUE(engine->alreadyApplied(events[*fromA]));
  }
}

}  // namespace
}  // namespace finp2p::engine
