#pragma once
// An HTTP/1.1 server on Boost.Beast with threads of its own. Two ways to serve:
// - a route table of GET handlers (the router's `metrics_listen`: /metrics, /healthz), on one
//   thread, one request at a time, so handlers must be quick (a scrape is a few hundred
//   microseconds);
// - one handler for every request, with method, headers and body (finp2p-adapter-gateway's
//   REST API), on `threads` threads: a handler that waits holds one of them.

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

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // path and query
  std::string path;                            // target without the query
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::string header(const std::string& lowercaseName) const {
    auto it = headers.find(lowercaseName);
    return it == headers.end() ? std::string() : it->second;
  }
};
using HttpRequestHandler = std::function<HttpResponse(const HttpRequest&)>;

// host:port names a loopback address (127.0.0.0/8, ::1, localhost).
bool isLoopbackAddress(const std::string& address);

class HttpListener {
 public:
  // Binds host:port (port 0: any free port) and starts serving.
  static Result<std::unique_ptr<HttpListener>> start(const std::string& address, HttpRoutes routes);
  // Every request, any method, to `handler`, on `threads` threads. `serverName` is the
  // Server header.
  static Result<std::unique_ptr<HttpListener>> start(const std::string& address,
                                                     HttpRequestHandler handler, int threads,
                                                     std::string serverName);
  // Stops accepting, closes open connections and joins the thread.
  ~HttpListener();
  int port() const;
  // Bound to a loopback address. Then a request to the routes must also name a loopback host
  // (Host: 127.0.0.1, [::1] or localhost), so that a web page whose DNS name a hostile site
  // rebinds to 127.0.0.1 cannot read what the listener serves through the operator's browser.
  bool loopback() const;

  struct State;

 private:
  explicit HttpListener(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace finp2p::ops
