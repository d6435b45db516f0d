#include <curl/curl.h>

#include <boost/url/parse.hpp>
#include <chrono>
#include <cstring>
#include <mutex>

#include "core/log.hpp"
#include "infra/mail/mailer.hpp"
#include "infra/mail/mime.hpp"

namespace emporium::infra {
namespace {

constexpr long kConnectTimeoutMs = 10'000;
constexpr long kTotalTimeoutMs = 60'000;

struct SmtpTarget {
  std::string url;  ///< scheme://host:port/ehlo-name, without credentials
  std::string host;
  bool implicit_tls = false;
  std::string username;
  std::string password;
};

Result<SmtpTarget> ParseSmtpUrl(const std::string& smtp_url) {
  auto parsed = boost::urls::parse_uri(smtp_url);
  if (!parsed) return Error::Internal("SMTP_URL is not a valid URL.");
  const auto& u = *parsed;
  SmtpTarget t;
  const std::string scheme(u.scheme());
  if (scheme != "smtp" && scheme != "smtps") return Error::Internal("SMTP_URL must start with smtp:// or smtps://.");
  t.implicit_tls = scheme == "smtps";
  t.host = std::string(u.encoded_host());
  if (t.host.empty()) return Error::Internal("SMTP_URL has no host.");
  if (u.has_userinfo()) {
    t.username = std::string(u.user());  // percent-decoded
    t.password = std::string(u.password());
  }
  t.url = scheme + "://" + std::string(u.encoded_host_and_port());
  // The path names the EHLO domain (curl's convention); an empty one lets curl choose.
  const std::string path(u.encoded_path());
  t.url += path.empty() ? "/" : path;
  return t;
}

struct UploadState {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t ReadChunk(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* state = static_cast<UploadState*>(user);
  const std::size_t n = std::min(size * count, state->data->size() - state->offset);
  std::memcpy(buffer, state->data->data() + state->offset, n);
  state->offset += n;
  return n;
}

bool IsTransient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_PARTIAL_FILE:
    case CURLE_AGAIN:
      return true;
    default:
      return false;
  }
}

class SmtpMailer final : public Mailer {
 public:
  SmtpMailer(SmtpTarget target, std::string from) : target_(std::move(target)), from_(std::move(from)) {}

  Status Send(const MailMessage& message) override {
    MimeEnvelope envelope{
        .from = from_,
        .date = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                    .count(),
        .message_id = message.message_id.empty() ? MakeMessageId(from_) : message.message_id,
        .boundary = MakeBoundary()};
    EMP_ASSIGN(const std::string raw, BuildMimeMessage(message, envelope));

    CURL* curl = curl_easy_init();
    if (curl == nullptr) return Error::Unavailable("Cannot start an SMTP session.");
    curl_slist* recipients = curl_slist_append(nullptr, ("<" + message.to + ">").c_str());
    UploadState upload{&raw};
    char error_buffer[CURL_ERROR_SIZE] = {0};
    const std::string mail_from = "<" + AddressOf(from_) + ">";

    curl_easy_setopt(curl, CURLOPT_URL, target_.url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, kTotalTimeoutMs);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    if (!target_.implicit_tls) curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
    if (!target_.username.empty()) {
      curl_easy_setopt(curl, CURLOPT_USERNAME, target_.username.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, target_.password.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &ReadChunk);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);

    const CURLcode code = curl_easy_perform(curl);
    long smtp_status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &smtp_status);
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);

    const auto log = core::Logger("mail");
    if (code == CURLE_OK) {
      log->info(R"({{"msg":"mail sent over SMTP","host":"{}","smtp_status":{},"template":"{}"}})",
                core::JsonEscape(target_.host), smtp_status, core::JsonEscape(message.template_name));
      return OkStatus();
    }
    // curl's error text names the failing step and host, never the credentials.
    const std::string reason = error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(code);
    log->warn(R"({{"msg":"SMTP delivery failed","host":"{}","curl_code":{},"smtp_status":{},"reason":"{}"}})",
              core::JsonEscape(target_.host), static_cast<int>(code), smtp_status, core::JsonEscape(reason));
    if (code == CURLE_LOGIN_DENIED) return Error::Internal("The SMTP server rejected the credentials.");
    if (smtp_status >= 400 && smtp_status < 500) return Error::Unavailable("The SMTP server deferred the message: " + reason);
    if (smtp_status >= 500) {
      return Error{ErrorCode::kInvalidArgument, "The SMTP server rejected the message: " + reason, "to", {}};
    }
    if (IsTransient(code)) return Error::Unavailable("The SMTP server is unreachable: " + reason);
    return Error::Internal("SMTP delivery failed: " + reason);
  }

 private:
  SmtpTarget target_;
  std::string from_;
};

class MisconfiguredMailer final : public Mailer {
 public:
  explicit MisconfiguredMailer(Error error) : error_(std::move(error)) {}
  Status Send(const MailMessage&) override { return error_; }

 private:
  Error error_;
};

}  // namespace

std::unique_ptr<Mailer> MakeSmtpMailer(std::string smtp_url, std::string from) {
  // curl_global_init is not thread-safe; the composition root builds mailers before serving.
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  auto target = ParseSmtpUrl(smtp_url);
  // LoadConfig validated the URL already; should it still be unusable, every send says why.
  if (!target) return std::make_unique<MisconfiguredMailer>(std::move(target).error());
  return std::make_unique<SmtpMailer>(std::move(*target), std::move(from));
}

}  // namespace emporium::infra
