#include "modules/jobs_admin/jobs_admin_module.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/cursor.hpp"
#include "http/validation.hpp"
#include "infra/jobs/job_queue.hpp"
#include "modules/audit/audit_module.hpp"

namespace emporium::jobs_admin {

namespace json = boost::json;
using infra::jobs::Job;
using infra::jobs::JobFilter;
using infra::jobs::JobPage;
using infra::jobs::QueueStats;

namespace {

constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;

http::RouteOptions Staff() { return http::RouteOptions::Roles({Role::kAdmin, Role::kManager}); }

Result<JobFilter> ParseFilter(const http::Request& req) {
  http::QueryInput in(req);
  JobFilter filter;
  const auto state = in.String("state", {.max = 16});
  filter.type = in.String("type", {.max = 128});
  filter.limit = static_cast<int>(in.Int("limit", {.min = 1, .max = kMaxLimit}).value_or(kDefaultLimit));
  const auto cursor = in.String("cursor", {.max = 64});
  EMP_TRY(in.Finish());
  if (state && !state->empty()) {
    filter.state = infra::jobs::ParseState(*state);
    if (!filter.state) return Error::Invalid("state", "must be one of queued, running, done, dead");
  }
  if (filter.type && filter.type->empty()) filter.type.reset();
  if (cursor && !cursor->empty()) {
    filter.before_id = core::DecodeIdCursor(*cursor);
    if (!filter.before_id) return Error::Invalid("cursor", "is not a valid cursor");
  }
  return filter;
}

json::object StatsJson(const QueueStats& s) {
  return {{"queued", s.queued}, {"due", s.due}, {"running", s.running}, {"dead", s.dead}};
}

json::object AuditDetails(const Job& job) {
  return {{"type", job.type}, {"attempts", job.attempts}, {"last_error", job.last_error ? json::value(*job.last_error) : nullptr}};
}

}  // namespace

void JobsAdmin::RegisterRoutes(http::Router& router) {
  router.Get(
      "/api/v1/admin/jobs",
      [this](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(JobFilter filter, ParseFilter(req));
        EMP_ASSIGN(JobPage page, queue_.List(filter));
        json::array items;
        items.reserve(page.items.size());
        for (const auto& job : page.items) items.push_back(infra::jobs::ToJson(job));
        return http::Response::List(std::move(items), page.next_cursor);
      },
      Staff());

  router.Get(
      "/api/v1/admin/jobs/stats",
      [this](http::Request&) -> Result<http::Response> {
        EMP_ASSIGN(QueueStats stats, queue_.Stats());
        return http::Response::Json(200, StatsJson(stats));
      },
      Staff());

  router.Get(
      "/api/v1/admin/jobs/{id}",
      [this](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_ASSIGN(Job job, queue_.Get(id));
        return http::Response::Json(200, infra::jobs::ToJson(job));
      },
      Staff());

  router.Post(
      "/api/v1/admin/jobs/{id}/retry",
      [this](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_ASSIGN(Job job, db_.Write([&](db::Tx& tx) -> Result<Job> {
          EMP_ASSIGN(Job retried, queue_.Retry(tx, id));
          EMP_TRY(audit_.Record(tx, audit::AuditEntry::FromRequest(req, "job.retry", "job", id, AuditDetails(retried))));
          return retried;
        }));
        return http::Response::Json(200, infra::jobs::ToJson(job));
      },
      Staff());

  router.Delete(
      "/api/v1/admin/jobs/{id}",
      [this](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_TRY(db_.Write([&](db::Tx& tx) -> Status {
          EMP_ASSIGN(Job discarded, queue_.Discard(tx, id));
          return audit_.Record(tx, audit::AuditEntry::FromRequest(req, "job.discard", "job", id, AuditDetails(discarded)));
        }));
        return http::Response::NoContent();
      },
      Staff());
}

}  // namespace emporium::jobs_admin
