#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "core/config.hpp"
#include "http/router.hpp"
#include "http/validation.hpp"
#include "core/resources.hpp"
#include "infra/mail/mailer.hpp"
#include "infra/mail/mime.hpp"
#include "infra/mail/outbox.hpp"
#include "modules/mail/mail_module.hpp"

namespace emporium::infra {
namespace {
namespace fs = std::filesystem;

MimeEnvelope FixedEnvelope() {
  return {.from = "Emporium <no-reply@shop.test>",
          .date = 1795616672,  // Wed, 25 Nov 2026 14:24:32 +0000
          .message_id = "<abc123@shop.test>",
          .boundary = "=_emporium_B0UNDARY"};
}

MailMessage SampleMessage() {
  return {.to = "jane@example.com",
          .subject = "Confirm your e-mail address",
          .text = "Hi Jane,\n\nOpen https://shop.test/verify?token=abc_DEF-123\n",
          .html = "<p>Hi Jane,</p>\n<p><a href=\"https://shop.test/verify?token=abc_DEF-123\">Confirm</a></p>\n",
          .template_name = "verify_email",
          .message_id = ""};
}

std::vector<std::string> Lines(const std::string& raw) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < raw.size()) {
    const auto end = raw.find("\r\n", start);
    if (end == std::string::npos) {
      lines.push_back(raw.substr(start));
      break;
    }
    lines.push_back(raw.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

std::size_t Count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

std::string HeaderBlock(const std::string& raw) { return raw.substr(0, raw.find("\r\n\r\n") + 2); }

TEST(MimeBuilder, WritesEveryRequiredHeader) {
  auto raw = BuildMimeMessage(SampleMessage(), FixedEnvelope());
  ASSERT_TRUE(raw) << raw.error().message;
  const std::string headers = HeaderBlock(*raw);
  EXPECT_NE(headers.find("Date: Wed, 25 Nov 2026 14:24:32 +0000\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("From: Emporium <no-reply@shop.test>\r\n"), std::string::npos);
  EXPECT_NE(headers.find("To: jane@example.com\r\n"), std::string::npos);
  EXPECT_NE(headers.find("Subject: Confirm your e-mail address\r\n"), std::string::npos);
  EXPECT_NE(headers.find("Message-ID: <abc123@shop.test>\r\n"), std::string::npos);
  EXPECT_NE(headers.find("MIME-Version: 1.0\r\n"), std::string::npos);
  EXPECT_NE(headers.find("X-Emporium-Template: verify_email\r\n"), std::string::npos);
  EXPECT_NE(headers.find("Content-Type: multipart/alternative;\r\n boundary=\"=_emporium_B0UNDARY\"\r\n"),
            std::string::npos);
}

TEST(MimeBuilder, UsesCrlfAndShortLinesOnly) {
  MailMessage m = SampleMessage();
  m.text = std::string(300, 'x') + "\n" + std::string(200, 'y') + " \n";
  auto raw = BuildMimeMessage(m, FixedEnvelope());
  ASSERT_TRUE(raw);
  for (std::size_t i = 0; i < raw->size(); ++i) {
    if ((*raw)[i] == '\n') {
      ASSERT_TRUE(i > 0 && (*raw)[i - 1] == '\r') << "bare LF at " << i;
    }
    if ((*raw)[i] == '\r') {
      ASSERT_TRUE(i + 1 < raw->size() && (*raw)[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  for (const auto& line : Lines(*raw)) EXPECT_LE(line.size(), 78u) << line;
  EXPECT_TRUE(raw->ends_with("\r\n"));
}

TEST(MimeBuilder, HasOneTextAndOneHtmlPartBetweenBoundaries) {
  auto raw = BuildMimeMessage(SampleMessage(), FixedEnvelope());
  ASSERT_TRUE(raw);
  EXPECT_EQ(Count(*raw, "\r\n--=_emporium_B0UNDARY\r\n"), 2u);
  EXPECT_TRUE(raw->ends_with("\r\n--=_emporium_B0UNDARY--\r\n"));
  const auto text_at = raw->find("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
  const auto html_at = raw->find("Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
  ASSERT_NE(text_at, std::string::npos);
  ASSERT_NE(html_at, std::string::npos);
  EXPECT_LT(text_at, html_at) << "the preferred (HTML) alternative comes last";
  // The boundary must not appear anywhere except in its delimiter lines and the header.
  EXPECT_EQ(Count(*raw, "=_emporium_B0UNDARY"), 4u);
}

TEST(MimeBuilder, EncodesNonAsciiSubjectAsRfc2047) {
  MailMessage m = SampleMessage();
  m.subject = "Bestätigung für Jürgen — 👍";
  auto raw = BuildMimeMessage(m, FixedEnvelope());
  ASSERT_TRUE(raw);
  const std::string headers = HeaderBlock(*raw);
  EXPECT_NE(headers.find("Subject: =?UTF-8?B?"), std::string::npos) << headers;
  for (char c : headers) EXPECT_LT(static_cast<unsigned char>(c), 0x80) << "headers must be 7-bit";
  auto parsed = ParseMimeMessage(*raw);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->Header("Subject"), m.subject);
}

TEST(MimeBuilder, SplitsLongEncodedSubjectsWithoutBreakingCharacters) {
  std::string subject;
  for (int i = 0; i < 40; ++i) subject += "Grüße ";
  subject += "✓";
  const std::string encoded = EncodeHeaderText(subject, 7);
  std::size_t words = 0;
  std::size_t start = 0;
  while (true) {
    const auto end = encoded.find("\r\n ", start);
    const std::string word = encoded.substr(start, end == std::string::npos ? std::string::npos : end - start);
    EXPECT_LE(word.size(), 75u) << word;
    EXPECT_TRUE(word.starts_with("=?UTF-8?B?") && word.ends_with("?=")) << word;
    // Each word decodes on its own to valid UTF-8: no character is split between two words.
    EXPECT_TRUE(http::Utf8Length(DecodeHeaderText(word))) << word;
    ++words;
    if (end == std::string::npos) break;
    start = end + 3;
  }
  EXPECT_GT(words, 3u);
  std::string unfolded = encoded;
  for (auto p = unfolded.find("\r\n"); p != std::string::npos; p = unfolded.find("\r\n")) unfolded.erase(p, 2);
  EXPECT_EQ(DecodeHeaderText(unfolded), subject);
}

TEST(MimeBuilder, KeepsPlainAsciiSubjectsReadableAndFoldsLongOnes) {
  EXPECT_EQ(EncodeHeaderText("Your order #1001 has shipped", 7), "Your order #1001 has shipped");
  const std::string long_subject =
      "This is a rather long subject line that certainly exceeds the seventy-eight character limit";
  const std::string folded = EncodeHeaderText(long_subject, 7);
  EXPECT_NE(folded.find("\r\n "), std::string::npos);
  std::string unfolded = folded;
  for (auto p = unfolded.find("\r\n"); p != std::string::npos; p = unfolded.find("\r\n")) unfolded.erase(p, 2);
  EXPECT_EQ(unfolded, long_subject);
  // Text that looks like an encoded word is encoded, so a reader cannot be tricked into decoding it.
  EXPECT_TRUE(EncodeHeaderText("=?UTF-8?B?aGk=?=", 7).starts_with("=?UTF-8?B?"));
}

TEST(MimeBuilder, CannotBeUsedForHeaderInjection) {
  MailMessage m = SampleMessage();
  m.subject = "Hello\r\nBcc: victim@example.com";
  auto raw = BuildMimeMessage(m, FixedEnvelope());
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->find("\r\nBcc:"), std::string::npos);

  m = SampleMessage();
  m.to = "jane@example.com\r\nBcc: victim@example.com";
  auto rejected = BuildMimeMessage(m, FixedEnvelope());
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().code, ErrorCode::kInvalidArgument);

  for (const char* bad : {"", "jane", "@example.com", "jane@", "Jane <jane@example.com>", "a b@example.com",
                          "a@b@example.com", "jane@example..com"}) {
    m.to = bad;
    EXPECT_FALSE(BuildMimeMessage(m, FixedEnvelope())) << bad;
  }
}

TEST(MimeBuilder, EncodesDisplayNamesThatNeedIt) {
  MimeEnvelope e = FixedEnvelope();
  e.from = "Café Zürich <shop@cafe.test>";
  auto raw = BuildMimeMessage(SampleMessage(), e);
  ASSERT_TRUE(raw);
  EXPECT_NE(raw->find("From: =?UTF-8?B?"), std::string::npos);
  EXPECT_EQ(ParseMimeMessage(*raw)->Header("From"), "Café Zürich <shop@cafe.test>");

  e.from = "Shop, Inc. <shop@inc.test>";
  raw = BuildMimeMessage(SampleMessage(), e);
  ASSERT_TRUE(raw);
  EXPECT_NE(raw->find("From: \"Shop, Inc.\" <shop@inc.test>\r\n"), std::string::npos);

  e.from = "not an address";
  EXPECT_FALSE(BuildMimeMessage(SampleMessage(), e));
}

TEST(MimeBuilder, NoBodyLineStartsWithADot) {
  MailMessage m = SampleMessage();
  m.text = ".\n..\n.hidden line\nFrom here on\n" + std::string(75, 'a') + ".b\n";
  m.html = ".\n<p>.</p>\n";
  auto raw = BuildMimeMessage(m, FixedEnvelope());
  ASSERT_TRUE(raw);
  for (const auto& line : Lines(*raw)) {
    EXPECT_FALSE(line.starts_with(".")) << line;
    EXPECT_FALSE(line.starts_with("From ")) << line;
  }
  auto parsed = ParseMimeMessage(*raw);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->text, m.text);
  EXPECT_EQ(parsed->html, m.html);
}

TEST(QuotedPrintable, RoundTripsUtf8LongLinesAndTrailingSpaces) {
  const std::string text = "Grüße, Jürgen! = 100 % sicher\n" + std::string(200, 'z') + "\n" + "trailing   \n\tTab\n" +
                           std::string(80, '=') + "\nno newline at end 🙂";
  const std::string encoded = QuotedPrintableEncode(text);
  for (const auto& line : Lines(encoded)) {
    EXPECT_LE(line.size(), 76u);
    EXPECT_FALSE(line.ends_with(" ") || line.ends_with("\t")) << line;
    for (char c : line) EXPECT_LT(static_cast<unsigned char>(c), 0x80);
  }
  EXPECT_NE(encoded.find("Gr=C3=BC=C3=9Fe"), std::string::npos);
  EXPECT_EQ(QuotedPrintableDecode(encoded), text);
}

TEST(QuotedPrintable, DecodesLfOnlyInputAndKeepsMalformedEscapes) {
  EXPECT_EQ(QuotedPrintableDecode("a=3Db=\nc\nd=ZZ"), "a=bc\nd=ZZ");
  EXPECT_EQ(QuotedPrintableDecode("soft=\r\nbreak   \r\n"), "softbreak\n");
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  const std::string data("\x00\x01\xfe\xff hello", 10);
  const std::string encoded = Base64Encode(data);
  EXPECT_EQ(Base64Decode(encoded), data);
  EXPECT_EQ(Base64Decode("aGVs\r\nbG8=\r\n"), std::string("hello"));
  EXPECT_FALSE(Base64Decode("not*base64"));
}

TEST(MimeParser, ReadsLfOnlyBase64AndEncodedWords) {
  const std::string raw =
      "To: bob@example.com\n"
      "Subject: =?iso-8859-1?Q?Caf=E9?= =?UTF-8?B?IOKckw==?= ok\n"
      "X-Long: one\n two\n"
      "Content-Type: multipart/mixed; boundary=outer\n"
      "\n"
      "--outer\n"
      "Content-Type: multipart/alternative; boundary=\"inner\"\n"
      "\n"
      "--inner\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "aGVsbG8gd29ybGQ=\n"
      "--inner\n"
      "Content-Type: text/html\n"
      "\n"
      "<b>hi</b>\n"
      "--inner--\n"
      "--outer--\n";
  auto parsed = ParseMimeMessage(raw);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->Header("to"), "bob@example.com");
  EXPECT_EQ(parsed->Header("Subject"), "Café ✓ ok");
  EXPECT_EQ(parsed->Header("X-Long"), "one two");
  EXPECT_EQ(parsed->text, "hello world");
  EXPECT_EQ(parsed->html, "<b>hi</b>");
  EXPECT_EQ(parsed->Header("Missing"), "");
  EXPECT_FALSE(ParseMimeMessage("no header here"));
}

TEST(MimeParser, RoundTripsWhatTheBuilderWrites) {
  MailMessage m = SampleMessage();
  m.text = "Zeile 1\nZeile 2 mit Ümlaut\n\n=== end ===";
  auto raw = BuildMimeMessage(m, FixedEnvelope());
  ASSERT_TRUE(raw);
  auto parsed = ParseMimeMessage(*raw);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->Header("To"), m.to);
  EXPECT_EQ(parsed->Header("Subject"), m.subject);
  EXPECT_EQ(parsed->Header("X-Emporium-Template"), "verify_email");
  EXPECT_EQ(parsed->Header("Message-ID"), "<abc123@shop.test>");
  EXPECT_EQ(parsed->text, m.text);
  EXPECT_EQ(parsed->html, m.html);
}

TEST(MimeHelpers, MakesUniqueIdsAndBoundaries) {
  const std::string a = MakeMessageId("Shop <no-reply@shop.test>");
  const std::string b = MakeMessageId("Shop <no-reply@shop.test>");
  EXPECT_NE(a, b);
  EXPECT_TRUE(a.starts_with("<") && a.ends_with("@shop.test>")) << a;
  EXPECT_TRUE(MakeMessageId("garbage").ends_with("@emporium.local>"));
  EXPECT_NE(MakeBoundary(), MakeBoundary());
  EXPECT_EQ(AddressOf("Jane Doe <jane@x.test>"), "jane@x.test");
  EXPECT_EQ(AddressOf(" jane@x.test "), "jane@x.test");
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("emporium-mail-test-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline std::atomic<int> counter_{0};
  fs::path path_;
};

TEST(OutboxMailer, WritesOneEmlFilePerMessageAtomically) {
  TempDir dir;
  const fs::path outbox = dir.path() / "outbox";  // created on first send
  auto mailer = MakeOutboxMailer(outbox.string(), "Emporium <no-reply@shop.test>");
  ASSERT_TRUE(mailer->Send(SampleMessage()));
  ASSERT_TRUE(mailer->Send(SampleMessage()));
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(outbox)) names.push_back(e.path().filename().string());
  ASSERT_EQ(names.size(), 2u) << "no temporary files may remain";
  const std::regex pattern(R"(\d{8}T\d{6}-\d{6}[A-Za-z0-9_-]{11}\.eml)");
  for (const auto& n : names) {
    EXPECT_TRUE(std::regex_match(n, pattern)) << n;
    EXPECT_TRUE(IsOutboxId(n.substr(0, n.size() - 4)));
  }
  std::ifstream in(outbox / names[0], std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  auto parsed = ParseMimeMessage(content.str());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->Header("X-Emporium-Template"), "verify_email");
  EXPECT_FALSE(parsed->Header("Message-ID").empty());
  EXPECT_FALSE(parsed->Header("Date").empty());
}

TEST(OutboxMailer, RejectsAnInvalidRecipientWithoutWriting) {
  TempDir dir;
  auto mailer = MakeOutboxMailer(dir.path().string(), "Emporium <no-reply@shop.test>");
  MailMessage m = SampleMessage();
  m.to = "nobody";
  auto status = mailer->Send(m);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(OutboxMailer, ABatchIsWrittenWholeAndEachMessageKeepsItsOwnOutcome) {
  TempDir dir;
  auto mailer = MakeOutboxMailer(dir.path().string(), "Emporium <no-reply@shop.test>");
  std::vector<MailMessage> batch(4, SampleMessage());
  batch[2].to = "nobody";  // refused, the others written
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].text = "text " + std::to_string(i);
  std::vector<const MailMessage*> pointers;
  for (const auto& m : batch) pointers.push_back(&m);
  const auto results = mailer->SendBatch(pointers);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0] && results[1] && results[3]);
  ASSERT_FALSE(results[2]);
  EXPECT_EQ(results[2].error().code, ErrorCode::kInvalidArgument);

  std::vector<std::string> texts;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    ASSERT_EQ(e.path().extension(), ".eml") << "no temporary files may remain: " << e.path();
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    auto parsed = ParseMimeMessage(content.str());
    ASSERT_TRUE(parsed) << e.path();
    texts.push_back(parsed->text);
  }
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(texts, (std::vector<std::string>{"text 0", "text 1", "text 3"}));
}

TEST(OutboxReader, ListsNewestFirstAndReadsMessagesBack) {
  TempDir dir;
  auto mailer = MakeOutboxMailer(dir.path().string(), "Emporium <no-reply@shop.test>");
  for (int i = 0; i < 5; ++i) {
    MailMessage m = SampleMessage();
    m.to = i % 2 == 0 ? "even@example.com" : "odd@example.com";
    m.subject = "Message " + std::to_string(i) + " – ünïcode";
    m.template_name = i == 4 ? "reset_password" : "verify_email";
    m.text = "text " + std::to_string(i);
    m.html = "<p>html " + std::to_string(i) + "</p>";
    ASSERT_TRUE(mailer->Send(m));
  }
  OutboxReader reader(dir.path().string());
  auto page = reader.List({});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 5u);
  EXPECT_FALSE(page->next_cursor);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(page->items[i].subject, "Message " + std::to_string(4 - i) + " – ünïcode");
  EXPECT_EQ(page->items[0].template_name, "reset_password");
  EXPECT_EQ(page->items[0].to, "even@example.com");
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(static_cast<double>(page->items[0].created_at), static_cast<double>(now), 5.0);

  auto one = reader.Read(page->items[1].id);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->summary.subject, "Message 3 – ünïcode");
  EXPECT_EQ(one->text, "text 3");
  EXPECT_EQ(one->html, "<p>html 3</p>");

