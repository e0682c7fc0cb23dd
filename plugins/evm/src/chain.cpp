#include "chain.hpp"

namespace finp2p::evm {
namespace {

RpcError malformed(const std::string& what) {
  RpcError e;
  e.transport = true;  // treat as no usable answer: the caller retries or reports UNAVAILABLE
  e.message = "malformed answer: " + what;
  return e;
}

template <class T>
Answer<T> quantity(RpcReply reply, const char* what,
                   std::optional<T> (*convert)(std::string_view)) {
  if (!reply.ok()) return Answer<T>::fail(*reply.error);
  if (!reply.result.is_string()) return Answer<T>::fail(malformed(what));
  auto v = convert(reply.result.get<std::string>());
  if (!v) return Answer<T>::fail(malformed(what));
  return {v, {}};
}

std::optional<LogEntry> parseLog(const Json& j) {
  if (!j.is_object()) return std::nullopt;
  LogEntry log;
  auto address = parseAddress(j.value("address", ""));
  auto data = fromHex(j.value("data", "0x"));
  auto tx = parseHash(j.value("transactionHash", ""));
  auto block = quantityToU64(j.value("blockNumber", ""));
  if (!address || !data || !tx || !block || !j.contains("topics")) return std::nullopt;
  for (const auto& t : j["topics"]) {
    auto topic = t.is_string() ? parseHash(t.get<std::string>()) : std::nullopt;
    if (!topic) return std::nullopt;
    log.topics.push_back(*topic);
  }
  log.address = *address;
  log.data = std::move(*data);
  log.txHash = *tx;
  log.blockNumber = *block;
  return log;
}

Json callObject(const std::optional<Address>& from, const std::optional<Address>& to,
                const Bytes& data) {
  Json o = {{"data", toHex(data)}};
  if (from) o["from"] = toHex(*from);
  if (to) o["to"] = toHex(*to);
  return o;
}

}  // namespace

Answer<uint64_t> Chain::chainId() {
  return quantity<uint64_t>(rpc_.call("eth_chainId", Json::array()), "eth_chainId", quantityToU64);
}

Answer<uint64_t> Chain::blockNumber() {
  return quantity<uint64_t>(rpc_.call("eth_blockNumber", Json::array()), "eth_blockNumber",
                            quantityToU64);
}

Answer<Bytes> Chain::code(const Address& a) {
  auto reply = rpc_.call("eth_getCode", {toHex(a), "latest"});
  if (!reply.ok()) return Answer<Bytes>::fail(*reply.error);
  auto bytes = reply.result.is_string() ? fromHex(reply.result.get<std::string>()) : std::nullopt;
  if (!bytes) return Answer<Bytes>::fail(malformed("eth_getCode"));
  return {bytes, {}};
}

Answer<uint64_t> Chain::pendingNonce(const Address& a) {
  return quantity<uint64_t>(rpc_.call("eth_getTransactionCount", {toHex(a), "pending"}),
                            "eth_getTransactionCount", quantityToU64);
}

Answer<uint64_t> Chain::gasPrice() {
  return quantity<uint64_t>(rpc_.call("eth_gasPrice", Json::array()), "eth_gasPrice",
                            quantityToU64);
}

Answer<uint64_t> Chain::estimateGas(const Address& from, const std::optional<Address>& to,
                                    const Bytes& data) {
  return quantity<uint64_t>(rpc_.call("eth_estimateGas", {callObject(from, to, data)}),
                            "eth_estimateGas", quantityToU64);
}

Answer<Bytes> Chain::call(const Address& to, const Bytes& data, const std::optional<Address>& from,
                          const char* block) {
  auto reply = rpc_.call("eth_call", {callObject(from, to, data), block});
  if (!reply.ok()) return Answer<Bytes>::fail(*reply.error);
  auto bytes = reply.result.is_string() ? fromHex(reply.result.get<std::string>()) : std::nullopt;
  if (!bytes) return Answer<Bytes>::fail(malformed("eth_call"));
  return {bytes, {}};
}

Answer<Hash> Chain::sendRawTransaction(const Bytes& raw) {
  auto reply = rpc_.call("eth_sendRawTransaction", {toHex(raw)});
  if (!reply.ok()) return Answer<Hash>::fail(*reply.error);
  auto hash = reply.result.is_string() ? parseHash(reply.result.get<std::string>()) : std::nullopt;
  if (!hash) return Answer<Hash>::fail(malformed("eth_sendRawTransaction"));
  return {hash, {}};
}

Answer<std::optional<TxReceipt>> Chain::receipt(const Hash& txHash) {
  auto reply = rpc_.call("eth_getTransactionReceipt", {toHex(txHash)});
  if (!reply.ok()) return Answer<std::optional<TxReceipt>>::fail(*reply.error);
  if (reply.result.is_null()) return {std::optional<TxReceipt>(), {}};
  const Json& j = reply.result;
  TxReceipt r;
  r.txHash = txHash;
  auto block = quantityToU64(j.value("blockNumber", ""));
  auto status = quantityToU64(j.value("status", ""));
  if (!block || !status || !j.contains("logs")) {
    return Answer<std::optional<TxReceipt>>::fail(malformed("eth_getTransactionReceipt"));
  }
  r.blockNumber = *block;
  r.success = *status == 1;
  for (const auto& l : j["logs"]) {
    auto log = parseLog(l);
    if (!log) return Answer<std::optional<TxReceipt>>::fail(malformed("receipt log"));
    r.logs.push_back(std::move(*log));
  }
  if (j.contains("contractAddress") && j["contractAddress"].is_string()) {
    r.contractAddress = parseAddress(j["contractAddress"].get<std::string>());
  }
  return {std::optional<TxReceipt>(std::move(r)), {}};
}

Answer<bool> Chain::knowsTransaction(const Hash& txHash) {
  auto reply = rpc_.call("eth_getTransactionByHash", {toHex(txHash)});
  if (!reply.ok()) return Answer<bool>::fail(*reply.error);
  return {!reply.result.is_null(), {}};
}

Answer<std::vector<LogEntry>> Chain::logsWithTopic1(const std::vector<Address>& contracts,
                                                    const Hash& topic1) {
  return logsWithTopics(contracts, {nullptr, toHex(topic1)});
}

Answer<std::vector<LogEntry>> Chain::logsWithTopic2(const std::vector<Address>& contracts,
                                                    const Hash& topic2) {
  return logsWithTopics(contracts, {nullptr, nullptr, toHex(topic2)});
}

Answer<std::vector<LogEntry>> Chain::logsWithTopics(const std::vector<Address>& contracts,
                                                    const Json& topics) {
  Json addresses = Json::array();
  for (const auto& a : contracts) addresses.push_back(toHex(a));
  Json filter = {
      {"fromBlock", "earliest"}, {"toBlock", "latest"}, {"address", addresses}, {"topics", topics}};
  auto reply = rpc_.call("eth_getLogs", {filter});
  if (!reply.ok()) return Answer<std::vector<LogEntry>>::fail(*reply.error);
  std::vector<LogEntry> logs;
  for (const auto& l : reply.result) {
    auto log = parseLog(l);
    if (!log) return Answer<std::vector<LogEntry>>::fail(malformed("eth_getLogs entry"));
    logs.push_back(std::move(*log));
  }
  return {std::move(logs), {}};
}

Bytes revertData(const RpcError& e) {
  if (auto bytes = fromHex(e.data)) return *bytes;
  return {};
}

std::string revertMessage(const RpcError& e) {
  if (auto reason = revertReason(revertData(e))) return *reason;
  // Some nodes put the reason only in the message: "execution reverted: <reason>".
  const std::string prefix = "execution reverted: ";
  auto at = e.message.find(prefix);
  if (at != std::string::npos) return e.message.substr(at + prefix.size());
  return e.message;
}

}  // namespace finp2p::evm
