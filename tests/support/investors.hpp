#pragma once
// The test investors (the keys of shared/spec/investor-signatures/vectors.json) and signing a
// plan as they would: tests, the simulator and benchmarks build plans with real investor
// signatures, as a router requires by default.

#include <stdexcept>

#include "finp2p/execution.pb.h"
#include "investors/plan_signer.hpp"

namespace finp2p::testing {

inline constexpr const char* kBuyerKey =
    "1111111111111111111111111111111111111111111111111111111111111111";
inline constexpr const char* kBuyerFinId =
    "034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa";
inline constexpr const char* kSellerKey =
    "2222222222222222222222222222222222222222222222222222222222222222";
inline constexpr const char* kSellerFinId =
    "02466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f27";

inline investors::InvestorKey investorKey(const char* hex) {
  auto key = investors::InvestorKey::fromHex(hex);
  if (!key) throw std::logic_error(key.error().message);
  return *key;
}

// Signs, as each test investor that takes part, every movement of `plan` it is part of (again
// after the plan was changed: the old signature is replaced).
inline void signInvestors(finp2p::execution::ExecutionPlan& plan) {
  for (auto [hex, role] : {std::pair{kSellerKey, "seller"}, std::pair{kBuyerKey, "buyer"}}) {
    auto status = investors::signPlan(plan, investorKey(hex), role);
    // An investor with no movement in the plan signs nothing.
    if (!status && status.error().message.find("no movement") == std::string::npos) {
      throw std::logic_error(status.error().message);
    }
  }
}

}  // namespace finp2p::testing
