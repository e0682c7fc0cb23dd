#include "json_rpc.hpp"

namespace finp2p::evm {
namespace {

size_t appendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

RpcReply transportError(std::string message) {
  RpcError e;
  e.transport = true;
  e.message = std::move(message);
  return {Json(), e};
}

}  // namespace

std::string RpcError::describe() const {
  if (transport) return "node unreachable: " + message;
  return "JSON-RPC error " + std::to_string(code) + ": " + message;
}

JsonRpcClient::JsonRpcClient(std::string url, long timeoutMs)
    : url_(std::move(url)), timeoutMs_(timeoutMs) {
  static CurlGlobal global;
}

JsonRpcClient::~JsonRpcClient() {
  for (CURL* h : idle_) curl_easy_cleanup(h);
}

CURL* JsonRpcClient::borrow() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      CURL* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  CURL* h = curl_easy_init();
  if (!h) return nullptr;
  curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeoutMs_);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeoutMs_);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, appendBody);
  return h;
}

void JsonRpcClient::giveBack(CURL* handle) {
  std::lock_guard lock(mutex_);
  idle_.push_back(handle);
}

RpcReply JsonRpcClient::call(const std::string& method, Json params) {
  uint64_t id;
  {
    std::lock_guard lock(mutex_);
    id = nextId_++;
  }
  Json request = {
      {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
  std::string body = request.dump();
  CURL* h = borrow();
  if (!h) return transportError("cannot create an HTTP handle");
  std::string response;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
  CURLcode rc = curl_easy_perform(h);
  long httpStatus = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &httpStatus);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    curl_easy_cleanup(h);  // a broken connection is not reused
    return transportError(method + " to " + url_ + ": " + curl_easy_strerror(rc));
  }
  giveBack(h);
  Json reply = Json::parse(response, nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) {
    return transportError(method + ": HTTP " + std::to_string(httpStatus) +
                          " with a body that is not a JSON-RPC answer");
  }
  if (reply.contains("error") && !reply["error"].is_null()) {
    const Json& e = reply["error"];
    RpcError error;
    error.code = e.value("code", int64_t{0});
    error.message = e.value("message", std::string("(no message)"));
    if (e.contains("data") && e["data"].is_string()) error.data = e["data"].get<std::string>();
    return {Json(), error};
  }
  if (!reply.contains("result")) return transportError(method + ": answer without a result");
  return {std::move(reply["result"]), std::nullopt};
}

}  // namespace finp2p::evm
