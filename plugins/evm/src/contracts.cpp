#include "contracts.hpp"

#include <map>

#include "contracts_bytecode.hpp"

namespace finp2p::evm {
namespace {

const Hash& topic(const char* signature) {
  // Computed once per signature: the event's topic 0.
  static thread_local std::map<std::string, Hash> cache;
  auto it = cache.find(signature);
  if (it == cache.end())
    it = cache.emplace(signature, keccak256(std::string_view(signature))).first;
  return it->second;
}

Hash word(const Bytes& data, std::size_t index) {
  Hash w{};
  if (data.size() >= (index + 1) * 32) {
    std::copy(data.begin() + static_cast<long>(index * 32),
              data.begin() + static_cast<long>((index + 1) * 32), w.begin());
  }
  return w;
}

Address topicAddress(const Hash& t) {
  return wordToAddress(t.data());
}

uint64_t wordU64(const Hash& w) {
  uint64_t v = 0;
  for (std::size_t i = 24; i < 32; ++i) v = v << 8 | w[i];
  return v;
}

// The `bytes` argument whose offset is at word `index` of the event data; empty if malformed.
Bytes dynamicBytes(const Bytes& data, std::size_t index) {
  uint64_t offset = wordU64(word(data, index));
  if (offset > data.size() || data.size() - offset < 32) return {};
  Bytes head(data.begin() + static_cast<long>(offset),
             data.begin() + static_cast<long>(offset + 32));
  uint64_t length = wordU64(word(head, 0));
  if (length > data.size() - offset - 32) return {};
  auto begin = data.begin() + static_cast<long>(offset + 32);
  return Bytes(begin, begin + static_cast<long>(length));
}

}  // namespace

Hash operationId(const std::string& idempotencyKey) {
  return keccak256(idempotencyKey);
}

Address accountAddress(const std::string& account) {
  if (account.size() == 42 && account.rfind("0x", 0) == 0) {
    if (auto a = parseAddress(account)) return *a;
  }
  Hash h = keccak256("finp2p:account:" + account);
  Address a;
  std::copy(h.begin() + 12, h.end(), a.begin());
  return a;
}

namespace calls {
Bytes issue(const Hash& op, const Address& to, const Hash& units) {
  return AbiCall("issue(bytes32,address,uint256)").word(op).address(to).word(units).bytes();
}
Bytes redeem(const Hash& op, const Address& from, const Hash& units) {
  return AbiCall("redeem(bytes32,address,uint256)").word(op).address(from).word(units).bytes();
}
Bytes transferFor(const Hash& op, const Address& from, const Address& to, const Hash& units) {
  return AbiCall("transferFor(bytes32,address,address,uint256)")
      .word(op)
      .address(from)
      .address(to)
      .word(units)
      .bytes();
}
Bytes hold(const Hash& op, const Address& token, const Address& from, const Address& beneficiary,
           const Hash& units) {
  return AbiCall("hold(bytes32,address,address,address,uint256)")
      .word(op)
      .address(token)
      .address(from)
      .address(beneficiary)
      .word(units)
      .bytes();
}
Bytes release(const Hash& op, const Hash& holdId, const Address& to, const Hash& units) {
  return AbiCall("release(bytes32,bytes32,address,uint256)")
      .word(op)
      .word(holdId)
      .address(to)
      .word(units)
      .bytes();
}
Bytes revertHold(const Hash& op, const Hash& holdId) {
  return AbiCall("revertHold(bytes32,bytes32)").word(op).word(holdId).bytes();
}
Bytes lock(const Hash& op, const Address& token, const Address& from, const Address& beneficiary,
           const Hash& units, const Hash& hash, uint8_t hashFunction, uint64_t expiryUnixS) {
  return AbiCall("lock(bytes32,address,address,address,uint256,bytes32,uint8,uint64)")
      .word(op)
      .address(token)
      .address(from)
      .address(beneficiary)
      .word(units)
      .word(hash)
      .uint(hashFunction)
      .uint(expiryUnixS)
      .bytes();
}
Bytes claim(const Hash& op, const Hash& holdId, const Bytes& preimage) {
  // `bytes` is encoded as a string is: length, then the bytes padded to a word.
  return AbiCall("claim(bytes32,bytes32,bytes)")
      .word(op)
      .word(holdId)
      .string(std::string_view(reinterpret_cast<const char*>(preimage.data()), preimage.size()))
      .bytes();
}
Bytes refund(const Hash& op, const Hash& holdId) {
  return AbiCall("refund(bytes32,bytes32)").word(op).word(holdId).bytes();
}
Bytes balanceOf(const Address& who) {
  return AbiCall("balanceOf(address)").address(who).bytes();
}
Bytes held(const Address& token, const Address& owner) {
  return AbiCall("held(address,address)").address(token).address(owner).bytes();
}
Bytes setOperator(const Address& who) {
  return AbiCall("setOperator(address,bool)").address(who).uint(1).bytes();
}
Bytes setEscrow(const Address& escrow) {
  return AbiCall("setEscrow(address)").address(escrow).bytes();
}
Bytes tokenConstructor(const std::string& name, const std::string& symbol, uint32_t decimals) {
  Bytes code = *fromHex(kFinP2PTokenBytecode);
  Bytes args = AbiCall("").string(name).string(symbol).uint(decimals).arguments();
  code.insert(code.end(), args.begin(), args.end());
  return code;
}
}  // namespace calls

std::optional<Movement> decodeMovement(const LogEntry& log, const Address& escrow) {
  if (log.topics.size() < 2) return std::nullopt;
  const Hash& t0 = log.topics[0];
  Movement m;
  m.operation = log.topics[1];
  m.txHash = log.txHash;
  m.blockNumber = log.blockNumber;
  bool fromEscrow = log.address == escrow;
  if (!fromEscrow && t0 == topic("Issued(bytes32,address,uint256)") && log.topics.size() == 3) {
    m.type = "issue";
    m.token = log.address;
    m.to = topicAddress(log.topics[2]);
    m.units = word(log.data, 0);
  } else if (!fromEscrow && t0 == topic("Redeemed(bytes32,address,uint256)") &&
             log.topics.size() == 3) {
    m.type = "redeem";
    m.token = log.address;
    m.from = topicAddress(log.topics[2]);
    m.units = word(log.data, 0);
  } else if (!fromEscrow && t0 == topic("Transferred(bytes32,address,address,uint256)") &&
             log.topics.size() == 4) {
    m.type = "transfer";
    m.token = log.address;
    m.from = topicAddress(log.topics[2]);
    m.to = topicAddress(log.topics[3]);
    m.units = word(log.data, 0);
  } else if (fromEscrow && t0 == topic("Held(bytes32,address,address,address,uint256)") &&
             log.topics.size() == 4) {
    m.type = "hold";
    m.token = topicAddress(log.topics[2]);
    m.from = topicAddress(log.topics[3]);
    m.to = wordToAddress(word(log.data, 0).data());
    m.units = word(log.data, 1);
  } else if (fromEscrow &&
             t0 == topic("Released(bytes32,bytes32,address,address,address,uint256)") &&
             log.topics.size() == 4) {
    m.type = "release";
    m.to = topicAddress(log.topics[3]);
    m.token = wordToAddress(word(log.data, 0).data());
    m.from = wordToAddress(word(log.data, 1).data());
    m.units = word(log.data, 2);
  } else if (fromEscrow && t0 == topic("Reverted(bytes32,bytes32,address,address,uint256)") &&
             log.topics.size() == 4) {
    m.type = "revert_hold";
    m.from = topicAddress(log.topics[3]);
    m.to = m.from;
    m.token = wordToAddress(word(log.data, 0).data());
    m.units = word(log.data, 1);
  } else if (fromEscrow &&
             t0 == topic("Locked(bytes32,address,address,address,uint256,bytes32,uint8,uint64)") &&
             log.topics.size() == 4) {
    m.type = "hash_lock";
    m.token = topicAddress(log.topics[2]);
    m.from = topicAddress(log.topics[3]);
    m.to = wordToAddress(word(log.data, 0).data());
    m.units = word(log.data, 1);
    m.lockHash = word(log.data, 2);
    m.hashFunction = static_cast<uint8_t>(wordU64(word(log.data, 3)));
    m.expiryUnixS = wordU64(word(log.data, 4));
  } else if (fromEscrow &&
             t0 == topic("Claimed(bytes32,bytes32,address,address,address,uint256,bytes)") &&
             log.topics.size() == 4) {
    m.type = "claim";
    m.holdId = log.topics[2];
    m.to = topicAddress(log.topics[3]);
    m.token = wordToAddress(word(log.data, 0).data());
    m.from = wordToAddress(word(log.data, 1).data());
    m.units = word(log.data, 2);
    m.preimage = dynamicBytes(log.data, 3);
  } else if (fromEscrow && t0 == topic("Refunded(bytes32,bytes32,address,address,uint256)") &&
             log.topics.size() == 4) {
    m.type = "refund";
    m.holdId = log.topics[2];
    m.from = topicAddress(log.topics[3]);
    m.to = m.from;
    m.token = wordToAddress(word(log.data, 0).data());
    m.units = word(log.data, 1);
  } else {
    return std::nullopt;
  }
  return m;
}

}  // namespace finp2p::evm
