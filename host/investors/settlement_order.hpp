#pragma once
// Does an investor's delivery depend on what they are to receive for it? A seller who signed
// "100 bonds for 10500.00 USD" must not lose the bonds on a way through the plan on which the
// payment did not happen (F25 of docs/reviews/2026-12-03-newcomer-issues-16-17.md: the payment's
// onFailure led to the bond's release, and the plan "completed"). Pure computation over the
// plan's transitions (model/transitions.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "finp2p/execution.pb.h"

namespace finp2p::investors {

// The instruction `give` moves the investor's holdings away; `receive` brings them what they
// signed for in exchange. Safe when on every way to `give`, `receive` has succeeded first; or
// when `receive` releases a hold (`receiveHold`) that has succeeded first and `receive` follows
// `give` on success (a DvP buyer pays while the seller's bond is locked for them). Unsafe too
// when a failure or timeout of `receive` can lead to `give`. The analysis of what must have
// succeeded before each instruction is made once per plan, for all its pairs.
class SettlementOrder {
 public:
  explicit SettlementOrder(const finp2p::execution::ExecutionPlan& plan);
  // Why giving at `give` for `receive` is unsafe, or nothing.
  std::optional<std::string> unsafe(uint32_t give, uint32_t receive,
                                    std::optional<uint32_t> receiveHold) const;

 private:
  const finp2p::execution::ExecutionPlan& plan_;
  std::vector<std::vector<bool>> succeeded_;  // [i][j]: j succeeded on every way to i
};

}  // namespace finp2p::investors
