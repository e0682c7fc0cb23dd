#include "sending.hpp"

#include <chrono>
#include <thread>

namespace finp2p::evm {

int64_t steadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

SenderPool::SenderPool(std::vector<std::unique_ptr<Signer>> signers) {
  for (auto& s : signers) senders_.push_back(Sender{std::move(s), std::nullopt});
  busy_.assign(senders_.size(), false);
}

SenderPool::Lease::~Lease() {
  if (!pool_) return;
  {
    std::lock_guard lock(pool_->mutex_);
    pool_->busy_[index_] = false;
  }
  pool_->freed_.notify_one();
}

SenderPool::Lease SenderPool::acquire() {
  std::unique_lock lock(mutex_);
  for (;;) {
    for (std::size_t i = 0; i < senders_.size(); ++i) {
      std::size_t index = (next_ + i) % senders_.size();
      if (!busy_[index]) {
        busy_[index] = true;
        next_ = index + 1;
        return Lease(*this, index);
      }
    }
    freed_.wait(lock);
  }
}

std::vector<Address> SenderPool::addresses() const {
  std::vector<Address> out;
  for (const auto& s : senders_) out.push_back(s.signer->address());
  return out;
}

Answer<uint64_t> Submitter::maxFeePerGas() {
  std::lock_guard lock(feeMutex_);
  int64_t now = steadyNowMs();
  if (cachedGasPrice_ == 0 || now - gasPriceFetchedMs_ > 2000) {
    auto price = chain_.gasPrice();
    if (!price.ok()) return price;
    cachedGasPrice_ = *price.value;
    gasPriceFetchedMs_ = now;
  }
  // Twice the current price absorbs base-fee rises for several blocks; the unused part is
  // not charged under EIP-1559.
  return {2 * cachedGasPrice_ + priorityFeeWei_, {}};
}

Answer<PreparedTransaction> Submitter::prepare(Sender& sender, const std::optional<Address>& to,
                                               const Bytes& data,
                                               std::optional<uint64_t> fixedGas) {
  const Address from = sender.signer->address();
  uint64_t gasLimit = fixedGas.value_or(0);
  if (!fixedGas) {
    auto gas = chain_.estimateGas(from, to, data);
    if (!gas.ok()) return Answer<PreparedTransaction>::fail(gas.error);
    gasLimit = *gas.value + *gas.value / 4 + 10'000;  // estimates can be a little short
  }
  auto maxFee = maxFeePerGas();
  if (!maxFee.ok()) return Answer<PreparedTransaction>::fail(maxFee.error);
  if (!sender.nextNonce) {
    auto nonce = chain_.pendingNonce(from);
    if (!nonce.ok()) return Answer<PreparedTransaction>::fail(nonce.error);
    sender.nextNonce = *nonce.value;
  }
  PreparedTransaction p;
  p.sender = from;
  p.tx.chainId = chainId_;
  p.tx.nonce = *sender.nextNonce;
  p.tx.maxPriorityFeePerGas = priorityFeeWei_;
  p.tx.maxFeePerGas = *maxFee.value;
  p.tx.gasLimit = gasLimit;
  p.tx.to = to;
  p.tx.data = data;
  p.signedTx = sender.signer->sign(p.tx);
  return {std::move(p), {}};
}

Answer<Hash> Submitter::send(Sender& sender, PreparedTransaction& prepared,
                             const std::function<void(const PreparedTransaction&)>& resigned) {
  for (int attempt = 0;; ++attempt) {
    auto sent = chain_.sendRawTransaction(prepared.signedTx.raw);
    if (sent.ok()) {
      sender.nextNonce = prepared.tx.nonce + 1;
      return {prepared.signedTx.hash, {}};
    }
    // "already known" (geth) / "already imported" (anvil): the node has exactly these bytes,
    // e.g. re-broadcast by a concurrent attempt of the same key.
    bool known = sent.error.message.find("already known") != std::string::npos ||
                 sent.error.message.find("already imported") != std::string::npos;
    bool stale = sent.error.message.find("nonce too low") != std::string::npos || known;
    if (known) {
      sender.nextNonce = prepared.tx.nonce + 1;
      return {prepared.signedTx.hash, {}};  // the node has exactly these bytes
    }
    sender.nextNonce.reset();  // we no longer know; ask the node next time
    if (!stale || attempt >= 3) return sent;
    auto nonce = chain_.pendingNonce(prepared.sender);
    if (!nonce.ok()) return Answer<Hash>::fail(nonce.error);
    prepared.tx.nonce = *nonce.value;
    prepared.signedTx = sender.signer->sign(prepared.tx);
    resigned(prepared);
  }
}

Answer<std::optional<TxReceipt>> Submitter::waitForReceipt(const Hash& txHash, int64_t deadlineMs,
                                                           uint64_t confirmations) {
  // A local node mines within a millisecond or two, a public chain in seconds: ask every
  // millisecond for the first 20, then back off to 200 ms.
  int64_t pause = 1;
  for (int polls = 0;; ++polls) {
    auto r = chain_.receipt(txHash);
    if (!r.ok()) return r;
    if (r.value->has_value()) {
      if (confirmations == 0) return r;
      auto head = chain_.blockNumber();
      if (!head.ok()) return Answer<std::optional<TxReceipt>>::fail(head.error);
      if (*head.value >= (*r.value)->blockNumber + confirmations) return r;
    }
    if (steadyNowMs() + pause > deadlineMs) return {std::optional<TxReceipt>(), {}};
    std::this_thread::sleep_for(std::chrono::milliseconds(pause));
    if (polls >= 20) pause = std::min<int64_t>(pause * 2, 200);
  }
}

}  // namespace finp2p::evm
