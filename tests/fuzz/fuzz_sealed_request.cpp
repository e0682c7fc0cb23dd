// A peer's request end to end, minus the network: parse the sealed request, verify its seal,
// turn it into an event, authorize it against a live plan and let the engine apply it. The seal
// check rejects almost every mutation, so the event is also fed to the engine as if the seal
// had verified: the engine must withstand anything an authenticated but hostile peer sends.
#include <cstdint>
#include <optional>
#include <string>

#include "crypto/sealing.hpp"
#include "engine/messages.hpp"
#include "engine/plan_engine.hpp"
#include "model/plan_file.hpp"

namespace {

using namespace finp2p;

struct Fixture {
  crypto::SigningKey keyA = *crypto::SigningKey::fromSeed(std::string(32, 'a'));
  crypto::SigningKey keyB = *crypto::SigningKey::fromSeed(std::string(32, 'b'));
  std::map<std::string, crypto::VerifyingKey> keys{{"bank-a", keyA.verifyingKey()},
                                                   {"bank-b", keyB.verifyingKey()}};
  engine::RouterCrypto crypto{"bank-a", keyA, keys};
  execution::ExecutionPlan plan;
  // The live plan every input is delivered to, built once: creating it validates and hashes
  // the whole plan, which per input cost more than the input itself (and its coverage, the
  // same every time, made libFuzzer's bookkeeping slower still).
  std::optional<engine::PlanEngine> live;
  Fixture() {
    plan = *model::readPlanFile(FINP2P_EXAMPLES_DIR "/dvp.json");
    plan.mutable_participants()->RemoveLast();
    live.emplace(plan.id().id(), engine::EngineConfig{"bank-a", 1000, 1000, &crypto});
    journal::Event created;
    created.set_planid(plan.id().id());
    *created.mutable_plancreated()->mutable_plan() = plan;
    live->handle(created);
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

template <typename Request>
void handle(const Request& request, const common::SealingSignature& seal) {
  auto& f = fixture();
  const std::string& from = request.envelope().senderorganizationid();
  auto key = f.keys.find(from);
  if (key != f.keys.end()) (void)crypto::verifySeal(request, seal, key->second, from);
  auto event = engine::toEvent(from, request);
  if (!event) return;
  engine::PlanEngine engine = *f.live;
  event->set_atmillis(5);
  if (engine.authorize(*event).ok()) engine.handle(*event);
  (void)engine.resume(10);
  (void)engine.execution();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      execution::SignedProposeRequest r;
      if (r.ParseFromString(input)) handle(r.request(), r.signature());
      break;
    }
    case 1: {
      execution::SignedApproveRequest r;
      if (r.ParseFromString(input)) handle(r.request(), r.signature());
      break;
    }
    default: {
      execution::SignedRejectRequest r;
      if (r.ParseFromString(input)) handle(r.request(), r.signature());
      break;
    }
  }
  return 0;
}
