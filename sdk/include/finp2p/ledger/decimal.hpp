#pragma once
/// @file
/// Exact, non-negative decimal amounts as FinP2P carries them: strings such as "100" or "12.50",
/// never floating point. Amounts may exceed 64 bits (an 18-decimal token), so digits are kept as
/// text and arithmetic is done digit by digit. Part of the SDK so that the host and every plugin
/// read amounts the same way.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace finp2p::ledger {

class Decimal {
 public:
  /// Longest accepted amount text: enough for any uint256 value with 18 decimals.
  static constexpr std::size_t kMaxLength = 100;
  static constexpr uint32_t kDefaultMaxDecimals = 18;

  Decimal() : integer_("0") {}

  /// Accepts `digits` or `digits.digits`: no sign, exponent, blanks, or empty parts.
  /// `maxDecimals` caps the fractional digits (the asset's precision); trailing zeros count, so
  /// "1.230" is refused for a 2-decimal asset. On failure returns nullopt and sets `*why`.
  static std::optional<Decimal> parse(std::string_view text,
                                      uint32_t maxDecimals = kDefaultMaxDecimals,
                                      std::string* why = nullptr);

  /// Canonical text: no leading zeros in the integer part, no trailing fractional zeros.
  std::string toString() const;
  /// The amount in minor units of an asset with `decimals` places, if exact.
  std::optional<std::string> toMinorUnits(uint32_t decimals) const;

  bool isZero() const { return integer_ == "0" && fraction_.empty(); }
  uint32_t scale() const { return static_cast<uint32_t>(fraction_.size()); }

  Decimal operator+(const Decimal& other) const;
  /// nullopt when the result would be negative: amounts never are.
  std::optional<Decimal> minus(const Decimal& other) const;

  std::strong_ordering operator<=>(const Decimal& other) const;
  bool operator==(const Decimal& other) const = default;

 private:
  Decimal(std::string integer, std::string fraction)
      : integer_(std::move(integer)), fraction_(std::move(fraction)) {}
  static Decimal normalized(std::string integer, std::string fraction);

  std::string integer_;   // at least one digit, no leading zeros unless "0"
  std::string fraction_;  // no trailing zeros
};

}  // namespace finp2p::ledger
