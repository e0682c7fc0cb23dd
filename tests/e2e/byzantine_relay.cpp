// A Byzantine peer against a live router: a relay between a real router (the sender, bank-b)
// and a real router (the target, bank-a) that, before it passes on each message of a real plan,
// sends the target every mutation of it — each set field in turn, at any depth, found from the
// protobuf descriptors, re-sealed with the sender's valid key — and the same message sealed by
// each other organization, and with its inner signature made by another organization's key.
// After each one it compares the target's journal and ledger files (every row of every table,
// read-only) with what they were before. Then it passes the genuine message on, waits for the
// target to settle, and replays it under a new message id (which must change nothing).
//
//   byzantine_relay --listen PORT --target HOST:PORT --sender ORG --receiver ORG
//                   --key ORG=PEM... --state FILE.db... --report FILE
// Prints one line per mutation to the report ("kind path code changed|same") and a summary on
// exit (SIGTERM). A message whose mutations it cannot judge is passed on unchanged.

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "../support/field_mutations.hpp"
#include "crypto/sealing.hpp"
#include "finp2p/execution.grpc.pb.h"

using namespace finp2p::execution;
using finp2p::crypto::SigningKey;

namespace {

// A digest of every row of every table of some SQLite files, opened read-only.
std::string stateDigest(const std::vector<std::string>& files) {
  std::string all;
  for (const auto& file : files) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      sqlite3_close(db);
      return "unreadable " + file;
    }
    sqlite3_busy_timeout(db, 2000);
    std::vector<std::string> tables;
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name", -1,
                       &st, nullptr);
    while (sqlite3_step(st) == SQLITE_ROW) {
      tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    }
    sqlite3_finalize(st);
    for (const auto& t : tables) {
      all += "\n#" + t;
      sqlite3_prepare_v2(db, ("SELECT * FROM \"" + t + "\"").c_str(), -1, &st, nullptr);
      while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); ++c) {
          const void* v = sqlite3_column_blob(st, c);
          all.append(v ? static_cast<const char*>(v) : "", sqlite3_column_bytes(st, c));
          all += '\x1f';
        }
        all += '\n';
      }
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
  }
  auto d = finp2p::crypto::sha3_256(all);
  return finp2p::crypto::toHex(d);
}

