// Repositories and services of the auth module on the test database (SQLite and MariaDB).

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <atomic>
#include <thread>

#include "auth_fixture.hpp"
#include "modules/auth/address_repository.hpp"
#include "modules/auth/token_repository.hpp"
#include "modules/auth/user_repository.hpp"

namespace emporium::auth::testing {
namespace {

using namespace std::chrono_literals;

class AuthRepositoryTest : public test::DatabaseTest {
 protected:
  std::int64_t InsertUser(const std::string& email, Role role = Role::kCustomer, std::int64_t now = kStart) {
    auto id = db().Write([&](db::Tx& tx) -> Result<std::int64_t> {
      return users_.Insert(tx, NewUser{.email = email,
                                       .password_hash = "$argon2id$x",
                                       .first_name = "First",
                                       .last_name = "Last",
                                       .role = role,
                                       .email_verified_at = std::nullopt,
                                       .now = now});
    });
    EXPECT_TRUE(id) << id.error().message;
    return id ? *id : 0;
  }

  UserRepository users_;
  TokenRepository tokens_;
  AddressRepository addresses_;
};

TEST_F(AuthRepositoryTest, UsersRoundTripEveryColumn) {
  const auto id = InsertUser("round@example.com", Role::kCourier);
  auto user = db().Write([&](db::Tx& tx) -> Result<std::optional<User>> {
    User u = *users_.FindById(tx, id);
    u.first_name = "Änne";
    u.birthday = "1990-05-17";
    u.phone = "+4915112345678";
    users_.UpdateProfile(tx, u, kStart + 5);
    users_.SetEmailVerified(tx, id, kStart + 6);
    users_.RevokeAccessTokens(tx, id, kStart + 7);
    return users_.FindByEmail(tx, "round@example.com");
  });
  ASSERT_TRUE(user) << user.error().message;
  ASSERT_TRUE(*user);
  const User& u = **user;
  EXPECT_EQ(u.id, id);
  EXPECT_EQ(u.first_name, "Änne");
  EXPECT_EQ(u.last_name, "Last");
  EXPECT_EQ(u.birthday, "1990-05-17");
  EXPECT_EQ(u.phone, "+4915112345678");
  EXPECT_EQ(u.role, Role::kCourier);
  EXPECT_TRUE(u.active);
  EXPECT_EQ(u.email_verified_at, kStart + 6);
  EXPECT_EQ(u.tokens_valid_after, kStart + 8);
  EXPECT_EQ(u.created_at, kStart);
  EXPECT_EQ(u.updated_at, kStart + 6);
  EXPECT_FALSE(u.deleted_at);
}

TEST_F(AuthRepositoryTest, RevokingAccessTokensTwiceInOneSecondMovesTheBoundaryEachTime) {
  const auto id = InsertUser("twice@example.com");
  auto after = db().Write([&](db::Tx& tx) -> Result<std::int64_t> {
    users_.RevokeAccessTokens(tx, id, kStart);
    users_.RevokeAccessTokens(tx, id, kStart);
    return users_.FindById(tx, id)->tokens_valid_after;
  });
  EXPECT_EQ(*after, kStart + 2);
}

TEST_F(AuthRepositoryTest, DuplicateEmailIsAConflict) {
  InsertUser("dup@example.com");
  auto again = db().Write([&](db::Tx& tx) -> Result<std::int64_t> {
    return users_.Insert(tx, NewUser{.email = "dup@example.com", .password_hash = "h", .now = kStart});
  });
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST_F(AuthRepositoryTest, ListFiltersAndPagesByIdDescending) {
  for (int i = 0; i < 4; ++i) InsertUser("c" + std::to_string(i) + "@example.com");
  const auto manager = InsertUser("m@example.com", Role::kManager);
  auto rows =
      db().Read([&](db::Tx& tx) -> Result<std::vector<User>> { return users_.List(tx, UserFilter{.limit = 3}); });
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].id, manager);
  auto next = db().Read([&](db::Tx& tx) -> Result<std::vector<User>> {
    return users_.List(tx, UserFilter{.before_id = rows->back().id, .limit = 10});
  });
  EXPECT_EQ(next->size(), 2u);
  auto managers = db().Read([&](db::Tx& tx) -> Result<std::vector<User>> {
    return users_.List(tx, UserFilter{.role = Role::kManager, .limit = 10});
  });
  ASSERT_EQ(managers->size(), 1u);
  auto inactive = db().Write([&](db::Tx& tx) -> Result<std::vector<User>> {
    users_.UpdateRoleAndActive(tx, manager, Role::kManager, false, kStart);
    return users_.List(tx, UserFilter{.active = false, .limit = 10});
  });
  ASSERT_EQ(inactive->size(), 1u);
  EXPECT_EQ((*inactive)[0].id, manager);
  auto found = db().Read(
      [&](db::Tx& tx) -> Result<std::vector<User>> { return users_.List(tx, UserFilter{.q = "C2@", .limit = 10}); });
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].email, "c2@example.com");
}

