#pragma once
// The router's web status page (docs/operations.md, "Status page"): read-only HTML, CSS and
// JavaScript embedded in the binary, and the JSON it polls, on the metrics listener. Every fact
// comes from where `finp2p-execctl` gets it (RouterNode, the journal, the ledger registry, the
// outbox and peer service, converted by rpc/admin_views), so the page and the CLI cannot
// disagree.
//
// Served on a loopback listener only: the listener has no TLS or authentication, and plans are
// confidential, so a non-loopback metrics_listen gets /metrics and /healthz without the page.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ops/http_listener.hpp"

namespace finp2p::journal {
class Journal;
}
namespace finp2p::ledgers {
class LedgerRegistry;
}
namespace finp2p::node {
class RouterNode;
}
namespace finp2p::rpc {
class Outbox;
class PeerService;
}  // namespace finp2p::rpc

namespace finp2p::ops {

struct StatusSources {
  std::string organization;
  node::RouterNode& node;
  const journal::Journal& journal;
  const ledgers::LedgerRegistry& ledgers;
  const rpc::Outbox& outbox;
  const rpc::PeerService& peers;
};

class StatusPage {
 public:
  explicit StatusPage(StatusSources sources) : sources_(std::move(sources)) {}
  // "/", "/status.js", "/status.css", "/api/plans", "/api/plan", "/api/ledgers", "/api/peers".
  // The page outlives the listener.
  void addRoutes(HttpRoutes& routes);

  HttpResponse plans(const std::string& target);
  HttpResponse plan(const std::string& target);
  HttpResponse ledgers();
  HttpResponse peers();

 private:
  // A plan's participants never change once it is proposed, so they are remembered (the list
  // shows them and filters by them without rebuilding each plan from the journal every poll).
  std::vector<std::string> participantsOf(const std::string& planId);

  StatusSources sources_;
  std::mutex cacheMutex_;
  std::map<std::string, std::vector<std::string>> participants_;
};

// The embedded files (status_assets.cpp, generated from host/ops/status_page/ at build time).
struct StatusAsset {
  const char* path;
  const char* contentType;
  const unsigned char* data;
  std::size_t size;
};
extern const StatusAsset kStatusAssets[];
extern const std::size_t kStatusAssetCount;

}  // namespace finp2p::ops
