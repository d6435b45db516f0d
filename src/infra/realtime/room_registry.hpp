#pragma once
// This instance's rooms and the subscribers that joined them: the part both hubs share (the local
// hub delivers straight from it; the Redis hub delivers from it when Redis hands a message back).
//
// Layout, chosen for a publish path that never waits on a writer:
// - rooms are spread over kShards shards by hash, each with its own shared_mutex;
// - a room's members are an immutable vector behind a shared_ptr (copy-on-write). Deliver() takes
//   the shard's lock shared just long enough to copy that one pointer, then calls the subscribers
//   with no lock held, so a 1,000-subscriber room costs one atomic increment of locking and a
//   subscriber may Join/Leave from inside Deliver without deadlocking. Join/Leave copy the vector:
//   O(members), paid by the rare membership change rather than the frequent publish.
// - a reverse index (subscriber → rooms) makes LeaveAll proportional to the subscriber's own rooms.
//
// Subscribers are held weakly and identified by address; a destroyed subscriber's entry is skipped
// by Deliver and swept by the next membership change of its room.

#include <array>
#include <cstddef>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "infra/realtime/hub.hpp"

namespace emporium::infra::realtime {

class RoomRegistry {
 public:
  /// Adds `subscriber` to `room` (no-op when already a member). Returns true when the room had no
  /// member on this instance before (the Redis hub then subscribes to its channel).
  bool Join(const std::string& room, const std::shared_ptr<Subscriber>& subscriber);
  /// Removes `subscriber` from `room`. Returns true when the room is now empty on this instance.
  bool Leave(const std::string& room, const Subscriber* subscriber);
  /// Removes `subscriber` from every room; returns the rooms that became empty.
  std::vector<std::string> LeaveAll(const Subscriber* subscriber);

  /// Calls Deliver(event) on every live member of event->room. Never blocks on a subscriber.
  void Deliver(const std::shared_ptr<const Event>& event) const;

  /// Live members of `room`.
  std::size_t Members(const std::string& room) const;
  /// Rooms with at least one live member whose name starts with `prefix`.
  std::size_t Rooms(std::string_view prefix) const;
  /// Every room with at least one member entry (the Redis hub resubscribes to these after a reconnect).
  std::vector<std::string> RoomNames() const;
  /// True when the room has at least one member entry.
  bool Has(const std::string& room) const;

 private:
  struct Member {
    const Subscriber* key;
    std::weak_ptr<Subscriber> subscriber;
  };
  using MemberList = std::vector<Member>;

  static constexpr std::size_t kShards = 16;
  struct RoomShard {
    mutable std::shared_mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<const MemberList>> rooms;
  };
  struct IndexShard {
    std::mutex mutex;
    std::unordered_map<const Subscriber*, std::vector<std::string>> rooms_of;
  };

  RoomShard& ShardFor(std::string_view room) const;
  IndexShard& IndexFor(const Subscriber* subscriber);
  std::shared_ptr<const MemberList> Snapshot(const std::string& room) const;
  /// Both take the room's shard lock; callers hold the subscriber's index lock (order: index, room).
  bool AddMember(const std::string& room, const std::shared_ptr<Subscriber>& subscriber);
  bool RemoveMember(const std::string& room, const Subscriber* subscriber);

  mutable std::array<RoomShard, kShards> shards_;
  std::array<IndexShard, kShards> index_;
};

}  // namespace emporium::infra::realtime
