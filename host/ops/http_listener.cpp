// Boost.Beast over Asio, asynchronous on one thread: a scrape every few seconds needs no more,
// and a slow or idle client cannot hold the thread (each connection has a deadline).
#include "ops/http_listener.hpp"

#include <pthread.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <cctype>
#include <thread>
#include <vector>

namespace finp2p::ops {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpListener::State {
  explicit State(int threads) : io(threads) {}
  asio::io_context io;
  tcp::acceptor acceptor{io};
  HttpRequestHandler handler;
  std::string serverName = "finp2p-execd";
  std::vector<std::thread> threads;
  bool loopback = false;
};

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(30);

// The Host header without its port names a loopback host.
bool loopbackHost(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    auto end = host.find(']');
    return end != std::string_view::npos && host.substr(1, end - 1) == "::1";
  }
  host = host.substr(0, host.find(':'));
  if (host == "localhost") return true;
  beast::error_code ec;
  auto ip = asio::ip::make_address(std::string(host), ec);
  return !ec && ip.is_loopback();
}

HttpResponse routed(const HttpRoutes& routes, const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    return {405, "text/plain; charset=utf-8", "only GET\n"};
  }
  auto it = routes.find(request.path);
  if (it == routes.end())
    return {404, "text/plain; charset=utf-8", "not found: " + request.path + "\n"};
  return it->second(request.target);
}

http::response<http::string_body> respond(const HttpListener::State& state,
                                          const http::request<http::string_body>& request) {
  HttpRequest in;
  in.method = std::string(request.method_string());
  in.target = std::string(request.target());
  in.path = in.target.substr(0, in.target.find('?'));
  for (const auto& field : request) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    in.headers[name] = std::string(field.value());
  }
  in.body = request.body();
  HttpResponse r = state.handler(in);
  http::response<http::string_body> response{static_cast<http::status>(r.status),
                                             request.version()};
  response.set(http::field::server, state.serverName);
  response.set(http::field::content_type, r.contentType);
  for (const auto& [name, value] : r.headers) response.set(name, value);
  if (request.method() != http::verb::head) response.body() = std::move(r.body);
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

// One connection: read a request, answer it, again while the client keeps it alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpListener::State& state)
      : stream_(std::move(socket)), state_(state) {}
  void read() {
    request_ = {};
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->answer();
                     });
  }

 private:
  void answer() {
    auto response = std::make_shared<http::response<http::string_body>>(respond(state_, request_));
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
                        if (ec || !response->keep_alive()) return self->close();
                        self->read();
                      });
  }
  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  const HttpListener::State& state_;
};

void acceptNext(HttpListener::State& state) {
  state.acceptor.async_accept(asio::make_strand(state.io),
                              [&state](beast::error_code ec, tcp::socket socket) {
                                if (ec == asio::error::operation_aborted) return;
                                if (!ec) {
                                  std::make_shared<Session>(std::move(socket), state)->read();
                                }
                                acceptNext(state);
                              });
}

// The host of host:port, as make_address takes it.
std::string listenHost(const std::string& address) {
  std::string host = address.substr(0, address.rfind(':'));
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  return host;
}

}  // namespace

bool isLoopbackAddress(const std::string& address) {
  beast::error_code ec;
  auto ip = asio::ip::make_address(listenHost(address), ec);
  return !ec && ip.is_loopback();
}

Result<std::unique_ptr<HttpListener>> HttpListener::start(const std::string& address,
                                                          HttpRoutes routes) {
  // The operator's pages and metrics, read by browsers: on loopback, a request must name a
  // loopback host (DNS rebinding). An API served with a handler (the adapter gateway, behind a
  // proxy that may name any host) does its own checks.
  bool loopbackOnly = isLoopbackAddress(address);
  return start(
      address,
      [routes = std::move(routes), loopbackOnly](const HttpRequest& request) -> HttpResponse {
        if (loopbackOnly && !loopbackHost(request.header("host"))) {
          return {403, "text/plain; charset=utf-8",
                  "this listener answers requests for loopback hosts only\n"};
        }
        return routed(routes, request);
      },
      1, "finp2p-execd");
}

Result<std::unique_ptr<HttpListener>> HttpListener::start(const std::string& address,
                                                          HttpRequestHandler handler, int threads,
                                                          std::string serverName) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return makeError(ErrorCode::kInvalidArgument, "\"" + address + "\" is not host:port");
  }
  std::string host = listenHost(address);
  if (threads < 1) threads = 1;
  auto state = std::make_unique<State>(threads);
  state->handler = std::move(handler);
  state->serverName = std::move(serverName);
  beast::error_code ec;
  auto ip = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) return makeError(ErrorCode::kInvalidArgument, address + ": " + ec.message());
  tcp::endpoint endpoint{ip, static_cast<unsigned short>(std::stoi(address.substr(colon + 1)))};
  state->acceptor.open(endpoint.protocol(), ec);
  if (!ec) state->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(endpoint, ec);
  if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return makeError(ErrorCode::kUnavailable, "cannot listen on " + address + ": " + ec.message());
  state->loopback = ip.is_loopback();
  acceptNext(*state);
  State* raw = state.get();
  for (int i = 0; i < threads; ++i) {
    state->threads.emplace_back([raw] {
      pthread_setname_np(pthread_self(), "http-listener");
      raw->io.run();
    });
  }
  return std::unique_ptr<HttpListener>(new HttpListener(std::move(state)));
}

HttpListener::HttpListener(std::unique_ptr<State> state) : state_(std::move(state)) {}

HttpListener::~HttpListener() {
  // Stopping the io_context drops every pending operation; the sessions they held go with it.
  state_->io.stop();
  for (auto& t : state_->threads) t.join();
}

int HttpListener::port() const {
  beast::error_code ec;
  auto endpoint = state_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

}  // namespace finp2p::ops

namespace finp2p::ops {

bool HttpListener::loopback() const {
  return state_->loopback;
}

}  // namespace finp2p::ops
