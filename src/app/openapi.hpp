#pragma once
// docs/openapi.yaml (embedded at build time) converted to JSON once, for GET /api/v1/openapi.json.

#include <string>

#include "core/error.hpp"

namespace emporium::app {

/// The OpenAPI document as JSON text. Parsed on first call and cached; thread-safe.
/// kInternal if the embedded YAML is malformed (a build-time mistake, caught by unit tests).
Result<std::string> OpenApiJson();

}  // namespace emporium::app
