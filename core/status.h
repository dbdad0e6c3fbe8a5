// Status and Result<T>: the one error currency of core/.
//
// A Status is either OK or carries a Code and a message meant for the local
// user (never for a peer: peers get one opaque failure, see STYLE.md). Foreign
// errors (libsodium's -1, SQLite codes, asio error_codes) are translated into a
// Status exactly once, in the adapter that meets them. Exceptions never cross
// the core API.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace waypost {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // the caller passed something malformed
    kNotFound,         // the thing asked for does not exist
    kAlreadyExists,    // refusing to overwrite
    kAuthFailed,       // a MAC, signature or handshake did not verify (opaque)
    kWrongPassphrase,  // the key file did not open with this passphrase
    kCorrupt,          // stored data is damaged or not ours
    kIoError,          // the operating system or SQLite failed
    kLimitExceeded,    // a size or count limit was hit
    kExpired,          // an invite or envelope is past its time
    kUnavailable,      // a peer or relay could not be reached
    kTimeout,          // a peer stalled past a deadline
    kProtocol,         // a peer broke the protocol
    kInternal,         // a bug
    kRefused,          // a relay declined to serve this node (not admitted)
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(Code code, std::string message) { return Status(code, std::move(message)); }
  static Status InvalidArgument(std::string m) {
    return Error(Code::kInvalidArgument, std::move(m));
  }
  static Status NotFound(std::string m) { return Error(Code::kNotFound, std::move(m)); }
  static Status AlreadyExists(std::string m) { return Error(Code::kAlreadyExists, std::move(m)); }
  static Status AuthFailed() { return Error(Code::kAuthFailed, "authentication failed"); }
  static Status WrongPassphrase() { return Error(Code::kWrongPassphrase, "wrong passphrase"); }
  static Status Corrupt(std::string m) { return Error(Code::kCorrupt, std::move(m)); }
  static Status IoError(std::string m) { return Error(Code::kIoError, std::move(m)); }
  static Status LimitExceeded(std::string m) { return Error(Code::kLimitExceeded, std::move(m)); }
  static Status Expired(std::string m) { return Error(Code::kExpired, std::move(m)); }
  static Status Unavailable(std::string m) { return Error(Code::kUnavailable, std::move(m)); }
  static Status Timeout(std::string m) { return Error(Code::kTimeout, std::move(m)); }
  static Status Protocol(std::string m) { return Error(Code::kProtocol, std::move(m)); }
  static Status Internal(std::string m) { return Error(Code::kInternal, std::move(m)); }
  static Status Refused(std::string m) { return Error(Code::kRefused, std::move(m)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const { return ok() ? "ok" : message_; }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// Result<T> holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  // The value, or `fallback` when this holds an error.
  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace waypost

// Early return on error. Keeps call sites flat.
#define WAYPOST_RETURN_IF_ERROR(expr)        \
  do {                                       \
    ::waypost::Status _wp_status = (expr);   \
    if (!_wp_status.ok()) return _wp_status; \
  } while (0)

#define WAYPOST_CONCAT_INNER(a, b) a##b
#define WAYPOST_CONCAT(a, b) WAYPOST_CONCAT_INNER(a, b)
#define WAYPOST_ASSIGN_OR_RETURN(lhs, expr) \
  WAYPOST_ASSIGN_OR_RETURN_IMPL(WAYPOST_CONCAT(_wp_result_, __LINE__), lhs, expr)
#define WAYPOST_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
