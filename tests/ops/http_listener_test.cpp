// The listener over a real socket: routes, 404, 405, keep-alive (Prometheus reuses its
// connection), and a clean stop.
#include "ops/http_listener.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace finp2p::ops {
namespace {

// Sends `request` on a new or given connection and reads until `want` responses ended.
std::string exchange(int fd, const std::string& request) {
  EXPECT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string out;
  char buffer[4096];
  timeval timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  for (;;) {
    auto n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
    auto headerEnd = out.find("\r\n\r\n");
    if (headerEnd == std::string::npos) continue;
    auto cl = out.find("Content-Length: ");
    if (cl == std::string::npos) continue;
    auto length = std::stoul(out.substr(cl + 16));
    if (out.size() >= headerEnd + 4 + length) break;
  }
  return out;
}

int connectTo(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

TEST(HttpListenerTest, ServesRoutesOverOneConnection) {
  HttpRoutes routes;
  int calls = 0;
  routes["/metrics"] = [&](const std::string& target) {
    ++calls;
    return HttpResponse{200, "text/plain; version=0.0.4", "up 1\n# target " + target + "\n"};
  };
  auto listener = HttpListener::start("127.0.0.1:0", std::move(routes));
  ASSERT_TRUE(listener.ok()) << listener.error().message;
  int port = (*listener)->port();
  ASSERT_GT(port, 0);
  int fd = connectTo(port);
  auto first = exchange(fd, "GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9464\r\n\r\n");
  EXPECT_NE(first.find("HTTP/1.1 200 OK"), std::string::npos) << first;
  EXPECT_NE(first.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(first.find("up 1\n# target /metrics?x=1\n"), std::string::npos);
  auto second =
      exchange(fd, "GET /nothing HTTP/1.1\r\nHost: 127.0.0.1:9464\r\n\r\n");  // same connection
  EXPECT_NE(second.find("HTTP/1.1 404 Not Found"), std::string::npos) << second;
  auto third =
      exchange(fd, "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1:9464\r\nContent-Length: 0\r\n\r\n");
  EXPECT_NE(third.find("HTTP/1.1 405"), std::string::npos) << third;
  close(fd);
  EXPECT_EQ(calls, 1);
  listener->reset();  // stops with no connection open
}

// DNS rebinding: a hostile page whose name resolves to 127.0.0.1 sends its own name as Host.
TEST(HttpListenerTest, OnLoopbackAnswersLoopbackHostsOnly) {
  HttpRoutes routes;
  routes["/x"] = [](const std::string&) {
    return HttpResponse{200, "text/plain", "secret\n", {{"X-Frame-Options", "DENY"}}};
  };
  auto listener = HttpListener::start("127.0.0.1:0", std::move(routes));
  ASSERT_TRUE(listener.ok());
  EXPECT_TRUE((*listener)->loopback());
  int fd = connectTo((*listener)->port());
  for (const char* host : {"localhost:1", "[::1]:1", "127.0.0.1", "127.1.2.3:80"}) {
    auto request = std::string("GET /x HTTP/1.1\r\nHost: ") + host + "\r\n\r\n";
    auto ok = exchange(fd, request.c_str());  // not a std::string: std::exchange is no candidate
    EXPECT_NE(ok.find("HTTP/1.1 200 OK"), std::string::npos) << host << ": " << ok;
    EXPECT_NE(ok.find("X-Frame-Options: DENY"), std::string::npos) << ok;
  }
  for (const char* host : {"evil.example:9464", "127.0.0.1.evil.example", "[::2]", ""}) {
    auto request = std::string("GET /x HTTP/1.1\r\nHost: ") + host + "\r\n\r\n";
    auto refused = exchange(fd, request.c_str());
    EXPECT_NE(refused.find("HTTP/1.1 403"), std::string::npos) << host << ": " << refused;
    EXPECT_EQ(refused.find("secret"), std::string::npos) << refused;
  }
  close(fd);
}

TEST(HttpListenerTest, StopsWithAnIdleConnectionOpen) {
  auto listener = HttpListener::start("127.0.0.1:0", {});
  ASSERT_TRUE(listener.ok());
  int fd = connectTo((*listener)->port());
  listener->reset();  // must not wait for the idle client's deadline
  close(fd);
}

// The form finp2p-adapter-gateway serves with: any method, headers (names lowercased) and body
// to one handler, on several threads, so a handler that waits does not hold up another client.
TEST(HttpListenerTest, HandsMethodHeadersAndBodyToOneHandlerOnSeveralThreads) {
  std::atomic<int> waiting{0};
  auto listener = HttpListener::start(
      "127.0.0.1:0",
      [&](const HttpRequest& r) {
        if (r.path == "/slow") {
          ++waiting;
          std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        }
        return HttpResponse{
            201, "application/json",
            r.method + " " + r.path + " " + r.header("idempotency-key") + " " + r.body};
      },
      2, "test-server");
  ASSERT_TRUE(listener.ok()) << listener.error().message;
  int port = (*listener)->port();
  std::thread slow([&] {
    int fd = connectTo(port);
    exchange(fd, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
    close(fd);
  });
  while (waiting == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto started = std::chrono::steady_clock::now();
  int fd = connectTo(port);
  auto reply = exchange(fd,
                        "POST /assets/hold?q=1 HTTP/1.1\r\nHost: a\r\nIdempotency-Key: K1\r\n"
                        "Content-Length: 7\r\n\r\n{\"a\":1}");
  auto took = std::chrono::steady_clock::now() - started;
  close(fd);
  slow.join();
  EXPECT_NE(reply.find("HTTP/1.1 201"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Server: test-server"), std::string::npos) << reply;
  EXPECT_NE(reply.find("POST /assets/hold K1 {\"a\":1}"), std::string::npos) << reply;
  EXPECT_LT(took, std::chrono::milliseconds(1000)) << "the second client waited for the first";
}

TEST(HttpListenerTest, RefusesABadAddress) {
  EXPECT_FALSE(HttpListener::start("not-an-ip:80", {}).ok());
  EXPECT_FALSE(HttpListener::start("noport", {}).ok());
}

}  // namespace
}  // namespace finp2p::ops
