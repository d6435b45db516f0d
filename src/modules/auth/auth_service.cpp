#include "modules/auth/auth_service.hpp"

#include <algorithm>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "modules/auth/authenticator.hpp"

namespace emporium::auth {

namespace {

constexpr std::size_t kMaxOpaqueTokenLength = 256;
constexpr int kRegistrationsPerHour = 10;
constexpr int kForgotRequestsPerHour = 10;
constexpr int kResendsPerHour = 5;

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto logger = core::Logger("auth");
  return logger;
}

Error BadCredentials() { return Error::Unauthorized("Invalid e-mail or password."); }
Error BadRefreshToken() { return Error::Unauthorized("The refresh token is invalid or has expired."); }
Error BadLink() { return Error::BadRequest("The link is invalid or has expired."); }
Error EmailTaken() { return Error::Conflict("An account with this e-mail address already exists."); }

core::RateLimitPolicy HourlyPolicy(std::string name, int per_hour) {
  return {.name = std::move(name), .capacity = static_cast<double>(per_hour), .refill_per_second = per_hour / 3600.0};
}

std::string NewFamilyId() { return core::Sha256Hex(core::RandomToken(32)).substr(0, 32); }

bool Usable(const User& user) { return user.active && !user.deleted_at; }

std::string StoreNameFrom(const std::string& mail_from) {
  std::string name = mail_from.substr(0, mail_from.find('<'));
  const auto strip = [](std::string& s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '"')) s.pop_back();
    while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.erase(s.begin());
  };
  strip(name);
  if (name.empty() || name.find('@') != std::string::npos) return "Emporium";
  return name;
}

}  // namespace

AuthMailer::AuthMailer(infra::MailService& mail, const core::Config& config)
    : mail_(mail), public_url_(config.public_url), store_name_(StoreNameFrom(config.mail_from)) {
  while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
}

std::string AuthMailer::Greeting(const std::string& first_name) { return first_name.empty() ? "there" : first_name; }

void AuthMailer::SendAfterCommit(db::Tx& tx, const std::string& template_name, const std::string& to,
                                 std::map<std::string, std::string> values) const {
  values.emplace("store_name", store_name_);
  tx.AfterCommit([this, template_name, to, values = std::move(values)] {
    if (auto st = mail_.SendTemplate(template_name, to, values); !st) {
      Log()->error(R"({"msg":"mail not queued","template":")" + core::JsonEscape(template_name) + R"(","error":")" +
                   core::JsonEscape(st.error().message) + "\"}");
    }
  });
}

AuthService::AuthService(db::Database& db, const core::Config& config, const core::Clock& clock,
                         core::RateLimiter& limiter, const AuthMailer& mailer, const PasswordPolicy& policy,
                         PasswordHasher& hasher, const JwtCodec& jwt, const UserRepository& users,
                         const TokenRepository& tokens)
    : db_(db),
      config_(config),
      clock_(clock),
      limiter_(limiter),
      mailer_(mailer),
      policy_(policy),
      hasher_(hasher),
      jwt_(jwt),
      users_(users),
      tokens_(tokens) {
  const int failures = std::max(1, config.login_max_failures);
  const double window = static_cast<double>(std::max<std::int64_t>(1, config.login_failure_window.count()));
  login_ip_policy_ = {
      .name = "login-fail-ip", .capacity = static_cast<double>(failures), .refill_per_second = failures / window};
  login_account_policy_ = {
      .name = "login-fail-account", .capacity = static_cast<double>(failures), .refill_per_second = failures / window};
  register_policy_ = HourlyPolicy("register-ip", kRegistrationsPerHour);
  forgot_policy_ = HourlyPolicy("forgot-ip", kForgotRequestsPerHour);
  resend_policy_ = HourlyPolicy("verify-resend", kResendsPerHour);
}

Error AuthService::Throttled(const core::RateLimitDecision& a, const core::RateLimitDecision& b) const {
  const int retry = std::max(a.allowed ? 0 : a.retry_after_seconds, b.allowed ? 0 : b.retry_after_seconds);
  return Error::RateLimited(std::max(1, retry), "Too many failed sign-in attempts; try again later.");
}

