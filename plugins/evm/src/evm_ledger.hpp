#pragma once
// The EVM ledger: FinP2P operations as transactions on an Ethereum-compatible chain, against
// the FinP2PToken (one per asset) and FinP2PEscrow contracts. Idempotent by operation id in
// the contracts, in the plugin's state file, and through the transaction hash computed before
// sending; receipts carry the transaction hash and block and are verified against the chain.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "chain.hpp"
#include "contracts.hpp"
#include "finp2p/ledger/types.hpp"
#include "json_rpc.hpp"
#include "sending.hpp"
#include "state_store.hpp"

namespace finp2p::evm {

using ledger::Balance;
using ledger::Operation;
using ledger::Outcome;
using ledger::Receipt;

struct AssetConfig {
  std::string id;  // the FinP2P asset id
  std::string name, symbol;
  uint32_t decimals = 18;        // the token's decimals
  std::optional<Address> token;  // none: deploy (when allowed)
};

struct EvmConfig {
  std::string rpcUrl;
  uint64_t chainId = 0;
  std::string stateDatabase;
  std::vector<std::string> keyFiles;  // sending accounts; the first deploys and owns
  std::optional<Address> escrow;
  bool deploy = false;
  std::vector<AssetConfig> assets;
  uint64_t confirmations = 0;
  long rpcTimeoutMs = 5000;
  int64_t receiptTimeoutMs = 60000;
  uint64_t priorityFeeWei = 1'000'000'000;
  // Gas limit of FinP2P operations; none: estimated per transaction (one more call to the
  // node). Unused gas is not charged, so a generous fixed limit costs nothing.
  std::optional<uint64_t> gasLimit = 500'000;
  bool preflightChecksBalance = false;
};

class EvmLedger {
 public:
  /// Connects, checks the chain id and that every contract has code, deploys what is missing
  /// when asked. Throws std::runtime_error naming what is wrong.
  explicit EvmLedger(EvmConfig config);

  Outcome execute(const Operation& op);
  Outcome preflight(const Operation& op);
  Outcome lookup(const std::string& key);
  Outcome verify(const Receipt& receipt);
  Balance balance(const std::string& account, const std::string& asset);

  struct Token {
    std::string asset;
    Address address{};
    uint32_t decimals = 18;
  };
  const Address& escrow() const { return escrow_; }
  const Token* tokenOf(const std::string& asset) const;

 private:
  struct Call {
    Address to{};
    Bytes data;
  };

  void deployMissing();
  Address deploy(SenderPool::Lease& lease, const Bytes& creationCode, const std::string& what);
  void transact(SenderPool::Lease& lease, const Address& to, const Bytes& data,
                const std::string& what);
  void checkCode(const Address& a, const std::string& what);

  std::optional<Outcome> checkInput(const Operation& op, Call* call);
  // Hash time-locked holds (hash_locks.cpp).
  std::optional<Outcome> hashLockCall(const Operation& op, const Hash& id, const Address& token,
                                      const Hash& units, Call* call);
  /// Copies the lock's terms (and a claim's preimage) from the chain into `r`; the failure if
  /// the chain cannot say.
  std::optional<Outcome> addLockTerms(const Movement& m, Receipt& r);
  Outcome submit(const Operation& op, const Call& call);
  Outcome refusal(const Operation& op, const RpcError& error);
  Outcome resolve(OperationRecord record, int64_t deadlineSteadyMs);
  Outcome finish(const OperationRecord& record, const TxReceipt& receipt);
  Outcome fromChain(const std::string& key, const std::optional<OperationRecord>& record,
                    const Operation* expected);
  Receipt receiptOf(const Movement& m, const std::string& key, const std::string& source,
                    const std::string& destination);
  void addClaimOfLock(const std::string& lockKey, Receipt& receipt);
  std::optional<Movement> movementIn(const std::vector<LogEntry>& logs, const Hash& opId);
  const Token* tokenAt(const Address& a) const;
  std::string formatUnits(const Hash& units, const Token* token) const;
  std::vector<Address> contracts() const;

  EvmConfig config_;
  JsonRpcClient rpc_;
  Chain chain_;
  StateStore state_;
  SenderPool senders_;
  Submitter submitter_;
  Address escrow_{};
  std::vector<Token> tokens_;
};

OperationRecord recordOf(const Operation& op);

/// Operations the contract decides by block.timestamp: their dry run runs on "pending".
bool timelocked(finp2p_ledger_operation_kind kind);
/// The escrow's revert of a refund before the expiry.
inline constexpr const char* kNotYetExpired = "hash lock not yet expired";

}  // namespace finp2p::evm
