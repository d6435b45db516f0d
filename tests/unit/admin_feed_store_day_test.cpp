// The store's "today" boundary, in UTC and in zones with daylight saving time. Expected instants
// were computed independently with Python's zoneinfo.

#include <gtest/gtest.h>

#include "modules/admin_feed/store_day.hpp"

namespace emporium::admin_feed {
namespace {

using infra::jobs::TimeZone;

TimeZone Zone(const char* name) {
  auto zone = TimeZone::Load(name);
  EXPECT_TRUE(zone) << name;
  return zone ? *zone : TimeZone::Utc();
}

TEST(AdminFeedStoreDay, InUtcIsMidnightUtc) {
  // 2027-01-15T08:00:00Z → 2027-01-15T00:00:00Z.
  EXPECT_EQ(StartOfStoreDay(TimeZone::Utc(), 1'800'000'000), 1'799'971'200);
  EXPECT_EQ(StartOfStoreDay(TimeZone::Utc(), 1'799'971'200), 1'799'971'200);
  EXPECT_EQ(StartOfStoreDay(TimeZone::Utc(), 1'799'971'199), 1'799'971'200 - 86'400);
}

TEST(AdminFeedStoreDay, WestOfUtcTheDayStartsLater) {
  // 2027-01-15T03:00:00Z is still 2027-01-14 22:00 in New York (EST, −5 h): its day began at
  // 2027-01-14T05:00:00Z.
  EXPECT_EQ(StartOfStoreDay(Zone("America/New_York"), 1'800'000'000 - 5 * 3600), 1'799'902'800);
}

TEST(AdminFeedStoreDay, UsesTheOffsetInForceAtMidnightOnDstDays) {
  const auto ny = Zone("America/New_York");
  // 2027-03-14 (clocks go forward at 02:00): at 16:00 EDT the day began at 00:00 EST.
  EXPECT_EQ(StartOfStoreDay(ny, 1'805'054'400), 1'805'000'400);
  // 2027-11-07 (clocks go back at 02:00): at 17:00 EST the day began at 00:00 EDT.
  EXPECT_EQ(StartOfStoreDay(ny, 1'825'624'800), 1'825'560'000);
}

TEST(AdminFeedStoreDay, ADayWithoutMidnightStartsAtTheJump) {
  // Santiago skips 2027-09-05 00:00–01:00: the day starts at 01:00 −03 (04:00Z).
  EXPECT_EQ(StartOfStoreDay(Zone("America/Santiago"), 1'820'167'200), 1'820'116'800);
}

}  // namespace
}  // namespace emporium::admin_feed
