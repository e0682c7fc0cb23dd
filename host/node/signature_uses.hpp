#pragma once
// A signed intent settles once (docs/protocol.md, "Investor signatures", rule 6): which plan
// first carried each investor signature. The journal records it with the plan's event
// (Batch::investorSignatures); between the check and that commit the signature is reserved
// here, so two plans carrying it on two strands cannot both pass.

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "finp2p/execution.pb.h"
#include "journal/journal.hpp"

namespace finp2p::node {

class SignatureUses {
 public:
  explicit SignatureUses(const journal::Journal& journal) : journal_(journal) {}

  // Why plan `planId` may not use its investor signatures (one was carried by another plan that
  // was not rejected), or empty. With `reserve`, an empty answer reserves them for `planId`
  // (their digests in `reserved`) until release().
  std::string reused(const std::string& planId, const finp2p::execution::ExecutionPlan& plan,
                     bool reserve, std::vector<std::string>* reserved = nullptr);
  // The reserved digests are in the journal now (or the plan was not journaled).
  void release(const std::vector<std::string>& digests);

 private:
  const journal::Journal& journal_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::string> reserved_;  // digest -> plan id
};

}  // namespace finp2p::node
