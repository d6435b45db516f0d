#pragma once
// "Today" in the store's time zone, as the UTC interval the database stores (Unix seconds).

#include <cstdint>

#include "infra/jobs/time_zone.hpp"

namespace emporium::admin_feed {

/// The UTC instant at which the store's calendar day containing `utc_seconds` began (local 00:00).
/// On a day whose midnight does not exist (a DST jump at 00:00, e.g. America/Santiago) it is the
/// first instant of that local date. Pure; thread-safe.
std::int64_t StartOfStoreDay(const infra::jobs::TimeZone& zone, std::int64_t utc_seconds);

}  // namespace emporium::admin_feed