  auto filtered = reader.List({.limit = 50, .before = "", .to = "ODD@example.com", .template_name = ""});
  ASSERT_TRUE(filtered);
  EXPECT_EQ(filtered->items.size(), 2u);
  filtered = reader.List({.limit = 50, .before = "", .to = "", .template_name = "reset_password"});
  ASSERT_TRUE(filtered);
  ASSERT_EQ(filtered->items.size(), 1u);
}

TEST(OutboxReader, PagesWithACursor) {
  TempDir dir;
  auto mailer = MakeOutboxMailer(dir.path().string(), "Emporium <no-reply@shop.test>");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(mailer->Send(SampleMessage()));
  OutboxReader reader(dir.path().string());
  std::vector<std::string> seen;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = reader.List({.limit = 2, .before = cursor, .to = "", .template_name = ""});
    ASSERT_TRUE(page);
    for (const auto& s : page->items) seen.push_back(s.id);
    if (!page->next_cursor) break;
    cursor = *page->next_cursor;
  }
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_TRUE(std::is_sorted(seen.rbegin(), seen.rend()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 5u);
}

TEST(OutboxReader, TreatsMalformedIdsAndPathTraversalAsNotFound) {
  TempDir dir;
  fs::create_directories(dir.path() / "outbox");
  std::ofstream(dir.path() / "secret.eml") << "To: x@y.z\r\n\r\nsecret";
  OutboxReader reader((dir.path() / "outbox").string());
  for (const char* id : {"../secret", "..%2Fsecret", "", ".", "..", "/etc/passwd", "20261125T142432-000000AAAAAAAAAAA/x",
                         "20261125T142432-000000AAAAAAAAAA.", "20261125T142432-000000AAAAAAAAAAA"}) {
    auto r = reader.Read(id);
    ASSERT_FALSE(r) << id;
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << id;
  }
  EXPECT_FALSE(IsOutboxId("../../../../etc/passwd"));
  EXPECT_FALSE(IsOutboxId(".20261125T142432-000000AAAAAAAAAA"));
  EXPECT_TRUE(IsOutboxId("20261125T142432-000000AAAAAAAAAAA"));
  EXPECT_EQ(OutboxIdTime("20261125T142432-000000AAAAAAAAAAA"), 1795616672);
}

