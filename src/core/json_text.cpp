#include "core/json_text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace emporium::core {

namespace json = boost::json;

namespace {

/// The characters a JSON string cannot hold as they are: the quote, the backslash and the control
/// characters below 0x20.
constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  table['"'] = true;
  table['\\'] = true;
  return table;
}();

/// The text being written: room is made ahead (Reserve) and written through a pointer, so a
/// character costs no capacity check of its own.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out), used_(out.size()) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer() { out_.resize(used_); }

  /// Room for at least `n` more characters at the returned position.
  char* Reserve(std::size_t n) {
    if (out_.size() - used_ < n) out_.resize(std::max(out_.size() * 2, used_ + n + 256));
    return out_.data() + used_;
  }
  void CommitTo(const char* end) { used_ = static_cast<std::size_t>(end - out_.data()); }
  void Put(std::string_view text) {
    char* p = Reserve(text.size());
    std::memcpy(p, text.data(), text.size());
    CommitTo(p + text.size());
  }
  void Put(char c) {
    char* p = Reserve(1);
    *p = c;
    CommitTo(p + 1);
  }

 private:
  std::string& out_;
  std::size_t used_;
};

char* PutEscaped(char* p, char c) {
  *p++ = '\\';
  switch (c) {
    case '"':
      *p++ = '"';
      return p;
    case '\\':
      *p++ = '\\';
      return p;
    case '\b':
      *p++ = 'b';
      return p;
    case '\f':
      *p++ = 'f';
      return p;
    case '\n':
      *p++ = 'n';
      return p;
    case '\r':
      *p++ = 'r';
      return p;
    case '\t':
      *p++ = 't';
      return p;
    default:
      break;
  }
  constexpr std::string_view kHex = "0123456789abcdef";
  const auto byte = static_cast<unsigned char>(c);
  *p++ = 'u';
  *p++ = '0';
  *p++ = '0';
  *p++ = kHex[byte >> 4];
  *p++ = kHex[byte & 0xf];
  return p;
}

void PutString(Writer& w, std::string_view s) {
  char* p = w.Reserve(s.size() * 6 + 2);  // \u00XX is the longest a character gets
  *p++ = '"';
  for (const char c : s) {
    if (kNeedsEscape[static_cast<unsigned char>(c)]) {
      p = PutEscaped(p, c);
    } else {
      *p++ = c;
    }
  }
  *p++ = '"';
  w.CommitTo(p);
}

template <typename Number>
void PutInteger(Writer& w, Number n) {
  char* p = w.Reserve(24);
  w.CommitTo(std::to_chars(p, p + 24, n).ptr);
}

void PutDouble(Writer& w, double d) {
  if (!std::isfinite(d)) {
    w.Put("null");
    return;
  }
  char* p = w.Reserve(32);
  char* end = std::to_chars(p, p + 30, d).ptr;
  // "3" would read back as an integer: a double keeps its fraction.
  if (std::string_view(p, static_cast<std::size_t>(end - p)).find_first_of(".e") == std::string_view::npos) {
    *end++ = '.';
    *end++ = '0';
  }
  w.CommitTo(end);
}

void PutValue(Writer& w, const json::value& value);

void PutArray(Writer& w, const json::array& array) {
  w.Put('[');
  bool first = true;
  for (const auto& element : array) {
    if (!first) w.Put(',');
    first = false;
    PutValue(w, element);
  }
  w.Put(']');
}

void PutObject(Writer& w, const json::object& object) {
  w.Put('{');
  bool first = true;
  for (const auto& member : object) {
    if (!first) w.Put(',');
    first = false;
    PutString(w, member.key());
    w.Put(':');
    PutValue(w, member.value());
  }
  w.Put('}');
}

void PutValue(Writer& w, const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      w.Put("null");
      return;
    case json::kind::bool_:
      w.Put(value.get_bool() ? "true" : "false");
      return;
    case json::kind::int64:
      PutInteger(w, value.get_int64());
      return;
    case json::kind::uint64:
      PutInteger(w, value.get_uint64());
      return;
    case json::kind::double_:
      PutDouble(w, value.get_double());
      return;
    case json::kind::string:
      PutString(w, value.get_string());
      return;
    case json::kind::array:
      PutArray(w, value.get_array());
      return;
    case json::kind::object:
      PutObject(w, value.get_object());
      return;
  }
}

template <typename Json, typename Put>
std::string Text(const Json& json_value, Put put) {
  std::string out;
  {
    Writer w(out);
    put(w, json_value);
  }
  return out;
}

}  // namespace

void AppendJsonText(std::string& out, const json::value& value) {
  Writer w(out);
  PutValue(w, value);
}

std::string JsonText(const json::value& value) { return Text(value, PutValue); }
std::string JsonText(const json::object& object) { return Text(object, PutObject); }
std::string JsonText(const json::array& array) { return Text(array, PutArray); }
std::string JsonStringText(std::string_view text) { return Text(text, PutString); }

}  // namespace emporium::core
