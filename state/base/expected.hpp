#pragma once
// A small expected<T, Error> for module boundaries (std::expected is C++23),
// errors with a code, and the one mapping from codes to exit codes and HTTP
// statuses.
#include <string>
#include <utility>
#include <variant>

namespace rolewatch {

// What kind of failure, so callers decide by code, never by message text.
enum class ErrorCode {
  failure,           // a runtime failure: I/O, state, a peer (exit 1, HTTP 500)
  invalid_argument,  // the caller's input: bad configuration, option, parameter (exit 2, 400)
  not_found,         // the caller asked for something that does not exist (exit 2, 404)
  unavailable,       // for now: the state volume is full or writes fail; retried (exit 1, 503)
};

struct Error {
  std::string message;
  ErrorCode code = ErrorCode::failure;
};

// Exit codes everywhere (docs/design.md §4): 0 success, 1 runtime failure,
// 2 command line or configuration error.
enum class ExitCode : int { ok = 0, failure = 1, usage = 2 };

inline ExitCode exit_code_for(const Error& error) {
  const bool runtime = error.code == ErrorCode::failure || error.code == ErrorCode::unavailable;
  return runtime ? ExitCode::failure : ExitCode::usage;
}
inline int exit_status(ExitCode code) {
  return static_cast<int>(code);
}
inline int http_status_for(const Error& error) {
  switch (error.code) {
    case ErrorCode::invalid_argument:
      return 400;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::unavailable:
      return 503;
    case ErrorCode::failure:
      break;
  }
  return 500;
}

template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : data_(std::move(value)) {}
  Expected(Error error) : data_(std::move(error)) {}

  bool has_value() const { return data_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(data_); }

 private:
  std::variant<T, Error> data_;
};

// Expected<void>: success or an Error.
struct Ok {};
using Status = Expected<Ok>;
inline Status ok() {
  return Ok{};
}
inline Error make_error(std::string message, ErrorCode code = ErrorCode::failure) {
  return Error{std::move(message), code};
}

}  // namespace rolewatch