int64_t nowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class ByzantineRelay final : public ExecutionService::Service {
 public:
  ByzantineRelay(std::shared_ptr<grpc::Channel> target, std::string sender, std::string receiver,
                 std::map<std::string, SigningKey> keys, std::vector<std::string> state,
                 std::string report)
      : stub_(ExecutionService::NewStub(target)),
        sender_(std::move(sender)),
        receiver_(std::move(receiver)),
        keys_(std::move(keys)),
        state_(std::move(state)),
        report_(report) {}

  grpc::Status Propose(grpc::ServerContext*, const SignedProposeRequest* r,
                       SignedProposeResponse* out) override {
    std::lock_guard lock(mutex_);
    const auto& q = r->request();
    if (q.has_executionplan())
      plans_[q.executionplan().plan().id().id()] = q.executionplan().plan();
    // A new plan's proposal goes first: before it, every mutation would be a plan of its own.
    if (fresh(*r))
      attack(*r, q.has_executionplan() ? "proposal" : "completion", q.has_executionplan());
    return forward(*r, out);
  }
  grpc::Status Approve(grpc::ServerContext*, const SignedApproveRequest* r,
                       SignedApproveResponse* out) override {
    std::lock_guard lock(mutex_);
    const auto& q = r->request();
    if (fresh(*r)) {
      if (q.has_instructioncompletion()) {
        // The rejection the sender could have sent instead: only its mutations are sent (the
        // genuine one would fail the plan), and each must be refused.
        SignedRejectRequest rejection;
        auto* env = rejection.mutable_request()->mutable_envelope();
        *env = q.envelope();
        env->set_messageid(env->messageid() + "-rejection");
        const auto& event = q.instructioncompletion().instructioncompletion();
        auto* c = rejection.mutable_request()->mutable_instructioncompletion();
        *c->mutable_executionplanid() = event.instruction().planid();
        c->set_instructionsequence(event.instruction().sequence());
        c->set_reason("byzantine");
        *rejection.mutable_signature() =
            finp2p::crypto::seal(rejection.request(), key(sender_), sender_);
        attack(rejection, "completion rejection", false, /*synthesized=*/true);
      }
      attack(*r, q.has_plan() ? "plan approval" : "completion approval", false);
    }
    return forward(*r, out);
  }
  grpc::Status Reject(grpc::ServerContext*, const SignedRejectRequest* r,
                      SignedRejectResponse* out) override {
    std::lock_guard lock(mutex_);
    if (fresh(*r))
      attack(*r, r->request().has_plan() ? "plan rejection" : "completion rejection", false);
    return forward(*r, out);
  }
  grpc::Status Resend(grpc::ServerContext*, const SignedResendRequest* r,
                      SignedResendResponse* out) override {
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->Resend(&c, *r, out);
  }

  // Summary and verdict: 0 when every mutation was refused (or, for a replay, changed nothing).
  int finish() {
    std::lock_guard lock(mutex_);
    std::string kinds;
    for (const auto& [k, n] : byKind_)
      kinds += (kinds.empty() ? "" : ", ") + k + " " + std::to_string(n);
    std::string codes;
    for (const auto& [c, n] : byCode_) codes += " " + std::to_string(c) + ":" + std::to_string(n);
    std::fprintf(stdout,
                 "byzantine relay: %d messages, %d mutations (%s), %d signer variants; refusal "
                 "codes%s; %d findings\n",
                 messages_, mutations_, kinds.c_str(), signers_, codes.c_str(), findings_);
    std::fflush(stdout);
    return findings_ == 0 && mutations_ > 0 ? 0 : 1;
  }

 private:
  const SigningKey& key(const std::string& org) const { return keys_.at(org); }

  template <typename Signed>
  bool fresh(const Signed& r) {
    return seen_.insert(r.request().envelope().messageid()).second;
  }

  // One call to the target; the status code of its answer, or -1 when there was none.
  template <typename Signed>
  int send(const Signed& r) {
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status rpc;
    finp2p::common::Status answer;
    if constexpr (std::is_same_v<Signed, SignedProposeRequest>) {
      SignedProposeResponse out;
      rpc = stub_->Propose(&c, r, &out);
      answer = out.response().status();
    } else if constexpr (std::is_same_v<Signed, SignedApproveRequest>) {
      SignedApproveResponse out;
      rpc = stub_->Approve(&c, r, &out);
      answer = out.response().status();
    } else {
      SignedRejectResponse out;
      rpc = stub_->Reject(&c, r, &out);
      answer = out.response().status();
    }
    lastMessage_ = answer.message();
    return rpc.ok() ? answer.code() : -1;
  }

  template <typename Signed, typename Response>
  grpc::Status forward(const Signed& r, Response* out) {
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status s;
    if constexpr (std::is_same_v<Signed, SignedProposeRequest>) s = stub_->Propose(&c, r, out);
    if constexpr (std::is_same_v<Signed, SignedApproveRequest>) s = stub_->Approve(&c, r, out);
    if constexpr (std::is_same_v<Signed, SignedRejectRequest>) s = stub_->Reject(&c, r, out);
    return s;
  }

  // The genuine message, its answer dropped (the sender gets the target's answer to its own
  // call, which the target gives again as a duplicate).
  template <typename Signed>
  void passOn(const Signed& r) {
    if constexpr (std::is_same_v<Signed, SignedProposeRequest>) {
      SignedProposeResponse out;
      (void)forward(r, &out);
    } else if constexpr (std::is_same_v<Signed, SignedApproveRequest>) {
      SignedApproveResponse out;
      (void)forward(r, &out);
    } else {
      SignedRejectResponse out;
      (void)forward(r, &out);
    }
  }

  // The target's files stop changing (its own steps after the last message are done).
  std::string settled() {
    std::string last = stateDigest(state_);
    int same = 0;
    for (int i = 0; i < 100 && same < 4; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::string now = stateDigest(state_);
      same = now == last ? same + 1 : 0;
      last = now;
    }
    return last;
  }

  // Sends one hostile variant and judges it: refused with a code in `allowed` and nothing
  // changed; or, when `mayAccept`, nothing changed whatever the answer.
  template <typename Signed>
  void judge(const std::string& kind, const std::string& what, const Signed& r,
             const std::set<int>& allowed, bool mayAccept = false) {
    std::string before = stateDigest(state_);
    int code = send(r);
    std::string after = stateDigest(state_);
    bool changed = before != after;
    ++byCode_[code];
    bool ok = !changed && (mayAccept || allowed.count(code));
    if (!ok) ++findings_;
    report_ << (ok ? "ok " : "FINDING ") << kind << " " << what << " code=" << code << " "
            << (changed ? "changed" : "same") << " " << lastMessage_ << "\n";
    report_.flush();
  }

  template <typename Signed>
  void attack(const Signed& genuine, const std::string& kind, bool forwardFirst,
              bool synthesized = false) {
    ++messages_;
    const std::set<int> refusal = {1, 4, 5, 6, 7};
    if (forwardFirst) passOn(genuine);
    settled();
    bool rejection = kind.find("rejection") != std::string::npos;
    // Every set field of the request (envelope and body), re-sealed with the sender's key.
    std::size_t leaves = finp2p::testing::countLeaves(genuine.request());
    for (std::size_t n = 0; n < leaves; ++n) {
      Signed m = genuine;
      std::string path = finp2p::testing::mutateLeaf(*m.mutable_request(), n);
      // A new id is the same message again: judged after the genuine one, below. A rejection's
      // reason is free text its sender may set to anything.
      if (path == "envelope.messageId" ||
          (rejection && path.size() >= 6 && path.compare(path.size() - 6, 6, "reason") == 0)) {
        continue;
      }
      // A fresh id, so that the content is judged (an id already accepted is answered as a
      // duplicate before anything else is looked at).
      m.mutable_request()->mutable_envelope()->set_messageid(
          genuine.request().envelope().messageid() + "~" + std::to_string(n));
      *m.mutable_signature() = finp2p::crypto::seal(m.request(), key(sender_), sender_);
      ++mutations_;
      ++byKind_[kind];
      judge(kind, path, m, refusal);
    }
    // Every field of the seal itself, not re-sealed.
    std::size_t sealLeaves = finp2p::testing::countLeaves(genuine.signature());
    for (std::size_t n = 0; n < sealLeaves; ++n) {
      Signed m = genuine;
      std::string path = "seal." + finp2p::testing::mutateLeaf(*m.mutable_signature(), n);
      ++mutations_;
      ++byKind_[kind];
      judge(kind, path, m, {4, 5});
    }
    // The same message from each other organization (an observer, the receiver itself).
    for (const auto& [org, k] : keys_) {
      if (org == sender_) continue;
      Signed m = genuine;
      m.mutable_request()->mutable_envelope()->set_senderorganizationid(org);
      m.mutable_request()->mutable_envelope()->set_messageid(
          genuine.request().envelope().messageid() + "~" + org);
      *m.mutable_signature() = finp2p::crypto::seal(m.request(), k, org);
      ++signers_;
      judge(kind, "sealed by " + org, m, {5});
      // Its inner signature made with that organization's key instead of the sender's.
      Signed inner = genuine;
      inner.mutable_request()->mutable_envelope()->set_messageid(
          genuine.request().envelope().messageid() + "~inner-" + org);
      if (resignInner(*inner.mutable_request(), k)) {
        *inner.mutable_signature() = finp2p::crypto::seal(inner.request(), key(sender_), sender_);
        ++signers_;
        judge(kind, "inner signature by " + org, inner, {4});
      }
    }
    if (synthesized) return;
    if (!forwardFirst) passOn(genuine);
    settled();
    Signed replay = genuine;
    auto* env = replay.mutable_request()->mutable_envelope();
    env->set_messageid(env->messageid() + "-replay");
    env->set_timestampmillis(nowMillis());
    *replay.mutable_signature() = finp2p::crypto::seal(replay.request(), key(sender_), sender_);
    ++mutations_;
    ++byKind_[kind];
    judge(kind, "envelope.messageId (replayed under a new id)", replay, refusal, true);
  }

  // Replaces the signature inside the message (a plan approval's, a completion's, a completion
  // approval's) with one made by `k` over the same content; false when the message has none.
  bool resignInner(ProposeRequest& r, const SigningKey& k) {
    if (!r.has_instructioncompletion()) return false;
    finp2p::crypto::signCompletion(*r.mutable_instructioncompletion(), k);
    return true;
  }
  bool resignInner(ApproveRequest& r, const SigningKey& k) {
    if (r.has_instructioncompletion()) {
      auto event = r.instructioncompletion().instructioncompletion();
      *r.mutable_instructioncompletion() = finp2p::crypto::approveCompletion(event, sender_, k);
      return true;
    }
    auto plan = plans_.find(r.plan().executionplanid().id());
    if (plan == plans_.end()) return false;
    *r.mutable_plan() = finp2p::crypto::signPlanApproval(plan->second, sender_, k);
    return true;
  }
  bool resignInner(RejectRequest&, const SigningKey&) { return false; }

  std::unique_ptr<ExecutionService::Stub> stub_;
  std::string sender_, receiver_;
  std::map<std::string, SigningKey> keys_;
  std::vector<std::string> state_;
  std::ofstream report_;
  std::mutex mutex_;
  std::set<std::string> seen_;
  std::map<std::string, ExecutionPlan> plans_;
  std::map<std::string, int> byKind_;
  std::map<int, int> byCode_;
  std::string lastMessage_;
  int messages_ = 0, mutations_ = 0, signers_ = 0, findings_ = 0;
};