TEST(OutboxReader, ReadsAMissingFolderAsEmpty) {
  OutboxReader reader("/nonexistent/emporium/outbox");
  auto page = reader.List({});
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->items.empty());
}

TEST(MailTemplates, EscapesHtmlOnlyWhenAsked) {
  const std::map<std::string, std::string> values{{"name", "<script>alert('x') & \"y\"</script>"}};
  auto html = RenderMustache("Hi {{name}}!", values, true);
  ASSERT_TRUE(html);
  EXPECT_EQ(*html, "Hi &lt;script&gt;alert(&apos;x&apos;) &amp; &quot;y&quot;&lt;/script&gt;!");
  auto raw_in_html = RenderMustache("{{{name}}}", values, true);
  ASSERT_TRUE(raw_in_html);
  EXPECT_EQ(*raw_in_html, values.at("name"));
  auto text = RenderMustache("Hi {{name}}!", values, false);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "Hi <script>alert('x') & \"y\"</script>!");
  auto missing = RenderMustache("[{{nope}}]", values, true);
  ASSERT_TRUE(missing);
  EXPECT_EQ(*missing, "[]");
}

TEST(MailTemplates, ReportsABrokenTemplate) {
  auto broken = RenderMustache("{{#open}} never closed", {}, true);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, ErrorCode::kInternal);
  EXPECT_NE(broken.error().message.find("open"), std::string::npos);
}

