#include "finp2p/ledger/hash_lock.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace finp2p::ledger {
namespace {

// ---- SHA-256 (FIPS 180-4) ----
constexpr std::array<uint32_t, 64> kSha256K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

uint32_t rotr(uint32_t x, int n) {
  return (x >> n) | (x << (32 - n));
}

void sha256Block(std::array<uint32_t, 8>& h, const uint8_t* p) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i) {
    w[i] = uint32_t{p[4 * i]} << 24 | uint32_t{p[4 * i + 1]} << 16 | uint32_t{p[4 * i + 2]} << 8 |
           uint32_t{p[4 * i + 3]};
  }
  for (int i = 16; i < 64; ++i) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 64; ++i) {
    uint32_t t1 =
        k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kSha256K[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

std::string sha256(std::string_view in) {
  std::array<uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const auto* data = reinterpret_cast<const uint8_t*>(in.data());
  size_t full = in.size() / 64 * 64;
  for (size_t i = 0; i < full; i += 64) sha256Block(h, data + i);
  uint8_t tail[128] = {};
  size_t rest = in.size() - full;
  std::memcpy(tail, data + full, rest);
  tail[rest] = 0x80;
  size_t tailSize = rest + 9 <= 64 ? 64 : 128;
  uint64_t bits = uint64_t{in.size()} * 8;
  for (int i = 0; i < 8; ++i) tail[tailSize - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  for (size_t i = 0; i < tailSize; i += 64) sha256Block(h, tail + i);
  std::string out(32, '\0');
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<char>(h[i] >> (24 - 8 * j));
  }
  return out;
}

// ---- Keccak-256 (the original Keccak padding 0x01, as Ethereum uses; not SHA3-256's 0x06) ----
constexpr std::array<uint64_t, 24> kRoundConstants = {
    0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
    0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
    0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008};
constexpr int kRotations[25] = {0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
                                25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14};

uint64_t rotl(uint64_t x, int n) {
  return n == 0 ? x : (x << n) | (x >> (64 - n));
}

void keccakF(uint64_t a[25]) {
  for (uint64_t rc : kRoundConstants) {
    uint64_t c[5], b[25];
    for (int x = 0; x < 5; ++x) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
    for (int x = 0; x < 5; ++x) {
      uint64_t d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
      for (int y = 0; y < 25; y += 5) a[y + x] ^= d;
    }
    for (int x = 0; x < 5; ++x) {
      for (int y = 0; y < 5; ++y) {
        b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], kRotations[x + 5 * y]);
      }
    }
    for (int x = 0; x < 5; ++x) {
      for (int y = 0; y < 25; y += 5)
        a[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5]);
    }
    a[0] ^= rc;
  }
}

std::string keccak256(std::string_view in) {
  constexpr size_t kRate = 136;
  uint64_t state[25] = {};
  auto absorb = [&](const uint8_t* block) {
    for (size_t i = 0; i < kRate / 8; ++i) {
      uint64_t lane = 0;
      for (int j = 0; j < 8; ++j) lane |= uint64_t{block[8 * i + j]} << (8 * j);
      state[i] ^= lane;
    }
    keccakF(state);
  };
  const auto* data = reinterpret_cast<const uint8_t*>(in.data());
  size_t full = in.size() / kRate * kRate;
  for (size_t i = 0; i < full; i += kRate) absorb(data + i);
  uint8_t last[kRate] = {};
  size_t rest = in.size() - full;
  std::memcpy(last, data + full, rest);
  last[rest] ^= 0x01;
  last[kRate - 1] ^= 0x80;
  absorb(last);
  std::string out(32, '\0');
  for (int i = 0; i < 32; ++i) out[i] = static_cast<char>(state[i / 8] >> (8 * (i % 8)));
  return out;
}

}  // namespace

std::optional<HashFunction> parseHashFunction(std::string_view name) {
  if (name == "sha256") return HashFunction::kSha256;
  if (name == "keccak256") return HashFunction::kKeccak256;
  return std::nullopt;
}

const char* hashFunctionName(HashFunction function) {
  return function == HashFunction::kSha256 ? "sha256" : "keccak256";
}

std::string hashBytes(HashFunction function, std::string_view bytes) {
  return function == HashFunction::kSha256 ? sha256(bytes) : keccak256(bytes);
}

std::string toHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::optional<std::string> fromHex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi << 4 | lo);
  }
  return out;
}

std::string checkHashHex(std::string_view hashHex) {
  bool lowerHex = hashHex.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  if (hashHex.size() != 64 || !lowerHex) {
    return "hash \"" + std::string(hashHex.substr(0, 80)) +
           "\" is not 32 bytes in lowercase hex (64 characters)";
  }
  return "";
}

std::string checkPreimage(std::string_view functionName, std::string_view hashHex,
                          std::string_view preimageHex) {
  auto function = parseHashFunction(functionName);
  if (!function) return "unknown hash function \"" + std::string(functionName) + "\"";
  if (preimageHex.empty()) return "no preimage";
  auto preimage = fromHex(preimageHex);
  if (!preimage) return "the preimage is not hex";
  std::string got = toHex(hashBytes(*function, *preimage));
  if (got != hashHex) {
    return std::string(functionName) + "(preimage) is " + got + ", the lock's hash is " +
           std::string(hashHex);
  }
  return "";
}

std::string compareHashLock(const Receipt& actual, const Receipt& claimed) {
  auto differs = [](const char* field, const std::string& want, const std::string& got) {
    return std::string("receipt ") + field + " is \"" + got + "\", the ledger has \"" + want + "\"";
  };
  if (actual.hashLock != claimed.hashLock) {
    return differs("hash lock", actual.hashLock, claimed.hashLock);
  }
  if (actual.hashFunction != claimed.hashFunction) {
    return differs("hash function", actual.hashFunction, claimed.hashFunction);
  }
  if (actual.expiryUnixS != claimed.expiryUnixS) {
    return differs("expiry", std::to_string(actual.expiryUnixS),
                   std::to_string(claimed.expiryUnixS));
  }
  if (actual.preimage != claimed.preimage) {
    return differs("preimage", actual.preimage, claimed.preimage);
  }
  return "";
}

}  // namespace finp2p::ledger
