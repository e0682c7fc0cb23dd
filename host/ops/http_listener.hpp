#pragma once
// The router's HTTP surface (`metrics_listen`): a route table of GET handlers served by
// Boost.Beast on one thread of its own. /metrics is the first route; a status page can add its
// own routes to the same table. Handlers run on the listener's thread, one request at a time,
// so they must be quick (a scrape is a few hundred microseconds).

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace finp2p::ops {

struct HttpResponse {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers = {};  // beyond Content-Type
};

// The request's target (path and query) in, the response out.
using HttpHandler = std::function<HttpResponse(const std::string& target)>;
// Exact paths ("/metrics"); the query string is not part of the match.
using HttpRoutes = std::map<std::string, HttpHandler>;

// host:port names a loopback address (127.0.0.0/8, ::1, localhost).
bool isLoopbackAddress(const std::string& address);

class HttpListener {
 public:
  // Binds host:port (port 0: any free port) and starts serving.
  static Result<std::unique_ptr<HttpListener>> start(const std::string& address, HttpRoutes routes);
  // Stops accepting, closes open connections and joins the thread.
  ~HttpListener();
  int port() const;
  // Bound to a loopback address. Then a request must also name a loopback host (Host:
  // 127.0.0.1, [::1] or localhost), so that a web page whose DNS name a hostile site rebinds to
  // 127.0.0.1 cannot read what the listener serves through the operator's browser.
  bool loopback() const;

  struct State;

 private:
  explicit HttpListener(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace finp2p::ops
