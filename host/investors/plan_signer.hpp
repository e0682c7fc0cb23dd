#pragma once
// Signing as an investor: what a FinP2P client does before a plan exists. For tests, the
// simulator, benchmarks and `finp2p-execctl plan sign`; the router never signs as an investor.

#include <string>

#include "common/result.hpp"
#include "finp2p/execution.pb.h"
#include "investors/investor_key.hpp"
#include "investors/template_hash.hpp"

namespace finp2p::investors {

// Fills every hash of `t` (group hashes and `hash`) and signs it: compact r||s for a hashList,
// r||s||v for EIP-712 (hashFunc keccak-256).
Result<finp2p::signature::Signature> signTemplate(finp2p::signature::SignatureTemplate t,
                                                  HashFunc f, const InvestorKey& key);

// A hashList signature (sha3-256) by `key` over every movement of `plan` that involves its
// investor, in the shape of a FinP2P DvP signature: the first group with a nonce and the
// operation, one group per further movement. The nonce is derived from the investor, the
// movements, the plan id and `nonceSalt`: a router uses a signature once (docs/protocol.md,
// rule 6), so signing the same trade again for another plan needs another id or salt
// (`finp2p-execctl plan sign` draws a random salt each time).
Result<finp2p::signature::Signature> signMovements(const finp2p::execution::ExecutionPlan& plan,
                                                   const InvestorKey& key,
                                                   const std::string& nonceSalt = "");

// signMovements, put into the intent's `investors` entry of the key's finId (added, with
// `role`, when there is none).
Status signPlan(finp2p::execution::ExecutionPlan& plan, const InvestorKey& key,
                const std::string& role, const std::string& nonceSalt = "");

}  // namespace finp2p::investors
