#pragma once
// Who may join which real-time room, from the modules' facades (the transports in src/http know
// nothing of orders or roles beyond the Principal).
//
//   user:{id}      the user themself, or support/manager/admin
//   order:{id}     the order's customer, its assigned courier, or support/manager/admin
//   admin          support, manager, admin
//   support:{chat} not served yet (kNotFound) until the support chat exists
// A customer asking for an order that is not theirs gets kForbidden whether or not the order
// exists, so room names cannot be used to count orders.

#include <string>
#include <string_view>
#include <vector>

#include "http/realtime.hpp"

namespace emporium::db {
class Database;
}
namespace emporium::orders {
class OrdersModule;
}

namespace emporium::app {

class OrderRoomAuthorizer final : public http::RoomAuthorizer {
 public:
  /// Both references must outlive the authorizer.
  OrderRoomAuthorizer(db::Database& db, orders::OrdersModule& orders) : db_(db), orders_(orders) {}

  Status MayJoin(const Principal& who, std::string_view room) override;
  std::vector<std::string> DefaultRooms(const Principal& who) override;

 private:
  Status MayJoinOrder(const Principal& who, std::int64_t order_id);

  db::Database& db_;
  orders::OrdersModule& orders_;
};

}  // namespace emporium::app