TEST(MailTemplates, RendersTheVerificationMail) {
  auto m = RenderMail("verify_email", "jane@example.com",
                      {{"first_name", "Jane <b>&</b>"},
                       {"link", "http://127.0.0.1:8080/api/v1/auth/verify-email?token=abc_DEF-123&x=1"},
                       {"token", "abc_DEF-123"},
                       {"store_name", "Emporium"}});
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->to, "jane@example.com");
  EXPECT_EQ(m->template_name, "verify_email");
  EXPECT_FALSE(m->subject.empty());
  EXPECT_EQ(m->subject.find('\n'), std::string::npos);
  EXPECT_EQ(m->subject, std::string(m->subject.data()));  // no trailing garbage
  EXPECT_FALSE(m->subject.ends_with(" "));
  EXPECT_NE(m->subject.find("Emporium"), std::string::npos);
  EXPECT_NE(m->text.find("Jane <b>&</b>"), std::string::npos) << "text renders values verbatim";
  EXPECT_NE(m->text.find("verify-email?token=abc_DEF-123&x=1"), std::string::npos);
  EXPECT_NE(m->html.find("Jane &lt;b&gt;&amp;&lt;/b&gt;"), std::string::npos) << "HTML escapes values";
  EXPECT_EQ(m->html.find("Jane <b>"), std::string::npos);
  EXPECT_NE(m->html.find("token=abc_DEF-123&amp;x=1"), std::string::npos);
}

