// A notification's e-mail delivered to a real SMTP server through the job queue: the sink started by
// `scripts/with-services smtp` (EMPORIUM_TEST_SMTP_URL, EMPORIUM_TEST_SMTP_DIR: one .eml per message).
// Skipped without them. CTest: `scripts/with-services smtp -- integration_tests
// --gtest_filter=NotificationsSmtp*` with EMPORIUM_TEST_DB=sqlite.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "notifications_fixture.hpp"

namespace emporium::notifications::testing {
namespace {

namespace fs = std::filesystem;

/// The text of the first .eml under `dir` that contains `needle`, waiting up to `timeout`.
std::optional<std::string> WaitForEml(const fs::path& dir, const std::string& needle, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() != ".eml") continue;
      std::ifstream in(it->path(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      if (text.str().find(needle) != std::string::npos) return text.str();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::nullopt;
}

class NotificationsSmtp : public NotificationsHarness {};

TEST_F(NotificationsSmtp, DeliversANotificationEmailToARealSmtpServerOnce) {
  const char* url = std::getenv("EMPORIUM_TEST_SMTP_URL");
  const char* dir = std::getenv("EMPORIUM_TEST_SMTP_DIR");
  if (url == nullptr || dir == nullptr || *url == '\0' || *dir == '\0') {
    GTEST_SKIP() << "EMPORIUM_TEST_SMTP_URL / EMPORIUM_TEST_SMTP_DIR not set (run under scripts/with-services smtp)";
  }
  auto ada = Register("ada.smtp@shop.test");
  RunJobs();  // the verification mail, into the capturing mailer

  // The same wiring as the app: SMTP mailer, durable MailService, notifier, runner.
  infra::MailService smtp(infra::MakeSmtpMailer(url, config_.mail_from));
  smtp.UseJobQueue(db(), *jobs_, clock_, config_.mail_from);
  NotificationsModule notifications(db(), config_, clock_, *auth_, smtp, *jobs_, *audit_, &events_, plans_);
  infra::jobs::JobRunner runner(db(), clock_, *jobs_, {.runner_id = "smtp-test", .concurrency = 1});
  smtp.RegisterJobHandler(runner);

  ASSERT_TRUE(db().Write([&](db::Tx& tx) { return notifications.notifier().Notify(tx, Shipped(ada.user_id, 77)); }));
  std::string message_id;
  ASSERT_TRUE(db().Read([&](db::Tx& tx) -> Status {
    std::string payload;
    tx.sql << "SELECT payload FROM jobs WHERE type = 'mail.send' ORDER BY id DESC LIMIT 1", soci::into(payload);
    message_id = std::string(json::parse(payload).as_object().at("message_id").as_string());
    return OkStatus();
  }));
  ASSERT_EQ(runner.RunDue(), 1);
  const auto eml = WaitForEml(dir, message_id, std::chrono::seconds(10));
  ASSERT_TRUE(eml.has_value()) << "no message with Message-ID " << message_id << " reached the sink";
  EXPECT_NE(eml->find("ada.smtp@shop.test"), std::string::npos);
  EXPECT_NE(eml->find("EMP-77"), std::string::npos);
  EXPECT_EQ(runner.RunDue(), 0) << "a delivered job does not run again";
}

}  // namespace
}  // namespace emporium::notifications::testing
