#pragma once
// Router keys: Ed25519 through OpenSSL EVP, stored as PEM (PKCS#8 private, SPKI public).
// Ed25519 because router seals need no Ethereum compatibility, and it is deterministic (no
// per-signature nonce to get wrong, fixed test vectors), fast to verify, and not malleable.

#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace finp2p::crypto {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using PkeyPtr = std::shared_ptr<EVP_PKEY>;

class VerifyingKey {
 public:
  static Result<VerifyingKey> fromPem(std::string_view pem);
  static Result<VerifyingKey> fromPemFile(const std::string& path);
  static Result<VerifyingKey> fromRaw(std::string_view raw32);

  bool verify(std::string_view message, std::string_view signature) const;
  std::string toPem() const;
  std::string raw() const;  // 32 bytes

 private:
  explicit VerifyingKey(PkeyPtr key) : key_(std::move(key)) {}
  PkeyPtr key_;
};

class SigningKey {
 public:
  static Result<SigningKey> generate();
  static Result<SigningKey> fromPem(std::string_view pem);
  static Result<SigningKey> fromPemFile(const std::string& path);
  static Result<SigningKey> fromSeed(std::string_view seed32);

  std::string sign(std::string_view message) const;  // 64 bytes
  VerifyingKey verifyingKey() const;
  std::string toPem() const;

 private:
  explicit SigningKey(PkeyPtr key) : key_(std::move(key)) {}
  PkeyPtr key_;
};

// Writes the key pair as <prefix>.key (mode 0600) and <prefix>.pub.
Status writeKeyPair(const SigningKey& key, const std::string& pathPrefix);

}  // namespace finp2p::crypto
