// The auth HTTP API driven through the real Router + Dispatcher on the test database.

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <thread>

#include "auth_fixture.hpp"

namespace emporium::auth::testing {
namespace {

using namespace std::chrono_literals;
using http::Method;

class AuthApiTest : public AuthHarness {};

// ---- register / login ---------------------------------------------------------------------------

TEST_F(AuthApiTest, RegisterAnswersATokenPairAndMailsTheVerificationLink) {
  auto r = Post(
      "/api/v1/auth/register",
      json::object{
          {"email", " Ada@Example.COM "}, {"password", kPassword}, {"first_name", "Ada"}, {"last_name", "Lovelace"}});
  ASSERT_EQ(r.status, 201) << r.response.body;
  const auto& user = r.obj().at("user").as_object();
  EXPECT_EQ(user.at("email").as_string(), "ada@example.com");
  EXPECT_EQ(user.at("first_name").as_string(), "Ada");
  EXPECT_EQ(user.at("role").as_string(), "customer");
  EXPECT_EQ(user.at("active").as_bool(), true);
  EXPECT_EQ(user.at("email_verified").as_bool(), false);
  EXPECT_TRUE(user.at("birthday").is_null());
  EXPECT_TRUE(user.at("phone").is_null());
  EXPECT_EQ(user.at("created_at").as_string(), "2027-01-15T08:00:00Z");
  EXPECT_EQ(r.str("token_type"), "Bearer");
  EXPECT_EQ(r.obj().at("expires_in").as_int64(), 900);
  EXPECT_FALSE(r.str("access_token").empty());
  EXPECT_FALSE(r.str("refresh_token").empty());

  auto mail = LastMail("ada@example.com", "verify_email");
  ASSERT_TRUE(mail);
  EXPECT_NE(mail->text.find("http://shop.test/api/v1/auth/verify-email?token="), std::string::npos) << mail->text;
  EXPECT_NE(mail->subject.find("Test Shop"), std::string::npos) << mail->subject;
  EXPECT_FALSE(TokenInMail(*mail).empty());

  auto me = Get("/api/v1/me", r.str("access_token"));
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(me.str("email"), "ada@example.com");
}

TEST_F(AuthApiTest, RegisterRefusesADuplicateEmailWhateverItsCase) {
  Register("grace@example.com");
  auto r = Post("/api/v1/auth/register", json::object{{"email", "GRACE@example.com"},
                                                      {"password", "another good password"},
                                                      {"first_name", "G"},
                                                      {"last_name", "H"}});
  EXPECT_EQ(r.status, 409) << r.response.body;
  EXPECT_EQ(r.response.Get("Content-Type").value_or(""), "application/problem+json");
}

TEST_F(AuthApiTest, RegisterListsWeakPasswordsAndBadFieldsAs422) {
  auto common = Post(
      "/api/v1/auth/register",
      json::object{{"email", "a@example.com"}, {"password", "Password123"}, {"first_name", "A"}, {"last_name", "B"}});
  EXPECT_EQ(common.status, 422);
  EXPECT_EQ(common.error_fields(), std::vector<std::string>{"password"});

  auto as_email = Post("/api/v1/auth/register", json::object{{"email", "long.address@example.com"},
                                                             {"password", "long.address@example.com"},
                                                             {"first_name", "A"},
                                                             {"last_name", "B"}});
  EXPECT_EQ(as_email.error_fields(), std::vector<std::string>{"password"});

  auto several = Post(
      "/api/v1/auth/register",
      json::object{
          {"email", "not-an-email"}, {"password", "short"}, {"first_name", ""}, {"last_name", std::string(101, 'x')}});
  EXPECT_EQ(several.status, 422);
  auto fields = several.error_fields();
  for (const char* f : {"email", "password", "first_name", "last_name"}) {
    EXPECT_NE(std::find(fields.begin(), fields.end(), f), fields.end()) << f;
  }

  auto malformed = Call(Method::kPost, "/api/v1/auth/register", json::value("just a string"));
  EXPECT_EQ(malformed.status, 422);
}

TEST_F(AuthApiTest, LoginAnswersTheSame401ForUnknownEmailAndWrongPassword) {
  Register("lin@example.com");
  auto wrong = Post("/api/v1/auth/login", json::object{{"email", "lin@example.com"}, {"password", "wrong password!"}});
  auto unknown = Post("/api/v1/auth/login", json::object{{"email", "nobody@example.com"}, {"password", kPassword}});
  ASSERT_EQ(wrong.status, 401);
  ASSERT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.str("detail"), "Invalid e-mail or password.");
  EXPECT_EQ(wrong.str("detail"), unknown.str("detail"));
  EXPECT_EQ(wrong.str("title"), unknown.str("title"));

  auto ok = Post("/api/v1/auth/login", json::object{{"email", "LIN@example.com"}, {"password", kPassword}});
  EXPECT_EQ(ok.status, 200) << ok.response.body;
  EXPECT_EQ(ok.obj().at("user").as_object().at("email").as_string(), "lin@example.com");

