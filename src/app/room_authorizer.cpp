#include "app/room_authorizer.hpp"

#include <charconv>
#include <optional>

#include "db/database.hpp"
#include "modules/orders/orders_module.hpp"

namespace emporium::app {

namespace {

/// Roles that see every customer's events (support answers them, managers and admins run the shop).
bool SeesEveryone(Role role) { return role == Role::kSupport || role == Role::kManager || role == Role::kAdmin; }

/// The positive id after `prefix`: plain decimal digits only ("order:017" and "order:+1" are not rooms).
std::optional<std::int64_t> IdAfter(std::string_view room, std::string_view prefix) {
  const std::string_view digits = room.substr(prefix.size());
  if (digits.empty() || digits.front() == '0') return std::nullopt;
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || end != digits.data() + digits.size() || id <= 0) return std::nullopt;
  return id;
}

Error Malformed() { return Error::Invalid("data.room", "must be user:{id}, order:{id}, support:{id} or admin"); }

}  // namespace

Status OrderRoomAuthorizer::MayJoin(const Principal& who, std::string_view room) {
  if (room == "admin") return SeesEveryone(who.role) ? OkStatus() : Status(Error::Forbidden("Staff only."));
  if (room.starts_with("user:")) {
    const auto id = IdAfter(room, "user:");
    if (!id) return Malformed();
    if (*id == who.user_id || SeesEveryone(who.role)) return OkStatus();
    return Error::Forbidden("You may only subscribe to your own user room.");
  }
  if (room.starts_with("order:")) {
    const auto id = IdAfter(room, "order:");
    if (!id) return Malformed();
    return MayJoinOrder(who, *id);
  }
  if (room.starts_with("support:")) {
    if (!IdAfter(room, "support:")) return Malformed();
    return Error::NotFound("Support chats are not available yet.");
  }
  return Malformed();
}

Status OrderRoomAuthorizer::MayJoinOrder(const Principal& who, std::int64_t order_id) {
  auto order = db_.Read([&](db::Tx& tx) { return orders_.Get(tx, order_id); });
  if (!order) {
    if (order.error().code != ErrorCode::kNotFound) return order.error();
    if (SeesEveryone(who.role)) return Error::NotFound("No such order.");
    return Error::Forbidden("You may only subscribe to your own orders.");
  }
  const bool owner = order->user_id == who.user_id;
  const bool courier = who.role == Role::kCourier && order->courier_id == who.user_id;
  if (owner || courier || SeesEveryone(who.role)) return OkStatus();
  return Error::Forbidden("You may only subscribe to your own orders.");
}

std::vector<std::string> OrderRoomAuthorizer::DefaultRooms(const Principal& who) {
  std::vector<std::string> rooms{"user:" + std::to_string(who.user_id)};
  if (SeesEveryone(who.role)) rooms.emplace_back("admin");
  return rooms;
}

}  // namespace emporium::app