TokenPair AuthService::StartSession(db::Tx& tx, const User& user, const std::string& ip, std::string family_id,
                                    std::int64_t* refresh_id) {
  const auto now = clock_.NowSeconds();
  if (family_id.empty()) family_id = NewFamilyId();
  std::string refresh = core::RandomToken(32);
  const auto id = tokens_.InsertRefresh(tx, user.id, family_id, core::Sha256Hex(refresh), now,
                                        now + config_.refresh_token_ttl.count(), ip);
  if (refresh_id != nullptr) *refresh_id = id;
  IssuedToken access = jwt_.Issue(user.id, user.role, user.tokens_valid_after);
  return TokenPair{.user = ToView(user),
                   .access_token = std::move(access.token),
                   .refresh_token = std::move(refresh),
                   .expires_in = jwt_.ttl().count()};
}

Result<TokenPair> AuthService::Register(const Registration& in, const ClientInfo& client) {
  const auto gate = limiter_.Consume(client.ip, register_policy_, 0);
  if (!gate.allowed) {
    return Error::RateLimited(gate.retry_after_seconds, "Too many sign-ups from this address; try again later.");
  }
  EMP_TRY(policy_.Check(in.password, in.email));
  EMP_ASSIGN(std::string hash, hasher_.Hash(in.password));
  const std::string verify_token = core::RandomToken(32);

  auto result = db_.Write([&](db::Tx& tx) -> Result<TokenPair> {
    if (users_.FindByEmail(tx, in.email)) return EmailTaken();
    const auto now = clock_.NowSeconds();
    User user;
    user.email = in.email;
    user.password_hash = hash;
    user.first_name = in.first_name;
    user.last_name = in.last_name;
    user.created_at = user.updated_at = now;
    user.id = users_.Insert(tx, NewUser{.email = user.email,
                                        .password_hash = hash,
                                        .first_name = user.first_name,
                                        .last_name = user.last_name,
                                        .role = Role::kCustomer,
                                        .email_verified_at = std::nullopt,
                                        .now = now});
    tokens_.InsertOneTime(tx, user.id, TokenPurpose::kVerifyEmail, core::Sha256Hex(verify_token), now,
                          now + kVerifyEmailTtlSeconds);
    mailer_.SendAfterCommit(tx, "verify_email", user.email,
                            {{"first_name", AuthMailer::Greeting(user.first_name)},
                             {"link", mailer_.public_url() + "/api/v1/auth/verify-email?token=" + verify_token},
                             {"token", verify_token}});
    return StartSession(tx, user, client.ip);
  });
  // A duplicate counts towards the limit too: probing which addresses exist is what it slows down.
  if (result || result.error().code == ErrorCode::kConflict) limiter_.Consume(client.ip, register_policy_, 1);
  // A concurrent sign-up with the same address loses at the unique index; answer like the check above.
  if (!result && result.error().code == ErrorCode::kConflict) return EmailTaken();
  return result;
}

Result<TokenPair> AuthService::Login(const std::string& email, const std::string& password, const ClientInfo& client) {
  const auto ip_gate = limiter_.Consume(client.ip, login_ip_policy_, 0);
  const auto account_gate = limiter_.Consume(email, login_account_policy_, 0);
  if (!ip_gate.allowed || !account_gate.allowed) return Throttled(ip_gate, account_gate);

  EMP_ASSIGN(std::optional<User> user,
             db_.Read([&](db::Tx& tx) -> Result<std::optional<User>> { return users_.FindByEmail(tx, email); }));
  bool ok = false;
  if (user) {
    ok = hasher_.Verify(user->password_hash, password);
  } else {
    hasher_.VerifyDummy(password);  // an unknown address costs the same time as a wrong password
  }
  if (!ok || !Usable(*user)) {
    limiter_.Consume(client.ip, login_ip_policy_, 1);
    limiter_.Consume(email, login_account_policy_, 1);
    return BadCredentials();
  }
  limiter_.Reset(email, login_account_policy_);

  std::optional<std::string> rehash;
  if (hasher_.NeedsRehash(user->password_hash)) {
    if (auto h = hasher_.Hash(password)) rehash = std::move(h).value();
  }
  return db_.Write([&](db::Tx& tx) -> Result<TokenPair> {
    if (rehash) users_.UpdatePasswordHash(tx, user->id, *rehash, clock_.NowSeconds());
    return StartSession(tx, *user, client.ip);
  });
}

