#include "modules/mail/mail_module.hpp"

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "http/validation.hpp"
#include "infra/mail/outbox.hpp"

namespace emporium::mail {
namespace {
namespace json = boost::json;

json::object SummaryJson(const infra::OutboxSummary& s) {
  return {{"id", s.id},
          {"to", s.to},
          {"subject", s.subject},
          {"template", s.template_name},
          {"created_at", core::FormatRfc3339(s.created_at)}};
}

}  // namespace

std::string OutboxDir(const core::Config& config) {
  std::string dir = config.data_dir.empty() ? "." : config.data_dir;
  if (dir.back() == '/') dir.pop_back();
  return dir + "/outbox";
}

std::unique_ptr<infra::Mailer> MakeMailer(const core::Config& config) {
  if (!config.smtp_url.empty()) return infra::MakeSmtpMailer(config.smtp_url, config.mail_from);
  return infra::MakeOutboxMailer(OutboxDir(config), config.mail_from);
}

MailModule::MailModule(const core::Config& config) : outbox_dir_(OutboxDir(config)) {}

void MailModule::RegisterRoutes(http::Router& router) const {
  const auto admin = http::RouteOptions::Roles({Role::kAdmin});
  const infra::OutboxReader reader(outbox_dir_);

  router.Get(
      "/api/v1/admin/outbox",
      [reader](http::Request& req) -> Result<http::Response> {
        http::QueryInput in(req);
        const auto limit = in.Int("limit", {.min = 1, .max = 100});
        const auto cursor = in.String("cursor", {.max = 64});
        const auto to = in.String("to", {.max = 254});
        const auto template_name = in.String("template", {.max = 100});
        if (cursor && !cursor->empty() && !infra::IsOutboxId(*cursor)) {
          return Error::Invalid("cursor", "is not a valid cursor");
        }
        EMP_TRY(in.Finish());
        infra::OutboxQuery query;
        query.limit = static_cast<std::size_t>(limit.value_or(50));
        query.before = cursor.value_or("");
        query.to = to.value_or("");
        query.template_name = template_name.value_or("");
        EMP_ASSIGN(const infra::OutboxPage page, reader.List(query));
        json::array items;
        for (const auto& s : page.items) items.push_back(SummaryJson(s));
        return http::Response::List(std::move(items), page.next_cursor);
      },
      admin);

  router.Get(
      "/api/v1/admin/outbox/{id}",
      [reader](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(const infra::OutboxMessage message, reader.Read(req.Param("id")));
        json::object body = SummaryJson(message.summary);
        body["text"] = message.text;
        body["html"] = message.html;
        return http::Response::Json(200, body);
      },
      admin);
}

}  // namespace emporium::mail
