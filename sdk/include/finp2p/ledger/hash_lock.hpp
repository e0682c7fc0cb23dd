#pragma once
/// @file
/// Hash locks of hash time-locked holds (HTLC): the two hash functions a lock may name and the
/// check a ledger and a router make of a preimage. Self-contained (no crypto library), so a
/// plugin links nothing more than the SDK and the host and every plugin compute the same hash.

#include <optional>
#include <string>
#include <string_view>

#include "finp2p/ledger/types.hpp"

namespace finp2p::ledger {

enum class HashFunction { kSha256, kKeccak256 };

/// "sha256" or "keccak256"; nullopt for anything else.
std::optional<HashFunction> parseHashFunction(std::string_view name);
const char* hashFunctionName(HashFunction function);

/// The 32-byte digest of `bytes`.
std::string hashBytes(HashFunction function, std::string_view bytes);

/// Lowercase hex of `bytes`; and back (nullopt unless even-length hex).
std::string toHex(std::string_view bytes);
std::optional<std::string> fromHex(std::string_view hex);

/// Whether `preimageHex` (hex of the secret) hashes to `hashHex` under the function named
/// `functionName`. Empty when it does; otherwise why not, for the refusal's message.
std::string checkPreimage(std::string_view functionName, std::string_view hashHex,
                          std::string_view preimageHex);

/// A lock's hash as it must be written: 64 lowercase hex characters. Empty when it is; else why.
std::string checkHashHex(std::string_view hashHex);

/// A receipt's hash-lock fields (lock, function, expiry, preimage) against the ledger's own
/// (`actual`), for verify. Empty when they agree; otherwise the first mismatch.
std::string compareHashLock(const Receipt& actual, const Receipt& claimed);

}  // namespace finp2p::ledger
