#pragma once
// The audit log: who did what to which resource, when and from where. Staff actions are recorded
// in the same transaction as the change they describe, so an entry exists iff the change committed.
// Other modules include only this header.
//
//   db.Write([&](db::Tx& tx) -> Result<Product> {
//     ... change ...
//     EMP_TRY(audit.Record(tx, audit::AuditEntry::FromRequest(req, "product.update", "product", id, details)));
//   });

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/roles.hpp"
#include "db/database.hpp"
#include "http/request.hpp"
#include "http/router.hpp"

namespace emporium::audit {

/// One action to record.
struct AuditEntry {
  std::optional<std::int64_t> actor_id;  ///< null for actions of the system itself (CLI, jobs)
  std::string actor_email;               ///< filled in through the actor lookup when empty
  std::optional<Role> actor_role;        ///< likewise
  std::string action;                    ///< "<resource>.<verb>", e.g. "user.create", "user.update"
  std::string resource_type;             ///< "user", "product" ...
  std::optional<std::int64_t> resource_id;
  boost::json::object details;  ///< what changed, e.g. {"changes": {"role": {"from": .., "to": ..}}}
  std::string ip;
  std::string request_id;

  /// Actor (id and role from the principal), IP and request id taken from an authenticated request.
  static AuditEntry FromRequest(const http::Request& req, std::string action, std::string resource_type,
                                std::optional<std::int64_t> resource_id, boost::json::object details = {});
};

/// A stored entry.
struct AuditRecord {
  std::int64_t id = 0;
  std::optional<std::int64_t> actor_id;
  std::string actor_email;
  std::string actor_role;
  std::string action;
  std::string resource_type;
  std::optional<std::int64_t> resource_id;
  boost::json::object details;
  std::string ip;
  std::string request_id;
  std::int64_t created_at = 0;
};

/// {id, actor{id, email, role}, action, resource_type, resource_id, details, ip, request_id, created_at};
/// actor is null for system actions.
boost::json::object ToJson(const AuditRecord& record);

struct AuditFilter {
  std::optional<std::int64_t> actor_id;
  std::optional<std::string> action;
  std::optional<std::string> resource_type;
  std::optional<std::int64_t> resource_id;
  std::optional<std::int64_t> before_id;  ///< keyset cursor: entries with a smaller id
  int limit = 20;                         ///< 1–100
};

struct AuditPage {
  std::vector<AuditRecord> items;          ///< newest first
  std::optional<std::string> next_cursor;  ///< opaque; absent on the last page
};

/// The actor's e-mail and role, looked up inside the recording transaction.
struct ActorInfo {
  std::string email;
  Role role = Role::kCustomer;
};
using ActorLookup = std::function<std::optional<ActorInfo>(db::Tx&, std::int64_t actor_id)>;

class AuditRepository;

/// Thread-safe once wired (SetActorLookup is called before serving).
class AuditLog {
 public:
  AuditLog(db::Database& db, const core::Clock& clock);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  /// Lets entries name their actor by id only: the accounts module provides the e-mail and role
  /// (the audit module does not read other modules' tables). Call once, at wiring time.
  void SetActorLookup(ActorLookup lookup) { actor_lookup_ = std::move(lookup); }

  /// Writes one entry in the caller's transaction (stamped with the clock's time). kInvalidArgument
  /// when action or resource_type is empty (a programming error in the caller).
  Status Record(db::Tx& tx, const AuditEntry& entry);

  /// Newest first, with the filter applied; a cursor from a previous page continues after it.
  Result<AuditPage> List(const AuditFilter& filter);

  /// GET /api/v1/admin/audit-log (admin): ?actor_id= ?action= ?resource_type= ?resource_id= ?limit= ?cursor=
  void RegisterRoutes(http::Router& router);

 private:
  db::Database& db_;
  const core::Clock& clock_;
  std::unique_ptr<AuditRepository> repository_;
  ActorLookup actor_lookup_;
};

}  // namespace emporium::audit
