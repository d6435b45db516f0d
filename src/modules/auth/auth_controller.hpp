#pragma once
// HTTP in/out for /api/v1/auth/*: parses and validates requests, calls AuthService, picks status
// codes. No business rules here.

#include "http/router.hpp"
#include "modules/auth/auth_service.hpp"

namespace emporium::auth {

/// ClientInfo of a request (remote IP and request id).
ClientInfo ClientOf(const http::Request& req);

class AuthController {
 public:
  explicit AuthController(AuthService& service) : service_(service) {}

  /// POST register, login, refresh, logout, verify-email (+ GET for the mailed link, + resend),
  /// password/forgot, password/reset.
  void RegisterRoutes(http::Router& router);

 private:
  Result<http::Response> Register(http::Request& req);
  Result<http::Response> Login(http::Request& req);
  Result<http::Response> Refresh(http::Request& req);
  Result<http::Response> Logout(http::Request& req);
  Result<http::Response> VerifyEmail(http::Request& req);
  Result<http::Response> VerifyEmailLink(http::Request& req);
  Result<http::Response> ResendVerification(http::Request& req);
  Result<http::Response> ForgotPassword(http::Request& req);
  Result<http::Response> ResetPassword(http::Request& req);

  AuthService& service_;
};

}  // namespace emporium::auth