  EXPECT_EQ(Post("/api/v1/auth/login", json::object{{"email", "lin@example.com"}}).status, 422);
}

TEST_F(AuthApiTest, LoginIsThrottledPerAccountEvenWithTheRightPassword) {
  Register("target@example.com");
  for (int i = 0; i < 10; ++i) {
    // Different IPs, so only the account's bucket fills up.
    auto r = Call(Method::kPost, "/api/v1/auth/login",
                  json::object{{"email", "target@example.com"}, {"password", "guess number " + std::to_string(i)}}, {},
                  "198.51.100." + std::to_string(i + 1));
    ASSERT_EQ(r.status, 401) << i;
  }
  auto blocked = Call(Method::kPost, "/api/v1/auth/login",
                      json::object{{"email", "target@example.com"}, {"password", kPassword}}, {}, "192.0.2.99");
  EXPECT_EQ(blocked.status, 429) << blocked.response.body;
  ASSERT_TRUE(blocked.response.Get("Retry-After"));
  EXPECT_GE(std::stoi(std::string(*blocked.response.Get("Retry-After"))), 1);

  // Another account is not affected.
  Register("bystander@example.com", kPassword, "192.0.2.50");
  EXPECT_EQ(Call(Method::kPost, "/api/v1/auth/login",
                 json::object{{"email", "bystander@example.com"}, {"password", kPassword}}, {}, "192.0.2.51")
                .status,
            200);

  clock_.Advance(15min);
  EXPECT_EQ(Call(Method::kPost, "/api/v1/auth/login",
                 json::object{{"email", "target@example.com"}, {"password", kPassword}}, {}, "192.0.2.99")
                .status,
            200);
}

TEST_F(AuthApiTest, LoginIsThrottledPerIp) {
  Register("someone@example.com", kPassword, "192.0.2.1");
  for (int i = 0; i < 10; ++i) {
    auto r = Post("/api/v1/auth/login",
                  json::object{{"email", "probe" + std::to_string(i) + "@example.com"}, {"password", "whatever123"}});
    ASSERT_EQ(r.status, 401) << i;
  }
  auto blocked = Post("/api/v1/auth/login", json::object{{"email", "someone@example.com"}, {"password", kPassword}});
  EXPECT_EQ(blocked.status, 429);
  EXPECT_TRUE(blocked.response.Get("Retry-After"));
  auto elsewhere = Call(Method::kPost, "/api/v1/auth/login",
                        json::object{{"email", "someone@example.com"}, {"password", kPassword}}, {}, "192.0.2.2");
  EXPECT_EQ(elsewhere.status, 200);
}

TEST_F(AuthApiTest, ASuccessfulLoginResetsTheAccountsFailures) {
  Register("forgetful@example.com");
  auto fail = [&](int i) {
    return Call(Method::kPost, "/api/v1/auth/login",
                json::object{{"email", "forgetful@example.com"}, {"password", "nope nope " + std::to_string(i)}}, {},
                "198.51.100." + std::to_string(i + 1));
  };
  for (int i = 0; i < 9; ++i) ASSERT_EQ(fail(i).status, 401);
  ASSERT_EQ(Call(Method::kPost, "/api/v1/auth/login",
                 json::object{{"email", "forgetful@example.com"}, {"password", kPassword}}, {}, "198.51.100.200")
                .status,
            200);
  for (int i = 20; i < 29; ++i) EXPECT_EQ(fail(i).status, 401) << i;
}

TEST_F(AuthApiTest, RegistrationIsThrottledPerIp) {
  for (int i = 0; i < 10; ++i) Register("bulk" + std::to_string(i) + "@example.com", kPassword, "192.0.2.77");
  auto r = Call(
      Method::kPost, "/api/v1/auth/register",
      json::object{{"email", "bulk10@example.com"}, {"password", kPassword}, {"first_name", "A"}, {"last_name", "B"}},
      {}, "192.0.2.77");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(Post("/api/v1/auth/register",
                 json::object{
                     {"email", "bulk10@example.com"}, {"password", kPassword}, {"first_name", "A"}, {"last_name", "B"}})
                .status,
            201);
}

// ---- sessions -------------------------------------------------------------------------------------

TEST_F(AuthApiTest, RefreshRotatesAndReuseRevokesTheWholeFamily) {
  Session first = Register("rot@example.com");
  Session other = Login("rot@example.com");  // a second, independent session

  auto r1 = Post("/api/v1/auth/refresh", json::object{{"refresh_token", first.refresh_token}});
  ASSERT_EQ(r1.status, 200) << r1.response.body;
  Session second = SessionOf(r1);
  EXPECT_NE(second.refresh_token, first.refresh_token);
  EXPECT_EQ(Get("/api/v1/me", second.access_token).status, 200);

  auto r2 = Post("/api/v1/auth/refresh", json::object{{"refresh_token", second.refresh_token}});
  ASSERT_EQ(r2.status, 200);
  Session third = SessionOf(r2);

  // The first token again: reuse.
  EXPECT_EQ(Post("/api/v1/auth/refresh", json::object{{"refresh_token", first.refresh_token}}).status, 401);
  // The newest token of the family is dead too.
  EXPECT_EQ(Post("/api/v1/auth/refresh", json::object{{"refresh_token", third.refresh_token}}).status, 401);
  // The independent session still works.
  EXPECT_EQ(Post("/api/v1/auth/refresh", json::object{{"refresh_token", other.refresh_token}}).status, 200);
}

TEST_F(AuthApiTest, RefreshRefusesUnknownAndExpiredTokens) {
  Session s = Register("exp@example.com");
  EXPECT_EQ(Post("/api/v1/auth/refresh", json::object{{"refresh_token", "not-a-token"}}).status, 401);
  EXPECT_EQ(Post("/api/v1/auth/refresh", json::object{}).status, 422);
  clock_.Advance(std::chrono::hours(24 * 30));
  EXPECT_EQ(Post("/api/v1/auth/refresh", json::object{{"refresh_token", s.refresh_token}}).status, 401);
}

TEST_F(AuthApiTest, AccessTokensExpireAfterFifteenMinutes) {
  Session s = Register("short@example.com");
  clock_.Advance(15min - 1s);
  EXPECT_EQ(Get("/api/v1/me", s.access_token).status, 200);
  clock_.Advance(1s);
  EXPECT_EQ(Get("/api/v1/me", s.access_token).status, 401);
  EXPECT_EQ(Get("/api/v1/me").status, 401);
  EXPECT_EQ(Get("/api/v1/me", s.access_token + "x").status, 401);
}

TEST_F(AuthApiTest, LogoutRevokesTheFamilyOfTheCallersTokenOnly) {
  Session mine = Register("out@example.com");
  Session theirs = Register("other@example.com");

  // Someone else's refresh token: 204 and no effect.
  EXPECT_EQ(
      Post("/api/v1/auth/logout", json::object{{"refresh_token", theirs.refresh_token}}, mine.access_token).status,
      204);
  EXPECT_EQ(Post("/api/v1/auth/refresh", json::object{{"refresh_token", theirs.refresh_token}}).status, 200);

  EXPECT_EQ(Post("/api/v1/auth/logout", json::object{{"refresh_token", mine.refresh_token}}, mine.access_token).status,
            204);
  EXPECT_EQ(Post("/api/v1/auth/refresh", json::object{{"refresh_token", mine.refresh_token}}).status, 401);

  EXPECT_EQ(Post("/api/v1/auth/logout", json::object{}, mine.access_token).status, 422);
  EXPECT_EQ(Post("/api/v1/auth/logout", json::object{{"refresh_token", mine.refresh_token}}).status, 401);
}

// ---- e-mail verification ---------------------------------------------------------------------------

TEST_F(AuthApiTest, VerificationLinkWorksOnceAndExpires) {
  Session s = Register("verify@example.com");
  auto mail = LastMail("verify@example.com", "verify_email");
  ASSERT_TRUE(mail);
  const std::string token = TokenInMail(*mail);

  auto ok = Get("/api/v1/auth/verify-email?token=" + token);
  ASSERT_EQ(ok.status, 200) << ok.response.body;
  EXPECT_TRUE(ok.obj().at("user").as_object().at("email_verified").as_bool());
  EXPECT_TRUE(Get("/api/v1/me", s.access_token).obj().at("email_verified").as_bool());

  auto again = Post("/api/v1/auth/verify-email", json::object{{"token", token}});
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(again.str("detail"), "The link is invalid or has expired.");
  EXPECT_EQ(Get("/api/v1/auth/verify-email").status, 400);
  EXPECT_EQ(Post("/api/v1/auth/verify-email", json::object{{"token", "bogus"}}).status, 400);
  EXPECT_EQ(Post("/api/v1/auth/verify-email", json::object{}).status, 422);

  // Already verified: resend is a no-op.
  const auto before = Mails().size();
  EXPECT_EQ(Post("/api/v1/auth/verify-email/resend", json::object{}, s.access_token).status, 202);
  EXPECT_EQ(Mails().size(), before);
}

TEST_F(AuthApiTest, VerificationTokensExpireAfterADay) {
  Session s = Register("late@example.com");
  ASSERT_EQ(Post("/api/v1/auth/verify-email/resend", json::object{}, s.access_token).status, 202);
  auto mail = LastMail("late@example.com", "verify_email");
  ASSERT_TRUE(mail);
  clock_.Advance(std::chrono::hours(24));
  EXPECT_EQ(Post("/api/v1/auth/verify-email", json::object{{"token", TokenInMail(*mail)}}).status, 400);
  EXPECT_EQ(Post("/api/v1/auth/verify-email/resend", json::object{}).status, 401);
}

// ---- password reset and change ----------------------------------------------------------------------

TEST_F(AuthApiTest, ForgotPasswordAnswers202AlikeAndMailsOnlyKnownAccounts) {
  Register("known@example.com");
  const auto before = Mails().size();
  auto unknown = Post("/api/v1/auth/password/forgot", json::object{{"email", "unknown@example.com"}});
  auto known = Post("/api/v1/auth/password/forgot", json::object{{"email", "Known@Example.com"}});
  EXPECT_EQ(unknown.status, 202);
  EXPECT_EQ(known.status, 202);
  EXPECT_EQ(unknown.response.body, known.response.body);
  auto mails = Mails();
  ASSERT_EQ(mails.size(), before + 1);
  EXPECT_EQ(mails.back().to, "known@example.com");
  EXPECT_EQ(mails.back().template_name, "reset_password");
  EXPECT_NE(mails.back().text.find("http://shop.test/reset-password?token="), std::string::npos);
  EXPECT_NE(mails.back().text.find("60 minutes"), std::string::npos);
  EXPECT_EQ(Post("/api/v1/auth/password/forgot", json::object{{"email", "nope"}}).status, 422);
}

TEST_F(AuthApiTest, ResetPasswordIsSingleUseAndEndsEverySession) {
  Session old = Register("reset@example.com");
  ASSERT_EQ(Post("/api/v1/auth/password/forgot", json::object{{"email", "reset@example.com"}}).status, 202);
  const std::string token = TokenInMail(*LastMail("reset@example.com", "reset_password"));

  auto weak = Post("/api/v1/auth/password/reset", json::object{{"token", token}, {"password", "1234567890"}});
  EXPECT_EQ(weak.status, 422);
  EXPECT_EQ(weak.error_fields(), std::vector<std::string>{"password"});

  ASSERT_EQ(
      Post("/api/v1/auth/password/reset", json::object{{"token", token}, {"password", "a brand new secret"}}).status,
      204);
  EXPECT_EQ(Get("/api/v1/me", old.access_token).status, 401);
  EXPECT_EQ(Post("/api/v1/auth/refresh", json::object{{"refresh_token", old.refresh_token}}).status, 401);
  EXPECT_EQ(Post("/api/v1/auth/login", json::object{{"email", "reset@example.com"}, {"password", kPassword}}).status,
            401);
  Session fresh = Login("reset@example.com", "a brand new secret");
  EXPECT_EQ(Get("/api/v1/me", fresh.access_token).status, 200);
  EXPECT_TRUE(LastMail("reset@example.com", "password_changed"));

  EXPECT_EQ(
      Post("/api/v1/auth/password/reset", json::object{{"token", token}, {"password", "yet another secret"}}).status,
      400);
}

TEST_F(AuthApiTest, ResetTokensExpireAfterAnHour) {
  Register("hour@example.com");
  ASSERT_EQ(Post("/api/v1/auth/password/forgot", json::object{{"email", "hour@example.com"}}).status, 202);
  const std::string token = TokenInMail(*LastMail("hour@example.com", "reset_password"));
  clock_.Advance(1h);
  EXPECT_EQ(
      Post("/api/v1/auth/password/reset", json::object{{"token", token}, {"password", "a brand new secret"}}).status,
      400);
}

TEST_F(AuthApiTest, ChangingThePasswordRevokesEveryOtherSession) {
  Session a = Register("change@example.com");
  Session b = Login("change@example.com");

  auto wrong =
      Put("/api/v1/me/password", json::object{{"current_password", "not it at all"}, {"password", "fresh secret 42"}},
          a.access_token);
  EXPECT_EQ(wrong.status, 422);
  EXPECT_EQ(wrong.error_fields(), std::vector<std::string>{"current_password"});
  auto weak = Put("/api/v1/me/password", json::object{{"current_password", kPassword}, {"password", "qwertyuiop"}},
                  a.access_token);
  EXPECT_EQ(weak.error_fields(), std::vector<std::string>{"password"});

  auto r = Put("/api/v1/me/password", json::object{{"current_password", kPassword}, {"password", "fresh secret 42"}},
               a.access_token);
  ASSERT_EQ(r.status, 200) << r.response.body;
  Session c = SessionOf(r);
  EXPECT_EQ(Get("/api/v1/me", c.access_token).status, 200);
  EXPECT_EQ(Get("/api/v1/me", a.access_token).status, 401);
  EXPECT_EQ(Get("/api/v1/me", b.access_token).status, 401);
  EXPECT_EQ(Post("/api/v1/auth/refresh", json::object{{"refresh_token", b.refresh_token}}).status, 401);
  EXPECT_EQ(Post("/api/v1/auth/refresh", json::object{{"refresh_token", c.refresh_token}}).status, 200);
  EXPECT_TRUE(LastMail("change@example.com", "password_changed"));
}

// ---- /me ----------------------------------------------------------------------------------------------

TEST_F(AuthApiTest, GetMeCostsNoStatementBeyondAuthentication) {
  Session s = Register("fast@example.com");
  auto r = Get("/api/v1/me", s.access_token);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.response.Get("X-Sql-Statements").value_or("?"), "0");
}

