#include "core/cursor.hpp"

#include <sodium.h>

#include <charconv>

#include "core/crypto.hpp"

namespace emporium::core {

std::string EncodeIdCursor(std::int64_t last_id) { return Base64UrlEncode(std::to_string(last_id)); }

std::optional<std::int64_t> DecodeIdCursor(std::string_view cursor) {
  if (cursor.empty() || cursor.size() > 32) return std::nullopt;
  unsigned char buf[32];
  std::size_t len = 0;
  if (sodium_base642bin(buf, sizeof buf, cursor.data(), cursor.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  const char* begin = reinterpret_cast<const char*>(buf);
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(begin, begin + len, id);
  if (ec != std::errc() || end != begin + len || id <= 0) return std::nullopt;
  return id;
}

}  // namespace emporium::core