TEST(MailTemplates, RendersEveryTemplateTheAuthModuleUses) {
  const std::map<std::string, std::string> values{{"first_name", "Jane"},  {"link", "http://x.test/l"},
                                                  {"token", "t"},          {"store_name", "Emporium"},
                                                  {"expires_minutes", "60"}, {"role", "support"},
                                                  {"login_url", "http://x.test/login"}};
  for (const char* name : {"verify_email", "reset_password", "password_changed", "staff_welcome"}) {
    auto m = RenderMail(name, "jane@example.com", values);
    ASSERT_TRUE(m) << name << ": " << m.error().message;
    EXPECT_FALSE(m->subject.empty()) << name;
    EXPECT_NE(m->text.find("Jane"), std::string::npos) << name;
    EXPECT_NE(m->html.find("Jane"), std::string::npos) << name;
  }
}

// Durable mail is rendered when its job runs, so a broken template must be caught here, not by a
// customer's receipt going dead in the queue.
TEST(MailTemplates, EveryTemplateInTheBinaryRendersAndPassesTheEnqueueCheck) {
  int templates = 0;
  for (const auto& entry : core::ResourcesUnder("templates/email/")) {
    constexpr std::string_view kSuffix = ".subject.mustache";
    std::string_view path = entry.path;
    if (!path.ends_with(kSuffix)) continue;
    path.remove_prefix(std::string_view("templates/email/").size());
    path.remove_suffix(kSuffix.size());
    const std::string name(path);
    ++templates;
    EXPECT_TRUE(CheckMailTemplate(name)) << name;
    // What the notifier always adds; each caller adds its own facts on top.
    auto m = RenderMail(name, "jane@example.com",
                        {{"first_name", "Jane"}, {"store_name", "Emporium"}, {"title", "Title"}, {"body", "Body"},
                         {"link", "http://x.test/l"}});
    ASSERT_TRUE(m) << name << ": " << m.error().message;
    EXPECT_FALSE(m->subject.empty()) << name;
    EXPECT_FALSE(m->html.empty()) << name;
  }
  EXPECT_GE(templates, 10);
  EXPECT_FALSE(CheckMailTemplate("no_such_template"));
  EXPECT_FALSE(CheckMailTemplate("../../etc/passwd"));
}

