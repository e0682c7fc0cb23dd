#pragma once
// Plans as files: protobuf's JSON mapping of ExecutionPlan (field names as in the .proto).

#include <string>

#include "common/result.hpp"
#include "finp2p/execution.pb.h"

namespace finp2p::model {

Result<finp2p::execution::ExecutionPlan> parsePlanJson(const std::string& json);
Result<finp2p::execution::ExecutionPlan> readPlanFile(const std::string& path);
std::string planToJson(const finp2p::execution::ExecutionPlan& plan);

}  // namespace finp2p::model
