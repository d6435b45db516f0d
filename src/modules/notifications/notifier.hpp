#pragma once
// The one thing other modules need from notifications: tell a user (or the staff) about a fact,
// inside the transaction that made the fact true. Tiny on purpose, so orders, refunds and catalog
// can include it without the notifications module's routes, repository or jobs.
//
//   EMP_TRY(notifier.Notify(tx, {.user_id = order.user_id,
//                                .event_type = "order.shipped",
//                                .title = "Your order is on its way",
//                                .body = "Order EMP-2027-7K4Q2M8W has shipped.",
//                                .data = {{"order_id", order.id}},
//                                .link = "/orders/42",
//                                .dedupe_key = "order:42",
//                                .email_template = "notifications_order_shipped",
//                                .email_values = {{"number", order.number}}}));

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace emporium::db {
class Tx;
}

namespace emporium::notifications {

struct NotificationRequest {
  std::int64_t user_id = 0;  ///< the recipient (ignored by NotifyStaff)
  std::string event_type;    ///< one of EventTypes() (model.hpp), e.g. "order.paid"
  std::string title;         ///< in-app title (≤ 200 characters)
  std::string body;          ///< in-app text
  boost::json::object data;  ///< machine-readable details for clients, e.g. {"order_id": 42}
  std::optional<std::string> link;  ///< where a click leads, relative to the shop ("/orders/42")
  /// Identifies the fact ("order:42"): with the event type and the user it makes the in-app row and
  /// the mail job unique, so a re-run of the caller cannot notify twice. Empty = no de-duplication.
  std::string dedupe_key;
  bool in_app = true;          ///< false: no in-app notification whatever the preference (e-mail-only broadcasts)
  std::string email_template;  ///< templates/email/<name>.*.mustache; empty = no e-mail for this event
  /// Template values (strings only). first_name, store_name, title, body and link are added when absent.
  std::map<std::string, std::string> email_values;
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  /// In the caller's transaction, honouring the recipient's preferences for the event type: inserts
  /// the in-app notification (published as "notification.created" after commit) and enqueues the
  /// e-mail as a durable job. Transactional e-mails (receipts) are sent whatever the preference. A
  /// deleted or unknown recipient is skipped. kInvalidArgument for an unknown event type (a bug in
  /// the caller); kInternal for a broken e-mail template.
  virtual Status Notify(db::Tx& tx, const NotificationRequest& request) = 0;
  /// The same for every active manager and admin (low stock), each per their own preferences.
  virtual Status NotifyStaff(db::Tx& tx, const NotificationRequest& request) = 0;
};

}  // namespace emporium::notifications
