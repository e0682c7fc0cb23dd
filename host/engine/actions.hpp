#pragma once
// What the plan engine asks the router to do. The engine performs none of it itself.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "finp2p/execution.pb.h"

namespace finp2p::engine {

// Deliver a message to these organizations. `messageId` is deterministic, so a message
// re-sent after a restart is recognized as the same one by its receivers.
struct SendAction {
  std::vector<std::string> to;
  std::string messageId;
  std::variant<finp2p::execution::ProposeRequest, finp2p::execution::ApproveRequest,
               finp2p::execution::RejectRequest>
      message;  // without envelope
};

// Ask the ledgers whether this router's instructions can be executed; answer with a
// PreflightCompleted event.
struct PreflightAction {
  std::vector<finp2p::execution::ExecutionInstruction> instructions;
  // Instead of a preflight: ask the ledgers (`lookup`) whether any of these already ran, and
  // answer with an OwnOperationsLookedUp event (a restored router's own ledger is its witness).
  bool lookForOwnOperations = false;
};

// Execute one instruction on the ledger serving its asset (asking `lookup` first), and
// answer with an InstructionExecuted event.
struct ExecuteAction {
  finp2p::execution::ExecutionInstruction instruction;
  int64_t deadlineMillis = 0;
  // A hash lock's refund: not before its expiry (and the router's delay for clocks).
  int64_t notBeforeMillis = 0;
  // A claim: the preimage (hex) to give the ledger. Never in a message before the claim ran.
  std::string preimage;
};

// Check another router's receipt against this router's ledger, if it has one for the asset;
// answer with a CompletionVerified event.
struct VerifyAction {
  uint32_t sequence = 0;
  std::string executor;
  finp2p::execution::InstructionCompletionEvent event;
};

struct TimerAction {
  // kCatchUp is not journaled: when it fires the node asks the engine catchUp(mark, now).
  // kLockExpired neither: the node asks lockExpired(sequence) (sequence: the refund's).
  // kClaimWatch neither: the node asks claimWatch(sequence) (sequence: the claim's).
  enum class Kind { kAgreementDeadline, kAwait, kCatchUp, kLockExpired, kClaimWatch };
  Kind kind;
  uint32_t sequence = 0;
  int64_t atMillis = 0;
  uint64_t mark = 0;  // kCatchUp: the engine's progress mark when the timer was set
};

// Ask these participants to re-send everything they sent for this plan (this router is behind:
// it missed messages while it was down, or its journal was restored from an older copy).
struct ResendRequestAction {
  std::vector<std::string> to;
  // This router's journal was restored and it does not know its own decision on the plan.
  bool restored = false;
};

// An agreed fact for the plan's hash chain (identical on every participant).
struct ChainAction {
  uint32_t index = 0;
  std::string kind;      // "plan", "approved", "rejected", "settled", "terminal"
  std::string payload;   // canonical bytes of the fact
  std::string prevHash;  // hex
  std::string hash;      // hex
};

using Action = std::variant<SendAction, PreflightAction, ExecuteAction, VerifyAction, TimerAction,
                            ChainAction, ResendRequestAction>;

}  // namespace finp2p::engine
