#include "model/plan_file.hpp"

#include "common/files.hpp"

#include <google/protobuf/util/json_util.h>


namespace finp2p::model {

Result<finp2p::execution::ExecutionPlan> parsePlanJson(const std::string& json) {
  finp2p::execution::ExecutionPlan plan;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // a misspelt field must not silently vanish
  auto status = google::protobuf::util::JsonStringToMessage(json, &plan, options);
  if (!status.ok()) {
    return makeError(ErrorCode::kInvalidArgument,
                     "not an ExecutionPlan in JSON: " + std::string(status.message()));
  }
  return plan;
}

Result<finp2p::execution::ExecutionPlan> readPlanFile(const std::string& path) {
  auto text = readFile(path);
  if (!text) return text.error();
  auto plan = parsePlanJson(*text);
  if (!plan) return makeError(plan.error().code, path + ": " + plan.error().message);
  return plan;
}

std::string planToJson(const finp2p::execution::ExecutionPlan& plan) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(plan, &out, options);
  return out;
}

}  // namespace finp2p::model
