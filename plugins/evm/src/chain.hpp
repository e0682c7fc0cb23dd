#pragma once
// Typed Ethereum JSON-RPC calls over JsonRpcClient. Every call answers with a value or the
// RpcError that explains why not (a node error, a revert with its data, or no answer at all).

#include <optional>
#include <string>
#include <vector>

#include "codec.hpp"
#include "json_rpc.hpp"

namespace finp2p::evm {

template <class T>
struct Answer {
  std::optional<T> value;
  RpcError error;
  bool ok() const { return value.has_value(); }
  static Answer fail(RpcError e) { return {std::nullopt, std::move(e)}; }
};

struct LogEntry {
  Address address{};
  std::vector<Hash> topics;
  Bytes data;
  Hash txHash{};
  uint64_t blockNumber = 0;
};

struct TxReceipt {
  Hash txHash{};
  uint64_t blockNumber = 0;
  bool success = false;
  std::vector<LogEntry> logs;
  std::optional<Address> contractAddress;
};

class Chain {
 public:
  explicit Chain(JsonRpcClient& rpc) : rpc_(rpc) {}

  Answer<uint64_t> chainId();
  Answer<uint64_t> blockNumber();
  Answer<Bytes> code(const Address& a);
  Answer<uint64_t> pendingNonce(const Address& a);
  Answer<uint64_t> gasPrice();
  /// Also the dry run: a call that would revert answers with the node's error and revert data.
  Answer<uint64_t> estimateGas(const Address& from, const std::optional<Address>& to,
                               const Bytes& data);
  /// eth_call against the latest block; with `from`, the dry run of a transaction as that
  /// account would send it. `block` "pending" runs it at the node's clock (anvil runs a call
  /// on "latest" at a timestamp that is not the last block's, so timelocks need "pending").
  Answer<Bytes> call(const Address& to, const Bytes& data,
                     const std::optional<Address>& from = std::nullopt,
                     const char* block = "latest");
  Answer<Hash> sendRawTransaction(const Bytes& raw);
  Answer<std::optional<TxReceipt>> receipt(const Hash& txHash);
  Answer<bool> knowsTransaction(const Hash& txHash);
  /// Logs of `contracts` whose first indexed topic is `topic1` (our operation ids).
  /// Logs of these contracts whose second indexed topic is `topic2` (e.g. a lock's claims).
  Answer<std::vector<LogEntry>> logsWithTopic2(const std::vector<Address>& contracts,
                                               const Hash& topic2);
  Answer<std::vector<LogEntry>> logsWithTopic1(const std::vector<Address>& contracts,
                                               const Hash& topic1);

 private:
  Answer<std::vector<LogEntry>> logsWithTopics(const std::vector<Address>& contracts,
                                               const nlohmann::json& topics);
  JsonRpcClient& rpc_;
};

/// The revert data of an error, whichever way the node carried it; empty if none.
Bytes revertData(const RpcError& e);
/// "insufficient balance" from a revert, or the node's message when it gave no reason.
std::string revertMessage(const RpcError& e);

}  // namespace finp2p::evm
