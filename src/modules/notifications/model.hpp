#pragma once
// Value types of the notifications module: the event types users can be notified of, stored
// notifications, channel preferences and admin broadcasts.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/roles.hpp"

namespace emporium::notifications {

inline constexpr std::string_view kEmail = "email";
inline constexpr std::string_view kInApp = "in_app";

/// An event type a user can be notified of, and what may be switched off.
struct EventType {
  std::string_view name;          ///< "order.paid"
  std::string_view description;   ///< shown next to the switches
  bool staff_only = false;        ///< offered to managers and admins only (low stock)
  bool transactional_email = false;  ///< the e-mail cannot be switched off (receipts, account security)
  bool in_app = true;             ///< has an in-app notification (account mails do not)
  bool email_by_default = true;   ///< the e-mail switch of a customer who never touched it
};

/// Every event type, in the order the preferences route lists them.
std::span<const EventType> EventTypes();
/// The event type of that name, or null.
const EventType* FindEventType(std::string_view name);
/// True when `role` is offered this event type.
bool OfferedTo(const EventType& type, Role role);

struct Notification {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string type;
  std::string title;
  std::string body;
  boost::json::object data;
  std::optional<std::string> link;
  std::optional<std::string> dedupe_key;
  std::optional<std::int64_t> read_at;
  std::int64_t created_at = 0;
};

/// {id, type, title, body, data, link|null, read, read_at|null, created_at} (RFC 3339 times).
boost::json::object ToJson(const Notification& n);

/// A user's effective switches for one event type (defaults applied, transactional forced on).
struct Preference {
  const EventType* type = nullptr;
  bool email = true;
  bool in_app = true;
};

/// A stored choice: one (event type, channel) switch that the user set.
struct PreferenceRow {
  std::string event_type;
  std::string channel;
  bool enabled = true;
};

/// The effective switches of `type` given the user's stored rows.
Preference Effective(const EventType& type, const std::vector<PreferenceRow>& rows);

/// {event_type, description, email, in_app|null, email_locked}: in_app is null for types without an
/// in-app notification; email_locked is true for transactional e-mails.
boost::json::object ToJson(const Preference& p);

enum class BroadcastStatus { kQueued, kSending, kDone };
std::string_view StatusName(BroadcastStatus s);
std::optional<BroadcastStatus> ParseBroadcastStatus(std::string_view s);

struct Broadcast {
  std::int64_t id = 0;
  std::string title;
  std::string body;
  std::optional<std::string> link;
  bool in_app = true;
  bool email = false;
  std::string audience_type;                ///< "all_customers" or "plan"
  std::optional<std::string> audience_plan;  ///< for "plan"
  BroadcastStatus status = BroadcastStatus::kQueued;
  std::int64_t recipients = 0;  ///< audience members reached so far (in-app and/or e-mail per their preferences)
  int batches = 0;              ///< batches completed
  std::optional<std::int64_t> created_by;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> finished_at;
};

/// {id, title, body, link, channels[], audience{type, plan?}, status, recipients, batches,
///  created_by, created_at, finished_at}.
boost::json::object ToJson(const Broadcast& b);

}  // namespace emporium::notifications
