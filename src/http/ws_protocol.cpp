#include "http/ws_protocol.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>

#include "core/clock.hpp"
#include "core/json_input.hpp"
#include "core/json_text.hpp"
#include "core/problem.hpp"
#include "core/roles.hpp"

namespace emporium::http::ws {

namespace {

constexpr std::size_t kMaxRoomLength = 128;
constexpr std::size_t kMaxTokenLength = 4096;

std::optional<boost::json::object> ParseObject(std::string_view text) {
  boost::system::error_code ec;
  auto value = core::ParseClientJson(text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

const boost::json::object* DataOf(const boost::json::object& frame) {
  const auto* data = frame.if_contains("data");
  return data && data->is_object() ? &data->get_object() : nullptr;
}

boost::json::value IdIn(const boost::json::object* data) {
  if (!data) return nullptr;
  const auto* id = data->if_contains("id");
  // Only scalars are echoed: a client must not make the server copy an arbitrary tree into replies.
  if (id && (id->is_string() || id->is_int64() || id->is_uint64())) return *id;
  return nullptr;
}

/// data.<field> as a non-empty string of at most `max` bytes.
Result<std::string> StringField(const boost::json::object* data, std::string_view field, std::size_t max) {
  const std::string path = "data." + std::string(field);
  const auto* value = data ? data->if_contains(field) : nullptr;
  if (!value || !value->is_string() || value->get_string().empty()) {
    return Error::Invalid(path, "must be a non-empty string");
  }
  if (value->get_string().size() > max) {
    return Error::Invalid(path, "must be at most " + std::to_string(max) + " characters");
  }
  return std::string(value->get_string());
}

}  // namespace

Result<ClientFrame> ParseClientFrame(std::string_view text) {
  auto frame = ParseObject(text);
  if (!frame) return Error::BadRequest("A frame must be a JSON object {\"type\": ..., \"data\": {...}}.");
  const auto* type = frame->if_contains("type");
  if (!type || !type->is_string()) return Error::BadRequest("A frame needs a string \"type\".");
  const auto* data = DataOf(*frame);

  ClientFrame out;
  out.id = IdIn(data);
  const std::string_view kind = type->get_string();
  if (kind == "subscribe" || kind == "unsubscribe") {
    out.kind = kind == "subscribe" ? FrameKind::kSubscribe : FrameKind::kUnsubscribe;
    EMP_ASSIGN(out.room, StringField(data, "room", kMaxRoomLength));
  } else if (kind == "auth") {
    out.kind = FrameKind::kAuth;
    EMP_ASSIGN(out.token, StringField(data, "token", kMaxTokenLength));
  } else if (kind == "ping") {
    out.kind = FrameKind::kPing;
  } else {
    return Error::Invalid("type", "must be one of auth, subscribe, unsubscribe, ping");
  }
  return out;
}

boost::json::value IdOf(std::string_view text) {
  auto frame = ParseObject(text);
  return frame ? IdIn(DataOf(*frame)) : boost::json::value(nullptr);
}

std::shared_ptr<const infra::realtime::Event> Reply(std::string type, boost::json::object data,
                                                    const boost::json::value& id) {
  if (!id.is_null()) data["id"] = id;
  return std::make_shared<const infra::realtime::Event>(
      infra::realtime::Event{std::string(), std::move(type), core::JsonText(data)});
}

std::shared_ptr<const infra::realtime::Event> ErrorReply(const Error& error, const boost::json::value& id,
                                                         std::string_view room) {
  boost::json::object data;
  data["code"] = core::ErrorSlug(error.code);
  // Validation errors carry the useful text per field; internal errors never leak details.
  std::string message = error.code == ErrorCode::kInternal ? "An internal error occurred." : error.message;
  if (error.code == ErrorCode::kInvalidArgument && !error.fields.empty()) {
    message = error.fields.front().field + " " + error.fields.front().message;
  }
  data["message"] = std::move(message);
  if (!room.empty()) data["room"] = room;
  return Reply("error", std::move(data), id);
}

std::shared_ptr<const infra::realtime::Event> ReadyReply(const Principal& who, const std::vector<std::string>& rooms,
                                                         std::int64_t expires_at) {
  boost::json::array joined;
  for (const auto& room : rooms) joined.emplace_back(room);
  return Reply("ready",
               {{"user_id", who.user_id},
                {"role", RoleName(who.role)},
                {"rooms", std::move(joined)},
                {"expires_at", core::FormatRfc3339(expires_at)}},
               nullptr);
}

std::string FrameText(const infra::realtime::Event& event) {
  std::string text;
  text.reserve(kFrameHead.size() + event.type.size() + kFrameMiddle.size() + event.data.size() + kFrameTail.size());
  text.append(kFrameHead).append(event.type).append(kFrameMiddle).append(event.data).append(kFrameTail);
  return text;
}

std::optional<std::string> TokenFrom(const Request& upgrade) {
  if (auto header = upgrade.Header("Authorization")) {
    // "Bearer <token>", the scheme case-insensitive (RFC 9110 §11.1), as the REST API accepts it.
    std::string_view v = *header;
    constexpr std::string_view kScheme = "bearer ";
    const bool bearer = v.size() > kScheme.size() && std::equal(kScheme.begin(), kScheme.end(), v.begin(), [](char a, char b) {
      return a == std::tolower(static_cast<unsigned char>(b));
    });
    if (bearer) {
      v.remove_prefix(kScheme.size());
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      if (!v.empty()) return std::string(v);
    }
  }
  if (auto query = upgrade.Query("access_token"); query && !query->empty()) return query;
  return std::nullopt;
}

}  // namespace emporium::http::ws
