// file-ledger: a sample ledger plugin for vendors. It keeps balances in memory and makes them
// durable by appending every executed operation to a log file (fsync'd) that it replays on
// start. Built against the installed SDK only; passes finp2p-ledger-conformance.
//
// [ledger.config]
//   log = "/var/lib/finp2p/file-ledger.log"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>

#include "finp2p/ledger/adapter.hpp"
#include "finp2p/ledger/decimal.hpp"

namespace {

using namespace finp2p::ledger;

struct Account {
  Decimal available, held;
};
struct Hold {
  std::string owner, beneficiary, asset;
  Decimal remaining;
  bool open = true;
};
struct Stored {
  std::string fingerprint;
  Outcome outcome;
};

class FileLedger final : public Adapter {
 public:
  explicit FileLedger(const Config& config) {
    auto path = config.getPath("log");  // relative: to the router's TOML
    if (!path) throw std::invalid_argument("config key \"log\" is required");
    replay(*path);
    fd_ = ::open(path->c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd_ < 0) throw std::runtime_error("cannot open " + *path);
  }
  ~FileLedger() override { ::close(fd_); }

  Description describe() const override {
    return {"file-ledger", "0.1.0", allOperations(), "fiat"};
  }

  void execute(const Operation& op, Completion done) override {
    if (op.kind == FINP2P_LEDGER_OP_AWAIT) return Adapter::await(op, done);
    std::lock_guard lock(mutex_);
    if (auto it = ops_.find(op.context.idempotencyKey); it != ops_.end()) {
      if (it->second.fingerprint != operationFingerprint(op)) {
        return done.complete(Outcome::failure(FINP2P_LEDGER_ERROR_VALIDATION,
                                              "idempotency key reused for another operation"));
      }
      return done.complete(it->second.outcome);
    }
    std::string txId = newTransactionId();
    Outcome outcome = apply(op, txId, nowUnixMs() / 1000);
    append(op, txId, outcome.receipt ? outcome.receipt->timestampUnixS : 0);
    done.complete(outcome);
  }

  Outcome lookup(const std::string& key) override {
    std::lock_guard lock(mutex_);
    auto it = ops_.find(key);
    if (it == ops_.end())
      return Outcome::failure(FINP2P_LEDGER_ERROR_NOT_FOUND, "unknown key " + key);
    return it->second.outcome;
  }

  Outcome verify(const Receipt& r) override {
    std::lock_guard lock(mutex_);
    auto it = ops_.find(r.operationId);
    if (it == ops_.end() || !it->second.outcome.receipt) {
      return Outcome::failure(FINP2P_LEDGER_ERROR_NOT_FOUND, "no transaction for " + r.operationId);
    }
    const Receipt& mine = *it->second.outcome.receipt;
    bool same = mine.transactionId == r.transactionId && mine.source == r.source &&
                mine.destination == r.destination && mine.asset == r.asset &&
                Decimal::parse(r.quantity) == Decimal::parse(mine.quantity);
    return same ? Outcome::success()
                : Outcome::failure(FINP2P_LEDGER_ERROR_VALIDATION, "receipt does not match");
  }

  Balance balance(const std::string& account, const std::string& asset) override {
    std::lock_guard lock(mutex_);
    auto it = accounts_.find({account, asset});
    if (it == accounts_.end())
      return {FINP2P_LEDGER_ERROR_NOT_FOUND, "unknown account", "", "", ""};
    const Account& a = it->second;
    return {FINP2P_LEDGER_OK, "", (a.available + a.held).toString(), a.available.toString(),
            a.held.toString()};
  }

 private:
  static Outcome fail(finp2p_ledger_status s, const std::string& why) {
    return Outcome::failure(s, why);
  }

