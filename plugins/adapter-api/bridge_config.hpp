#pragma once
// The bridge's [ledger.config]:
//   base_url = "http://127.0.0.1:8080/api"   # required: the adapter, with its base path
//   state = "bond-bridge.db"                 # required: what was sent, under which key
//   request_timeout_ms = 10000               # one HTTP call
//   poll_interval_ms = 200                   # when the adapter names no interval ("random")
//   approve_plans = true                     # preflight asks POST /plan/approve once per plan
//   headers = { Authorization = "Bearer …" } # sent on every request
//   tls_ca = "ca.crt"                        # optional; also tls_certificate, tls_private_key
//   [[ledger.config.assets]]                 # our asset id as the adapter knows it
//   id = "bank-a:102:bond"
//   resource_id = "bank-a:102:bond"          # the FinP2P resource id (default: id)
//   network = "eip155:1"                     # CAIP-19 network, token id, standard
//   token_id = "0x…"
//   standard = "ERC20"
// An asset not listed is sent as itself: resource_id = token_id = our id, network
// "finp2p-exec", standard "finp2p-exec".

#include <map>
#include <string>

#include "adapter_api.hpp"
#include "finp2p/ledger/types.hpp"
#include "http_client.hpp"

namespace finp2p::adapter_bridge {

struct BridgeConfig {
  HttpSettings http;
  std::string statePath;
  int64_t pollIntervalMillis = 200;
  bool approvePlans = true;
  std::map<std::string, adapter_api::AssetRef> assets;  // by our asset id

  adapter_api::AssetRef assetFor(const std::string& id) const;
};

// Throws std::invalid_argument naming the key (the SDK turns it into the load's error).
BridgeConfig readBridgeConfig(const ledger::Config& config);

}  // namespace finp2p::adapter_bridge