TEST_F(AuthRepositoryTest, AnonymisedUsersLeaveListsAndFreeTheirEmail) {
  const auto id = InsertUser("anon@example.com");
  auto user = db().Write([&](db::Tx& tx) -> Result<User> {
    users_.Anonymise(tx, id, kStart + 1);
    return *users_.FindById(tx, id);
  });
  EXPECT_EQ(user->email, "deleted+" + std::to_string(id) + "@invalid.emporium");
  EXPECT_FALSE(user->active);
  EXPECT_EQ(user->deleted_at, kStart + 1);
  EXPECT_TRUE(user->password_hash.empty());
  EXPECT_FALSE(user->birthday);
  auto rows = db().Read([&](db::Tx& tx) -> Result<std::vector<User>> { return users_.List(tx, UserFilter{}); });
  EXPECT_TRUE(rows->empty());
  EXPECT_NE(InsertUser("anon@example.com"), 0);
}

TEST_F(AuthRepositoryTest, RefreshTokensRevokeOnceAndByFamily) {
  const auto uid = InsertUser("tok@example.com");
  auto r = db().Write([&](db::Tx& tx) -> Result<bool> {
    const auto a = tokens_.InsertRefresh(tx, uid, "fam1", std::string(64, 'a'), kStart, kStart + 100, "10.0.0.1");
    const auto b = tokens_.InsertRefresh(tx, uid, "fam1", std::string(64, 'b'), kStart, kStart + 100, "");
    tokens_.InsertRefresh(tx, uid, "fam2", std::string(64, 'c'), kStart, kStart + 100, "");
    EXPECT_TRUE(tokens_.RevokeRefresh(tx, a, kStart + 1, b));
    EXPECT_FALSE(tokens_.RevokeRefresh(tx, a, kStart + 2, std::nullopt));
    auto row = tokens_.FindRefreshByHash(tx, std::string(64, 'a'));
    EXPECT_EQ(row->revoked_at, kStart + 1);
    EXPECT_EQ(row->replaced_by, b);
    EXPECT_EQ(row->family_id, "fam1");
    tokens_.RevokeFamily(tx, "fam1", kStart + 3);
    EXPECT_EQ(tokens_.FindRefreshByHash(tx, std::string(64, 'b'))->revoked_at, kStart + 3);
    EXPECT_FALSE(tokens_.FindRefreshByHash(tx, std::string(64, 'c'))->revoked_at);
    tokens_.RevokeAllForUser(tx, uid, kStart + 4);
    EXPECT_EQ(tokens_.FindRefreshByHash(tx, std::string(64, 'c'))->revoked_at, kStart + 4);
    EXPECT_FALSE(tokens_.FindRefreshByHash(tx, std::string(64, 'd')));
    return true;
  });
  ASSERT_TRUE(r) << r.error().message;
}

