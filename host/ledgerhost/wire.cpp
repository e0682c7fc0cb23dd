#include "ledgerhost/wire.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace finp2p::ledgerhost {
namespace {

enum class Type : uint8_t {
  kInit = 1,
  kInitResult = 2,
  kCall = 3,
  kCallResult = 4,
  kLog = 5,
};

class Writer {
 public:
  Writer() { out_.resize(4); }  // the length, filled in by finish()
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void str(const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  std::string finish() {
    uint32_t n = static_cast<uint32_t>(out_.size() - 4);
    for (int i = 0; i < 4; ++i) out_[i] = static_cast<char>(n >> (8 * i));
    return std::move(out_);
  }

 private:
  std::string out_;
};

// Every read is bounds-checked; the first short read makes the reader (and the decode) fail.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool atEnd() const { return pos_ == in_.size(); }

  uint8_t u8() {
    if (!need(1)) return 0;
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint32_t u32() {
    if (!need(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(in_[pos_++])} << (8 * i);
    return v;
  }
  uint64_t u64() {
    if (!need(8)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(in_[pos_++])} << (8 * i);
    return v;
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  std::string str() {
    uint32_t n = u32();
    if (!need(n)) return {};
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }

 private:
  bool need(std::size_t n) {
    if (!ok_ || in_.size() - pos_ < n) ok_ = false;
    return ok_;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

void putOperation(Writer& w, const ledger::Operation& op) {
  w.u32(static_cast<uint32_t>(op.kind));
  w.str(op.context.planId);
  w.u32(op.context.sequence);
  w.str(op.context.idempotencyKey);
  w.i64(op.context.deadlineUnixMs);
  w.str(op.source);
  w.str(op.destination);
  w.str(op.asset);
  w.u32(op.assetDecimals);
  w.str(op.amount);
  w.str(op.holdOperationId);
  w.i64(op.waitUntilUnixS);
  w.str(op.condition);
  w.str(op.hashLock);
  w.str(op.hashFunction);
  w.i64(op.expiryUnixS);
  w.str(op.preimage);
  w.str(op.investorSignature);
  w.str(op.investorFinId);
}

ledger::Operation getOperation(Reader& r) {
  ledger::Operation op;
  op.kind = static_cast<ledger::OperationKind>(r.u32());
  op.context.planId = r.str();
  op.context.sequence = r.u32();
  op.context.idempotencyKey = r.str();
  op.context.deadlineUnixMs = r.i64();
  op.source = r.str();
  op.destination = r.str();
  op.asset = r.str();
  op.assetDecimals = r.u32();
  op.amount = r.str();
  op.holdOperationId = r.str();
  op.waitUntilUnixS = r.i64();
  op.condition = r.str();
  op.hashLock = r.str();
  op.hashFunction = r.str();
  op.expiryUnixS = r.i64();
  op.preimage = r.str();
  op.investorSignature = r.str();
  op.investorFinId = r.str();
  return op;
}

void putReceipt(Writer& w, const ledger::Receipt& x) {
  w.str(x.transactionId);
  w.str(x.operationId);
  w.str(x.operationType);
  w.str(x.source);
  w.str(x.destination);
  w.str(x.asset);
  w.str(x.quantity);
  w.i64(x.timestampUnixS);
  w.str(x.proof);
  w.str(x.hashLock);
  w.str(x.hashFunction);
  w.i64(x.expiryUnixS);
  w.str(x.preimage);
}

ledger::Receipt getReceipt(Reader& r) {
  ledger::Receipt x;
  x.transactionId = r.str();
  x.operationId = r.str();
  x.operationType = r.str();
  x.source = r.str();
  x.destination = r.str();
  x.asset = r.str();
  x.quantity = r.str();
  x.timestampUnixS = r.i64();
  x.proof = r.str();
  x.hashLock = r.str();
  x.hashFunction = r.str();
  x.expiryUnixS = r.i64();
  x.preimage = r.str();
  return x;
}

bool knownStatus(uint32_t s) {
  return s <= FINP2P_LEDGER_ERROR_INTERNAL;
}

struct Encoder {
  Writer& w;
  void operator()(const InitRequest& m) {
    w.u8(static_cast<uint8_t>(Type::kInit));
    w.str(m.pluginPath);
    w.str(m.expectedSha256);
    w.u32(static_cast<uint32_t>(m.config.size()));
    for (const auto& [k, v] : m.config) {
      w.str(k);
      w.str(v);
    }
    w.u32(m.threads);
  }
  void operator()(const InitResult& m) {
    w.u8(static_cast<uint8_t>(Type::kInitResult));
    w.u8(m.ok ? 1 : 0);
    w.u8(m.loadErrorCode);
    w.str(m.message);
    w.str(m.sha256);
    w.u32(m.abiVersion);
    w.str(m.description.name);
    w.str(m.description.version);
    w.u32(m.description.supportedOperations);
    w.str(m.description.assetTypes);
    w.u8(m.hasPreflight ? 1 : 0);
  }
  void operator()(const CallRequest& m) {
    w.u8(static_cast<uint8_t>(Type::kCall));
    w.u64(m.id);
    w.u8(static_cast<uint8_t>(m.kind));
    switch (m.kind) {
      case CallKind::kExecute:
      case CallKind::kPreflight:
        putOperation(w, m.operation);
        break;
      case CallKind::kLookup:
        w.str(m.key);
        break;
      case CallKind::kVerify:
        putReceipt(w, m.receipt);
        break;
      case CallKind::kBalance:
        w.str(m.key);
        w.str(m.asset);
        break;
    }
  }
  void operator()(const CallResult& m) {
    w.u8(static_cast<uint8_t>(Type::kCallResult));
    w.u64(m.id);
    w.u8(m.isBalance ? 1 : 0);
    if (m.isBalance) {
      w.u32(static_cast<uint32_t>(m.balance.status));
      w.str(m.balance.message);
      w.str(m.balance.current);
      w.str(m.balance.available);
      w.str(m.balance.held);
      return;
    }
    w.u32(static_cast<uint32_t>(m.outcome.status));
    w.str(m.outcome.message);
    w.u8(m.outcome.receipt ? 1 : 0);
    if (m.outcome.receipt) putReceipt(w, *m.outcome.receipt);
  }
  void operator()(const LogLine& m) {
    w.u8(static_cast<uint8_t>(Type::kLog));
    w.u8(m.level);
    w.str(m.message);
  }
};

Error malformed(const std::string& what) {
  return makeError(ErrorCode::kInvalidArgument, "malformed ledger-host frame: " + what);
}

}  // namespace

const char* callKindName(CallKind kind) {
  switch (kind) {
    case CallKind::kExecute:
      return "execute";
    case CallKind::kPreflight:
      return "preflight";
    case CallKind::kLookup:
      return "lookup";
    case CallKind::kVerify:
      return "verify";
    case CallKind::kBalance:
      return "balance";
  }
  return "unknown";
}

std::string encode(const Message& message) {
  Writer w;
  std::visit(Encoder{w}, message);
  return w.finish();
}

Result<Message> decode(std::string_view payload) {
  Reader r(payload);
  auto type = static_cast<Type>(r.u8());
  Message out;
  switch (type) {
    case Type::kInit: {
      InitRequest m;
      m.pluginPath = r.str();
      m.expectedSha256 = r.str();
      uint32_t n = r.u32();
      // Each entry takes at least 8 bytes: a count beyond what is left is a lie.
      if (n > payload.size() / 8) return malformed("config entry count " + std::to_string(n));
      for (uint32_t i = 0; i < n && r.ok(); ++i) {
        std::string k = r.str();
        std::string v = r.str();
        m.config.emplace_back(std::move(k), std::move(v));
      }
      m.threads = r.u32();
      out = std::move(m);
      break;
    }
    case Type::kInitResult: {
      InitResult m;
      m.ok = r.u8() != 0;
      m.loadErrorCode = r.u8();
      m.message = r.str();
      m.sha256 = r.str();
      m.abiVersion = r.u32();
      m.description.name = r.str();
      m.description.version = r.str();
      m.description.supportedOperations = r.u32();
      m.description.assetTypes = r.str();
      m.hasPreflight = r.u8() != 0;
      out = std::move(m);
      break;
    }
    case Type::kCall: {
      CallRequest m;
      m.id = r.u64();
      uint8_t kind = r.u8();
      if (kind < 1 || kind > 5) return malformed("call kind " + std::to_string(kind));
      m.kind = static_cast<CallKind>(kind);
      switch (m.kind) {
        case CallKind::kExecute:
        case CallKind::kPreflight:
          m.operation = getOperation(r);
          break;
        case CallKind::kLookup:
          m.key = r.str();
          break;
        case CallKind::kVerify:
          m.receipt = getReceipt(r);
          break;
        case CallKind::kBalance:
          m.key = r.str();
          m.asset = r.str();
          break;
      }
      out = std::move(m);
      break;
    }
    case Type::kCallResult: {
      CallResult m;
      m.id = r.u64();
      m.isBalance = r.u8() != 0;
      uint32_t status = r.u32();
      if (r.ok() && !knownStatus(status)) return malformed("status " + std::to_string(status));
      if (m.isBalance) {
        m.balance.status = static_cast<ledger::Status>(status);
        m.balance.message = r.str();
        m.balance.current = r.str();
        m.balance.available = r.str();
        m.balance.held = r.str();
      } else {
        m.outcome.status = static_cast<ledger::Status>(status);
        m.outcome.message = r.str();
        if (r.u8() != 0) m.outcome.receipt = getReceipt(r);
      }
      out = std::move(m);
      break;
    }
    case Type::kLog: {
      LogLine m;
      m.level = r.u8();
      m.message = r.str();
      out = std::move(m);
      break;
    }
    default:
      return malformed("message type " + std::to_string(static_cast<int>(type)));
  }
  if (!r.ok()) return malformed("truncated");
  if (!r.atEnd()) return malformed("trailing bytes");
  return out;
}

Result<std::optional<std::string>> FrameReader::next() {
  if (buffer_.size() - start_ < 4) return std::optional<std::string>();
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n |= uint32_t{static_cast<uint8_t>(buffer_[start_ + i])} << (8 * i);
  if (n > kMaxFramePayload) {
    return makeError(ErrorCode::kInvalidArgument, "ledger-host frame of " + std::to_string(n) +
                                                      " bytes (at most " +
                                                      std::to_string(kMaxFramePayload) + ")");
  }
  if (buffer_.size() - start_ - 4 < n) return std::optional<std::string>();
  std::string payload = buffer_.substr(start_ + 4, n);
  start_ += 4 + n;
  // Compact once the consumed part dominates, so the buffer does not grow without bound.
  if (start_ > 65536 && start_ * 2 > buffer_.size()) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  return std::optional<std::string>(std::move(payload));
}

bool writeAll(int fd, std::string_view frame) {
  while (!frame.empty()) {
    ssize_t n = ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    frame.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace finp2p::ledgerhost
