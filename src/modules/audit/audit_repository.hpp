#pragma once
// SQL for audit_log. Runs inside the caller's transaction.

#include <cstdint>
#include <vector>

#include "db/database.hpp"
#include "modules/audit/audit_module.hpp"

namespace emporium::audit {

class AuditRepository {
 public:
  std::int64_t Insert(db::Tx& tx, const AuditRecord& record) const;
  /// Newest first; returns at most filter.limit rows.
  std::vector<AuditRecord> List(db::Tx& tx, const AuditFilter& filter) const;
};

}  // namespace emporium::audit
