#include "modules/notifications/notifications_service.hpp"

#include <algorithm>

#include "core/cursor.hpp"
#include "core/log.hpp"

namespace emporium::notifications {

namespace json = boost::json;

namespace {

constexpr int kStaffLimit = 1000;  // managers and admins of one shop: far fewer in practice
constexpr const char* kBroadcastTemplate = "notifications_broadcast";

std::shared_ptr<spdlog::logger> Log() { return core::Logger("notifications"); }

/// The shop name from MAIL_FROM ("Test Shop <no-reply@...>" → "Test Shop").
std::string StoreNameFrom(const std::string& from) {
  auto name = from.substr(0, from.find('<'));
  while (!name.empty() && (name.back() == ' ' || name.back() == '"')) name.pop_back();
  while (!name.empty() && (name.front() == ' ' || name.front() == '"')) name.erase(name.begin());
  if (name.empty() || name.find('@') != std::string::npos) return "Emporium";
  return name;
}

std::string WithoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::optional<std::int64_t> IntField(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) return std::nullopt;
  return v->as_int64();
}

}  // namespace

NotificationsService::NotificationsService(db::Database& db, const core::Config& config, const core::Clock& clock,
                                           auth::AuthModule& auth, infra::MailService& mail,
                                           infra::jobs::JobQueue& jobs, audit::AuditLog& audit,
                                           infra::EventBus* events, const PlanDirectory& plans,
                                           int broadcast_batch_size)
    : db_(db),
      clock_(clock),
      auth_(auth),
      mail_(mail),
      jobs_(jobs),
      audit_(audit),
      events_(events),
      plans_(plans),
      batch_size_(std::clamp(broadcast_batch_size, 1, 1000)),
      store_name_(StoreNameFrom(config.mail_from)),
      public_url_(WithoutTrailingSlash(config.public_url)) {}

// ---- The Notifier ----------------------------------------------------------------------------------

Status NotificationsService::Notify(db::Tx& tx, const NotificationRequest& request) {
  const EventType* type = FindEventType(request.event_type);
  if (type == nullptr) return Error::Invalid("event_type", "unknown event type \"" + request.event_type + "\"");
  auto user = auth_.FindUser(tx, request.user_id);
  if (!user) {
    Log()->warn(R"({{"msg":"notification skipped: no such user","user_id":{},"event_type":"{}"}})", request.user_id,
                core::JsonEscape(request.event_type));
    return OkStatus();
  }
  return NotifyUser(tx, request, *type, *user);
}

Status NotificationsService::NotifyStaff(db::Tx& tx, const NotificationRequest& request) {
  const EventType* type = FindEventType(request.event_type);
  if (type == nullptr) return Error::Invalid("event_type", "unknown event type \"" + request.event_type + "\"");
  for (const Role role : {Role::kManager, Role::kAdmin}) {
    for (const auto& user : auth_.ListActiveUsers(tx, role, std::nullopt, kStaffLimit)) {
      EMP_TRY(NotifyUser(tx, request, *type, user));
    }
  }
  return OkStatus();
}

Status NotificationsService::NotifyUser(db::Tx& tx, const NotificationRequest& request, const EventType& type,
                                        const auth::UserView& user) {
  if (!OfferedTo(type, user.role)) return OkStatus();
  const Preference pref = Effective(type, repo_.Preferences(tx, user.id));
  if (pref.in_app && request.in_app) InsertInApp(tx, request, user.id);
  if (pref.email && !request.email_template.empty()) EMP_TRY(EnqueueMail(tx, request, user));
  return OkStatus();
}

std::optional<std::int64_t> NotificationsService::InsertInApp(db::Tx& tx, const NotificationRequest& request,
                                                              std::int64_t user_id) {
  Notification n;
  n.user_id = user_id;
  n.type = request.event_type;
  n.title = request.title;
  n.body = request.body;
  n.data = request.data;
  n.link = request.link;
  if (!request.dedupe_key.empty()) {
    n.dedupe_key = request.event_type + ":" + request.dedupe_key + ":" + std::to_string(user_id);
  }
  n.created_at = clock_.NowSeconds();
  auto id = repo_.Insert(tx, n);
  if (!id) return std::nullopt;
  n.id = *id;
  if (events_ != nullptr) {
    json::object payload{{"user_id", user_id}, {"notification", ToJson(n)}};
    tx.AfterCommit([events = events_, payload = std::move(payload)] { events->Publish("notification.created", payload); });
  }
  return id;
}

