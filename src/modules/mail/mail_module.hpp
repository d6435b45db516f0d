#pragma once
// The mail capability as the rest of the application sees it: the mailer the configuration asks
// for, and the admin routes that show the outbox folder (what would have been sent, for admins and
// end-to-end tests).

#include <memory>
#include <string>

#include "core/config.hpp"
#include "http/router.hpp"
#include "infra/mail/mailer.hpp"

namespace emporium::mail {

/// DATA_DIR/outbox: where the outbox mailer writes and the admin routes read.
std::string OutboxDir(const core::Config& config);

/// SMTP (libcurl) when SMTP_URL is set, else .eml files in OutboxDir(config). From: MAIL_FROM.
std::unique_ptr<infra::Mailer> MakeMailer(const core::Config& config);

/// Admin routes over the outbox folder. The folder may not exist yet (it then reads as empty).
class MailModule {
 public:
  /// Reads OutboxDir(config).
  explicit MailModule(const core::Config& config);

  /// GET /api/v1/admin/outbox → {items:[{id, to, subject, template, created_at}], next_cursor}, newest
  ///   first; ?limit= (1–100, default 50), ?cursor= (next_cursor of the previous page), ?to=, ?template=.
  /// GET /api/v1/admin/outbox/{id} → {id, to, subject, template, created_at, text, html}; an unknown or
  ///   malformed id (path traversal included) → 404.
  /// Both admin only (401 without a token, 403 for other roles). The handlers block on file I/O.
  void RegisterRoutes(http::Router& router) const;

 private:
  std::string outbox_dir_;
};

}  // namespace emporium::mail
