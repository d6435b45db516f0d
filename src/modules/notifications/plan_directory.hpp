#pragma once
// Who is on which membership plan, as the broadcast audience "plan" needs it. Memberships are a later
// module; until then EveryoneOnFree says every customer is on the "free" plan and no other plan
// exists (so a broadcast to any other plan is a 422).

#include <cstdint>
#include <string_view>

namespace emporium::db {
class Tx;
}

namespace emporium::notifications {

class PlanDirectory {
 public:
  virtual ~PlanDirectory() = default;
  /// True when a plan of that name exists (an unknown plan is a 422 at the edge).
  virtual bool PlanExists(std::string_view plan) const = 0;
  /// True when `user_id` currently belongs to `plan`, read in the caller's transaction.
  virtual bool IsMember(db::Tx& tx, std::int64_t user_id, std::string_view plan) const = 0;
};

/// The first implementation: one plan, "free", and every customer is on it.
class EveryoneOnFree final : public PlanDirectory {
 public:
  static constexpr std::string_view kFree = "free";
  bool PlanExists(std::string_view plan) const override { return plan == kFree; }
  bool IsMember(db::Tx&, std::int64_t, std::string_view plan) const override { return plan == kFree; }
};

}  // namespace emporium::notifications
