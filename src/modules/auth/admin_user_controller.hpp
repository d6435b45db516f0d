#pragma once
// HTTP in/out for /api/v1/admin/users (admins; managers may read).

#include "http/router.hpp"
#include "modules/auth/admin_user_service.hpp"

namespace emporium::auth {

class AdminUserController {
 public:
  explicit AdminUserController(AdminUserService& service) : service_(service) {}

  void RegisterRoutes(http::Router& router);

 private:
  Result<http::Response> List(http::Request& req);
  Result<http::Response> Get(http::Request& req);
  Result<http::Response> Create(http::Request& req);
  Result<http::Response> Patch(http::Request& req);

  AdminUserService& service_;
};

}  // namespace emporium::auth
