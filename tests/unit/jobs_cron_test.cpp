// Cron expressions and time zones of recurring jobs (infra/jobs/cron.hpp, time_zone.hpp).

#include <gtest/gtest.h>

#include <chrono>

#include "infra/jobs/cron.hpp"
#include "infra/jobs/time_zone.hpp"

namespace emporium::infra::jobs {
namespace {

// Instants used below (UTC).
constexpr std::int64_t k2026_11_25_2300 = 1795647600;  // a Wednesday
constexpr std::int64_t k2026_11_30_0800 = 1796025600;  // the next Monday

CronExpression Cron(std::string_view text) {
  auto parsed = CronExpression::Parse(text);
  EXPECT_TRUE(parsed) << text << ": " << (parsed ? "" : parsed.error().fields.front().message);
  return parsed ? *parsed : *CronExpression::Parse("* * * * *");
}

LocalTime At(int year, int month, int day, int hour, int minute) {
  LocalTime t{year, month, day, hour, minute, 0};
  // The weekday as CivilTime computes it, so tests state only the date.
  const auto days = std::chrono::sys_days(std::chrono::year_month_day(
      std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)), std::chrono::day(static_cast<unsigned>(day))));
  t.weekday = static_cast<int>(std::chrono::weekday(days).c_encoding());
  return t;
}

std::string ParseError(std::string_view text) {
  auto parsed = CronExpression::Parse(text);
  if (parsed) return "parsed";
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(parsed.error().fields.size(), 1u);
  return parsed.error().fields.front().message;
}

TEST(JobsCron, MatchesListsRangesStepsAndNames) {
  const auto cron = Cron("*/15 8-18/2 * jan-mar,dec MON-fri");
  EXPECT_TRUE(cron.Matches(At(2026, 12, 1, 8, 45)));    // Tuesday
  EXPECT_TRUE(cron.Matches(At(2026, 1, 2, 18, 0)));     // Friday
  EXPECT_FALSE(cron.Matches(At(2026, 12, 1, 9, 0)));    // hour 9 is not in 8-18/2
  EXPECT_FALSE(cron.Matches(At(2026, 12, 1, 8, 10)));   // minute 10 is not a multiple of 15
  EXPECT_FALSE(cron.Matches(At(2026, 4, 1, 8, 0)));     // April
  EXPECT_FALSE(cron.Matches(At(2026, 12, 5, 8, 0)));    // Saturday
}

TEST(JobsCron, StartWithStepRunsToTheMaximum) {
  const auto cron = Cron("5/20 * * * *");
  EXPECT_TRUE(cron.Matches(At(2026, 6, 1, 0, 5)));
  EXPECT_TRUE(cron.Matches(At(2026, 6, 1, 0, 25)));
  EXPECT_TRUE(cron.Matches(At(2026, 6, 1, 0, 45)));
  EXPECT_FALSE(cron.Matches(At(2026, 6, 1, 0, 0)));
}

TEST(JobsCron, SundayIsZeroOrSeven) {
  EXPECT_TRUE(Cron("0 0 * * 7").Matches(At(2026, 11, 29, 0, 0)));
  EXPECT_TRUE(Cron("0 0 * * 0").Matches(At(2026, 11, 29, 0, 0)));
  EXPECT_TRUE(Cron("0 0 * * sun").Matches(At(2026, 11, 29, 0, 0)));
  EXPECT_FALSE(Cron("0 0 * * 7").Matches(At(2026, 11, 30, 0, 0)));
}

TEST(JobsCron, BothDayFieldsRestrictedMatchEither) {
  const auto cron = Cron("0 12 1 * mon");  // the 1st of the month, and every Monday
  EXPECT_TRUE(cron.Matches(At(2026, 12, 1, 12, 0)));   // Tuesday the 1st
  EXPECT_TRUE(cron.Matches(At(2026, 12, 7, 12, 0)));   // a Monday
  EXPECT_FALSE(cron.Matches(At(2026, 12, 8, 12, 0)));  // neither
  // A '*' day field does not restrict: "*/2" days AND Mondays.
  const auto both = Cron("0 12 */2 * mon");
  EXPECT_TRUE(both.Matches(At(2026, 12, 7, 12, 0)));   // Monday the 7th (odd day: 1, 3, 5, 7 …)
  EXPECT_FALSE(both.Matches(At(2026, 12, 14, 12, 0))); // Monday the 14th
}

