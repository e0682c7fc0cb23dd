#pragma once
// What the engine needs of cryptography: deterministic signing with this router's key and
// verification with the configured keys of the other organizations. Pure computation, no I/O,
// so the engine stays replayable; tests use real keys.

#include <map>
#include <mutex>
#include <string>
#include <unordered_set>

#include "common/result.hpp"
#include "crypto/keys.hpp"
#include "finp2p/execution.pb.h"

namespace finp2p::engine {

class CryptoPort {
 public:
  virtual ~CryptoPort() = default;
  virtual finp2p::execution::ExecutionPlanApproval approvePlan(
      const finp2p::execution::ExecutionPlan& plan) const = 0;
  virtual Status verifyPlanApproval(const finp2p::execution::ExecutionPlan& plan,
                                    const finp2p::execution::ExecutionPlanApproval& approval,
                                    const std::string& organization) const = 0;
  virtual void signCompletion(finp2p::execution::InstructionCompletionEvent& event) const = 0;
  virtual Status verifyCompletion(const finp2p::execution::InstructionCompletionEvent& event,
                                  const std::string& organization) const = 0;
  virtual finp2p::execution::InstructionCompletionApproval approveCompletion(
      const finp2p::execution::InstructionCompletionEvent& event) const = 0;
  virtual Status verifyCompletionApproval(
      const finp2p::execution::InstructionCompletionApproval& approval,
      const std::string& organization) const = 0;
  // The secret of a plan's hash locks when this router holds it (32 bytes): derived from this
  // router's key and the plan id, so it needs no storage, survives any crash, is the same on
  // every resubmission, and nobody without the key can compute it.
  virtual std::string hashLockSecret(const std::string& planId) const = 0;
};

// The real one: this router's signing key and every organization's public key.
class RouterCrypto final : public CryptoPort {
 public:
  RouterCrypto(std::string self, crypto::SigningKey key,
               std::map<std::string, crypto::VerifyingKey> keys);

  finp2p::execution::ExecutionPlanApproval approvePlan(
      const finp2p::execution::ExecutionPlan& plan) const override;
  Status verifyPlanApproval(const finp2p::execution::ExecutionPlan& plan,
                            const finp2p::execution::ExecutionPlanApproval& approval,
                            const std::string& organization) const override;
  void signCompletion(finp2p::execution::InstructionCompletionEvent& event) const override;
  Status verifyCompletion(const finp2p::execution::InstructionCompletionEvent& event,
                          const std::string& organization) const override;
  finp2p::execution::InstructionCompletionApproval approveCompletion(
      const finp2p::execution::InstructionCompletionEvent& event) const override;
  Status verifyCompletionApproval(const finp2p::execution::InstructionCompletionApproval& approval,
                                  const std::string& organization) const override;
  std::string hashLockSecret(const std::string& planId) const override;

  const crypto::SigningKey& signingKey() const { return key_; }
  const crypto::VerifyingKey* keyOf(const std::string& organization) const;

 private:
  // The engine checks a message's signatures before journaling it and again when it applies
  // it, and a restart replays messages already checked: a signature that verified once is
  // remembered (by a digest of everything that was checked), so it costs one Ed25519
  // verification, not three. Bounded; forgetting only costs a verification again.
  template <typename Verify>
  Status verifiedOnce(const std::string& what, Verify verify) const;

  std::string self_;
  crypto::SigningKey key_;
  std::map<std::string, crypto::VerifyingKey> keys_;  // includes self
  mutable std::mutex verifiedMutex_;
  mutable std::unordered_set<std::string> verified_;
};

}  // namespace finp2p::engine
