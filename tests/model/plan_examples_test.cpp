// The example plans shipped in docs/examples are what operators copy: they must stay valid
// (and the broken one must stay broken in the ways it documents).

#include <gtest/gtest.h>

#include "model/plan_file.hpp"
#include "model/plan_validation.hpp"

namespace finp2p::model {
namespace {

std::string example(const char* name) {
  return std::string(FINP2P_EXAMPLES_DIR) + "/" + name;
}

class ValidExample : public ::testing::TestWithParam<const char*> {};

TEST_P(ValidExample, ParsesAndValidates) {
  auto plan = readPlanFile(example(GetParam()));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  auto violations = validatePlan(*plan);
  for (const auto& v : violations) ADD_FAILURE() << v.toString();
}

INSTANTIATE_TEST_SUITE_P(Examples, ValidExample,
                         ::testing::Values("dvp.json", "dvp-payment-fails.json", "repo.json"));

TEST(BrokenExample, NamesEachViolatedField) {
  auto plan = readPlanFile(example("broken.json"));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  std::vector<std::string> paths;
  for (const auto& v : validatePlan(*plan)) paths.push_back(v.path);
  for (const char* expected :
       {"participants[3].organizationID", "instructions[0].organizations[0]",
        "instructions[1].transfer.amount", "instructions[1].planId",
        "instructions[2].release.holdInstructionSequence", "instructions[3].sequence",
        "instructions[3].transitions.onSuccess.sequence"}) {
    EXPECT_NE(std::find(paths.begin(), paths.end(), expected), paths.end()) << expected;
  }
}

TEST(PlanFile, UnknownFieldsAndBadJsonAreRefused) {
  auto misspelt = parsePlanJson(R"({"id": {"id": "x"}, "participant": []})");
  ASSERT_FALSE(misspelt.ok());
  EXPECT_NE(misspelt.error().message.find("participant"), std::string::npos);
  EXPECT_FALSE(parsePlanJson("{not json").ok());
  auto missing = readPlanFile("/nonexistent/plan.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace finp2p::model
