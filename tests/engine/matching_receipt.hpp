#pragma once
// What a correct ledger answers for an instruction: success with a receipt saying exactly what
// the instruction determines (model::expectedReceipt). Shared by the engine tests and the
// Byzantine fuzzer, which drive engines without ledgers.

#include "finp2p/journal.pb.h"
#include "model/receipt_check.hpp"

namespace finp2p::testing {

inline finp2p::journal::InstructionExecuted matchingExecution(
    const finp2p::execution::ExecutionPlan& plan,
    const finp2p::execution::ExecutionInstruction& instruction) {
  finp2p::journal::InstructionExecuted e;
  e.set_sequence(instruction.sequence());
  auto want = model::expectedReceipt(plan, instruction);
  auto* r = e.mutable_receipt();
  r->set_id("tx");
  r->set_operationtype(want.operationTypes.front());
  r->mutable_source()->set_address(want.source);
  r->mutable_destination()->set_address(want.destination);
  if (want.asset) *r->mutable_asset() = *want.asset;
  r->set_quantity(want.quantity);
  r->mutable_transactiondetails()->set_operationid(want.operationId);
  return e;
}

}  // namespace finp2p::testing
