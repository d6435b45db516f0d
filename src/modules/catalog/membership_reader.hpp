#pragma once
// How the catalog learns whether a caller may see members-only products (exclusive_until in the
// future). Memberships are a later module; until then NoMemberships says nobody is a member.
// Staff (manager, admin) see every product whatever the reader says: the catalog checks that itself.

#include <cstdint>
#include <optional>

#include "core/roles.hpp"

namespace emporium::catalog {

class MembershipReader {
 public:
  virtual ~MembershipReader() = default;
  /// True when `who` (nullopt: an anonymous caller) holds a membership whose plan grants exclusive
  /// products at `now` (Unix seconds). Called on the request path: must be cheap and thread-safe.
  virtual bool CanSeeExclusive(const std::optional<Principal>& who, std::int64_t now) const = 0;
};

/// The first implementation: nobody is a member.
class NoMemberships final : public MembershipReader {
 public:
  bool CanSeeExclusive(const std::optional<Principal>&, std::int64_t) const override { return false; }
};

}  // namespace emporium::catalog