TEST_F(AuthRepositoryTest, OneTimeTokensAreScopedByPurposeAndUsedOnce) {
  const auto uid = InsertUser("ott@example.com");
  auto r = db().Write([&](db::Tx& tx) -> Result<bool> {
    const auto id =
        tokens_.InsertOneTime(tx, uid, TokenPurpose::kResetPassword, std::string(64, 'e'), kStart, kStart + 3600);
    EXPECT_FALSE(tokens_.FindOneTimeByHash(tx, std::string(64, 'e'), TokenPurpose::kVerifyEmail));
    auto row = tokens_.FindOneTimeByHash(tx, std::string(64, 'e'), TokenPurpose::kResetPassword);
    EXPECT_EQ(row->id, id);
    EXPECT_EQ(row->expires_at, kStart + 3600);
    EXPECT_TRUE(tokens_.MarkOneTimeUsed(tx, id, kStart + 1));
    EXPECT_FALSE(tokens_.MarkOneTimeUsed(tx, id, kStart + 2));
    EXPECT_EQ(tokens_.FindOneTimeByHash(tx, std::string(64, 'e'), TokenPurpose::kResetPassword)->used_at, kStart + 1);
    return true;
  });
  ASSERT_TRUE(r) << r.error().message;
}

TEST_F(AuthRepositoryTest, AddressesRoundTripAndStayWithTheirOwner) {
  const auto owner = InsertUser("home@example.com");
  const auto other = InsertUser("away@example.com");
  auto r = db().Write([&](db::Tx& tx) -> Result<bool> {
    Address a;
    a.user_id = owner;
    a.name = "Home";
    a.line1 = "Main St 1";
    a.city = "Berlin";
    a.postal_code = "10115";
    a.country = "DE";
    a.lat = 52.520008;
    a.lng = 13.404954;
    a.is_default = true;
    a.created_at = a.updated_at = kStart;
    a.id = addresses_.Insert(tx, a);
    auto back = addresses_.Find(tx, owner, a.id);
    EXPECT_TRUE(back);
    EXPECT_DOUBLE_EQ(*back->lat, 52.520008);
    EXPECT_DOUBLE_EQ(*back->lng, 13.404954);
    EXPECT_FALSE(back->line2);
    EXPECT_FALSE(back->phone);
    EXPECT_TRUE(back->is_default);
    EXPECT_FALSE(addresses_.Find(tx, other, a.id));
    EXPECT_FALSE(addresses_.Delete(tx, other, a.id));
    EXPECT_EQ(addresses_.CountByUser(tx, owner), 1);
    back->line2 = "Apt 3";
    back->lat.reset();
    back->lng.reset();
    addresses_.Update(tx, *back);
    auto updated = addresses_.Find(tx, owner, a.id);
    EXPECT_EQ(updated->line2, "Apt 3");
    EXPECT_FALSE(updated->lat);
    EXPECT_TRUE(addresses_.Delete(tx, owner, a.id));
    EXPECT_EQ(addresses_.CountByUser(tx, owner), 0);
    return true;
  });
  ASSERT_TRUE(r) << r.error().message;
}

// ---- services through the module --------------------------------------------------------------------

class AuthServiceTest : public AuthHarness {
 protected:
  std::string PasswordHashOf(const std::string& email) {
    auto hash = db().Read([&](db::Tx& tx) -> Result<std::string> {
      std::string h;
      tx.sql << "SELECT password_hash FROM auth_users WHERE email = :email", soci::use(email, "email"), soci::into(h);
      return h;
    });
    return hash ? *hash : std::string();
  }
};

TEST_F(AuthServiceTest, CreateUserValidatesLikeTheApi) {
  auto bad_email = auth_->CreateUser("not-an-address", kPassword, "", "", Role::kAdmin);
  ASSERT_FALSE(bad_email);
  EXPECT_EQ(bad_email.error().fields.at(0).field, "email");
  auto weak = auth_->CreateUser("a@example.com", "password123", "", "", Role::kAdmin);
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.error().fields.at(0).field, "password");

  auto ok = auth_->CreateUser("  First.Admin@Example.com ", kPassword, "", "", Role::kAdmin);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->email, "first.admin@example.com");
  EXPECT_EQ(ok->role, Role::kAdmin);
  EXPECT_TRUE(ok->email_verified);
  EXPECT_TRUE(Mails().empty());  // the CLI path sends no mail

  auto dup = auth_->CreateUser("first.admin@example.com", kPassword, "", "", Role::kCustomer);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);

  auto found = auth_->FindUser(ok->id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->email, "first.admin@example.com");
  EXPECT_EQ(auth_->FindUser(ok->id + 100).error().code, ErrorCode::kNotFound);
}

