#pragma once
// Message sealing and plan signatures, exactly as docs/protocol.md specifies them:
//   seal digest       = SHA3-256("finp2p-exec:seal:v1\n" || type name || "\n" ||
//   canonical(payload)) plan digest       = SHA3-256("finp2p-exec:plan:v1\n" || canonical(plan))
//   approval digest   = SHA3-256("finp2p-exec:plan-approval:v1\n" || plan digest || org id)
//   completion digest = SHA3-256("finp2p-exec:completion:v1\n" || canonical(event, no signature))
// and every signature is Ed25519 over the 32-byte digest.

#include <google/protobuf/message.h>

#include <string>

#include "common/result.hpp"
#include "crypto/digest.hpp"
#include "crypto/keys.hpp"
#include "finp2p/execution.pb.h"

namespace finp2p::crypto {

inline constexpr const char* kSealAlgorithm = "ed25519";
inline constexpr const char* kHashFunc = "sha3-256";
inline constexpr const char* kPlanApprovalTemplate = "finp2p-exec:plan-approval:v1";
inline constexpr const char* kCompletionTemplate = "finp2p-exec:completion:v1";
inline constexpr const char* kCompletionApprovalTemplate = "finp2p-exec:completion-approval:v1";

// Protobuf deterministic serialization: fields in field-number order, defaults omitted, map
// entries sorted by key. Unknown fields are kept at the end, so a message that carries fields
// this version does not know only verifies if the sender put them there too (fail closed).
std::string canonicalBytes(const google::protobuf::Message& message);

Digest sealDigest(const google::protobuf::Message& payload);
finp2p::common::SealingSignature seal(const google::protobuf::Message& payload,
                                      const SigningKey& key, const std::string& keyId);
// Checks algorithm, hash function, that the seal names `expectedKeyId` (the envelope's sender:
// keyId is outside the signed bytes) and the signature against that organization's `key`.
Status verifySeal(const google::protobuf::Message& payload,
                  const finp2p::common::SealingSignature& signature, const VerifyingKey& key,
                  const std::string& expectedKeyId);

Digest planDigest(const finp2p::execution::ExecutionPlan& plan);
Digest planApprovalDigest(const Digest& planDigest, const std::string& organizationId);
finp2p::execution::ExecutionPlanApproval signPlanApproval(
    const finp2p::execution::ExecutionPlan& plan, const std::string& organizationId,
    const SigningKey& key);
Status verifyPlanApproval(const finp2p::execution::ExecutionPlan& plan,
                          const finp2p::execution::ExecutionPlanApproval& approval,
                          const VerifyingKey& key);

Digest completionDigest(const finp2p::execution::InstructionCompletionEvent& event);
// Fills event.signature with the executor's signature over completionDigest(event).
void signCompletion(finp2p::execution::InstructionCompletionEvent& event, const SigningKey& key);
Status verifyCompletion(const finp2p::execution::InstructionCompletionEvent& event,
                        const VerifyingKey& key);

// A contributor's approval of a completion: Ed25519 over
//   SHA3-256("finp2p-exec:completion-approval:v1\n" || completion digest || organization id).
finp2p::execution::InstructionCompletionApproval approveCompletion(
    const finp2p::execution::InstructionCompletionEvent& event, const std::string& organizationId,
    const SigningKey& key);
Status verifyCompletionApproval(const finp2p::execution::InstructionCompletionApproval& approval,
                                const std::string& organizationId, const VerifyingKey& key);

}  // namespace finp2p::crypto
