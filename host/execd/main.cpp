// finp2p-execd: one organization's FinP2P execution service.
//   finp2p-execd --config router.toml [--check-config] [--restored-journal]

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <thread>

#include "common/files.hpp"
#include "config/router_config.hpp"
#include "engine/crypto_port.hpp"
#include "journal/journal.hpp"
#include "ledgers/ledger_registry.hpp"
#include "node/router_node.hpp"
#include "ops/http_listener.hpp"
#include "ops/json_log.hpp"
#include "ops/metered_ledgers.hpp"
#include "ops/router_metrics.hpp"
#include "ops/status_page.hpp"
#include "ops/systemd_notify.hpp"
#include "rpc/admin_service.hpp"
#include "rpc/outbox.hpp"
#include "rpc/peer_service.hpp"

namespace {

int fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "finp2p-execd: %s\n", message.c_str());
  return code;
}

// Server reflection on one server and not another. Linking grpc++_reflection registers its
// plugin for every ServerBuilder (a static initializer), so this option adds it where wanted and
// removes it elsewhere (the peer port, unless peer_reflection = true).
class Reflection final : public grpc::ServerBuilderOption {
 public:
  explicit Reflection(bool enabled) : enabled_(enabled) {}
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    std::erase_if(*plugins, [](const auto& p) { return p->name() == "proto_server_reflection"; });
    if (enabled_)
      plugins->push_back(std::make_unique<grpc::reflection::ProtoServerReflectionPlugin>());
  }

 private:
  bool enabled_;
};

// The standard grpc.health.v1.Health status, overall ("") and per service.
void setServing(grpc::Server& server, const std::string& service, bool serving) {
  auto* health = server.GetHealthCheckService();
  if (!health) return;
  health->SetServingStatus(service, serving);
  health->SetServingStatus(serving);
}

}  // namespace

