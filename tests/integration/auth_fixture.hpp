#pragma once
// Shared pieces of the auth integration tests: a Mailer that captures messages, and a harness that
// wires the real AuthModule + AuditLog behind a real Router and Dispatcher on the test database,
// with a ManualClock, an in-memory rate limiter and argon2id at libsodium's minimum limits.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/crypto.hpp"
#include "core/rate_limiter.hpp"
#include "http/dispatcher.hpp"
#include "http/router.hpp"
#include "infra/mail/mailer.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/auth/auth_module.hpp"
#include "support/test_database.hpp"

namespace emporium::auth::testing {

namespace json = boost::json;

inline constexpr std::int64_t kStart = 1'800'000'000;  // 2027-01-15T08:00:00Z
inline constexpr const char* kPassword = "correct horse battery";
inline constexpr const char* kClientIp = "203.0.113.7";

class CapturingMailer final : public infra::Mailer {
 public:
  Status Send(const infra::MailMessage& message) override {
    std::lock_guard lock(mutex_);
    messages_.push_back(message);
    return OkStatus();
  }
  std::vector<infra::MailMessage> Messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<infra::MailMessage> messages_;
};

/// The value after "token=" in a mail's text part (the link's query parameter).
inline std::string TokenInMail(const infra::MailMessage& m) {
  const auto at = m.text.find("token=");
  if (at == std::string::npos) return {};
  const auto begin = at + 6;
  const auto end = m.text.find_first_of(" \r\n\t", begin);
  return m.text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

struct CallResult {
  int status = 0;
  json::value body;
  http::Response response;

  const json::object& obj() const { return body.as_object(); }
  std::string str(std::string_view key) const {
    const auto* v = body.is_object() ? body.as_object().if_contains(key) : nullptr;
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  }
  /// The field names of a 422 problem's errors[].
  std::vector<std::string> error_fields() const {
    std::vector<std::string> out;
    if (!body.is_object()) return out;
    if (const auto* errors = body.as_object().if_contains("errors"); errors && errors->is_array()) {
      for (const auto& e : errors->as_array()) out.emplace_back(e.as_object().at("field").as_string());
    }
    return out;
  }
};

struct Session {
  std::int64_t user_id = 0;
  std::string access_token;
  std::string refresh_token;
};

class AuthHarness : public test::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    core::InitCrypto();
    config_.jwt_secret = "integration-test-secret-0123456789abcdef";
    config_.password_ops_limit = 1;
    config_.password_mem_limit = 8192;
    config_.password_hash_concurrency = 2;
    config_.public_url = "http://shop.test/";
    config_.mail_from = "Test Shop <no-reply@shop.test>";
    config_.environment = "test";
    config_.rate_limit_ip_per_minute = 0;  // the general buckets are the dispatcher's business
    config_.rate_limit_user_per_minute = 0;
    Configure(config_);
    auto mailer = std::make_unique<CapturingMailer>();
    mailer_ = mailer.get();
    mail_ = std::make_unique<infra::MailService>(std::move(mailer));
    limiter_ = core::MakeMemoryRateLimiter(clock_);
    audit_ = std::make_unique<audit::AuditLog>(db(), clock_);
    auth_ = std::make_unique<AuthModule>(db(), config_, clock_, *mail_, *limiter_, *audit_);
    router_ = std::make_unique<http::Router>();
    auth_->RegisterRoutes(*router_);
    audit_->RegisterRoutes(*router_);
    dispatcher_ = std::make_unique<http::Dispatcher>(*router_, config_, clock_, limiter_.get(), nullptr);
    dispatcher_->SetAuthenticator(&auth_->authenticator());
  }

  /// Lets a fixture change the configuration before the module is built.
  virtual void Configure(core::Config& /*config*/) {}

  void TearDown() override {
    dispatcher_.reset();
    router_.reset();
    auth_.reset();
    audit_.reset();
    mail_.reset();
    limiter_.reset();
    DatabaseTest::TearDown();
  }

  CallResult Call(http::Method method, const std::string& target, std::optional<json::value> body = std::nullopt,
                  const std::string& token = {}, const std::string& ip = kClientIp) {
    http::Request req;
    req.method = method;
    req.target = target;
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    req.query_string = q == std::string::npos ? std::string() : target.substr(q + 1);
    req.remote_ip = ip;
    if (body) {
      req.body = json::serialize(*body);
      req.headers.push_back({"Content-Type", "application/json"});
    }
    if (!token.empty()) req.headers.push_back({"Authorization", "Bearer " + token});
    CallResult out;
    out.response = dispatcher_->Handle(req);
    out.status = out.response.status;
    if (!out.response.body.empty()) {
      boost::system::error_code ec;
      out.body = json::parse(out.response.body, ec);
    }
    return out;
  }
  CallResult Get(const std::string& target, const std::string& token = {}) {
    return Call(http::Method::kGet, target, std::nullopt, token);
  }
  CallResult Post(const std::string& target, json::value body, const std::string& token = {},
                  const std::string& ip = kClientIp) {
    return Call(http::Method::kPost, target, std::move(body), token, ip);
  }
  CallResult Patch(const std::string& target, json::value body, const std::string& token) {
    return Call(http::Method::kPatch, target, std::move(body), token);
  }
  CallResult Put(const std::string& target, json::value body, const std::string& token) {
    return Call(http::Method::kPut, target, std::move(body), token);
  }
  CallResult Delete(const std::string& target, const std::string& token) {
    return Call(http::Method::kDelete, target, std::nullopt, token);
  }

  static Session SessionOf(const CallResult& r) {
    Session s;
    if (!r.body.is_object()) return s;
    const auto& o = r.obj();
    if (const auto* user = o.if_contains("user")) s.user_id = user->as_object().at("id").as_int64();
    s.access_token = r.str("access_token");
    s.refresh_token = r.str("refresh_token");
    return s;
  }

  Session Register(const std::string& email, const std::string& password = kPassword,
                   const std::string& ip = kClientIp) {
    auto r =
        Post("/api/v1/auth/register",
             json::object{{"email", email}, {"password", password}, {"first_name", "Ada"}, {"last_name", "Lovelace"}},
             {}, ip);
    EXPECT_EQ(r.status, 201) << r.response.body;
    return SessionOf(r);
  }

  Session Login(const std::string& email, const std::string& password = kPassword) {
    auto r = Post("/api/v1/auth/login", json::object{{"email", email}, {"password", password}});
    EXPECT_EQ(r.status, 200) << r.response.body;
    return SessionOf(r);
  }

  /// A staff account made through the CLI path, signed in.
  Session Staff(const std::string& email, Role role) {
    auto created = auth_->CreateUser(email, kPassword, "Staff", "Member", role);
    EXPECT_TRUE(created) << created.error().message;
    return Login(email);
  }

  /// Every captured mail (after the background queue drained).
  std::vector<infra::MailMessage> Mails() {
    EXPECT_TRUE(mail_->Flush(std::chrono::seconds(5)));
    return mailer_->Messages();
  }
  /// The newest mail of a template to an address, or nullopt.
  std::optional<infra::MailMessage> LastMail(const std::string& to, const std::string& template_name) {
    auto all = Mails();
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (it->to == to && it->template_name == template_name) return *it;
    }
    return std::nullopt;
  }

  core::ManualClock clock_{kStart};
  core::Config config_;
  CapturingMailer* mailer_ = nullptr;
  std::unique_ptr<infra::MailService> mail_;
  std::unique_ptr<core::RateLimiter> limiter_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<AuthModule> auth_;
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
};

}  // namespace emporium::auth::testing
