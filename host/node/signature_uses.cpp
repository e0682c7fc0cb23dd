#include "node/signature_uses.hpp"

#include "investors/investor_check.hpp"

namespace finp2p::node {

std::string SignatureUses::reused(const std::string& planId,
                                  const finp2p::execution::ExecutionPlan& plan, bool reserve,
                                  std::vector<std::string>* reserved) {
  auto uses = investors::signatureDigests(plan);
  std::lock_guard lock(mutex_);
  for (const auto& u : uses) {
    std::string who = "investor " + u.finId.substr(0, 80) + ": their signature (" + u.path + ")";
    const std::string fix = "; a signed intent settles once: the investor signs the trade again";
    if (auto it = reserved_.find(u.digest); it != reserved_.end() && it->second != planId) {
      return who + " is being used by plan " + it->second + fix;
    }
    auto known = journal_.signatureUse(u.digest);
    if (!known.ok())
      return who + " cannot be checked against the journal: " + known.error().message;
    // A rejected plan executed nothing: its investors' signatures are not spent.
    if (known->has_value() && (*known)->planId != planId && (*known)->status != "rejected") {
      return who + " was used by plan " + (*known)->planId + " (" + (*known)->status + ")" + fix;
    }
  }
  if (reserve) {
    for (const auto& u : uses) {
      if (reserved_.emplace(u.digest, planId).second && reserved) reserved->push_back(u.digest);
    }
  }
  return "";
}

void SignatureUses::release(const std::vector<std::string>& digests) {
  if (digests.empty()) return;
  std::lock_guard lock(mutex_);
  for (const auto& d : digests) reserved_.erase(d);
}

}  // namespace finp2p::node
