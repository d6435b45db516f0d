#include "infra/realtime/room_registry.hpp"

#include <algorithm>
#include <functional>

namespace emporium::infra::realtime {

RoomRegistry::RoomShard& RoomRegistry::ShardFor(std::string_view room) const {
  return shards_[std::hash<std::string_view>{}(room) % kShards];
}

RoomRegistry::IndexShard& RoomRegistry::IndexFor(const Subscriber* subscriber) {
  return index_[std::hash<const Subscriber*>{}(subscriber) % kShards];
}

std::shared_ptr<const RoomRegistry::MemberList> RoomRegistry::Snapshot(const std::string& room) const {
  const RoomShard& shard = ShardFor(room);
  std::shared_lock lock(shard.mutex);
  const auto it = shard.rooms.find(room);
  return it == shard.rooms.end() ? nullptr : it->second;
}

bool RoomRegistry::Join(const std::string& room, const std::shared_ptr<Subscriber>& subscriber) {
  if (!subscriber) return false;
  IndexShard& index = IndexFor(subscriber.get());
  std::lock_guard index_lock(index.mutex);
  auto& rooms = index.rooms_of[subscriber.get()];
  if (std::find(rooms.begin(), rooms.end(), room) != rooms.end()) return false;
  rooms.push_back(room);
  return AddMember(room, subscriber);
}

bool RoomRegistry::Leave(const std::string& room, const Subscriber* subscriber) {
  IndexShard& index = IndexFor(subscriber);
  std::lock_guard index_lock(index.mutex);
  const auto entry = index.rooms_of.find(subscriber);
  if (entry == index.rooms_of.end()) return false;
  auto& rooms = entry->second;
  const auto it = std::find(rooms.begin(), rooms.end(), room);
  if (it == rooms.end()) return false;
  rooms.erase(it);
  if (rooms.empty()) index.rooms_of.erase(entry);
  return RemoveMember(room, subscriber);
}

std::vector<std::string> RoomRegistry::LeaveAll(const Subscriber* subscriber) {
  std::vector<std::string> emptied;
  IndexShard& index = IndexFor(subscriber);
  std::lock_guard index_lock(index.mutex);
  const auto entry = index.rooms_of.find(subscriber);
  if (entry == index.rooms_of.end()) return emptied;
  for (const auto& room : entry->second) {
    if (RemoveMember(room, subscriber)) emptied.push_back(room);
  }
  index.rooms_of.erase(entry);
  return emptied;
}

bool RoomRegistry::AddMember(const std::string& room, const std::shared_ptr<Subscriber>& subscriber) {
  RoomShard& shard = ShardFor(room);
  std::unique_lock lock(shard.mutex);
  auto& current = shard.rooms[room];
  const bool first = current == nullptr;
  auto next = std::make_shared<MemberList>();
  if (current) {
    next->reserve(current->size() + 1);
    // Sweep subscribers destroyed without leaving, so an abandoned entry costs one copy at most.
    for (const auto& m : *current) {
      if (!m.subscriber.expired()) next->push_back(m);
    }
  }
  next->push_back({subscriber.get(), subscriber});
  current = std::move(next);
  return first;
}

bool RoomRegistry::RemoveMember(const std::string& room, const Subscriber* subscriber) {
  RoomShard& shard = ShardFor(room);
  std::unique_lock lock(shard.mutex);
  const auto it = shard.rooms.find(room);
  if (it == shard.rooms.end()) return false;
  auto next = std::make_shared<MemberList>();
  next->reserve(it->second->size());
  for (const auto& m : *it->second) {
    if (m.key != subscriber && !m.subscriber.expired()) next->push_back(m);
  }
  if (next->empty()) {
    shard.rooms.erase(it);
    return true;
  }
  it->second = std::move(next);
  return false;
}

void RoomRegistry::Deliver(const std::shared_ptr<const Event>& event) const {
  const auto members = Snapshot(event->room);
  if (!members) return;
  for (const auto& m : *members) {
    if (auto subscriber = m.subscriber.lock()) subscriber->Deliver(event);
  }
}

std::size_t RoomRegistry::Members(const std::string& room) const {
  const auto members = Snapshot(room);
  if (!members) return 0;
  return static_cast<std::size_t>(
      std::count_if(members->begin(), members->end(), [](const Member& m) { return !m.subscriber.expired(); }));
}

std::size_t RoomRegistry::Rooms(std::string_view prefix) const {
  std::size_t count = 0;
  for (const auto& shard : shards_) {
    std::shared_lock lock(shard.mutex);
    for (const auto& [name, members] : shard.rooms) {
      if (!name.starts_with(prefix)) continue;
      if (std::any_of(members->begin(), members->end(), [](const Member& m) { return !m.subscriber.expired(); })) {
        ++count;
      }
    }
  }
  return count;
}

std::vector<std::string> RoomRegistry::RoomNames() const {
  std::vector<std::string> names;
  for (const auto& shard : shards_) {
    std::shared_lock lock(shard.mutex);
    for (const auto& [name, members] : shard.rooms) names.push_back(name);
  }
  return names;
}

bool RoomRegistry::Has(const std::string& room) const { return Snapshot(room) != nullptr; }

}  // namespace emporium::infra::realtime
