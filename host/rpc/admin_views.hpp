#pragma once
// What an operator is shown of the router, as admin messages: built here once and used by the
// admin service (finp2p-execctl) and the status page (ops/status_page), so both show the same
// facts the same way.

#include "finp2p/admin.pb.h"
#include "ledgers/ledger.hpp"
#include "node/router_node.hpp"

namespace finp2p::rpc {

class Outbox;
class PeerService;
struct PeerQueue;

finp2p::admin::GetExecutionResponse executionResponse(const node::ExecutionView& view);
finp2p::admin::ExecutionSummary executionSummary(const journal::PlanSummary& summary);
finp2p::admin::LedgerInfo ledgerInfo(const ledgers::LedgerInfo& info);
// Each configured peer: the outbox's queue and reachability, the peer service's last message.
finp2p::admin::ListPeersResponse peerList(const Outbox& outbox, const PeerService& peers);
// "unreachable"; "refusing our messages (code N: why)" when its last answer refused a message of
// ours or messages it refused are held for re-delivery; else "reachable".
std::string peerState(const PeerQueue& queue);

}  // namespace finp2p::rpc
