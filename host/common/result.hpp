#pragma once
// Errors as values inside the host: a Result<T> holds either a T or an Error. Exceptions do not
// travel on the message path; code at the edges converts library exceptions into Errors.

#include <string>
#include <utility>
#include <variant>

namespace finp2p {

enum class ErrorCode {
  kInvalidArgument,   // malformed input: a bad field, a bad file, a bad amount
  kNotFound,          // a named thing (file, plan, ledger, key) does not exist
  kPermissionDenied,  // authenticated but not allowed
  kUnauthenticated,   // signature or key does not verify
  kAlreadyExists,
  kFailedPrecondition,
  kUnavailable,
  kResourceExhausted,  // over a limit (plans in flight, per-peer rates): try again later
  kIo,
  kInternal,
};

const char* errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;
};

inline Error makeError(ErrorCode code, std::string message) {
  return {code, std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_{ErrorCode::kInternal, ""};
  bool ok_ = true;
};

using Status = Result<void>;

inline const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kPermissionDenied:
      return "permission denied";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kAlreadyExists:
      return "already exists";
    case ErrorCode::kFailedPrecondition:
      return "failed precondition";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kResourceExhausted:
      return "resource exhausted";
    case ErrorCode::kIo:
      return "i/o error";
    case ErrorCode::kInternal:
      return "internal error";
  }
  return "unknown error";
}

}  // namespace finp2p
