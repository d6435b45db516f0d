#include "modules/audit/audit_module.hpp"

#include <algorithm>

#include "core/cursor.hpp"
#include "core/clock.hpp"
#include "modules/audit/audit_controller.hpp"
#include "modules/audit/audit_repository.hpp"

namespace emporium::audit {

namespace json = boost::json;

namespace {
constexpr std::size_t kMaxRequestIdLength = 64;
constexpr std::size_t kMaxIpLength = 45;
constexpr std::size_t kMaxNameLength = 64;
}  // namespace

AuditEntry AuditEntry::FromRequest(const http::Request& req, std::string action, std::string resource_type,
                                   std::optional<std::int64_t> resource_id, json::object details) {
  AuditEntry e;
  if (req.principal) {
    e.actor_id = req.principal->user_id;
    e.actor_role = req.principal->role;
  }
  e.action = std::move(action);
  e.resource_type = std::move(resource_type);
  e.resource_id = resource_id;
  e.details = std::move(details);
  e.ip = req.remote_ip;
  e.request_id = req.request_id;
  return e;
}

json::object ToJson(const AuditRecord& r) {
  json::object o;
  o["id"] = r.id;
  if (r.actor_id) {
    json::object actor;
    actor["id"] = *r.actor_id;
    actor["email"] = r.actor_email;
    actor["role"] = r.actor_role;
    o["actor"] = std::move(actor);
  } else {
    o["actor"] = nullptr;
  }
  o["action"] = r.action;
  o["resource_type"] = r.resource_type;
  o["resource_id"] = r.resource_id ? json::value(*r.resource_id) : json::value(nullptr);
  o["details"] = r.details;
  o["ip"] = r.ip;
  o["request_id"] = r.request_id;
  o["created_at"] = core::FormatRfc3339(r.created_at);
  return o;
}

AuditLog::AuditLog(db::Database& db, const core::Clock& clock)
    : db_(db), clock_(clock), repository_(std::make_unique<AuditRepository>()) {}

AuditLog::~AuditLog() = default;

Status AuditLog::Record(db::Tx& tx, const AuditEntry& entry) {
  if (entry.action.empty() || entry.resource_type.empty()) {
    return Error::Invalid("action", "an audit entry needs an action and a resource type");
  }
  AuditRecord r;
  r.actor_id = entry.actor_id;
  r.actor_email = entry.actor_email;
  if (entry.actor_role) r.actor_role = std::string(RoleName(*entry.actor_role));
  if (entry.actor_id && (r.actor_email.empty() || r.actor_role.empty()) && actor_lookup_) {
    if (auto actor = actor_lookup_(tx, *entry.actor_id)) {
      if (r.actor_email.empty()) r.actor_email = actor->email;
      if (r.actor_role.empty()) r.actor_role = std::string(RoleName(actor->role));
    }
  }
  r.action = entry.action.substr(0, kMaxNameLength);
  r.resource_type = entry.resource_type.substr(0, kMaxNameLength);
  r.resource_id = entry.resource_id;
  r.details = entry.details;
  r.ip = entry.ip.substr(0, kMaxIpLength);
  r.request_id = entry.request_id.substr(0, kMaxRequestIdLength);
  r.created_at = clock_.NowSeconds();
  repository_->Insert(tx, r);
  return OkStatus();
}

Result<AuditPage> AuditLog::List(const AuditFilter& filter) {
  AuditFilter query = filter;
  query.limit = std::clamp(filter.limit, 1, 100) + 1;  // one extra row tells whether a next page exists
  EMP_ASSIGN(std::vector<AuditRecord> rows,
             db_.Read([&](db::Tx& tx) -> Result<std::vector<AuditRecord>> { return repository_->List(tx, query); }));
  AuditPage page;
  const auto limit = static_cast<std::size_t>(query.limit - 1);
  if (rows.size() > limit) {
    rows.resize(limit);
    page.next_cursor = core::EncodeIdCursor(rows.back().id);
  }
  page.items = std::move(rows);
  return page;
}

void AuditLog::RegisterRoutes(http::Router& router) { RegisterAuditRoutes(router, *this); }

}  // namespace emporium::audit
