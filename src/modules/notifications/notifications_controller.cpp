#include "modules/notifications/notifications_controller.hpp"

#include <boost/json/array.hpp>

#include "http/validation.hpp"

namespace emporium::notifications {

namespace json = boost::json;

namespace {

constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;

json::object PreferencesJson(const std::vector<Preference>& prefs) {
  json::array items;
  for (const auto& p : prefs) items.push_back(ToJson(p));
  return {{"preferences", std::move(items)}};
}

Result<http::Response> List(NotificationsService& service, http::Request& req) {
  http::QueryInput q(req);
  const int limit = static_cast<int>(q.Int("limit", {.min = 1, .max = kMaxLimit}).value_or(kDefaultLimit));
  const auto cursor = q.String("cursor", {.min = 1, .max = 200});
  const bool unread = q.Bool("unread").value_or(false);
  EMP_TRY(q.Finish());
  EMP_ASSIGN(const NotificationPage page, service.List(req.user().user_id, unread, cursor, limit));
  json::array items;
  for (const auto& n : page.items) items.push_back(ToJson(n));
  json::object body{{"items", std::move(items)},
                    {"next_cursor", page.next_cursor ? json::value(*page.next_cursor) : json::value(nullptr)},
                    {"unread_count", page.unread_count}};
  return http::Response::Json(200, body);
}

Result<http::Response> MarkRead(NotificationsService& service, http::Request& req) {
  EMP_ASSIGN(const std::int64_t id, req.IdParam("id"));
  EMP_ASSIGN(const Notification n, service.MarkRead(req.user().user_id, id));
  return http::Response::Json(200, ToJson(n));
}

Result<http::Response> MarkAllRead(NotificationsService& service, http::Request& req) {
  EMP_ASSIGN(const std::int64_t marked, service.MarkAllRead(req.user().user_id));
  return http::Response::Json(200, json::object{{"marked", marked}, {"unread_count", 0}});
}

Result<http::Response> Delete(NotificationsService& service, http::Request& req) {
  EMP_ASSIGN(const std::int64_t id, req.IdParam("id"));
  EMP_TRY(service.Delete(req.user().user_id, id));
  return http::Response::NoContent();
}

Result<http::Response> GetPreferences(NotificationsService& service, http::Request& req) {
  EMP_ASSIGN(const auto prefs, service.Preferences(req.user()));
  return http::Response::Json(200, PreferencesJson(prefs));
}

/// {"preferences": [{"event_type": "order.shipped", "email": false, "in_app": true}, ...]}: only the
/// channels named change. Shape errors are reported per item ("preferences[2].email").
Result<std::vector<PreferenceChange>> ParseChanges(const http::Request& req) {
  EMP_ASSIGN(auto in, http::JsonInput::From(req));
  in.AllowOnly({"preferences"});
  EMP_TRY(in.Finish());
  const auto* list = in.object().if_contains("preferences");
  if (list == nullptr || !list->is_array()) return Error::Invalid("preferences", "must be an array");
  if (list->as_array().size() > 100) return Error::Invalid("preferences", "at most 100 items");
  std::vector<PreferenceChange> changes;
  Error invalid = Error::Invalid("", "");
  invalid.fields.clear();
  for (std::size_t i = 0; i < list->as_array().size(); ++i) {
    const auto at = "preferences[" + std::to_string(i) + "]";
    const auto& item = list->as_array()[i];
    if (!item.is_object()) {
      invalid.fields.push_back({at, "must be an object"});
      continue;
    }
    const auto* type = item.as_object().if_contains("event_type");
    if (type == nullptr || !type->is_string()) {
      invalid.fields.push_back({at + ".event_type", "is required and must be a string"});
      continue;
    }
    for (const auto& [key, value] : item.as_object()) {
      if (key == "event_type") continue;
      if (!value.is_bool()) {
        invalid.fields.push_back({at + "." + std::string(key), "must be true or false"});
        continue;
      }
      changes.push_back({std::string(type->as_string()), std::string(key), value.as_bool()});
    }
  }
  if (!invalid.fields.empty()) {
    invalid.field = invalid.fields.front().field;
    return invalid;
  }
  return changes;
}

Result<http::Response> PutPreferences(NotificationsService& service, http::Request& req) {
  EMP_ASSIGN(const auto changes, ParseChanges(req));
  EMP_ASSIGN(const auto prefs, service.UpdatePreferences(req.user(), changes));
  return http::Response::Json(200, PreferencesJson(prefs));
}

/// "channels": a non-empty array of "in_app" / "email", each at most once.
void ReadChannels(http::JsonInput& in, BroadcastInput& out) {
  const auto* channels = in.object().if_contains("channels");
  if (channels == nullptr || !channels->is_array() || channels->as_array().empty()) {
    in.Fail("channels", "must be a non-empty array of \"in_app\" and \"email\"");
    return;
  }
  for (const auto& c : channels->as_array()) {
    const bool in_app = c.is_string() && c.as_string() == kInApp;
    const bool email = c.is_string() && c.as_string() == kEmail;
    if ((!in_app && !email) || (in_app && out.in_app) || (email && out.email)) {
      in.Fail("channels", "must list \"in_app\" and/or \"email\", each once");
      return;
    }
    out.in_app = out.in_app || in_app;
    out.email = out.email || email;
  }
}

/// "audience": {"type": "all_customers"} or {"type": "plan", "plan": "<name>"}.
void ReadAudience(http::JsonInput& in, BroadcastInput& out) {
  const auto* audience = in.object().if_contains("audience");
  if (audience == nullptr || !audience->is_object()) {
    in.Fail("audience", "must be {\"type\": \"all_customers\"} or {\"type\": \"plan\", \"plan\": \"<name>\"}");
    return;
  }
  http::JsonInput a(audience->as_object());
  a.AllowOnly({"type", "plan"});
  const auto type = a.Enum("type", {"all_customers", "plan"}, true);
  const auto plan = a.String("plan", {.required = type == "plan", .min = 1, .max = 64});
  if (type == "all_customers" && plan) a.Fail("plan", "only for the \"plan\" audience");
  if (auto st = a.Finish(); !st) {
    for (const auto& f : st.error().fields) in.Fail("audience." + f.field, f.message);
    return;
  }
  out.audience_type = *type;
  out.audience_plan = plan;
}

Result<http::Response> StartBroadcast(NotificationsService& service, http::Request& req) {
  EMP_ASSIGN(auto in, http::JsonInput::From(req));
  in.AllowOnly({"title", "body", "link", "channels", "audience"});
  BroadcastInput input;
  auto title = in.String("title", {.required = true, .min = 1, .max = 200});
  auto body = in.String("body", {.required = true, .min = 1, .max = 5000});
  input.link = in.String("link", {.min = 1, .max = 2048});
  if (input.link && input.link->front() != '/') in.Fail("link", "must be a path within the shop, starting with /");
  ReadChannels(in, input);
  ReadAudience(in, input);
  EMP_TRY(in.Finish());
  input.title = std::move(*title);
  input.body = std::move(*body);
  EMP_ASSIGN(const Broadcast b,
             service.StartBroadcast(input, audit::AuditEntry::FromRequest(req, "notification.broadcast",
                                                                          "notification_broadcast", std::nullopt)));
  return http::Response::Json(202, ToJson(b));
}

Result<http::Response> GetBroadcast(NotificationsService& service, http::Request& req) {
  EMP_ASSIGN(const std::int64_t id, req.IdParam("id"));
  EMP_ASSIGN(const Broadcast b, service.GetBroadcast(id));
  return http::Response::Json(200, ToJson(b));
}

}  // namespace

void RegisterNotificationRoutes(http::Router& router, NotificationsService& service) {
  auto bind = [&service](Result<http::Response> (*fn)(NotificationsService&, http::Request&)) {
    return [&service, fn](http::Request& req) { return fn(service, req); };
  };
  const auto user = http::RouteOptions::User();
  const auto staff = http::RouteOptions::Roles({Role::kManager, Role::kAdmin});
  router.Get("/api/v1/me/notifications", bind(List), user);
  router.Post("/api/v1/me/notifications/read-all", bind(MarkAllRead), user);
  router.Post("/api/v1/me/notifications/{id}/read", bind(MarkRead), user);
  router.Delete("/api/v1/me/notifications/{id}", bind(Delete), user);
  router.Get("/api/v1/me/notification-preferences", bind(GetPreferences), user);
  router.Put("/api/v1/me/notification-preferences", bind(PutPreferences), user);
  router.Post("/api/v1/admin/notifications/broadcast", bind(StartBroadcast), staff);
  router.Get("/api/v1/admin/notifications/broadcasts/{id}", bind(GetBroadcast), staff);
}

}  // namespace emporium::notifications
