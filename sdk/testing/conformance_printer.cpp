#include "conformance_printer.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

namespace finp2p::conformance {

namespace {

using ::testing::TestEventListener;

class VendorPrinter final : public TestEventListener {
 public:
  explicit VendorPrinter(TestEventListener* gtest) : gtest_(gtest) {}

  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (result.type() == ::testing::TestPartResult::kSuccess) return;
    std::printf("FAILED: %s\n", result.message());
    std::fflush(stdout);
  }

  void OnTestProgramStart(const ::testing::UnitTest& u) override { gtest_->OnTestProgramStart(u); }
  void OnTestIterationStart(const ::testing::UnitTest& u, int i) override {
    gtest_->OnTestIterationStart(u, i);
  }
  void OnEnvironmentsSetUpStart(const ::testing::UnitTest& u) override {
    gtest_->OnEnvironmentsSetUpStart(u);
  }
  void OnEnvironmentsSetUpEnd(const ::testing::UnitTest& u) override {
    gtest_->OnEnvironmentsSetUpEnd(u);
  }
  void OnTestSuiteStart(const ::testing::TestSuite& s) override { gtest_->OnTestSuiteStart(s); }
  void OnTestStart(const ::testing::TestInfo& t) override { gtest_->OnTestStart(t); }
  void OnTestEnd(const ::testing::TestInfo& t) override { gtest_->OnTestEnd(t); }
  void OnTestSuiteEnd(const ::testing::TestSuite& s) override { gtest_->OnTestSuiteEnd(s); }
  void OnEnvironmentsTearDownStart(const ::testing::UnitTest& u) override {
    gtest_->OnEnvironmentsTearDownStart(u);
  }
  void OnEnvironmentsTearDownEnd(const ::testing::UnitTest& u) override {
    gtest_->OnEnvironmentsTearDownEnd(u);
  }
  void OnTestIterationEnd(const ::testing::UnitTest& u, int i) override {
    gtest_->OnTestIterationEnd(u, i);
  }
  void OnTestProgramEnd(const ::testing::UnitTest& u) override { gtest_->OnTestProgramEnd(u); }

 private:
  std::unique_ptr<TestEventListener> gtest_;
};

}  // namespace

void printFailuresWithoutSourcePaths() {
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  TestEventListener* gtest = listeners.Release(listeners.default_result_printer());
  if (gtest) listeners.Append(new VendorPrinter(gtest));
}

}  // namespace finp2p::conformance
