#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/thread.hpp"
#include "db/database.hpp"
#include "infra/jobs/job_queue.hpp"
#include "infra/mail/mail_deliveries.hpp"
#include "infra/mail/mailer.hpp"
#include "infra/mail/mime.hpp"

namespace emporium::infra {
namespace {
using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kMaxBackoff = std::chrono::minutes(5);
constexpr std::chrono::milliseconds kDrainTimeout = std::chrono::seconds(10);
constexpr int kMailJobAttempts = 8;  // with the runner's exponential backoff: about a day of SMTP outage

namespace json = boost::json;

json::object PayloadOf(const MailMessage& m) {
  return {{"to", m.to},     {"subject", m.subject},         {"text", m.text},
          {"html", m.html}, {"template", m.template_name}, {"message_id", m.message_id}};
}

std::optional<std::string> StringField(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

/// A templated mail's job: what rendering needs, rendered when it is delivered. Rendering in the
/// caller's transaction held SQLite's single writer for it, and the rendered HTML made every
/// receipt's job row a few overflow pages.
json::object TemplatePayloadOf(const std::string& template_name, const std::string& to,
                               const std::map<std::string, std::string>& values, const std::string& message_id) {
  json::object v;
  for (const auto& [key, value] : values) v[key] = value;
  return {{"to", to}, {"template", template_name}, {"values", std::move(v)}, {"message_id", message_id}};
}

Result<MailMessage> MessageOf(const json::object& payload) {
  if (const auto* values = payload.if_contains("values"); values != nullptr && values->is_object()) {
    auto to = StringField(payload, "to");
    auto template_name = StringField(payload, "template");
    auto message_id = StringField(payload, "message_id");
    if (!to || !template_name || !message_id || message_id->empty()) {
      return Error::Invalid("payload", "a templated mail.send payload needs to, template, values and message_id");
    }
    std::map<std::string, std::string> fields;
    for (const auto& [key, value] : values->as_object()) {
      if (!value.is_string()) return Error::Invalid("payload", "template values must be strings");
      fields.emplace(std::string(key), std::string(value.as_string()));
    }
    EMP_ASSIGN(MailMessage m, RenderMail(*template_name, *to, fields));
    m.message_id = std::move(*message_id);
    return m;
  }
  MailMessage m;
  auto to = StringField(payload, "to");
  auto subject = StringField(payload, "subject");
  auto text = StringField(payload, "text");
  auto html = StringField(payload, "html");
  auto message_id = StringField(payload, "message_id");
  if (!to || !subject || !text || !html || !message_id || message_id->empty()) {
    return Error::Invalid("payload", "a mail.send payload needs to, subject, text, html and message_id strings");
  }
  m.to = std::move(*to);
  m.subject = std::move(*subject);
  m.text = std::move(*text);
  m.html = std::move(*html);
  m.message_id = std::move(*message_id);
  m.template_name = StringField(payload, "template").value_or("");
  return m;
}

}  // namespace

struct MailService::Durable {
  db::Database& db;
  jobs::JobQueue& queue;
  const core::Clock& clock;
  std::string from;
  MailDeliveries deliveries;

  // The Message-ID is chosen once, at enqueue time, and travels in the payload: every attempt of
  // the job sends the same one.
  jobs::JobSpec Spec(MailMessage message, const std::optional<std::string>& unique_key) const {
    if (message.message_id.empty()) message.message_id = MakeMessageId(from);
    return Spec(PayloadOf(message), unique_key);
  }
  static jobs::JobSpec Spec(json::object payload, const std::optional<std::string>& unique_key) {
    return {.queue = "mail",
            .type = kJobType,
            .payload = std::move(payload),
            .max_attempts = kMailJobAttempts,
            .unique_key = unique_key};
  }
};

struct MailService::Impl {
  struct Item {
    MailMessage message;
    int attempts = 0;
    SteadyClock::time_point due;
  };

