#pragma once
// Cron expressions for recurring jobs: the classic five fields
//
//   minute (0-59)  hour (0-23)  day-of-month (1-31)  month (1-12 or jan-dec)  day-of-week (0-7 or sun-sat; 0 and 7 = Sunday)
//
// each a comma-separated list of `*`, `N`, `N-M`, with an optional `/step` (`*/15`, `8-18/2`, `5/10`),
// plus the shorthands @yearly (@annually), @monthly, @weekly, @daily (@midnight) and @hourly.
// As in Vixie cron, when both day fields are restricted a day matching either one fires.
//
// Evaluated in a time zone's wall-clock time, with this rule for daylight-saving changes:
//   - a wall-clock time skipped by a spring-forward gap does not fire that day (02:30 in
//     Europe/Berlin on the last Sunday of March does not exist);
//   - a wall-clock time repeated by a fall-back fires once, the first time, for expressions with a
//     restricted hour ("30 2 * * *"); expressions with `*` hours ("*/15 * * * *") keep firing
//     through the repeated hour, since they describe intervals, not a time of day.

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "infra/jobs/time_zone.hpp"

namespace emporium::infra::jobs {

class CronExpression {
 public:
  /// kInvalidArgument (field "cron") with a message naming the bad field and why.
  static Result<CronExpression> Parse(std::string_view text);

  /// True when the wall-clock minute `t` matches all fields.
  bool Matches(const LocalTime& t) const;
  /// True when some minute of the wall-clock hour of `t` may match (the minute of `t` is ignored).
  bool MatchesHour(const LocalTime& t) const;
  /// False when the hour field is `*` (every hour).
  bool restricts_hour() const { return !hour_star_; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     ///< 1–31
  std::bitset<13> months_;   ///< 1–12
  std::bitset<7> weekdays_;  ///< 0 = Sunday
  bool hour_star_ = false;
  bool day_star_ = false;
  bool weekday_star_ = false;
};

/// True when `cron` fires at the minute starting at `utc_minute` (unix seconds, a multiple of 60) in
/// `zone`, with the daylight-saving rule above.
bool FiresAt(const CronExpression& cron, const TimeZone& zone, std::int64_t utc_minute);

/// The first minute strictly after `after_utc` at which `cron` fires in `zone` (unix seconds, a
/// multiple of 60); nullopt if there is none within 8 years (e.g. "0 0 31 2 *").
std::optional<std::int64_t> NextOccurrence(const CronExpression& cron, const TimeZone& zone, std::int64_t after_utc);

}  // namespace emporium::infra::jobs