Status NotificationsService::EnqueueMail(db::Tx& tx, const NotificationRequest& request, const auth::UserView& user) {
  auto values = request.email_values;
  values.emplace("first_name", user.first_name.empty() ? "there" : user.first_name);
  values.emplace("store_name", store_name_);
  values.emplace("title", request.title);
  values.emplace("body", request.body);
  values.emplace("link", request.link ? public_url_ + *request.link : public_url_);
  std::optional<std::string> unique_key;
  if (!request.dedupe_key.empty()) {
    unique_key = "mail:" + request.event_type + ":" + request.dedupe_key + ":" + std::to_string(user.id);
  }
  return mail_.SendTemplate(tx, request.email_template, user.email, values, unique_key);
}

// ---- The user's notifications -----------------------------------------------------------------------

Result<NotificationPage> NotificationsService::List(std::int64_t user_id, bool unread_only,
                                                    const std::optional<std::string>& cursor, int limit) {
  std::optional<std::int64_t> before_id;
  if (cursor) {
    before_id = core::DecodeIdCursor(*cursor);
    if (!before_id) return Error::Invalid("cursor", "is not a cursor this list returned");
  }
  limit = std::clamp(limit, 1, 100);
  return db_.Read([&](db::Tx& tx) -> Result<NotificationPage> {
    NotificationPage page;
    page.items = repo_.List(tx, user_id, unread_only, before_id, limit + 1);
    if (static_cast<int>(page.items.size()) > limit) {
      page.items.resize(limit);
      page.next_cursor = core::EncodeIdCursor(page.items.back().id);
    }
    page.unread_count = repo_.UnreadCount(tx, user_id);
    return page;
  });
}

Result<Notification> NotificationsService::MarkRead(std::int64_t user_id, std::int64_t id) {
  return db_.Write([&](db::Tx& tx) -> Result<Notification> {
    auto n = repo_.Find(tx, id, user_id);
    if (!n) return Error::NotFound("The notification does not exist.");
    if (!n->read_at) {
      n->read_at = clock_.NowSeconds();
      repo_.MarkRead(tx, id, user_id, *n->read_at);
    }
    return std::move(*n);
  });
}

Result<std::int64_t> NotificationsService::MarkAllRead(std::int64_t user_id) {
  return db_.Write([&](db::Tx& tx) -> Result<std::int64_t> {
    return repo_.MarkAllRead(tx, user_id, clock_.NowSeconds());
  });
}

Status NotificationsService::Delete(std::int64_t user_id, std::int64_t id) {
  return db_.Write([&](db::Tx& tx) -> Status {
    if (!repo_.Delete(tx, id, user_id)) return Error::NotFound("The notification does not exist.");
    return OkStatus();
  });
}

// ---- Preferences ------------------------------------------------------------------------------------

Result<std::vector<Preference>> NotificationsService::Preferences(const Principal& who) {
  return db_.Read([&](db::Tx& tx) -> Result<std::vector<Preference>> {
    const auto rows = repo_.Preferences(tx, who.user_id);
    std::vector<Preference> out;
    for (const auto& type : EventTypes()) {
      if (OfferedTo(type, who.role)) out.push_back(Effective(type, rows));
    }
    return out;
  });
}

Result<std::vector<Preference>> NotificationsService::UpdatePreferences(const Principal& who,
                                                                        const std::vector<PreferenceChange>& changes) {
  Error invalid = Error::Invalid("", "");
  invalid.fields.clear();
  for (const auto& c : changes) {
    const auto field = c.event_type + "." + c.channel;
    const EventType* type = FindEventType(c.event_type);
    if (type == nullptr || !OfferedTo(*type, who.role)) {
      invalid.fields.push_back({c.event_type, "is not a notification event type"});
    } else if (c.channel != kEmail && c.channel != kInApp) {
      invalid.fields.push_back({field, "is not a channel (email, in_app)"});
    } else if (c.channel == kInApp && !type->in_app) {
      invalid.fields.push_back({field, "this event has no in-app notification"});
    } else if (c.channel == kEmail && type->transactional_email && !c.enabled) {
      invalid.fields.push_back({field, "is a transactional e-mail and cannot be switched off"});
    }
  }
  if (!invalid.fields.empty()) {
    invalid.field = invalid.fields.front().field;
    return invalid;
  }
  EMP_TRY(db_.Write([&](db::Tx& tx) -> Status {
    const auto now = clock_.NowSeconds();
    for (const auto& c : changes) repo_.SetPreference(tx, who.user_id, c.event_type, c.channel, c.enabled, now);
    return OkStatus();
  }));
  return Preferences(who);
}

// ---- Broadcasts -------------------------------------------------------------------------------------

