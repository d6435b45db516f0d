#pragma once
// Logging: spdlog, one JSON object per line (or plain text with LOG_FORMAT=text). Never log
// secrets, tokens, card data or passwords.

#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

namespace emporium::core {

/// Configures the default logger: level ("trace".."off") and format ("json" | "text"). Logs go to stderr.
void InitLogging(const std::string& level, const std::string& format);

/// A named logger per module ("http", "db", "auth", ...), sharing the default sink and level.
std::shared_ptr<spdlog::logger> Logger(const std::string& name);

/// A message that is a JSON object ("{...}") has its fields merged into the JSON log line.
/// Escapes a string for inclusion inside a JSON string literal (no surrounding quotes).
std::string JsonEscape(std::string_view s);

}  // namespace emporium::core
