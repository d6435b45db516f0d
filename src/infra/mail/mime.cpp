#include "infra/mail/mime.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "core/crypto.hpp"

namespace emporium::infra {
namespace {

constexpr std::string_view kCrlf = "\r\n";
// RFC 5322 recommends header lines of at most 78 characters; RFC 2047 encoded words at most 75.
constexpr std::size_t kHeaderLineLimit = 78;
constexpr std::size_t kQpLineLimit = 76;
// Raw bytes per encoded word: 39 bytes → 52 base64 characters + 12 for "=?UTF-8?B?" and "?=".
constexpr std::size_t kEncodedWordBytes = 39;

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsPrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// Header values never carry line breaks or other control characters from their input.
std::string SanitizeHeaderText(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  return out;
}

std::string EncodedWords(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  bool first = true;
  while (i < text.size()) {
    // Never split a UTF-8 sequence: stop before a byte that starts a character and would overflow.
    std::size_t end = i;
    while (end < text.size()) {
      std::size_t next = end + 1;
      while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
      if (next - i > kEncodedWordBytes && end > i) break;
      end = next;
    }
    if (!first) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64Encode(text.substr(i, end - i)) + "?=";
    first = false;
    i = end;
  }
  return out;
}

std::string FoldAscii(std::string_view text, std::size_t name_length) {
  std::string out;
  std::size_t line = name_length + 2;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t word_end = text.find(' ', i + 1);
    if (word_end == std::string_view::npos) word_end = text.size();
    std::string_view word = text.substr(i, word_end - i);  // starts with the space, except the first
    if (line + word.size() > kHeaderLineLimit && i > 0 && word.front() == ' ') {
      out += kCrlf;
      line = 0;
    }
    out += word;
    line += word.size();
    i = word_end;
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string Latin1ToUtf8(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80) {
      out += c;
    } else {
      out += static_cast<char>(0xC0 | (u >> 6));
      out += static_cast<char>(0x80 | (u & 0x3F));
    }
  }
  return out;
}

std::string ToUtf8(std::string bytes, std::string_view charset) {
  const std::string cs = Lower(charset);
  if (cs == "iso-8859-1" || cs == "latin1" || cs == "iso-8859-15" || cs == "windows-1252") {
    return Latin1ToUtf8(bytes);
  }
  return bytes;
}

std::optional<std::string> DecodeEncodedWord(std::string_view word) {
  // word = "=?charset?X?text?="
  if (word.size() < 8 || !word.starts_with("=?") || !word.ends_with("?=")) return std::nullopt;
  std::string_view inner = word.substr(2, word.size() - 4);
  const auto q1 = inner.find('?');
  if (q1 == std::string_view::npos || q1 + 2 >= inner.size() || inner[q1 + 2] != '?') return std::nullopt;
  std::string_view charset = inner.substr(0, q1);
  if (const auto star = charset.find('*'); star != std::string_view::npos) charset = charset.substr(0, star);
  const char encoding = static_cast<char>(std::toupper(static_cast<unsigned char>(inner[q1 + 1])));
  std::string_view text = inner.substr(q1 + 3);
  std::string bytes;
  if (encoding == 'B') {
    auto decoded = Base64Decode(text);
    if (!decoded) return std::nullopt;
    bytes = std::move(*decoded);
  } else if (encoding == 'Q') {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '_') {
        bytes += ' ';
      } else if (text[i] == '=' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
        bytes += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
        i += 2;
      } else {
        bytes += text[i];
      }
    }
  } else {
    return std::nullopt;
  }
  return ToUtf8(std::move(bytes), charset);
}

// Splits "type/subtype; a=b; c=\"d\"" into the lower-cased type and its parameters.
struct ContentType {
  std::string type = "text/plain";
  std::vector<std::pair<std::string, std::string>> params;
  std::string Param(std::string_view name) const {
    for (const auto& [k, v] : params) {
      if (IEquals(k, name)) return v;
    }
    return {};
  }
};

ContentType ParseContentType(std::string_view value) {
  ContentType ct;
  if (Trim(value).empty()) return ct;
  std::size_t pos = value.find(';');
  ct.type = Lower(Trim(value.substr(0, pos)));
  while (pos != std::string_view::npos) {
    std::size_t start = pos + 1;
    std::string_view rest = value.substr(start);
    const auto eq = rest.find('=');
    if (eq == std::string_view::npos) break;
    std::string key(Trim(rest.substr(0, eq)));
    std::string val;
    std::size_t i = eq + 1;
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) ++i;
    if (i < rest.size() && rest[i] == '"') {
      ++i;
      while (i < rest.size() && rest[i] != '"') {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        val += rest[i++];
      }
      pos = rest.find(';', i);
    } else {
      const auto semi = rest.find(';', i);
      val = std::string(Trim(rest.substr(i, semi == std::string_view::npos ? std::string_view::npos : semi - i)));
      pos = semi;
    }
    if (pos != std::string_view::npos) pos += start;
    ct.params.emplace_back(Lower(key), std::move(val));
  }
  return ct;
}

