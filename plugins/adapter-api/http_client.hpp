#pragma once
// The bridge's HTTP: libcurl easy handles, reused across calls (keep-alive), with the configured
// TLS files and extra headers on every request.

#include <curl/curl.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace finp2p::adapter_bridge {

struct HttpSettings {
  std::string baseUrl;  // "https://adapter.example/api", no trailing slash
  std::vector<std::pair<std::string, std::string>> headers;  // sent on every request
  std::string caFile;           // tls_ca: the CA that signs the adapter's certificate
  std::string certificateFile;  // tls_certificate: client certificate (mTLS)
  std::string privateKeyFile;   // tls_private_key
  long timeoutMillis = 10'000;
};

struct HttpReply {
  bool reached = false;  // false: no HTTP answer (refused, reset, timed out)
  long status = 0;
  std::string body;
  std::string error;  // why, when !reached
};

class HttpClient {
 public:
  explicit HttpClient(HttpSettings settings);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `path` is appended to the base URL. A POST sends `body` as application/json, with the
  // Idempotency-Key header when `idempotencyKey` is not empty.
  HttpReply post(const std::string& path, const std::string& body,
                 const std::string& idempotencyKey);
  HttpReply get(const std::string& path);

 private:
  HttpReply send(const std::string& path, const std::string* body,
                 const std::string& idempotencyKey);
  CURL* borrow();
  void giveBack(CURL* handle);

  const HttpSettings settings_;
  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

}  // namespace finp2p::adapter_bridge