Result<Broadcast> NotificationsService::StartBroadcast(const BroadcastInput& in, audit::AuditEntry audit) {
  if (in.audience_type == "plan" && (!in.audience_plan || !plans_.PlanExists(*in.audience_plan))) {
    return Error::Invalid("audience.plan", "is not a known membership plan");
  }
  Broadcast b;
  b.title = in.title;
  b.body = in.body;
  b.link = in.link;
  b.in_app = in.in_app;
  b.email = in.email;
  b.audience_type = in.audience_type;
  if (in.audience_type == "plan") b.audience_plan = in.audience_plan;
  b.created_by = audit.actor_id;
  b.created_at = clock_.NowSeconds();
  return db_.Write([&](db::Tx& tx) -> Result<Broadcast> {
    b.id = repo_.InsertBroadcast(tx, b);
    audit.resource_id = b.id;
    audit.details = {{"title", b.title}, {"audience", ToJson(b).at("audience")}, {"channels", ToJson(b).at("channels")}};
    EMP_TRY(audit_.Record(tx, audit));
    EMP_TRY(EnqueueBatch(tx, b.id, 1, std::nullopt));
    return b;
  });
}

Result<Broadcast> NotificationsService::GetBroadcast(std::int64_t id) {
  return db_.Read([&](db::Tx& tx) -> Result<Broadcast> {
    auto b = repo_.FindBroadcast(tx, id);
    if (!b) return Error::NotFound("The broadcast does not exist.");
    return std::move(*b);
  });
}

Status NotificationsService::EnqueueBatch(db::Tx& tx, std::int64_t broadcast_id, int batch,
                                          std::optional<std::int64_t> before_id) {
  json::object payload{{"broadcast_id", broadcast_id}, {"batch", batch}};
  payload["before_id"] = before_id ? json::value(*before_id) : json::value(nullptr);
  EMP_TRY(jobs_.Enqueue(tx, {.queue = "notifications",
                            .type = kBroadcastJob,
                            .payload = std::move(payload),
                            .unique_key = "broadcast:" + std::to_string(broadcast_id) + ":" + std::to_string(batch)}));
  return OkStatus();
}

// One batch = one transaction: its in-app rows, its mail jobs, the broadcast's progress and the next
// batch's job commit together or not at all. A batch job that runs again after its transaction
// committed (the runner died before marking it done) finds `batches` already at its number and does
// nothing; belt and braces, every notification and mail job of a broadcast also carries a key unique
// per (broadcast, user). So each audience member is reached at most once, and every batch runs until
// one commits.
Status NotificationsService::RunBroadcastBatch(const infra::jobs::Job& job) {
  const auto broadcast_id = IntField(job.payload, "broadcast_id");
  const auto batch = IntField(job.payload, "batch");
  if (!broadcast_id || !batch || *batch < 1) return Error::Invalid("payload", "needs broadcast_id and batch");
  const auto before_id = IntField(job.payload, "before_id");
  return db_.Write([&](db::Tx& tx) -> Status {
    auto b = repo_.FindBroadcast(tx, *broadcast_id);
    if (!b) return Error::NotFound("The broadcast does not exist.");
    if (b->batches >= *batch) return OkStatus();
    const auto users = auth_.ListActiveUsers(tx, Role::kCustomer, before_id, batch_size_);
    const EventType& type = *FindEventType("broadcast");
    std::int64_t reached = 0;
    for (const auto& user : users) {
      if (b->audience_plan && !plans_.IsMember(tx, user.id, *b->audience_plan)) continue;
      NotificationRequest request{.user_id = user.id,
                                  .event_type = "broadcast",
                                  .title = b->title,
                                  .body = b->body,
                                  .data = {{"broadcast_id", b->id}},
                                  .link = b->link,
                                  .dedupe_key = std::to_string(b->id),
                                  .in_app = b->in_app,
                                  .email_template = b->email ? kBroadcastTemplate : ""};
      EMP_TRY(NotifyUser(tx, request, type, user));
      ++reached;
    }
    const bool last = static_cast<int>(users.size()) < batch_size_;
    const auto now = clock_.NowSeconds();
    repo_.RecordBatch(tx, b->id, static_cast<int>(*batch), reached,
                      last ? BroadcastStatus::kDone : BroadcastStatus::kSending,
                      last ? std::optional(now) : std::nullopt);
    if (!last) EMP_TRY(EnqueueBatch(tx, b->id, static_cast<int>(*batch) + 1, users.back().id));
    return OkStatus();
  });
}

}  // namespace emporium::notifications
