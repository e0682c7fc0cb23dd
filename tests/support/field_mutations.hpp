#pragma once
// Every set field of a protobuf message, at any depth, found from its descriptor: the Byzantine
// suites mutate them one at a time, so a field added to a .proto file is mutated without anyone
// writing a case for it.

#include <google/protobuf/message.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace finp2p::testing {

// How many set leaves (scalars, strings, enums, each element of a repeated one) `m` has.
std::size_t countLeaves(const google::protobuf::Message& m);

// Changes the n-th set leaf of `m` (in the order countLeaves counts them) to a different value
// and returns its path, e.g. "request.envelope.messageId" or "plan.participants[1].roles[0]".
// Strings flip a bit of their first byte; numbers move by 1000 (one would often land on another
// valid value, such as the next instruction's sequence); a timestamp moves by an hour (a
// millisecond later is the same message); booleans flip; enums take the next value. A fuzzer
// passes `salt` to choose instead: which byte flips which bits, how far a number moves, which
// enum value is taken.
std::string mutateLeaf(google::protobuf::Message& m, std::size_t n, uint64_t salt = 0);

}  // namespace finp2p::testing
