#pragma once
/// @file
/// What an operation determines about the receipt of its execution, and the check that a
/// receipt says exactly that. The host's plugin loader (client.hpp) applies it to every receipt
/// a plugin returns for an execute, so finp2p-execd, finp2p-ledger-host and the conformance
/// runner refuse the same receipts; the runner also applies it to what on_lookup returns.

#include <string>

#include "finp2p/ledger/types.hpp"

namespace finp2p::ledger {

/// Empty when `receipt` is a receipt of `op`: its operation_id is the idempotency key, its
/// operation_type the operation's kind ("revert_hold" or "release" for a revert_hold), and its
/// source, destination, asset, quantity (as exact decimals) and hash-lock fields are those of
/// the operation wherever the operation sets them (abi.h, "Fields per operation kind"; an empty
/// field of the operation leaves it to the ledger, and so does an empty asset in the receipt).
/// Otherwise the first field that differs, what the operation says and what the receipt says.
std::string checkReceipt(const Operation& op, const Receipt& receipt);

}  // namespace finp2p::ledger
