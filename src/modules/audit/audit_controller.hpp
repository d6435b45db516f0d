#pragma once
// HTTP in/out of the audit log.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/router.hpp"

namespace emporium::audit {

class AuditLog;

/// GET /api/v1/admin/audit-log (admin only).
void RegisterAuditRoutes(http::Router& router, AuditLog& log);


}  // namespace emporium::audit