TEST_F(AuthServiceTest, NoMailLeavesForARolledBackRegistration) {
  Register("once@example.com");
  const auto before = Mails().size();
  auto dup = Post(
      "/api/v1/auth/register",
      json::object{{"email", "once@example.com"}, {"password", kPassword}, {"first_name", "A"}, {"last_name", "B"}});
  ASSERT_EQ(dup.status, 409);
  EXPECT_EQ(Mails().size(), before);
}

TEST_F(AuthServiceTest, LoginRehashesPasswordsMadeWithOldLimits) {
  Register("rehash@example.com");
  const std::string old_hash = PasswordHashOf("rehash@example.com");
  ASSERT_NE(old_hash.find("m=8,"), std::string::npos) << old_hash;

  // A new deployment with stronger limits.
  dispatcher_.reset();
  auth_.reset();
  config_.password_mem_limit = 16384;
  auth_ = std::make_unique<AuthModule>(db(), config_, clock_, *mail_, *limiter_, *audit_);
  router_ = std::make_unique<http::Router>();
  auth_->RegisterRoutes(*router_);
  dispatcher_ = std::make_unique<http::Dispatcher>(*router_, config_, clock_, limiter_.get(), nullptr);
  dispatcher_->SetAuthenticator(&auth_->authenticator());

  Login("rehash@example.com");
  const std::string new_hash = PasswordHashOf("rehash@example.com");
  EXPECT_NE(new_hash, old_hash);
  EXPECT_NE(new_hash.find("m=16,"), std::string::npos) << new_hash;
  Login("rehash@example.com");
}

TEST_F(AuthServiceTest, ConcurrentRefreshesWithOneTokenLeaveOneWinnerAndRevokeTheFamily) {
  Session s = Register("race@example.com");
  std::atomic<int> ok{0}, refused{0};
  std::vector<Session> winners(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      auto r = Post("/api/v1/auth/refresh", json::object{{"refresh_token", s.refresh_token}});
      if (r.status == 200) {
        winners[i] = SessionOf(r);
        ++ok;
      } else if (r.status == 401) {
        ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(refused.load(), 1);
  for (const auto& w : winners) {
    if (w.refresh_token.empty()) continue;
    // The loser's attempt counted as reuse: the winner's new token is revoked with its family.
    EXPECT_EQ(Post("/api/v1/auth/refresh", json::object{{"refresh_token", w.refresh_token}}).status, 401);
  }
}

TEST_F(AuthServiceTest, ChangingThePasswordInTheSameSecondStillKillsOlderAccessTokens) {
  Session s = Register("instant@example.com");
  // No clock movement at all: the old token and the change share one second.
  auto r = Put("/api/v1/me/password", json::object{{"current_password", kPassword}, {"password", "another secret 77"}},
               s.access_token);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Get("/api/v1/me", s.access_token).status, 401);
  EXPECT_EQ(Get("/api/v1/me", SessionOf(r).access_token).status, 200);
  // A sign-in in that same second works too.
  Session again = Login("instant@example.com", "another secret 77");
  EXPECT_EQ(Get("/api/v1/me", again.access_token).status, 200);
}

TEST_F(AuthServiceTest, GuessingTheCurrentPasswordIsThrottled) {
  Session s = Register("guess@example.com");
  for (int i = 0; i < 10; ++i) {
    auto r =
        Put("/api/v1/me/password",
            json::object{{"current_password", "guess " + std::to_string(i) + " wrong"}, {"password", "new secret 123"}},
            s.access_token);
    ASSERT_EQ(r.status, 422) << i;
  }
  auto blocked = Put("/api/v1/me/password",
                     json::object{{"current_password", kPassword}, {"password", "new secret 123"}}, s.access_token);
  EXPECT_EQ(blocked.status, 429);
}

}  // namespace
}  // namespace emporium::auth::testing
