#pragma once
// Translation between plan instructions and ledger plugin calls.

#include <string>

#include "finp2p/execution.pb.h"
#include "finp2p/journal.pb.h"
#include "finp2p/ledger/types.hpp"

namespace finp2p::node {

// The ledger-side account of an OwnerAccount: the finId, else the address, else the IBAN,
// else the owner's resource id.
std::string ledgerAccount(const finp2p::execution::OwnerAccount& account);

// The asset an instruction moves (a RevertHold moves its Hold's asset); null for a timed Await.
const finp2p::common::Asset* instructionAsset(const finp2p::execution::ExecutionPlan& plan,
                                              const finp2p::execution::ExecutionInstruction& ins);

ledger::Operation toLedgerOperation(const finp2p::execution::ExecutionPlan& plan,
                                    const finp2p::execution::ExecutionInstruction& ins,
                                    int64_t deadlineMillis);

// True when the outcome is final (record it); false when it is worth retrying (unavailable).
bool isFinal(const ledger::Outcome& outcome);
// An outcome that may not be what the ledger did: it timed out, crashed (a bug, or a child that
// died), could not be reached, or has not finished. Before an instruction fails on one, the
// ledger's own record (lookup) is asked.
bool isIndeterminate(const ledger::Outcome& outcome);
finp2p::journal::InstructionExecuted toExecuted(uint32_t sequence, const ledger::Outcome& outcome,
                                                const finp2p::common::Asset* asset);
ledger::Receipt toLedgerReceipt(const finp2p::receipt::Receipt& receipt);

}  // namespace finp2p::node
