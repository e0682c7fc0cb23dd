#pragma once
// Between the adapter API's JSON and our ledger operations, on the gateway's side: a request
// body to the ledger::Operation a plugin runs, a plugin's outcome to the API's operation
// envelope, and the stored form of an operation (to run it again after a restart).

#include <string>

#include "adapter_api.hpp"
#include "common/result.hpp"
#include "finp2p/ledger/types.hpp"

namespace finp2p::gateway {

using adapter_api::Json;

// What the gateway keeps of a request to run it (again): the operation and the request's asset
// object (a receipt writes its accounts with it).
struct GatewayOperation {
  ledger::Operation op;
  Json asset;
};

// The operation a request asks for, or kInvalidArgument naming the missing field. The plugin's
// idempotency key is the hold's operationId for a hold (a release names the hold by it),
// "<planId>_<sequence>" when the request has an executionContext, else "<endpoint>:" followed
// by the Idempotency-Key.
Result<GatewayOperation> operationFromRequest(ledger::OperationKind kind, const Json& body,
                                              const std::string& idempotencyKey, uint32_t decimals);

std::string toStored(const GatewayOperation& g);
Result<GatewayOperation> fromStored(const std::string& text);

// The envelope ({cid, isCompleted: true, response: receipt} or {.., error}) for a final outcome.
Json completedOperation(const std::string& cid, const GatewayOperation& g,
                        const ledger::Outcome& outcome);

}  // namespace finp2p::gateway
