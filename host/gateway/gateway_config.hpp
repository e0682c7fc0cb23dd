#pragma once
// finp2p-adapter-gateway's TOML: where it listens, its own SQLite file, and the [[ledger]]
// tables it serves, read by the router's own loader (config/router_config.hpp), so a ledger
// entry is copied between a router and a gateway unchanged.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "config/router_config.hpp"

namespace finp2p::gateway {

struct GatewayConfig {
  std::string path;
  std::string listenAddress;  // `listen`, host:port
  std::string databasePath;   // `database`: idempotency keys, operations, receipts
  std::string basePath;       // `base_path`: "" (default) or e.g. "/api", as the public skeleton
  int threads = 8;            // `threads`: HTTP threads; a request waiting on a ledger holds one
  // `answer_within_ms`: how long a request waits for its ledger before it answers
  // isCompleted: false (the client then polls /operations/status/{cid}).
  int64_t answerWithinMillis = 2000;
  // `poll_interval_ms`: the interval the gateway asks clients to poll at.
  int64_t pollIntervalMillis = 200;
  // `[decimals]`: an asset's precision as its plugin is told (the API does not carry it);
  // default 18.
  std::map<std::string, uint32_t> decimals;
  // `auth_token_file`: a file holding the bearer token every request must carry
  // (`Authorization: Bearer TOKEN`, at least 32 characters); required to listen off loopback.
  // Whoever reaches the API can move any holdings of the ledgers it serves (F14 of
  // docs/reviews/2026-12-03-newcomer-issues-16-17.md).
  std::string authToken;
  std::vector<config::LedgerConfig> ledgers;
};

Result<GatewayConfig> loadGatewayConfig(const std::string& path);

}  // namespace finp2p::gateway
