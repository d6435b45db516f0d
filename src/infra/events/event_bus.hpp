#pragma once
// An in-process publish/subscribe bus: a topic plus a JSON payload. Modules publish facts
// ("admin.event" for staff dashboards) without knowing who listens; the real-time layer subscribes
// and carries them to WebSockets. Publish after the transaction that caused the event commits
// (db::Tx::AfterCommit), so that no listener hears of a change that rolled back.

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace emporium::infra {

class EventBus {
 public:
  using Handler = std::function<void(const std::string& topic, const boost::json::object& payload)>;
  using SubscriptionId = std::uint64_t;

  /// Calls `handler` for every later Publish on `topic` ("*" receives every topic). Thread-safe.
  SubscriptionId Subscribe(std::string topic, Handler handler);
  /// Stops a subscription: Publish calls that start after it returns no longer call the handler
  /// (one already running on another thread may still finish).
  void Unsubscribe(SubscriptionId id);
  /// Calls every matching handler synchronously on the calling thread, in subscription order.
  /// Handlers must be quick (hand long work to another thread); an exception thrown by one is
  /// logged and does not stop the others. Thread-safe.
  void Publish(const std::string& topic, const boost::json::object& payload);

 private:
  struct Subscription {
    SubscriptionId id;
    std::string topic;
    Handler handler;
  };
  std::mutex mutex_;
  std::vector<Subscription> subscriptions_;
  SubscriptionId next_id_ = 1;
};

}  // namespace emporium::infra
