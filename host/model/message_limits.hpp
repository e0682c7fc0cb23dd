#pragma once
// Structural limits of a peer's message, checked on the message as it came off the wire,
// before any of it is copied into an event, validated, journaled or expanded into a plan: one
// message costs at most a small multiple of its size.

#include <cstddef>
#include <string>

#include <google/protobuf/message.h>

#include "common/result.hpp"

namespace finp2p::model {

struct MessageLimits {
  std::size_t participants = 64;    // as plan validation allows
  std::size_t instructions = 256;   // as plan validation allows
  std::size_t organizations = 64;   // per instruction
  std::size_t roles = 4;            // per participant
  std::size_t otherRepeated = 256;  // any other repeated field
  std::size_t stringBytes = 16384;  // any string or bytes field
};

/// Ok, or a kInvalidArgument error naming the field path and the limit it passes.
Status checkMessageLimits(const google::protobuf::Message& message,
                          const MessageLimits& limits = {});

}  // namespace finp2p::model
