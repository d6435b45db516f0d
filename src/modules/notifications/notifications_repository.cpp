#include "modules/notifications/notifications_repository.hpp"

#include <soci/soci.h>

#include <boost/json/parse.hpp>

#include "core/json_text.hpp"
#include "db/binds.hpp"
#include "db/database.hpp"
#include "db/rows.hpp"

namespace emporium::notifications {

namespace json = boost::json;

namespace {

constexpr const char* kInsert =
    "INSERT INTO notifications (user_id, type, title, body, data, link, dedupe_key, created_at) "
    "VALUES (:user_id, :type, :title, :body, :data, :link, :dedupe_key, :created_at)";
// As for job unique keys: SQLite skips a duplicate key in the statement itself; MariaDB reports it
// (1062) and keeps the caller's transaction open. One statement either way, no look-up first.
constexpr const char* kInsertSqliteTail = " ON CONFLICT (dedupe_key) DO NOTHING";
constexpr const char* kColumns =
    "SELECT id, user_id, type, title, body, data, link, dedupe_key, read_at, created_at FROM notifications ";
// The unread filter is switched by a flag so the statement text stays constant.
constexpr const char* kListWhere =
    "WHERE user_id = :user_id AND id < :before_id AND (:all = 1 OR read_at IS NULL) ORDER BY id DESC LIMIT :limit";
constexpr const char* kFindWhere = "WHERE id = :id AND user_id = :user_id";
constexpr const char* kUnreadCount = "SELECT COUNT(*) FROM notifications WHERE user_id = :user_id AND read_at IS NULL";
constexpr const char* kMarkRead =
    "UPDATE notifications SET read_at = COALESCE(read_at, :now) WHERE id = :id AND user_id = :user_id";
constexpr const char* kMarkAllRead =
    "UPDATE notifications SET read_at = :now WHERE user_id = :user_id AND read_at IS NULL";
constexpr const char* kDelete = "DELETE FROM notifications WHERE id = :id AND user_id = :user_id";

constexpr const char* kPreferences =
    "SELECT event_type, channel, enabled FROM notification_preferences WHERE user_id = :user_id";
constexpr const char* kUpsertPreferenceSqlite =
    "INSERT INTO notification_preferences (user_id, event_type, channel, enabled, updated_at) "
    "VALUES (:user_id, :event_type, :channel, :enabled, :now) "
    "ON CONFLICT (user_id, event_type, channel) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at";
constexpr const char* kUpsertPreferenceMariaDb =
    "INSERT INTO notification_preferences (user_id, event_type, channel, enabled, updated_at) "
    "VALUES (:user_id, :event_type, :channel, :enabled, :now) "
    "ON DUPLICATE KEY UPDATE enabled = VALUES(enabled), updated_at = VALUES(updated_at)";

constexpr const char* kInsertBroadcast =
    "INSERT INTO notification_broadcasts (title, body, link, channels, audience_type, audience_plan, status, "
    "recipients, batches, created_by, created_at) "
    "VALUES (:title, :body, :link, :channels, :audience_type, :audience_plan, :status, 0, 0, :created_by, :created_at) "
    "RETURNING id";
constexpr const char* kFindBroadcast =
    "SELECT id, title, body, link, channels, audience_type, audience_plan, status, recipients, batches, created_by, "
    "created_at, finished_at FROM notification_broadcasts WHERE id = :id";
constexpr const char* kRecordBatch =
    "UPDATE notification_broadcasts SET batches = :batch, recipients = recipients + :reached, status = :status, "
    "finished_at = :finished_at WHERE id = :id";

Notification ToNotification(const db::Row& r) {
  Notification n;
  n.id = db::RowInt(r, 0);
  n.user_id = db::RowInt(r, 1);
  n.type = db::RowStr(r, 2);
  n.title = db::RowStr(r, 3);
  n.body = db::RowStr(r, 4);
  // Written only by Insert from a JSON object: anything else would be a corrupted row, read as {}.
  boost::system::error_code ec;
  auto data = json::parse(db::RowStr(r, 5), ec);
  if (!ec && data.is_object()) n.data = std::move(data.as_object());
  n.link = db::RowOptStr(r, 6);
  n.dedupe_key = db::RowOptStr(r, 7);
  n.read_at = db::RowOptInt(r, 8);
  n.created_at = db::RowInt(r, 9);
  return n;
}

std::string ChannelsText(const Broadcast& b) {
  if (b.in_app && b.email) return "in_app,email";
  return b.email ? "email" : "in_app";
}

}  // namespace

std::optional<std::int64_t> NotificationsRepository::Insert(db::Tx& tx, const Notification& n) const {
  db::Binds b;
  b.Int(n.user_id).Str(n.type).Str(n.title).Str(n.body).Str(core::JsonText(n.data)).OptStr(n.link);
  b.OptStr(n.dedupe_key).Int(n.created_at);
  const bool sqlite = tx.dialect == db::Dialect::kSqlite;
  try {
    // Empty when the fact was already notified.
    return db::InsertOne(tx, std::string(kInsert) + (sqlite ? kInsertSqliteTail : ""), std::move(b));
  } catch (const std::exception& e) {
    if (sqlite || !n.dedupe_key || !db::IsUniqueViolation(e)) throw;
  }
  return std::nullopt;
}

std::vector<Notification> NotificationsRepository::List(db::Tx& tx, std::int64_t user_id, bool unread_only,
                                                        std::optional<std::int64_t> before_id, int limit) const {
  db::Binds b;
  b.Int(user_id).Int(before_id.value_or(INT64_MAX)).Int(unread_only ? 0 : 1).Int(limit);
  std::vector<Notification> out;
  db::Rows(tx, std::string(kColumns) + kListWhere, std::move(b),
           [&](const db::Row& r) { out.push_back(ToNotification(r)); });
  return out;
}

std::int64_t NotificationsRepository::UnreadCount(db::Tx& tx, std::int64_t user_id) const {
  std::int64_t count = 0;
  db::Binds b;
  b.Int(user_id);
  db::Rows(tx, kUnreadCount, std::move(b), [&](const db::Row& r) { count = db::RowInt(r, 0); });
  return count;
}

std::optional<Notification> NotificationsRepository::Find(db::Tx& tx, std::int64_t id, std::int64_t user_id) const {
  std::optional<Notification> out;
  db::Binds b;
  b.Int(id).Int(user_id);
  db::Rows(tx, std::string(kColumns) + kFindWhere, std::move(b), [&](const db::Row& r) { out = ToNotification(r); });
  return out;
}

void NotificationsRepository::MarkRead(db::Tx& tx, std::int64_t id, std::int64_t user_id, std::int64_t now) const {
  db::Binds b;
  b.Int(now).Int(id).Int(user_id);
  db::Exec(tx, kMarkRead, std::move(b));
}

std::int64_t NotificationsRepository::MarkAllRead(db::Tx& tx, std::int64_t user_id, std::int64_t now) const {
  db::Binds b;
  b.Int(now).Int(user_id);
  return db::Exec(tx, kMarkAllRead, std::move(b));
}

bool NotificationsRepository::Delete(db::Tx& tx, std::int64_t id, std::int64_t user_id) const {
  db::Binds b;
  b.Int(id).Int(user_id);
  return db::Exec(tx, kDelete, std::move(b)) > 0;
}

std::vector<PreferenceRow> NotificationsRepository::Preferences(db::Tx& tx, std::int64_t user_id) const {
  std::vector<PreferenceRow> out;
  db::Binds b;
  b.Int(user_id);
  db::Rows(tx, kPreferences, std::move(b), [&](const db::Row& r) {
    out.push_back({db::RowStr(r, 0), db::RowStr(r, 1), db::RowInt(r, 2) != 0});
  });
  return out;
}

void NotificationsRepository::SetPreference(db::Tx& tx, std::int64_t user_id, const std::string& event_type,
                                            const std::string& channel, bool enabled, std::int64_t now) const {
  db::Binds b;
  b.Int(user_id).Str(event_type).Str(channel).Int(enabled ? 1 : 0).Int(now);
  db::Exec(tx, tx.dialect == db::Dialect::kMariaDb ? kUpsertPreferenceMariaDb : kUpsertPreferenceSqlite,
           std::move(b));
}

std::int64_t NotificationsRepository::InsertBroadcast(db::Tx& tx, const Broadcast& bc) const {
  db::Binds b;
  b.Str(bc.title).Str(bc.body).OptStr(bc.link).Str(ChannelsText(bc)).Str(bc.audience_type).OptStr(bc.audience_plan);
  b.Str(std::string(StatusName(bc.status))).OptInt(bc.created_by).Int(bc.created_at);
  std::int64_t id = 0;
  db::Rows(tx, kInsertBroadcast, std::move(b), [&](const db::Row& r) { id = db::RowInt(r, 0); });
  return id;
}

std::optional<Broadcast> NotificationsRepository::FindBroadcast(db::Tx& tx, std::int64_t id) const {
  std::optional<Broadcast> out;
  db::Binds b;
  b.Int(id);
  db::Rows(tx, kFindBroadcast, std::move(b), [&](const db::Row& r) {
    Broadcast bc;
    bc.id = db::RowInt(r, 0);
    bc.title = db::RowStr(r, 1);
    bc.body = db::RowStr(r, 2);
    bc.link = db::RowOptStr(r, 3);
    const auto channels = db::RowStr(r, 4);
    bc.in_app = channels.find("in_app") != std::string::npos;
    bc.email = channels.find("email") != std::string::npos;
    bc.audience_type = db::RowStr(r, 5);
    bc.audience_plan = db::RowOptStr(r, 6);
    bc.status = ParseBroadcastStatus(db::RowStr(r, 7)).value_or(BroadcastStatus::kQueued);
    bc.recipients = db::RowInt(r, 8);
    bc.batches = static_cast<int>(db::RowInt(r, 9));
    bc.created_by = db::RowOptInt(r, 10);
    bc.created_at = db::RowInt(r, 11);
    bc.finished_at = db::RowOptInt(r, 12);
    out = std::move(bc);
  });
  return out;
}

void NotificationsRepository::RecordBatch(db::Tx& tx, std::int64_t id, int batch, std::int64_t reached,
                                          BroadcastStatus status, std::optional<std::int64_t> finished_at) const {
  db::Binds b;
  b.Int(batch).Int(reached).Str(std::string(StatusName(status))).OptInt(finished_at).Int(id);
  db::Exec(tx, kRecordBatch, std::move(b));
}

}  // namespace emporium::notifications
