#pragma once
// Peer messages as engine events: which plan a message belongs to, and the journal event it
// becomes once its seal and sender have been verified.

#include "common/result.hpp"
#include "finp2p/execution.pb.h"
#include "finp2p/journal.pb.h"

namespace finp2p::engine {

Result<finp2p::journal::Event> toEvent(const std::string& from,
                                       const finp2p::execution::ProposeRequest& m);
Result<finp2p::journal::Event> toEvent(const std::string& from,
                                       const finp2p::execution::ApproveRequest& m);
Result<finp2p::journal::Event> toEvent(const std::string& from,
                                       const finp2p::execution::RejectRequest& m);

/// The organization a peer's event came from; empty for the router's own (local) events.
std::string senderOf(const finp2p::journal::Event& event);

}  // namespace finp2p::engine