TEST(JobsCron, Shorthands) {
  EXPECT_TRUE(Cron("@daily").Matches(At(2026, 5, 5, 0, 0)));
  EXPECT_FALSE(Cron("@daily").Matches(At(2026, 5, 5, 1, 0)));
  EXPECT_TRUE(Cron("@hourly").Matches(At(2026, 5, 5, 13, 0)));
  EXPECT_TRUE(Cron("@weekly").Matches(At(2026, 11, 29, 0, 0)));
  EXPECT_TRUE(Cron("@yearly").Matches(At(2027, 1, 1, 0, 0)));
}

TEST(JobsCron, RejectsMalformedExpressionsWithAClearMessage) {
  EXPECT_EQ(ParseError(""), "needs 5 fields (minute hour day-of-month month day-of-week), got 0");
  EXPECT_EQ(ParseError("* * * *"), "needs 5 fields (minute hour day-of-month month day-of-week), got 4");
  EXPECT_EQ(ParseError("* * * * * *"), "needs 5 fields (minute hour day-of-month month day-of-week), got 6");
  EXPECT_EQ(ParseError("60 * * * *"), "minute field \"60\": 60 is out of range 0-59");
  EXPECT_EQ(ParseError("* 24 * * *"), "hour field \"24\": 24 is out of range 0-23");
  EXPECT_EQ(ParseError("* * 0 * *"), "day-of-month field \"0\": 0 is out of range 1-31");
  EXPECT_EQ(ParseError("* * * 13 *"), "month field \"13\": 13 is out of range 1-12");
  EXPECT_EQ(ParseError("* * * * 8"), "day-of-week field \"8\": 8 is out of range 0-7");
  EXPECT_EQ(ParseError("5-1 * * * *"), "minute field \"5-1\": the range 5-1 is reversed");
  EXPECT_EQ(ParseError("*/0 * * * *"), "minute field \"*/0\": step \"0\" must be a number from 1 to 59");
  EXPECT_EQ(ParseError("*/x * * * *"), "minute field \"*/x\": step \"x\" must be a number from 1 to 59");
  EXPECT_EQ(ParseError("1,,2 * * * *"), "minute field \"1,,2\": has an empty list item");
  EXPECT_EQ(ParseError("* * * foo *"), "month field \"foo\": \"foo\" is not a valid value");
  EXPECT_EQ(ParseError("* * * * mon-"), "day-of-week field \"mon-\": \"\" is not a valid value");
  EXPECT_EQ(ParseError("-1 * * * *"), "minute field \"-1\": \"\" is not a valid value");
  EXPECT_EQ(ParseError("@reboot"),
            "unknown shorthand \"@reboot\" (allowed: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)");
}

TEST(JobsTimeZone, RejectsUnknownAndUnsafeNames) {
  for (const char* name : {"Mars/Olympus", "../../etc/passwd", "/etc/localtime", "", "Europe/Berlin;rm"}) {
    auto zone = TimeZone::Load(name);
    ASSERT_FALSE(zone) << name;
    EXPECT_EQ(zone.error().code, ErrorCode::kInvalidArgument) << name;
    EXPECT_EQ(zone.error().field, "timezone");
  }
}

