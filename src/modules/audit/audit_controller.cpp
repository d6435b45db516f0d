#include "modules/audit/audit_controller.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <vector>

#include "core/cursor.hpp"
#include "http/validation.hpp"
#include "modules/audit/audit_module.hpp"

namespace emporium::audit {

namespace json = boost::json;

namespace {
constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;
}  // namespace


void RegisterAuditRoutes(http::Router& router, AuditLog& log) {
  router.Get(
      "/api/v1/admin/audit-log",
      [&log](http::Request& req) -> Result<http::Response> {
        http::QueryInput in(req);
        AuditFilter filter;
        filter.actor_id = in.Int("actor_id", {.min = 1});
        filter.action = in.String("action", {.max = 64});
        filter.resource_type = in.String("resource_type", {.max = 64});
        filter.resource_id = in.Int("resource_id", {.min = 1});
        filter.limit = static_cast<int>(in.Int("limit", {.min = 1, .max = kMaxLimit}).value_or(kDefaultLimit));
        auto cursor = in.String("cursor", {.max = 64});
        EMP_TRY(in.Finish());
        if (filter.action && filter.action->empty()) filter.action.reset();
        if (filter.resource_type && filter.resource_type->empty()) filter.resource_type.reset();
        if (cursor && !cursor->empty()) {
          filter.before_id = core::DecodeIdCursor(*cursor);
          if (!filter.before_id) return Error::Invalid("cursor", "is not a valid cursor");
        }
        EMP_ASSIGN(AuditPage page, log.List(filter));
        json::array items;
        items.reserve(page.items.size());
        for (const auto& r : page.items) items.push_back(ToJson(r));
        return http::Response::List(std::move(items), page.next_cursor);
      },
      http::RouteOptions::Roles({Role::kAdmin}));
}

}  // namespace emporium::audit
