#include "modules/auth/admin_user_service.hpp"

#include <algorithm>

#include "core/cursor.hpp"
#include "modules/auth/authenticator.hpp"

namespace emporium::auth {

namespace json = boost::json;

namespace {

Error UserNotFound() { return Error::NotFound("The user does not exist."); }

audit::AuditEntry Entry(const std::optional<Actor>& actor, std::string action, std::int64_t user_id,
                        json::object details) {
  audit::AuditEntry e;
  if (actor) {
    e.actor_id = actor->user_id;
    e.actor_role = actor->role;
    e.ip = actor->ip;
    e.request_id = actor->request_id;
  }
  e.action = std::move(action);
  e.resource_type = "user";
  e.resource_id = user_id;
  e.details = std::move(details);
  return e;
}

json::object Change(json::value from, json::value to) {
  json::object o;
  o["from"] = std::move(from);
  o["to"] = std::move(to);
  return o;
}

}  // namespace


Result<UserPage> AdminUserService::List(UserFilter filter) {
  const int page_size = std::clamp(filter.limit, 1, 100);
  filter.limit = page_size + 1;  // one extra row tells whether a next page exists
  EMP_ASSIGN(std::vector<User> rows,
             db_.Read([&](db::Tx& tx) -> Result<std::vector<User>> { return users_.List(tx, filter); }));
  UserPage page;
  if (rows.size() > static_cast<std::size_t>(page_size)) {
    rows.resize(static_cast<std::size_t>(page_size));
    page.next_cursor = core::EncodeIdCursor(rows.back().id);
  }
  page.items.reserve(rows.size());
  for (const auto& u : rows) page.items.push_back(ToView(u));
  return page;
}

Result<UserView> AdminUserService::Get(std::int64_t id) {
  EMP_ASSIGN(std::optional<User> user,
             db_.Read([&](db::Tx& tx) -> Result<std::optional<User>> { return users_.FindById(tx, id); }));
  if (!user || user->deleted_at) return UserNotFound();
  return ToView(*user);
}

Result<UserView> AdminUserService::Create(const NewAccount& account, const std::optional<Actor>& actor) {
  EMP_TRY(policy_.Check(account.password, account.email));
  EMP_ASSIGN(std::string hash, hasher_.Hash(account.password));
  auto result = db_.Write([&](db::Tx& tx) -> Result<UserView> {
    if (users_.FindByEmail(tx, account.email)) {
      return Error::Conflict("An account with this e-mail address already exists.");
    }
    const auto now = clock_.NowSeconds();
    User user;
    user.email = account.email;
    user.first_name = account.first_name;
    user.last_name = account.last_name;
    user.role = account.role;
    user.email_verified_at = now;
    user.created_at = user.updated_at = now;
    user.id = users_.Insert(tx, NewUser{.email = user.email,
                                        .password_hash = hash,
                                        .first_name = user.first_name,
                                        .last_name = user.last_name,
                                        .role = user.role,
                                        .email_verified_at = now,
                                        .now = now});
    json::object details;
    details["email"] = user.email;
    details["role"] = RoleName(user.role);
    if (!actor) details["source"] = "cli";
    EMP_TRY(audit_.Record(tx, Entry(actor, "user.create", user.id, std::move(details))));
    if (actor) {
      mailer_.SendAfterCommit(tx, "staff_welcome", user.email,
                              {{"first_name", AuthMailer::Greeting(user.first_name)},
                               {"role", std::string(RoleName(user.role))},
                               {"login_url", mailer_.public_url() + "/login"}});
    }
    return ToView(user);
  });
  if (!result && result.error().code == ErrorCode::kConflict) {
    return Error::Conflict("An account with this e-mail address already exists.");
  }
  return result;
}

Result<UserView> AdminUserService::Update(std::int64_t id, const UserPatch& patch, const Actor& actor) {
  if (id == actor.user_id && ((patch.active && !*patch.active) || (patch.role && *patch.role != Role::kAdmin))) {
    return Error::Conflict("You cannot deactivate or demote your own account.");
  }
  CurrentUser::Invalidate(id);
  return db_.Write([&](db::Tx& tx) -> Result<UserView> {
    auto user = users_.FindById(tx, id);
    if (!user || user->deleted_at) return UserNotFound();
    json::object changes;
    const Role role = patch.role.value_or(user->role);
    const bool active = patch.active.value_or(user->active);
    if (role != user->role) changes["role"] = Change(json::value(RoleName(user->role)), json::value(RoleName(role)));
    if (active != user->active) changes["active"] = Change(json::value(user->active), json::value(active));
    if (changes.empty()) return ToView(*user);

    const auto now = clock_.NowSeconds();
    users_.UpdateRoleAndActive(tx, id, role, active, now);
    if (user->active && !active) {
      users_.RevokeAccessTokens(tx, id, now);
      tokens_.RevokeAllForUser(tx, id, now);
    }
    user->role = role;
    user->active = active;
    user->updated_at = now;
    json::object details;
    details["changes"] = std::move(changes);
    EMP_TRY(audit_.Record(tx, Entry(actor, "user.update", id, std::move(details))));
    return ToView(*user);
  });
}

}  // namespace emporium::auth
