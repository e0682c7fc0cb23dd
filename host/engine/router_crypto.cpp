#include "crypto/digest.hpp"
#include "crypto/sealing.hpp"
#include "engine/crypto_port.hpp"

namespace finp2p::engine {

RouterCrypto::RouterCrypto(std::string self, crypto::SigningKey key,
                           std::map<std::string, crypto::VerifyingKey> keys)
    : self_(std::move(self)), key_(std::move(key)), keys_(std::move(keys)) {
  keys_.insert_or_assign(self_, key_.verifyingKey());
}

const crypto::VerifyingKey* RouterCrypto::keyOf(const std::string& organization) const {
  auto it = keys_.find(organization);
  return it == keys_.end() ? nullptr : &it->second;
}

namespace {
Error unknownKey(const std::string& organization) {
  return makeError(ErrorCode::kUnauthenticated,
                   "no public key configured for organization \"" + organization + "\"");
}
}  // namespace

template <typename Verify>
Status RouterCrypto::verifiedOnce(const std::string& what, Verify verify) const {
  auto digest = crypto::sha3_256(what);
  std::string key(digest.begin(), digest.end());
  {
    std::lock_guard lock(verifiedMutex_);
    if (verified_.count(key)) return {};
  }
  Status s = verify();
  if (!s) return s;
  std::lock_guard lock(verifiedMutex_);
  if (verified_.size() >= 65'536) verified_.clear();
  verified_.insert(std::move(key));
  return s;
}

finp2p::execution::ExecutionPlanApproval RouterCrypto::approvePlan(
    const finp2p::execution::ExecutionPlan& plan) const {
  return crypto::signPlanApproval(plan, self_, key_);
}

Status RouterCrypto::verifyPlanApproval(const finp2p::execution::ExecutionPlan& plan,
                                        const finp2p::execution::ExecutionPlanApproval& approval,
                                        const std::string& organization) const {
  const auto* key = keyOf(organization);
  if (!key) return unknownKey(organization);
  if (approval.organizationid() != organization) {
    return makeError(ErrorCode::kPermissionDenied, "approval names \"" + approval.organizationid() +
                                                       "\" but was sent by \"" + organization +
                                                       "\"");
  }
  auto planDigest = crypto::planDigest(plan);
  return verifiedOnce("plan-approval\n" + organization + "\n" +
                          std::string(planDigest.begin(), planDigest.end()) +
                          approval.SerializeAsString(),
                      [&] { return crypto::verifyPlanApproval(plan, approval, *key); });
}

void RouterCrypto::signCompletion(finp2p::execution::InstructionCompletionEvent& event) const {
  crypto::signCompletion(event, key_);
}

Status RouterCrypto::verifyCompletion(const finp2p::execution::InstructionCompletionEvent& event,
                                      const std::string& organization) const {
  const auto* key = keyOf(organization);
  if (!key) return unknownKey(organization);
  return verifiedOnce("completion\n" + organization + "\n" + event.SerializeAsString(),
                      [&] { return crypto::verifyCompletion(event, *key); });
}

finp2p::execution::InstructionCompletionApproval RouterCrypto::approveCompletion(
    const finp2p::execution::InstructionCompletionEvent& event) const {
  return crypto::approveCompletion(event, self_, key_);
}

Status RouterCrypto::verifyCompletionApproval(
    const finp2p::execution::InstructionCompletionApproval& approval,
    const std::string& organization) const {
  const auto* key = keyOf(organization);
  if (!key) return unknownKey(organization);
  return verifiedOnce(
      "completion-approval\n" + organization + "\n" + approval.SerializeAsString(),
      [&] { return crypto::verifyCompletionApproval(approval, organization, *key); });
}

// SHA-256 of this router's Ed25519 signature over a domain-separated text: deterministic (RFC
// 8032 signatures are), unpredictable without the key, and never a signature the router sends
// (every signed message is a digest under its own prefix).
std::string RouterCrypto::hashLockSecret(const std::string& planId) const {
  auto digest = crypto::sha256(key_.sign("finp2p-exec:hash-lock-secret:v1\n" + planId));
  return std::string(digest.begin(), digest.end());
}

}  // namespace finp2p::engine
