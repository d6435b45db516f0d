#pragma once
// The outbox folder read back: the .eml files MakeOutboxMailer writes, for the admin outbox routes
// and for tests. File names are "<UTC yyyymmddThhmmss>-<uuuuuu><random>.eml" (microseconds, then
// random characters), so sorting names sorts messages by time; an id is the name without ".eml".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace emporium::infra {

struct OutboxSummary {
  std::string id;
  std::string to;
  std::string subject;
  std::string template_name;
  std::int64_t created_at = 0;  ///< Unix seconds (UTC), from the id
};

struct OutboxMessage {
  OutboxSummary summary;
  std::string text;
  std::string html;
  std::string raw;  ///< the file as written (RFC 5322, CRLF)
};

struct OutboxQuery {
  std::size_t limit = 50;
  std::string before;         ///< only ids sorting before this one (a cursor: the last id of the previous page)
  std::string to;             ///< only messages to this address (case-insensitive); empty = all
  std::string template_name;  ///< only messages from this template; empty = all
};

struct OutboxPage {
  std::vector<OutboxSummary> items;  ///< newest first
  std::optional<std::string> next_cursor;
};

/// True for a well-formed outbox id (and so a safe file name: no "/", no "..", no leading dot).
bool IsOutboxId(std::string_view id);
/// A new id for a message created at `epoch_micros` (Unix microseconds, UTC).
std::string MakeOutboxId(std::int64_t epoch_micros);
/// Unix seconds encoded in an id; 0 when malformed.
std::int64_t OutboxIdTime(std::string_view id);

/// Reads the outbox folder. Stateless apart from the path; thread-safe. A missing folder reads as
/// empty; unreadable or malformed files are skipped by List and are kNotFound for Read.
class OutboxReader {
 public:
  explicit OutboxReader(std::string dir);

  /// Messages matching the query, newest first, at most query.limit (1–1000).
  Result<OutboxPage> List(const OutboxQuery& query) const;
  /// One message; kNotFound for an unknown or malformed id (path traversal included).
  Result<OutboxMessage> Read(std::string_view id) const;

 private:
  std::string dir_;
};

}  // namespace emporium::infra
