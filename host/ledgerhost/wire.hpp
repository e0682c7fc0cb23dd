#pragma once
// What the router and finp2p-ledger-host (isolation = "process") say to each other over their
// socketpair: frames of a 4-byte little-endian payload length, then the payload: one message
// type byte and its fields, integers fixed-width little-endian, strings as a 4-byte length and
// the bytes. Amounts stay the decimal strings they are: nothing is converted on the way.
//
// The router sends Init once, then calls (each with an id the router chose); the child answers
// Init with InitResult, each call with exactly one CallResult of the same id, and forwards the
// plugin's log lines. Either side treats a frame it cannot decode as the other being broken.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "finp2p/ledger/types.hpp"

namespace finp2p::ledgerhost {

// A frame larger than this is a protocol violation (no operation comes near it).
constexpr uint32_t kMaxFramePayload = 16u << 20;

enum class CallKind : uint8_t {
  kExecute = 1,
  kPreflight = 2,
  kLookup = 3,
  kVerify = 4,
  kBalance = 5,
};
const char* callKindName(CallKind kind);

struct InitRequest {
  std::string pluginPath;
  std::string expectedSha256;  // empty: not pinned
  std::vector<std::pair<std::string, std::string>> config;
  uint32_t threads = 4;  // the child's plugin-call threads
};

struct InitResult {
  bool ok = false;
  uint8_t loadErrorCode = 0;  // ledger::LoadErrorCode, when !ok
  std::string message;
  std::string sha256;
  uint32_t abiVersion = 0;
  ledger::Description description;
  bool hasPreflight = false;
};

struct CallRequest {
  uint64_t id = 0;
  CallKind kind = CallKind::kExecute;
  ledger::Operation operation;  // execute, preflight
  std::string key;              // lookup: the idempotency key; balance: the account
  std::string asset;            // balance
  ledger::Receipt receipt;      // verify
};

struct CallResult {
  uint64_t id = 0;
  bool isBalance = false;
  ledger::Outcome outcome;  // !isBalance
  ledger::Balance balance;  // isBalance
};

struct LogLine {
  uint8_t level = 0;  // finp2p_ledger_log_level
  std::string message;
};

using Message = std::variant<InitRequest, InitResult, CallRequest, CallResult, LogLine>;

// A whole frame: length prefix and payload.
std::string encode(const Message& message);
// One frame's payload (without its length prefix).
Result<Message> decode(std::string_view payload);

// Collects bytes as they arrive and cuts them into frames' payloads.
class FrameReader {
 public:
  void append(const char* data, std::size_t size) { buffer_.append(data, size); }
  // The next complete payload; nullopt until one has arrived; an error for a length over
  // kMaxFramePayload (the stream cannot be trusted after it).
  Result<std::optional<std::string>> next();

 private:
  std::string buffer_;
  std::size_t start_ = 0;
};

// Writes all of `frame` to a socket (MSG_NOSIGNAL, retrying short writes and EINTR). False
// when the peer is gone.
bool writeAll(int fd, std::string_view frame);

}  // namespace finp2p::ledgerhost
