#include "modules/audit/audit_repository.hpp"

#include "core/json_text.hpp"

#include <soci/soci.h>

#include <boost/json/parse.hpp>

namespace emporium::audit {

namespace {

constexpr const char* kInsert =
    "INSERT INTO audit_log (actor_id, actor_email, actor_role, action, resource_type, resource_id, details, ip, "
    "request_id, created_at) VALUES (:actor_id, :actor_email, :actor_role, :action, :resource_type, :resource_id, "
    ":details, :ip, :request_id, :created_at) RETURNING id";

// Optional filters are switched on by flags so the statement text stays constant.
constexpr const char* kSelectList =
    "SELECT id, actor_id, actor_email, actor_role, action, resource_type, resource_id, details, ip, request_id, "
    "created_at FROM audit_log WHERE id < :before_id "
    "AND (:any_actor = 1 OR actor_id = :actor_id) "
    "AND (:any_action = 1 OR action = :action) "
    "AND (:any_type = 1 OR resource_type = :resource_type) "
    "AND (:any_resource = 1 OR resource_id = :resource_id) "
    "ORDER BY id DESC LIMIT :limit";

}  // namespace

std::int64_t AuditRepository::Insert(db::Tx& tx, const AuditRecord& r) const {
  long long id = 0;
  long long actor_id = r.actor_id.value_or(0), resource_id = r.resource_id.value_or(0), created_at = r.created_at;
  soci::indicator actor_ind = r.actor_id ? soci::i_ok : soci::i_null;
  soci::indicator resource_ind = r.resource_id ? soci::i_ok : soci::i_null;
  const std::string details = core::JsonText(r.details);
  tx.sql << kInsert, soci::use(actor_id, actor_ind, "actor_id"), soci::use(r.actor_email, "actor_email"),
      soci::use(r.actor_role, "actor_role"), soci::use(r.action, "action"), soci::use(r.resource_type, "resource_type"),
      soci::use(resource_id, resource_ind, "resource_id"), soci::use(details, "details"), soci::use(r.ip, "ip"),
      soci::use(r.request_id, "request_id"), soci::use(created_at, "created_at"), soci::into(id);
  return id;
}

std::vector<AuditRecord> AuditRepository::List(db::Tx& tx, const AuditFilter& f) const {
  long long before_id = f.before_id.value_or(INT64_MAX);
  int any_actor = f.actor_id ? 0 : 1, any_action = f.action ? 0 : 1, any_type = f.resource_type ? 0 : 1,
      any_resource = f.resource_id ? 0 : 1;
  long long actor_id = f.actor_id.value_or(0), resource_id = f.resource_id.value_or(0);
  const std::string action = f.action.value_or(""), resource_type = f.resource_type.value_or("");
  int limit = f.limit;

  long long id = 0, row_actor_id = 0, row_resource_id = 0, created_at = 0;
  soci::indicator actor_ind = soci::i_null, resource_ind = soci::i_null;
  std::string actor_email, actor_role, row_action, row_type, details, ip, request_id;

  soci::statement st(tx.sql);
  st.exchange(soci::into(id));
  st.exchange(soci::into(row_actor_id, actor_ind));
  st.exchange(soci::into(actor_email));
  st.exchange(soci::into(actor_role));
  st.exchange(soci::into(row_action));
  st.exchange(soci::into(row_type));
  st.exchange(soci::into(row_resource_id, resource_ind));
  st.exchange(soci::into(details));
  st.exchange(soci::into(ip));
  st.exchange(soci::into(request_id));
  st.exchange(soci::into(created_at));
  st.exchange(soci::use(before_id, "before_id"));
  st.exchange(soci::use(any_actor, "any_actor"));
  st.exchange(soci::use(actor_id, "actor_id"));
  st.exchange(soci::use(any_action, "any_action"));
  st.exchange(soci::use(action, "action"));
  st.exchange(soci::use(any_type, "any_type"));
  st.exchange(soci::use(resource_type, "resource_type"));
  st.exchange(soci::use(any_resource, "any_resource"));
  st.exchange(soci::use(resource_id, "resource_id"));
  st.exchange(soci::use(limit, "limit"));
  st.alloc();
  st.prepare(kSelectList);
  st.define_and_bind();
  st.execute();

  std::vector<AuditRecord> out;
  while (st.fetch()) {
    AuditRecord r;
    r.id = id;
    if (actor_ind == soci::i_ok) r.actor_id = row_actor_id;
    r.actor_email = actor_email;
    r.actor_role = actor_role;
    r.action = row_action;
    r.resource_type = row_type;
    if (resource_ind == soci::i_ok) r.resource_id = row_resource_id;
    boost::system::error_code ec;
    auto parsed = boost::json::parse(details, ec);
    if (!ec && parsed.is_object()) r.details = std::move(parsed.as_object());
    r.ip = ip;
    r.request_id = request_id;
    r.created_at = created_at;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace emporium::audit
