#include "investors/investor_key.hpp"

#include <cryptopp/keccak.h>
#include <openssl/crypto.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <cstring>

namespace finp2p::investors {
namespace {

const secp256k1_context* context() {
  static secp256k1_context* ctx =
      secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
  return ctx;
}

const unsigned char* bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Result<secp256k1_pubkey> parseFinId(std::string_view finId) {
  std::string raw;
  if (finId.size() != 66 || !crypto::fromHex(finId, raw) || (raw[0] != 2 && raw[0] != 3)) {
    return makeError(ErrorCode::kInvalidArgument,
                     "\"" + std::string(finId.substr(0, 80)) +
                         "\" is not a finId (hex of a compressed secp256k1 public key)");
  }
  secp256k1_pubkey key;
  if (!secp256k1_ec_pubkey_parse(context(), &key, bytes(raw), raw.size())) {
    return makeError(ErrorCode::kInvalidArgument,
                     "finId " + std::string(finId) + " is not a point of secp256k1");
  }
  return key;
}

std::string addressOf(const secp256k1_pubkey& key) {
  unsigned char uncompressed[65];
  size_t length = sizeof uncompressed;
  secp256k1_ec_pubkey_serialize(context(), uncompressed, &length, &key, SECP256K1_EC_UNCOMPRESSED);
  Digest h = keccak256(std::string_view(reinterpret_cast<const char*>(uncompressed + 1), 64));
  return crypto::toHex(std::string_view(reinterpret_cast<const char*>(h.data() + 12), 20));
}

Error unauthenticated(std::string why) {
  return makeError(ErrorCode::kUnauthenticated, std::move(why));
}

}  // namespace

Digest keccak256(std::string_view data) {
  Digest out{};
  CryptoPP::Keccak_256 k;
  k.Update(reinterpret_cast<const CryptoPP::byte*>(data.data()), data.size());
  k.Final(out.data());
  return out;
}

Result<std::string> ethereumAddressOf(std::string_view finId) {
  auto key = parseFinId(finId);
  if (!key) return key.error();
  return addressOf(*key);
}

Status verifyCompact(std::string_view finId, const Digest& digest, std::string_view signatureHex) {
  auto key = parseFinId(finId);
  if (!key) return key.error();
  std::string raw;
  if (signatureHex.size() != 128 || !crypto::fromHex(signatureHex, raw)) {
    return unauthenticated("the signature is not 64 bytes of hex (r||s)");
  }
  secp256k1_ecdsa_signature sig;
  if (!secp256k1_ecdsa_signature_parse_compact(context(), &sig, bytes(raw))) {
    return unauthenticated("the signature is not a valid r||s");
  }
  // secp256k1_ecdsa_verify refuses high-S: the same signature spelled twice is refused once.
  if (!secp256k1_ecdsa_verify(context(), &sig, digest.data(), &*key)) {
    return unauthenticated("the signature does not verify with the finId's key");
  }
  return {};
}

Status verifyRecoverable(std::string_view finId, const Digest& digest,
                         std::string_view signatureHex) {
  auto expected = ethereumAddressOf(finId);
  if (!expected) return expected.error();
  std::string raw;
  if (signatureHex.size() != 130 || !crypto::fromHex(signatureHex, raw)) {
    return unauthenticated("the signature is not 65 bytes of hex (r||s||v)");
  }
  int v = static_cast<unsigned char>(raw[64]);
  if (v >= 27) v -= 27;
  if (v != 0 && v != 1) return unauthenticated("the signature's v is not 27 or 28");
  secp256k1_ecdsa_recoverable_signature sig;
  secp256k1_pubkey recovered;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(context(), &sig, bytes(raw), v) ||
      !secp256k1_ecdsa_recover(context(), &recovered, &sig, digest.data())) {
    return unauthenticated("no key recovers from the signature");
  }
  // Recovery accepts high-S; refuse it as verifyCompact does (EIP-2).
  secp256k1_ecdsa_signature plain, normalized;
  secp256k1_ecdsa_signature_parse_compact(context(), &plain, bytes(raw));
  if (secp256k1_ecdsa_signature_normalize(context(), &normalized, &plain)) {
    return unauthenticated("the signature is not low-S");
  }
  std::string address = addressOf(recovered);
  if (address != *expected) {
    return unauthenticated("the signature recovers to 0x" + address + ", not the finId's 0x" +
                           *expected);
  }
  return {};
}

Result<InvestorKey> InvestorKey::fromHex(std::string_view privateKeyHex) {
  std::string raw;
  if (privateKeyHex.size() != 64 || !crypto::fromHex(privateKeyHex, raw)) {
    return makeError(ErrorCode::kInvalidArgument, "an investor key is 32 bytes of hex");
  }
  InvestorKey key;
  std::memcpy(key.secret_.data(), raw.data(), 32);
  OPENSSL_cleanse(raw.data(), raw.size());
  secp256k1_pubkey pub;
  if (!secp256k1_ec_pubkey_create(context(), &pub, key.secret_.data())) {
    return makeError(ErrorCode::kInvalidArgument, "not a valid secp256k1 private key");
  }
  unsigned char compressed[33];
  size_t length = sizeof compressed;
  secp256k1_ec_pubkey_serialize(context(), compressed, &length, &pub, SECP256K1_EC_COMPRESSED);
  key.finId_ = crypto::toHex(std::string_view(reinterpret_cast<const char*>(compressed), 33));
  return key;
}

InvestorKey::~InvestorKey() {
  OPENSSL_cleanse(secret_.data(), secret_.size());
}

std::string InvestorKey::signCompact(const Digest& digest) const {
  secp256k1_ecdsa_signature sig;
  // RFC 6979 nonces: deterministic, so a plan signed twice is the same plan.
  secp256k1_ecdsa_sign(context(), &sig, digest.data(), secret_.data(), nullptr, nullptr);
  unsigned char compact[64];
  secp256k1_ecdsa_signature_serialize_compact(context(), compact, &sig);
  return crypto::toHex(std::string_view(reinterpret_cast<const char*>(compact), 64));
}

std::string InvestorKey::signRecoverable(const Digest& digest) const {
  secp256k1_ecdsa_recoverable_signature sig;
  secp256k1_ecdsa_sign_recoverable(context(), &sig, digest.data(), secret_.data(), nullptr,
                                   nullptr);
  unsigned char compact[65];
  int recoveryId = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), compact, &recoveryId, &sig);
  compact[64] = static_cast<unsigned char>(27 + recoveryId);
  return crypto::toHex(std::string_view(reinterpret_cast<const char*>(compact), 65));
}

}  // namespace finp2p::investors