TEST_F(AuthApiTest, PatchMeUpdatesTheProfileAndGuardsReadOnlyFields) {
  Session s = Register("me@example.com");
  clock_.Advance(10s);
  auto r = Patch("/api/v1/me",
                 json::object{{"first_name", "Augusta"}, {"birthday", "1985-12-10"}, {"phone", "+4915112345678"}},
                 s.access_token);
  ASSERT_EQ(r.status, 200) << r.response.body;
  EXPECT_EQ(r.str("first_name"), "Augusta");
  EXPECT_EQ(r.str("last_name"), "Lovelace");
  EXPECT_EQ(r.str("birthday"), "1985-12-10");
  EXPECT_EQ(r.str("phone"), "+4915112345678");
  EXPECT_EQ(r.str("updated_at"), "2027-01-15T08:00:10Z");
  EXPECT_EQ(Get("/api/v1/me", s.access_token).str("first_name"), "Augusta");

  auto cleared = Patch("/api/v1/me", json::object{{"phone", nullptr}, {"birthday", nullptr}}, s.access_token);
  ASSERT_EQ(cleared.status, 200);
  EXPECT_TRUE(cleared.obj().at("phone").is_null());
  EXPECT_TRUE(cleared.obj().at("birthday").is_null());

  for (const char* field : {"email", "role", "email_verified", "active", "id"}) {
    auto ro = Patch("/api/v1/me", json::object{{field, "x"}}, s.access_token);
    EXPECT_EQ(ro.status, 422) << field;
    ASSERT_EQ(ro.error_fields(), std::vector<std::string>{field});
    EXPECT_EQ(ro.obj().at("errors").as_array()[0].as_object().at("message").as_string(), "is read-only");
  }
  EXPECT_EQ(Patch("/api/v1/me", json::object{{"nickname", "x"}}, s.access_token).error_fields(),
            std::vector<std::string>{"nickname"});
  EXPECT_EQ(Patch("/api/v1/me", json::object{{"birthday", "2030-01-01"}}, s.access_token).error_fields(),
            std::vector<std::string>{"birthday"});
  EXPECT_EQ(Patch("/api/v1/me", json::object{{"birthday", "1990-02-30"}}, s.access_token).error_fields(),
            std::vector<std::string>{"birthday"});
  EXPECT_EQ(Patch("/api/v1/me", json::object{{"phone", "0151 123"}}, s.access_token).error_fields(),
            std::vector<std::string>{"phone"});
  EXPECT_EQ(Patch("/api/v1/me", json::object{{"first_name", ""}}, s.access_token).error_fields(),
            std::vector<std::string>{"first_name"});
  EXPECT_EQ(Patch("/api/v1/me", json::object{{"last_name", nullptr}}, s.access_token).error_fields(),
            std::vector<std::string>{"last_name"});
}

