#pragma once
// HTTP in/out for /api/v1/me, /api/v1/me/password and /api/v1/me/addresses.

#include "core/clock.hpp"
#include "http/router.hpp"
#include "modules/auth/account_service.hpp"
#include "modules/auth/auth_service.hpp"

namespace emporium::auth {

class AccountController {
 public:
  AccountController(AccountService& accounts, AuthService& auth, const core::Clock& clock)
      : accounts_(accounts), auth_(auth), clock_(clock) {}

  void RegisterRoutes(http::Router& router);

 private:
  Result<http::Response> GetMe(http::Request& req);
  Result<http::Response> PatchMe(http::Request& req);
  Result<http::Response> DeleteMe(http::Request& req);
  Result<http::Response> ChangePassword(http::Request& req);
  Result<http::Response> ListAddresses(http::Request& req);
  Result<http::Response> CreateAddress(http::Request& req);
  Result<http::Response> PatchAddress(http::Request& req);
  Result<http::Response> DeleteAddress(http::Request& req);

  AccountService& accounts_;
  AuthService& auth_;
  const core::Clock& clock_;
};

}  // namespace emporium::auth
