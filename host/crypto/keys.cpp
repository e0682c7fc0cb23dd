#include "crypto/keys.hpp"

#include "common/files.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace finp2p::crypto {
namespace {

std::string opensslError() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "no OpenSSL detail";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

PkeyPtr wrap(EVP_PKEY* key) {
  return PkeyPtr(key, PkeyDeleter{});
}

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

std::string bioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

bool isEd25519(EVP_PKEY* key) {
  return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;
}

}  // namespace

void PkeyDeleter::operator()(EVP_PKEY* key) const {
  EVP_PKEY_free(key);
}

Result<VerifyingKey> VerifyingKey::fromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (!key)
    return makeError(ErrorCode::kInvalidArgument, "not a PEM public key: " + opensslError());
  auto owned = wrap(key);
  if (!isEd25519(key)) return makeError(ErrorCode::kInvalidArgument, "public key is not Ed25519");
  return VerifyingKey(owned);
}

Result<VerifyingKey> VerifyingKey::fromPemFile(const std::string& path) {
  auto pem = readFile(path);
  if (!pem) return pem.error();
  auto key = fromPem(*pem);
  if (!key) return makeError(key.error().code, path + ": " + key.error().message);
  return key;
}

Result<VerifyingKey> VerifyingKey::fromRaw(std::string_view raw32) {
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                              reinterpret_cast<const unsigned char*>(raw32.data()),
                                              raw32.size());
  if (!key)
    return makeError(ErrorCode::kInvalidArgument, "bad Ed25519 public key: " + opensslError());
  return VerifyingKey(wrap(key));
}

bool VerifyingKey::verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != 64) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()), message.size());
  ERR_clear_error();
  return rc == 1;
}

std::string VerifyingKey::toPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key_.get());
  return bioToString(bio.get());
}

std::string VerifyingKey::raw() const {
  std::string out(32, '\0');
  std::size_t len = out.size();
  EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(out.data()), &len);
  return out;
}

Result<SigningKey> SigningKey::generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!key)
    return makeError(ErrorCode::kInternal, "Ed25519 key generation failed: " + opensslError());
  return SigningKey(wrap(key));
}

Result<SigningKey> SigningKey::fromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!key)
    return makeError(ErrorCode::kInvalidArgument, "not a PEM private key: " + opensslError());
  auto owned = wrap(key);
  if (!isEd25519(key)) return makeError(ErrorCode::kInvalidArgument, "private key is not Ed25519");
  return SigningKey(owned);
}

Result<SigningKey> SigningKey::fromPemFile(const std::string& path) {
  auto pem = readFile(path);
  if (!pem) return pem.error();
  auto key = fromPem(*pem);
  if (!key) return makeError(key.error().code, path + ": " + key.error().message);
  return key;
}

Result<SigningKey> SigningKey::fromSeed(std::string_view seed32) {
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed32.data()),
      seed32.size());
  if (!key) return makeError(ErrorCode::kInvalidArgument, "bad Ed25519 seed: " + opensslError());
  return SigningKey(wrap(key));
}

std::string SigningKey::sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::string sig(64, '\0');
  std::size_t len = sig.size();
  // A loaded Ed25519 key always signs; failure means memory exhaustion or a broken provider.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    throw std::runtime_error("Ed25519 signing failed: " + opensslError());
  }
  return sig;
}

VerifyingKey SigningKey::verifyingKey() const {
  std::string raw(32, '\0');
  std::size_t len = raw.size();
  EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(raw.data()), &len);
  return *VerifyingKey::fromRaw(raw);
}

std::string SigningKey::toPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return bioToString(bio.get());
}

Status writeKeyPair(const SigningKey& key, const std::string& prefix) {
  std::string keyPath = prefix + ".key";
  {
    std::ofstream out(keyPath, std::ios::binary | std::ios::trunc);
    if (!out) return makeError(ErrorCode::kIo, "cannot write " + keyPath);
    out << key.toPem();
  }
  chmod(keyPath.c_str(), 0600);
  std::ofstream pub(prefix + ".pub", std::ios::binary | std::ios::trunc);
  if (!pub) return makeError(ErrorCode::kIo, "cannot write " + prefix + ".pub");
  pub << key.verifyingKey().toPem();
  return {};
}

}  // namespace finp2p::crypto
