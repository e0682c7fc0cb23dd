#include "spec_client.hpp"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "crypto/keys.hpp"
#include "crypto/sealing.hpp"
#include "finp2p/execution.grpc.pb.h"

namespace finp2p::bench {
namespace {

namespace fs = std::filesystem;
using namespace finp2p::execution;
using Clock = std::chrono::steady_clock;

// The three executed instructions of the DvP (hold, pay, release); the fourth (RevertHold) is
// the failure path, not taken.
constexpr std::size_t kSteps = 3;
constexpr int64_t kMaxSkewMillis = 300'000;  // finp2p-execd's default

int64_t nowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double processCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// What the run did, counted where it happens, so the report shows the flow matches the floor's
// count of operations rather than assuming it.
struct Counters {
  std::atomic<std::size_t> requests{0}, answers{0}, signatures{0}, verifications{0};
  std::atomic<std::size_t> appends{0}, fsyncs{0}, failures{0};
};

// Append-only file with grouped commits: whatever was appended while the previous fdatasync ran
// goes to disk with the next one, as the journal writer groups SQLite commits. `durable` runs on
// the writer thread once its records are on disk, the way finp2p-execd answers and sends from the
// journal's commit callback.
//
// The file is written with zeros up front and then overwritten, as SQLite reuses its WAL after a
// checkpoint: an fdatasync that also had to commit the file's new size would wait for ext4's
// journal, and with it for every other file the machine's builds are creating.
class GroupLog {
 public:
  GroupLog(const fs::path& file, std::size_t preallocate, Counters& counters)
      : counters_(counters) {
    fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("spec client: cannot open " + file.string());
    const std::string zeros(1 << 20, '\0');
    for (std::size_t done = 0; done < preallocate; done += zeros.size()) writeAll(zeros);
    if (::fdatasync(fd_) != 0) throw std::runtime_error("spec client: fdatasync failed");
    offset_ = 0;
    thread_ = std::thread([this] { run(); });
  }
  ~GroupLog() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
    ::close(fd_);
  }
  void append(std::vector<std::string> records, std::function<void()> durable) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back({std::move(records), std::move(durable)});
    }
    cv_.notify_one();
  }

 private:
  struct Pending {
    std::vector<std::string> records;
    std::function<void()> durable;
  };
  void run() {
    for (;;) {
      std::vector<Pending> group;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        group.swap(queue_);
      }
      std::string bytes;
      for (const auto& p : group) {
        for (const auto& r : p.records) {
          // Length-prefixed, so the file could be read back (a journal, not a byte sink).
          uint32_t size = static_cast<uint32_t>(r.size());
          bytes.append(reinterpret_cast<const char*>(&size), sizeof size);
          bytes += r;
        }
        counters_.appends += p.records.size();
      }
      writeAll(bytes);
      if (::fdatasync(fd_) != 0) throw std::runtime_error("spec client: fdatasync failed");
      ++counters_.fsyncs;
      for (auto& p : group) p.durable();
    }
  }
  void writeAll(const std::string& bytes) {
    for (std::size_t done = 0; done < bytes.size();) {
      ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done,
                           static_cast<off_t>(offset_ + done));
      if (n <= 0) throw std::runtime_error("spec client: write failed");
      done += static_cast<std::size_t>(n);
    }
    offset_ += bytes.size();
  }
  Counters& counters_;
  int fd_ = -1;
  std::size_t offset_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Pending> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

// A request to a peer, sealed, waiting for its records to be durable before it is sent.
struct Outgoing {
  std::string to;
  bool propose = true;
  SignedProposeRequest proposeRequest;
  SignedApproveRequest approveRequest;
};
using OutgoingList = std::shared_ptr<std::vector<Outgoing>>;

class SpecRouter final : public ExecutionService::CallbackService {
 public:
  using Finished = std::function<void(const std::string& planId)>;