struct Entity {
  std::vector<std::pair<std::string, std::string>> headers;  // unfolded, not yet RFC 2047 decoded
  std::string_view body;
  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (IEquals(k, name)) return v;
    }
    return {};
  }
};

// `text` uses LF line endings. An entity without a blank line has headers only.
std::optional<Entity> SplitEntity(std::string_view text) {
  Entity e;
  std::size_t header_end;
  if (text.starts_with("\n")) {
    header_end = 0;
    e.body = text.substr(1);
  } else if (const auto blank = text.find("\n\n"); blank != std::string_view::npos) {
    header_end = blank + 1;
    e.body = text.substr(blank + 2);
  } else {
    header_end = text.size();
    e.body = {};
  }
  std::string_view block = text.substr(0, header_end);
  std::size_t pos = 0;
  while (pos < block.size()) {
    std::size_t nl = block.find('\n', pos);
    if (nl == std::string_view::npos) nl = block.size();
    std::string_view line = block.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) continue;
    if (line.front() == ' ' || line.front() == '\t') {
      if (e.headers.empty()) return std::nullopt;
      e.headers.back().second += std::string(line);  // unfolding removes only the line break
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    e.headers.emplace_back(std::string(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1))));
  }
  for (auto& h : e.headers) h.second = std::string(Trim(h.second));
  return e;
}

std::string DecodeBody(std::string_view body, const Entity& entity, const ContentType& ct) {
  const std::string cte = Lower(Trim(entity.Header("Content-Transfer-Encoding")));
  std::string bytes;
  if (cte == "quoted-printable") {
    bytes = QuotedPrintableDecode(body);
  } else if (cte == "base64") {
    bytes = Base64Decode(body).value_or(std::string());
  } else {
    bytes = std::string(body);
  }
  std::string charset = ct.Param("charset");
  return ToUtf8(std::move(bytes), charset.empty() ? "utf-8" : charset);
}

void CollectParts(const Entity& entity, ParsedMail& out, int depth) {
  const ContentType ct = ParseContentType(entity.Header("Content-Type"));
  if (ct.type.starts_with("multipart/")) {
    const std::string boundary = ct.Param("boundary");
    if (boundary.empty() || depth > 8) return;
    const std::string delimiter = "--" + boundary;
    std::string_view body = entity.body;
    std::vector<std::string_view> parts;
    std::size_t part_start = std::string_view::npos;
    std::size_t pos = 0;
    while (pos <= body.size()) {
      std::size_t nl = body.find('\n', pos);
      if (nl == std::string_view::npos) nl = body.size();
      std::string_view line = Trim(body.substr(pos, nl - pos));
      if (line.starts_with(delimiter)) {
        std::string_view suffix = line.substr(delimiter.size());
        if (suffix.empty() || suffix == "--") {
          // The line break before a delimiter belongs to the delimiter.
          if (part_start != std::string_view::npos) {
            const std::size_t end = pos > part_start ? pos - 1 : part_start;
            parts.push_back(body.substr(part_start, end - part_start));
          }
          if (suffix == "--") break;
          part_start = nl + 1 <= body.size() ? nl + 1 : body.size();
        }
      }
      if (nl == body.size()) break;
      pos = nl + 1;
    }
    for (std::string_view part : parts) {
      if (auto child = SplitEntity(part)) CollectParts(*child, out, depth + 1);
    }
    return;
  }
  if (ct.type == "text/plain" && out.text.empty()) {
    out.text = DecodeBody(entity.body, entity, ct);
  } else if (ct.type == "text/html" && out.html.empty()) {
    out.html = DecodeBody(entity.body, entity, ct);
  }
}

// "Name <addr>" with the display name quoted or RFC 2047-encoded as needed.
Result<std::string> FormatMailbox(std::string_view mailbox) {
  const std::string address = AddressOf(mailbox);
  if (!IsPlainAddress(address)) return Error::Internal("The sender address (MAIL_FROM) is not a valid e-mail address.");
  std::string name;
  if (const auto lt = mailbox.find('<'); lt != std::string_view::npos) {
    name = std::string(Trim(mailbox.substr(0, lt)));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
  }
  name = SanitizeHeaderText(name);
  if (name.empty()) return address;
  if (!IsPrintableAscii(name) || name.find("=?") != std::string::npos) {
    return EncodedWords(name) + " <" + address + ">";
  }
  const bool atoms_only = std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' ||
           std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
  });
  if (atoms_only) return name + " <" + address + ">";
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\" <" + address + ">";
}

std::string SafeTemplateName(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') out += c;
  }
  return out;
}

}  // namespace

