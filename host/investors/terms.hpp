#pragma once
// The movements of value an investor signed (read from a signature's template) and the
// movements a plan makes (read from its instructions), in one shape so they can be compared.

#include <string>
#include <vector>

#include "common/result.hpp"
#include "finp2p/execution.pb.h"

namespace finp2p::investors {

// How a planned movement names an account that has no finId (followed by the account's ledger
// name): no signed leg can name it, since a signed party is a finId.
inline constexpr const char* kNotFinIdParty = "not a finId: ";

// One movement: `amount` of an asset from one finId to another. An empty party is one the
// source does not name (an issue's source, a redemption's destination, a hold's payee).
struct Leg {
  std::string assetId;
  std::string assetType;  // the public spelling: "finp2p", "fiat", "cryptocurrency"
  std::string amount;     // exact decimal text
  std::string source;     // finId
  std::string destination;
  // "transfer" (a hold and its release are one), "issue" or "redeem": a signed transfer is not
  // done by burning the asset or minting it (F24 of
  // docs/reviews/2026-12-03-newcomer-issues-16-17.md).
  std::string operation = "transfer";
  std::string path;  // where it was read: "template.hashGroups[1]", "instructions[0].hold"
};

// Every leg of a verified signature's template: each hashList group that names an asset and an
// amount; the asset and settlement terms of an EIP-712 FinP2P primary type.
Result<std::vector<Leg>> signedLegs(const finp2p::signature::Signature& s);

// A movement the plan makes, and whose holdings it moves.
struct Move {
  uint32_t sequence = 0;
  Leg leg;
  // The investor whose holdings move, or empty for moves that take nothing from anyone
  // (an issue) or give a hold back to its owner.
  std::string funder;
  std::string funderPath;  // the field naming the funder: "instructions[0].hold.source"
  bool funderHasFinId = true;
  // A release or a revert of a hold: the hold's movement completed, not a movement of its own
  // (a signed leg is done by its hold and the hold's release together).
  bool completesHold = false;
  std::string kind;           // "hold", "transfer", "release", "revertHold", "redeem", "issue"
  uint32_t holdSequence = 0;  // a release's or revert's hold
};
std::vector<Move> planMoves(const finp2p::execution::ExecutionPlan& plan);

// "finp2p" for Asset::FINP2P, and so on.
std::string publicAssetType(finp2p::common::Asset::Type type);
// Same operation, same asset, same type, equal amounts (as exact decimals), and the same parties
// wherever the planned movement names one (an issue names no source; a redemption's destination,
// the issuer a signature may name, is not compared: the asset is burned).
bool sameMovement(const Leg& signedLeg, const Leg& planned);

}  // namespace finp2p::investors
