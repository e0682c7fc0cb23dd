#pragma once
// The router's TOML configuration, as typed structs. Every error names the file, the line and
// the key, and what is wrong with it. Relative paths are resolved against the file's folder.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace finp2p::config {

struct PeerConfig {
  std::string organization;
  std::string address;        // host:port
  std::string publicKeyPath;  // Ed25519 public key, PEM
};

// Where a ledger's plugin runs: inside the router (the default), or in a child process
// (finp2p-ledger-host) that the router restarts when it crashes or hangs.
enum class Isolation { kInProcess, kProcess };
const char* isolationName(Isolation isolation);  // "in-process" | "process"

struct LedgerConfig {
  std::string name;
  std::string pluginPath;
  std::string sha256;  // optional pin, lowercase hex
  std::vector<std::string> assets;
  std::vector<std::pair<std::string, std::string>> pluginConfig;  // [ledger.config], flattened
  int threads = 4;                              // `threads`: this ledger's own plugin-call threads
  int64_t callTimeoutMillis = 30'000;           // `call_timeout_secs`: lookup, verify, balance
  int64_t reloadDrainTimeoutMillis = 60'000;    // `reload_drain_timeout_secs`
  Isolation isolation = Isolation::kInProcess;  // `isolation`
  // `max_crashes_per_operation` (process isolation): crashes or hang kills of the child while
  // one operation was in it, after which that operation fails instead of being retried.
  int maxCrashesPerOperation = 3;
};

// mTLS between routers: this router's certificate and key, and the CA that signs peers'
// certificates. A peer's certificate must name its organization id (subjectAltName DNS).
struct TlsConfig {
  std::string certificatePath;
  std::string privateKeyPath;
  std::string caPath;
};

struct RouterConfig {
  std::string path;  // the file this came from
  std::string organization;
  std::string listenAddress;  // peers' ExecutionService
  std::string adminAddress;   // loopback host:port or unix:/path
  std::string keyPath;        // this router's Ed25519 private key, PEM
  std::string journalPath;    // SQLite file
  std::vector<PeerConfig> peers;
  std::vector<LedgerConfig> ledgers;
  std::optional<TlsConfig> tls;  // unset: plaintext gRPC, messages still sealed
  // Messages older or further in the future than this are refused as stale.
  int64_t messageMaxSkewSeconds = 300;
  // How long contributors have to approve a plan before it is rejected.
  int64_t agreementTimeoutSeconds = 60;
  // Refuse (as issuer) and reject (as contributor) a plan that moves an investor's holdings
  // without that investor's signature. Signatures a plan carries are verified either way.
  bool requireInvestorSignatures = true;
  // Instructions without their own timeout get this deadline for a ledger call.
  int64_t defaultInstructionTimeoutSeconds = 300;
  // Hash time-locked legs: the least time between the expiry of the lock claimed first and the
  // others' (a plan with less is rejected), and how long after a lock's expiry its refund runs.
  int64_t hashLockMarginSeconds = 3600;
  int64_t hashLockRefundDelaySeconds = 5;
  // Plans held in memory at once; beyond it new plans are refused until some finish.
  int64_t maxPlansInFlight = 100'000;
  int64_t maxPlansInFlightPerPeer = 10'000;
  // What one peer can make this router store: a proposal's plan of at most this many bytes
  // (refused with 1 beyond), and per peer per minute at most this many new plans and this many
  // bytes of accepted messages (refused with 10, "over a limit", beyond).
  int64_t maxPlanBytes = 1 << 20;
  int64_t maxPlansPerPeerPerMinute = 60'000;
  int64_t maxBytesPerPeerPerMinute = int64_t{1} << 30;
  // Operations (docs/operations.md). `metrics_listen`: the HTTP listener serving /metrics;
  // empty: none. A bare ":PORT" binds loopback.
  std::string metricsAddress;
  // Server reflection on the peer port too (it is always on the admin port).
  bool peerReflection = false;
  // "text" (the default) or "json": one JSON object per line, for log shippers.
  std::string logFormat = "text";
  // At shutdown, how long health reports NOT_SERVING before the servers stop, so a load
  // balancer or a probe sees the drain before connections are refused.
  int64_t shutdownDrainSeconds = 0;
};

Result<RouterConfig> loadRouterConfig(const std::string& path);
// The same from text already in memory; `name` stands for the file in messages and relative
// paths resolve against the current directory.
Result<RouterConfig> parseRouterConfig(const std::string& text, const std::string& name);
// Only the [[ledger]] tables, for tools that load plugins without a whole router.
Result<std::vector<LedgerConfig>> loadLedgerConfigs(const std::string& path);

}  // namespace finp2p::config