TEST_F(AuthApiTest, DeleteMeAnonymisesTheAccountAndFreesTheEmail) {
  Session s = Register("gone@example.com");
  ASSERT_EQ(Post("/api/v1/me/addresses",
                 json::object{{"name", "Home"},
                              {"line1", "1 Main St"},
                              {"city", "Berlin"},
                              {"postal_code", "10115"},
                              {"country", "DE"}},
                 s.access_token)
                .status,
            201);
  ASSERT_EQ(Delete("/api/v1/me", s.access_token).status, 204);
  EXPECT_EQ(Get("/api/v1/me", s.access_token).status, 401);
  EXPECT_EQ(Post("/api/v1/auth/refresh", json::object{{"refresh_token", s.refresh_token}}).status, 401);
  EXPECT_EQ(Post("/api/v1/auth/login", json::object{{"email", "gone@example.com"}, {"password", kPassword}}).status,
            401);

  Session admin = Staff("root@example.com", Role::kAdmin);
  EXPECT_EQ(Get("/api/v1/admin/users/" + std::to_string(s.user_id), admin.access_token).status, 404);

  Session again = Register("gone@example.com");
  EXPECT_NE(again.user_id, s.user_id);
  auto addresses = Get("/api/v1/me/addresses", again.access_token);
  EXPECT_TRUE(addresses.obj().at("items").as_array().empty());
}

