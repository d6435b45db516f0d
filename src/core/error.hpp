#pragma once
// The one error type of Emporium and the Result<T> that carries it. Expected failures are returned,
// never thrown; core/problem.hpp is the single place that turns an ErrorCode into an HTTP answer.

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace emporium {

enum class ErrorCode {
  kInvalidArgument,    ///< 422: the request is well-formed but a field is wrong (see Error::fields)
  kBadRequest,         ///< 400: the request cannot be parsed (malformed JSON, bad query string)
  kNotFound,           ///< 404
  kConflict,           ///< 409: duplicate, illegal state transition
  kUnauthorized,       ///< 401: missing, invalid or expired credentials
  kForbidden,          ///< 403: authenticated but not allowed
  kPaymentDeclined,    ///< 402
  kInsufficientStock,  ///< 409 with its own problem type
  kRateLimited,        ///< 429
  kPayloadTooLarge,    ///< 413
  kUnavailable,        ///< 503: a dependency is down or busy; retrying later may succeed
  kInternal,           ///< 500: a bug or an unexpected failure; details are logged, not returned
};

struct FieldError {
  std::string field;
  std::string message;
  bool operator==(const FieldError&) const = default;
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;                ///< the offending field for a single-field error, else empty
  std::vector<FieldError> fields;   ///< every offending field for a validation error
  int retry_after_seconds = 0;      ///< for kRateLimited and kUnavailable

  static Error Invalid(std::string field, std::string message) {
    Error e{ErrorCode::kInvalidArgument, "The request has invalid fields.", field, {}};
    e.fields.push_back({std::move(field), std::move(message)});
    return e;
  }
  static Error BadRequest(std::string message) { return {ErrorCode::kBadRequest, std::move(message)}; }
  static Error NotFound(std::string message = "The resource does not exist.") {
    return {ErrorCode::kNotFound, std::move(message)};
  }
  static Error Conflict(std::string message) { return {ErrorCode::kConflict, std::move(message)}; }
  static Error Unauthorized(std::string message = "Authentication is required.") {
    return {ErrorCode::kUnauthorized, std::move(message)};
  }
  static Error Forbidden(std::string message = "You are not allowed to do this.") {
    return {ErrorCode::kForbidden, std::move(message)};
  }
  static Error RateLimited(int retry_after, std::string message = "Too many requests; try again later.") {
    Error e{ErrorCode::kRateLimited, std::move(message)};
    e.retry_after_seconds = retry_after;
    return e;
  }
  static Error Unavailable(std::string message) { return {ErrorCode::kUnavailable, std::move(message)}; }
  static Error Internal(std::string message = "An internal error occurred.") {
    return {ErrorCode::kInternal, std::move(message)};
  }
};

/// A value or an Error. Small on purpose: has_value/value/error and a monadic-free EMP_TRY macro.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

}  // namespace emporium

/// Evaluates a Result expression and returns its error from the enclosing function if it failed.
#define EMP_TRY(expr)                                      \
  do {                                                     \
    auto&& emp_try_result_ = (expr);                       \
    if (!emp_try_result_) return std::move(emp_try_result_).error(); \
  } while (false)

#define EMP_CONCAT_INNER(a, b) a##b
#define EMP_CONCAT(a, b) EMP_CONCAT_INNER(a, b)
/// `EMP_ASSIGN(auto user, repo.Find(id));` declares `user` from a Result or returns its error.
#define EMP_ASSIGN(decl, expr) EMP_ASSIGN_IMPL(EMP_CONCAT(emp_assign_, __LINE__), decl, expr)
#define EMP_ASSIGN_IMPL(tmp, decl, expr)              \
  auto tmp = (expr);                                  \
  if (!tmp) return std::move(tmp).error();            \
  decl = std::move(tmp).value()