TEST(MailTemplates, FailsClearlyForAMissingTemplate) {
  auto m = RenderMail("no_such_template", "jane@example.com", {});
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kInternal);
  EXPECT_NE(m.error().message.find("templates/email/no_such_template.subject.mustache"), std::string::npos)
      << m.error().message;
  EXPECT_FALSE(RenderMail("../../etc/passwd", "jane@example.com", {}));
}

// A mailer that fails a scripted number of times, then records deliveries.
class ScriptedMailer final : public Mailer {
 public:
  struct Shared {
    std::mutex mutex;
    std::vector<MailMessage> delivered;
    int calls = 0;
    int failures_left = 0;
    ErrorCode failure = ErrorCode::kUnavailable;
    std::chrono::milliseconds delay{0};
  };
  explicit ScriptedMailer(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  Status Send(const MailMessage& message) override {
    std::chrono::milliseconds delay;
    {
      std::lock_guard lock(shared_->mutex);
      delay = shared_->delay;
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    std::lock_guard lock(shared_->mutex);
    ++shared_->calls;
    if (shared_->failures_left > 0) {
      --shared_->failures_left;
      return Error{shared_->failure, "scripted failure", "", {}};
    }
    shared_->delivered.push_back(message);
    return OkStatus();
  }

 private:
  std::shared_ptr<Shared> shared_;
};

TEST(MailService, DeliversInTheBackgroundAndFlushes) {
  auto shared = std::make_shared<ScriptedMailer::Shared>();
  MailService service(std::make_unique<ScriptedMailer>(shared), 3, std::chrono::milliseconds(1));
  ASSERT_TRUE(service.SendTemplate("password_changed", "jane@example.com",
                                   {{"first_name", "Jane"}, {"store_name", "Emporium"}}));
  service.Enqueue(SampleMessage());
  EXPECT_TRUE(service.Flush(std::chrono::seconds(5)));
  EXPECT_EQ(service.QueueDepth(), 0u);
  std::lock_guard lock(shared->mutex);
  ASSERT_EQ(shared->delivered.size(), 2u);
  EXPECT_EQ(shared->delivered[0].template_name, "password_changed");
}

TEST(MailService, ReportsTemplateErrorsToTheCaller) {
  auto shared = std::make_shared<ScriptedMailer::Shared>();
  MailService service(std::make_unique<ScriptedMailer>(shared));
  auto status = service.SendTemplate("missing_template", "jane@example.com", {});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInternal);
  EXPECT_EQ(service.QueueDepth(), 0u);
}

TEST(MailService, RetriesTransientFailuresWithBackoff) {
  auto shared = std::make_shared<ScriptedMailer::Shared>();
  shared->failures_left = 3;
  MailService service(std::make_unique<ScriptedMailer>(shared), 5, std::chrono::milliseconds(10));
  const auto start = std::chrono::steady_clock::now();
  service.Enqueue(SampleMessage());
  ASSERT_TRUE(service.Flush(std::chrono::seconds(10)));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(10 + 20 + 40));  // exponential: 10, 20, 40 ms
  std::lock_guard lock(shared->mutex);
  EXPECT_EQ(shared->calls, 4);
  EXPECT_EQ(shared->delivered.size(), 1u);
}