Result<TokenPair> AuthService::Refresh(const std::string& refresh_token, const ClientInfo& client) {
  if (refresh_token.empty() || refresh_token.size() > kMaxOpaqueTokenLength) return BadRefreshToken();
  const std::string hash = core::Sha256Hex(refresh_token);

  struct Outcome {
    std::optional<TokenPair> pair;
    std::int64_t reused_user_id = 0;
  };
  // Reuse must revoke the family and still commit, so it is an Outcome, not an Error (an Error would
  // roll the revocation back).
  EMP_ASSIGN(Outcome outcome, db_.Write([&](db::Tx& tx) -> Result<Outcome> {
    auto row = tokens_.FindRefreshByHash(tx, hash);
    if (!row) return BadRefreshToken();
    const auto now = clock_.NowSeconds();
    if (row->revoked_at) {
      tokens_.RevokeFamily(tx, row->family_id, now);
      return Outcome{.pair = std::nullopt, .reused_user_id = row->user_id};
    }
    if (row->expires_at <= now) return BadRefreshToken();
    auto user = users_.FindById(tx, row->user_id);
    if (!user || !Usable(*user)) return BadRefreshToken();
    std::int64_t new_id = 0;
    TokenPair pair = StartSession(tx, *user, client.ip, row->family_id, &new_id);
    // Two concurrent refreshes with one token: the loser finds it revoked here, which is
    // reuse; revoking the family also revokes the token this transaction just inserted.
    if (!tokens_.RevokeRefresh(tx, row->id, now, new_id)) {
      tokens_.RevokeFamily(tx, row->family_id, now);
      return Outcome{.pair = std::nullopt, .reused_user_id = row->user_id};
    }
    return Outcome{.pair = std::move(pair), .reused_user_id = 0};
  }));
  if (!outcome.pair) {
    Log()->warn(R"({"msg":"refresh token reuse; family revoked","user_id":)" + std::to_string(outcome.reused_user_id) +
                R"(,"ip":")" + core::JsonEscape(client.ip) + "\"}");
    return Error::Unauthorized("The refresh token has been revoked.");
  }
  return std::move(*outcome.pair);
}

Status AuthService::Logout(std::int64_t user_id, const std::string& refresh_token) {
  if (refresh_token.empty() || refresh_token.size() > kMaxOpaqueTokenLength) return OkStatus();
  const std::string hash = core::Sha256Hex(refresh_token);
  return db_.Write([&](db::Tx& tx) -> Status {
    auto row = tokens_.FindRefreshByHash(tx, hash);
    if (row && row->user_id == user_id) tokens_.RevokeFamily(tx, row->family_id, clock_.NowSeconds());
    return OkStatus();
  });
}

Result<UserView> AuthService::VerifyEmail(const std::string& token) {
  if (token.empty() || token.size() > kMaxOpaqueTokenLength) return BadLink();
  const std::string hash = core::Sha256Hex(token);
  auto verified = db_.Write([&](db::Tx& tx) -> Result<UserView> {
    const auto now = clock_.NowSeconds();
    auto row = tokens_.FindOneTimeByHash(tx, hash, TokenPurpose::kVerifyEmail);
    if (!row || row->used_at || row->expires_at <= now) return BadLink();
    auto user = users_.FindById(tx, row->user_id);
    if (!user || !Usable(*user)) return BadLink();
    if (!tokens_.MarkOneTimeUsed(tx, row->id, now)) return BadLink();
    if (!user->email_verified_at) {
      users_.SetEmailVerified(tx, user->id, now);
      user->email_verified_at = now;
      user->updated_at = now;
    }
    return ToView(*user);
  });
  // On this thread: the body may have run on another one (db::Database::Write).
  if (verified) CurrentUser::Invalidate(verified->id);
  return verified;
}

Status AuthService::ResendVerification(std::int64_t user_id) {
  const auto gate = limiter_.Consume(std::to_string(user_id), resend_policy_, 1);
  if (!gate.allowed) {
    return Error::RateLimited(gate.retry_after_seconds, "Too many verification e-mails; try again later.");
  }
  const std::string token = core::RandomToken(32);
  return db_.Write([&](db::Tx& tx) -> Status {
    auto user = users_.FindById(tx, user_id);
    if (!user || !Usable(*user)) return Error::Unauthorized();
    if (user->email_verified_at) return OkStatus();
    const auto now = clock_.NowSeconds();
    tokens_.InsertOneTime(tx, user->id, TokenPurpose::kVerifyEmail, core::Sha256Hex(token), now,
                          now + kVerifyEmailTtlSeconds);
    mailer_.SendAfterCommit(tx, "verify_email", user->email,
                            {{"first_name", AuthMailer::Greeting(user->first_name)},
                             {"link", mailer_.public_url() + "/api/v1/auth/verify-email?token=" + token},
                             {"token", token}});
    return OkStatus();
  });
}

