#pragma once
// The hash locks of the sqlite ledger's hash time-locked holds. A lock is an ordinary hold (the
// holds table) plus its row here, keyed by the hold's operation id; a claim adds the row of the
// claim's operation id with the lock's hash, function and expiry and the preimage it took, so
// both receipts state the lock (and the claim's the preimage) from one table.

#include <optional>
#include <string>

#include "finp2p/ledger/types.hpp"
#include "sqlite_db.hpp"

namespace finp2p::sqlite_ledger {

struct HashLockRow {
  std::string hash;
  std::string hashFunction;
  int64_t expiryUnixS = 0;
  std::string preimage;  // a claim's row only
};

void createHashLockSchema(Database& db);
void writeHashLock(Database& db, const std::string& operationId, const HashLockRow& row);
std::optional<HashLockRow> readHashLock(Database& db, const std::string& operationId);

// Input checks of a hash lock that need no ledger state; the refusal's message, or empty.
std::string checkLockInput(const finp2p::ledger::Operation& op, int64_t nowUnixS);

// Copies the row of `receipt.operationId`, if any, into the receipt's hash-lock fields.
void addHashLock(Database& db, finp2p::ledger::Receipt& receipt);

// Which claim took a lock, and with what preimage, whatever key the claim came under: a lock
// looked up after its claim shows the preimage (the SDK's lookup contract for hash locks).
void recordClaim(Database& db, const std::string& lockOperationId,
                 const std::string& claimOperationId, const std::string& preimage);
void addClaimOfLock(Database& db, finp2p::ledger::Receipt& receipt);

}  // namespace finp2p::sqlite_ledger