std::atomic<bool> stop{false};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"byzantine_relay"};
  std::string listen, target, sender, receiver, report;
  std::vector<std::string> keySpecs, state;
  app.add_option("--listen", listen)->required();
  app.add_option("--target", target)->required();
  app.add_option("--sender", sender)->required();
  app.add_option("--receiver", receiver)->required();
  app.add_option("--key", keySpecs, "ORG=PEM: the private key of each organization")->required();
  app.add_option("--state", state, "The target's SQLite files (journal, ledgers)")->required();
  app.add_option("--report", report)->required();
  CLI11_PARSE(app, argc, argv);
  std::map<std::string, SigningKey> keys;
  for (const auto& spec : keySpecs) {
    auto eq = spec.find('=');
    auto k = SigningKey::fromPemFile(spec.substr(eq + 1));
    if (eq == std::string::npos || !k) {
      std::fprintf(stderr, "bad --key %s\n", spec.c_str());
      return 2;
    }
    keys.emplace(spec.substr(0, eq), std::move(*k));
  }
  ByzantineRelay relay(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()), sender,
                       receiver, std::move(keys), state, report);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + listen, grpc::InsecureServerCredentials());
  builder.RegisterService(&relay);
  auto server = builder.BuildAndStart();
  if (!server) return 2;
  signal(SIGTERM, [](int) { stop = true; });
  signal(SIGINT, [](int) { stop = true; });
  std::printf("listening\n");
  std::fflush(stdout);
  while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return relay.finish();
}