TEST(MailService, GivesUpAfterMaxAttempts) {
  auto shared = std::make_shared<ScriptedMailer::Shared>();
  shared->failures_left = 100;
  MailService service(std::make_unique<ScriptedMailer>(shared), 3, std::chrono::milliseconds(1));
  service.Enqueue(SampleMessage());
  ASSERT_TRUE(service.Flush(std::chrono::seconds(10)));
  std::lock_guard lock(shared->mutex);
  EXPECT_EQ(shared->calls, 3);
  EXPECT_TRUE(shared->delivered.empty());
}

TEST(MailService, DoesNotRetryPermanentFailures) {
  auto shared = std::make_shared<ScriptedMailer::Shared>();
  shared->failures_left = 1;
  shared->failure = ErrorCode::kInvalidArgument;
  MailService service(std::make_unique<ScriptedMailer>(shared), 5, std::chrono::milliseconds(1));
  service.Enqueue(SampleMessage());
  service.Enqueue(SampleMessage());
  ASSERT_TRUE(service.Flush(std::chrono::seconds(10)));
  std::lock_guard lock(shared->mutex);
  EXPECT_EQ(shared->calls, 2);
  EXPECT_EQ(shared->delivered.size(), 1u);
}

TEST(MailService, DrainsTheQueueOnDestruction) {
  auto shared = std::make_shared<ScriptedMailer::Shared>();
  shared->delay = std::chrono::milliseconds(5);
  {
    MailService service(std::make_unique<ScriptedMailer>(shared), 3, std::chrono::seconds(60));
    for (int i = 0; i < 10; ++i) service.Enqueue(SampleMessage());
    EXPECT_GT(service.QueueDepth(), 0u);
  }
  std::lock_guard lock(shared->mutex);
  EXPECT_EQ(shared->delivered.size(), 10u);
}

