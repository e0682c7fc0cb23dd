// The file-ledger's state: balances, holds and the outcome of every operation, in memory, made
// durable by an append-only log (one fsync'd line per executed operation) replayed on start.
// Not thread-safe: the adapter (file_ledger.cpp) serializes calls. Kept apart from the adapter
// so that the state can be read on its own, and reused by tests that wrap it.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "finp2p/ledger/adapter.hpp"
#include "finp2p/ledger/decimal.hpp"

namespace file_ledger {

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

class FileBook {
 public:
  // Opens (or creates) the log at `path`; with `replayLog` false, what it holds is not read.
  explicit FileBook(const std::string& path, bool replayLog = true) {
    if (replayLog) replay(path);
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd_ < 0) throw std::runtime_error("cannot open " + path);
  }
  ~FileBook() { ::close(fd_); }
  FileBook(const FileBook&) = delete;
  FileBook& operator=(const FileBook&) = delete;

  // What an idempotency key already produced, if anything.
  const Stored* stored(const std::string& key) const {
    auto it = ops_.find(key);
    return it == ops_.end() ? nullptr : &it->second;
  }

  // Applies a new operation and logs it durably before its outcome is returned.
  Outcome applyAndLog(const Operation& op) {
    std::string txId = newTransactionId();
    Outcome outcome = apply(op, txId, nowUnixMs() / 1000);
    append(op, txId, outcome.receipt ? outcome.receipt->timestampUnixS : 0);
    return outcome;
  }

  // A hold was placed under this operation id (open or not).
  bool hasHold(const std::string& holdOperationId) const {
    return holds_.count(holdOperationId) != 0;
  }

  Outcome lookup(const std::string& key) {
    auto it = ops_.find(key);
    if (it == ops_.end())
      return Outcome::failure(FINP2P_LEDGER_ERROR_NOT_FOUND, "unknown key " + key);
    return it->second.outcome;
  }

  Outcome verify(const Receipt& r) {
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

  Balance balance(const std::string& account, const std::string& asset) {
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

  int fd_ = -1;
  std::map<std::pair<std::string, std::string>, Account> accounts_;
  std::map<std::string, Hold> holds_;
  std::map<std::string, Stored> ops_;
};

}  // namespace file_ledger
