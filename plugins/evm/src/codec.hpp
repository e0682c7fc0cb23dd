#pragma once
// Byte-level Ethereum encodings the plugin needs and nothing more: hex, Keccak-256 (Crypto++),
// RLP for transactions, and the static ABI words of the contracts' calls and events. Amounts
// cross this boundary as decimal strings of base units (uint256), never as floating point.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace finp2p::evm {

using Bytes = std::vector<uint8_t>;
using Hash = std::array<uint8_t, 32>;
using Address = std::array<uint8_t, 20>;

std::string toHex(const uint8_t* data, std::size_t size);  // "0x..." lower case
inline std::string toHex(const Bytes& b) {
  return toHex(b.data(), b.size());
}
template <std::size_t N>
std::string toHex(const std::array<uint8_t, N>& a) {
  return toHex(a.data(), N);
}
/// Accepts an optional 0x prefix; nullopt on odd length or a non-hex digit.
std::optional<Bytes> fromHex(std::string_view hex);
std::optional<Address> parseAddress(std::string_view text);  // exactly 20 bytes of hex
std::optional<Hash> parseHash(std::string_view text);        // exactly 32 bytes of hex

Hash keccak256(const uint8_t* data, std::size_t size);
inline Hash keccak256(const Bytes& b) {
  return keccak256(b.data(), b.size());
}
inline Hash keccak256(std::string_view s) {
  return keccak256(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// ---- unsigned 256-bit integers as decimal strings ----
/// Big-endian 32 bytes of a decimal string; nullopt if not digits or above 2^256-1.
std::optional<Hash> uint256FromDecimal(std::string_view decimal);
std::string uint256ToDecimal(const uint8_t* bigEndian, std::size_t size);
/// A JSON-RPC quantity ("0x1a") as a decimal string / as uint64 (nullopt when it does not fit).
std::optional<std::string> quantityToDecimal(std::string_view hexQuantity);
std::optional<uint64_t> quantityToU64(std::string_view hexQuantity);
std::string u64ToQuantity(uint64_t v);

// ---- RLP ----
class Rlp {
 public:
  static Bytes string(const Bytes& bytes);
  static Bytes uint(uint64_t v);
  static Bytes uint(const Hash& bigEndian);  // leading zeros stripped
  static Bytes list(const std::vector<Bytes>& items);
};

// ---- ABI ----
/// The 4-byte selector of a function signature such as "transfer(address,uint256)".
std::array<uint8_t, 4> selector(std::string_view signature);
class AbiCall {
 public:
  explicit AbiCall(std::string_view signature);
  AbiCall& word(const Hash& w);
  AbiCall& address(const Address& a);
  AbiCall& uint(uint64_t v);
  /// Dynamic arguments (constructor strings) go after the static head.
  AbiCall& string(std::string_view s);
  Bytes bytes() const;
  /// Without the selector: constructor arguments appended to creation code.
  Bytes arguments() const;

 private:
  Bytes selector_;
  std::vector<Hash> head_;
  std::vector<std::pair<std::size_t, std::string>> dynamic_;  // head index, value
};

Address wordToAddress(const uint8_t* word32);
/// The reason of a revert carrying Error(string) data; nullopt for other data.
std::optional<std::string> revertReason(const Bytes& data);

}  // namespace finp2p::evm
