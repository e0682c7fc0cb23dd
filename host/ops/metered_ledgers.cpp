#include "ops/metered_ledgers.hpp"

#include <algorithm>
#include <chrono>

namespace finp2p::ops {

MeteredLedgers::Done MeteredLedgers::timed(const std::string& asset, const char* operation,
                                           const char* kind, Done done) {
  auto ledger = inner_.ledgerFor(asset).value_or("none");
  auto start = std::chrono::steady_clock::now();
  return [this, ledger = std::move(ledger), operation, kind, start,
          done = std::move(done)](ledger::Outcome outcome) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // "settlement error" -> settlement_error: label values read like identifiers.
    std::string name = ledger::statusName(outcome.status);
    std::replace(name.begin(), name.end(), ' ', '_');
    metrics_.ledgerCall(ledger, operation, name, seconds);
    if (kind) metrics_.instructionExecuted(ledger, kind, seconds);
    done(std::move(outcome));
  };
}

void MeteredLedgers::preflight(const std::string& asset, const ledger::Operation& op, Done done) {
  inner_.preflight(asset, op, timed(asset, "preflight", nullptr, std::move(done)));
}

void MeteredLedgers::lookup(const std::string& asset, const std::string& key, Done done) {
  inner_.lookup(asset, key, timed(asset, "lookup", nullptr, std::move(done)));
}

void MeteredLedgers::execute(const std::string& asset, const ledger::Operation& op, Done done) {
  inner_.execute(asset, op,
                 timed(asset, "execute", ledger::operationKindName(op.kind), std::move(done)));
}

void MeteredLedgers::verify(const std::string& asset, const ledger::Receipt& receipt, Done done) {
  inner_.verify(asset, receipt, timed(asset, "verify", nullptr, std::move(done)));
}

}  // namespace finp2p::ops
