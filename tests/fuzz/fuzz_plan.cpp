// Plan validation on anything: a plan as JSON or as protobuf bytes must validate (or be refused
// as unparsable) without crashing, and a plan that validates must have a digest. Its investor
// signatures (hashList and EIP-712 templates from hostile input) are checked the same way.
#include <cstdint>
#include <string>

#include "crypto/sealing.hpp"
#include "investors/investor_check.hpp"
#include "model/plan_file.hpp"
#include "model/plan_validation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  auto check = [](const finp2p::execution::ExecutionPlan& plan) {
    auto violations = finp2p::model::validatePlan(plan);
    if (violations.empty()) {
      (void)finp2p::crypto::planDigest(plan);
      (void)finp2p::investors::checkInvestorSignatures(plan);
      for (const auto& ins : plan.instructions()) {
        (void)finp2p::investors::coveringSignature(plan, ins.sequence());
      }
    }
    (void)finp2p::model::validatePlan(plan, {.requirePlanId = false});
  };
  if (auto plan = finp2p::model::parsePlanJson(input)) check(*plan);
  finp2p::execution::ExecutionPlan binary;
  if (binary.ParseFromString(input)) check(binary);
  return 0;
}
