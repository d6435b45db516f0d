#include "modules/auth/auth_controller.hpp"

#include <boost/json/object.hpp>

#include "http/validation.hpp"

namespace emporium::auth {

namespace json = boost::json;

namespace {

// Passwords are checked by PasswordPolicy (10–128 code points); the transport limit only keeps
// absurd inputs away from argon2.
constexpr http::StringRule kPasswordRule{.required = true, .max = 1024, .trim = false};
constexpr http::StringRule kNameRule{.required = true, .min = 1, .max = 100};
constexpr http::StringRule kOpaqueTokenRule{.required = true, .max = 512};

http::Response Accepted() {
  json::object body;
  body["status"] = "accepted";
  return http::Response::Json(202, body);
}

std::string AsciiLower(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

}  // namespace

ClientInfo ClientOf(const http::Request& req) { return ClientInfo{.ip = req.remote_ip, .request_id = req.request_id}; }

void AuthController::RegisterRoutes(http::Router& router) {
  using http::RouteOptions;
  auto bind = [this](Result<http::Response> (AuthController::*fn)(http::Request&)) {
    return [this, fn](http::Request& req) { return (this->*fn)(req); };
  };
  router.Post("/api/v1/auth/register", bind(&AuthController::Register), RouteOptions::Public());
  router.Post("/api/v1/auth/login", bind(&AuthController::Login), RouteOptions::Public());
  router.Post("/api/v1/auth/refresh", bind(&AuthController::Refresh), RouteOptions::Public());
  router.Post("/api/v1/auth/logout", bind(&AuthController::Logout), RouteOptions::User());
  router.Post("/api/v1/auth/verify-email", bind(&AuthController::VerifyEmail), RouteOptions::Public());
  router.Get("/api/v1/auth/verify-email", bind(&AuthController::VerifyEmailLink), RouteOptions::Public());
  router.Post("/api/v1/auth/verify-email/resend", bind(&AuthController::ResendVerification), RouteOptions::User());
  router.Post("/api/v1/auth/password/forgot", bind(&AuthController::ForgotPassword), RouteOptions::Public());
  router.Post("/api/v1/auth/password/reset", bind(&AuthController::ResetPassword), RouteOptions::Public());
}

Result<http::Response> AuthController::Register(http::Request& req) {
  EMP_ASSIGN(http::JsonInput in, http::JsonInput::From(req));
  Registration r;
  auto email = in.Email("email", true);
  auto password = in.String("password", kPasswordRule);
  auto first_name = in.String("first_name", kNameRule);
  auto last_name = in.String("last_name", kNameRule);
  // Report a weak password together with the other field errors.
  if (password) {
    if (auto problem = service_.policy().Problem(*password, email.value_or(""))) in.Fail("password", *problem);
  }
  EMP_TRY(in.Finish());
  r.email = std::move(*email);
  r.password = std::move(*password);
  r.first_name = std::move(*first_name);
  r.last_name = std::move(*last_name);
  EMP_ASSIGN(TokenPair pair, service_.Register(r, ClientOf(req)));
  http::Response res = http::Response::Json(201, ToJson(pair));
  res.Set("Location", "/api/v1/me");
  return res;
}

Result<http::Response> AuthController::Login(http::Request& req) {
  EMP_ASSIGN(http::JsonInput in, http::JsonInput::From(req));
  auto email = in.String("email", {.required = true, .max = 254});
  auto password = in.String("password", kPasswordRule);
  EMP_TRY(in.Finish());
  EMP_ASSIGN(TokenPair pair, service_.Login(AsciiLower(std::move(*email)), *password, ClientOf(req)));
  return http::Response::Json(200, ToJson(pair));
}

Result<http::Response> AuthController::Refresh(http::Request& req) {
  EMP_ASSIGN(http::JsonInput in, http::JsonInput::From(req));
  auto token = in.String("refresh_token", kOpaqueTokenRule);
  EMP_TRY(in.Finish());
  EMP_ASSIGN(TokenPair pair, service_.Refresh(*token, ClientOf(req)));
  return http::Response::Json(200, ToJson(pair));
}

Result<http::Response> AuthController::Logout(http::Request& req) {
  EMP_ASSIGN(http::JsonInput in, http::JsonInput::From(req));
  auto token = in.String("refresh_token", kOpaqueTokenRule);
  EMP_TRY(in.Finish());
  EMP_TRY(service_.Logout(req.user().user_id, *token));
  return http::Response::NoContent();
}

Result<http::Response> AuthController::VerifyEmail(http::Request& req) {
  EMP_ASSIGN(http::JsonInput in, http::JsonInput::From(req));
  auto token = in.String("token", kOpaqueTokenRule);
  EMP_TRY(in.Finish());
  EMP_ASSIGN(UserView user, service_.VerifyEmail(*token));
  json::object body;
  body["user"] = ToJson(user);
  return http::Response::Json(200, body);
}

Result<http::Response> AuthController::VerifyEmailLink(http::Request& req) {
  // The mailed link: a missing token is a broken link, not a form error.
  EMP_ASSIGN(UserView user, service_.VerifyEmail(req.Query("token").value_or("")));
  json::object body;
  body["user"] = ToJson(user);
  return http::Response::Json(200, body);
}

Result<http::Response> AuthController::ResendVerification(http::Request& req) {
  EMP_TRY(service_.ResendVerification(req.user().user_id));
  return Accepted();
}

Result<http::Response> AuthController::ForgotPassword(http::Request& req) {
  EMP_ASSIGN(http::JsonInput in, http::JsonInput::From(req));
  auto email = in.Email("email", true);
  EMP_TRY(in.Finish());
  EMP_TRY(service_.ForgotPassword(*email, ClientOf(req)));
  return Accepted();
}

Result<http::Response> AuthController::ResetPassword(http::Request& req) {
  EMP_ASSIGN(http::JsonInput in, http::JsonInput::From(req));
  auto token = in.String("token", kOpaqueTokenRule);
  auto password = in.String("password", kPasswordRule);
  EMP_TRY(in.Finish());
  EMP_TRY(service_.ResetPassword(*token, *password));
  return http::Response::NoContent();
}

}  // namespace emporium::auth
