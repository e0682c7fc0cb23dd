// Deploying the contracts when the router's config asks for it (deploy = true) and has no
// address for them: the escrow, then one token per asset, wired together and with every
// sending account made an operator. Addresses are remembered in the state file, so a restart
// uses the same contracts.

#include <stdexcept>

#include "contracts.hpp"
#include "contracts_bytecode.hpp"
#include "evm_ledger.hpp"

namespace finp2p::evm {

void EvmLedger::deployMissing() {
  bool missing = escrow_ == Address{};
  for (const auto& t : tokens_) missing = missing || t.address == Address{};
  if (!missing) return;
  auto remembered = [&](const std::string& name) -> std::optional<Address> {
    auto text = state_.deployment(name);
    return text ? parseAddress(*text) : std::nullopt;
  };
  auto lease = senders_.acquire();
  auto others = senders_.addresses();
  others.erase(others.begin());  // the deployer is an operator already
  if (escrow_ == Address{}) {
    if (auto a = remembered("escrow")) {
      escrow_ = *a;
    } else if (!config_.deploy) {
      throw std::runtime_error(
          "no escrow address configured (escrow = \"0x...\" or deploy = true)");
    } else {
      escrow_ = deploy(lease, *fromHex(kFinP2PEscrowBytecode), "the escrow");
      for (const auto& o : others)
        transact(lease, escrow_, calls::setOperator(o), "escrow operator");
      state_.recordDeployment("escrow", toHex(escrow_));
    }
  }
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    auto& t = tokens_[i];
    if (t.address != Address{}) continue;
    if (auto a = remembered("token:" + t.asset)) {
      t.address = *a;
      continue;
    }
    if (!config_.deploy) {
      throw std::runtime_error("asset " + t.asset +
                               " has no token address (token = \"0x...\" or deploy = true)");
    }
    const auto& asset = config_.assets[i];
    t.address = deploy(lease, calls::tokenConstructor(asset.name, asset.symbol, asset.decimals),
                       "the token of " + t.asset);
    transact(lease, t.address, calls::setEscrow(escrow_), "token escrow");
    for (const auto& o : others)
      transact(lease, t.address, calls::setOperator(o), "token operator");
    state_.recordDeployment("token:" + t.asset, toHex(t.address));
  }
}

Address EvmLedger::deploy(SenderPool::Lease& lease, const Bytes& creationCode,
                          const std::string& what) {
  auto prepared = submitter_.prepare(*lease, std::nullopt, creationCode);
  if (!prepared.ok()) {
    throw std::runtime_error("deploying " + what + ": " + prepared.error.describe());
  }
  auto sent = submitter_.send(*lease, *prepared.value, [](const PreparedTransaction&) {});
  if (!sent.ok()) throw std::runtime_error("deploying " + what + ": " + sent.error.describe());
  auto mined = submitter_.waitForReceipt(*sent.value, steadyNowMs() + config_.receiptTimeoutMs,
                                         config_.confirmations);
  if (!mined.ok() || !mined.value->has_value() || !(*mined.value)->success ||
      !(*mined.value)->contractAddress) {
    throw std::runtime_error("deploying " + what + ": transaction " + toHex(*sent.value) +
                             " did not create a contract");
  }
  return *(*mined.value)->contractAddress;
}

void EvmLedger::transact(SenderPool::Lease& lease, const Address& to, const Bytes& data,
                         const std::string& what) {
  auto prepared = submitter_.prepare(*lease, to, data);
  if (!prepared.ok()) throw std::runtime_error(what + ": " + prepared.error.describe());
  auto sent = submitter_.send(*lease, *prepared.value, [](const PreparedTransaction&) {});
  if (!sent.ok()) throw std::runtime_error(what + ": " + sent.error.describe());
  auto mined = submitter_.waitForReceipt(*sent.value, steadyNowMs() + config_.receiptTimeoutMs,
                                         config_.confirmations);
  if (!mined.ok() || !mined.value->has_value() || !(*mined.value)->success) {
    throw std::runtime_error(what + ": transaction " + toHex(*sent.value) + " failed");
  }
}

void EvmLedger::checkCode(const Address& a, const std::string& what) {
  auto code = chain_.code(a);
  if (!code.ok())
    throw std::runtime_error("reading the code of " + what + ": " + code.error.describe());
  if (code.value->empty()) {
    throw std::runtime_error("no contract code at " + toHex(a) + " (" + what +
                             "): wrong address, or a different chain?");
  }
}

}  // namespace finp2p::evm