// ---- addresses ----------------------------------------------------------------------------------------

json::object AddressBody(const std::string& name) {
  return json::object{
      {"name", name}, {"line1", "Unter den Linden 1"}, {"city", "Berlin"}, {"postal_code", "10117"}, {"country", "de"}};
}

TEST_F(AuthApiTest, AddressesKeepExactlyOneDefault) {
  Session s = Register("addr@example.com");
  auto first = Post("/api/v1/me/addresses", AddressBody("Home"), s.access_token);
  ASSERT_EQ(first.status, 201) << first.response.body;
  EXPECT_TRUE(first.obj().at("is_default").as_bool());
  EXPECT_EQ(first.str("country"), "DE");
  EXPECT_TRUE(first.obj().at("lat").is_null());
  const auto home = first.obj().at("id").as_int64();

  auto second = Post("/api/v1/me/addresses", AddressBody("Office"), s.access_token);
  EXPECT_FALSE(second.obj().at("is_default").as_bool());
  const auto office = second.obj().at("id").as_int64();

  auto with_coords = AddressBody("Cabin");
  with_coords["is_default"] = true;
  with_coords["lat"] = 52.5;
  with_coords["lng"] = 13.25;
  with_coords["line2"] = "Hinterhaus";
  with_coords["phone"] = "+4930123456";
  auto third = Post("/api/v1/me/addresses", with_coords, s.access_token);
  ASSERT_EQ(third.status, 201) << third.response.body;
  EXPECT_TRUE(third.obj().at("is_default").as_bool());
  EXPECT_DOUBLE_EQ(third.obj().at("lat").as_double(), 52.5);
  EXPECT_DOUBLE_EQ(third.obj().at("lng").as_double(), 13.25);
  EXPECT_EQ(third.str("line2"), "Hinterhaus");
  const auto cabin = third.obj().at("id").as_int64();

  auto list = Get("/api/v1/me/addresses", s.access_token);
  ASSERT_EQ(list.status, 200);
  const auto& items = list.obj().at("items").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].as_object().at("id").as_int64(), cabin);
  int defaults = 0;
  for (const auto& a : items) defaults += a.as_object().at("is_default").as_bool() ? 1 : 0;
  EXPECT_EQ(defaults, 1);
  EXPECT_TRUE(list.obj().at("next_cursor").is_null());

  auto patched = Patch("/api/v1/me/addresses/" + std::to_string(home),
                       json::object{{"is_default", true}, {"city", "Potsdam"}}, s.access_token);
  ASSERT_EQ(patched.status, 200) << patched.response.body;
  EXPECT_TRUE(patched.obj().at("is_default").as_bool());
  EXPECT_EQ(patched.str("city"), "Potsdam");
  EXPECT_EQ(patched.str("name"), "Home");

  // Deleting the default promotes the most recent remaining address (the cabin).
  ASSERT_EQ(Delete("/api/v1/me/addresses/" + std::to_string(home), s.access_token).status, 204);
  auto after = Get("/api/v1/me/addresses", s.access_token).obj().at("items").as_array();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].as_object().at("id").as_int64(), cabin);
  EXPECT_TRUE(after[0].as_object().at("is_default").as_bool());

  // Un-defaulting hands the role to the most recent other address.
  auto undefault =
      Patch("/api/v1/me/addresses/" + std::to_string(cabin), json::object{{"is_default", false}}, s.access_token);
  EXPECT_FALSE(undefault.obj().at("is_default").as_bool());
  auto final_list = Get("/api/v1/me/addresses", s.access_token).obj().at("items").as_array();
  EXPECT_EQ(final_list[0].as_object().at("id").as_int64(), office);
  EXPECT_TRUE(final_list[0].as_object().at("is_default").as_bool());

  EXPECT_EQ(Delete("/api/v1/me/addresses/" + std::to_string(home), s.access_token).status, 404);
}

TEST_F(AuthApiTest, AnotherUsersAddressIsNotFound) {
  Session owner = Register("owner@example.com");
  Session intruder = Register("intruder@example.com");
  auto a = Post("/api/v1/me/addresses", AddressBody("Home"), owner.access_token);
  const std::string path = "/api/v1/me/addresses/" + std::to_string(a.obj().at("id").as_int64());
  EXPECT_EQ(Patch(path, json::object{{"city", "Paris"}}, intruder.access_token).status, 404);
  EXPECT_EQ(Delete(path, intruder.access_token).status, 404);
  EXPECT_TRUE(Get("/api/v1/me/addresses", intruder.access_token).obj().at("items").as_array().empty());
  EXPECT_EQ(Get("/api/v1/me/addresses", owner.access_token).obj().at("items").as_array().size(), 1u);
  EXPECT_EQ(Patch("/api/v1/me/addresses/abc", json::object{{"city", "Paris"}}, owner.access_token).status, 404);
}

