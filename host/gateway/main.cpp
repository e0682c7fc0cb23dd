// finp2p-adapter-gateway: serves the FinP2P ledger adapter API for the [[ledger]] plugins of its
// TOML, so a plugin written against our SDK is also a FinP2P ledger adapter.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>

#include "gateway/gateway_config.hpp"
#include "gateway/gateway_service.hpp"
#include "ledgers/ledger_registry.hpp"
#include "ops/http_listener.hpp"

int main(int argc, char** argv) {
  CLI::App app{"finp2p-adapter-gateway: the FinP2P ledger adapter API for ledger plugins"};
  std::string configPath;
  bool checkOnly = false;
  app.add_option("--config", configPath, "Gateway TOML file")->required();
  app.add_flag("--check-config", checkOnly,
               "Validate the configuration and plugin files, then exit");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  auto config = finp2p::gateway::loadGatewayConfig(configPath);
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().message.c_str());
    return 1;
  }
  if (auto s = finp2p::ledgers::checkLedgerFiles(config->ledgers); !s) {
    std::fprintf(stderr, "%s\n", s.error().message.c_str());
    return 1;
  }
  if (checkOnly) {
    std::printf("%s: ok\n", configPath.c_str());
    return 0;
  }

  // Signals are handled by sigwait here; every thread started later inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto store = finp2p::gateway::GatewayStore::open(config->databasePath);
  if (!store) {
    spdlog::error("{}", store.error().message);
    return 3;
  }
  finp2p::ledgers::LedgerRegistry registry(configPath, config->databasePath + ".ledgers");
  if (auto s = registry.loadAll(config->ledgers); !s) {
    spdlog::error("{}", s.error().message);
    return 1;
  }
  finp2p::gateway::GatewayService service(*config, registry, **store);
  auto listener = finp2p::ops::HttpListener::start(
      config->listenAddress,
      [&service](const finp2p::ops::HttpRequest& request) { return service.handle(request); },
      config->threads, "finp2p-adapter-gateway");
  if (!listener) {
    spdlog::error("{}", listener.error().message);
    return 3;
  }
  service.resumePending();
  spdlog::info("serving the adapter API on port {} for {} ledger(s)", (*listener)->port(),
               config->ledgers.size());
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("signal {}: stopping", received);
  listener->reset();
  return 0;
}