TEST(JobsTimeZone, CivilTimeOfAKnownInstant) {
  const LocalTime t = CivilTime(1'800'000'000, 0);  // 2027-01-15T08:00:00Z, a Friday
  EXPECT_EQ(t.year, 2027);
  EXPECT_EQ(t.month, 1);
  EXPECT_EQ(t.day, 15);
  EXPECT_EQ(t.hour, 8);
  EXPECT_EQ(t.minute, 0);
  EXPECT_EQ(t.weekday, 5);
  EXPECT_EQ(CivilTime(-60, 0).year, 1969);  // before the epoch: floor, not truncation
  EXPECT_EQ(CivilTime(-60, 0).minute, 59);
}

TEST(JobsTimeZone, BerlinOffsetsFollowDaylightSaving) {
  auto berlin = TimeZone::Load("Europe/Berlin");
  ASSERT_TRUE(berlin) << berlin.error().fields.front().message;
  EXPECT_EQ(berlin->OffsetAt(1782885600), 7200);      // 2026-07-01: CEST
  EXPECT_EQ(berlin->OffsetAt(1796108400), 3600);      // 2026-12-01: CET
  EXPECT_EQ(berlin->OffsetAt(1774746000 - 1), 3600);  // 2026-03-29 00:59:59Z: still CET
  EXPECT_EQ(berlin->OffsetAt(1774746000), 7200);      // 01:00Z: 03:00 CEST
  EXPECT_EQ(TimeZone::Utc().OffsetAt(1782885600), 0);
}

TEST(JobsCronNext, FindsTheNextMatchingMinuteInUtc) {
  EXPECT_EQ(NextOccurrence(Cron("0 8 * * 1"), TimeZone::Utc(), k2026_11_25_2300), k2026_11_30_0800);
  EXPECT_EQ(NextOccurrence(Cron("* * * * *"), TimeZone::Utc(), k2026_11_25_2300), k2026_11_25_2300 + 60);
  EXPECT_EQ(NextOccurrence(Cron("* * * * *"), TimeZone::Utc(), k2026_11_25_2300 + 1), k2026_11_25_2300 + 60);
  EXPECT_EQ(NextOccurrence(Cron("0 0 31 2 *"), TimeZone::Utc(), k2026_11_25_2300), std::nullopt);
  // February 29th: more than a year away, still found.
  EXPECT_EQ(NextOccurrence(Cron("0 0 29 2 *"), TimeZone::Utc(), k2026_11_25_2300), 1835395200);  // 2028-02-29
}

TEST(JobsCronNext, FollowsTheStoreTimeZone) {
  auto berlin = *TimeZone::Load("Europe/Berlin");
  // 08:00 in Berlin is 06:00Z in summer and 07:00Z in winter.
  EXPECT_EQ(NextOccurrence(Cron("0 8 * * *"), berlin, 1782885600 - 60), 1782885600);  // 2026-07-01T06:00Z
  EXPECT_EQ(NextOccurrence(Cron("0 8 * * *"), berlin, 1796108400 - 60), 1796108400);  // 2026-12-01T07:00Z
}

TEST(JobsCronNext, SpringForwardSkipsTheMissingTime) {
  auto berlin = *TimeZone::Load("Europe/Berlin");
  // 02:30 does not exist in Berlin on 2026-03-29; the next 02:30 is on the 30th (CEST, 00:30Z).
  EXPECT_EQ(NextOccurrence(Cron("30 2 * * *"), berlin, 1774699200), 1774830600);
}

TEST(JobsCronNext, FallBackRunsAFixedTimeOnceButIntervalsThroughTheRepeatedHour) {
  auto berlin = *TimeZone::Load("Europe/Berlin");
  const std::int64_t first_0230 = 1792888200;   // 2026-10-25 02:30 CEST = 00:30Z
  const std::int64_t second_0230 = 1792891800;  // 02:30 CET again = 01:30Z
  const auto daily = Cron("30 2 * * *");
  EXPECT_EQ(NextOccurrence(daily, berlin, 1792843200), first_0230);
  EXPECT_FALSE(FiresAt(daily, berlin, second_0230));
  EXPECT_EQ(NextOccurrence(daily, berlin, first_0230), 1792978200);  // the 26th, 02:30 CET
  const auto every_half_hour = Cron("*/30 * * * *");
  EXPECT_TRUE(FiresAt(every_half_hour, berlin, first_0230));
  EXPECT_TRUE(FiresAt(every_half_hour, berlin, second_0230));
}

}  // namespace
}  // namespace emporium::infra::jobs
