#include "modules/notifications/model.hpp"

#include <array>

#include "core/clock.hpp"

namespace emporium::notifications {

namespace json = boost::json;

namespace {

// Account mails are listed so that customers see why they cannot switch them off; they are sent by
// the auth module through MailService directly and have no in-app notification.
constexpr std::array kEventTypes{
    // In-app only unless asked for: a card payment succeeds within seconds and the receipt follows,
    // so a second e-mail per order is noise (and a mail job per checkout).
    EventType{"order.placed", "An order was placed and awaits payment.", false, false, true, false},
    EventType{"order.paid", "Payment received: the receipt.", false, true},
    EventType{"order.payment_failed", "A payment failed and the order was cancelled."},
    EventType{"order.shipped", "An order left the warehouse."},
    EventType{"order.out_for_delivery", "An order is out for delivery."},
    EventType{"order.delivered", "An order was delivered."},
    EventType{"order.cancelled", "An order was cancelled."},
    EventType{"refund.processed", "A refund was paid out."},
    EventType{"refund.request_approved", "A refund request was approved."},
    EventType{"refund.request_denied", "A refund request was denied."},
    EventType{"broadcast", "Announcements from the shop."},
    EventType{"inventory.low_stock", "A variant fell to its low-stock threshold.", true},
    EventType{"account.verification", "E-mail address verification.", false, true, false},
    EventType{"account.password_reset", "Password reset links.", false, true, false},
};

json::value OptTime(const std::optional<std::int64_t>& t) {
  return t ? json::value(core::FormatRfc3339(*t)) : json::value(nullptr);
}

json::value OptStr(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }

}  // namespace

std::span<const EventType> EventTypes() { return kEventTypes; }

const EventType* FindEventType(std::string_view name) {
  for (const auto& t : kEventTypes) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

bool OfferedTo(const EventType& type, Role role) {
  return !type.staff_only || role == Role::kManager || role == Role::kAdmin;
}

json::object ToJson(const Notification& n) {
  return {{"id", n.id},
          {"type", n.type},
          {"title", n.title},
          {"body", n.body},
          {"data", n.data},
          {"link", OptStr(n.link)},
          {"read", n.read_at.has_value()},
          {"read_at", OptTime(n.read_at)},
          {"created_at", core::FormatRfc3339(n.created_at)}};
}

Preference Effective(const EventType& type, const std::vector<PreferenceRow>& rows) {
  Preference p{.type = &type, .email = type.email_by_default, .in_app = type.in_app};
  for (const auto& row : rows) {
    if (row.event_type != type.name) continue;
    if (row.channel == kEmail) p.email = row.enabled;
    if (row.channel == kInApp) p.in_app = row.enabled;
  }
  if (type.transactional_email) p.email = true;
  if (!type.in_app) p.in_app = false;
  return p;
}

json::object ToJson(const Preference& p) {
  return {{"event_type", p.type->name},
          {"description", p.type->description},
          {"email", p.email},
          {"in_app", p.type->in_app ? json::value(p.in_app) : json::value(nullptr)},
          {"email_locked", p.type->transactional_email}};
}

std::string_view StatusName(BroadcastStatus s) {
  switch (s) {
    case BroadcastStatus::kQueued: return "queued";
    case BroadcastStatus::kSending: return "sending";
    case BroadcastStatus::kDone: return "done";
  }
  return "queued";
}

std::optional<BroadcastStatus> ParseBroadcastStatus(std::string_view s) {
  if (s == "queued") return BroadcastStatus::kQueued;
  if (s == "sending") return BroadcastStatus::kSending;
  if (s == "done") return BroadcastStatus::kDone;
  return std::nullopt;
}

json::object ToJson(const Broadcast& b) {
  json::array channels;
  if (b.in_app) channels.emplace_back(kInApp);
  if (b.email) channels.emplace_back(kEmail);
  json::object audience{{"type", b.audience_type}};
  if (b.audience_plan) audience["plan"] = *b.audience_plan;
  return {{"id", b.id},
          {"title", b.title},
          {"body", b.body},
          {"link", OptStr(b.link)},
          {"channels", std::move(channels)},
          {"audience", std::move(audience)},
          {"status", StatusName(b.status)},
          {"recipients", b.recipients},
          {"batches", b.batches},
          {"created_by", b.created_by ? json::value(*b.created_by) : json::value(nullptr)},
          {"created_at", core::FormatRfc3339(b.created_at)},
          {"finished_at", OptTime(b.finished_at)}};
}

}  // namespace emporium::notifications
