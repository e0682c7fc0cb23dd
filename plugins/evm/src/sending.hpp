#pragma once
// Sending transactions. The plugin owns its accounts' nonces: each sending account has at most
// one transaction in flight (leased for the whole send-and-wait), so nonces never race and a
// stuck transaction blocks only its own account. Concurrency comes from configuring several
// sending accounts.

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "chain.hpp"
#include "signer.hpp"

namespace finp2p::evm {

struct Sender {
  std::unique_ptr<Signer> signer;
  std::optional<uint64_t> nextNonce;  // unknown until asked, or after a failed send
};

class SenderPool {
 public:
  explicit SenderPool(std::vector<std::unique_ptr<Signer>> signers);

  class Lease {
   public:
    Lease(SenderPool& pool, std::size_t index) : pool_(&pool), index_(index) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), index_(other.index_) {
      other.pool_ = nullptr;
    }
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Sender& operator*() const { return pool_->senders_[index_]; }
    Sender* operator->() const { return &pool_->senders_[index_]; }

   private:
    SenderPool* pool_;
    std::size_t index_;
  };

  Lease acquire();  // waits for a free account
  std::vector<Address> addresses() const;
  std::size_t size() const { return senders_.size(); }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<Sender> senders_;
  std::vector<bool> busy_;
  std::size_t next_ = 0;
};

struct PreparedTransaction {
  Eip1559Transaction tx;
  SignedTransaction signedTx;
  Address sender{};
};

class Submitter {
 public:
  Submitter(Chain& chain, uint64_t chainId, uint64_t priorityFeeWei)
      : chain_(chain), chainId_(chainId), priorityFeeWei_(priorityFeeWei) {}

  /// Fees, nonce, signature. Without a fixed gas limit the limit is estimated
  /// (eth_estimateGas, which is also a dry run: a revert answers with the node's error).
  Answer<PreparedTransaction> prepare(Sender& sender, const std::optional<Address>& to,
                                      const Bytes& data, std::optional<uint64_t> fixedGas = {});
  /// Sends; when the node says the nonce is stale, re-signs with the node's nonce, tells
  /// `resigned` (which must persist the new hash before it is sent) and tries again.
  Answer<Hash> send(Sender& sender, PreparedTransaction& prepared,
                    const std::function<void(const PreparedTransaction&)>& resigned);
  /// Polls for the receipt until it has `confirmations` blocks on top or `deadlineMs` passes
  /// (then answers with no receipt).
  Answer<std::optional<TxReceipt>> waitForReceipt(const Hash& txHash, int64_t deadlineMs,
                                                  uint64_t confirmations);

 private:
  Answer<uint64_t> maxFeePerGas();

  Chain& chain_;
  uint64_t chainId_;
  uint64_t priorityFeeWei_;
  std::mutex feeMutex_;
  uint64_t cachedGasPrice_ = 0;
  int64_t gasPriceFetchedMs_ = 0;
};

int64_t steadyNowMs();

}  // namespace finp2p::evm
