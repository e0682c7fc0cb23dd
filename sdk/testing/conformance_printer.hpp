#pragma once
// gtest's own printer starts every failure with the source file and line of the check, a path on
// the machine that built the runner, which a vendor does not have. This one prints the failure's
// message alone (each says what the plugin did and what to fix) and is otherwise gtest's.

namespace finp2p::conformance {

/// Replaces gtest's default result printer; call after InitGoogleTest.
void printFailuresWithoutSourcePaths();

}  // namespace finp2p::conformance
