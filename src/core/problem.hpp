#pragma once
// The single mapping from ErrorCode to HTTP status and RFC 9457 problem+json body.

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace emporium::core {

/// HTTP status for an error code (422 for kInvalidArgument, 409 for kConflict, ...).
int HttpStatus(ErrorCode code);

/// Short machine-readable slug, used in the problem `type` URI and in logs ("invalid_argument").
std::string_view ErrorSlug(ErrorCode code);

/// The application/problem+json body: type, title, status, detail, instance, request_id and, for
/// validation errors, errors[{field, message}]. kInternal never leaks its message.
std::string ProblemJson(const Error& error, std::string_view instance, std::string_view request_id);

}  // namespace emporium::core
