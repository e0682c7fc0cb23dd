#pragma once
// The plugin's own durable record (a small SQLite file), written before a transaction is sent:
// the idempotency key, what was asked, and the signed transaction with its hash. After a crash,
// lookup finds the transaction by that hash (or, if this file was lost, by the operation id in
// the contracts' events) and re-broadcasts the identical signed bytes rather than signing a
// new transaction. Refusals decided before sending (a dry run that reverts) are recorded too,
// so the same key answers the same way after a restart. Deployed contract addresses live here.

#include <mutex>
#include <optional>
#include <string>

#include "../../sqlite-ledger/sqlite_db.hpp"
#include "finp2p/ledger/types.hpp"

namespace finp2p::evm {

struct OperationRecord {
  enum class State { Sent, Done, Failed };
  std::string key;
  std::string fingerprint;
  finp2p_ledger_operation_kind kind = FINP2P_LEDGER_OP_TRANSFER;
  std::string source, destination, asset;  // the FinP2P names, for receipts
  State state = State::Sent;
  finp2p_ledger_status status = FINP2P_LEDGER_PENDING;
  std::string message;
  std::string sender;  // address of the sending account
  uint64_t nonce = 0;
  std::string txHash;
  std::string rawTx;  // hex, re-broadcast verbatim if the node lost it
  std::optional<ledger::Receipt> receipt;
};

class StateStore {
 public:
  explicit StateStore(const std::string& path);

  std::optional<OperationRecord> find(const std::string& key);
  /// False when the key is already recorded (another call got there first).
  bool insert(const OperationRecord& record);
  /// Replaces the transaction of a Sent record (re-signed with a fresh nonce).
  void updateTransaction(const std::string& key, const std::string& sender, uint64_t nonce,
                         const std::string& txHash, const std::string& rawTx);
  void markDone(const std::string& key, const ledger::Receipt& receipt);
  void markFailed(const std::string& key, finp2p_ledger_status status, const std::string& message);
  /// Drops a record whose transaction can never be mined (its nonce went to another one).
  void forget(const std::string& key);

  /// The FinP2P account name an operation recorded here mapped to `address` (0x-hex), if any.
  std::optional<std::string> accountName(const std::string& address);

  std::optional<std::string> deployment(const std::string& name);
  void recordDeployment(const std::string& name, const std::string& address);

 private:
  std::mutex mutex_;
  sqlite_ledger::Database db_;
};

}  // namespace finp2p::evm