int main(int argc, char** argv) {
  // glibc raises its mmap threshold to the size of every large block freed, so after one
  // hostile 1 MB message (a million roles parse into a 4 MB array grown by doubling) such blocks
  // come from the gRPC threads' arenas and stay resident once freed: 23 -> 42 MB after forty
  // refused messages. A fixed threshold (which also turns the dynamic one off) maps every block
  // of 256 KiB or more on its own and gives it back when freed: 23 -> 26 MB
  // (docs/reliability.md, "Limits"). Only large messages and plans pay the mmap.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  CLI::App app{"finp2p-execd: the FinP2P execution service of one organization"};
  std::string configPath;
  bool checkOnly = false;
  app.add_option("--config", configPath, "Router TOML file")->required();
  app.add_flag("--check-config", checkOnly, "Validate the configuration and keys, then exit");
  bool restoredJournal = false;
  app.add_flag("--restored-journal", restoredJournal,
               "The journal was restored from an older copy (a backup): give it once, on the "
               "first start after the restore (see docs/architecture.md)");
  CLI11_PARSE(app, argc, argv);

  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  if (const char* level = std::getenv("FINP2P_LOG_LEVEL")) {
    spdlog::set_level(spdlog::level::from_str(level));
  }

  auto config = finp2p::config::loadRouterConfig(configPath);
  if (!config) return fail(config.error().message, 2);
  if (config->logFormat == "json" && !checkOnly) finp2p::ops::useJsonLogs(config->organization);
  auto key = finp2p::crypto::SigningKey::fromPemFile(config->keyPath);
  if (!key) return fail("key: " + key.error().message, 2);
  std::map<std::string, finp2p::crypto::VerifyingKey> peerKeys;
  std::map<std::string, finp2p::rpc::PeerEndpoint> endpoints;
  for (const auto& p : config->peers) {
    auto pk = finp2p::crypto::VerifyingKey::fromPemFile(p.publicKeyPath);
    if (!pk) return fail("peer " + p.organization + ": " + pk.error().message, 2);
    peerKeys.emplace(p.organization, *pk);
    endpoints.emplace(p.organization, finp2p::rpc::PeerEndpoint{p.address, *pk});
  }
  finp2p::rpc::TlsMaterial tls;
  if (config->tls) {
    for (auto [path, out] : {std::pair{&config->tls->certificatePath, &tls.certificate},
                             std::pair{&config->tls->privateKeyPath, &tls.privateKey},
                             std::pair{&config->tls->caPath, &tls.ca}}) {
      auto pem = finp2p::readFile(*path);
      if (!pem || pem->empty()) return fail("[tls]: cannot read " + *path, 2);
      *out = std::move(*pem);
    }
  }
  if (checkOnly) {
    // The plugins' files, pins and ABI, without running their init (no ledger file is created).
    if (auto s = finp2p::ledgers::checkLedgerFiles(config->ledgers); !s) {
      return fail(s.error().message, 2);
    }
    std::printf("%s: configuration of %s is valid (%zu peers, %zu ledgers)\n", configPath.c_str(),
                config->organization.c_str(), config->peers.size(), config->ledgers.size());
    return 0;
  }

  // Signals are handled by sigwait in this thread; every thread started later inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Metrics are observed at the edges: the journal's commits, the outbox, the peer service, the
  // ledger calls and reloads (ops/router_metrics.hpp).
  std::vector<std::string> peerNames, ledgerNames;
  for (const auto& p : config->peers) peerNames.push_back(p.organization);
  for (const auto& l : config->ledgers) ledgerNames.push_back(l.name);
  finp2p::ops::RouterMetrics metrics(config->organization, peerNames, ledgerNames);
  finp2p::journal::JournalOptions journalOptions;
  journalOptions.observer = &metrics;
  auto journal = finp2p::journal::Journal::open(config->journalPath, journalOptions);
  if (!journal) return fail(journal.error().message);
  // Reloads re-read the [[ledger]] entries of this file; generations persist beside the journal.
  finp2p::ledgers::LedgerRegistry ledgers(configPath, config->journalPath + ".ledgers");
  if (auto s = ledgers.loadAll(config->ledgers); !s) return fail(s.error().message);

  finp2p::engine::RouterCrypto crypto(config->organization, *key, peerKeys);
  finp2p::rpc::Outbox outbox(config->organization, *key, endpoints, tls);
  outbox.setObserver(&metrics);
  finp2p::node::NodeConfig nodeConfig;
  nodeConfig.engine.self = config->organization;
  nodeConfig.engine.crypto = &crypto;
  nodeConfig.restoredJournal = restoredJournal;
  for (const auto& p : config->peers) nodeConfig.peers.push_back(p.organization);
  nodeConfig.engine.agreementTimeoutMillis = config->agreementTimeoutSeconds * 1000;
  nodeConfig.engine.hashLockMarginSeconds = config->hashLockMarginSeconds;
  nodeConfig.engine.refundDelayMillis = config->hashLockRefundDelaySeconds * 1000;
  nodeConfig.engine.requireInvestorSignatures = config->requireInvestorSignatures;
  nodeConfig.maxPlansInFlight = static_cast<std::size_t>(config->maxPlansInFlight);
  nodeConfig.maxPlansInFlightPerPeer = static_cast<std::size_t>(config->maxPlansInFlightPerPeer);
  nodeConfig.engine.defaultInstructionTimeoutMillis =
      config->defaultInstructionTimeoutSeconds * 1000;
  // The daemon's runtime and RegistryLedgers as RouterNode would make them, with the ledger
  // calls metered in between.
  auto runtime = finp2p::node::makeThreadRuntime(nodeConfig.strands, nodeConfig.ledgerThreads);
  finp2p::node::RegistryLedgers registryLedgers(ledgers, *runtime);
  finp2p::ops::MeteredLedgers meteredLedgers(registryLedgers, metrics);
  finp2p::node::RouterNode node(nodeConfig, std::move(runtime), **journal, meteredLedgers, outbox);
  metrics.watchPlansInFlight([&node] { return node.plansInMemory(); });
  metrics.watchOutbox(outbox);
  metrics.watchLedgers(ledgers);

  finp2p::rpc::PeerLimits peerLimits;
  peerLimits.maxPlanBytes = static_cast<std::size_t>(config->maxPlanBytes);
  peerLimits.maxPlansPerMinute = static_cast<std::size_t>(config->maxPlansPerPeerPerMinute);
  peerLimits.maxBytesPerMinute = static_cast<std::size_t>(config->maxBytesPerPeerPerMinute);
  finp2p::rpc::PeerService peerService(config->organization, *key, peerKeys, node,
                                       config->messageMaxSkewSeconds * 1000, tls.enabled(),
                                       peerLimits);
  peerService.setObserver(&metrics.incoming());
  finp2p::rpc::AdminService adminService(node, ledgers);
  adminService.watchPeers(outbox, peerService);
  adminService.setReloadListener(
      [&metrics](const std::string& ledger, bool ok) { metrics.ledgerReloaded(ledger, ok); });

  // /metrics, /healthz for probes that speak HTTP only, and on loopback the status page.
  std::atomic<bool> serving{false};  // what /healthz says, as the gRPC health service does
  finp2p::ops::StatusPage statusPage({config->organization, node, **journal, ledgers, outbox,
                                      peerService});  // outlives the listener that calls it
  std::unique_ptr<finp2p::ops::HttpListener> http;
  bool statusPageServed = false;
  if (!config->metricsAddress.empty()) {
    finp2p::ops::HttpRoutes routes;
    routes["/metrics"] = [&metrics](const std::string&) {
      return finp2p::ops::HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                                       metrics.registry().expose()};
    };
    routes["/healthz"] = [&serving](const std::string&) {
      return serving ? finp2p::ops::HttpResponse{200, "text/plain; charset=utf-8", "SERVING\n"}
                     : finp2p::ops::HttpResponse{503, "text/plain; charset=utf-8", "NOT_SERVING\n"};
    };
    // The page shows every plan's parties and reasons, and the listener has neither TLS nor
    // authentication: off loopback it is not served (reach it through an SSH tunnel).
    statusPageServed = finp2p::ops::isLoopbackAddress(config->metricsAddress);
    if (statusPageServed) statusPage.addRoutes(routes);
    auto listener = finp2p::ops::HttpListener::start(config->metricsAddress, std::move(routes));
    if (!listener) return fail(listener.error().message);
    http = std::move(*listener);
    if (!statusPageServed) {
      spdlog::warn(
          "metrics_listen {} is not a loopback address: the status page is not served "
          "there (it has no TLS or authentication; docs/operations.md)",
          config->metricsAddress);
    }
  }
  grpc::EnableDefaultHealthCheckService(true);

  grpc::ServerBuilder peerBuilder;
  int peerPort = 0;
  std::shared_ptr<grpc::ServerCredentials> peerCredentials = grpc::InsecureServerCredentials();
  if (tls.enabled()) {
    grpc::SslServerCredentialsOptions options(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    options.pem_root_certs = tls.ca;
    options.pem_key_cert_pairs.push_back({tls.privateKey, tls.certificate});
    peerCredentials = grpc::SslServerCredentials(options);
  }
  // No SO_REUSEPORT: a second router on the same port must fail to start, not share it.
  peerBuilder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  peerBuilder.AddListeningPort(config->listenAddress, peerCredentials, &peerPort);
  peerBuilder.RegisterService(&peerService);
  peerBuilder.SetOption(std::make_unique<Reflection>(config->peerReflection));
  // Far above any valid message (a 256-instruction plan is ~100 KB); larger ones are refused
  // by gRPC before they are parsed.
  peerBuilder.SetMaxReceiveMessageSize(4 * 1024 * 1024);
  // Recovery first: a peer's message must never reach a plan before its journal is replayed.
  if (auto s = node.recover(); !s) return fail("recovery: " + s.error().message);
  auto peerServer = peerBuilder.BuildAndStart();
  if (!peerServer || peerPort == 0) return fail("cannot listen on " + config->listenAddress);

  grpc::ServerBuilder adminBuilder;
  int adminPort = 0;
  adminBuilder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  adminBuilder.AddListeningPort(config->adminAddress, grpc::InsecureServerCredentials(),
                                &adminPort);
  adminBuilder.RegisterService(&adminService);
  adminBuilder.SetOption(std::make_unique<Reflection>(true));
  auto adminServer = adminBuilder.BuildAndStart();
  if (!adminServer) return fail("cannot listen on " + config->adminAddress);

  // Recovery has finished and the ledgers are loaded: serving from here on.
  const std::string peerServiceName = finp2p::execution::ExecutionService::service_full_name();
  const std::string adminServiceName = finp2p::admin::AdminService::service_full_name();
  setServing(*peerServer, peerServiceName, true);
  setServing(*adminServer, adminServiceName, true);
  metrics.setReady(true);
  serving = true;
  spdlog::info("router {} serving peers on {} and operators on {}{}{}", config->organization,
               config->listenAddress, config->adminAddress,
               http ? ", metrics on http://" + config->metricsAddress + "/metrics" : "",
               statusPageServed ? ", status page on http://" + config->metricsAddress + "/" : "");
  finp2p::ops::systemdNotify("READY=1\nSTATUS=serving peers on " + config->listenAddress);
  // The watchdog is pinged while the journal answers a read (it shares the writer's
  // connection): a router whose journal or disk hangs stops pinging and systemd restarts it.
  finp2p::ops::Watchdog watchdog(finp2p::ops::systemdWatchdogMicros(),
                                 [&node] { return node.list("", 1).ok(); });

  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("router {} stopping (signal {})", config->organization, received);
  finp2p::ops::systemdNotify("STOPPING=1");
  setServing(*peerServer, peerServiceName, false);
  setServing(*adminServer, adminServiceName, false);
  metrics.setReady(false);
  serving = false;
  if (config->shutdownDrainSeconds > 0) {
    // Health says NOT_SERVING while the servers still take calls, so that probes and load
    // balancers see the drain before connections are refused.
    std::this_thread::sleep_for(std::chrono::seconds(config->shutdownDrainSeconds));
  }
  peerServer->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  adminServer->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
