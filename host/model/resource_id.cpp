#include "model/resource_id.hpp"

#include <openssl/rand.h>

#include <array>
#include <cctype>

namespace finp2p::model {
namespace {

Error invalid(std::string_view text, const std::string& why) {
  return makeError(ErrorCode::kInvalidArgument,
                   "invalid resource id \"" + std::string(text.substr(0, 160)) + "\": " + why);
}

bool isKnownType(uint32_t type) {
  switch (static_cast<ResourceType>(type)) {
    case ResourceType::kOwner:
    case ResourceType::kAsset:
    case ResourceType::kIntent:
    case ResourceType::kExecutionPlan:
      return true;
  }
  return false;
}

bool isLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

Status validateOrganizationId(std::string_view id) {
  if (id.empty()) return makeError(ErrorCode::kInvalidArgument, "organization id is empty");
  if (id.size() > ResourceId::kMaxLength) {
    return makeError(ErrorCode::kInvalidArgument, "organization id is longer than 150 characters");
  }
  for (char c : id) {
    if (c == ':' || std::isspace(static_cast<unsigned char>(c)) ||
        std::iscntrl(static_cast<unsigned char>(c))) {
      return makeError(ErrorCode::kInvalidArgument, "organization id \"" + std::string(id) +
                                                        "\" contains ':', a blank or a control "
                                                        "character");
    }
  }
  return {};
}

Result<ResourceId> ResourceId::parse(std::string_view text) {
  if (text.empty()) return invalid(text, "empty");
  if (text.size() > kMaxLength) return invalid(text, "longer than 150 characters");
  auto first = text.find(':');
  if (first == std::string_view::npos) return invalid(text, "expected orgId:type:rawId");
  auto second = text.find(':', first + 1);
  if (second == std::string_view::npos) return invalid(text, "expected orgId:type:rawId");
  std::string_view org = text.substr(0, first);
  std::string_view type = text.substr(first + 1, second - first - 1);
  std::string_view raw = text.substr(second + 1);
  if (auto s = validateOrganizationId(org); !s) return invalid(text, s.error().message);
  if (type.empty() || type.size() > 3 ||
      type.find_first_not_of("0123456789") != std::string_view::npos) {
    return invalid(text, "type \"" + std::string(type) + "\" is not a number");
  }
  uint32_t typeNumber = static_cast<uint32_t>(std::stoul(std::string(type)));
  if (!isKnownType(typeNumber)) {
    return invalid(text, "unknown type " + std::string(type) + " (expected 101, 102, 105 or 106)");
  }
  if (raw.empty()) return invalid(text, "raw id is empty");
  for (char c : raw) {
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::iscntrl(static_cast<unsigned char>(c))) {
      return invalid(text, "raw id contains a blank or control character");
    }
  }
  return ResourceId{std::string(org), typeNumber, std::string(raw)};
}

std::string ResourceId::toString() const {
  return organizationId + ":" + std::to_string(type) + ":" + rawId;
}

bool isUuidV4(std::string_view s) {
  // xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx, lowercase
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !isLowerHex(s[i])) return false;
  }
  return s[14] == '4' && (s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b');
}

Result<ResourceId> parseExecutionPlanId(std::string_view text) {
  auto id = ResourceId::parse(text);
  if (!id) return id;
  if (id->type != static_cast<uint32_t>(ResourceType::kExecutionPlan)) {
    return invalid(text, "type is " + std::to_string(id->type) + ", an execution plan id has 106");
  }
  if (!isUuidV4(id->rawId)) return invalid(text, "raw id is not a lowercase v4 UUID");
  return id;
}

Result<std::string> generateExecutionPlanId(std::string_view organizationId) {
  if (auto s = validateOrganizationId(organizationId); !s) return s.error();
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return makeError(ErrorCode::kInternal, "no randomness for a plan id (RAND_bytes failed)");
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string uuid;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) uuid += '-';
    uuid += kHex[bytes[i] >> 4];
    uuid += kHex[bytes[i] & 0x0f];
  }
  std::string id = std::string(organizationId) + ":106:" + uuid;
  if (id.size() > ResourceId::kMaxLength) {
    return makeError(ErrorCode::kInvalidArgument,
                     "organization id too long for a 150-character plan id");
  }
  return id;
}

}  // namespace finp2p::model