  Outcome apply(const Operation& op, const std::string& txId, int64_t timestamp) {
    std::string why;
    bool hasAmount = op.kind != FINP2P_LEDGER_OP_REVERT_HOLD &&
                     !(op.kind == FINP2P_LEDGER_OP_RELEASE && op.amount.empty());
    std::optional<Decimal> amount;
    if (hasAmount) {
      amount = Decimal::parse(op.amount, op.assetDecimals, &why);
      if (!amount) return fail(FINP2P_LEDGER_ERROR_VALIDATION, why);
      if (amount->isZero()) return fail(FINP2P_LEDGER_ERROR_VALIDATION, "amount must be positive");
    }
    Receipt r{txId,
              op.context.idempotencyKey,
              operationKindName(op.kind),
              op.source,
              op.destination,
              op.asset,
              hasAmount ? amount->toString() : "",
              timestamp,
              ""};
    auto spend = [&](const std::string& who) -> std::optional<Outcome> {
      auto it = accounts_.find({who, op.asset});
      if (it == accounts_.end())
        return fail(FINP2P_LEDGER_ERROR_VALIDATION, "unknown account " + who);
      if (it->second.available < *amount) {
        return fail(FINP2P_LEDGER_ERROR_SETTLEMENT, "insufficient balance: " + who + " has " +
                                                        it->second.available.toString() +
                                                        ", needs " + amount->toString());
      }
      return std::nullopt;
    };
    switch (op.kind) {
      case FINP2P_LEDGER_OP_ISSUE:
        accounts_[{op.destination, op.asset}].available =
            accounts_[{op.destination, op.asset}].available + *amount;
        break;
      case FINP2P_LEDGER_OP_TRANSFER:
      case FINP2P_LEDGER_OP_REDEEM:
      case FINP2P_LEDGER_OP_HOLD: {
        if (auto bad = spend(op.source)) return record(op, *bad);
        Account& from = accounts_[{op.source, op.asset}];
        from.available = *from.available.minus(*amount);
        if (op.kind == FINP2P_LEDGER_OP_TRANSFER) {
          accounts_[{op.destination, op.asset}].available =
              accounts_[{op.destination, op.asset}].available + *amount;
        } else if (op.kind == FINP2P_LEDGER_OP_HOLD) {
          from.held = from.held + *amount;
          holds_[op.context.idempotencyKey] = {op.source, op.destination, op.asset, *amount, true};
        }
        break;
      }
      case FINP2P_LEDGER_OP_RELEASE:
      case FINP2P_LEDGER_OP_REVERT_HOLD: {
        auto it = holds_.find(op.holdOperationId);
        if (it == holds_.end() || !it->second.open) {
          return record(op,
                        fail(FINP2P_LEDGER_ERROR_VALIDATION, "no open hold " + op.holdOperationId));
        }
        Hold& h = it->second;
        Decimal moved = amount ? *amount : h.remaining;
        if (op.kind == FINP2P_LEDGER_OP_REVERT_HOLD) moved = h.remaining;
        if (h.remaining < moved)
          return record(op, fail(FINP2P_LEDGER_ERROR_VALIDATION, "more than held"));
        Account& owner = accounts_[{h.owner, h.asset}];
        owner.held = *owner.held.minus(moved);
        std::string to = op.kind == FINP2P_LEDGER_OP_REVERT_HOLD ? h.owner
                         : op.destination.empty()                ? h.beneficiary
                                                                 : op.destination;
        accounts_[{to, h.asset}].available = accounts_[{to, h.asset}].available + moved;
        h.remaining = *h.remaining.minus(moved);
        h.open = !h.remaining.isZero();
        r = Receipt{txId,
                    op.context.idempotencyKey,
                    operationKindName(op.kind),
                    h.owner,
                    to,
                    h.asset,
                    moved.toString(),
                    timestamp,
                    ""};
        break;
      }
      case FINP2P_LEDGER_OP_AWAIT:
        break;
    }
    return record(op, Outcome::success(r));
  }

  Outcome record(const Operation& op, Outcome outcome) {
    ops_[op.context.idempotencyKey] = {operationFingerprint(op), outcome};
    return outcome;
  }

  // One line per operation: its inputs, transaction id and timestamp; replaying the lines in
  // order through apply() rebuilds the same state and outcomes.
  void append(const Operation& op, const std::string& txId, int64_t timestamp) {
    std::ostringstream line;
    line << op.kind << '\t' << op.context.idempotencyKey << '\t' << op.source << '\t'
         << op.destination << '\t' << op.asset << '\t' << op.assetDecimals << '\t' << op.amount
         << '\t' << op.holdOperationId << '\t' << txId << '\t' << timestamp << '\n';
    std::string s = line.str();
    if (::write(fd_, s.data(), s.size()) != static_cast<ssize_t>(s.size()) ||
        ::fdatasync(fd_) != 0) {
      throw std::runtime_error("cannot persist operation " + op.context.idempotencyKey);
    }
  }

  void replay(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream ss(line);
      for (std::string part; std::getline(ss, part, '\t');) f.push_back(part);
      while (f.size() < 10) f.emplace_back();
      Operation op;
      op.kind = static_cast<OperationKind>(std::stoi(f[0]));
      op.context.idempotencyKey = f[1];
      op.source = f[2];
      op.destination = f[3];
      op.asset = f[4];
      op.assetDecimals = static_cast<uint32_t>(std::stoul(f[5]));
      op.amount = f[6];
      op.holdOperationId = f[7];
      apply(op, f[8], std::stoll(f[9]));
    }
  }

  static std::string newTransactionId() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    return "fl-" + std::to_string(rng());
  }

  std::mutex mutex_;
  int fd_ = -1;
  std::map<std::pair<std::string, std::string>, Account> accounts_;
  std::map<std::string, Hold> holds_;
  std::map<std::string, Stored> ops_;
};

}  // namespace

FINP2P_LEDGER_PLUGIN(FileLedger)
