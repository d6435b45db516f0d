// The only translation unit that includes kainjow mustache (a large header).
#include <kainjow/mustache.hpp>

#include "core/resources.hpp"
#include "infra/mail/mailer.hpp"

namespace emporium::infra {
namespace {
namespace km = kainjow::mustache;

// A subject is one line: rendered line breaks and runs of whitespace collapse to single spaces.
std::string OneLine(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u == ' ' || u == '\t' || u == '\r' || u == '\n' || u == '\v' || u == '\f') {
      space = !out.empty();
      continue;
    }
    if (u < 0x20 || u == 0x7f) continue;
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

Result<std::string> RenderResource(const std::string& template_name, std::string_view suffix,
                                   const std::map<std::string, std::string>& values, bool escape_html) {
  const std::string path = "templates/email/" + template_name + std::string(suffix);
  const auto source = core::Resource(path);
  if (!source) return Error::Internal("The e-mail template " + path + " is missing.");
  auto rendered = RenderMustache(*source, values, escape_html);
  if (!rendered) return Error::Internal("The e-mail template " + path + " is broken: " + rendered.error().message);
  return rendered;
}

}  // namespace

Result<std::string> RenderMustache(std::string_view source, const std::map<std::string, std::string>& values,
                                   bool escape_html) {
  km::mustache tmpl{std::string(source)};
  if (!tmpl.is_valid()) return Error::Internal(tmpl.error_message());
  if (!escape_html) tmpl.set_custom_escape([](const std::string& s) { return s; });
  km::data data;
  // Strings only: kainjow would turn numbers into booleans (see DEPENDENCIES.md §4).
  for (const auto& [key, value] : values) data.set(key, value);
  std::string out = tmpl.render(data);
  if (!tmpl.is_valid()) return Error::Internal(tmpl.error_message());
  return out;
}

Result<MailMessage> RenderMail(const std::string& template_name, const std::string& to,
                               const std::map<std::string, std::string>& values) {
  const bool safe_name = !template_name.empty() &&
                         template_name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
  if (!safe_name) return Error::Internal("Invalid e-mail template name \"" + template_name + "\".");
  MailMessage message;
  message.to = to;
  message.template_name = template_name;
  EMP_ASSIGN(const std::string subject, RenderResource(template_name, ".subject.mustache", values, false));
  message.subject = OneLine(subject);
  EMP_ASSIGN(message.text, RenderResource(template_name, ".txt.mustache", values, false));
  EMP_ASSIGN(message.html, RenderResource(template_name, ".html.mustache", values, true));
  return message;
}

}  // namespace emporium::infra
