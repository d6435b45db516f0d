#pragma once
// The mail_deliveries table: one row per "mail.send" job, the record that lets the job handler send
// a message at most once however often the job runs. Internal to infra/mail.

#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "db/database.hpp"

namespace emporium::infra {

struct MailMessage;

/// What the handler may do with a job's message after claiming it.
enum class DeliveryClaim {
  kSend,         ///< first attempt, a retry after a known failure, or an operator's retry of an unknown outcome
  kAlreadySent,  ///< an earlier run sent it: nothing to do
  kInterrupted,  ///< an earlier run died mid-send: the outcome is unknown, do not send again by itself
};

class MailDeliveries {
 public:
  /// Records the attempt before sending, in the caller's transaction: inserts the row as 'sending',
  /// or moves 'failed' / 'unknown' to 'sending'; 'sending' becomes 'unknown' (kInterrupted).
  DeliveryClaim Claim(db::Tx& tx, std::int64_t job_id, const MailMessage& message, std::int64_t now) const;
  /// Records the outcome of the send: 'sent', or 'failed' with the error (safe to retry).
  void Finish(db::Tx& tx, std::int64_t job_id, const Status& outcome, std::int64_t now) const;
  /// The row's state ("sending", "sent", "failed", "unknown"), "" when there is none (tests, admin).
  std::string State(db::Tx& tx, std::int64_t job_id) const;
};

}  // namespace emporium::infra
