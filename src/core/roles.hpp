#pragma once
// Roles and the authenticated principal, shared by the HTTP layer and every module.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace emporium {

enum class Role { kCustomer, kSupport, kCourier, kManager, kAdmin };

constexpr std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kCustomer: return "customer";
    case Role::kSupport: return "support";
    case Role::kCourier: return "courier";
    case Role::kManager: return "manager";
    case Role::kAdmin: return "admin";
  }
  return "customer";
}

constexpr std::optional<Role> ParseRole(std::string_view s) {
  if (s == "customer") return Role::kCustomer;
  if (s == "support") return Role::kSupport;
  if (s == "courier") return Role::kCourier;
  if (s == "manager") return Role::kManager;
  if (s == "admin") return Role::kAdmin;
  return std::nullopt;
}

constexpr bool IsStaff(Role r) { return r != Role::kCustomer; }

/// Who is calling: set by the authentication middleware from a verified access token and the
/// user's current row (so a role change or deactivation takes effect at once).
struct Principal {
  std::int64_t user_id = 0;
  Role role = Role::kCustomer;
  std::string jti;
  std::int64_t issued_at = 0;
};

}  // namespace emporium
