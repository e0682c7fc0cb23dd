#pragma once
// Are a plan's investor signatures real, and do they cover what the plan does? Every investor
// signature in the plan (the intent's `investors[].signature` and the instructions' own
// `signature`) must verify against its investor's finId, and every movement it signed must be
// one the plan makes (so a seller's signature on "100 bonds for 10500.00 USD" needs the plan
// to pay the 10500.00 USD). Every movement of an investor's holdings (hold, transfer, redeem,
// the release of a hold, a hold given to someone other than its owner) must be covered by a
// signature of that investor: same asset, amount and counterparty. Pure computation.

#include <string>
#include <vector>

#include "finp2p/execution.pb.h"
#include "model/plan_validation.hpp"

namespace finp2p::investors {

struct InvestorCheckOptions {
  // Off: a movement whose investor signed nothing in the plan is accepted (signatures that are
  // there are still verified and must cover their investor's movements).
  bool requireSignatures = true;
};

// Every violation, each naming the field and the investor.
std::vector<model::Violation> checkInvestorSignatures(const finp2p::execution::ExecutionPlan& plan,
                                                      const InvestorCheckOptions& options = {});

// The intent's validity window (`intent.start` .. `intent.end`, seconds; 0 leaves a side open)
// at `nowSeconds`: a plan is refused before its intent starts (with kIntentStartToleranceSeconds
// for clocks behind the investor's) and after it ends (F5 of
// docs/reviews/2026-12-03-newcomer-issues-16-17.md: intents of 2023 and 2030 settled).
inline constexpr int64_t kIntentStartToleranceSeconds = 60;
std::vector<model::Violation> checkIntentWindow(const finp2p::execution::ExecutionPlan& plan,
                                                int64_t nowSeconds);

// Each investor signature of `plan` with the digest a router records it by (hex SHA3-256 of
// the investor's finId and the template hash, the digest they signed): rule 6 of
// docs/protocol.md, a signature is used by one plan only.
struct SignatureUse {
  std::string path;  // "intent.intent.investors[0].signature"
  std::string finId;
  std::string digest;
};
std::vector<SignatureUse> signatureDigests(const finp2p::execution::ExecutionPlan& plan);

// The signature in `plan` that covers instruction `sequence`'s movement (for an issue, the
// signature that asked for it), and its investor; none for an await, a hold given back, or a
// movement no signature covers. For a plan that passed checkInvestorSignatures: the signatures
// are read, not verified again.
struct CoveringSignature {
  const finp2p::signature::Signature* signature = nullptr;
  std::string finId;
  explicit operator bool() const { return signature != nullptr; }
};
CoveringSignature coveringSignature(const finp2p::execution::ExecutionPlan& plan,
                                    uint32_t sequence);

}  // namespace finp2p::investors