TEST_F(AuthApiTest, AddressValidationRejectsBadCountriesCoordinatesAndFields) {
  Session s = Register("val@example.com");
  auto bad_country = AddressBody("X");
  bad_country["country"] = "XX";
  EXPECT_EQ(Post("/api/v1/me/addresses", bad_country, s.access_token).error_fields(),
            std::vector<std::string>{"country"});

  auto lat_only = AddressBody("X");
  lat_only["lat"] = 10.0;
  EXPECT_EQ(Post("/api/v1/me/addresses", lat_only, s.access_token).error_fields(), std::vector<std::string>{"lng"});

  auto out_of_range = AddressBody("X");
  out_of_range["lat"] = 91.0;
  out_of_range["lng"] = 0.0;
  EXPECT_EQ(Post("/api/v1/me/addresses", out_of_range, s.access_token).error_fields(), std::vector<std::string>{"lat"});

  auto missing = Post("/api/v1/me/addresses", json::object{{"name", "X"}}, s.access_token);
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(missing.error_fields().size(), 4u);  // line1, city, postal_code, country

  auto unknown = AddressBody("X");
  unknown["planet"] = "Mars";
  EXPECT_EQ(Post("/api/v1/me/addresses", unknown, s.access_token).error_fields(), std::vector<std::string>{"planet"});
}

TEST_F(AuthApiTest, AnAccountKeepsAtMostFiftyAddresses) {
  Session s = Register("many@example.com");
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(Post("/api/v1/me/addresses", AddressBody("A" + std::to_string(i)), s.access_token).status, 201) << i;
  }
  EXPECT_EQ(Post("/api/v1/me/addresses", AddressBody("one too many"), s.access_token).status, 409);
}

// ---- admin --------------------------------------------------------------------------------------------

TEST_F(AuthApiTest, AdminsCreateStaffAccountsOthersMayNot) {
  Session admin = Staff("admin@example.com", Role::kAdmin);
  Session manager = Staff("manager@example.com", Role::kManager);
  Session customer = Register("cust@example.com");
  const json::object body{{"email", "New.Support@example.com"},
                          {"password", "support secret 1"},
                          {"first_name", "Sam"},
                          {"last_name", "Port"},
                          {"role", "support"}};

  EXPECT_EQ(Post("/api/v1/admin/users", body).status, 401);
  EXPECT_EQ(Post("/api/v1/admin/users", body, customer.access_token).status, 403);
  EXPECT_EQ(Post("/api/v1/admin/users", body, manager.access_token).status, 403);
  EXPECT_EQ(Get("/api/v1/admin/users", customer.access_token).status, 403);
  EXPECT_EQ(Get("/api/v1/admin/users", manager.access_token).status, 200);

  auto created = Post("/api/v1/admin/users", body, admin.access_token);
  ASSERT_EQ(created.status, 201) << created.response.body;
  EXPECT_EQ(created.str("email"), "new.support@example.com");
  EXPECT_EQ(created.str("role"), "support");
  EXPECT_TRUE(created.obj().at("email_verified").as_bool());
  auto welcome = LastMail("new.support@example.com", "staff_welcome");
  ASSERT_TRUE(welcome);
  EXPECT_NE(welcome->text.find("support"), std::string::npos);
  EXPECT_EQ(Login("new.support@example.com", "support secret 1").user_id, created.obj().at("id").as_int64());

  EXPECT_EQ(Post("/api/v1/admin/users", body, admin.access_token).status, 409);
  auto as_customer = body;
  as_customer["email"] = "c2@example.com";
  as_customer["role"] = "customer";
  EXPECT_EQ(Post("/api/v1/admin/users", as_customer, admin.access_token).error_fields(),
            std::vector<std::string>{"role"});

  auto one = Get("/api/v1/admin/users/" + std::to_string(created.obj().at("id").as_int64()), manager.access_token);
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(Get("/api/v1/admin/users/999999", admin.access_token).status, 404);
}

TEST_F(AuthApiTest, AdminUserListFiltersAndPaginatesNewestFirst) {
  Session admin = Staff("boss@example.com", Role::kAdmin);
  for (int i = 0; i < 5; ++i) Register("shopper" + std::to_string(i) + "@example.com");
  Staff("courier@example.com", Role::kCourier);

  auto page1 = Get("/api/v1/admin/users?limit=3", admin.access_token);
  ASSERT_EQ(page1.status, 200) << page1.response.body;
  const auto& items1 = page1.obj().at("items").as_array();
  ASSERT_EQ(items1.size(), 3u);
  EXPECT_EQ(items1[0].as_object().at("email").as_string(), "courier@example.com");
  ASSERT_TRUE(page1.obj().at("next_cursor").is_string());

  std::vector<std::string> seen;
  std::string cursor(page1.obj().at("next_cursor").as_string());
  for (const auto& u : items1) seen.emplace_back(u.as_object().at("email").as_string());
  while (!cursor.empty()) {
    auto page = Get("/api/v1/admin/users?limit=3&cursor=" + cursor, admin.access_token);
    ASSERT_EQ(page.status, 200);
    for (const auto& u : page.obj().at("items").as_array()) seen.emplace_back(u.as_object().at("email").as_string());
    cursor = page.obj().at("next_cursor").is_string() ? std::string(page.obj().at("next_cursor").as_string()) : "";
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen.back(), "boss@example.com");

  auto customers = Get("/api/v1/admin/users?role=customer", admin.access_token);
  EXPECT_EQ(customers.obj().at("items").as_array().size(), 5u);
  auto search = Get("/api/v1/admin/users?q=SHOPPER3", admin.access_token);
  ASSERT_EQ(search.obj().at("items").as_array().size(), 1u);
  auto by_name = Get("/api/v1/admin/users?q=lovel", admin.access_token);
  EXPECT_EQ(by_name.obj().at("items").as_array().size(), 5u);
  auto wildcard = Get("/api/v1/admin/users?q=%25", admin.access_token);
  EXPECT_EQ(wildcard.obj().at("items").as_array().size(), 0u);

  EXPECT_EQ(Get("/api/v1/admin/users?role=king", admin.access_token).error_fields(), std::vector<std::string>{"role"});
  EXPECT_EQ(Get("/api/v1/admin/users?limit=101", admin.access_token).error_fields(), std::vector<std::string>{"limit"});
  EXPECT_EQ(Get("/api/v1/admin/users?cursor=%21%21", admin.access_token).error_fields(),
            std::vector<std::string>{"cursor"});
}