bool IsPlainAddress(std::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  const auto at = address.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || at + 1 >= address.size()) return false;
  if (address.find('@', at + 1) != std::string_view::npos) return false;
  for (char c : address) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
    if (std::string_view("<>()[],;:\\\"").find(c) != std::string_view::npos) return false;
  }
  std::string_view domain = address.substr(at + 1);
  return domain.front() != '.' && domain.back() != '.' && domain.find("..") == std::string_view::npos;
}

std::string AddressOf(std::string_view mailbox) {
  const auto lt = mailbox.rfind('<');
  const auto gt = mailbox.rfind('>');
  if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt) {
    return std::string(Trim(mailbox.substr(lt + 1, gt - lt - 1)));
  }
  return std::string(Trim(mailbox));
}

std::string FormatRfc5322Date(std::int64_t epoch_seconds) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string EncodeHeaderText(std::string_view value, std::size_t name_length) {
  const std::string clean = SanitizeHeaderText(value);
  // Plain ASCII that a decoder would not mistake for an encoded word stays readable.
  if (IsPrintableAscii(clean) && clean.find("=?") == std::string::npos) {
    if (name_length + 2 + clean.size() <= kHeaderLineLimit) return clean;
    std::string folded = FoldAscii(clean, name_length);
    // Folding only happens at spaces: a very long word still forces encoded words (998 is a MUST).
    std::size_t longest = 0;
    for (std::size_t start = 0;;) {
      const std::size_t p = folded.find(kCrlf, start);
      longest = std::max(longest, (p == std::string::npos ? folded.size() : p) - start);
      if (p == std::string::npos) break;
      start = p + 2;
    }
    if (longest + name_length + 2 <= 998) return folded;
  }
  return EncodedWords(clean);
}

std::string DecodeHeaderText(std::string_view value) {
  std::string out;
  std::size_t i = 0;
  bool last_was_word = false;
  std::string pending_space;
  while (i < value.size()) {
    if (value.substr(i).starts_with("=?")) {
      // An encoded word is "=?charset?X?text?=" with no spaces inside.
      const auto q1 = value.find('?', i + 2);
      const auto q2 = q1 == std::string_view::npos ? q1 : value.find('?', q1 + 1);
      const auto end = q2 == std::string_view::npos ? q2 : value.find("?=", q2 + 1);
      if (end != std::string_view::npos) {
        std::string_view word = value.substr(i, end + 2 - i);
        if (word.find(' ') == std::string_view::npos) {
          if (auto decoded = DecodeEncodedWord(word)) {
            if (!last_was_word) out += pending_space;  // whitespace between two encoded words vanishes
            pending_space.clear();
            out += *decoded;
            last_was_word = true;
            i = end + 2;
            continue;
          }
        }
      }
    }
    if (value[i] == ' ' || value[i] == '\t') {
      pending_space += value[i++];
      continue;
    }
    out += pending_space;
    pending_space.clear();
    out += value[i++];
    last_was_word = false;
  }
  out += pending_space;
  return out;
}

namespace {

/// Stands for itself in quoted-printable (a space or tab only where it does not end a line).
bool IsQpLiteral(unsigned char c) { return (c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t'; }

}  // namespace

std::string QuotedPrintableEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + text.size() / 8 + 16);
  std::size_t line_start = 0;
  while (line_start <= text.size()) {
    std::size_t line_end = text.find('\n', line_start);
    const bool last = line_end == std::string_view::npos;
    if (last) line_end = text.size();
    std::string_view line = text.substr(line_start, line_end - line_start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    std::size_t column = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (column > 0) {
        // A run of characters that stand for themselves, as long as it fits before a soft break is
        // due, is copied whole. Not the line's last character (a space or tab there is encoded, and
        // it may use the 76th column) nor its first (see risky_start): those take the path below.
        const std::size_t end = std::min(line.size() - 1, i + (kQpLineLimit - 1 - column));
        std::size_t j = i;
        while (j < end && IsQpLiteral(static_cast<unsigned char>(line[j]))) ++j;
        if (j > i) {
          out.append(line.data() + i, j - i);
          column += j - i;
          i = j - 1;
          continue;
        }
      }
      const auto u = static_cast<unsigned char>(line[i]);
      const bool at_line_end = i + 1 == line.size();
      // A leading "." (SMTP end-of-data) or "From " (mbox) is encoded so no transport alters it.
      const auto risky_start = [&] { return u == '.' || (u == 'F' && line.substr(i).starts_with("From ")); };
      char token[3] = {static_cast<char>(u)};
      std::size_t length = 1;
      const auto encode = [&] {
        token[0] = '=';
        token[1] = kHex[u >> 4];
        token[2] = kHex[u & 0x0F];
        length = 3;
      };
      const bool plain = (u != ' ' && u != '\t' && IsQpLiteral(u)) || ((u == ' ' || u == '\t') && !at_line_end);
      if (!plain || (column == 0 && risky_start())) encode();
      // Keep room for the soft break "=": at most 75 characters plus "=" per physical line.
      if (column + length > kQpLineLimit - 1 && !(at_line_end && column + length <= kQpLineLimit)) {
        out += "=\r\n";
        column = 0;
        if (length == 1 && risky_start()) encode();
      }
      out.append(token, length);
      column += length;
    }
    if (last) break;
    out += kCrlf;
    line_start = line_end + 1;
  }
  return out;
}

