#pragma once
// The real-time hub: rooms ("user:42", "order:17", "admin", "support:9") and the connections that
// joined them on this instance. Publish() reaches every subscriber of the room on every instance:
// in-process with MakeLocalHub; with MakeRedisHub through Redis pub/sub (the event is PUBLISHed
// once, and each instance, this one included, delivers it to its own subscribers when Redis hands
// it back, so nobody receives it twice).
//
// Transports (/ws, /socket.io/) implement Subscriber. Events are serialised once per Publish and
// shared between subscribers.

#include <boost/json/object.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace emporium::infra {
class EventBus;
}

namespace emporium::infra::realtime {

struct Event {
  std::string room;
  std::string type;  ///< "order.updated", "notification", "admin.event", ...
  std::string data;  ///< the JSON object of the event, serialised
};

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  /// Called on a hub thread for every event of a room the subscriber joined. Must not block: queue
  /// the event (bounded) and return.
  virtual void Deliver(const std::shared_ptr<const Event>& event) = 0;
};

class Hub {
 public:
  virtual ~Hub() = default;
  /// Joins / leaves a room on this instance. Thread-safe. The hub holds subscribers weakly: a
  /// destroyed subscriber simply stops receiving.
  virtual void Join(const std::string& room, const std::shared_ptr<Subscriber>& subscriber) = 0;
  virtual void Leave(const std::string& room, const Subscriber* subscriber) = 0;
  virtual void LeaveAll(const Subscriber* subscriber) = 0;
  /// Delivers `data` as event `type` to the room's subscribers on every instance. Thread-safe,
  /// never blocks on a slow subscriber. Call after the transaction that caused it has committed.
  virtual void Publish(const std::string& room, const std::string& type, const boost::json::object& data) = 0;
  /// Delivers to this instance's subscribers only (per-instance ticks such as admin.metrics, which
  /// every instance computes for its own connections).
  virtual void PublishLocal(const std::string& room, const std::string& type, const boost::json::object& data) = 0;
  /// Subscribers in the room on this instance (for tests and admin metrics).
  virtual std::size_t LocalSubscribers(const std::string& room) const = 0;
  /// Rooms with at least one subscriber on this instance whose name starts with `prefix` (e.g.
  /// "user:" = distinct signed-in users connected here).
  virtual std::size_t LocalRooms(std::string_view prefix) const = 0;
};

std::unique_ptr<Hub> MakeLocalHub();
/// kUnavailable when Redis cannot be reached at start-up; afterwards a lost connection is retried
/// in the background (events published meanwhile are lost to other instances, and logged).
Result<std::unique_ptr<Hub>> MakeRedisHub(const std::string& redis_url);

/// Carries domain events from the in-process EventBus to rooms:
///   "order.updated" {order_id, user_id, ...}     → user:{user_id}, order:{order_id} as "order.updated"
///   "shipment.location" {order_id, ...}          → order:{order_id} as "shipment.location"
///   "admin.event" {type, ...}                    → admin as "admin.event"
///   "admin.metrics" {...}                        → admin as "admin.metrics"
///   "notification.created" {user_id, notification} → user:{user_id} as "notification"
///   "support.message" {chat_id, ...}             → support:{chat_id} as "support.message"
/// The returned object unsubscribes from the bus when destroyed.
std::shared_ptr<void> BridgeEvents(EventBus& bus, Hub& hub);

}  // namespace emporium::infra::realtime
