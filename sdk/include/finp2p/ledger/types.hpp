#pragma once
/// @file
/// C++ value types for the ledger ABI, shared by the plugin-side adapter and the host-side
/// client. Conversions to and from the C structs of abi.h live in types.cpp.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "finp2p/ledger/abi.h"

namespace finp2p::ledger {

using Status = finp2p_ledger_status;
using OperationKind = finp2p_ledger_operation_kind;

/// Wall-clock time, Unix epoch milliseconds.
int64_t nowUnixMs();

const char* statusName(Status status);
const char* operationKindName(OperationKind kind);  // "hold", "release", ...

struct Context {
  std::string planId;
  uint32_t sequence = 0;
  std::string idempotencyKey;
  int64_t deadlineUnixMs = 0;
};

struct Operation {
  OperationKind kind = FINP2P_LEDGER_OP_TRANSFER;
  Context context;
  std::string source;
  std::string destination;
  std::string asset;
  uint32_t assetDecimals = 18;
  std::string amount;
  std::string holdOperationId;
  int64_t waitUntilUnixS = 0;
  std::string condition;
  // 1.2, hash time-locked holds (hash_lock.hpp)
  std::string hashLock;      // hash_lock: lowercase hex
  std::string hashFunction;  // hash_lock: "sha256" | "keccak256"
  int64_t expiryUnixS = 0;   // hash_lock
  std::string preimage;      // claim: lowercase hex
  // Also 1.2: the JSON of the FinP2P `signature` object covering this operation, and its signer.
  std::string investorSignature;
  std::string investorFinId;
};

struct Receipt {
  std::string transactionId;
  std::string operationId;
  std::string operationType;
  std::string source;
  std::string destination;
  std::string asset;
  std::string quantity;
  int64_t timestampUnixS = 0;
  std::string proof;
  // 1.2: a hash lock's receipt states its lock; a claim's also the preimage it took
  std::string hashLock;
  std::string hashFunction;
  int64_t expiryUnixS = 0;
  std::string preimage;
};

/// The outcome of an operation, preflight, lookup or verify.
struct Outcome {
  Status status = FINP2P_LEDGER_ERROR_INTERNAL;
  std::string message;
  std::optional<Receipt> receipt;

  static Outcome success(Receipt r) { return {FINP2P_LEDGER_OK, "", std::move(r)}; }
  static Outcome success() { return {FINP2P_LEDGER_OK, "", std::nullopt}; }
  static Outcome failure(Status s, std::string why) { return {s, std::move(why), std::nullopt}; }
  bool ok() const { return status == FINP2P_LEDGER_OK; }
};

struct Balance {
  Status status = FINP2P_LEDGER_OK;
  std::string message;
  std::string current = "0";
  std::string available = "0";
  std::string held = "0";
};

struct Description {
  std::string name;
  std::string version;
  uint32_t supportedOperations = 0;
  std::string assetTypes;
};

/// The plugin's [ledger.config] table, flattened to dotted keys with string values.
class Config {
 public:
  Config() = default;
  explicit Config(std::vector<std::pair<std::string, std::string>> entries)
      : entries_(std::move(entries)) {}
  Config(std::initializer_list<std::pair<std::string, std::string>> entries) : entries_(entries) {}
  static Config fromC(const finp2p_ledger_config_entry* entries, size_t count);

  std::optional<std::string> get(const std::string& key) const;
  std::string getOr(const std::string& key, const std::string& fallback) const;
  /// The host's reserved entry: the directory of the router's TOML (absolute). Relative paths
  /// in a plugin's configuration mean relative to it, as the router's own paths do.
  static constexpr const char* kConfigDirKey = "finp2p.config_dir";
  /// `value` resolved against kConfigDirKey when it is a relative path (unchanged otherwise,
  /// and when the host gave no directory).
  std::string resolvePath(const std::string& value) const;
  /// get(key), resolved with resolvePath().
  std::optional<std::string> getPath(const std::string& key) const;
  /// Number of elements of the array at `key` ("key.0...", "key.1...").
  std::size_t arraySize(const std::string& key) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  /// Throws std::invalid_argument naming the first key that matches none of `known`, and the
  /// keys the plugin reads: a typo ("databse") would otherwise leave a setting at its default
  /// without a word. Patterns are dotted keys where `*` is one segment (an array index or any
  /// name): "opening_balances.*.amount", "headers.*". The host's reserved "finp2p." keys pass.
  void refuseUnknownKeys(const std::vector<std::string>& known) const;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

/// What an idempotency key stands for: two operations under one key must have the same
/// fingerprint, or the second is a different operation reusing the key. Stable text (plugins
/// store it).
std::string operationFingerprint(const Operation& op);

/// The operation kinds of ABI 1.0 and 1.1 (hold ... await), for Description::supportedOperations.
uint32_t allOperations();
/// The hash time-locked kinds of 1.2 (hash_lock, claim, refund): add them only if you implement
/// them.
uint32_t hashLockOperations();

/// Issues a plugin's `opening_balances = [ { account = "...", asset = "...", amount = "..." } ]`
/// through `execute`, each with the fixed key "opening-balance:<account>:<asset>", so that a
/// restart (issuing them again) moves nothing twice. Throws std::invalid_argument naming the
/// entry that failed and why.
void issueOpeningBalances(const Config& config,
                          const std::function<Outcome(const Operation&)>& execute);

// ---- conversions (views borrow from the C++ objects; keep those alive). The host converts
// operations to C in the layout of each plugin's ABI version (sdk/src/abi_layouts.hpp). ----
inline finp2p_ledger_str view(const std::string& s) {
  return {s.data(), s.size()};
}
inline std::string copy(finp2p_ledger_str s) {
  return s.data ? std::string(s.data, s.size) : std::string();
}

Operation operationFromC(const finp2p_ledger_operation& op);
Receipt receiptFromC(const finp2p_ledger_receipt& r);
finp2p_ledger_receipt receiptToC(const Receipt& r);

}  // namespace finp2p::ledger
