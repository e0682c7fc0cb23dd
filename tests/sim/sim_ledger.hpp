#pragma once
// The simulator's ledgers. A Book is one ledger's state: balances, holds and the outcome of
// every operation by its idempotency key. It lives in the world, not in a router, so it
// survives the router's crashes as a real ledger would. SimLedgers is a router's LedgerPort
// onto its books: an operation is applied at once, its answer arrives later (a crash in
// between loses the answer, not the operation), and faults (slow answers, "unavailable")
// come from the seed.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "finp2p/ledger/decimal.hpp"
#include "node/ledger_port.hpp"
#include "sim_world.hpp"

namespace finp2p::sim {

struct Book {
  std::string name;
  std::set<std::string> assets;
  std::map<std::pair<std::string, std::string>, ledger::Decimal> available;  // (account, asset)
  struct Hold {
    std::string source, asset;
    ledger::Decimal amount;
    bool open = true;
  };
  std::map<std::string, Hold> holds;            // by the hold's idempotency key
  std::map<std::string, ledger::Outcome> done;  // by idempotency key
  std::vector<std::string> violations;          // operations asked for twice, and such
  std::map<std::string, int> executions;        // idempotency key -> times applied

  ledger::Outcome apply(const ledger::Operation& op);
  ledger::Decimal total(const std::string& asset) const;  // available + held
  ledger::Decimal balance(const std::string& account, const std::string& asset) const;
  std::size_t openHolds() const;
};

struct LedgerFaults {
  double unavailable = 0;  // an execute answered "unavailable" (not applied)
  int64_t slowMillis = 0;  // answers delayed up to this long
  // An execute applied, but answered as a crash or a timeout (a plugin that committed and died,
  // or answered after its deadline): only the ledger's own record tells what happened.
  double lostAnswer = 0;
};

class SimLedgers final : public node::LedgerPort {
 public:
  SimLedgers(World& world, int router, std::vector<Book*> books, const LedgerFaults* faults)
      : world_(world), router_(router), books_(std::move(books)), faults_(faults) {}
  std::optional<std::string> ledgerFor(const std::string& asset) override;
  void preflight(const std::string& asset, const ledger::Operation& op, Done done) override;
  void lookup(const std::string& asset, const std::string& key, Done done) override;
  void execute(const std::string& asset, const ledger::Operation& op, Done done) override;
  void verify(const std::string& asset, const ledger::Receipt& receipt, Done done) override;

 private:
  Book* bookOf(const std::string& asset);
  void answer(Done done, ledger::Outcome outcome);
  World& world_;
  int router_;
  std::vector<Book*> books_;
  const LedgerFaults* faults_;  // the world's: they heal
};

}  // namespace finp2p::sim
