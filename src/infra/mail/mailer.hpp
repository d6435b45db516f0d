#pragma once
// Outgoing e-mail. A Mailer delivers one message synchronously (blocking: call it off the io
// threads); MailService renders templates and delivers in the background so requests never wait
// on SMTP.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace emporium::infra {

struct MailMessage {
  std::string to;
  std::string subject;
  std::string text;      ///< text/plain part
  std::string html;      ///< text/html part
  std::string template_name;
  std::string message_id;  ///< filled in by the mailer when empty
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  /// Delivers one message (multipart/alternative text + HTML). Blocking; thread-safe.
  /// kUnavailable for transient failures (worth retrying), kInvalidArgument for a rejected recipient.
  virtual Status Send(const MailMessage& message) = 0;
};

/// Writes each message as an RFC 5322 .eml file under `dir` (default DATA_DIR/outbox).
std::unique_ptr<Mailer> MakeOutboxMailer(std::string dir, std::string from);
/// SMTP over libcurl: smtp://user:pass@host:port (STARTTLS when offered) or smtps://.
std::unique_ptr<Mailer> MakeSmtpMailer(std::string smtp_url, std::string from);

/// Renders the three templates templates/email/<name>.{subject,txt,html}.mustache. Values are
/// strings only (kainjow mustache silently turns numbers into booleans). HTML is escaped in the
/// .html template; the text and subject templates render values verbatim, and the subject is
/// collapsed to one trimmed line. kInternal naming the file when a template is missing or broken.
Result<MailMessage> RenderMail(const std::string& template_name, const std::string& to,
                               const std::map<std::string, std::string>& values);

/// Renders one mustache source with string values. `escape_html` escapes {{name}} for HTML
/// ({{{name}}} and {{&name}} never are). kInternal with the parser's message for a broken template.
Result<std::string> RenderMustache(std::string_view source, const std::map<std::string, std::string>& values,
                                   bool escape_html);

/// Renders and delivers mail on a background thread with retries and backoff. Not durable: a
/// message queued when the process dies is lost (the durable job queue replaces this queue).
class MailService {
 public:
  /// A message failing with kUnavailable is retried after initial_backoff, then twice as long each
  /// time (capped at 5 minutes), until max_attempts sends; any other error is final. Both are logged.
  MailService(std::unique_ptr<Mailer> mailer, int max_attempts = 5,
              std::chrono::milliseconds initial_backoff = std::chrono::seconds(2));
  ~MailService();  ///< drains the queue (bounded wait) and stops the thread
  MailService(const MailService&) = delete;
  MailService& operator=(const MailService&) = delete;

  /// Renders now (so a template error is reported to the caller) and queues for delivery.
  Status SendTemplate(const std::string& template_name, const std::string& to,
                      const std::map<std::string, std::string>& values);
  void Enqueue(MailMessage message);
  /// Blocks until the queue is empty or the timeout passes; true if it drained (tests, shutdown).
  bool Flush(std::chrono::milliseconds timeout);
  std::size_t QueueDepth() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace emporium::infra