TEST(MailService, FlushTimesOutWhileAMessageWaitsForItsRetry) {
  auto shared = std::make_shared<ScriptedMailer::Shared>();
  shared->failures_left = 1;
  MailService service(std::make_unique<ScriptedMailer>(shared), 3, std::chrono::seconds(30));
  service.Enqueue(SampleMessage());
  EXPECT_FALSE(service.Flush(std::chrono::milliseconds(100)));
  EXPECT_EQ(service.QueueDepth(), 1u);
  // The destructor does not wait out the backoff: the pending retry is attempted at once.
}

}  // namespace
}  // namespace emporium::infra

namespace emporium::mail {
namespace {
namespace fs = std::filesystem;

TEST(MailModule, ServesTheOutboxToAdminsOnly) {
  const fs::path data = fs::temp_directory_path() / ("emporium-mail-module-" + std::to_string(::getpid()));
  fs::remove_all(data);
  core::Config config;
  config.data_dir = data.string();
  config.mail_from = "Emporium <no-reply@shop.test>";
  auto mailer = MakeMailer(config);
  infra::MailMessage m{.to = "jane@example.com", .subject = "Hello", .text = "the text", .html = "<p>the html</p>",
                       .template_name = "verify_email", .message_id = ""};
  ASSERT_TRUE(mailer->Send(m));

  http::Router router;
  MailModule(config).RegisterRoutes(router);

  auto list = router.Match(http::Method::kGet, "/api/v1/admin/outbox");
  ASSERT_NE(list.route, nullptr);
  EXPECT_TRUE(list.route->options.authenticated);
  EXPECT_EQ(list.route->options.roles, std::vector<Role>{Role::kAdmin});

  http::Request req;
  req.method = http::Method::kGet;
  req.path = "/api/v1/admin/outbox";
  req.principal = Principal{.user_id = 1, .role = Role::kAdmin, .jti = "j", .issued_at = 0};
  auto listed = list.route->handler(req);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200);
  const auto body = boost::json::parse(listed->body).as_object();
  ASSERT_EQ(body.at("items").as_array().size(), 1u);
  EXPECT_TRUE(body.at("next_cursor").is_null());
  const auto& item = body.at("items").as_array()[0].as_object();
  EXPECT_EQ(item.at("to").as_string(), "jane@example.com");
  EXPECT_EQ(item.at("subject").as_string(), "Hello");
  EXPECT_EQ(item.at("template").as_string(), "verify_email");
  EXPECT_TRUE(item.at("created_at").as_string().ends_with("Z"));
  const std::string id(item.at("id").as_string());

  auto one = router.Match(http::Method::kGet, "/api/v1/admin/outbox/" + id);
  ASSERT_NE(one.route, nullptr);
  EXPECT_EQ(one.route->options.roles, std::vector<Role>{Role::kAdmin});
  http::Request get = req;
  get.path_params = one.params;
  auto read = one.route->handler(get);
  ASSERT_TRUE(read);
  const auto message = boost::json::parse(read->body).as_object();
  EXPECT_EQ(message.at("id").as_string(), id);
  EXPECT_EQ(message.at("text").as_string(), "the text");
  EXPECT_EQ(message.at("html").as_string(), "<p>the html</p>");

  http::Request traversal = req;
  traversal.path_params = {{"id", "../outbox/" + id}};
  auto missing = one.route->handler(traversal);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  http::Request bad_cursor = req;
  bad_cursor.query_string = "cursor=..%2F..%2Fetc";
  auto rejected = list.route->handler(bad_cursor);
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().code, ErrorCode::kInvalidArgument);
  fs::remove_all(data);
}

}  // namespace
}  // namespace emporium::mail
