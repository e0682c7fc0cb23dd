#pragma once
// Amounts in the host are the SDK's exact decimals (one implementation for host and plugins),
// parsed into the host's Result so a bad amount carries its reason as an Error.

#include <string_view>

#include "common/result.hpp"
#include "finp2p/ledger/decimal.hpp"

namespace finp2p::model {

using Decimal = finp2p::ledger::Decimal;

inline Result<Decimal> parseAmount(std::string_view text,
                                   uint32_t maxDecimals = Decimal::kDefaultMaxDecimals) {
  std::string why;
  auto parsed = Decimal::parse(text, maxDecimals, &why);
  if (!parsed) return makeError(ErrorCode::kInvalidArgument, why);
  return *parsed;
}

}  // namespace finp2p::model
