#pragma once
// The two contracts as the plugin sees them (plugins/evm/contracts): calldata for each FinP2P
// operation, the events that announce them, and how FinP2P account names map to addresses.

#include <optional>
#include <string>

#include "chain.hpp"
#include "codec.hpp"

namespace finp2p::evm {

/// keccak256 of the idempotency key: how the contracts and their events name an operation.
Hash operationId(const std::string& idempotencyKey);

/// A FinP2P account's address on the chain: a 0x-address as given, any other name mapped
/// to the last 20 bytes of keccak256("finp2p:account:" + name) (accounts custodied by the
/// router; the mapping is public, so anyone can check a receipt against the chain).
Address accountAddress(const std::string& account);

namespace calls {
Bytes issue(const Hash& op, const Address& to, const Hash& units);
Bytes redeem(const Hash& op, const Address& from, const Hash& units);
Bytes transferFor(const Hash& op, const Address& from, const Address& to, const Hash& units);
Bytes hold(const Hash& op, const Address& token, const Address& from, const Address& beneficiary,
           const Hash& units);
/// `to` zero: the hold's beneficiary; `units` zero: everything that remains.
Bytes release(const Hash& op, const Hash& holdId, const Address& to, const Hash& units);
Bytes revertHold(const Hash& op, const Hash& holdId);
/// `hashFunction` as the contract's enum: 0 SHA-256, 1 Keccak-256.
Bytes lock(const Hash& op, const Address& token, const Address& from, const Address& beneficiary,
           const Hash& units, const Hash& hash, uint8_t hashFunction, uint64_t expiryUnixS);
Bytes claim(const Hash& op, const Hash& holdId, const Bytes& preimage);
Bytes refund(const Hash& op, const Hash& holdId);
Bytes balanceOf(const Address& who);
Bytes held(const Address& token, const Address& owner);
Bytes setOperator(const Address& who);
Bytes setEscrow(const Address& escrow);
Bytes tokenConstructor(const std::string& name, const std::string& symbol, uint32_t decimals);
}  // namespace calls

/// One operation as an event on the chain says it happened.
struct Movement {
  // "issue", "redeem", "transfer", "hold", "release", "revert_hold", "hash_lock", "claim",
  // "refund"
  std::string type;
  Hash operation{};
  Address token{};
  Address from{};  // zero for issue
  Address to{};    // zero for redeem
  Hash units{};
  Hash txHash{};
  uint64_t blockNumber = 0;
  Hash holdId{};  // claim, refund: the lock's operation id
  // hash_lock: its terms (the claim's and refund's are their lock's); claim: the preimage
  Hash lockHash{};
  uint8_t hashFunction = 0;
  uint64_t expiryUnixS = 0;
  Bytes preimage;
};

/// The movement a log announces, if it is one of ours (`escrow` or a token).
std::optional<Movement> decodeMovement(const LogEntry& log, const Address& escrow);

}  // namespace finp2p::evm
