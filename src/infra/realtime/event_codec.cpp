#include "infra/realtime/event_codec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/parse.hpp>

#include "core/json_text.hpp"
#include "core/log.hpp"

namespace emporium::infra::realtime {

namespace {
constexpr std::size_t kMaxTypeLength = 64;
}

bool IsValidEventType(std::string_view type) {
  if (type.empty() || type.size() > kMaxTypeLength) return false;
  return std::all_of(type.begin(), type.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == ':' || c == '-';
  });
}

std::shared_ptr<const Event> MakeEvent(std::string room, std::string type, const boost::json::object& data) {
  if (!IsValidEventType(type)) {
    core::Logger("realtime")->error(fmt::format(R"({{"msg":"dropped an event with an invalid type","type":"{}"}})",
                                                core::JsonEscape(type)));
    return nullptr;
  }
  return std::make_shared<const Event>(Event{std::move(room), std::move(type), core::JsonText(data)});
}

std::string ChannelFor(std::string_view room) {
  std::string channel(kChannelPrefix);
  channel.append(room);
  return channel;
}

std::optional<std::string> RoomOfChannel(std::string_view channel) {
  if (!channel.starts_with(kChannelPrefix) || channel.size() == kChannelPrefix.size()) return std::nullopt;
  return std::string(channel.substr(kChannelPrefix.size()));
}

std::string EncodeMessage(const Event& event) {
  std::string message;
  message.reserve(event.type.size() + 1 + event.data.size());
  message.append(event.type).push_back('\n');
  message.append(event.data);
  return message;
}

std::shared_ptr<const Event> DecodeMessage(std::string room, std::string_view message) {
  const auto newline = message.find('\n');
  if (newline == std::string_view::npos) return nullptr;
  const std::string_view type = message.substr(0, newline);
  const std::string_view data = message.substr(newline + 1);
  if (!IsValidEventType(type)) return nullptr;
  // Transports splice `data` into frames verbatim, so it must be one JSON object.
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(data, ec);
  if (ec || !parsed.is_object()) return nullptr;
  return std::make_shared<const Event>(Event{std::move(room), std::string(type), std::string(data)});
}

}  // namespace emporium::infra::realtime
