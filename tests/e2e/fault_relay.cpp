// A fault-injecting relay in front of one router's ExecutionService: every request is, at the
// configured rates, dropped before delivery, delivered but its answer lost, delivered twice, or
// delayed (which reorders messages travelling in parallel). The sender sees a dropped request or
// lost answer as a transport failure and retries, as it would on a real network.
//   fault_relay --listen PORT --target HOST:PORT [--drop 0.1] [--lose-answer 0.05]
//               [--duplicate 0.1] [--max-delay-ms 30] [--seed N]

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include "finp2p/execution.grpc.pb.h"

using namespace finp2p::execution;

namespace {

struct Faults {
  double drop = 0, loseAnswer = 0, duplicate = 0;
  int maxDelayMs = 0;
};

class Relay final : public ExecutionService::Service {
 public:
  Relay(std::shared_ptr<grpc::Channel> target, Faults faults, unsigned seed)
      : stub_(ExecutionService::NewStub(target)), faults_(faults), rng_(seed) {}

  grpc::Status Propose(grpc::ServerContext*, const SignedProposeRequest* r,
                       SignedProposeResponse* out) override {
    return relay(*r, out,
                 [&](auto* c, const auto& req, auto* o) { return stub_->Propose(c, req, o); });
  }
  grpc::Status Approve(grpc::ServerContext*, const SignedApproveRequest* r,
                       SignedApproveResponse* out) override {
    return relay(*r, out,
                 [&](auto* c, const auto& req, auto* o) { return stub_->Approve(c, req, o); });
  }
  grpc::Status Reject(grpc::ServerContext*, const SignedRejectRequest* r,
                      SignedRejectResponse* out) override {
    return relay(*r, out,
                 [&](auto* c, const auto& req, auto* o) { return stub_->Reject(c, req, o); });
  }

  void report() const {
    std::printf("relay: %lu requests, %lu dropped, %lu answers lost, %lu duplicated\n",
                requests_.load(), dropped_.load(), lost_.load(), duplicated_.load());
    std::fflush(stdout);
  }

 private:
  double roll() {
    std::lock_guard lock(mutex_);
    return std::uniform_real_distribution<double>(0, 1)(rng_);
  }
  int delay() {
    std::lock_guard lock(mutex_);
    return faults_.maxDelayMs ? std::uniform_int_distribution<int>(0, faults_.maxDelayMs)(rng_) : 0;
  }

  template <typename Request, typename Response, typename Call>
  grpc::Status relay(const Request& request, Response* out, Call&& call) {
    ++requests_;
    std::this_thread::sleep_for(std::chrono::milliseconds(delay()));
    if (roll() < faults_.drop) {
      ++dropped_;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "fault relay: request dropped");
    }
    int copies = roll() < faults_.duplicate ? 2 : 1;
    if (copies == 2) ++duplicated_;
    grpc::Status status;
    for (int i = 0; i < copies; ++i) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      status = call(&context, request, out);
    }
    if (status.ok() && roll() < faults_.loseAnswer) {
      ++lost_;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "fault relay: answer lost");
    }
    return status;
  }

  std::unique_ptr<ExecutionService::Stub> stub_;
  Faults faults_;
  std::mutex mutex_;
  std::mt19937 rng_;
  std::atomic<unsigned long> requests_{0}, dropped_{0}, lost_{0}, duplicated_{0};
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fault_relay"};
  int listen = 0;
  std::string target;
  Faults faults;
  unsigned seed = 1;
  app.add_option("--listen", listen)->required();
  app.add_option("--target", target)->required();
  app.add_option("--drop", faults.drop);
  app.add_option("--lose-answer", faults.loseAnswer);
  app.add_option("--duplicate", faults.duplicate);
  app.add_option("--max-delay-ms", faults.maxDelayMs);
  app.add_option("--seed", seed);
  CLI11_PARSE(app, argc, argv);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Relay relay(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()), faults, seed);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(listen),
                           grpc::InsecureServerCredentials());
  builder.RegisterService(&relay);
  auto server = builder.BuildAndStart();
  if (!server) return 1;
  int received = 0;
  sigwait(&signals, &received);
  relay.report();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  return 0;
}
