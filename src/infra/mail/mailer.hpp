#pragma once
// Outgoing e-mail. A Mailer delivers one message synchronously (blocking: call it off the io
// threads); MailService renders templates and hands the message to delivery so requests never wait
// on SMTP: durably, as a "mail.send" job of the job queue (UseJobQueue, what the app does), or, in
// tools and tests without a job runner, on an in-memory background queue.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace emporium::core {
class Clock;
}
namespace emporium::db {
class Database;
class Tx;
}  // namespace emporium::db
namespace emporium::infra::jobs {
class JobQueue;
class JobRunner;
struct Job;
}  // namespace emporium::infra::jobs

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
  /// Delivers several messages; one outcome per message, in order. The default sends them one by
  /// one; a mailer that can share work between them (one disk flush for a batch) overrides it.
  virtual std::vector<Status> SendBatch(const std::vector<const MailMessage*>& messages);
};

/// Writes each message as an RFC 5322 .eml file under `dir` (default DATA_DIR/outbox).
std::unique_ptr<Mailer> MakeOutboxMailer(std::string dir, std::string from);
/// SMTP over libcurl: smtp://user:pass@host:port (STARTTLS when offered) or smtps://.
std::unique_ptr<Mailer> MakeSmtpMailer(std::string smtp_url, std::string from);

/// kInternal unless `template_name` names a template with its subject, text and HTML parts (what
/// RenderMail needs), without rendering it.
Status CheckMailTemplate(const std::string& template_name);

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

/// Renders mail and hands it to delivery.
///
/// Durable mode (after UseJobQueue): each message becomes the payload of a "mail.send" job. A
/// templated one (SendTemplate in the caller's transaction) is stored as {to, template, values,
/// message_id} and rendered when the job runs, so the caller's transaction (and SQLite's single
/// writer) does not wait for the rendering; a missing template is still the caller's error at once.
/// A message given rendered (Send) is stored as {to, subject, text, html, template, message_id};
/// Deliver reads both shapes. The job handler (Deliver) sends it at most once per job; see
/// Deliver for the exact guarantee. Without a job queue, messages wait in memory on a background
/// thread with retries and backoff, and a message queued when the process dies is lost.
class MailService {
 public:
  /// The job type of a durable delivery.
  static constexpr const char* kJobType = "mail.send";

  /// A message failing with kUnavailable is retried after initial_backoff, then twice as long each
  /// time (capped at 5 minutes), until max_attempts sends; any other error is final. Both are logged.
  /// These apply to the in-memory queue only (jobs retry with the runner's backoff).
  MailService(std::unique_ptr<Mailer> mailer, int max_attempts = 5,
              std::chrono::milliseconds initial_backoff = std::chrono::seconds(2));
  ~MailService();  ///< drains the in-memory queue (bounded wait) and stops the thread
  MailService(const MailService&) = delete;
  MailService& operator=(const MailService&) = delete;

  /// Switches to durable delivery through `queue`. `from` (MAIL_FROM) gives the domain of the
  /// Message-IDs. Call once, at wiring time, before any message is sent. Every reference must
  /// outlive the service.
  void UseJobQueue(db::Database& db, jobs::JobQueue& queue, const core::Clock& clock, std::string from);
  bool durable() const;
  /// Registers Deliver as the handler of kJobType. Requires UseJobQueue. Before runner.Start().
  void RegisterJobHandler(jobs::JobRunner& runner);

  /// Renders now (so a template error is reported to the caller) and hands the message over:
  /// durable mode enqueues its job in a transaction of its own; otherwise it is queued in memory.
  Status SendTemplate(const std::string& template_name, const std::string& to,
                      const std::map<std::string, std::string>& values);
  /// Renders now and enqueues the job inside the caller's transaction, so the mail exists if and only
  /// if the caller's change commits. A second message with the same `unique_key` (e.g.
  /// "mail:order.paid:42:7") is a no-op, so a re-run of the caller cannot mail twice. Without a job
  /// queue the message is queued in memory after the transaction commits (the key is then ignored).
  Status SendTemplate(db::Tx& tx, const std::string& template_name, const std::string& to,
                      const std::map<std::string, std::string>& values,
                      const std::optional<std::string>& unique_key = std::nullopt);
  /// Queues an already rendered message (durably when UseJobQueue was called).
  Status Send(MailMessage message);
  /// Send for callers that cannot handle an error: a failure to enqueue is logged.
  void Enqueue(MailMessage message);

  /// The "mail.send" job handler. Sends the job's message through the Mailer at most once: a
  /// mail_deliveries row keyed by the job id is committed as 'sending' before the SMTP conversation
  /// and as 'sent' after it. A run that finds 'sent' does nothing (the job ran twice after a crash
  /// that followed the send); a run that finds 'sending' knows an earlier attempt died mid-send and
  /// cannot tell whether the server accepted the message, so it does not send again: the row
  /// becomes 'unknown' and the job fails permanently with a message naming the Message-ID (an
  /// operator who finds no trace of it in the SMTP log retries the dead job, which then sends).
  /// Every attempt of a job uses the same Message-ID, so the one case that can still duplicate (the
  /// server accepted the message but its answer was lost: a transient error, retried) is
  /// recognisable by the recipient's mail system. Errors: kInvalidArgument for a malformed payload
  /// or a rejected recipient (permanent), kUnavailable for transient SMTP or database failures.
  Status Deliver(const jobs::Job& job);
  /// Deliver for several jobs, with one statement of intent (claim) and one record of the outcomes
  /// for the batch: the result for each job is Deliver's. The messages are sent one after the other
  /// between the two, so a crash in that window leaves every unrecorded one 'sending' (not sent
  /// again by itself, as for one job).
  std::vector<Status> DeliverBatch(const std::vector<jobs::Job>& jobs);

  /// Blocks until the in-memory queue is empty or the timeout passes; true if it drained (tests,
  /// shutdown). Durable messages are the runner's business.
  bool Flush(std::chrono::milliseconds timeout);
  /// Messages in the in-memory queue (durable ones are counted by the job queue's stats).
  std::size_t QueueDepth() const;

 private:
  struct Impl;
  struct Durable;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<Durable> durable_;
};

}  // namespace emporium::infra
