#include "modules/auth/authenticator.hpp"

namespace emporium::auth {

namespace {

struct Slot {
  std::optional<User> user;
  std::string jti;
};

thread_local Slot t_slot;

Error Refused() { return Error::Unauthorized("The access token is invalid or has expired."); }

}  // namespace

void CurrentUser::Set(const User& user, std::string_view jti) {
  t_slot.user = user;
  t_slot.jti.assign(jti);
}

void CurrentUser::Clear() {
  t_slot.user.reset();
  t_slot.jti.clear();
}

const User* CurrentUser::Get(std::int64_t user_id, std::string_view jti) {
  if (!t_slot.user || t_slot.user->id != user_id || t_slot.jti != jti) return nullptr;
  return &*t_slot.user;
}

const User* CurrentUser::Get(std::int64_t user_id) {
  if (!t_slot.user || t_slot.user->id != user_id) return nullptr;
  return &*t_slot.user;
}

void CurrentUser::Invalidate(std::int64_t user_id) {
  if (t_slot.user && t_slot.user->id == user_id) Clear();
}

Result<Principal> TokenAuthenticator::Authenticate(std::string_view token) {
  CurrentUser::Clear();
  EMP_ASSIGN(AccessClaims claims, jwt_.Verify(token));
  EMP_ASSIGN(std::optional<User> user,
             db_.ReadStatement([&](db::Tx& tx) -> Result<std::optional<User>> {
               return users_.FindById(tx, claims.user_id);  // one SELECT by primary key
             }));
  if (!user || !user->active || user->deleted_at || claims.issued_at < user->tokens_valid_after) return Refused();
  CurrentUser::Set(*user, claims.jti);
  return Principal{.user_id = user->id, .role = user->role, .jti = claims.jti, .issued_at = claims.issued_at};
}

void TokenAuthenticator::Forget() { CurrentUser::Clear(); }

}  // namespace emporium::auth