  // Shared with the worker thread, so a worker that outlives the bounded drain stays valid.
  struct State {
    std::unique_ptr<Mailer> mailer;
    int max_attempts = 5;
    std::chrono::milliseconds initial_backoff{0};

    mutable std::mutex mutex;
    std::condition_variable wake;  // the worker: new work, a due retry, or stop
    std::condition_variable idle;  // Flush and the destructor: the queue emptied or the worker ended
    std::deque<Item> queue;
    bool busy = false;       // a message is being sent (outside the lock)
    bool stopping = false;   // drain what is queued, ignoring backoff, then end
    bool abandon = false;    // the drain timed out: drop what is left after the current send
    bool finished = false;
  };

  std::shared_ptr<State> state;
  std::thread worker;

  static std::chrono::milliseconds Backoff(const State& s, int attempts) {
    auto delay = s.initial_backoff;
    for (int i = 1; i < attempts && delay < kMaxBackoff; ++i) delay *= 2;
    return std::min(delay, kMaxBackoff);
  }

  static Status SendOnce(Mailer& mailer, const MailMessage& message) {
    try {
      return mailer.Send(message);
    } catch (const std::exception& e) {
      return Error::Internal(std::string("mailer threw: ") + e.what());
    }
  }

  static std::vector<Status> SendBatchOnce(Mailer& mailer, const std::vector<const MailMessage*>& messages) {
    try {
      return mailer.SendBatch(messages);
    } catch (const std::exception& e) {
      return std::vector<Status>(messages.size(), Error::Internal(std::string("mailer threw: ") + e.what()));
    }
  }

