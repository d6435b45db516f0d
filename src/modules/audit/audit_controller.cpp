#include "modules/audit/audit_controller.hpp"

#include <sodium.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <charconv>
#include <vector>

#include "core/crypto.hpp"
#include "http/validation.hpp"
#include "modules/audit/audit_module.hpp"

namespace emporium::audit {

namespace json = boost::json;

namespace {
constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;
}  // namespace

std::string EncodeCursor(std::int64_t last_id) { return core::Base64UrlEncode(std::to_string(last_id)); }

std::optional<std::int64_t> DecodeCursor(std::string_view cursor) {
  if (cursor.empty() || cursor.size() > 32) return std::nullopt;
  unsigned char buf[32];
  std::size_t len = 0;
  if (sodium_base642bin(buf, sizeof buf, cursor.data(), cursor.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  const char* begin = reinterpret_cast<const char*>(buf);
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(begin, begin + len, id);
  if (ec != std::errc() || end != begin + len || id <= 0) return std::nullopt;
  return id;
}

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
          filter.before_id = DecodeCursor(*cursor);
          if (!filter.before_id) return Error::Invalid("cursor", "is not a valid cursor");
        }
        EMP_ASSIGN(AuditPage page, log.List(filter));
        json::array items;
        items.reserve(page.items.size());
        for (const auto& r : page.items) items.push_back(ToJson(r));
        json::object body;
        body["items"] = std::move(items);
        body["next_cursor"] = page.next_cursor ? json::value(*page.next_cursor) : json::value(nullptr);
        return http::Response::Json(200, body);
      },
      http::RouteOptions::Roles({Role::kAdmin}));
}

}  // namespace emporium::audit
