// SmtpMailer against a real SMTP server: tests/support/smtp-sink.js, started by
// `scripts/with-services smtp`, which exports EMPORIUM_TEST_SMTP_URL and EMPORIUM_TEST_SMTP_DIR (one
// .eml file per received message). Without them the delivery tests are skipped.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "core/crypto.hpp"
#include "infra/mail/mailer.hpp"
#include "infra/mail/mime.hpp"

namespace emporium::infra {
namespace {
namespace fs = std::filesystem;

struct SmtpSink {
  std::string url;
  fs::path dir;
};

std::optional<SmtpSink> SinkFromEnvironment() {
  const char* url = std::getenv("EMPORIUM_TEST_SMTP_URL");
  const char* dir = std::getenv("EMPORIUM_TEST_SMTP_DIR");
  if (url == nullptr || dir == nullptr || *url == '\0' || *dir == '\0') return std::nullopt;
  return SmtpSink{url, dir};
}

// smtp://host:port → smtp://user:pass@host:port with characters that must be percent-decoded.
std::string WithCredentials(const std::string& url) {
  const auto scheme_end = url.find("://");
  return url.substr(0, scheme_end + 3) + "shop%40emporium.test:p%40ss%3Aw%2Frd@" + url.substr(scheme_end + 3);
}

struct Received {
  ParsedMail mail;
  boost::json::object envelope;  ///< the sink's <n>.json: mail_from, rcpt_to, auth{username, password}
};

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream raw;
  raw << in.rdbuf();
  return raw.str();
}

// Waits for the sink to store a message to `to`; the sink renames complete files into place.
std::optional<Received> WaitForMessageTo(const fs::path& dir, const std::string& to, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() != ".eml" || it->path().filename().string().starts_with(".")) continue;
      auto parsed = ParseMimeMessage(ReadAll(it->path()));
      if (!parsed || parsed->Header("To") != to) continue;
      fs::path envelope_path = it->path();
      envelope_path.replace_extension(".json");
      boost::system::error_code json_error;
      auto envelope = boost::json::parse(ReadAll(envelope_path), json_error);
      if (json_error || !envelope.is_object()) continue;
      return Received{std::move(*parsed), std::move(envelope.as_object())};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::nullopt;
}

MailMessage UniqueMessage() {
  core::InitCrypto();
  const std::string tag = core::RandomToken(6);
  std::string safe_tag;
  for (char c : tag) safe_tag += std::isalnum(static_cast<unsigned char>(c)) ? c : 'x';
  return {.to = "buyer+" + safe_tag + "@example.com",
          .subject = "Bestätigen Sie Ihre E-Mail-Adresse ✓ " + safe_tag,
          .text = "Hallo Jürgen,\n\nbitte öffnen Sie:\nhttp://127.0.0.1:8080/api/v1/auth/verify-email?token=" + safe_tag +
                  "\n.\n.a line that starts with a dot\n",
          .html = "<p>Hallo J&uuml;rgen,</p>\n<p><a href=\"http://127.0.0.1:8080/api/v1/auth/verify-email?token=" +
                  safe_tag + "\">Bestätigen</a></p>\n",
          .template_name = "verify_email",
          .message_id = ""};
}

TEST(SmtpMailer, DeliversToARealSmtpServer) {
  const auto sink = SinkFromEnvironment();
  if (!sink) GTEST_SKIP() << "EMPORIUM_TEST_SMTP_URL is not set (run under scripts/with-services smtp)";
  auto mailer = MakeSmtpMailer(sink->url, "Emporium Tests <no-reply@emporium.test>");
  const MailMessage message = UniqueMessage();
  auto status = mailer->Send(message);
  ASSERT_TRUE(status) << status.error().message;

  auto received = WaitForMessageTo(sink->dir, message.to, std::chrono::seconds(10));
  ASSERT_TRUE(received) << "no message to " << message.to << " in " << sink->dir;
  const ParsedMail& mail = received->mail;
  EXPECT_EQ(mail.Header("Subject"), message.subject);
  EXPECT_EQ(mail.Header("From"), "Emporium Tests <no-reply@emporium.test>");
  EXPECT_EQ(mail.Header("X-Emporium-Template"), "verify_email");
  EXPECT_FALSE(mail.Header("Message-ID").empty());
  EXPECT_FALSE(mail.Header("Date").empty());
  EXPECT_EQ(mail.text, message.text) << "text part, dot lines included";
  EXPECT_EQ(mail.html, message.html);
  EXPECT_EQ(received->envelope.at("mail_from"), "no-reply@emporium.test");
  EXPECT_EQ(received->envelope.at("rcpt_to"), boost::json::array({boost::json::value(message.to)}));
  EXPECT_TRUE(received->envelope.at("auth").is_null()) << "no AUTH without credentials in the URL";
}

TEST(SmtpMailer, AuthenticatesWithPercentDecodedCredentials) {
  const auto sink = SinkFromEnvironment();
  if (!sink) GTEST_SKIP() << "EMPORIUM_TEST_SMTP_URL is not set (run under scripts/with-services smtp)";
  auto mailer = MakeSmtpMailer(WithCredentials(sink->url), "no-reply@emporium.test");
  const MailMessage message = UniqueMessage();
  auto status = mailer->Send(message);
  ASSERT_TRUE(status) << status.error().message;
  auto received = WaitForMessageTo(sink->dir, message.to, std::chrono::seconds(10));
  ASSERT_TRUE(received);
  EXPECT_EQ(received->mail.Header("Subject"), message.subject);
  ASSERT_TRUE(received->envelope.at("auth").is_object()) << boost::json::serialize(received->envelope);
  const auto& auth = received->envelope.at("auth").as_object();
  EXPECT_EQ(auth.at("username"), "shop@emporium.test");
  EXPECT_EQ(auth.at("password"), "p@ss:w/rd");
}

TEST(SmtpMailer, MailServiceDeliversThroughSmtp) {
  const auto sink = SinkFromEnvironment();
  if (!sink) GTEST_SKIP() << "EMPORIUM_TEST_SMTP_URL is not set (run under scripts/with-services smtp)";
  MailService service(MakeSmtpMailer(sink->url, "Emporium <no-reply@emporium.test>"));
  const std::string to = UniqueMessage().to;
  ASSERT_TRUE(service.SendTemplate("verify_email", to,
                                   {{"first_name", "Jane"},
                                    {"link", "http://127.0.0.1:8080/api/v1/auth/verify-email?token=tok123"},
                                    {"token", "tok123"},
                                    {"store_name", "Emporium"}}));
  ASSERT_TRUE(service.Flush(std::chrono::seconds(15)));
  auto received = WaitForMessageTo(sink->dir, to, std::chrono::seconds(10));
  ASSERT_TRUE(received);
  EXPECT_NE(received->mail.text.find("verify-email?token=tok123"), std::string::npos) << received->mail.text;
  EXPECT_NE(received->mail.html.find("verify-email?token=tok123"), std::string::npos);
}

TEST(SmtpMailer, ReportsAnUnreachableServerAsUnavailable) {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  auto mailer = MakeSmtpMailer("smtp://127.0.0.1:1", "no-reply@emporium.test");
  auto status = mailer->Send(UniqueMessage());
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
}

TEST(SmtpMailer, RejectsAnInvalidRecipientBeforeConnecting) {
  auto mailer = MakeSmtpMailer("smtp://127.0.0.1:1", "no-reply@emporium.test");
  MailMessage message = UniqueMessage();
  message.to = "not an address";
  auto status = mailer->Send(message);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace emporium::infra
