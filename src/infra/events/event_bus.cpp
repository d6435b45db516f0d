#include "infra/events/event_bus.hpp"

#include <algorithm>
#include <exception>

#include "core/log.hpp"

namespace emporium::infra {

EventBus::SubscriptionId EventBus::Subscribe(std::string topic, Handler handler) {
  std::lock_guard lock(mutex_);
  const auto id = next_id_++;
  subscriptions_.push_back({id, std::move(topic), std::move(handler)});
  return id;
}

void EventBus::Unsubscribe(SubscriptionId id) {
  std::lock_guard lock(mutex_);
  std::erase_if(subscriptions_, [id](const Subscription& s) { return s.id == id; });
}

void EventBus::Publish(const std::string& topic, const boost::json::object& payload) {
  // Handlers run outside the lock (on a snapshot) so that one may publish in turn without deadlock.
  std::vector<Handler> targets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& s : subscriptions_) {
      if (s.topic == topic || s.topic == "*") targets.push_back(s.handler);
    }
  }
  for (const auto& handler : targets) {
    try {
      handler(topic, payload);
    } catch (const std::exception& e) {
      core::Logger("events")->error("{{\"msg\":\"event handler failed\",\"topic\":\"{}\",\"error\":\"{}\"}}",
                                    core::JsonEscape(topic), core::JsonEscape(e.what()));
    }
  }
}

}  // namespace emporium::infra