  static void Run(std::shared_ptr<State> s) {
    core::NameThisThread("mail");
    const auto log = core::Logger("mail");
    std::unique_lock lock(s->mutex);
    while (true) {
      if (s->abandon && !s->queue.empty()) {
        log->error(R"({{"msg":"mail dropped at shutdown","count":{}}})", s->queue.size());
        s->queue.clear();
      }
      if (s->queue.empty()) {
        s->idle.notify_all();
        if (s->stopping) break;
        s->wake.wait(lock, [&] { return s->stopping || !s->queue.empty(); });
        continue;
      }
      auto next = std::min_element(s->queue.begin(), s->queue.end(),
                                   [](const Item& a, const Item& b) { return a.due < b.due; });
      if (!s->stopping && next->due > SteadyClock::now()) {
        const auto due = next->due;
        s->wake.wait_until(lock, due);
        continue;
      }
      Item item = std::move(*next);
      s->queue.erase(next);
      s->busy = true;
      lock.unlock();
      const Status status = SendOnce(*s->mailer, item.message);
      ++item.attempts;
      lock.lock();
      s->busy = false;
      if (status) continue;

      const Error& error = status.error();
      const bool retriable = error.code == ErrorCode::kUnavailable && item.attempts < s->max_attempts;
      if (retriable && !s->stopping) {
        const auto delay = Backoff(*s, item.attempts);
        log->warn(R"({{"msg":"mail delivery failed, will retry","template":"{}","attempt":{},"retry_in_ms":{},"error":"{}"}})",
                  core::JsonEscape(item.message.template_name), item.attempts, delay.count(),
                  core::JsonEscape(error.message));
        item.due = SteadyClock::now() + delay;
        s->queue.push_back(std::move(item));
      } else {
        log->error(R"({{"msg":"mail delivery gave up","template":"{}","attempts":{},"error":"{}"}})",
                   core::JsonEscape(item.message.template_name), item.attempts, core::JsonEscape(error.message));
      }
    }
    s->finished = true;
    s->idle.notify_all();
  }
};

MailService::MailService(std::unique_ptr<Mailer> mailer, int max_attempts, std::chrono::milliseconds initial_backoff)
    : impl_(std::make_unique<Impl>()) {
  impl_->state = std::make_shared<Impl::State>();
  impl_->state->mailer = std::move(mailer);
  impl_->state->max_attempts = std::max(1, max_attempts);
  impl_->state->initial_backoff = std::max(std::chrono::milliseconds(0), initial_backoff);
  impl_->worker = std::thread(&Impl::Run, impl_->state);
}

MailService::~MailService() {
  durable_.reset();
  auto& s = *impl_->state;
  std::unique_lock lock(s.mutex);
  s.stopping = true;
  s.wake.notify_all();
  if (!s.idle.wait_for(lock, kDrainTimeout, [&] { return s.finished; })) {
    // A send is stuck (an SMTP server that stalls): let it time out on its own thread.
    s.abandon = true;
    s.wake.notify_all();
    lock.unlock();
    core::Logger("mail")->error(R"({"msg":"mail queue did not drain before shutdown"})");
    impl_->worker.detach();
    return;
  }
  lock.unlock();
  impl_->worker.join();
}

void MailService::UseJobQueue(db::Database& db, jobs::JobQueue& queue, const core::Clock& clock, std::string from) {
  durable_ = std::make_unique<Durable>(Durable{db, queue, clock, std::move(from), {}});
}

bool MailService::durable() const { return durable_ != nullptr; }

void MailService::RegisterJobHandler(jobs::JobRunner& runner) {
  runner.RegisterBatch(kJobType, [this](const std::vector<jobs::Job>& jobs) { return DeliverBatch(jobs); });
}

Status MailService::SendTemplate(const std::string& template_name, const std::string& to,
                                 const std::map<std::string, std::string>& values) {
  EMP_ASSIGN(MailMessage message, RenderMail(template_name, to, values));
  return Send(std::move(message));
}

Status MailService::SendTemplate(db::Tx& tx, const std::string& template_name, const std::string& to,
                                 const std::map<std::string, std::string>& values,
                                 const std::optional<std::string>& unique_key) {
  if (durable_) {
    // Rendered by the job, outside the caller's transaction; the message id is fixed now, so every
    // attempt sends the same message.
    EMP_TRY(CheckMailTemplate(template_name));
    const auto payload = TemplatePayloadOf(template_name, to, values, MakeMessageId(durable_->from));
    EMP_TRY(durable_->queue.Enqueue(tx, Durable::Spec(payload, unique_key)));
    return OkStatus();
  }
  EMP_ASSIGN(MailMessage message, RenderMail(template_name, to, values));
  tx.AfterCommit([this, message = std::move(message)]() mutable { Enqueue(std::move(message)); });
  return OkStatus();
}

Status MailService::Send(MailMessage message) {
  if (durable_) {
    EMP_TRY(durable_->queue.Enqueue(durable_->Spec(std::move(message), std::nullopt)));
    return OkStatus();
  }
  auto& s = *impl_->state;
  {
    std::lock_guard lock(s.mutex);
    s.queue.push_back({std::move(message), 0, SteadyClock::now()});
  }
  s.wake.notify_all();
  return OkStatus();
}

void MailService::Enqueue(MailMessage message) {
  const std::string template_name = message.template_name;
  if (auto st = Send(std::move(message)); !st) {
    core::Logger("mail")->error(R"({{"msg":"mail not queued","template":"{}","error":"{}"}})",
                                core::JsonEscape(template_name), core::JsonEscape(st.error().message));
  }
}

// The guarantee is documented on the declaration (mailer.hpp) and in docs/notifications.md. The
// two bookkeeping writes each commit on their own, around the sends, so the rows tell a later run
// exactly how far an earlier one got; a batch shares them (one claim and one record for all its
// messages), which is what lets the queue keep up with checkout (four write transactions per mail
// before, four per batch now).
std::vector<Status> Mailer::SendBatch(const std::vector<const MailMessage*>& messages) {
  std::vector<Status> results;
  results.reserve(messages.size());
  for (const MailMessage* message : messages) results.push_back(Send(*message));
  return results;
}

Status MailService::Deliver(const jobs::Job& job) { return std::move(DeliverBatch({job}).front()); }

std::vector<Status> MailService::DeliverBatch(const std::vector<jobs::Job>& jobs) {
  if (!durable_) return std::vector<Status>(jobs.size(), Error::Internal("mail.send jobs need MailService::UseJobQueue"));
  auto& d = *durable_;
  const auto log = core::Logger("mail");
  std::vector<Status> results(jobs.size(), OkStatus());
  std::vector<std::optional<MailMessage>> messages(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto message = MessageOf(jobs[i].payload);
    if (message) {
      messages[i] = std::move(message).value();
    } else {
      results[i] = std::move(message).error();
    }
  }

  auto claimed = d.db.Write([&](db::Tx& tx) -> Result<std::vector<DeliveryClaim>> {
    std::vector<DeliveryClaim> claims(jobs.size(), DeliveryClaim::kAlreadySent);
    const std::int64_t now = d.clock.NowSeconds();
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      if (messages[i]) claims[i] = d.deliveries.Claim(tx, jobs[i].id, *messages[i], now);
    }
    return claims;
  });
  if (!claimed) return std::vector<Status>(jobs.size(), claimed.error());

