#pragma once
// A sending account: a secp256k1 private key (read from a key file, never logged), its address,
// and EIP-1559 transaction signing with recoverable signatures (libsecp256k1, RFC 6979 nonces).

#include <memory>
#include <string>

#include "codec.hpp"

namespace finp2p::evm {

struct Eip1559Transaction {
  uint64_t chainId = 0;
  uint64_t nonce = 0;
  uint64_t maxPriorityFeePerGas = 0;
  uint64_t maxFeePerGas = 0;
  uint64_t gasLimit = 0;
  std::optional<Address> to;  // none: contract creation
  Bytes data;
};

struct SignedTransaction {
  Bytes raw;  // 0x02 || rlp(...), what eth_sendRawTransaction takes
  Hash hash;  // keccak256(raw): known before sending, the idempotency anchor
};

class Signer {
 public:
  /// Throws std::invalid_argument naming the problem (not the key) on a malformed key.
  explicit Signer(const std::string& privateKeyHex);
  ~Signer();
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  static std::unique_ptr<Signer> fromFile(const std::string& path);

  const Address& address() const { return address_; }
  SignedTransaction sign(const Eip1559Transaction& tx) const;

 private:
  Hash secret_;
  Address address_;
};

/// The address a contract created by `sender` with `nonce` gets.
Address contractAddress(const Address& sender, uint64_t nonce);

}  // namespace finp2p::evm
