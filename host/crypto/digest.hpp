#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace finp2p::crypto {

using Digest = std::array<uint8_t, 32>;

Digest sha3_256(std::string_view bytes);
Digest sha256(std::string_view bytes);

std::string toHex(std::string_view bytes);
inline std::string toHex(const Digest& d) {
  return toHex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}
// Empty result and false when `hex` is not an even-length lowercase/uppercase hex string.
bool fromHex(std::string_view hex, std::string& out);

}  // namespace finp2p::crypto
