// The "mail.send" job handler (MailService::Deliver, DeliverBatch) on the test database: a job run
// twice sends one e-mail, a batch shares its bookkeeping transactions, an attempt interrupted
// mid-send is not repeated by itself, transient failures retry, rejected recipients fail for good,
// and SendTemplate(tx) enqueues only when the caller commits.

#include "notifications_fixture.hpp"

namespace emporium::notifications::testing {
namespace {

/// A Mailer whose next answers are scripted; records what it was asked to send.
class ScriptedMailer final : public infra::Mailer {
 public:
  Status Send(const infra::MailMessage& message) override {
    std::lock_guard lock(mutex_);
    sent_.push_back(message);
    if (answers_.empty()) return OkStatus();
    auto answer = answers_.front();
    answers_.erase(answers_.begin());
    return answer;
  }
  void Answer(Status status) {
    std::lock_guard lock(mutex_);
    answers_.push_back(std::move(status));
  }
  std::vector<infra::MailMessage> Sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Status> answers_;
  std::vector<infra::MailMessage> sent_;
};

class MailJobs : public NotificationsHarness {
 protected:
  void SetUp() override {
    NotificationsHarness::SetUp();
    auto mailer = std::make_unique<ScriptedMailer>();
    scripted_ = mailer.get();
    service_ = std::make_unique<infra::MailService>(std::move(mailer));
    service_->UseJobQueue(db(), *jobs_, clock_, config_.mail_from);
  }
  void TearDown() override {
    service_.reset();
    NotificationsHarness::TearDown();
  }

  /// Enqueues a rendered verification mail and returns the job as the runner would hand it over.
  infra::jobs::Job EnqueuedJob(const std::optional<std::string>& unique_key = std::nullopt) {
    EXPECT_TRUE(db().Write([&](db::Tx& tx) {
      return service_->SendTemplate(tx, "verify_email", "ada@shop.test",
                                    {{"first_name", "Ada"}, {"store_name", "Test Shop"}, {"link", "http://x/?token=t"}},
                                    unique_key);
    }));
    infra::jobs::Job job;
    EXPECT_TRUE(db().Read([&](db::Tx& tx) -> Status {
      std::string payload;
      long long id = 0;
      tx.sql << "SELECT id, payload FROM jobs WHERE type = 'mail.send' ORDER BY id DESC LIMIT 1", soci::into(id),
          soci::into(payload);
      job.id = id;
      job.type = "mail.send";
      job.payload = json::parse(payload).as_object();
      job.attempts = 1;
      return OkStatus();
    }));
    return job;
  }

  /// The state a crash between the SMTP answer and the 'sent' mark leaves behind.
  void LeaveSending(std::int64_t job_id) {
    ASSERT_TRUE(db().Write([&](db::Tx& tx) -> Status {
      tx.sql << "INSERT INTO mail_deliveries (job_id, message_id, recipient, template, state, attempts, created_at, "
                "updated_at) VALUES (:id, 'm', 'ada@shop.test', 'verify_email', 'sending', 1, 0, 0)",
          soci::use(job_id);
      return OkStatus();
    }));
  }

  std::string DeliveryState(std::int64_t job_id) {
    std::string state;
    EXPECT_TRUE(db().Read([&](db::Tx& tx) -> Status {
      soci::indicator ind = soci::i_null;
      tx.sql << "SELECT state FROM mail_deliveries WHERE job_id = :id", soci::use(job_id), soci::into(state, ind);
      return OkStatus();
    }));
    return state;
  }

  ScriptedMailer* scripted_ = nullptr;
  std::unique_ptr<infra::MailService> service_;
};

TEST_F(MailJobs, AJobRunTwiceSendsOneEmail) {
  const auto job = EnqueuedJob();
  ASSERT_TRUE(service_->Deliver(job));
  ASSERT_TRUE(service_->Deliver(job)) << "the re-run after a crash that followed the send is a no-op";
  auto sent = scripted_->Sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, "ada@shop.test");
  EXPECT_EQ(sent[0].message_id, std::string(job.payload.at("message_id").as_string()));
  EXPECT_EQ(DeliveryState(job.id), "sent");
}

TEST_F(MailJobs, AnAttemptInterruptedMidSendIsNotRepeatedUntilAnOperatorRetries) {
  const auto job = EnqueuedJob();
  LeaveSending(job.id);
  auto st = service_->Deliver(job);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument) << "permanent: the runner must not resend by itself";
  EXPECT_NE(st.error().message.find(std::string(job.payload.at("message_id").as_string())), std::string::npos);
  EXPECT_TRUE(scripted_->Sent().empty());
  EXPECT_EQ(DeliveryState(job.id), "unknown");

  ASSERT_TRUE(service_->Deliver(job)) << "an operator's retry of the dead job sends";
  EXPECT_EQ(scripted_->Sent().size(), 1u);
  EXPECT_EQ(DeliveryState(job.id), "sent");
}