  std::vector<std::size_t> sent_indexes;
  std::vector<const MailMessage*> to_send;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!messages[i]) continue;
    const MailMessage& message = *messages[i];
    switch ((*claimed)[i]) {
      case DeliveryClaim::kAlreadySent:
        log->info(R"({{"msg":"mail already sent","job_id":{},"message_id":"{}"}})", jobs[i].id,
                  core::JsonEscape(message.message_id));
        break;
      case DeliveryClaim::kInterrupted:
        log->error(R"({{"msg":"mail delivery interrupted, outcome unknown","job_id":{},"message_id":"{}"}})",
                   jobs[i].id, core::JsonEscape(message.message_id));
        // kInvalidArgument: permanent, the runner must not resend by itself.
        results[i] = Error{ErrorCode::kInvalidArgument,
                           "An earlier attempt was interrupted while sending " + message.message_id +
                               "; it may have been delivered. Retry this job to send it again."};
        break;
      case DeliveryClaim::kSend:
        sent_indexes.push_back(i);
        to_send.push_back(&message);
        break;
    }
  }
  if (sent_indexes.empty()) return results;

  std::vector<Status> sent = Impl::SendBatchOnce(*impl_->state->mailer, to_send);
  for (std::size_t k = 0; k < sent_indexes.size(); ++k) {
    const std::size_t i = sent_indexes[k];
    results[i] = k < sent.size() ? std::move(sent[k]) : Error::Internal("the mailer returned too few outcomes");
    if (!results[i]) {
      log->warn(R"({{"msg":"mail delivery failed","job_id":{},"template":"{}","attempt":{},"error":"{}"}})", jobs[i].id,
                core::JsonEscape(messages[i]->template_name), jobs[i].attempts,
                core::JsonEscape(results[i].error().message));
    }
  }

  const Status recorded = d.db.Write([&](db::Tx& tx) -> Status {
    const std::int64_t now = d.clock.NowSeconds();
    for (std::size_t i : sent_indexes) d.deliveries.Finish(tx, jobs[i].id, results[i], now);
    return OkStatus();
  });
  if (!recorded) {
    // The rows still say 'sending': the next run of these jobs finds them interrupted and does not
    // send again (at most once), as when the process dies at this point.
    for (std::size_t i : sent_indexes) results[i] = recorded.error();
  }
  return results;
}

bool MailService::Flush(std::chrono::milliseconds timeout) {
  auto& s = *impl_->state;
  std::unique_lock lock(s.mutex);
  return s.idle.wait_for(lock, timeout, [&] { return (s.queue.empty() && !s.busy) || s.finished; });
}

std::size_t MailService::QueueDepth() const {
  auto& s = *impl_->state;
  std::lock_guard lock(s.mutex);
  return s.queue.size() + (s.busy ? 1 : 0);
}

}  // namespace emporium::infra
