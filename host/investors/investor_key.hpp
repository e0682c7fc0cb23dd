#pragma once
// secp256k1 as FinP2P investors use it: a finId is the hex of the compressed public key; a
// hashList signature is compact ECDSA r||s (low-S) over the 32-byte template hash; an EIP-712
// signature is r||s||v and verifies when the address it recovers to is the finId's Ethereum
// address (keccak-256 of the uncompressed key, last 20 bytes).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "crypto/digest.hpp"

namespace finp2p::investors {

using crypto::Digest;

Digest keccak256(std::string_view bytes);

// The 20-byte Ethereum address of a finId, as lowercase hex without 0x.
Result<std::string> ethereumAddressOf(std::string_view finId);

// OK when `signatureHex` (64 bytes, r||s, low-S) is finId's ECDSA signature of `digest`.
Status verifyCompact(std::string_view finId, const Digest& digest, std::string_view signatureHex);
// OK when `signatureHex` (65 bytes, r||s||v with v 27/28 or 0/1) recovers to finId's address.
Status verifyRecoverable(std::string_view finId, const Digest& digest,
                         std::string_view signatureHex);

// An investor's private key: for tests, the simulator, benchmarks and `finp2p-execctl plan
// sign`. The router itself never holds one.
class InvestorKey {
 public:
  static Result<InvestorKey> fromHex(std::string_view privateKeyHex);
  InvestorKey(const InvestorKey&) = default;
  InvestorKey& operator=(const InvestorKey&) = default;
  ~InvestorKey();

  const std::string& finId() const { return finId_; }
  std::string signCompact(const Digest& digest) const;      // 128 hex chars
  std::string signRecoverable(const Digest& digest) const;  // 130 hex chars, v = 27/28

 private:
  InvestorKey() = default;
  std::array<uint8_t, 32> secret_{};
  std::string finId_;
};

}  // namespace finp2p::investors