TEST_F(AuthApiTest, DeactivationStopsTheUsersTokensAtOnce) {
  Session admin = Staff("chief@example.com", Role::kAdmin);
  Session victim = Register("victim@example.com");
  const std::string path = "/api/v1/admin/users/" + std::to_string(victim.user_id);
  ASSERT_EQ(Get("/api/v1/me", victim.access_token).status, 200);

  auto r = Patch(path, json::object{{"active", false}}, admin.access_token);
  ASSERT_EQ(r.status, 200) << r.response.body;
  EXPECT_FALSE(r.obj().at("active").as_bool());
  EXPECT_EQ(Get("/api/v1/me", victim.access_token).status, 401);
  EXPECT_EQ(Post("/api/v1/auth/refresh", json::object{{"refresh_token", victim.refresh_token}}).status, 401);
  EXPECT_EQ(Post("/api/v1/auth/login", json::object{{"email", "victim@example.com"}, {"password", kPassword}}).status,
            401);

  ASSERT_EQ(Patch(path, json::object{{"active", true}}, admin.access_token).status, 200);
  EXPECT_EQ(Get("/api/v1/me", victim.access_token).status, 401);  // old tokens stay dead
  Session back = Login("victim@example.com");
  EXPECT_EQ(Get("/api/v1/me", back.access_token).status, 200);

  EXPECT_EQ(Patch(path, json::object{{"email", "x@example.com"}}, admin.access_token).error_fields(),
            std::vector<std::string>{"email"});
  EXPECT_EQ(Patch("/api/v1/admin/users/999999", json::object{{"active", false}}, admin.access_token).status, 404);
}

TEST_F(AuthApiTest, RoleChangesApplyToExistingTokensAtOnce) {
  Session admin = Staff("top@example.com", Role::kAdmin);
  Session helper = Staff("helper@example.com", Role::kSupport);
  EXPECT_EQ(Get("/api/v1/admin/users", helper.access_token).status, 403);
  ASSERT_EQ(Patch("/api/v1/admin/users/" + std::to_string(helper.user_id), json::object{{"role", "manager"}},
                  admin.access_token)
                .status,
            200);
  EXPECT_EQ(Get("/api/v1/admin/users", helper.access_token).status, 200);
  EXPECT_EQ(Get("/api/v1/me", helper.access_token).str("role"), "manager");
}

// A change this instance did not make (another instance, the CLI, SQL by hand) reaches
// authentication once the cached row is older than AUTH_USER_CACHE_MS; the tests above show that
// the instance's own changes apply at once.
class AuthUserCacheTest : public AuthHarness {
 protected:
  void Configure(core::Config& config) override { config.auth_user_cache_ttl = ttl; }
  void DeactivateBehindTheCachesBack(std::int64_t user_id) {
    ASSERT_TRUE(db().Write([&](db::Tx& tx) -> Status {
      tx.sql << "UPDATE auth_users SET is_active = 0 WHERE id = :id", soci::use(user_id);
      return OkStatus();
    }));
  }
  std::chrono::milliseconds ttl{50};
};

TEST_F(AuthUserCacheTest, AChangeMadeElsewhereAppliesOnceTheCachedRowIsOlderThanTheTtl) {
  Session victim = Register("elsewhere@example.com");
  ASSERT_EQ(Get("/api/v1/me", victim.access_token).status, 200);  // the row is cached now
  DeactivateBehindTheCachesBack(victim.user_id);
  std::this_thread::sleep_for(ttl + 20ms);
  EXPECT_EQ(Get("/api/v1/me", victim.access_token).status, 401);
}

class AuthWithoutUserCacheTest : public AuthUserCacheTest {
 protected:
  void Configure(core::Config& config) override { config.auth_user_cache_ttl = 0ms; }
};

TEST_F(AuthWithoutUserCacheTest, AZeroTtlReadsTheRowOnEveryRequest) {
  Session victim = Register("uncached@example.com");
  ASSERT_EQ(Get("/api/v1/me", victim.access_token).status, 200);
  DeactivateBehindTheCachesBack(victim.user_id);
  EXPECT_EQ(Get("/api/v1/me", victim.access_token).status, 401);
}

TEST_F(AuthApiTest, AnAdminCannotDeactivateOrDemoteThemself) {
  Session admin = Staff("self@example.com", Role::kAdmin);
  const std::string path = "/api/v1/admin/users/" + std::to_string(admin.user_id);
  EXPECT_EQ(Patch(path, json::object{{"active", false}}, admin.access_token).status, 409);
  EXPECT_EQ(Patch(path, json::object{{"role", "manager"}}, admin.access_token).status, 409);
  EXPECT_EQ(Patch(path, json::object{{"role", "admin"}}, admin.access_token).status, 200);
  EXPECT_EQ(Get("/api/v1/me", admin.access_token).str("role"), "admin");
}

