#include "finp2p/ledger/decimal.hpp"

#include <algorithm>

namespace finp2p::ledger {
namespace {

bool allDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Aligns two fixed-point numbers to the same digit string length (integer and fraction padded).
struct Aligned {
  std::string a, b;
  std::size_t fractionDigits;
};

Aligned align(const std::string& ai, const std::string& af, const std::string& bi,
              const std::string& bf) {
  std::size_t intLen = std::max(ai.size(), bi.size());
  std::size_t fracLen = std::max(af.size(), bf.size());
  auto pad = [&](const std::string& i, const std::string& f) {
    return std::string(intLen - i.size(), '0') + i + f + std::string(fracLen - f.size(), '0');
  };
  return {pad(ai, af), pad(bi, bf), fracLen};
}

}  // namespace

Decimal Decimal::normalized(std::string integer, std::string fraction) {
  auto firstNonZero = integer.find_first_not_of('0');
  integer = firstNonZero == std::string::npos ? "0" : integer.substr(firstNonZero);
  auto lastNonZero = fraction.find_last_not_of('0');
  fraction = lastNonZero == std::string::npos ? "" : fraction.substr(0, lastNonZero + 1);
  return Decimal(std::move(integer), std::move(fraction));
}

std::optional<Decimal> Decimal::parse(std::string_view text, uint32_t maxDecimals,
                                      std::string* why) {
  auto invalid = [&](const std::string& reason) -> std::optional<Decimal> {
    if (why) {
      *why = "invalid amount \"" + std::string(text.substr(0, 40)) +
             (text.size() > 40 ? "..." : "") + "\": " + reason;
    }
    return std::nullopt;
  };
  if (text.empty()) return invalid("empty");
  if (text.size() > kMaxLength) return invalid("longer than 100 characters");
  if (text.front() == '-') return invalid("negative amounts are not allowed");
  auto dot = text.find('.');
  std::string_view integer = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (!allDigits(integer) || (dot != std::string_view::npos && !allDigits(fraction))) {
    return invalid(
        "expected digits with an optional '.' and fraction (no sign, exponent or blanks)");
  }
  if (fraction.size() > maxDecimals) {
    return invalid(std::to_string(fraction.size()) + " fractional digits, the asset allows " +
                   std::to_string(maxDecimals));
  }
  return normalized(std::string(integer), std::string(fraction));
}

std::string Decimal::toString() const {
  return fraction_.empty() ? integer_ : integer_ + "." + fraction_;
}

std::optional<std::string> Decimal::toMinorUnits(uint32_t decimals) const {
  if (fraction_.size() > decimals) return std::nullopt;
  std::string digits = integer_ + fraction_ + std::string(decimals - fraction_.size(), '0');
  auto firstNonZero = digits.find_first_not_of('0');
  return firstNonZero == std::string::npos ? "0" : digits.substr(firstNonZero);
}

Decimal Decimal::operator+(const Decimal& other) const {
  auto [a, b, fracLen] = align(integer_, fraction_, other.integer_, other.fraction_);
  std::string sum(a.size(), '0');
  int carry = 0;
  for (std::size_t i = a.size(); i-- > 0;) {
    int d = (a[i] - '0') + (b[i] - '0') + carry;
    sum[i] = static_cast<char>('0' + d % 10);
    carry = d / 10;
  }
  if (carry) sum.insert(sum.begin(), '1');
  std::size_t intLen = sum.size() - fracLen;
  return normalized(sum.substr(0, intLen), sum.substr(intLen));
}

std::optional<Decimal> Decimal::minus(const Decimal& other) const {
  if (*this < other) return std::nullopt;
  auto [a, b, fracLen] = align(integer_, fraction_, other.integer_, other.fraction_);
  std::string diff(a.size(), '0');
  int borrow = 0;
  for (std::size_t i = a.size(); i-- > 0;) {
    int d = (a[i] - '0') - (b[i] - '0') - borrow;
    borrow = d < 0;
    diff[i] = static_cast<char>('0' + (d + 10) % 10);
  }
  std::size_t intLen = diff.size() - fracLen;
  return normalized(diff.substr(0, intLen), diff.substr(intLen));
}

std::strong_ordering Decimal::operator<=>(const Decimal& other) const {
  if (integer_.size() != other.integer_.size()) return integer_.size() <=> other.integer_.size();
  if (auto c = integer_.compare(other.integer_); c != 0) return c <=> 0;
  return fraction_.compare(other.fraction_) <=> 0;
}

}  // namespace finp2p::ledger
