// The in-process hub and the EventBus bridge. The Redis hub lives in redis_hub.cpp.
#include "infra/realtime/hub.hpp"

#include <fmt/format.h>

#include <boost/json/value.hpp>
#include <optional>
#include <vector>

#include "core/log.hpp"
#include "infra/events/event_bus.hpp"
#include "infra/realtime/event_codec.hpp"
#include "infra/realtime/room_registry.hpp"

namespace emporium::infra::realtime {

namespace {

class LocalHub final : public Hub {
 public:
  void Join(const std::string& room, const std::shared_ptr<Subscriber>& subscriber) override {
    registry_.Join(room, subscriber);
  }
  void Leave(const std::string& room, const Subscriber* subscriber) override { registry_.Leave(room, subscriber); }
  void LeaveAll(const Subscriber* subscriber) override { registry_.LeaveAll(subscriber); }

  void Publish(const std::string& room, const std::string& type, const boost::json::object& data) override {
    PublishLocal(room, type, data);
  }
  void PublishLocal(const std::string& room, const std::string& type, const boost::json::object& data) override {
    // Nobody listening is the common case for order:{id} rooms: skip the serialisation.
    if (!registry_.Has(room)) return;
    if (auto event = MakeEvent(room, type, data)) registry_.Deliver(event);
  }

  std::size_t LocalSubscribers(const std::string& room) const override { return registry_.Members(room); }
  std::size_t LocalRooms(std::string_view prefix) const override { return registry_.Rooms(prefix); }

 private:
  RoomRegistry registry_;
};

const auto& Log() {
  static const auto logger = core::Logger("realtime");
  return logger;
}

/// "<prefix><id>" from an integer field of the payload (also accepted as a string of digits, since
/// some publishers stringify ids); nullopt when the field is missing or not an id.
std::optional<std::string> RoomFromField(std::string_view prefix, const boost::json::object& payload,
                                         std::string_view field) {
  const auto* value = payload.if_contains(field);
  if (!value) return std::nullopt;
  std::string id;
  if (value->is_int64() && value->get_int64() > 0) {
    id = std::to_string(value->get_int64());
  } else if (value->is_uint64() && value->get_uint64() > 0) {
    id = std::to_string(value->get_uint64());
  } else if (value->is_string() && !value->get_string().empty() &&
             value->get_string().find_first_not_of("0123456789") == boost::json::string::npos) {
    id = std::string(value->get_string());
  } else {
    return std::nullopt;
  }
  return std::string(prefix) + id;
}

void WarnUnroutable(const std::string& topic, std::string_view field) {
  Log()->warn(fmt::format(R"({{"msg":"event without a usable id; not delivered","topic":"{}","field":"{}"}})",
                          core::JsonEscape(topic), field));
}

/// One bus topic and where its events go.
void Route(Hub& hub, const std::string& topic, const boost::json::object& payload) {
  if (topic == "order.updated") {
    auto user_room = RoomFromField("user:", payload, "user_id");
    auto order_room = RoomFromField("order:", payload, "order_id");
    if (!user_room && !order_room) return WarnUnroutable(topic, "order_id");
    if (user_room) hub.Publish(*user_room, topic, payload);
    if (order_room) hub.Publish(*order_room, topic, payload);
  } else if (topic == "shipment.location") {
    auto room = RoomFromField("order:", payload, "order_id");
    if (!room) return WarnUnroutable(topic, "order_id");
    hub.Publish(*room, topic, payload);
  } else if (topic == "admin.event") {
    hub.Publish("admin", topic, payload);
  } else if (topic == "admin.metrics") {
    // Each instance computes its own tick for its own connections (hub.hpp, PublishLocal).
    hub.PublishLocal("admin", topic, payload);
  } else if (topic == "notification.created") {
    auto room = RoomFromField("user:", payload, "user_id");
    if (!room) return WarnUnroutable(topic, "user_id");
    const auto* notification = payload.if_contains("notification");
    if (notification && notification->is_object()) {
      hub.Publish(*room, "notification", notification->get_object());
    } else {
      hub.Publish(*room, "notification", payload);
    }
  } else if (topic == "support.message") {
    auto room = RoomFromField("support:", payload, "chat_id");
    if (!room) return WarnUnroutable(topic, "chat_id");
    hub.Publish(*room, topic, payload);
  }
}

constexpr const char* kBridgedTopics[] = {"order.updated",        "shipment.location", "admin.event", "admin.metrics",
                                          "notification.created", "support.message"};

/// Owns the bus subscriptions of one BridgeEvents call.
class Bridge {
 public:
  Bridge(EventBus& bus, Hub& hub) : bus_(bus) {
    for (const char* topic : kBridgedTopics) {
      ids_.push_back(bus_.Subscribe(topic, [&hub](const std::string& t, const boost::json::object& payload) {
        Route(hub, t, payload);
      }));
    }
  }
  ~Bridge() {
    for (auto id : ids_) bus_.Unsubscribe(id);
  }
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

 private:
  EventBus& bus_;
  std::vector<EventBus::SubscriptionId> ids_;
};

}  // namespace

std::unique_ptr<Hub> MakeLocalHub() { return std::make_unique<LocalHub>(); }

std::shared_ptr<void> BridgeEvents(EventBus& bus, Hub& hub) { return std::make_shared<Bridge>(bus, hub); }

}  // namespace emporium::infra::realtime
