#include "modules/admin_feed/store_day.hpp"

namespace emporium::admin_feed {

namespace {

constexpr std::int64_t kDay = 86'400;

std::int64_t FloorToDay(std::int64_t seconds) {
  const auto rem = seconds % kDay;
  return seconds - (rem < 0 ? rem + kDay : rem);
}

}  // namespace

std::int64_t StartOfStoreDay(const infra::jobs::TimeZone& zone, std::int64_t utc_seconds) {
  // Local midnight in "local seconds" (wall clock read as if it were UTC).
  const std::int64_t local_midnight = FloorToDay(utc_seconds + zone.OffsetAt(utc_seconds));
  // The offset in force at midnight may differ from the one now (DST changed during the day), so
  // convert back with the offset at the candidate instant, then once more in case the first guess
  // landed on the other side of the transition.
  std::int64_t start = local_midnight - zone.OffsetAt(utc_seconds);
  start = local_midnight - zone.OffsetAt(start);
  start = local_midnight - zone.OffsetAt(start);
  // Midnight skipped by a DST jump: `start` then lies in the previous local day; the day begins at
  // the transition, i.e. the first instant whose local date is today.
  if (FloorToDay(start + zone.OffsetAt(start)) < local_midnight) {
    while (FloorToDay(start + zone.OffsetAt(start)) < local_midnight) start += 60;
  }
  return start;
}

}  // namespace emporium::admin_feed
