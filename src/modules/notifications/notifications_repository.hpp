#pragma once
// SQL of the notifications module: notifications, notification_preferences, notification_broadcasts.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "modules/notifications/model.hpp"

namespace emporium::notifications {

class NotificationsRepository {
 public:
  /// Inserts and returns the new id, or nullopt when a row with the same dedupe_key exists.
  std::optional<std::int64_t> Insert(db::Tx& tx, const Notification& n) const;
  /// The user's notifications newest first, ids below `before_id`, at most `limit`.
  std::vector<Notification> List(db::Tx& tx, std::int64_t user_id, bool unread_only,
                                 std::optional<std::int64_t> before_id, int limit) const;
  std::int64_t UnreadCount(db::Tx& tx, std::int64_t user_id) const;
  /// Null when absent or another user's.
  std::optional<Notification> Find(db::Tx& tx, std::int64_t id, std::int64_t user_id) const;
  /// Sets read_at unless already read (the caller checks the row exists and is the user's).
  void MarkRead(db::Tx& tx, std::int64_t id, std::int64_t user_id, std::int64_t now) const;
  /// Marks every unread notification of the user; returns how many.
  std::int64_t MarkAllRead(db::Tx& tx, std::int64_t user_id, std::int64_t now) const;
  /// False when absent or another user's.
  bool Delete(db::Tx& tx, std::int64_t id, std::int64_t user_id) const;

  std::vector<PreferenceRow> Preferences(db::Tx& tx, std::int64_t user_id) const;
  void SetPreference(db::Tx& tx, std::int64_t user_id, const std::string& event_type, const std::string& channel,
                     bool enabled, std::int64_t now) const;

  std::int64_t InsertBroadcast(db::Tx& tx, const Broadcast& b) const;
  std::optional<Broadcast> FindBroadcast(db::Tx& tx, std::int64_t id) const;
  /// Records a completed batch: batches = `batch`, recipients += `reached`, the new status.
  void RecordBatch(db::Tx& tx, std::int64_t id, int batch, std::int64_t reached, BroadcastStatus status,
                   std::optional<std::int64_t> finished_at) const;
};

}  // namespace emporium::notifications
