#pragma once
// FinP2P resource ids: "orgId:type:rawId" (finp2p-reference.md, "Resource IDs").

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace finp2p::model {

enum class ResourceType : uint32_t {
  kOwner = 101,
  kAsset = 102,
  kIntent = 105,
  kExecutionPlan = 106,
};

struct ResourceId {
  static constexpr std::size_t kMaxLength = 150;

  std::string organizationId;
  uint32_t type = 0;
  std::string rawId;

  // Checks the form and limits: org id 1-150 chars without ':' or blanks, a known numeric type,
  // a non-empty raw id, the whole id at most 150 chars.
  static Result<ResourceId> parse(std::string_view text);
  std::string toString() const;
};

// Parses and additionally requires type 106 and a lowercase v4 UUID raw id.
Result<ResourceId> parseExecutionPlanId(std::string_view text);

// A fresh "orgId:106:<uuid-v4>" from the OS random source.
Result<std::string> generateExecutionPlanId(std::string_view organizationId);

bool isUuidV4(std::string_view text);
Status validateOrganizationId(std::string_view organizationId);

}  // namespace finp2p::model
