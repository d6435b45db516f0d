#pragma once
// RFC 5322 / MIME text of an e-mail: one builder shared by the outbox and the SMTP mailer, and the
// parser that reads it back (outbox listing, tests). Pure functions, no I/O; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "infra/mail/mailer.hpp"

namespace emporium::infra {

/// Everything the builder needs besides the message: fixed here so tests can pin them.
struct MimeEnvelope {
  std::string from;          ///< "Display Name <addr@host>" or "addr@host"
  std::int64_t date = 0;     ///< Unix seconds (UTC) for the Date header
  std::string message_id;    ///< "<...@...>"; must not be empty
  std::string boundary;      ///< multipart boundary; must not occur in the encoded parts
};

/// The complete message with CRLF line endings: Date, From, To, Subject (RFC 2047 when not plain
/// ASCII), Message-ID, MIME-Version, X-Emporium-Template (when set), then multipart/alternative with
/// a text/plain and a text/html part, both UTF-8 and quoted-printable. No body line begins with "."
/// (encoded as =2E), so the text survives transports that do not dot-stuff. Fails with
/// kInvalidArgument when `to` is not a single plain address (header injection is impossible).
Result<std::string> BuildMimeMessage(const MailMessage& message, const MimeEnvelope& envelope);

/// A random Message-ID "<token@domain>", the domain taken from the From address.
std::string MakeMessageId(std::string_view from);
/// A random boundary that cannot occur in quoted-printable output (it contains "=_").
std::string MakeBoundary();

/// True for a plain addr-spec such as "jane.doe+tag@example.com" (no display name, no spaces,
/// no control characters, exactly one "@" with a non-empty local part and domain).
bool IsPlainAddress(std::string_view address);
/// The addr-spec of "Name <addr@host>" or of a bare "addr@host".
std::string AddressOf(std::string_view mailbox);

/// "Tue, 25 Nov 2026 17:44:31 +0000" (RFC 5322 date-time, English names, UTC).
std::string FormatRfc5322Date(std::int64_t epoch_seconds);
/// An unstructured header value: unchanged when short printable ASCII, else RFC 2047 "B" encoded
/// words of UTF-8 folded with CRLF SP. CR, LF and other control characters become spaces.
std::string EncodeHeaderText(std::string_view value, std::size_t name_length);
/// Decodes RFC 2047 encoded words (B and Q, UTF-8/US-ASCII/ISO-8859-1) in an unfolded header value.
std::string DecodeHeaderText(std::string_view value);

/// Quoted-printable (RFC 2045) of UTF-8 text; line breaks become CRLF, lines ≤ 76 characters.
std::string QuotedPrintableEncode(std::string_view text);
/// Inverse of QuotedPrintableEncode; soft line breaks removed, CRLF becomes "\n".
std::string QuotedPrintableDecode(std::string_view text);
std::string Base64Encode(std::string_view data);
/// Ignores whitespace; nullopt when the input is not base64.
std::optional<std::string> Base64Decode(std::string_view data);

/// A message read back: headers in order (names as written, values unfolded and decoded) and the
/// decoded text and HTML parts (either may be empty).
struct ParsedMail {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string text;
  std::string html;
  /// Case-insensitive header lookup (first occurrence); empty when absent.
  std::string Header(std::string_view name) const;
};

/// Parses a message with CRLF or LF line endings. Accepts multipart (nested too), single-part text or
/// HTML, and 7bit/8bit/quoted-printable/base64 bodies. kInvalidArgument when there is no header block.
Result<ParsedMail> ParseMimeMessage(std::string_view raw);

}  // namespace emporium::infra
