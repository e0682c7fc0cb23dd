#include "signer.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <openssl/crypto.h>

namespace finp2p::evm {
namespace {

const secp256k1_context* context() {
  static secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_SIGN);
  return ctx;
}

std::vector<Bytes> unsignedFields(const Eip1559Transaction& tx) {
  return {Rlp::uint(tx.chainId),
          Rlp::uint(tx.nonce),
          Rlp::uint(tx.maxPriorityFeePerGas),
          Rlp::uint(tx.maxFeePerGas),
          Rlp::uint(tx.gasLimit),
          Rlp::string(tx.to ? Bytes(tx.to->begin(), tx.to->end()) : Bytes{}),
          Rlp::uint(0),  // value: the plugin never sends ether
          Rlp::string(tx.data),
          Rlp::list({})};  // access list
}

Bytes typed(const Bytes& rlp) {
  Bytes out(rlp.size() + 1);
  out[0] = 0x02;  // EIP-2718 type of an EIP-1559 transaction
  std::copy(rlp.begin(), rlp.end(), out.begin() + 1);
  return out;
}

}  // namespace

Signer::Signer(const std::string& privateKeyHex) {
  std::string trimmed;
  for (char c : privateKeyHex) {
    if (!std::isspace(static_cast<unsigned char>(c))) trimmed += c;
  }
  auto key = parseHash(trimmed);
  if (!key) throw std::invalid_argument("not a 32-byte hex private key");
  OPENSSL_cleanse(trimmed.data(), trimmed.size());
  secret_ = *key;
  if (!secp256k1_ec_seckey_verify(context(), secret_.data())) {
    throw std::invalid_argument("not a valid secp256k1 private key");
  }
  secp256k1_pubkey pub;
  if (!secp256k1_ec_pubkey_create(context(), &pub, secret_.data())) {
    throw std::invalid_argument("cannot derive the public key");
  }
  uint8_t serialized[65];
  size_t length = sizeof serialized;
  secp256k1_ec_pubkey_serialize(context(), serialized, &length, &pub, SECP256K1_EC_UNCOMPRESSED);
  Hash h = keccak256(serialized + 1, 64);
  std::copy(h.begin() + 12, h.end(), address_.begin());
}

Signer::~Signer() {
  OPENSSL_cleanse(secret_.data(), secret_.size());
}

std::unique_ptr<Signer> Signer::fromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read key file " + path);
  std::stringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  try {
    auto signer = std::make_unique<Signer>(content);
    OPENSSL_cleanse(content.data(), content.size());
    return signer;
  } catch (const std::invalid_argument& e) {
    OPENSSL_cleanse(content.data(), content.size());
    throw std::invalid_argument("key file " + path + ": " + e.what());
  }
}

SignedTransaction Signer::sign(const Eip1559Transaction& tx) const {
  auto fields = unsignedFields(tx);
  Hash digest = keccak256(typed(Rlp::list(fields)));
  secp256k1_ecdsa_recoverable_signature sig;
  if (!secp256k1_ecdsa_sign_recoverable(context(), &sig, digest.data(), secret_.data(), nullptr,
                                        nullptr)) {
    throw std::runtime_error("secp256k1 signing failed");
  }
  uint8_t compact[64];
  int recoveryId = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), compact, &recoveryId, &sig);
  Hash r, s;
  std::copy(compact, compact + 32, r.begin());
  std::copy(compact + 32, compact + 64, s.begin());
  fields.push_back(Rlp::uint(static_cast<uint64_t>(recoveryId)));
  fields.push_back(Rlp::uint(r));
  fields.push_back(Rlp::uint(s));
  SignedTransaction out;
  out.raw = typed(Rlp::list(fields));
  out.hash = keccak256(out.raw);
  return out;
}

Address contractAddress(const Address& sender, uint64_t nonce) {
  Hash h =
      keccak256(Rlp::list({Rlp::string(Bytes(sender.begin(), sender.end())), Rlp::uint(nonce)}));
  Address a;
  std::copy(h.begin() + 12, h.end(), a.begin());
  return a;
}

}  // namespace finp2p::evm
