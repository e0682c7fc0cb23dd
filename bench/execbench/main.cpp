// finp2p-execbench: starts N routers (separate finp2p-execd processes) on loopback with the
// sqlite-ledger plugin and generated keys, drives DvP plans through them, and reports plans/s,
// latency from submit to completed-on-every-router, CPU per plan, peak RSS and journal bytes.
// Signatures (Ed25519) and fsync (SQLite synchronous=FULL) stay on. Before the routers start it
// measures the floor and runs the same plans through the "spec client" (spec_client.hpp): the
// least the specified protocol needs, in this process, so that finp2p-execd ÷ spec client compares
// like with like on the same machine in the same minute.
//
//   finp2p-execbench [--routers 2] [--plans 1000] [--concurrency 64 | --rate 500] [--json]
//                    [--no-spec-client | --spec-client-only]

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "crypto/keys.hpp"
#include "finp2p/admin.grpc.pb.h"
#include "floor.hpp"
#include "investors/plan_signer.hpp"
#include "spec_client.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace finp2p;

namespace {

// The investors (test keys of shared/spec/investor-signatures/vectors.json): every plan carries
// their real signatures, which each router verifies, as in production.
const char* kSellerKey = "2222222222222222222222222222222222222222222222222222222222222222";
const char* kSeller = "02466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f27";
const char* kBuyerKey = "1111111111111111111111111111111111111111111111111111111111111111";
const char* kBuyer = "034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa";
const char* kBond = "bank-1:102:9d1e2f3a-4b5c-4d6e-9f70-8192a3b4c5d6";

int freePort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

struct Router {
  std::string org;
  int peerPort = 0, adminPort = 0;
  pid_t pid = 0;
  std::unique_ptr<admin::AdminService::Stub> admin;
  std::string adminAddress() const { return "127.0.0.1:" + std::to_string(adminPort); }
};

// utime + stime of a process, in seconds.
double cpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A field of /proc/PID/status in MB: VmHWM (peak resident) or VmRSS (resident now).
double statusMb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024.0;
  }
  return 0;
}
double peakRssMb(pid_t pid) {
  return statusMb(pid, "VmHWM");
}

uintmax_t journalBytes(const fs::path& dir, const std::string& org) {
  uintmax_t total = 0;
  for (const char* suffix : {".journal.db", ".journal.db-wal"}) {
    std::error_code ec;
    auto size = fs::file_size(dir / (org + suffix), ec);
    if (!ec) total += size;
  }
  return total;
}

std::string routerToml(const std::vector<Router>& routers, std::size_t self) {
  const Router& r = routers[self];
  std::ostringstream t;
  t << "organization = \"" << r.org << "\"\nlisten = \"127.0.0.1:" << r.peerPort
    << "\"\nadmin_listen = \"" << r.adminAddress() << "\"\nkey = \"" << r.org
    << ".key\"\njournal = \"" << r.org << ".journal.db\"\n";
  for (std::size_t i = 0; i < routers.size(); ++i) {
    if (i == self) continue;
    t << "\n[[peer]]\norganization = \"" << routers[i].org
      << "\"\naddress = \"127.0.0.1:" << routers[i].peerPort << "\"\npublic_key = \""
      << routers[i].org << ".pub\"\n";
  }
  auto ledger = [&](const char* name, const std::string& asset, const char* account) {
    t << "\n[[ledger]]\nname = \"" << name << "\"\nplugin = \"" << FINP2P_SQLITE_LEDGER
      << "\"\nassets = [\"" << asset << "\"]\n[ledger.config]\ndatabase = \"" << r.org << "."
      << name << ".db\"\nopening_balances = [ { account = \"" << account << "\", asset = \""
      << asset << "\", amount = \"1000000000000\" } ]\n";
  };
  if (self == 0) ledger("securities", kBond, kSeller);
  if (self == 1) ledger("cash", "USD", kBuyer);
  return t.str();
}

