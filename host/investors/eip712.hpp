#pragma once
// EIP-712 typed-data hashing over the adapter API's representation of typed data: types as a
// list of definitions, the message as a JSON object (google.protobuf.Struct).

#include <string>

#include "common/result.hpp"
#include "crypto/digest.hpp"
#include "finp2p/signature.pb.h"

namespace finp2p::investors::eip712 {

using crypto::Digest;

// "Buying(string nonce,FinId buyer,...)FinId(string idkey)Term(...)": the primary type, then
// the types it references in name order.
Result<std::string> encodeType(const finp2p::signature::EIP712Types& types,
                               const std::string& primary);
// keccak256(typeHash || encoded fields). Fields of `value` that the type does not declare are
// refused: what a signature covers is exactly what is hashed.
Result<Digest> hashStruct(const finp2p::signature::EIP712Types& types, const std::string& type,
                          const google::protobuf::Struct& value, const std::string& path);

}  // namespace finp2p::investors::eip712
