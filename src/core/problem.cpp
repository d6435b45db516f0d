#include "core/problem.hpp"

#include "core/json_text.hpp"

#include <boost/json.hpp>

namespace emporium::core {

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 422;
    case ErrorCode::kBadRequest: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kUnauthorized: return 401;
    case ErrorCode::kForbidden: return 403;
    case ErrorCode::kPaymentDeclined: return 402;
    case ErrorCode::kInsufficientStock: return 409;
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

std::string_view ErrorSlug(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kBadRequest: return "bad_request";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kUnauthorized: return "unauthorized";
    case ErrorCode::kForbidden: return "forbidden";
    case ErrorCode::kPaymentDeclined: return "payment_declined";
    case ErrorCode::kInsufficientStock: return "insufficient_stock";
    case ErrorCode::kRateLimited: return "rate_limited";
    case ErrorCode::kPayloadTooLarge: return "payload_too_large";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

namespace {
std::string_view Title(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "Validation failed";
    case ErrorCode::kBadRequest: return "Bad request";
    case ErrorCode::kNotFound: return "Not found";
    case ErrorCode::kConflict: return "Conflict";
    case ErrorCode::kUnauthorized: return "Unauthorized";
    case ErrorCode::kForbidden: return "Forbidden";
    case ErrorCode::kPaymentDeclined: return "Payment declined";
    case ErrorCode::kInsufficientStock: return "Insufficient stock";
    case ErrorCode::kRateLimited: return "Too many requests";
    case ErrorCode::kPayloadTooLarge: return "Payload too large";
    case ErrorCode::kUnavailable: return "Service unavailable";
    case ErrorCode::kInternal: return "Internal server error";
  }
  return "Internal server error";
}
}  // namespace

std::string ProblemJson(const Error& error, std::string_view instance, std::string_view request_id) {
  boost::json::object body;
  const auto slug = ErrorSlug(error.code);
  body["type"] = std::string("https://emporium.dev/problems/") + std::string(slug);
  body["title"] = Title(error.code);
  body["status"] = HttpStatus(error.code);
  body["code"] = slug;
  body["detail"] = error.code == ErrorCode::kInternal ? std::string("An internal error occurred.") : error.message;
  if (!instance.empty()) body["instance"] = instance;
  if (!request_id.empty()) body["request_id"] = request_id;
  if (!error.fields.empty()) {
    boost::json::array errors;
    for (const auto& f : error.fields) errors.push_back({{"field", f.field}, {"message", f.message}});
    body["errors"] = std::move(errors);
  } else if (!error.field.empty()) {
    body["errors"] = boost::json::array{{{"field", error.field}, {"message", error.message}}};
  }
  return core::JsonText(body);
}

}  // namespace emporium::core
