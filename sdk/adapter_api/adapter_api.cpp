#include "adapter_api.hpp"

#include <openssl/sha.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace finp2p::adapter_api {

const char* endpointFor(OperationKind kind) {
  switch (kind) {
    case FINP2P_LEDGER_OP_HOLD:
      return "/assets/hold";
    case FINP2P_LEDGER_OP_RELEASE:
      return "/assets/release";
    case FINP2P_LEDGER_OP_REVERT_HOLD:
      return "/assets/rollback";
    case FINP2P_LEDGER_OP_TRANSFER:
      return "/assets/transfer";
    case FINP2P_LEDGER_OP_ISSUE:
      return "/assets/issue";
    case FINP2P_LEDGER_OP_REDEEM:
      return "/assets/redeem";
    case FINP2P_LEDGER_OP_AWAIT:
      return nullptr;
  }
  return nullptr;
}

std::optional<OperationKind> kindForEndpoint(const std::string& endpoint) {
  for (auto kind : {FINP2P_LEDGER_OP_HOLD, FINP2P_LEDGER_OP_RELEASE, FINP2P_LEDGER_OP_REVERT_HOLD,
                    FINP2P_LEDGER_OP_TRANSFER, FINP2P_LEDGER_OP_ISSUE, FINP2P_LEDGER_OP_REDEEM}) {
    if (endpoint == endpointFor(kind)) return kind;
  }
  return std::nullopt;
}

uint32_t errorCodeFor(Status status) {
  switch (status) {
    case FINP2P_LEDGER_ERROR_VALIDATION:
    case FINP2P_LEDGER_ERROR_UNSUPPORTED:
    case FINP2P_LEDGER_ERROR_NOT_FOUND:
      return 1;
    case FINP2P_LEDGER_ERROR_INTENT_VALIDATION:
      return 2;
    case FINP2P_LEDGER_ERROR_SETTLEMENT:
      return 3;
    case FINP2P_LEDGER_ERROR_SIGNATURE:
      return 4;
    case FINP2P_LEDGER_ERROR_TIMEOUT:
      return 8;
    default:
      return 9;
  }
}

Status statusForErrorCode(int64_t code) {
  switch (code) {
    case 2:
      return FINP2P_LEDGER_ERROR_INTENT_VALIDATION;
    case 3:
      return FINP2P_LEDGER_ERROR_SETTLEMENT;
    case 4:
      return FINP2P_LEDGER_ERROR_SIGNATURE;
    case 8:
      return FINP2P_LEDGER_ERROR_TIMEOUT;
    case 9:
      return FINP2P_LEDGER_ERROR_INTERNAL;
    default:
      return FINP2P_LEDGER_ERROR_VALIDATION;
  }
}

bool isFinId(const std::string& account) {
  return account.size() >= 64 && account.size() <= 66 &&
         account.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string finIdFor(const std::string& account) {
  return isFinId(account) ? account : sha256Hex(account);
}

std::string sha256Hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

Json accountJson(const std::string& account, const Json& asset) {
  Json j = {{"finId", finIdFor(account)}, {"asset", asset}};
  if (!isFinId(account)) j["ledgerAccount"] = {{"type", "walletAccount"}, {"address", account}};
  return j;
}

std::string accountFrom(const Json& account) {
  if (!account.is_object()) return "";
  auto ledger = account.find("ledgerAccount");
  if (ledger != account.end() && ledger->is_object() &&
      ledger->value("type", "") == "walletAccount" && ledger->contains("address") &&
      (*ledger)["address"].is_string()) {
    return (*ledger)["address"].get<std::string>();
  }
  return account.value("finId", "");
}

Json assetJson(const AssetRef& asset) {
  return {{"resourceId", asset.resourceId},
          {"ledgerIdentifier",
           {{"assetIdentifierType", "CAIP-19"},
            {"network", asset.network},
            {"tokenId", asset.tokenId},
            {"standard", asset.standard}}}};
}

std::string assetFrom(const Json& asset) {
  if (!asset.is_object()) return "";
  auto id = asset.find("ledgerIdentifier");
  if (id != asset.end() && id->is_object() && id->contains("tokenId") &&
      (*id)["tokenId"].is_string()) {
    return (*id)["tokenId"].get<std::string>();
  }
  return asset.value("resourceId", "");
}

bool isFinal(Status status) {
  return status != FINP2P_LEDGER_PENDING && status != FINP2P_LEDGER_ERROR_UNAVAILABLE &&
         status != FINP2P_LEDGER_ERROR_TIMEOUT;
}

const char* operationTypeFor(OperationKind kind) {
  switch (kind) {
    case FINP2P_LEDGER_OP_HOLD:
      return "hold";
    case FINP2P_LEDGER_OP_RELEASE:
    case FINP2P_LEDGER_OP_REVERT_HOLD:
      return "release";
    case FINP2P_LEDGER_OP_ISSUE:
      return "issue";
    case FINP2P_LEDGER_OP_REDEEM:
      return "redeem";
    default:
      return "transfer";
  }
}

Json pendingOperation(const std::string& cid, int64_t pollMillis) {
  return {{"cid", cid},
          {"isCompleted", false},
          {"operationMetadata",
           {{"operationResponseStrategy",
             {{"type", "poll"},
              {"polling", {{"type", "relative"}, {"duration", isoDuration(pollMillis)}}}}}}}};
}

Json failedOperation(const std::string& cid, Status status, const std::string& message) {
  return {{"cid", cid},
          {"isCompleted", true},
          {"error",
           {{"code", errorCodeFor(status)},
            {"message", message.empty() ? std::string(ledger::statusName(status)) : message}}}};
}

std::optional<int64_t> durationMillis(const std::string& text) {
  // P[nD][T[nH][nM][n[.f]S]]
  if (text.size() < 2 || text[0] != 'P') return std::nullopt;
  double total = 0;
  bool inTime = false, any = false;
  std::size_t i = 1;
  while (i < text.size()) {
    if (text[i] == 'T') {
      inTime = true;
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) {
      ++end;
    }
    if (end == i || end == text.size()) return std::nullopt;
    double n = std::atof(text.substr(i, end - i).c_str());
    char unit = text[end];
    if (!inTime && unit == 'D')
      total += n * 86400;
    else if (inTime && unit == 'H')
      total += n * 3600;
    else if (inTime && unit == 'M')
      total += n * 60;
    else if (inTime && unit == 'S')
      total += n;
    else
      return std::nullopt;
    any = true;
    i = end + 1;
  }
  if (!any) return std::nullopt;
  return static_cast<int64_t>(std::llround(total * 1000));
}

std::string isoDuration(int64_t millis) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "PT%lld.%03lldS", static_cast<long long>(millis / 1000),
                static_cast<long long>(millis % 1000));
  return buffer;
}

}  // namespace finp2p::adapter_api
