#include "crypto/digest.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace finp2p::crypto {
namespace {

Digest evpDigest(const EVP_MD* md, std::string_view bytes) {
  Digest out{};
  unsigned int len = 0;
  // EVP_Digest only fails on allocation failure or a broken provider; neither is recoverable.
  if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &len, md, nullptr) != 1 ||
      len != out.size()) {
    throw std::runtime_error("OpenSSL digest failed");
  }
  return out;
}

}  // namespace

Digest sha3_256(std::string_view bytes) {
  return evpDigest(EVP_sha3_256(), bytes);
}
Digest sha256(std::string_view bytes) {
  return evpDigest(EVP_sha256(), bytes);
}

std::string toHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0x0f];
  }
  return out;
}

bool fromHex(std::string_view hex, std::string& out) {
  out.clear();
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      out.clear();
      return false;
    }
    out += static_cast<char>(hi << 4 | lo);
  }
  return true;
}

}  // namespace finp2p::crypto