  SpecRouter(std::string self, std::size_t routers, const fs::path& work, std::size_t logBytes,
             Counters& counters, Finished finished)
      : self_(std::move(self)),
        routers_(routers),
        key_(generateKey()),
        counters_(counters),
        finished_(std::move(finished)),
        log_(work / (self_ + ".spec.log"), logBytes, counters) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    if (!server_ || port_ == 0) throw std::runtime_error("spec client: cannot start " + self_);
  }

  const std::string& organization() const { return self_; }
  crypto::VerifyingKey verifyingKey() const { return key_.verifyingKey(); }
  int port() const { return port_; }

  void addPeer(const std::string& org, const crypto::VerifyingKey& key, int port) {
    peerKeys_.emplace(org, key);
    stubs_[org] = ExecutionService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }

  // The proposer's side of a new plan: propose it to every peer and send its own approval.
  void submit(const ExecutionPlan& plan) {
    auto out = std::make_shared<std::vector<Outgoing>>();
    std::string finishedPlan;
    auto st = state(plan.id().id());
    {
      std::lock_guard lock(st->mutex);
      onPlan(*st, plan, *out, finishedPlan);
    }
    std::vector<std::string> records;
    records.push_back(plan.SerializeAsString());
    for (const auto& o : *out) records.push_back(serialized(o));
    log_.append(std::move(records), [this, out, finishedPlan] { afterCommit(out, finishedPlan); });
  }

  grpc::ServerUnaryReactor* Propose(grpc::CallbackServerContext* context,
                                    const SignedProposeRequest* request,
                                    SignedProposeResponse* response) override {
    return take(context, request, response);
  }
  grpc::ServerUnaryReactor* Approve(grpc::CallbackServerContext* context,
                                    const SignedApproveRequest* request,
                                    SignedApproveResponse* response) override {
    return take(context, request, response);
  }

  std::size_t inFlight() const { return inFlight_.load(); }
  void shutdown() { server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5)); }

 private:
  struct Step {
    bool haveCompletion = false;
    InstructionCompletionEvent completion;
    std::set<std::string> approvers;  // contributors other than the executor
  };
  struct PlanState {
    std::mutex mutex;
    std::shared_ptr<const ExecutionPlan> plan;
    std::set<std::string> approved;  // verified plan approvals, this router's own included
    std::vector<std::pair<std::string, ExecutionPlanApproval>> early;  // before the plan came
    Step steps[kSteps];
    std::size_t next = 0;
    bool done = false;
  };

  static crypto::SigningKey generateKey() {
    auto key = crypto::SigningKey::generate();
    if (!key) throw std::runtime_error("spec client: " + key.error().message);
    return std::move(*key);
  }

  static std::string serialized(const Outgoing& o) {
    return o.propose ? o.proposeRequest.SerializeAsString() : o.approveRequest.SerializeAsString();
  }

  std::shared_ptr<PlanState> state(const std::string& planId) {
    std::lock_guard lock(plansMutex_);
    auto& st = plans_[planId];
    if (!st) st = std::make_shared<PlanState>();
    return st;
  }
  void forget(const std::string& planId) {
    std::lock_guard lock(plansMutex_);
    plans_.erase(planId);
  }

  void envelope(finp2p::common::Envelope* env, const std::string& to) {
    env->set_messageid(self_ + "-" + std::to_string(nextMessage_++));
    env->set_senderorganizationid(self_);
    env->set_receiverorganizationid(to);
    env->set_timestampmillis(nowMillis());
  }

  // One request per peer, each with its own envelope and seal (the specification's unary model).
  template <typename Request, typename Fill>
  void toEveryPeer(std::vector<Outgoing>& out, const Fill& fill) {
    constexpr bool propose = std::is_same_v<Request, ProposeRequest>;
    for (const auto& [peer, key] : peerKeys_) {
      Outgoing o;
      o.to = peer;
      o.propose = propose;
      auto& sealed = [&]() -> auto& {
        if constexpr (propose) {
          return o.proposeRequest;
        } else {
          return o.approveRequest;
        }
      }
      ();
      auto* r = sealed.mutable_request();
      fill(*r);
      envelope(r->mutable_envelope(), peer);
      *sealed.mutable_signature() = crypto::seal(*r, key_, self_);
      ++counters_.signatures;
      out.push_back(std::move(o));
    }
  }

  void onPlan(PlanState& st, const ExecutionPlan& plan, std::vector<Outgoing>& out,
              std::string& finishedPlan) {
    if (st.plan) return;
    st.plan = std::make_shared<const ExecutionPlan>(plan);
    if (plan.participants(0).organizationid() == self_) {
      toEveryPeer<ProposeRequest>(
          out, [&](ProposeRequest& r) { *r.mutable_executionplan()->mutable_plan() = *st.plan; });
    }
    auto approval = crypto::signPlanApproval(*st.plan, self_, key_);
    ++counters_.signatures;
    st.approved.insert(self_);
    toEveryPeer<ApproveRequest>(out, [&](ApproveRequest& r) { *r.mutable_plan() = approval; });
    for (const auto& [from, early] : st.early) verifyPlanApproval(st, from, early);
    st.early.clear();
    progress(st, out, finishedPlan);
  }

  void verifyPlanApproval(PlanState& st, const std::string& from,
                          const ExecutionPlanApproval& approval) {
    ++counters_.verifications;
    if (approval.organizationid() == from &&
        crypto::verifyPlanApproval(*st.plan, approval, peerKeys_.at(from))) {
      st.approved.insert(from);
    } else {
      ++counters_.failures;
    }
  }

  void onCompletion(PlanState& st, const std::string& from, const InstructionCompletionEvent& e,
                    std::vector<Outgoing>& out, std::string& finishedPlan) {
    std::size_t seq = e.instruction().sequence();
    ++counters_.verifications;
    if (seq < 1 || seq > kSteps || !crypto::verifyCompletion(e, peerKeys_.at(from))) {
      ++counters_.failures;
      return;
    }
    Step& step = st.steps[seq - 1];
    step.haveCompletion = true;
    step.completion = e;
    auto approval = crypto::approveCompletion(e, self_, key_);
    ++counters_.signatures;
    step.approvers.insert(self_);
    toEveryPeer<ApproveRequest>(
        out, [&](ApproveRequest& r) { *r.mutable_instructioncompletion() = approval; });
    progress(st, out, finishedPlan);
  }

  void onCompletionApproval(PlanState& st, const std::string& from,
                            const InstructionCompletionApproval& approval,
                            std::vector<Outgoing>& out, std::string& finishedPlan) {
    std::size_t seq = approval.instructioncompletion().instruction().sequence();
    ++counters_.verifications;
    if (seq < 1 || seq > kSteps ||
        !crypto::verifyCompletionApproval(approval, from, peerKeys_.at(from))) {
      ++counters_.failures;
      return;
    }
    st.steps[seq - 1].approvers.insert(from);
    progress(st, out, finishedPlan);
  }

  // Moves the plan on as far as what this router holds allows: once every contributor approved,
  // each instruction in turn — executed here if this router is its executor — until the last one
  // has its completion and every other contributor's approval of it.
  void progress(PlanState& st, std::vector<Outgoing>& out, std::string& finishedPlan) {
    if (st.done || !st.plan || st.approved.size() < routers_) return;
    while (st.next < kSteps) {
      Step& step = st.steps[st.next];
      const auto& instruction = st.plan->instructions(static_cast<int>(st.next));
      if (instruction.organizations(0) == self_ && !step.haveCompletion) {
        step.completion = execute(*st.plan, instruction);
        step.haveCompletion = true;
        toEveryPeer<ProposeRequest>(
            out, [&](ProposeRequest& r) { *r.mutable_instructioncompletion() = step.completion; });
      }
      if (!step.haveCompletion || step.approvers.size() < routers_ - 1) return;
      ++st.next;
    }
    st.done = true;
    finishedPlan = st.plan->id().id();
  }

  // No ledger: the receipt a ledger would return, signed into the completion; it is made durable
  // with the completion's own records before the completion is sent.
  InstructionCompletionEvent execute(const ExecutionPlan& plan,
                                     const ExecutionInstruction& instruction) {
    InstructionCompletionEvent e;
    *e.mutable_instruction() = instruction;
    e.mutable_instruction()->mutable_planid()->set_id(plan.id().id());
    e.mutable_status()->set_code(0);
    auto* receipt = e.mutable_receipt();
    receipt->set_id(plan.id().id() + ":" + std::to_string(instruction.sequence()));
    if (instruction.has_hold()) {
      receipt->set_operationtype("hold");
      *receipt->mutable_source() = instruction.hold().source().account();
      *receipt->mutable_destination() = instruction.hold().destination().account();
      *receipt->mutable_asset() = instruction.hold().asset();
      receipt->set_quantity(instruction.hold().amount());
    } else if (instruction.has_transfer()) {
      receipt->set_operationtype("transfer");
      *receipt->mutable_source() = instruction.transfer().source().account();
      *receipt->mutable_destination() = instruction.transfer().destination().account();
      *receipt->mutable_asset() = instruction.transfer().asset();
      receipt->set_quantity(instruction.transfer().amount());
    } else if (instruction.has_release()) {
      receipt->set_operationtype("release");
      *receipt->mutable_source() = instruction.release().source().account();
      *receipt->mutable_destination() = instruction.release().destination().account();
      *receipt->mutable_asset() = instruction.release().asset();
      receipt->set_quantity(instruction.release().amount());
    }
    receipt->set_timestamp(nowMillis() / 1000);
    crypto::signCompletion(e, key_);
    ++counters_.signatures;
    return e;
  }

  static std::string planIdOf(const ProposeRequest& r) {
    return r.has_executionplan() ? r.executionplan().plan().id().id()
                                 : r.instructioncompletion().instruction().planid().id();
  }
  static std::string planIdOf(const ApproveRequest& r) {
    return r.has_plan()
               ? r.plan().executionplanid().id()
               : r.instructioncompletion().instructioncompletion().instruction().planid().id();
  }
  void dispatch(PlanState& st, const std::string& from, const ProposeRequest& r,
                std::vector<Outgoing>& out, std::string& finishedPlan) {
    if (r.has_executionplan()) return onPlan(st, r.executionplan().plan(), out, finishedPlan);
    if (r.has_instructioncompletion())
      return onCompletion(st, from, r.instructioncompletion(), out, finishedPlan);
    ++counters_.failures;
  }
  void dispatch(PlanState& st, const std::string& from, const ApproveRequest& r,
                std::vector<Outgoing>& out, std::string& finishedPlan) {
    if (r.has_plan()) {
      if (!st.plan) {
        st.early.emplace_back(from, r.plan());
        return;
      }
      verifyPlanApproval(st, from, r.plan());
      return progress(st, out, finishedPlan);
    }
    if (r.has_instructioncompletion())
      return onCompletionApproval(st, from, r.instructioncompletion(), out, finishedPlan);
    ++counters_.failures;
  }

  template <typename Response>
  void answer(Response* response, const finp2p::common::Envelope& to, int32_t code,
              const std::string& why) {
    auto* r = response->mutable_response();
    auto* env = r->mutable_envelope();
    env->set_messageid("re:" + to.messageid());
    env->set_senderorganizationid(self_);
    env->set_receiverorganizationid(to.senderorganizationid());
    env->set_timestampmillis(nowMillis());
    r->mutable_status()->set_code(code);
    r->mutable_status()->set_message(why);
    *response->mutable_signature() = crypto::seal(*r, key_, self_);
    ++counters_.signatures;
  }

  // The receiving side: the checks the specification asks of a receiver (addressed here, a
  // configured sender, its seal, the clock skew, not seen before), then the message's effect, and
  // the answer once the message and what it caused are durable.
  template <typename Signed, typename Response>
  grpc::ServerUnaryReactor* take(grpc::CallbackServerContext* context, const Signed* signedRequest,
                                 Response* response) {
    auto* reactor = context->DefaultReactor();
    const auto& request = signedRequest->request();
    const auto& env = request.envelope();
    const std::string& from = env.senderorganizationid();
    auto refuse = [&](int32_t code, const std::string& why) {
      ++counters_.failures;
      std::fprintf(stderr, "spec client: %s refused %s from %s: %s\n", self_.c_str(),
                   env.messageid().c_str(), from.c_str(), why.c_str());
      answer(response, env, code, why);
      reactor->Finish(grpc::Status::OK);
      return reactor;
    };
    if (env.receiverorganizationid() != self_) return refuse(7, "not addressed to this router");
    auto key = peerKeys_.find(from);
    if (key == peerKeys_.end()) return refuse(7, "unknown sender");
    ++counters_.verifications;
    if (auto s = crypto::verifySeal(request, signedRequest->signature(), key->second, from); !s) {
      return refuse(4, s.error().message);
    }
    if (std::llabs(nowMillis() - env.timestampmillis()) > kMaxSkewMillis) {
      return refuse(8, "stale or future-dated");
    }
    {
      std::lock_guard lock(seenMutex_);
      if (!seen_.insert(from + "\n" + env.messageid()).second) {
        answer(response, env, 0, "duplicate");
        reactor->Finish(grpc::Status::OK);
        return reactor;
      }
    }
    auto out = std::make_shared<std::vector<Outgoing>>();
    std::string finishedPlan;
    auto st = state(planIdOf(request));
    {
      std::lock_guard lock(st->mutex);
      dispatch(*st, from, request, *out, finishedPlan);
    }
    std::vector<std::string> records;
    records.reserve(1 + out->size());
    records.push_back(signedRequest->SerializeAsString());
    for (const auto& o : *out) records.push_back(serialized(o));
    log_.append(std::move(records), [this, reactor, response, &env, out, finishedPlan] {
      // `env` and `response` belong to the call, which lives until Finish.
      answer(response, env, 0, "");
      reactor->Finish(grpc::Status::OK);
      afterCommit(out, finishedPlan);
    });
    return reactor;
  }

  void afterCommit(const OutgoingList& out, const std::string& finishedPlan) {
    send(out);
    if (!finishedPlan.empty()) {
      forget(finishedPlan);
      finished_(finishedPlan);
    }
  }

  struct Call {
    grpc::ClientContext context;
    SignedProposeResponse proposeResponse;
    SignedApproveResponse approveResponse;
  };

  void send(const OutgoingList& out) {
    for (std::size_t i = 0; i < out->size(); ++i) {
      const Outgoing& o = (*out)[i];
      auto* call = new Call;
      call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      ++inFlight_;
      ++counters_.requests;
      auto done = [this, call, out, i](grpc::Status status) {
        const Outgoing& o = (*out)[i];
        bool ok = status.ok();
        if (ok) {
          const auto& signedResponse =
              o.propose
                  ? static_cast<const google::protobuf::Message&>(call->proposeResponse.response())
                  : call->approveResponse.response();
          const auto& seal =
              o.propose ? call->proposeResponse.signature() : call->approveResponse.signature();
          ++counters_.verifications;
          ok = static_cast<bool>(
                   crypto::verifySeal(signedResponse, seal, peerKeys_.at(o.to), o.to)) &&
               (o.propose ? call->proposeResponse.response().status().code()
                          : call->approveResponse.response().status().code()) == 0;
        }
        if (ok) {
          ++counters_.answers;
        } else {
          ++counters_.failures;
          std::fprintf(stderr, "spec client: %s -> %s failed: %s\n", self_.c_str(), o.to.c_str(),
                       status.error_message().c_str());
        }
        delete call;
        --inFlight_;
      };
      auto* stub = stubs_.at(o.to)->async();
      if (o.propose) {
        stub->Propose(&call->context, &o.proposeRequest, &call->proposeResponse, std::move(done));
      } else {
        stub->Approve(&call->context, &o.approveRequest, &call->approveResponse, std::move(done));
      }
    }
  }

  std::string self_;
  std::size_t routers_;
  crypto::SigningKey key_;
  Counters& counters_;
  Finished finished_;
  std::map<std::string, crypto::VerifyingKey> peerKeys_;
  std::map<std::string, std::unique_ptr<ExecutionService::Stub>> stubs_;
  std::atomic<uint64_t> nextMessage_{0};
  std::atomic<std::size_t> inFlight_{0};
  std::mutex plansMutex_;
  std::unordered_map<std::string, std::shared_ptr<PlanState>> plans_;
  std::mutex seenMutex_;
  std::unordered_set<std::string> seen_;
  GroupLog log_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace

SpecClientResult runSpecClient(const SpecClientRun& run, std::vector<ExecutionPlan> plans) {
  const std::size_t total = plans.size();
  for (std::size_t k = 0; k < total; ++k) {
    char id[80];
    std::snprintf(id, sizeof id, "bank-1:106:5bec0000-0000-4000-8000-%012zu", k);
    plans[k].mutable_id()->set_id(id);
  }
  Counters counters;
  std::vector<Clock::time_point> started(total), ended(total);
  std::unique_ptr<std::atomic<std::size_t>[]> done(new std::atomic<std::size_t>[total]);
  for (std::size_t k = 0; k < total; ++k) done[k] = 0;
  std::mutex finishedMutex;
  std::condition_variable finishedCv;
  std::size_t finished = 0;
  std::atomic<std::size_t> next{0};
  std::vector<std::unique_ptr<SpecRouter>> routers;

  auto startNext = [&] {
    std::size_t k = next++;
    if (k >= total) return;
    started[k] = Clock::now();
    routers[0]->submit(plans[k]);
  };
  // Called by each router's writer thread once the plan completed there. The closed loop starts
  // the next plan from here: no driver threads to wake, so the process's CPU is the routers'.
  auto onFinished = [&](const std::string& planId) {
    std::size_t k = std::stoull(planId.substr(planId.rfind('-') + 1));
    if (++done[k] != run.routers) return;
    ended[k] = Clock::now();
    {
      std::lock_guard lock(finishedMutex);
      ++finished;
    }
    finishedCv.notify_all();
    if (run.rate <= 0) startNext();
  };
  // Enough for the run: each router appends about 2M/N + 1 records a plan (M requests), under
  // 2 KB each; past it the file just grows.
  const std::size_t m = (run.routers - 1) * (1 + 4 * run.routers);
  const std::size_t logBytes = total * (2 * m / run.routers + 1) * 2048 + (1 << 20);
  for (std::size_t i = 0; i < run.routers; ++i) {
    routers.push_back(std::make_unique<SpecRouter>("bank-" + std::to_string(i + 1), run.routers,
                                                   run.work, logBytes, counters, onFinished));
  }
  for (auto& a : routers) {
    for (auto& b : routers) {
      if (a != b) a->addPeer(b->organization(), b->verifyingKey(), b->port());
    }
  }

  double cpuBefore = processCpuSeconds();
  auto began = Clock::now();
  double submitSeconds = 0;
  if (run.rate <= 0) {
    for (std::size_t c = 0; c < std::min(run.concurrency, total); ++c) startNext();
  } else {
    // Open loop: plan k starts at began + k/rate, whether or not the routers keep up.
    for (std::size_t k = 0; k < total; ++k) {
      std::this_thread::sleep_until(began + std::chrono::microseconds(static_cast<int64_t>(
                                                1e6 * static_cast<double>(k) / run.rate)));
      startNext();
    }
    submitSeconds = std::chrono::duration<double>(Clock::now() - began).count();
  }
  {
    std::unique_lock lock(finishedMutex);
    // Generous: on a shared machine an 8-router run has done under 2 plans/s.
    finishedCv.wait_for(lock, std::chrono::seconds(120 + total / 2),
                        [&] { return finished >= total; });
  }
  double wall = std::chrono::duration<double>(Clock::now() - began).count();
  double cpu = processCpuSeconds() - cpuBefore;

  // Let the last answers arrive before the servers go: their callbacks use the routers.
  for (int i = 0; i < 500; ++i) {
    bool idle = std::all_of(routers.begin(), routers.end(),
                            [](const auto& r) { return r->inFlight() == 0; });
    if (idle) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& r : routers) r->shutdown();
  routers.clear();

  SpecClientResult result;
  result.plans = total;
  {
    std::lock_guard lock(finishedMutex);
    result.completed = finished;
  }
  result.failures = counters.failures + (total - result.completed);
  result.seconds = wall;
  result.plansPerSecond = static_cast<double>(result.completed) / wall;
  if (submitSeconds > 0) result.submittedPerSecond = static_cast<double>(total) / submitSeconds;
  double per = static_cast<double>(std::max<std::size_t>(result.completed, 1));
  result.cpuMsPerPlan = 1000 * cpu / per;
  for (std::size_t k = 0; k < total; ++k) {
    if (done[k] == run.routers) {
      result.latenciesMs.push_back(
          std::chrono::duration<double, std::milli>(ended[k] - started[k]).count());
    }
  }
  std::sort(result.latenciesMs.begin(), result.latenciesMs.end());
  result.requests = static_cast<double>(counters.requests) / per;
  result.answers = static_cast<double>(counters.answers) / per;
  result.signatures = static_cast<double>(counters.signatures) / per;
  result.verifications = static_cast<double>(counters.verifications) / per;
  result.appends = static_cast<double>(counters.appends) / per;
  result.fsyncs = static_cast<double>(counters.fsyncs) / per;
  return result;
}

}  // namespace finp2p::bench