execution::ExecutionPlan dvpPlan(const std::vector<Router>& routers) {
  execution::ExecutionPlan plan;
  for (const auto& r : routers) {
    auto* p = plan.add_participants();
    p->set_organizationid(r.org);
    p->add_roles(execution::Participant::Contributor);
  }
  auto account = [](const char* finId, const std::string& org) {
    execution::OwnerAccount a;
    a.mutable_owner()->set_id(org + ":101:" + std::string(finId).substr(0, 8));
    a.mutable_account()->mutable_finp2p()->set_finid(finId);
    a.mutable_account()->mutable_finp2p()->set_orgid(org);
    return a;
  };
  auto seller = account(kSeller, "bank-1"), buyer = account(kBuyer, "bank-2");
  common::Asset bond, usd;
  bond.set_id(kBond);
  bond.set_type(common::Asset::FINP2P);
  bond.set_decimals(0);
  usd.set_id("USD");
  usd.set_type(common::Asset::FIAT);
  usd.set_decimals(2);
  auto add = [&](uint32_t seq, const char* org) {
    auto* i = plan.add_instructions();
    i->set_sequence(seq);
    i->add_organizations(org);
    return i;
  };
  auto* hold = add(1, "bank-1")->mutable_hold();
  *hold->mutable_source() = seller;
  *hold->mutable_destination() = buyer;
  *hold->mutable_asset() = bond;
  hold->set_amount("1");
  auto* pay = add(2, "bank-2");
  pay->mutable_transitions()->mutable_onfailure()->set_sequence(4);
  *pay->mutable_transfer()->mutable_source() = buyer;
  *pay->mutable_transfer()->mutable_destination() = seller;
  *pay->mutable_transfer()->mutable_asset() = usd;
  pay->mutable_transfer()->set_amount("1.00");
  auto* rel = add(3, "bank-1");
  rel->mutable_transitions()->mutable_onsuccess()->set_status("completed");
  *rel->mutable_release()->mutable_source() = seller;
  *rel->mutable_release()->mutable_destination() = buyer;
  *rel->mutable_release()->mutable_asset() = bond;
  rel->mutable_release()->set_amount("1");
  rel->mutable_release()->set_holdinstructionsequence(1);
  auto* rev = add(4, "bank-1");
  rev->mutable_transitions()->mutable_onsuccess()->set_status("failed");
  rev->mutable_reverthold()->set_holdinstructionsequence(1);
  return plan;
}

// `count` copies of `plan`, each signed by its investors with a nonce of its own: a router takes
// an investor signature in one plan only. Signed before the measurement starts.
std::vector<execution::ExecutionPlan> signedCopies(const execution::ExecutionPlan& plan,
                                                   std::size_t count) {
  std::vector<execution::ExecutionPlan> out(count, plan);
  for (std::size_t k = 0; k < count; ++k) {
    for (auto [key, role] : {std::pair{kSellerKey, "seller"}, std::pair{kBuyerKey, "buyer"}}) {
      auto signer = investors::InvestorKey::fromHex(key);
      if (!signer || !investors::signPlan(out[k], *signer, role, std::to_string(k))) {
        throw std::logic_error("cannot sign the benchmark plan as " + std::string(role));
      }
    }
  }
  return out;
}

