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

constexpr std::string_view kParts[] = {".subject.mustache", ".txt.mustache", ".html.mustache"};

bool IsSafeName(const std::string& template_name) {
  return !template_name.empty() &&
         template_name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
}

Result<std::string> RenderParsed(km::mustache& tmpl, const std::map<std::string, std::string>& values) {
  km::data data;
  // Strings only: kainjow would turn numbers into booleans (see DEPENDENCIES.md §4).
  for (const auto& [key, value] : values) data.set(key, value);
  std::string out = tmpl.render(data);
  if (!tmpl.is_valid()) return Error::Internal(tmpl.error_message());
  return out;
}

km::mustache Parse(std::string_view source, bool escape_html) {
  km::mustache tmpl{std::string(source)};
  if (tmpl.is_valid() && !escape_html) tmpl.set_custom_escape([](const std::string& s) { return s; });
  return tmpl;
}

Result<std::string> RenderResource(const std::string& template_name, std::string_view suffix,
                                   const std::map<std::string, std::string>& values, bool escape_html) {
  const std::string path = "templates/email/" + template_name + std::string(suffix);
  // The templates are compiled into the binary, so each is parsed once per thread (a receipt is
  // rendered inside the order's write transaction, and the parse was 1.4 % of checkout's samples).
  // Per thread because rendering records its errors in the template object.
  thread_local std::map<std::string, km::mustache, std::less<>> parsed;
  auto it = parsed.find(path);
  if (it == parsed.end()) {
    const auto source = core::Resource(path);
    if (!source) return Error::Internal("The e-mail template " + path + " is missing.");
    km::mustache tmpl = Parse(*source, escape_html);
    if (!tmpl.is_valid()) {
      return Error::Internal("The e-mail template " + path + " is broken: " + tmpl.error_message());
    }
    it = parsed.emplace(path, std::move(tmpl)).first;
  }
  auto rendered = RenderParsed(it->second, values);
  if (!rendered) {
    parsed.erase(it);
    return Error::Internal("The e-mail template " + path + " is broken: " + rendered.error().message);
  }
  return rendered;
}

}  // namespace

Result<std::string> RenderMustache(std::string_view source, const std::map<std::string, std::string>& values,
                                   bool escape_html) {
  km::mustache tmpl = Parse(source, escape_html);
  if (!tmpl.is_valid()) return Error::Internal(tmpl.error_message());
  return RenderParsed(tmpl, values);
}

Status CheckMailTemplate(const std::string& template_name) {
  if (!IsSafeName(template_name)) return Error::Internal("Invalid e-mail template name \"" + template_name + "\".");
  for (const auto part : kParts) {
    const std::string path = "templates/email/" + template_name + std::string(part);
    if (!core::Resource(path)) return Error::Internal("The e-mail template " + path + " is missing.");
  }
  return OkStatus();
}

Result<MailMessage> RenderMail(const std::string& template_name, const std::string& to,
                               const std::map<std::string, std::string>& values) {
  if (!IsSafeName(template_name)) return Error::Internal("Invalid e-mail template name \"" + template_name + "\".");
  MailMessage message;
  message.to = to;
  message.template_name = template_name;
  EMP_ASSIGN(const std::string subject, RenderResource(template_name, kParts[0], values, false));
  message.subject = OneLine(subject);
  EMP_ASSIGN(message.text, RenderResource(template_name, kParts[1], values, false));
  EMP_ASSIGN(message.html, RenderResource(template_name, kParts[2], values, true));
  return message;
}

}  // namespace emporium::infra
