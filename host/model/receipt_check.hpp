#pragma once
// What an instruction determines about the receipt of its execution, and the check that a
// receipt says exactly that. Every router applies it to every completion it receives before it
// approves one: a receipt for another asset, account, amount, operation or plan is refused.

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "finp2p/execution.pb.h"
#include "finp2p/receipt.pb.h"

namespace finp2p::model {

// The ledger-side account of an OwnerAccount: the finId, else the address, else the IBAN,
// else the owner's resource id.
std::string ledgerAccount(const finp2p::execution::OwnerAccount& account);
// The account a receipt names: the finId, the address or the IBAN, whichever is set.
std::string receiptAccount(const finp2p::accounts::AccountIdentifier& account);

// The asset an instruction moves (a RevertHold moves its Hold's asset); null for a timed Await.
const finp2p::common::Asset* instructionAsset(const finp2p::execution::ExecutionPlan& plan,
                                              const finp2p::execution::ExecutionInstruction& ins);

/// The receipt fields an instruction determines. An empty string (or a null asset) means the
/// instruction leaves that field to the ledger (an Issue's source, a Release without an amount).
struct ExpectedReceipt {
  std::vector<std::string> operationTypes;  // any of these
  std::string source;
  std::string destination;
  const finp2p::common::Asset* asset = nullptr;  // id and type must match
  std::string quantity;                          // compared as exact decimals
  std::string planId;
  uint32_t sequence = 0;
  std::string operationId;  // "<planId>_<sequence>"
};

ExpectedReceipt expectedReceipt(const finp2p::execution::ExecutionPlan& plan,
                                const finp2p::execution::ExecutionInstruction& ins);

/// Ok when `receipt` says exactly what `ins` determines; otherwise an kInvalidArgument error
/// naming the first field that differs, what the instruction says and what the receipt says.
Status checkReceipt(const finp2p::execution::ExecutionPlan& plan,
                    const finp2p::execution::ExecutionInstruction& ins,
                    const finp2p::receipt::Receipt& receipt);

}  // namespace finp2p::model