std::string QuotedPrintableDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t line_start = 0;
  while (line_start <= text.size()) {
    std::size_t line_end = text.find('\n', line_start);
    const bool last = line_end == std::string_view::npos;
    if (last) line_end = text.size();
    std::string_view line = text.substr(line_start, line_end - line_start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // Transports may add trailing whitespace; encoded whitespace at a line end is always =20/=09.
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    bool soft_break = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] != '=') {
        out += line[i];
        continue;
      }
      if (i + 1 == line.size()) {
        soft_break = true;
        break;
      }
      if (i + 2 < line.size()) {
        const int hi = HexValue(line[i + 1]);
        const int lo = HexValue(line[i + 2]);
        if (hi >= 0 && lo >= 0) {
          out += static_cast<char>(hi * 16 + lo);
          i += 2;
          continue;
        }
      }
      out += '=';  // a malformed escape is kept literally (RFC 2045 §6.7 note 1)
    }
    if (last) break;
    if (!soft_break) out += '\n';
    line_start = line_end + 1;
  }
  return out;
}

std::string Base64Encode(std::string_view data) {
  std::string out(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view data) {
  std::string out(data.size() / 4 * 3 + 3, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), data.data(), data.size(), " \t\r\n",
                        &length, &end, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  // Trailing whitespace after the final quantum is fine; anything else is not base64.
  for (const char* p = end; p != nullptr && p < data.data() + data.size(); ++p) {
    if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') return std::nullopt;
  }
  out.resize(length);
  return out;
}

std::string MakeMessageId(std::string_view from) {
  const std::string address = AddressOf(from);
  const auto at = address.find('@');
  std::string domain = at == std::string::npos ? "" : address.substr(at + 1);
  if (domain.empty() || !IsPlainAddress("x@" + domain)) domain = "emporium.local";
  return "<" + core::RandomToken(18) + "@" + domain + ">";
}

std::string MakeBoundary() { return "=_emporium_" + core::RandomToken(18); }

Result<std::string> BuildMimeMessage(const MailMessage& message, const MimeEnvelope& envelope) {
  if (!IsPlainAddress(message.to)) return Error::Invalid("to", "is not a valid e-mail address");
  EMP_ASSIGN(const std::string from, FormatMailbox(envelope.from));
  if (envelope.message_id.empty() || envelope.boundary.empty()) {
    return Error::Internal("A message needs a Message-ID and a boundary.");
  }
  const std::string text = QuotedPrintableEncode(message.text);
  const std::string html = QuotedPrintableEncode(message.html);

  std::string out;
  out.reserve(text.size() + html.size() + 1024);
  out += "Date: " + FormatRfc5322Date(envelope.date) + "\r\n";
  out += "From: " + from + "\r\n";
  out += "To: " + message.to + "\r\n";
  out += "Subject: " + EncodeHeaderText(message.subject, 7) + "\r\n";
  out += "Message-ID: " + SanitizeHeaderText(envelope.message_id) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  if (const std::string name = SafeTemplateName(message.template_name); !name.empty()) {
    out += "X-Emporium-Template: " + name + "\r\n";
  }
  out += "Content-Type: multipart/alternative;\r\n boundary=\"" + envelope.boundary + "\"\r\n";
  out += "\r\nThis is a multi-part message in MIME format.\r\n";
  const auto part = [&](std::string_view type, const std::string& body) {
    out += "\r\n--" + envelope.boundary + "\r\n";
    out += "Content-Type: " + std::string(type) + "; charset=UTF-8\r\n";
    out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += body;
  };
  part("text/plain", text);
  part("text/html", html);
  out += "\r\n--" + envelope.boundary + "--\r\n";
  return out;
}

std::string ParsedMail::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return v;
  }
  return {};
}

Result<ParsedMail> ParseMimeMessage(std::string_view raw) {
  std::string text;
  text.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
    text += raw[i];
  }
  auto entity = SplitEntity(text);
  if (!entity || entity->headers.empty()) return Error::Invalid("message", "has no header block");
  ParsedMail mail;
  for (const auto& [name, value] : entity->headers) mail.headers.emplace_back(name, DecodeHeaderText(value));
  CollectParts(*entity, mail, 0);
  return mail;
}

}  // namespace emporium::infra
