#include "investors/template_hash.hpp"

#include "investors/eip712.hpp"
#include "investors/investor_key.hpp"

namespace finp2p::investors {
namespace {

using finp2p::signature::HashGroup;
using finp2p::signature::SignatureTemplate;

constexpr int kMaxGroups = 64;
constexpr int kMaxFields = 64;

std::string_view view(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

Error invalid(const std::string& path, const std::string& why) {
  return makeError(ErrorCode::kInvalidArgument, path + ": " + why);
}

// A stated hash must be the recomputed one, spelled in lowercase hex (one spelling per value,
// as for router signatures).
Status sameHash(const std::string& stated, const Digest& computed, const std::string& path) {
  if (stated != crypto::toHex(computed)) {
    return makeError(ErrorCode::kUnauthenticated,
                     path + ": states " + (stated.empty() ? "nothing" : stated) +
                         ", the fields hash to " + crypto::toHex(computed));
  }
  return {};
}

}  // namespace

Result<HashFunc> parseHashFunc(const std::string& name) {
  if (name == "sha3-256" || name == "sha3_256") return HashFunc::kSha3_256;
  if (name == "keccak-256" || name == "keccak_256") return HashFunc::kKeccak256;
  return invalid("hashFunc",
                 "\"" + name.substr(0, 40) + "\" is not supported (sha3-256 or keccak-256)");
}

Digest hashWith(HashFunc f, std::string_view bytes) {
  return f == HashFunc::kSha3_256 ? crypto::sha3_256(bytes) : keccak256(bytes);
}

Result<Digest> hashGroupDigest(const HashGroup& group, HashFunc f, const std::string& path) {
  if (group.fields_size() > kMaxFields) {
    return invalid(path + ".fields", "more than " + std::to_string(kMaxFields) + " fields");
  }
  std::string input;
  for (int i = 0; i < group.fields_size(); ++i) {
    const auto& field = group.fields(i);
    std::string fieldPath = path + ".fields[" + std::to_string(i) + "]";
    if (field.type() == "bytes") {
      std::string raw;
      if (!crypto::fromHex(field.value(), raw)) {
        return invalid(fieldPath + ".value", "a bytes field's value is hex");
      }
      input += raw;
    } else if (field.type() == "string" || field.type() == "int") {
      // The public test suite and adapters hash a string (and an int) as its UTF-8 text.
      input += field.value();
    } else {
      return invalid(fieldPath + ".type",
                     "\"" + field.type().substr(0, 40) + "\" is not string, int or bytes");
    }
  }
  return hashWith(f, input);
}

Result<Digest> hashListDigest(const SignatureTemplate& t, HashFunc f) {
  if (t.hashgroups_size() == 0) return invalid("template.hashGroups", "no hash group");
  if (t.hashgroups_size() > kMaxGroups) {
    return invalid("template.hashGroups", "more than " + std::to_string(kMaxGroups) + " groups");
  }
  std::string input;
  for (int i = 0; i < t.hashgroups_size(); ++i) {
    std::string path = "template.hashGroups[" + std::to_string(i) + "]";
    auto d = hashGroupDigest(t.hashgroups(i), f, path);
    if (!d) return d.error();
    if (auto s = sameHash(t.hashgroups(i).hash(), *d, path + ".hash"); !s) return s.error();
    input += view(*d);
  }
  return hashWith(f, input);
}

Result<Digest> signedDigest(const finp2p::signature::Signature& s) {
  auto f = parseHashFunc(s.hashfunc());
  if (!f) return f.error();
  const auto& t = s.template_();
  Result<Digest> digest = makeError(ErrorCode::kInternal, "");
  if (t.type() == "hashList") {
    if (t.has_domain() || t.has_types() || !t.primarytype().empty() || t.has_message()) {
      return invalid("template", "a hashList template has no EIP-712 fields");
    }
    digest = hashListDigest(t, *f);
  } else if (t.type() == "EIP712") {
    if (*f != HashFunc::kKeccak256) return invalid("hashFunc", "EIP-712 hashes with keccak-256");
    if (t.hashgroups_size() != 0) return invalid("template", "an EIP-712 template has no groups");
    digest = eip712Digest(t);
  } else {
    return invalid("template.type",
                   "\"" + t.type().substr(0, 40) + "\" is neither hashList nor EIP712");
  }
  if (!digest) return digest.error();
  if (auto same = sameHash(t.hash(), *digest, "template.hash"); !same) return same.error();
  return digest;
}

Status verifyInvestorSignature(const finp2p::signature::Signature& s, const std::string& finId) {
  if (!s.routertemplate().empty()) {
    return invalid("routerTemplate", "an investor signature names no router template");
  }
  auto digest = signedDigest(s);
  if (!digest) return digest.error();
  Status verified = s.template_().type() == "EIP712"
                        ? verifyRecoverable(finId, *digest, s.signature())
                        : verifyCompact(finId, *digest, s.signature());
  if (!verified) return makeError(verified.error().code, "signature: " + verified.error().message);
  std::string raw;
  crypto::fromHex(s.signature(), raw);
  if (crypto::toHex(raw) != s.signature()) {
    return makeError(ErrorCode::kUnauthenticated, "signature: not lowercase hex");
  }
  return {};
}

}  // namespace finp2p::investors
