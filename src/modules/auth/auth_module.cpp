#include "modules/auth/auth_module.hpp"

#include <algorithm>
#include <boost/json/object.hpp>

#include "http/validation.hpp"
#include "modules/auth/account_controller.hpp"
#include "modules/auth/account_service.hpp"
#include "modules/auth/address_repository.hpp"
#include "modules/auth/admin_user_controller.hpp"
#include "modules/auth/admin_user_service.hpp"
#include "modules/auth/auth_controller.hpp"
#include "modules/auth/auth_service.hpp"
#include "modules/auth/authenticator.hpp"
#include "modules/auth/jwt.hpp"
#include "modules/auth/password.hpp"
#include "modules/auth/token_repository.hpp"
#include "modules/auth/user_repository.hpp"

namespace emporium::auth {

// Members are declared in dependency order, so construction and destruction order are right.
struct AuthModule::Impl {
  Impl(db::Database& db, const core::Config& config, const core::Clock& clock, infra::MailService& mail,
       core::RateLimiter& limiter, audit::AuditLog& audit)
      : db(db),
        audit(audit),
        user_cache(config.auth_user_cache_ttl),
        users(&user_cache),
        hasher(config.password_ops_limit, config.password_mem_limit, config.password_hash_concurrency),
        jwt(config.jwt_secret, config.access_token_ttl, clock),
        mailer(mail, config),
        authenticator(db, jwt, users, user_cache),
        auth_service(db, config, clock, limiter, mailer, policy, hasher, jwt, users, tokens),
        account_service(db, clock, users, tokens, addresses),
        admin_service(db, clock, mailer, policy, hasher, users, tokens, audit),
        auth_controller(auth_service),
        account_controller(account_service, auth_service, clock),
        admin_controller(admin_service) {}

  db::Database& db;
  audit::AuditLog& audit;
  UserCache user_cache;
  UserRepository users;
  TokenRepository tokens;
  AddressRepository addresses;
  PasswordPolicy policy;
  PasswordHasher hasher;
  JwtCodec jwt;
  AuthMailer mailer;
  TokenAuthenticator authenticator;
  AuthService auth_service;
  AccountService account_service;
  AdminUserService admin_service;
  AuthController auth_controller;
  AccountController account_controller;
  AdminUserController admin_controller;
};

AuthModule::AuthModule(db::Database& db, const core::Config& config, const core::Clock& clock, infra::MailService& mail,
                       core::RateLimiter& limiter, audit::AuditLog& audit)
    : db_(db), impl_(std::make_unique<Impl>(db, config, clock, mail, limiter, audit)) {
  db.CarryThreadState(&CurrentUser::Carrier());
  const UserRepository* users = &impl_->users;
  audit.SetActorLookup([users](db::Tx& tx, std::int64_t actor_id) -> std::optional<audit::ActorInfo> {
    // An admin action runs right after its request was authenticated on this thread.
    if (const User* current = CurrentUser::Get(actor_id)) return audit::ActorInfo{current->email, current->role};
    auto user = users->FindById(tx, actor_id);
    if (!user) return std::nullopt;
    return audit::ActorInfo{user->email, user->role};
  });
}

AuthModule::~AuthModule() {
  impl_->audit.SetActorLookup(nullptr);  // the lookup points into this module
  db_.CarryThreadState(nullptr);
}

void AuthModule::RegisterRoutes(http::Router& router) {
  impl_->auth_controller.RegisterRoutes(router);
  impl_->account_controller.RegisterRoutes(router);
  impl_->admin_controller.RegisterRoutes(router);
}

http::Authenticator& AuthModule::authenticator() { return impl_->authenticator; }

Result<UserView> AuthModule::CreateUser(const std::string& email, const std::string& password,
                                        const std::string& first_name, const std::string& last_name, Role role) {
  // The same e-mail rules as the API.
  boost::json::object fields;
  fields["email"] = email;
  http::JsonInput in(std::move(fields));
  auto normalised = in.Email("email", true);
  EMP_TRY(in.Finish());
  return impl_->admin_service.Create(NewAccount{.email = std::move(*normalised),
                                                .password = password,
                                                .first_name = first_name,
                                                .last_name = last_name,
                                                .role = role},
                                     std::nullopt);
}

Result<UserView> AuthModule::FindUser(std::int64_t id) { return impl_->admin_service.Get(id); }

Result<UserView> AuthModule::FindUser(db::Tx& tx, std::int64_t id) {
  // The user this request authenticated as was read moments ago (changes made since through this
  // module forget it): an order's receipt to its buyer, say, needs no second read.
  if (const User* current = CurrentUser::Get(id)) return ToView(*current);
  auto user = impl_->users.FindById(tx, id);
  if (!user || user->deleted_at) return Error::NotFound("The user does not exist.");
  return ToView(*user);
}

std::vector<UserView> AuthModule::ListActiveUsers(db::Tx& tx, Role role, std::optional<std::int64_t> before_id,
                                                 int limit) {
  UserFilter filter;
  filter.role = role;
  filter.active = true;
  filter.before_id = before_id;
  filter.limit = std::clamp(limit, 1, 1000);
  std::vector<UserView> out;
  for (const auto& user : impl_->users.List(tx, filter)) out.push_back(ToView(user));
  return out;
}

Result<Address> AuthModule::CreateAddress(std::int64_t user_id, const Address& address) {
  AddressFields fields;
  fields.name = address.name;
  fields.line1 = address.line1;
  fields.line2 = address.line2;
  fields.city = address.city;
  fields.postal_code = address.postal_code;
  fields.country = address.country;
  fields.phone = address.phone;
  if (address.lat && address.lng) fields.coordinates = std::make_pair(*address.lat, *address.lng);
  fields.is_default = address.is_default;
  return impl_->account_service.CreateAddress(user_id, fields);
}

Result<Address> AuthModule::FindAddress(db::Tx& tx, std::int64_t user_id, std::int64_t address_id) {
  auto address = impl_->addresses.Find(tx, user_id, address_id);
  if (!address) return Error::NotFound("The address does not exist.");
  return std::move(*address);
}

}  // namespace emporium::auth
