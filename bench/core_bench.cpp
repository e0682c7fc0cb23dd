// The costs one DvP cannot avoid, measured one by one: sealing and verifying a message, the plan
// digest, the engine's work for a whole plan, a journal append (alone and grouped).

#include <benchmark/benchmark.h>

#include <deque>
#include <filesystem>
#include <future>

#include "crypto/sealing.hpp"
#include "engine/messages.hpp"
#include "engine/plan_engine.hpp"
#include "investors/investor_check.hpp"
#include "journal/journal.hpp"
#include "model/plan_builder.hpp"
#include "model/receipt_check.hpp"

namespace {

using namespace finp2p;

void BM_Ed25519Sign(benchmark::State& state) {
  auto key = *crypto::SigningKey::generate();
  std::string digest(32, 'x');
  for (auto _ : state) benchmark::DoNotOptimize(key.sign(digest));
}
BENCHMARK(BM_Ed25519Sign);

void BM_Ed25519Verify(benchmark::State& state) {
  auto key = *crypto::SigningKey::generate();
  auto pub = key.verifyingKey();
  std::string digest(32, 'x');
  auto sig = key.sign(digest);
  for (auto _ : state) benchmark::DoNotOptimize(pub.verify(digest, sig));
}
BENCHMARK(BM_Ed25519Verify);

execution::ApproveRequest sampleMessage() {
  auto plan = testing::dvpPlan();
  auto key = *crypto::SigningKey::generate();
  execution::ApproveRequest m;
  m.mutable_envelope()->set_messageid(plan.id().id() + "/plan-approval");
  m.mutable_envelope()->set_senderorganizationid("bank-b");
  m.mutable_envelope()->set_receiverorganizationid("bank-a");
  m.mutable_envelope()->set_timestampmillis(1795000000000);
  *m.mutable_plan() = crypto::signPlanApproval(plan, "bank-b", key);
  return m;
}

void BM_SealAndVerifyMessage(benchmark::State& state) {
  auto key = *crypto::SigningKey::generate();
  auto pub = key.verifyingKey();
  auto m = sampleMessage();
  for (auto _ : state) {
    auto seal = crypto::seal(m, key, "bank-b");
    benchmark::DoNotOptimize(crypto::verifySeal(m, seal, pub, "bank-b").ok());
  }
}
BENCHMARK(BM_SealAndVerifyMessage);

void BM_PlanDigest(benchmark::State& state) {
  auto plan = testing::dvpPlan();
  for (auto _ : state) benchmark::DoNotOptimize(crypto::planDigest(plan));
}
BENCHMARK(BM_PlanDigest);

// What a router adds per plan for its investors: verify the plan's two hashList signatures
// (secp256k1) and check they cover its movements; and, per ledger operation, find the
// signature covering it (ABI 1.2), read without verifying again.
void BM_InvestorSignatureCheck(benchmark::State& state) {
  auto plan = testing::dvpPlan();
  for (auto _ : state) benchmark::DoNotOptimize(investors::checkInvestorSignatures(plan));
}
BENCHMARK(BM_InvestorSignatureCheck)->Unit(benchmark::kMicrosecond);

void BM_CoveringSignature(benchmark::State& state) {
  auto plan = testing::dvpPlan();
  for (auto _ : state) benchmark::DoNotOptimize(investors::coveringSignature(plan, 1));
}
BENCHMARK(BM_CoveringSignature)->Unit(benchmark::kMicrosecond);

// One DvP through two engines (bank-a, bank-b), every message delivered in memory: the engine
// work (including its signatures and their checks) of one plan on both routers.
void BM_EngineDvpBothRouters(benchmark::State& state) {
  auto ka = *crypto::SigningKey::generate(), kb = *crypto::SigningKey::generate();
  std::map<std::string, crypto::VerifyingKey> pub = {{"bank-a", ka.verifyingKey()},
                                                     {"bank-b", kb.verifyingKey()}};
  engine::RouterCrypto ca("bank-a", ka, pub), cb("bank-b", kb, pub);
  auto plan = testing::dvpPlan();
  plan.mutable_participants()->RemoveLast();  // no observer
  for (auto _ : state) {
    engine::EngineConfig a{"bank-a", 60000, 60000, &ca}, b{"bank-b", 60000, 60000, &cb};
    std::map<std::string, std::unique_ptr<engine::PlanEngine>> engines;
    engines["bank-a"] = std::make_unique<engine::PlanEngine>(plan.id().id(), a);
    engines["bank-b"] = std::make_unique<engine::PlanEngine>(plan.id().id(), b);
    std::deque<std::pair<std::string, journal::Event>> queue;
    journal::Event created;
    created.set_planid(plan.id().id());
    *created.mutable_plancreated()->mutable_plan() = plan;
    queue.emplace_back("bank-a", created);
    int64_t now = 1;
    while (!queue.empty()) {
      auto [org, e] = queue.front();
      queue.pop_front();
      e.set_atmillis(now++);
      for (auto& action : engines[org]->handle(e)) {
        journal::Event local;
        local.set_planid(plan.id().id());
        if (auto* s = std::get_if<engine::SendAction>(&action)) {
          std::string other = org == "bank-a" ? "bank-b" : "bank-a";
          auto ev = std::visit([&](const auto& m) { return engine::toEvent(org, m); }, s->message);
          queue.emplace_back(other, *ev);
        } else if (std::get_if<engine::PreflightAction>(&action)) {
          local.mutable_preflight()->set_ok(true);
          queue.emplace_back(org, local);
        } else if (auto* x = std::get_if<engine::ExecuteAction>(&action)) {
          auto* r = local.mutable_instructionexecuted();
          r->set_sequence(x->instruction.sequence());
          // The receipt a ledger writes: every field the instruction determines.
          auto want = model::expectedReceipt(plan, x->instruction);
          auto* receipt = r->mutable_receipt();
          receipt->set_operationtype(want.operationTypes.front());
          receipt->mutable_source()->set_address(want.source);
          receipt->mutable_destination()->set_address(want.destination);
          if (want.asset) *receipt->mutable_asset() = *want.asset;
          receipt->set_quantity(want.quantity);
          receipt->mutable_transactiondetails()->set_operationid(want.operationId);
          queue.emplace_back(org, local);
        } else if (auto* v = std::get_if<engine::VerifyAction>(&action)) {
          auto* c = local.mutable_completionverified();
          c->set_sequence(v->sequence);
          c->set_executor(v->executor);
          c->set_ok(true);
          queue.emplace_back(org, local);
        }
      }
    }
    if (engines["bank-a"]->status() != engine::PlanStatus::kCompleted)
      state.SkipWithError("not completed");
  }
}
BENCHMARK(BM_EngineDvpBothRouters)->Unit(benchmark::kMicrosecond);

void BM_JournalAppend(benchmark::State& state) {
  auto path = std::filesystem::temp_directory_path() /
              ("finp2p-journal-bench-" + std::to_string(getpid()) + ".db");
  std::filesystem::remove(path);
  auto journal = std::move(journal::Journal::open(path.string()).value());
  auto plan = testing::dvpPlan();
  int group = static_cast<int>(state.range(0));
  int64_t n = 0;
  for (auto _ : state) {
    std::vector<std::future<void>> done;
    for (int i = 0; i < group; ++i) {
      journal::Batch b;
      b.event.set_planid(plan.id().id() + std::to_string(n++ % 64));
      *b.event.mutable_plancreated()->mutable_plan() = plan;
      b.summary.planId = b.event.planid();
      b.summary.status = "proposed";
      auto p = std::make_shared<std::promise<void>>();
      done.push_back(p->get_future());
      journal->append(std::move(b), [p](Status) { p->set_value(); });
    }
    for (auto& f : done) f.wait();
  }
  state.SetItemsProcessed(state.iterations() * group);
  journal.reset();
  std::filesystem::remove(path);
}
BENCHMARK(BM_JournalAppend)
    ->Arg(1)
    ->Arg(16)
    ->ArgName("group")
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
