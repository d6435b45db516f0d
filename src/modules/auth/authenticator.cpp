#include "modules/auth/authenticator.hpp"

#include <memory>

namespace emporium::auth {

namespace {

struct Slot {
  User user;
  std::string jti;
};

// Replaced, never modified: a write body's thread may hold the same slot (CurrentUser::Carrier).
thread_local std::shared_ptr<const Slot> t_slot;

Error Refused() { return Error::Unauthorized("The access token is invalid or has expired."); }

class SlotCarrier final : public db::CarriedThreadState {
 public:
  std::shared_ptr<const void> Capture() const override { return t_slot; }
  std::shared_ptr<const void> Install(std::shared_ptr<const void> state) const override {
    std::shared_ptr<const void> previous = std::move(t_slot);
    t_slot = std::static_pointer_cast<const Slot>(std::move(state));
    return previous;
  }
};

}  // namespace

const db::CarriedThreadState& CurrentUser::Carrier() {
  static const SlotCarrier carrier;
  return carrier;
}

void CurrentUser::Set(const User& user, std::string_view jti) {
  t_slot = std::make_shared<const Slot>(Slot{user, std::string(jti)});
}

void CurrentUser::Clear() { t_slot.reset(); }

const User* CurrentUser::Get(std::int64_t user_id, std::string_view jti) {
  if (!t_slot || t_slot->user.id != user_id || t_slot->jti != jti) return nullptr;
  return &t_slot->user;
}

const User* CurrentUser::Get(std::int64_t user_id) {
  if (!t_slot || t_slot->user.id != user_id) return nullptr;
  return &t_slot->user;
}

void CurrentUser::Invalidate(std::int64_t user_id) {
  if (t_slot && t_slot->user.id == user_id) Clear();
}

Result<Principal> TokenAuthenticator::Authenticate(std::string_view token) {
  CurrentUser::Clear();
  EMP_ASSIGN(AccessClaims claims, jwt_.Verify(token));
  std::optional<User> user = cache_.Find(claims.user_id);
  if (!user) {
    const auto generation = cache_.Generation();
    EMP_ASSIGN(user, db_.ReadStatement([&](db::Tx& tx) -> Result<std::optional<User>> {
      return users_.FindById(tx, claims.user_id);  // one SELECT by primary key
    }));
    if (user) cache_.Put(*user, generation);
  }
  if (!user || !user->active || user->deleted_at || claims.issued_at < user->tokens_valid_after) return Refused();
  CurrentUser::Set(*user, claims.jti);
  return Principal{.user_id = user->id, .role = user->role, .jti = claims.jti, .issued_at = claims.issued_at};
}

void TokenAuthenticator::Forget() { CurrentUser::Clear(); }

}  // namespace emporium::auth
