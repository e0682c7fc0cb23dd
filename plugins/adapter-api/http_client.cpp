#include "http_client.hpp"

namespace finp2p::adapter_bridge {
namespace {

size_t appendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

HttpClient::HttpClient(HttpSettings settings) : settings_(std::move(settings)) {
  static CurlGlobal global;
}

HttpClient::~HttpClient() {
  for (CURL* h : idle_) curl_easy_cleanup(h);
}

CURL* HttpClient::borrow() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      CURL* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void HttpClient::giveBack(CURL* handle) {
  std::lock_guard lock(mutex_);
  idle_.push_back(handle);
}

HttpReply HttpClient::post(const std::string& path, const std::string& body,
                           const std::string& idempotencyKey) {
  return send(path, &body, idempotencyKey);
}

HttpReply HttpClient::get(const std::string& path) {
  return send(path, nullptr, "");
}

HttpReply HttpClient::send(const std::string& path, const std::string* body,
                           const std::string& idempotencyKey) {
  HttpReply reply;
  CURL* h = borrow();
  if (!h) {
    reply.error = "cannot create an HTTP handle";
    return reply;
  }
  curl_easy_reset(h);
  std::string url = settings_.baseUrl + path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, settings_.timeoutMillis);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, settings_.timeoutMillis);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
  if (!settings_.caFile.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, settings_.caFile.c_str());
  if (!settings_.certificateFile.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLCERT, settings_.certificateFile.c_str());
  }
  if (!settings_.privateKeyFile.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLKEY, settings_.privateKeyFile.c_str());
  }
  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
  for (const auto& [name, value] : settings_.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  if (body) {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    if (!idempotencyKey.empty()) {
      headers = curl_slist_append(headers, ("Idempotency-Key: " + idempotencyKey).c_str());
    }
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    reply.error = url + ": " + curl_easy_strerror(rc);
    reply.body.clear();
    curl_easy_cleanup(h);  // a broken connection is not reused
    return reply;
  }
  reply.reached = true;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  giveBack(h);
  return reply;
}

}  // namespace finp2p::adapter_bridge