TEST_F(MailJobs, TransientFailuresAreRetriedWithTheSameMessageId) {
  const auto job = EnqueuedJob();
  scripted_->Answer(Error::Unavailable("421 try later"));
  auto st = service_->Deliver(job);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(DeliveryState(job.id), "failed");
  ASSERT_TRUE(service_->Deliver(job));
  auto sent = scripted_->Sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].message_id, sent[1].message_id);
  EXPECT_EQ(DeliveryState(job.id), "sent");
}

TEST_F(MailJobs, ARejectedRecipientFailsForGood) {
  const auto job = EnqueuedJob();
  scripted_->Answer(Error::Invalid("to", "550 no such user"));
  auto st = service_->Deliver(job);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(MailJobs, AMalformedPayloadFailsForGood) {
  infra::jobs::Job job;
  job.id = 999;
  job.payload = {{"to", "ada@shop.test"}};
  auto st = service_->Deliver(job);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(scripted_->Sent().empty());
}

TEST_F(MailJobs, ABatchClaimsAndRecordsItsMailsTogetherAndEachJobGetsItsOwnOutcome) {
  const auto fresh = EnqueuedJob();
  const auto already_sent = EnqueuedJob();
  ASSERT_TRUE(service_->Deliver(already_sent));
  const auto interrupted = EnqueuedJob();
  LeaveSending(interrupted.id);
  const auto refused = EnqueuedJob();
  infra::jobs::Job malformed;
  malformed.id = 999;
  malformed.payload = {{"to", "ada@shop.test"}};
  const auto last = EnqueuedJob();
  const std::size_t sent_before = scripted_->Sent().size();
  scripted_->Answer(OkStatus());                         // fresh
  scripted_->Answer(Error::Unavailable("421 try later"));  // refused

  const auto transactions_before = db().Stats().transactions;
  const auto results = service_->DeliverBatch({fresh, already_sent, interrupted, refused, malformed, last});
  EXPECT_EQ(db().Stats().transactions - transactions_before, 2u) << "one claim and one record for the batch";
  ASSERT_EQ(results.size(), 6u);
  EXPECT_TRUE(results[0]);
  EXPECT_TRUE(results[1]) << "already sent: nothing to do";
  ASSERT_FALSE(results[2]);
  EXPECT_EQ(results[2].error().code, ErrorCode::kInvalidArgument) << "interrupted: not sent again by itself";
  ASSERT_FALSE(results[3]);
  EXPECT_EQ(results[3].error().code, ErrorCode::kUnavailable);
  ASSERT_FALSE(results[4]);
  EXPECT_EQ(results[4].error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(results[5]);

  const auto sent = scripted_->Sent();
  ASSERT_EQ(sent.size() - sent_before, 3u) << "fresh, refused (attempted) and last";
  EXPECT_EQ(sent[sent_before].message_id, std::string(fresh.payload.at("message_id").as_string()));
  EXPECT_EQ(sent[sent_before + 2].message_id, std::string(last.payload.at("message_id").as_string()));
  EXPECT_EQ(DeliveryState(fresh.id), "sent");
  EXPECT_EQ(DeliveryState(already_sent.id), "sent");
  EXPECT_EQ(DeliveryState(interrupted.id), "unknown");
  EXPECT_EQ(DeliveryState(refused.id), "failed");
  EXPECT_EQ(DeliveryState(last.id), "sent");
}

TEST_F(MailJobs, EnqueuesOnlyWhenTheCallerCommitsAndOncePerUniqueKey) {
  const auto before = Count("SELECT COUNT(*) FROM jobs WHERE type = 'mail.send'");
  auto rolled_back = db().Write([&](db::Tx& tx) -> Status {
    EMP_TRY(service_->SendTemplate(tx, "verify_email", "ada@shop.test", {{"link", "x"}}, "mail:test:1"));
    return Error::Conflict("the caller's change failed");
  });
  EXPECT_FALSE(rolled_back);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE type = 'mail.send'"), before);
  EnqueuedJob("mail:test:1");
  EnqueuedJob("mail:test:1");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE type = 'mail.send'"), before + 1);
}

TEST_F(MailJobs, ABrokenTemplateIsTheCallersErrorAndEnqueuesNothing) {
  const auto before = Count("SELECT COUNT(*) FROM jobs");
  auto st = service_->SendTemplate("no_such_template", "ada@shop.test", {});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kInternal);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs"), before);
}

TEST_F(MailJobs, TheRunnerDeliversAccountMailsSentOutsideATransaction) {
  auto ada = Register("ada@shop.test");  // the verification mail, through the harness's durable MailService
  EXPECT_TRUE(mailer_->Messages().empty());
  EXPECT_GE(RunJobs(), 1);
  auto mails = Delivered("verify_email");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "ada@shop.test");
  EXPECT_EQ(RunJobs(), 0) << "done jobs do not run again";
  EXPECT_EQ(Delivered("verify_email").size(), 1u);
}

}  // namespace
}  // namespace emporium::notifications::testing
