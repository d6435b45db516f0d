#include "infra/jobs/cron.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <vector>

namespace emporium::infra::jobs {
namespace {

constexpr const char* kField = "cron";
constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kSearchHorizon = 8LL * 366 * 24 * 3600;

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  ///< lower-case names of min, min+1, ... or null
  int name_count;
};

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kWeekdayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr std::array<FieldSpec, 5> kFields = {{
    {"minute", 0, 59, nullptr, 0},
    {"hour", 0, 23, nullptr, 0},
    {"day-of-month", 1, 31, nullptr, 0},
    {"month", 1, 12, kMonthNames, 12},
    {"day-of-week", 0, 7, kWeekdayNames, 7},  // 7 is Sunday too
}};

Error CronError(const FieldSpec& spec, std::string_view field, const std::string& why) {
  return Error::Invalid(kField, std::string(spec.name) + " field \"" + std::string(field.substr(0, 40)) + "\": " + why);
}

std::optional<int> ParseNumber(std::string_view s) {
  int v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<int> ParseValue(const FieldSpec& spec, std::string_view s) {
  if (auto v = ParseNumber(s)) return v;
  if (spec.names == nullptr || s.size() != 3) return std::nullopt;
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (int i = 0; i < spec.name_count; ++i) {
    if (lower == spec.names[i]) return spec.min + i;
  }
  return std::nullopt;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s.substr(0, 12)) + "\""; }

// One comma-separated item: `*`, `N` or `N-M`, each with an optional `/step`. Sets its bits.
Status ParseItem(const FieldSpec& spec, std::string_view field, std::string_view item, std::vector<bool>& bits) {
  if (item.empty()) return CronError(spec, field, "has an empty list item");
  std::string_view range = item;
  int step = 1;
  if (const auto slash = item.find('/'); slash != std::string_view::npos) {
    range = item.substr(0, slash);
    const auto parsed = ParseNumber(item.substr(slash + 1));
    if (!parsed || *parsed < 1 || *parsed > spec.max) {
      return CronError(spec, field,
                       "step " + Quoted(item.substr(slash + 1)) + " must be a number from 1 to " + std::to_string(spec.max));
    }
    step = *parsed;
  }
  int low = spec.min, high = spec.max;
  if (range != "*") {
    const auto dash = range.find('-');
    const auto first = ParseValue(spec, range.substr(0, dash));
    if (!first) return CronError(spec, field, Quoted(range.substr(0, dash)) + " is not a valid value");
    low = *first;
    if (dash != std::string_view::npos) {
      const auto last = ParseValue(spec, range.substr(dash + 1));
      if (!last) return CronError(spec, field, Quoted(range.substr(dash + 1)) + " is not a valid value");
      high = *last;
    } else if (item.find('/') == std::string_view::npos) {
      high = low;  // a single value; "N/step" runs from N to the maximum
    }
    const std::string bounds = std::to_string(spec.min) + "-" + std::to_string(spec.max);
    if (low < spec.min || low > spec.max) return CronError(spec, field, std::to_string(low) + " is out of range " + bounds);
    if (high < spec.min || high > spec.max) {
      return CronError(spec, field, std::to_string(high) + " is out of range " + bounds);
    }
    if (low > high) {
      return CronError(spec, field, "the range " + std::to_string(low) + "-" + std::to_string(high) + " is reversed");
    }
  }
  for (int v = low; v <= high; v += step) bits[static_cast<std::size_t>(v)] = true;
  return OkStatus();
}

Status ParseField(const FieldSpec& spec, std::string_view field, std::vector<bool>& bits) {
  bits.assign(static_cast<std::size_t>(spec.max) + 1, false);
  for (const auto item : Split(field, ',')) EMP_TRY(ParseItem(spec, field, item, bits));
  return OkStatus();
}

std::string_view Shorthand(std::string_view text) {
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@hourly") return "0 * * * *";
  return {};
}

std::vector<std::string_view> Fields(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const std::size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

template <std::size_t N>
void Copy(const std::vector<bool>& from, std::bitset<N>& to) {
  for (std::size_t i = 0; i < N && i < from.size(); ++i) to[i] = from[i];
}

}  // namespace

Result<CronExpression> CronExpression::Parse(std::string_view text) {
  std::string_view expanded = text;
  if (!text.empty() && text.front() == '@') {
    expanded = Shorthand(text);
    if (expanded.empty()) {
      return Error::Invalid(kField, "unknown shorthand " + Quoted(text) +
                                        " (allowed: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)");
    }
  }
  const auto fields = Fields(expanded);
  if (fields.size() != 5) {
    return Error::Invalid(kField, "needs 5 fields (minute hour day-of-month month day-of-week), got " +
                                      std::to_string(fields.size()));
  }
  CronExpression cron;
  cron.text_ = std::string(text);
  std::vector<bool> bits;
  EMP_TRY(ParseField(kFields[0], fields[0], bits));
  Copy(bits, cron.minutes_);
  EMP_TRY(ParseField(kFields[1], fields[1], bits));
  Copy(bits, cron.hours_);
  EMP_TRY(ParseField(kFields[2], fields[2], bits));
  Copy(bits, cron.days_);
  EMP_TRY(ParseField(kFields[3], fields[3], bits));
  Copy(bits, cron.months_);
  EMP_TRY(ParseField(kFields[4], fields[4], bits));
  if (bits[7]) bits[0] = true;
  Copy(bits, cron.weekdays_);
  cron.hour_star_ = fields[1] == "*";
  // Vixie cron's rule: a day field starting with '*' does not restrict, so "*/2" in day-of-month
  // still combines with day-of-week by AND.
  cron.day_star_ = fields[2].front() == '*';
  cron.weekday_star_ = fields[4].front() == '*';
  return cron;
}

bool CronExpression::Matches(const LocalTime& t) const {
  return minutes_[static_cast<std::size_t>(t.minute)] && MatchesHour(t);
}

bool CronExpression::MatchesHour(const LocalTime& t) const {
  if (!hours_[static_cast<std::size_t>(t.hour)] || !months_[static_cast<std::size_t>(t.month)]) return false;
  const bool day = days_[static_cast<std::size_t>(t.day)];
  const bool weekday = weekdays_[static_cast<std::size_t>(t.weekday)];
  if (day_star_ || weekday_star_) return day && weekday;
  return day || weekday;
}

bool FiresAt(const CronExpression& cron, const TimeZone& zone, std::int64_t utc_minute) {
  const std::int32_t offset = zone.OffsetAt(utc_minute);
  if (!cron.Matches(CivilTime(utc_minute, offset))) return false;
  if (!cron.restricts_hour()) return true;
  // Fall-back: did the same wall-clock minute already happen under a larger offset (the clocks were
  // turned back since)? Zones change offset at most a few times a year, so the offset a day earlier
  // is the one in force before any change that could repeat this minute.
  const std::int32_t earlier_offset = zone.OffsetAt(utc_minute - 24 * 3600);
  if (earlier_offset <= offset) return true;
  const std::int64_t first_time = utc_minute - (earlier_offset - offset);
  return zone.OffsetAt(first_time) != earlier_offset;
}

std::optional<std::int64_t> NextOccurrence(const CronExpression& cron, const TimeZone& zone, std::int64_t after_utc) {
  std::int64_t t = after_utc - ((after_utc % kMinute) + kMinute) % kMinute + kMinute;  // next whole minute
  const std::int64_t end = after_utc + kSearchHorizon;
  while (t <= end) {
    if (FiresAt(cron, zone, t)) return t;
    // Skip the rest of a wall-clock hour whose hour, day or month cannot match, which keeps an
    // 8-year search to ~70,000 steps.
    const LocalTime local = zone.ToLocal(t);
    t += cron.MatchesHour(local) ? kMinute : (60 - local.minute) * kMinute;
  }
  return std::nullopt;
}

}  // namespace emporium::infra::jobs
