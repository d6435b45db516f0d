#pragma once
// Staff view of the durable job queue: list jobs by state and type, inspect one, retry or discard a
// dead job, queue statistics. Roles admin and manager; retries and discards are audited.
//
//   GET    /api/v1/admin/jobs?state=queued|running|done|dead&type=&limit=&cursor=
//   GET    /api/v1/admin/jobs/stats
//   GET    /api/v1/admin/jobs/{id}
//   POST   /api/v1/admin/jobs/{id}/retry      dead → queued (attempts reset); 409 unless dead
//   DELETE /api/v1/admin/jobs/{id}            discards a dead job; 409 unless dead

#include "db/database.hpp"
#include "http/router.hpp"

namespace emporium::audit {
class AuditLog;
}
namespace emporium::infra::jobs {
class JobQueue;
}

namespace emporium::jobs_admin {

class JobsAdmin {
 public:
  JobsAdmin(db::Database& db, infra::jobs::JobQueue& queue, audit::AuditLog& audit)
      : db_(db), queue_(queue), audit_(audit) {}

  void RegisterRoutes(http::Router& router);

 private:
  db::Database& db_;
  infra::jobs::JobQueue& queue_;
  audit::AuditLog& audit_;
};

}  // namespace emporium::jobs_admin
