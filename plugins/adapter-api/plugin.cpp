// The adapter-api bridge plugin: a ledger whose operations run on a FinP2P ledger adapter over
// the adapter API (bridge.hpp; configuration in bridge_config.hpp).

#include "bridge.hpp"
#include "finp2p/ledger/adapter.hpp"
#include "finp2p/ledger/worker_pool.hpp"

namespace finp2p::adapter_bridge {
namespace {

using namespace finp2p::ledger;

class AdapterApiBridge final : public Adapter {
 public:
  explicit AdapterApiBridge(const Config& config) : bridge_(readBridgeConfig(config)) {}

  Description describe() const override {
    return {"adapter-api", FINP2P_ADAPTER_API_VERSION, allOperations(),
            "finp2p,fiat,cryptocurrency"};
  }
  // Operations wait on HTTP and on polling: they run on the bridge's own threads, so the
  // host's ledger threads return at once.
  void execute(const Operation& op, Completion done) override {
    if (op.kind == FINP2P_LEDGER_OP_AWAIT) return Adapter::await(op, std::move(done));
    pool_.post([this, op, done] { done.complete(bridge_.execute(op)); });
  }
  void preflight(const Operation& op, Completion done) override {
    if (op.kind == FINP2P_LEDGER_OP_AWAIT) return done.complete(Outcome::success());
    done.complete(bridge_.preflight(op));
  }
  Outcome lookup(const std::string& key) override { return bridge_.lookup(key); }
  Outcome verify(const Receipt& receipt) override { return bridge_.verify(receipt); }
  Balance balance(const std::string& account, const std::string& asset) override {
    return bridge_.balance(account, asset);
  }

 private:
  Bridge bridge_;
  WorkerPool pool_{8, "adapter-bridge"};  // destroyed first: queued operations still complete
};

}  // namespace
}  // namespace finp2p::adapter_bridge

FINP2P_LEDGER_PLUGIN(finp2p::adapter_bridge::AdapterApiBridge)
