#include "codec.hpp"

#include <cryptopp/integer.h>
#include <cryptopp/keccak.h>

#include <algorithm>

namespace finp2p::evm {
namespace {

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

template <std::size_t N>
std::optional<std::array<uint8_t, N>> parseFixed(std::string_view text) {
  auto bytes = fromHex(text);
  if (!bytes || bytes->size() != N) return std::nullopt;
  std::array<uint8_t, N> out;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

Bytes lengthPrefix(std::size_t length, uint8_t shortBase, uint8_t longBase) {
  if (length < 56) return {static_cast<uint8_t>(shortBase + length)};
  Bytes len;
  for (std::size_t v = length; v > 0; v >>= 8) len.insert(len.begin(), static_cast<uint8_t>(v));
  Bytes out{static_cast<uint8_t>(longBase + len.size())};
  out.insert(out.end(), len.begin(), len.end());
  return out;
}

Hash wordFromU64(uint64_t v) {
  Hash w{};
  for (int i = 31; i >= 24; --i, v >>= 8) w[i] = static_cast<uint8_t>(v);
  return w;
}

}  // namespace

std::string toHex(const uint8_t* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  out.reserve(2 + size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

std::optional<Bytes> fromHex(std::string_view hex) {
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.size() % 2 != 0) return std::nullopt;
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hexDigit(hex[2 * i]), lo = hexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::optional<Address> parseAddress(std::string_view text) {
  return parseFixed<20>(text);
}
std::optional<Hash> parseHash(std::string_view text) {
  return parseFixed<32>(text);
}

Hash keccak256(const uint8_t* data, std::size_t size) {
  CryptoPP::Keccak_256 k;
  k.Update(data, size);
  Hash out;
  k.Final(out.data());
  return out;
}

std::optional<Hash> uint256FromDecimal(std::string_view decimal) {
  if (decimal.empty() || decimal.size() > 78) return std::nullopt;
  if (!std::all_of(decimal.begin(), decimal.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  // Crypto++ reads a suffix letter as the base; digits only, so base 10.
  CryptoPP::Integer n((std::string(decimal) + ".").c_str());
  if (n.BitCount() > 256) return std::nullopt;
  Hash out;
  n.Encode(out.data(), out.size());
  return out;
}

std::string uint256ToDecimal(const uint8_t* bigEndian, std::size_t size) {
  CryptoPP::Integer n(bigEndian, size);
  if (n.IsZero()) return "0";
  std::string out;
  CryptoPP::Integer ten(10);
  while (!n.IsZero()) {
    CryptoPP::Integer q, r;
    CryptoPP::Integer::Divide(r, q, n, ten);
    out += static_cast<char>('0' + r.ConvertToLong());
    n = q;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::optional<std::string> quantityToDecimal(std::string_view hexQuantity) {
  if (hexQuantity.size() < 3 || hexQuantity.substr(0, 2) != "0x") return std::nullopt;
  std::string digits(hexQuantity.substr(2));
  if (digits.size() % 2) digits = "0" + digits;
  auto bytes = fromHex(digits);
  if (!bytes || bytes->size() > 32) return std::nullopt;
  return uint256ToDecimal(bytes->data(), bytes->size());
}

std::optional<uint64_t> quantityToU64(std::string_view hexQuantity) {
  if (hexQuantity.size() < 3 || hexQuantity.substr(0, 2) != "0x" || hexQuantity.size() > 18) {
    return std::nullopt;
  }
  uint64_t v = 0;
  for (char c : hexQuantity.substr(2)) {
    int d = hexDigit(c);
    if (d < 0) return std::nullopt;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

std::string u64ToQuantity(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  if (v == 0) return "0x0";
  std::string digits;
  for (; v > 0; v >>= 4) digits.insert(digits.begin(), kDigits[v & 15]);
  return "0x" + digits;
}

Bytes Rlp::string(const Bytes& bytes) {
  if (bytes.size() == 1 && bytes[0] < 0x80) return bytes;
  Bytes out = lengthPrefix(bytes.size(), 0x80, 0xb7);
  out.insert(out.end(), bytes.begin(), bytes.end());
  return out;
}

Bytes Rlp::uint(uint64_t v) {
  return uint(wordFromU64(v));
}

Bytes Rlp::uint(const Hash& bigEndian) {
  auto first = std::find_if(bigEndian.begin(), bigEndian.end(), [](uint8_t b) { return b != 0; });
  return string(Bytes(first, bigEndian.end()));
}

Bytes Rlp::list(const std::vector<Bytes>& items) {
  Bytes payload;
  for (const auto& item : items) payload.insert(payload.end(), item.begin(), item.end());
  Bytes out = lengthPrefix(payload.size(), 0xc0, 0xf7);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

std::array<uint8_t, 4> selector(std::string_view signature) {
  Hash h = keccak256(signature);
  return {h[0], h[1], h[2], h[3]};
}

AbiCall::AbiCall(std::string_view signature) {
  if (!signature.empty()) {
    auto s = selector(signature);
    selector_.assign(s.begin(), s.end());
  }
}

AbiCall& AbiCall::word(const Hash& w) {
  head_.push_back(w);
  return *this;
}

AbiCall& AbiCall::address(const Address& a) {
  Hash w{};
  std::copy(a.begin(), a.end(), w.begin() + 12);
  return word(w);
}

AbiCall& AbiCall::uint(uint64_t v) {
  return word(wordFromU64(v));
}

AbiCall& AbiCall::string(std::string_view s) {
  dynamic_.emplace_back(head_.size(), std::string(s));
  head_.push_back(Hash{});  // the offset, filled in by arguments()
  return *this;
}

Bytes AbiCall::arguments() const {
  std::vector<Hash> head = head_;
  Bytes tail;
  for (const auto& [index, value] : dynamic_) {
    head[index] = wordFromU64(head_.size() * 32 + tail.size());
    Hash len = wordFromU64(value.size());
    tail.insert(tail.end(), len.begin(), len.end());
    tail.insert(tail.end(), value.begin(), value.end());
    tail.resize(tail.size() + (32 - value.size() % 32) % 32, 0);
  }
  Bytes out;
  for (const auto& w : head) out.insert(out.end(), w.begin(), w.end());
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

Bytes AbiCall::bytes() const {
  Bytes out = selector_;
  Bytes args = arguments();
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

Address wordToAddress(const uint8_t* word32) {
  Address a;
  std::copy(word32 + 12, word32 + 32, a.begin());
  return a;
}

std::optional<std::string> revertReason(const Bytes& data) {
  // Error(string): 0x08c379a0, offset, length, bytes
  if (data.size() < 4 + 64 || data[0] != 0x08 || data[1] != 0xc3 || data[2] != 0x79 ||
      data[3] != 0xa0) {
    return std::nullopt;
  }
  std::size_t length = 0;
  for (std::size_t i = 4 + 32 + 24; i < 4 + 64; ++i) length = length << 8 | data[i];
  if (data.size() < 4 + 64 + length) return std::nullopt;
  return std::string(data.begin() + 4 + 64, data.begin() + 4 + 64 + static_cast<long>(length));
}

}  // namespace finp2p::evm
