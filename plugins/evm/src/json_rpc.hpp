#pragma once
// Ethereum JSON-RPC over HTTP (libcurl, keep-alive, TCP_NODELAY). Thread-safe: each call
// borrows one of a small pool of connections. Errors are values: a transport failure (the node
// is unreachable or timed out) is told apart from a JSON-RPC error the node answered with.

#include <curl/curl.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace finp2p::evm {

using Json = nlohmann::json;

struct RpcError {
  bool transport = false;  // no answer from the node: the request may or may not have acted
  int64_t code = 0;
  std::string message;
  std::string data;  // revert data ("0x..."), when the node sent some

  std::string describe() const;
};

struct RpcReply {
  Json result;
  std::optional<RpcError> error;
  bool ok() const { return !error; }
};

class JsonRpcClient {
 public:
  JsonRpcClient(std::string url, long timeoutMs);
  ~JsonRpcClient();
  JsonRpcClient(const JsonRpcClient&) = delete;
  JsonRpcClient& operator=(const JsonRpcClient&) = delete;

  RpcReply call(const std::string& method, Json params);
  const std::string& url() const { return url_; }

 private:
  CURL* borrow();
  void giveBack(CURL* handle);

  std::string url_;
  long timeoutMs_;
  std::mutex mutex_;
  std::vector<CURL*> idle_;
  uint64_t nextId_ = 1;
};

}  // namespace finp2p::evm
