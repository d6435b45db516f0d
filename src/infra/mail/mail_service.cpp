#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "core/log.hpp"
#include "infra/mail/mailer.hpp"

namespace emporium::infra {
namespace {
using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kMaxBackoff = std::chrono::minutes(5);
constexpr std::chrono::milliseconds kDrainTimeout = std::chrono::seconds(10);
}  // namespace

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

  static void Run(std::shared_ptr<State> s) {
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

Status MailService::SendTemplate(const std::string& template_name, const std::string& to,
                                 const std::map<std::string, std::string>& values) {
  EMP_ASSIGN(MailMessage message, RenderMail(template_name, to, values));
  Enqueue(std::move(message));
  return OkStatus();
}

void MailService::Enqueue(MailMessage message) {
  auto& s = *impl_->state;
  {
    std::lock_guard lock(s.mutex);
    s.queue.push_back({std::move(message), 0, SteadyClock::now()});
  }
  s.wake.notify_all();
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