// Plans in flight and finished, fed by every router's terminal stream.
class Tracker {
 public:
  explicit Tracker(std::size_t routers, std::size_t window = 0)
      : routers_(routers), window_(window), windowStart_(Clock::now()) {}
  void submitted(const std::string& id, Clock::time_point at) {
    std::lock_guard lock(mutex_);
    plans_[id].start = at;
  }
  void terminal(const std::string& id, const std::string& status) {
    std::lock_guard lock(mutex_);
    auto& p = plans_[id];
    p.failed |= status != "completed";
    if (++p.done == routers_) {
      p.end = Clock::now();
      ++finished_;
      if (window_ > 0 && finished_ % window_ == 0) {
        // Throughput as history grows: does a plan cost more after 100,000 than after 10,000?
        double secs = std::chrono::duration<double>(p.end - windowStart_).count();
        windows_.push_back(static_cast<double>(window_) / secs);
        std::printf("  after %zu plans: %.1f plans/s over the last %zu\n", finished_,
                    windows_.back(), window_);
        std::fflush(stdout);
        windowStart_ = p.end;
      }
      cv_.notify_all();
    }
  }
  bool waitFor(const std::string& id, std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return plans_[id].done >= routers_; });
  }
  bool waitAll(std::size_t count, std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return finished_ >= count; });
  }
  std::vector<double> windows() {
    std::lock_guard lock(mutex_);
    return windows_;
  }
  struct Result {
    std::vector<double> latenciesMs;
    std::size_t completed = 0, failed = 0;
  };
  Result result() {
    std::lock_guard lock(mutex_);
    Result r;
    for (const auto& [id, p] : plans_) {
      if (p.done < routers_ || p.failed) {
        ++r.failed;
        continue;
      }
      ++r.completed;
      r.latenciesMs.push_back(std::chrono::duration<double, std::milli>(p.end - p.start).count());
    }
    std::sort(r.latenciesMs.begin(), r.latenciesMs.end());
    return r;
  }

 private:
  struct Plan {
    Clock::time_point start, end;
    std::size_t done = 0;
    bool failed = false;
  };
  std::size_t routers_;
  std::size_t window_;
  Clock::time_point windowStart_;
  std::vector<double> windows_;  // plans/s of each window, in order
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, Plan> plans_;
  std::size_t finished_ = 0;
};

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"finp2p-execbench: DvP throughput and latency across real routers"};
  std::size_t routersCount = 2, plans = 1000, concurrency = 64;
  double rate = 0;
  bool json = false, keep = false;
  std::size_t park = 0;
  std::size_t window = 0;
  std::string execd = FINP2P_EXECD;
  bool noSpecClient = false, specClientOnly = false;
  app.add_option("--routers", routersCount, "Routers (participants of every plan), at least 2");
  app.add_option("--plans", plans, "DvP plans to run");
  app.add_option("--concurrency", concurrency, "Closed loop: plans in flight at once");
  app.add_option("--rate", rate, "Open loop: plans submitted per second (instead of closed loop)");
  app.add_flag("--json", json, "Also print the results as one JSON line");
  app.add_option("--window", window, "Print the throughput of every WINDOW completed plans");
  app.add_flag("--keep", keep, "Keep the work directory (configs, logs, journals)");
  app.add_option("--execd", execd, "finp2p-execd binary");
  app.add_option("--park", park,
                 "Instead: submit this many plans that wait (an Await an hour ahead) and report "
                 "the routers' memory with all of them in flight");
  app.add_flag("--no-spec-client", noSpecClient,
               "Skip the spec client (the least the specified protocol needs, run in this "
               "process before the routers) and the finp2p-execd / spec client ratios");
  app.add_flag("--spec-client-only", specClientOnly,
               "Run the floor and the spec client only, no routers");
  CLI11_PARSE(app, argc, argv);
  if (routersCount < 2) {
    std::fprintf(stderr, "--routers must be at least 2\n");
    return 2;
  }

  fs::path work = fs::temp_directory_path() / ("finp2p-execbench-" + std::to_string(getpid()));
  fs::create_directories(work);
  // Measured before the routers start, so nothing else competes for the cores.
  finp2p::bench::Floor floor;
  if (park == 0) floor = finp2p::bench::measureFloor(routersCount, work);
  std::vector<Router> routers(routersCount);
  for (std::size_t i = 0; i < routersCount; ++i) {
    routers[i].org = "bank-" + std::to_string(i + 1);
    auto key = crypto::SigningKey::generate();
    (void)crypto::writeKeyPair(*key, (work / routers[i].org).string());
  }

  auto plan = dvpPlan(routers);
  std::vector<execution::ExecutionPlan> signedPlans;
  if (park == 0) signedPlans = signedCopies(plan, plans);
  const bool spec = park == 0 && window == 0 && (!noSpecClient || specClientOnly);
  finp2p::bench::SpecClientResult specResult;
  if (spec) {
    // Before the routers exist, right after the floor: the same cores, nothing else of ours on
    // them, and the same signed plans.
    finp2p::bench::SpecClientRun specRun;
    specRun.routers = routersCount;
    specRun.concurrency = concurrency;
    specRun.rate = rate;
    specRun.work = work;
    specResult = finp2p::bench::runSpecClient(specRun, signedPlans);
    const auto& sr = specResult;
    std::printf(
        "spec client: %zu in-process routers, the same %zu DvPs, %s: completed %zu, failures "
        "%zu, %.2f s: %.1f plans/s; CPU per plan %.2f ms = %.1f x the floor; latency p50 %.1f "
        "ms, p99 %.1f ms\n",
        routersCount, plans,
        rate > 0 ? ("open loop at " + std::to_string(static_cast<int>(rate)) + " plans/s").c_str()
                 : ("closed loop, " + std::to_string(concurrency) + " in flight").c_str(),
        sr.completed, sr.failures, sr.seconds, sr.plansPerSecond, sr.cpuMsPerPlan,
        sr.cpuMsPerPlan / floor.millis(), percentile(sr.latenciesMs, 0.5),
        percentile(sr.latenciesMs, 0.99));
    std::printf(
        "  per plan, counted: %.1f requests, %.1f answers, %.1f Ed25519 signatures, %.1f "
        "verifications, %.1f appends in %.2f fdatasyncs\n",
        sr.requests, sr.answers, sr.signatures, sr.verifications, sr.appends, sr.fsyncs);
    if (rate > 0) {
      std::printf("  offered %.0f plans/s, started %.1f plans/s\n", rate, sr.submittedPerSecond);
    }
    std::fflush(stdout);
  }
  if (specClientOnly) {
    if (json) {
      std::printf(
          "{\"routers\":%zu,\"plans\":%zu,\"concurrency\":%zu,\"rate\":%.0f,"
          "\"floor_ms\":%.3f,\"spec_completed\":%zu,\"spec_failures\":%zu,"
          "\"spec_plans_per_second\":%.1f,\"spec_cpu_ms_per_plan\":%.3f,"
          "\"spec_p50_ms\":%.2f,\"spec_p99_ms\":%.2f,\"spec_requests_per_plan\":%.2f,"
          "\"spec_signatures_per_plan\":%.2f,\"spec_verifications_per_plan\":%.2f,"
          "\"spec_appends_per_plan\":%.2f,\"spec_fsyncs_per_plan\":%.3f}\n",
          routersCount, plans, rate > 0 ? 0 : concurrency, rate, floor.millis(),
          specResult.completed, specResult.failures, specResult.plansPerSecond,
          specResult.cpuMsPerPlan, percentile(specResult.latenciesMs, 0.5),
          percentile(specResult.latenciesMs, 0.99), specResult.requests, specResult.signatures,
          specResult.verifications, specResult.appends, specResult.fsyncs);
    }
    if (!keep) fs::remove_all(work);
    return specResult.failures == 0 ? 0 : 1;
  }

  // Ports are picked only now: the spec client's servers and connections took ephemeral ports
  // of their own, and one of them could have been a port picked before it ran.
  for (auto& r : routers) {
    r.peerPort = freePort();
    r.adminPort = freePort();
  }
  for (std::size_t i = 0; i < routersCount; ++i) {
    std::ofstream(work / (routers[i].org + ".toml")) << routerToml(routers, i);
  }
  for (auto& r : routers) {
    // Everything the child needs is built before fork: this process runs gRPC threads by now,
    // and only async-signal-safe calls are safe in the child until exec.
    std::string logFile = (work / (r.org + ".log")).string();
    std::string config = r.org + ".toml";
    pid_t pid = fork();
    if (pid == 0) {
      if (chdir(work.c_str()) != 0) _exit(127);
      int log = open(logFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(log, 1);
      dup2(log, 2);
      execl(execd.c_str(), "finp2p-execd", "--config", config.c_str(), nullptr);
      _exit(127);
    }
    r.pid = pid;
    r.admin = admin::AdminService::NewStub(
        grpc::CreateChannel(r.adminAddress(), grpc::InsecureChannelCredentials()));
  }
  auto stopAll = [&] {
    for (auto& r : routers) kill(r.pid, SIGTERM);
    for (auto& r : routers) waitpid(r.pid, nullptr, 0);
    if (!keep) fs::remove_all(work);
  };
  for (auto& r : routers) {
    bool up = false;
    for (int i = 0; i < 200 && !up; ++i) {
      grpc::ClientContext c;
      admin::ListLedgersResponse out;
      up = r.admin->ListLedgers(&c, admin::ListLedgersRequest{}, &out).ok();
      if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!up) {
      std::fprintf(stderr, "router %s did not start; see %s\n", r.org.c_str(),
                   (work / (r.org + ".log")).c_str());
      keep = true;
      stopAll();
      return 3;
    }
  }

  Tracker tracker(routersCount, window);
  std::vector<std::unique_ptr<grpc::ClientContext>> streamContexts;
  std::vector<std::thread> streams;
  for (auto& r : routers) {
    streamContexts.push_back(std::make_unique<grpc::ClientContext>());
    auto* context = streamContexts.back().get();
    auto* stub = r.admin.get();
    std::atomic<bool> subscribed{false};
    streams.emplace_back([&, context, stub] {
      auto reader = stub->SubscribeTerminal(context, admin::SubscribeTerminalRequest{});
      subscribed = true;
      admin::TerminalEvent e;
      while (reader->Read(&e)) tracker.terminal(e.planid().id(), e.status());
      reader->Finish();
    });
    while (!subscribed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // streams established

  std::vector<double> cpuBefore;
  std::vector<uintmax_t> journalBefore;
  for (auto& r : routers) {
    cpuBefore.push_back(cpuSeconds(r.pid));
    journalBefore.push_back(journalBytes(work, r.org));
  }
  std::atomic<std::size_t> next{0}, submitErrors{0};
  auto submit = [&](std::size_t k, Clock::time_point start) -> std::string {
    admin::SubmitPlanRequest request;
    *request.mutable_plan() = signedPlans[k];
    admin::SubmitPlanResponse response;
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!routers[0].admin->SubmitPlan(&c, request, &response).ok()) {
      ++submitErrors;
      return "";
    }
    tracker.submitted(response.planid().id(), start);
    return response.planid().id();
  };

  if (park > 0) {
    // Plans held in flight: the first instruction waits an hour, so every plan stays in memory.
    auto* wait = plan.mutable_instructions()->Add();
    *wait = plan.instructions(0);
    wait->clear_hold();
    wait->mutable_await()->set_waituntil(std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count() +
                                         3600);
    // Renumber: the Await becomes sequence 1, the DvP follows.
    std::vector<execution::ExecutionInstruction> ordered = {*wait};
    for (int i = 0; i + 1 < plan.instructions_size(); ++i) ordered.push_back(plan.instructions(i));
    plan.clear_instructions();
    for (std::size_t i = 0; i < ordered.size(); ++i) {
      ordered[i].set_sequence(static_cast<uint32_t>(i + 1));
      *plan.add_instructions() = ordered[i];
    }
    plan.mutable_instructions(2)->mutable_transitions()->mutable_onfailure()->set_sequence(5);
    plan.mutable_instructions(3)->mutable_release()->set_holdinstructionsequence(2);
    plan.mutable_instructions(4)->mutable_reverthold()->set_holdinstructionsequence(2);
    std::vector<double> rssBefore;
    for (auto& r : routers) rssBefore.push_back(peakRssMb(r.pid));
    signedPlans = signedCopies(plan, park);
    auto start = Clock::now();
    std::vector<std::thread> submitters;
    for (int w = 0; w < 16; ++w) {
      submitters.emplace_back([&] {
        for (std::size_t k; (k = next++) < park;) submit(k, Clock::now());
      });
    }
    for (auto& t : submitters) t.join();
    std::this_thread::sleep_for(
        std::chrono::seconds(3));  // approvals settle; plans park at the Await
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf(
        "finp2p-execbench: %zu plans parked in flight on %zu routers (submitted in %.1f s, "
        "%zu submit errors)\n",
        park, routersCount, secs, submitErrors.load());
    // Peak includes the submission burst (messages queued for peers while 16 clients submit as
    // fast as they can); resident-now is what the parked plans themselves hold.
    for (std::size_t i = 0; i < routers.size(); ++i) {
      double rss = peakRssMb(routers[i].pid);
      double now = statusMb(routers[i].pid, "VmRSS");
      std::printf(
          "  %s: peak RSS %.1f MB (%.1f MB before), %.1f KB per plan in flight; resident once "
          "parked %.1f MB (%.1f KB per plan)\n",
          routers[i].org.c_str(), rss, rssBefore[i],
          1024 * (rss - rssBefore[i]) / static_cast<double>(park), now,
          1024 * (now - rssBefore[i]) / static_cast<double>(park));
    }
    for (auto& c : streamContexts) c->TryCancel();
    for (auto& s : streams) s.join();
    stopAll();
    return submitErrors == 0 ? 0 : 1;
  }

  auto began = Clock::now();
  std::vector<std::thread> workers;
  if (rate <= 0) {
    for (std::size_t w = 0; w < concurrency; ++w) {
      workers.emplace_back([&] {
        for (std::size_t k; (k = next++) < plans;) {
          auto id = submit(k, Clock::now());
          if (!id.empty()) tracker.waitFor(id, std::chrono::seconds(60));
        }
      });
    }
  } else {
    // Open loop: plan k is due at began + k/rate; latency counts from that moment, so a
    // router that falls behind is charged for the queueing it causes.
    std::size_t submitters = 32;
    for (std::size_t w = 0; w < submitters; ++w) {
      workers.emplace_back([&] {
        for (std::size_t k; (k = next++) < plans;) {
          auto due = began + std::chrono::microseconds(static_cast<int64_t>(1e6 * k / rate));
          std::this_thread::sleep_until(due);
          submit(k, due);
        }
      });
    }
  }
  for (auto& w : workers) w.join();
  // Open loop: the rate the submitters achieved (each waits for SubmitPlan's answer, so a router
  // that falls behind also slows them).
  double submitSeconds = std::chrono::duration<double>(Clock::now() - began).count();
  tracker.waitAll(plans - submitErrors, std::chrono::seconds(120));
  double wall = std::chrono::duration<double>(Clock::now() - began).count();

  double cpu = 0;
  std::vector<double> rss;
  std::vector<double> journalPerPlan;
  for (std::size_t i = 0; i < routers.size(); ++i) {
    cpu += cpuSeconds(routers[i].pid) - cpuBefore[i];
    rss.push_back(peakRssMb(routers[i].pid));
    journalPerPlan.push_back(
        static_cast<double>(journalBytes(work, routers[i].org) - journalBefore[i]) /
        static_cast<double>(std::max<std::size_t>(plans, 1)));
  }
  for (auto& c : streamContexts) c->TryCancel();
  for (auto& s : streams) s.join();
  stopAll();

  auto r = tracker.result();
  r.failed += submitErrors;
  std::size_t n = routersCount;
  std::size_t messages = (n - 1) * (1 + 4 * n);  // see docs/benchmarks.md
  double throughput = static_cast<double>(r.completed) / wall;
  std::printf(
      "finp2p-execbench: %zu routers, %s, %zu DvP plans; Ed25519 seals and signatures on, "
      "fsync on (SQLite synchronous=FULL, journal and ledgers)\n",
      n,
      rate > 0 ? ("open loop at " + std::to_string(static_cast<int>(rate)) + " plans/s").c_str()
               : ("closed loop, " + std::to_string(concurrency) + " in flight").c_str(),
      plans);
  std::printf("  completed %zu, failures %zu, %.2f s: %.1f plans/s\n", r.completed, r.failed, wall,
              throughput);
  std::printf(
      "  latency submit -> completed on every router: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, "
      "max %.1f ms\n",
      percentile(r.latenciesMs, 0.5), percentile(r.latenciesMs, 0.9),
      percentile(r.latenciesMs, 0.99), r.latenciesMs.empty() ? 0 : r.latenciesMs.back());
  double cpuPerPlanMs = 1000 * cpu / static_cast<double>(std::max<std::size_t>(r.completed, 1));
  std::printf("  CPU per plan (sum over routers): %.2f ms = %.1f x the floor\n", cpuPerPlanMs,
              cpuPerPlanMs / floor.millis());
  std::printf("  floor (measured now): %s\n", floor.describe().c_str());
  std::printf("  peak RSS:");
  for (std::size_t i = 0; i < n; ++i) std::printf(" %s %.1f MB", routers[i].org.c_str(), rss[i]);
  std::printf("\n  journal bytes per plan:");
  for (std::size_t i = 0; i < n; ++i)
    std::printf(" %s %.0f", routers[i].org.c_str(), journalPerPlan[i]);
  std::printf("\n  peer messages per plan (by protocol): %zu\n", messages);
  double submittedPerSecond = rate > 0 ? static_cast<double>(plans) / submitSeconds : 0;
  if (rate > 0) {
    std::printf("  offered %.0f plans/s, submitted %.1f plans/s, completed %.1f plans/s\n", rate,
                submittedPerSecond, throughput);
  }
  // finp2p-execd ÷ the spec client: below 1 for plans/s and above 1 for CPU means the router
  // costs more than the protocol it implements needs.
  double overSpecRate = 0, overSpecCpu = 0;
  if (spec && specResult.completed > 0) {
    overSpecRate = throughput / specResult.plansPerSecond;
    overSpecCpu = cpuPerPlanMs / specResult.cpuMsPerPlan;
    std::printf(
        "  finp2p-execd / spec client: plans/s %.1f / %.1f = %.2f; CPU per plan %.2f / %.2f ms "
        "= %.2f; p99 %.1f / %.1f ms\n",
        throughput, specResult.plansPerSecond, overSpecRate, cpuPerPlanMs, specResult.cpuMsPerPlan,
        overSpecCpu, percentile(r.latenciesMs, 0.99), percentile(specResult.latenciesMs, 0.99));
  }
  if (json) {
    // One line; a figure that was not measured is null, so a reader can tell it from zero.
    std::ostringstream j;
    j.setf(std::ios::fixed);
    auto field = [&](const char* name, double value, int precision, bool known = true) {
      j << ",\"" << name << "\":";
      if (known) {
        j.precision(precision);
        j << value;
      } else {
        j << "null";
      }
    };
    j << "{\"routers\":" << n << ",\"plans\":" << plans
      << ",\"concurrency\":" << (rate > 0 ? 0 : concurrency);
    field("rate", rate, 0);
    j << ",\"completed\":" << r.completed << ",\"failures\":" << r.failed;
    field("seconds", wall, 3);
    field("plans_per_second", throughput, 1);
    field("submitted_per_second", submittedPerSecond, 1, rate > 0);
    field("p50_ms", percentile(r.latenciesMs, 0.5), 2);
    field("p90_ms", percentile(r.latenciesMs, 0.9), 2);
    field("p99_ms", percentile(r.latenciesMs, 0.99), 2);
    field("max_ms", r.latenciesMs.empty() ? 0 : r.latenciesMs.back(), 2);
    field("cpu_ms_per_plan", cpuPerPlanMs, 3);
    field("floor_ms", floor.millis(), 3);
    field("cpu_over_floor", cpuPerPlanMs / floor.millis(), 2);
    // No batched seals in this build: the floor of a batched protocol is not computed.
    field("batched_floor_ms", 0, 3, false);
    field("peak_rss_mb_max", *std::max_element(rss.begin(), rss.end()), 1);
    j << ",\"messages_per_plan\":" << messages;
    const bool specRan = spec && specResult.completed > 0;
    field("spec_plans_per_second", specResult.plansPerSecond, 1, specRan);
    field("spec_cpu_ms_per_plan", specResult.cpuMsPerPlan, 3, specRan);
    field("spec_p99_ms", percentile(specResult.latenciesMs, 0.99), 2, specRan);
    field("spec_failures", static_cast<double>(specResult.failures), 0, spec);
    field("spec_requests_per_plan", specResult.requests, 2, specRan);
    field("spec_signatures_per_plan", specResult.signatures, 2, specRan);
    field("spec_verifications_per_plan", specResult.verifications, 2, specRan);
    field("spec_fsyncs_per_plan", specResult.fsyncs, 3, specRan);
    field("execd_over_spec_plans_per_second", overSpecRate, 3, specRan);
    field("execd_over_spec_cpu_per_plan", overSpecCpu, 3, specRan);
    j << ",\"windows\":[";
    auto windows = tracker.windows();
    for (std::size_t i = 0; i < windows.size(); ++i) {
      j.precision(1);
      j << (i ? "," : "") << windows[i];
    }
    j << "]}";
    std::printf("%s\n", j.str().c_str());
  }
  return r.failed == 0 ? 0 : 1;
}
