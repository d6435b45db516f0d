#include "modules/auth/account_service.hpp"

#include "modules/auth/authenticator.hpp"

namespace emporium::auth {

namespace {

Error AddressNotFound() { return Error::NotFound("The address does not exist."); }

void Apply(Address& a, const AddressFields& f) {
  if (f.name) a.name = *f.name;
  if (f.line1) a.line1 = *f.line1;
  if (f.line2) a.line2 = *f.line2;
  if (f.city) a.city = *f.city;
  if (f.postal_code) a.postal_code = *f.postal_code;
  if (f.country) a.country = *f.country;
  if (f.phone) a.phone = *f.phone;
  if (f.coordinates) {
    if (*f.coordinates) {
      a.lat = (*f.coordinates)->first;
      a.lng = (*f.coordinates)->second;
    } else {
      a.lat.reset();
      a.lng.reset();
    }
  }
}

}  // namespace

Result<UserView> AccountService::GetMe(std::int64_t user_id, std::string_view jti) {
  if (const User* user = CurrentUser::Get(user_id, jti)) return ToView(*user);
  EMP_ASSIGN(std::optional<User> user,
             db_.Read([&](db::Tx& tx) -> Result<std::optional<User>> { return users_.FindById(tx, user_id); }));
  if (!user || !user->active || user->deleted_at) return Error::Unauthorized();
  return ToView(*user);
}

Result<UserView> AccountService::UpdateMe(std::int64_t user_id, const ProfilePatch& patch) {
  CurrentUser::Invalidate(user_id);
  return db_.Write([&](db::Tx& tx) -> Result<UserView> {
    auto user = users_.FindById(tx, user_id);
    if (!user || !user->active || user->deleted_at) return Error::Unauthorized();
    if (patch.first_name) user->first_name = *patch.first_name;
    if (patch.last_name) user->last_name = *patch.last_name;
    if (patch.birthday) user->birthday = *patch.birthday;
    if (patch.phone) user->phone = *patch.phone;
    user->updated_at = clock_.NowSeconds();
    users_.UpdateProfile(tx, *user, user->updated_at);
    return ToView(*user);
  });
}

Status AccountService::DeleteMe(std::int64_t user_id) {
  CurrentUser::Invalidate(user_id);
  return db_.Write([&](db::Tx& tx) -> Status {
    const auto now = clock_.NowSeconds();
    users_.Anonymise(tx, user_id, now);
    users_.RevokeAccessTokens(tx, user_id, now);
    tokens_.RevokeAllForUser(tx, user_id, now);
    tokens_.DeleteOneTimeForUser(tx, user_id);
    addresses_.DeleteAllForUser(tx, user_id);
    return OkStatus();
  });
}

Result<std::vector<Address>> AccountService::ListAddresses(std::int64_t user_id) {
  return db_.Read([&](db::Tx& tx) -> Result<std::vector<Address>> { return addresses_.ListByUser(tx, user_id); });
}

Result<Address> AccountService::CreateAddress(std::int64_t user_id, const AddressFields& fields) {
  return db_.Write([&](db::Tx& tx) -> Result<Address> {
    const int count = addresses_.CountByUser(tx, user_id);
    if (count >= kMaxAddresses) {
      return Error::Conflict("An account can keep at most " + std::to_string(kMaxAddresses) + " addresses.");
    }
    Address a;
    a.user_id = user_id;
    Apply(a, fields);
    a.is_default = count == 0 || fields.is_default.value_or(false);
    a.created_at = a.updated_at = clock_.NowSeconds();
    a.id = addresses_.Insert(tx, a);
    if (a.is_default && count > 0) addresses_.ClearDefaultExcept(tx, user_id, a.id);
    return a;
  });
}

Result<Address> AccountService::UpdateAddress(std::int64_t user_id, std::int64_t address_id,
                                              const AddressFields& fields) {
  return db_.Write([&](db::Tx& tx) -> Result<Address> {
    auto a = addresses_.Find(tx, user_id, address_id);
    if (!a) return AddressNotFound();
    const bool was_default = a->is_default;
    Apply(*a, fields);
    a->updated_at = clock_.NowSeconds();
    std::optional<std::int64_t> promote;
    if (fields.is_default) {
      if (*fields.is_default) {
        a->is_default = true;
      } else if (was_default) {
        // There is always one default while any address exists: un-defaulting hands the role to
        // the most recent other address, and the only address stays the default.
        promote = addresses_.MostRecentExcept(tx, user_id, a->id);
        a->is_default = !promote.has_value();
      }
    }
    addresses_.Update(tx, *a);
    if (a->is_default && !was_default) addresses_.ClearDefaultExcept(tx, user_id, a->id);
    if (promote) addresses_.SetDefault(tx, user_id, *promote, a->updated_at);
    return *a;
  });
}

Status AccountService::DeleteAddress(std::int64_t user_id, std::int64_t address_id) {
  return db_.Write([&](db::Tx& tx) -> Status {
    auto a = addresses_.Find(tx, user_id, address_id);
    if (!a) return AddressNotFound();
    addresses_.Delete(tx, user_id, address_id);
    if (a->is_default) {
      if (auto next = addresses_.MostRecentExcept(tx, user_id, address_id)) {
        addresses_.SetDefault(tx, user_id, *next, clock_.NowSeconds());
      }
    }
    return OkStatus();
  });
}

}  // namespace emporium::auth