// ---- audit log ------------------------------------------------------------------------------------------

class AuditLogApiTest : public AuthHarness {};

TEST_F(AuditLogApiTest, StaffActionsAreRecordedAndListedNewestFirst) {
  Session admin = Staff("auditor@example.com", Role::kAdmin);
  auto created = Post("/api/v1/admin/users",
                      json::object{{"email", "ship@example.com"},
                                   {"password", "courier secret 9"},
                                   {"first_name", "C"},
                                   {"last_name", "D"},
                                   {"role", "courier"}},
                      admin.access_token);
  ASSERT_EQ(created.status, 201);
  const auto courier_id = created.obj().at("id").as_int64();
  clock_.Advance(5s);
  ASSERT_EQ(Patch("/api/v1/admin/users/" + std::to_string(courier_id),
                  json::object{{"role", "support"}, {"active", false}}, admin.access_token)
                .status,
            200);

  auto log = Get("/api/v1/admin/audit-log", admin.access_token);
  ASSERT_EQ(log.status, 200) << log.response.body;
  const auto& items = log.obj().at("items").as_array();
  ASSERT_EQ(items.size(), 3u);  // update, create (API), create of the admin (CLI)
  const auto& update = items[0].as_object();
  EXPECT_EQ(update.at("action").as_string(), "user.update");
  EXPECT_EQ(update.at("resource_type").as_string(), "user");
  EXPECT_EQ(update.at("resource_id").as_int64(), courier_id);
  EXPECT_EQ(update.at("ip").as_string(), kClientIp);
  EXPECT_FALSE(update.at("request_id").as_string().empty());
  EXPECT_EQ(update.at("created_at").as_string(), "2027-01-15T08:00:05Z");
  const auto& actor = update.at("actor").as_object();
  EXPECT_EQ(actor.at("id").as_int64(), admin.user_id);
  EXPECT_EQ(actor.at("email").as_string(), "auditor@example.com");
  EXPECT_EQ(actor.at("role").as_string(), "admin");
  const auto& changes = update.at("details").as_object().at("changes").as_object();
  EXPECT_EQ(changes.at("role").as_object().at("from").as_string(), "courier");
  EXPECT_EQ(changes.at("role").as_object().at("to").as_string(), "support");
  EXPECT_EQ(changes.at("active").as_object().at("to").as_bool(), false);

  EXPECT_EQ(items[1].as_object().at("action").as_string(), "user.create");
  EXPECT_EQ(items[1].as_object().at("details").as_object().at("role").as_string(), "courier");
  EXPECT_TRUE(items[2].as_object().at("actor").is_null());
  EXPECT_EQ(items[2].as_object().at("details").as_object().at("source").as_string(), "cli");

  auto filtered =
      Get("/api/v1/admin/audit-log?action=user.create&actor_id=" + std::to_string(admin.user_id), admin.access_token);
  ASSERT_EQ(filtered.obj().at("items").as_array().size(), 1u);
  auto by_resource =
      Get("/api/v1/admin/audit-log?resource_type=user&resource_id=" + std::to_string(courier_id), admin.access_token);
  EXPECT_EQ(by_resource.obj().at("items").as_array().size(), 2u);

  auto page1 = Get("/api/v1/admin/audit-log?limit=2", admin.access_token);
  ASSERT_EQ(page1.obj().at("items").as_array().size(), 2u);
  ASSERT_TRUE(page1.obj().at("next_cursor").is_string());
  auto page2 = Get("/api/v1/admin/audit-log?limit=2&cursor=" + std::string(page1.obj().at("next_cursor").as_string()),
                   admin.access_token);
  ASSERT_EQ(page2.obj().at("items").as_array().size(), 1u);
  EXPECT_TRUE(page2.obj().at("next_cursor").is_null());
  EXPECT_TRUE(page2.obj().at("items").as_array()[0].as_object().at("actor").is_null());

  EXPECT_EQ(Get("/api/v1/admin/audit-log?cursor=garbage!", admin.access_token).status, 422);
  EXPECT_EQ(Get("/api/v1/admin/audit-log?actor_id=x", admin.access_token).status, 422);
}

TEST_F(AuditLogApiTest, OnlyAdminsReadTheAuditLog) {
  Session manager = Staff("mgr@example.com", Role::kManager);
  Session customer = Register("c@example.com");
  EXPECT_EQ(Get("/api/v1/admin/audit-log").status, 401);
  EXPECT_EQ(Get("/api/v1/admin/audit-log", customer.access_token).status, 403);
  EXPECT_EQ(Get("/api/v1/admin/audit-log", manager.access_token).status, 403);
}

TEST_F(AuditLogApiTest, AFailedChangeLeavesNoEntry) {
  Session admin = Staff("careful@example.com", Role::kAdmin);
  ASSERT_EQ(
      Patch("/api/v1/admin/users/" + std::to_string(admin.user_id), json::object{{"active", false}}, admin.access_token)
          .status,
      409);
  ASSERT_EQ(Post("/api/v1/admin/users",
                 json::object{{"email", "careful@example.com"},
                              {"password", "courier secret 9"},
                              {"first_name", "C"},
                              {"last_name", "D"},
                              {"role", "courier"}},
                 admin.access_token)
                .status,
            409);
  auto log = Get("/api/v1/admin/audit-log?action=user.update", admin.access_token);
  EXPECT_TRUE(log.obj().at("items").as_array().empty());
  EXPECT_EQ(Get("/api/v1/admin/audit-log", admin.access_token).obj().at("items").as_array().size(), 1u);
}

}  // namespace
}  // namespace emporium::auth::testing