Status AuthService::ForgotPassword(const std::string& email, const ClientInfo& client) {
  const auto gate = limiter_.Consume(client.ip, forgot_policy_, 1);
  if (!gate.allowed) {
    return Error::RateLimited(gate.retry_after_seconds, "Too many password reset requests; try again later.");
  }
  const std::string token = core::RandomToken(32);
  return db_.Write([&](db::Tx& tx) -> Status {
    auto user = users_.FindByEmail(tx, email);
    if (!user || !Usable(*user)) return OkStatus();
    const auto now = clock_.NowSeconds();
    tokens_.InsertOneTime(tx, user->id, TokenPurpose::kResetPassword, core::Sha256Hex(token), now,
                          now + kResetPasswordTtlSeconds);
    mailer_.SendAfterCommit(tx, "reset_password", user->email,
                            {{"first_name", AuthMailer::Greeting(user->first_name)},
                             {"link", mailer_.public_url() + "/reset-password?token=" + token},
                             {"token", token},
                             {"expires_minutes", std::to_string(kResetPasswordTtlSeconds / 60)}});
    return OkStatus();
  });
}

Status AuthService::ResetPassword(const std::string& token, const std::string& password) {
  if (token.empty() || token.size() > kMaxOpaqueTokenLength) return BadLink();
  const std::string token_hash = core::Sha256Hex(token);

  // Validate first without holding a write transaction: hashing takes tens of milliseconds.
  EMP_ASSIGN(auto found, db_.Read([&](db::Tx& tx) -> Result<std::pair<OneTimeToken, User>> {
    auto row = tokens_.FindOneTimeByHash(tx, token_hash, TokenPurpose::kResetPassword);
    if (!row || row->used_at || row->expires_at <= clock_.NowSeconds()) return BadLink();
    auto user = users_.FindById(tx, row->user_id);
    if (!user || !Usable(*user)) return BadLink();
    return std::pair{*row, *user};
  }));
  const auto& [row, user] = found;
  EMP_TRY(policy_.Check(password, user.email));
  EMP_ASSIGN(std::string hash, hasher_.Hash(password));

  return db_.Write([&](db::Tx& tx) -> Status {
    const auto now = clock_.NowSeconds();
    if (row.expires_at <= now || !tokens_.MarkOneTimeUsed(tx, row.id, now)) return BadLink();
    tokens_.MarkAllOneTimeUsed(tx, user.id, TokenPurpose::kResetPassword, now);
    users_.UpdatePasswordHash(tx, user.id, hash, now);
    users_.RevokeAccessTokens(tx, user.id, now);
    tokens_.RevokeAllForUser(tx, user.id, now);
    mailer_.SendAfterCommit(tx, "password_changed", user.email,
                            {{"first_name", AuthMailer::Greeting(user.first_name)}});
    return OkStatus();
  });
}

Result<TokenPair> AuthService::ChangePassword(std::int64_t user_id, const std::string& current_password,
                                              const std::string& new_password, const ClientInfo& client) {
  EMP_ASSIGN(std::optional<User> user,
             db_.Read([&](db::Tx& tx) -> Result<std::optional<User>> { return users_.FindById(tx, user_id); }));
  if (!user || !Usable(*user)) return Error::Unauthorized();

  // Guessing the current password with a stolen access token is throttled like sign-in.
  const auto ip_gate = limiter_.Consume(client.ip, login_ip_policy_, 0);
  const auto account_gate = limiter_.Consume(user->email, login_account_policy_, 0);
  if (!ip_gate.allowed || !account_gate.allowed) return Throttled(ip_gate, account_gate);
  if (!hasher_.Verify(user->password_hash, current_password)) {
    limiter_.Consume(client.ip, login_ip_policy_, 1);
    limiter_.Consume(user->email, login_account_policy_, 1);
    return Error::Invalid("current_password", "is incorrect");
  }
  EMP_TRY(policy_.Check(new_password, user->email));
  EMP_ASSIGN(std::string hash, hasher_.Hash(new_password));

  auto result = db_.Write([&](db::Tx& tx) -> Result<TokenPair> {
    const auto now = clock_.NowSeconds();
    users_.UpdatePasswordHash(tx, user_id, hash, now);
    users_.RevokeAccessTokens(tx, user_id, now);
    tokens_.RevokeAllForUser(tx, user_id, now);
    auto fresh = users_.FindById(tx, user_id);
    if (!fresh) return Error::Unauthorized();
    mailer_.SendAfterCommit(tx, "password_changed", fresh->email,
                            {{"first_name", AuthMailer::Greeting(fresh->first_name)}});
    return StartSession(tx, *fresh, client.ip);
  });
  CurrentUser::Invalidate(user_id);
  return result;
}

}  // namespace emporium::auth
