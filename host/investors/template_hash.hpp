#pragma once
// What an investor signature's template hashes to (shared/spec/investor-signatures/README.md):
// a hashList's group hashes and template hash, an EIP-712 object's domain separator, struct hash
// and digest. Each error begins with the path of the offending field inside the signature
// ("template.hashGroups[1].fields[0].value: ...").

#include <string>

#include "common/result.hpp"
#include "crypto/digest.hpp"
#include "finp2p/signature.pb.h"

namespace finp2p::investors {

using crypto::Digest;

enum class HashFunc { kSha3_256, kKeccak256 };
// "sha3-256" / "sha3_256", "keccak-256" / "keccak_256"; others are refused by name.
Result<HashFunc> parseHashFunc(const std::string& name);
Digest hashWith(HashFunc f, std::string_view bytes);

Result<Digest> hashGroupDigest(const finp2p::signature::HashGroup& group, HashFunc f,
                               const std::string& path);
// hashFunc over the concatenated group hashes, each recomputed from its fields.
Result<Digest> hashListDigest(const finp2p::signature::SignatureTemplate& t, HashFunc f);

Result<Digest> eip712DomainSeparator(const finp2p::signature::EIP712Domain& domain);
Result<Digest> eip712StructHash(const finp2p::signature::SignatureTemplate& t);
Result<Digest> eip712Digest(const finp2p::signature::SignatureTemplate& t);

// The digest the signature is over, recomputed from the template; every hash the template
// states (group hashes, `hash`) must equal the recomputed one.
Result<Digest> signedDigest(const finp2p::signature::Signature& s);

// OK when `s` is a valid signature by `finId` over its template.
Status verifyInvestorSignature(const finp2p::signature::Signature& s, const std::string& finId);

}  // namespace finp2p::investors
