#pragma once
// HTTP in/out of the audit log, and the opaque keyset cursors of its pages.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/router.hpp"

namespace emporium::audit {

class AuditLog;

/// GET /api/v1/admin/audit-log (admin only).
void RegisterAuditRoutes(http::Router& router, AuditLog& log);

/// The opaque cursor for "entries older than `last_id`": base64url of the decimal id.
std::string EncodeCursor(std::int64_t last_id);
/// The id inside a cursor; nullopt when it is not one this module made.
std::optional<std::int64_t> DecodeCursor(std::string_view cursor);

}  // namespace emporium::audit
