// Hash time-locked holds on the escrow (contracts/FinP2PEscrow.sol: lock, claim, refund). The
// contract enforces the lock; the plugin checks what it can without the chain, so malformed
// input is refused before a transaction is signed, and reads every receipt's terms (and a
// claim's preimage) from the chain's events, never from its own input.

#include "evm_ledger.hpp"
#include "finp2p/ledger/hash_lock.hpp"

namespace finp2p::evm {
namespace {

using ledger::HashFunction;

Outcome validation(const std::string& why) {
  return Outcome::failure(FINP2P_LEDGER_ERROR_VALIDATION, why);
}

// The contract's enum HashFunction { Sha256, Keccak256 }.
uint8_t contractHashFunction(HashFunction f) {
  return f == HashFunction::kSha256 ? 0 : 1;
}
const char* hashFunctionOf(uint8_t onChain) {
  return ledger::hashFunctionName(onChain == 0 ? HashFunction::kSha256 : HashFunction::kKeccak256);
}

}  // namespace

bool timelocked(finp2p_ledger_operation_kind kind) {
  return kind == FINP2P_LEDGER_OP_HASH_LOCK || kind == FINP2P_LEDGER_OP_CLAIM ||
         kind == FINP2P_LEDGER_OP_REFUND;
}

std::optional<Outcome> EvmLedger::hashLockCall(const Operation& op, const Hash& id,
                                               const Address& token, const Hash& units,
                                               Call* call) {
  Hash holdId = operationId(op.holdOperationId);
  switch (op.kind) {
    case FINP2P_LEDGER_OP_HASH_LOCK: {
      auto function = ledger::parseHashFunction(op.hashFunction);
      if (!function) {
        return validation("unknown hash function \"" + op.hashFunction +
                          "\" (sha256 or keccak256)");
      }
      if (auto why = ledger::checkHashHex(op.hashLock); !why.empty()) return validation(why);
      int64_t now = ledger::nowUnixMs() / 1000;
      if (op.expiryUnixS <= now) {
        return validation("expiry " + std::to_string(op.expiryUnixS) +
                          " is not in the future (now " + std::to_string(now) + ")");
      }
      Hash hash = *parseHash(op.hashLock);
      *call = {escrow_,
               calls::lock(id, token, accountAddress(op.source), accountAddress(op.destination),
                           units, hash, contractHashFunction(*function),
                           static_cast<uint64_t>(op.expiryUnixS))};
      return std::nullopt;
    }
    case FINP2P_LEDGER_OP_CLAIM: {
      auto preimage = fromHex(op.preimage);
      if (op.preimage.empty() || !preimage) return validation("a claim needs its preimage (hex)");
      *call = {escrow_, calls::claim(id, holdId, *preimage)};
      return std::nullopt;
    }
    case FINP2P_LEDGER_OP_REFUND:
      *call = {escrow_, calls::refund(id, holdId)};
      return std::nullopt;
    default:
      return Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL, "not a hash-lock operation");
  }
}

std::optional<Outcome> EvmLedger::addLockTerms(const Movement& m, Receipt& r) {
  const Movement* lock = nullptr;
  std::optional<Movement> found;
  if (m.type == "hash_lock") {
    lock = &m;
  } else if (m.type == "claim" || m.type == "refund") {
    // The terms are the lock's, announced once by its Locked event.
    auto logs = chain_.logsWithTopic1({escrow_}, m.holdId);
    if (!logs.ok()) return Outcome::failure(FINP2P_LEDGER_ERROR_UNAVAILABLE, logs.error.describe());
    found = movementIn(*logs.value, m.holdId);
    if (!found || found->type != "hash_lock") {
      return Outcome::failure(FINP2P_LEDGER_ERROR_INTERNAL,
                              "no Locked event on chain for the hash lock " + toHex(m.holdId));
    }
    lock = &*found;
  } else {
    return std::nullopt;
  }
  r.hashLock = ledger::toHex(std::string_view(reinterpret_cast<const char*>(lock->lockHash.data()),
                                              lock->lockHash.size()));
  r.hashFunction = hashFunctionOf(lock->hashFunction);
  r.expiryUnixS = static_cast<int64_t>(lock->expiryUnixS);
  r.preimage = ledger::toHex(
      std::string_view(reinterpret_cast<const char*>(m.preimage.data()), m.preimage.size()));
  return std::nullopt;
}

}  // namespace finp2p::evm
