#include "core/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>
#include <unordered_map>

namespace emporium::core {

std::string JsonEscape(std::string_view s);

namespace {
std::mutex g_mutex;
std::unordered_map<std::string, std::shared_ptr<spdlog::logger>> g_loggers;
spdlog::level::level_enum g_level = spdlog::level::info;
bool g_json = true;

// %* in JSON mode: a message that is itself a JSON object ({"method":"GET",...}) is merged into
// the line; any other message becomes "msg":"<escaped text>".
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::string_view v(msg.payload.data(), msg.payload.size());
    std::string out;
    if (v.size() >= 2 && v.front() == '{' && v.back() == '}') {
      out = std::string(v.substr(1, v.size() - 2));
    } else {
      out = "\"msg\":\"" + JsonEscape(v) + "\"";
    }
    dest.append(out.data(), out.data() + out.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonMessageFlag>(); }
};

void Apply(spdlog::logger& logger) {
  logger.set_level(g_level);
  if (g_json) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","logger":"%n",%*})");
    logger.set_formatter(std::move(formatter));
  } else {
    logger.set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %-5l [%n] %v", spdlog::pattern_time_type::utc);
  }
}
}  // namespace

void InitLogging(const std::string& level, const std::string& format) {
  std::lock_guard lock(g_mutex);
  g_level = spdlog::level::from_str(level);
  g_json = format != "text";
  for (auto& [_, logger] : g_loggers) Apply(*logger);
}

std::shared_ptr<spdlog::logger> Logger(const std::string& name) {
  std::lock_guard lock(g_mutex);
  auto it = g_loggers.find(name);
  if (it != g_loggers.end()) return it->second;
  auto logger = std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  Apply(*logger);
  g_loggers.emplace(name, logger);
  return logger;
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace emporium::core
