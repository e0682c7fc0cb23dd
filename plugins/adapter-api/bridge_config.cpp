#include "bridge_config.hpp"

#include <stdexcept>

namespace finp2p::adapter_bridge {
namespace {

int64_t number(const ledger::Config& config, const std::string& key, int64_t fallback) {
  auto text = config.get(key);
  if (!text) return fallback;
  try {
    std::size_t used = 0;
    int64_t v = std::stoll(*text, &used);
    if (used == text->size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument("config key \"" + key + "\" must be a positive integer");
}

}  // namespace

adapter_api::AssetRef BridgeConfig::assetFor(const std::string& id) const {
  auto it = assets.find(id);
  if (it != assets.end()) return it->second;
  return {id, "finp2p-exec", id, "finp2p-exec"};
}

BridgeConfig readBridgeConfig(const ledger::Config& config) {
  config.refuseUnknownKeys({"base_url", "state", "request_timeout_ms", "poll_interval_ms",
                            "approve_plans", "tls_ca", "tls_certificate", "tls_private_key",
                            "headers.*", "assets.*.id", "assets.*.resource_id", "assets.*.network",
                            "assets.*.token_id", "assets.*.standard"});
  BridgeConfig c;
  c.http.baseUrl = config.getOr("base_url", "");
  if (c.http.baseUrl.rfind("http://", 0) != 0 && c.http.baseUrl.rfind("https://", 0) != 0) {
    throw std::invalid_argument("config key \"base_url\" is required: http(s)://host:port/path");
  }
  while (!c.http.baseUrl.empty() && c.http.baseUrl.back() == '/') c.http.baseUrl.pop_back();
  auto state = config.getPath("state");
  if (!state || state->empty()) throw std::invalid_argument("config key \"state\" is required");
  c.statePath = *state;
  c.http.timeoutMillis = number(config, "request_timeout_ms", c.http.timeoutMillis);
  c.pollIntervalMillis = number(config, "poll_interval_ms", c.pollIntervalMillis);
  auto approve = config.getOr("approve_plans", "true");
  if (approve != "true" && approve != "false") {
    throw std::invalid_argument("config key \"approve_plans\" must be true or false");
  }
  c.approvePlans = approve == "true";
  c.http.caFile = config.getPath("tls_ca").value_or("");
  c.http.certificateFile = config.getPath("tls_certificate").value_or("");
  c.http.privateKeyFile = config.getPath("tls_private_key").value_or("");
  for (const auto& [key, value] : config.entries()) {
    if (key.rfind("headers.", 0) == 0) c.http.headers.emplace_back(key.substr(8), value);
  }
  for (std::size_t i = 0, n = config.arraySize("assets"); i < n; ++i) {
    std::string at = "assets." + std::to_string(i) + ".";
    auto id = config.get(at + "id");
    if (!id || id->empty()) throw std::invalid_argument("config key \"" + at + "id\" is required");
    adapter_api::AssetRef ref = c.assetFor(*id);
    ref.resourceId = config.getOr(at + "resource_id", ref.resourceId);
    ref.network = config.getOr(at + "network", ref.network);
    ref.tokenId = config.getOr(at + "token_id", ref.tokenId);
    ref.standard = config.getOr(at + "standard", ref.standard);
    c.assets[*id] = ref;
  }
  return c;
}

}  // namespace finp2p::adapter_bridge
