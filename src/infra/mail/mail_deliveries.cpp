#include "infra/mail/mail_deliveries.hpp"

#include <soci/soci.h>

#include "db/binds.hpp"
#include "db/rows.hpp"
#include "infra/mail/mailer.hpp"

namespace emporium::infra {

namespace {

// FOR UPDATE on MariaDB: the job's lease already keeps other runners away, the lock makes the
// read-then-write of one row safe even if a lease expired under a very slow send.
constexpr const char* kSelect = "SELECT state FROM mail_deliveries WHERE job_id = :job_id";
constexpr const char* kSelectForUpdate = "SELECT state FROM mail_deliveries WHERE job_id = :job_id FOR UPDATE";
constexpr const char* kInsert =
    "INSERT INTO mail_deliveries (job_id, message_id, recipient, template, state, attempts, created_at, updated_at) "
    "VALUES (:job_id, :message_id, :recipient, :template, 'sending', 1, :now, :now2)";
constexpr const char* kSetState =
    "UPDATE mail_deliveries SET state = :state, attempts = attempts + :bump, updated_at = :now WHERE job_id = :job_id";
constexpr const char* kFinish =
    "UPDATE mail_deliveries SET state = :state, last_error = :error, updated_at = :now WHERE job_id = :job_id";

constexpr std::size_t kMaxErrorLength = 2000;

std::string ReadState(db::Tx& tx, const char* sql, std::int64_t job_id) {
  std::string state;
  db::Binds b;
  b.Int(job_id);
  db::Rows(tx, sql, std::move(b), [&](const db::Row& r) { state = db::RowStr(r, 0); });
  return state;
}

void SetState(db::Tx& tx, std::int64_t job_id, const char* state, int bump, std::int64_t now) {
  db::Binds b;
  b.Str(state).Int(bump).Int(now).Int(job_id);
  db::Exec(tx, kSetState, std::move(b));
}

}  // namespace

DeliveryClaim MailDeliveries::Claim(db::Tx& tx, std::int64_t job_id, const MailMessage& message,
                                    std::int64_t now) const {
  const bool mariadb = tx.dialect == db::Dialect::kMariaDb;  // SQLite's write transaction already excludes others
  const std::string state = ReadState(tx, mariadb ? kSelectForUpdate : kSelect, job_id);
  if (state.empty()) {
    db::Binds b;
    b.Int(job_id).Str(message.message_id).Str(message.to).Str(message.template_name).Int(now).Int(now);
    db::Exec(tx, kInsert, std::move(b));
    return DeliveryClaim::kSend;
  }
  if (state == "sent") return DeliveryClaim::kAlreadySent;
  if (state == "sending") {
    SetState(tx, job_id, "unknown", 0, now);
    return DeliveryClaim::kInterrupted;
  }
  SetState(tx, job_id, "sending", 1, now);  // 'failed' or 'unknown': try again
  return DeliveryClaim::kSend;
}

void MailDeliveries::Finish(db::Tx& tx, std::int64_t job_id, const Status& outcome, std::int64_t now) const {
  db::Binds b;
  b.Str(outcome ? "sent" : "failed");
  b.OptStr(outcome ? std::nullopt : std::optional(outcome.error().message.substr(0, kMaxErrorLength)));
  b.Int(now).Int(job_id);
  db::Exec(tx, kFinish, std::move(b));
}

std::string MailDeliveries::State(db::Tx& tx, std::int64_t job_id) const { return ReadState(tx, kSelect, job_id); }

}  // namespace emporium::infra
