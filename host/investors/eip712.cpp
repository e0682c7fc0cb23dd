#include "investors/eip712.hpp"

#include <cmath>
#include <set>

#include "investors/investor_key.hpp"
#include "investors/template_hash.hpp"

namespace finp2p::investors {
namespace eip712 {
namespace {

using finp2p::signature::EIP712TypeDefinition;
using finp2p::signature::EIP712Types;
using google::protobuf::Struct;
using google::protobuf::Value;

constexpr int kMaxDepth = 16;

Error invalid(const std::string& path, const std::string& why) {
  return makeError(ErrorCode::kInvalidArgument, path + ": " + why);
}

const EIP712TypeDefinition* find(const EIP712Types& types, const std::string& name) {
  for (const auto& d : types.definitions()) {
    if (d.name() == name) return &d;
  }
  return nullptr;
}

std::string baseType(const std::string& type) {
  auto bracket = type.find('[');
  return bracket == std::string::npos ? type : type.substr(0, bracket);
}

void collect(const EIP712Types& types, const std::string& name, std::set<std::string>& seen) {
  if (seen.count(name) || !find(types, name)) return;
  seen.insert(name);
  for (const auto& f : find(types, name)->fields()) collect(types, baseType(f.type()), seen);
}

std::string word(std::string_view bytes, bool leftPad) {
  std::string out(32 - bytes.size(), '\0');
  return leftPad ? out + std::string(bytes) : std::string(bytes) + out;
}

Result<std::string> hexBytes(const Value& v, const std::string& path) {
  std::string raw;
  if (v.kind_case() != Value::kStringValue || v.string_value().rfind("0x", 0) != 0 ||
      !crypto::fromHex(std::string_view(v.string_value()).substr(2), raw)) {
    return invalid(path, "expected 0x-prefixed hex");
  }
  return raw;
}

Result<uint64_t> unsignedInteger(const Value& v, const std::string& path) {
  if (v.kind_case() == Value::kNumberValue) {
    double d = v.number_value();
    if (d >= 0 && d <= 9007199254740992.0 && std::floor(d) == d) return static_cast<uint64_t>(d);
  } else if (v.kind_case() == Value::kStringValue && !v.string_value().empty() &&
             v.string_value().size() <= 19 &&
             v.string_value().find_first_not_of("0123456789") == std::string::npos) {
    return std::stoull(v.string_value());
  }
  return invalid(path, "expected a non-negative integer below 2^53 (or a decimal string)");
}

std::string uintWord(uint64_t n) {
  std::string bytes(8, '\0');
  for (int i = 7; i >= 0; --i, n >>= 8) bytes[i] = static_cast<char>(n & 0xff);
  return word(bytes, true);
}

Result<std::string> encodeValue(const EIP712Types& types, const std::string& type, const Value& v,
                                const std::string& path, int depth);

Result<Digest> hashStructAt(const EIP712Types& types, const std::string& type, const Struct& value,
                            const std::string& path, int depth) {
  if (depth > kMaxDepth) return invalid(path, "nested deeper than " + std::to_string(kMaxDepth));
  const auto* def = find(types, type);
  if (!def) return invalid(path, "type " + type + " is not defined in template.types");
  auto encoded = encodeType(types, type);
  if (!encoded) return encoded.error();
  std::string input;
  Digest typeHash = keccak256(*encoded);
  input.append(reinterpret_cast<const char*>(typeHash.data()), typeHash.size());
  std::set<std::string> declared;
  for (const auto& f : def->fields()) {
    declared.insert(f.name());
    auto it = value.fields().find(f.name());
    if (it == value.fields().end()) return invalid(path + "." + f.name(), "missing");
    auto e = encodeValue(types, f.type(), it->second, path + "." + f.name(), depth + 1);
    if (!e) return e.error();
    input += *e;
  }
  for (const auto& [name, unused] : value.fields()) {
    if (!declared.count(name)) return invalid(path + "." + name, "not a field of type " + type);
  }
  return keccak256(input);
}

Result<std::string> encodeValue(const EIP712Types& types, const std::string& type, const Value& v,
                                const std::string& path, int depth) {
  auto asWord = [](const Digest& d) {
    return std::string(reinterpret_cast<const char*>(d.data()), d.size());
  };
  if (!type.empty() && type.back() == ']') {
    if (v.kind_case() != Value::kListValue) return invalid(path, "expected an array");
    std::string element = type.substr(0, type.rfind('['));
    std::string concatenated;
    for (int i = 0; i < v.list_value().values_size(); ++i) {
      auto e = encodeValue(types, element, v.list_value().values(i),
                           path + "[" + std::to_string(i) + "]", depth + 1);
      if (!e) return e.error();
      concatenated += *e;
    }
    return asWord(keccak256(concatenated));
  }
  if (find(types, type)) {
    if (v.kind_case() != Value::kStructValue) return invalid(path, "expected an object");
    auto h = hashStructAt(types, type, v.struct_value(), path, depth);
    if (!h) return h.error();
    return asWord(*h);
  }
  if (type == "string") {
    if (v.kind_case() != Value::kStringValue) return invalid(path, "expected a string");
    return asWord(keccak256(v.string_value()));
  }
  if (type == "bytes") {
    auto raw = hexBytes(v, path);
    if (!raw) return raw.error();
    return asWord(keccak256(*raw));
  }
  if (type == "bool") {
    if (v.kind_case() != Value::kBoolValue) return invalid(path, "expected true or false");
    return uintWord(v.bool_value() ? 1 : 0);
  }
  if (type == "address") {
    auto raw = hexBytes(v, path);
    if (!raw) return raw.error();
    if (raw->size() != 20) return invalid(path, "an address is 20 bytes");
    return word(*raw, true);
  }
  if (type.rfind("bytes", 0) == 0) {
    auto raw = hexBytes(v, path);
    if (!raw) return raw.error();
    if (std::to_string(raw->size()) != type.substr(5)) return invalid(path, "not a " + type);
    return word(*raw, false);
  }
  if (type.rfind("uint", 0) == 0) {
    auto n = unsignedInteger(v, path);
    if (!n) return n.error();
    return uintWord(*n);
  }
  return invalid(path, "type " + type.substr(0, 40) + " is not supported");
}

}  // namespace

Result<std::string> encodeType(const EIP712Types& types, const std::string& primary) {
  const auto* def = find(types, primary);
  if (!def) return invalid("template.types", "no definition of " + primary);
  std::set<std::string> referenced;
  collect(types, primary, referenced);
  referenced.erase(primary);
  std::string out;
  auto append = [&](const EIP712TypeDefinition& d) {
    out += d.name() + "(";
    for (int i = 0; i < d.fields_size(); ++i) {
      if (i) out += ",";
      out += d.fields(i).type() + " " + d.fields(i).name();
    }
    out += ")";
  };
  append(*def);
  for (const auto& name : referenced) append(*find(types, name));
  return out;
}

Result<Digest> hashStruct(const EIP712Types& types, const std::string& type, const Struct& value,
                          const std::string& path) {
  return hashStructAt(types, type, value, path, 0);
}

}  // namespace eip712

using google::protobuf::Struct;

Result<Digest> eip712DomainSeparator(const finp2p::signature::EIP712Domain& domain) {
  finp2p::signature::EIP712Types types;
  auto* def = types.add_definitions();
  def->set_name("EIP712Domain");
  Struct value;
  auto field = [&](const char* name, const char* type) {
    auto* f = def->add_fields();
    f->set_name(name);
    f->set_type(type);
    return &(*value.mutable_fields())[name];
  };
  // As ethers: only the members the domain sets.
  if (!domain.name().empty()) field("name", "string")->set_string_value(domain.name());
  if (!domain.version().empty()) field("version", "string")->set_string_value(domain.version());
  if (domain.chainid() != 0) {
    if (domain.chainid() > 9007199254740992ull) {
      return makeError(ErrorCode::kInvalidArgument,
                       "template.domain.chainId: above 2^53 is not supported");
    }
    field("chainId", "uint256")->set_number_value(static_cast<double>(domain.chainid()));
  }
  if (!domain.verifyingcontract().empty()) {
    field("verifyingContract", "address")->set_string_value(domain.verifyingcontract());
  }
  return eip712::hashStruct(types, "EIP712Domain", value, "template.domain");
}

Result<Digest> eip712StructHash(const finp2p::signature::SignatureTemplate& t) {
  return eip712::hashStruct(t.types(), t.primarytype(), t.message(), "template.message");
}

Result<Digest> eip712Digest(const finp2p::signature::SignatureTemplate& t) {
  auto domain = eip712DomainSeparator(t.domain());
  if (!domain) return domain.error();
  auto message = eip712StructHash(t);
  if (!message) return message.error();
  std::string input = "\x19\x01";
  input.append(reinterpret_cast<const char*>(domain->data()), 32);
  input.append(reinterpret_cast<const char*>(message->data()), 32);
  return keccak256(input);
}

}  // namespace finp2p::investors
