#pragma once
// The host side of ABI versioning: what the host hands a plugin and reads from it, in the layout
// of the minor version the plugin was built for (abi.h, "Versioning"). The 1.0 layouts are
// frozen here; tests/plugins/fixtures/abi_1_0/ holds the 1.0 header a test plugin is built
// against, so a 1.0 plugin in a 1.1 host is exercised, not assumed.

#include <cstdint>
#include <string>
#include <variant>

#include "finp2p/ledger/abi.h"
#include "finp2p/ledger/types.hpp"

namespace finp2p::ledger::abi {

// ---- ABI 1.0: no struct_size in these four; the context embedded in the operation ----
struct Context_1_0 {
  finp2p_ledger_str plan_id;
  uint32_t sequence;
  finp2p_ledger_str idempotency_key;
  int64_t deadline_unix_ms;
};
struct Operation_1_0 {
  uint32_t struct_size;
  finp2p_ledger_operation_kind kind;
  Context_1_0 context;
  finp2p_ledger_str source, destination, asset;
  uint32_t asset_decimals;
  finp2p_ledger_str amount, hold_operation_id;
  int64_t wait_until_unix_s;
  finp2p_ledger_str condition;
};
struct Receipt_1_0 {
  finp2p_ledger_str transaction_id, operation_id, operation_type, source, destination, asset,
      quantity;
  int64_t timestamp_unix_s;
  finp2p_ledger_str proof;
};
struct Balance_1_0 {
  finp2p_ledger_status status;
  finp2p_ledger_str message, current, available, held;
};
struct Description_1_0 {
  const char* name;
  const char* version;
  uint32_t supported_operations;
  const char* asset_types;
};

bool isAbi_1_0(uint32_t abiVersion);

/// An operation as the plugin of `abiVersion` reads it. Points into itself: not copyable.
class HostOperation {
 public:
  HostOperation(const Operation& op, uint32_t abiVersion);
  HostOperation(const HostOperation&) = delete;
  HostOperation& operator=(const HostOperation&) = delete;
  const finp2p_ledger_operation* get() const { return ptr_; }

 private:
  finp2p_ledger_context context_{};
  finp2p_ledger_operation op_{};
  Operation_1_0 op_1_0_{};
  const finp2p_ledger_operation* ptr_;
};

/// A receipt (for on_verify) as the plugin of `abiVersion` reads it.
class HostReceipt {
 public:
  HostReceipt(const Receipt& receipt, uint32_t abiVersion);
  HostReceipt(const HostReceipt&) = delete;
  HostReceipt& operator=(const HostReceipt&) = delete;
  const finp2p_ledger_receipt* get() const { return ptr_; }

 private:
  finp2p_ledger_receipt receipt_{};
  Receipt_1_0 receipt_1_0_{};
  const finp2p_ledger_receipt* ptr_;
};

// What a plugin of `abiVersion` wrote, read by its layout; a 1.1+ struct whose struct_size does
// not cover the 1.1 fields is a plugin bug, returned as the message to report.
std::variant<Receipt, std::string> readReceipt(const finp2p_ledger_receipt* r, uint32_t abiVersion);
std::variant<Balance, std::string> readBalance(const finp2p_ledger_balance* b, uint32_t abiVersion);
std::variant<Description, std::string> readDescription(const finp2p_ledger_description* d,
                                                       uint32_t abiVersion);

}  // namespace finp2p::ledger::abi
