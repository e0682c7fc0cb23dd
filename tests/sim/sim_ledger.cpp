#include "sim_ledger.hpp"

namespace finp2p::sim {

namespace {
ledger::Decimal amountOf(const std::string& text) {
  return ledger::Decimal::parse(text).value_or(ledger::Decimal());
}
ledger::Receipt receiptFor(const ledger::Operation& op, const std::string& amount) {
  ledger::Receipt r;
  r.transactionId = "tx-" + op.context.idempotencyKey;
  r.operationId = op.context.idempotencyKey;
  r.operationType = ledger::operationKindName(op.kind);
  r.source = op.source;
  r.destination = op.destination;
  r.asset = op.asset;
  r.quantity = amount;
  r.timestampUnixS = 1'800'000'000;
  return r;
}
}  // namespace

ledger::Outcome Book::apply(const ledger::Operation& op) {
  const std::string& key = op.context.idempotencyKey;
  if (auto it = done.find(key); it != done.end()) {
    violations.push_back("ledger " + name + ": " + key + " was executed again (" +
                         ledger::operationKindName(op.kind) + ") without a lookup finding it");
    return it->second;
  }
  ++executions[key];
  auto fail = [&](ledger::Status s, const std::string& why) {
    return done[key] = ledger::Outcome::failure(s, why);
  };
  ledger::Decimal amount = amountOf(op.amount);
  switch (op.kind) {
    case FINP2P_LEDGER_OP_TRANSFER:
    case FINP2P_LEDGER_OP_HOLD: {
      auto& from = available[{op.source, op.asset}];
      auto left = from.minus(amount);
      if (!left) {
        return fail(FINP2P_LEDGER_ERROR_SETTLEMENT, "insufficient balance: " + op.source + " has " +
                                                        from.toString() + " " + op.asset +
                                                        ", needs " + op.amount);
      }
      from = *left;
      if (op.kind == FINP2P_LEDGER_OP_HOLD) {
        holds[key] = Hold{op.source, op.asset, amount, true};
      } else {
        auto& to = available[{op.destination, op.asset}];
        to = to + amount;
      }
      return done[key] = ledger::Outcome::success(receiptFor(op, op.amount));
    }
    case FINP2P_LEDGER_OP_RELEASE:
    case FINP2P_LEDGER_OP_REVERT_HOLD: {
      auto hold = holds.find(op.holdOperationId);
      if (hold == holds.end() || !hold->second.open) {
        return fail(FINP2P_LEDGER_ERROR_VALIDATION, "unknown or closed hold " + op.holdOperationId);
      }
      hold->second.open = false;
      bool release = op.kind == FINP2P_LEDGER_OP_RELEASE;
      const std::string& to = release ? op.destination : hold->second.source;
      auto& balance = available[{to, hold->second.asset}];
      balance = balance + hold->second.amount;
      ledger::Operation shown = op;
      shown.asset = hold->second.asset;
      // A revert gives the hold back to its owner, and its receipt says so (as sqlite-ledger's
      // and the EVM plugin's do): the receipt check holds it to the Hold's source.
      if (!release) shown.source = shown.destination = hold->second.source;
      return done[key] =
                 ledger::Outcome::success(receiptFor(shown, hold->second.amount.toString()));
    }
    default:
      return fail(FINP2P_LEDGER_ERROR_UNSUPPORTED, "the simulated ledger does not do this");
  }
}

ledger::Decimal Book::total(const std::string& asset) const {
  ledger::Decimal sum;
  for (const auto& [k, v] : available) {
    if (k.second == asset) sum = sum + v;
  }
  for (const auto& [k, h] : holds) {
    if (h.open && h.asset == asset) sum = sum + h.amount;
  }
  return sum;
}

ledger::Decimal Book::balance(const std::string& account, const std::string& asset) const {
  auto it = available.find({account, asset});
  return it == available.end() ? ledger::Decimal() : it->second;
}

std::size_t Book::openHolds() const {
  std::size_t n = 0;
  for (const auto& [k, h] : holds) n += h.open;
  return n;
}

Book* SimLedgers::bookOf(const std::string& asset) {
  for (auto* b : books_) {
    if (b->assets.count(asset)) return b;
  }
  return nullptr;
}

std::optional<std::string> SimLedgers::ledgerFor(const std::string& asset) {
  if (auto* b = bookOf(asset)) return b->name;
  return std::nullopt;
}

// The answer comes back as a task of this router's current incarnation: if it crashes first,
// the answer is lost (the operation, if applied, stays applied).
void SimLedgers::answer(Done done, ledger::Outcome outcome) {
  int64_t delay = world_.between(0, 3);
  if (faults_->slowMillis > 0 && world_.chance(0.2)) delay = world_.between(0, faults_->slowMillis);
  world_.schedule(world_.now() + delay, router_,
                  [done = std::move(done), outcome = std::move(outcome)]() mutable {
                    done(std::move(outcome));
                  });
}

void SimLedgers::preflight(const std::string& asset, const ledger::Operation&, Done done) {
  if (!bookOf(asset)) {
    return answer(std::move(done), ledger::Outcome::failure(FINP2P_LEDGER_ERROR_VALIDATION,
                                                            "no such asset " + asset));
  }
  answer(std::move(done), ledger::Outcome::success());
}

void SimLedgers::lookup(const std::string& asset, const std::string& key, Done done) {
  Book* book = bookOf(asset);
  auto it = book ? book->done.find(key) : decltype(book->done.end()){};
  if (!book || it == book->done.end()) {
    return answer(std::move(done),
                  ledger::Outcome::failure(FINP2P_LEDGER_ERROR_NOT_FOUND, "no operation " + key));
  }
  answer(std::move(done), it->second);
}

void SimLedgers::execute(const std::string& asset, const ledger::Operation& op, Done done) {
  Book* book = bookOf(asset);
  if (!book) {
    return answer(std::move(done),
                  ledger::Outcome::failure(FINP2P_LEDGER_ERROR_VALIDATION, "no such asset"));
  }
  if (world_.chance(faults_->unavailable)) {
    world_.log("ledger " + book->name + ": unavailable for " + op.context.idempotencyKey);
    return answer(std::move(done),
                  ledger::Outcome::failure(FINP2P_LEDGER_ERROR_UNAVAILABLE, "simulated outage"));
  }
  auto outcome = book->apply(op);
  world_.log("ledger " + book->name + ": " + ledger::operationKindName(op.kind) + " " +
             op.context.idempotencyKey + " -> " + ledger::statusName(outcome.status));
  if (faults_->lostAnswer > 0 && world_.chance(faults_->lostAnswer)) {
    bool crash = world_.chance(0.5);
    world_.log("ledger " + book->name + ": the answer is lost; " +
               (crash ? "the plugin crashed" : "the deadline passed"));
    outcome = crash ? ledger::Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL,
                                               "simulated crash after the operation committed")
                    : ledger::Outcome::failure(FINP2P_LEDGER_ERROR_TIMEOUT,
                                               "simulated answer after the deadline");
  }
  answer(std::move(done), std::move(outcome));
}

void SimLedgers::verify(const std::string& asset, const ledger::Receipt& receipt, Done done) {
  Book* book = bookOf(asset);
  auto it = book ? book->done.find(receipt.operationId) : decltype(book->done.end()){};
  if (!book || it == book->done.end() || !it->second.ok()) {
    return answer(std::move(done),
                  ledger::Outcome::failure(FINP2P_LEDGER_ERROR_NOT_FOUND, "no such transaction"));
  }
  answer(std::move(done), ledger::Outcome::success());
}

}  // namespace finp2p::sim
