#pragma once
// IANA time zones for recurring schedules. g++ 12's libstdc++ has the C++20 calendar types but not
// the time zone database (std::chrono::get_tzdb came with GCC 13/14), and the POSIX alternative
// (setenv("TZ") + localtime_r) changes the zone of the whole process. So this reads the compiled
// zone file itself (TZif, RFC 8536) from /usr/share/zoneinfo (or $TZDIR): the UTC offset is a
// binary search in the zone's transition table, with no global state.
//
// Limit: only the transition table is used, not the POSIX rule in the file's footer. Debian ships
// "fat" zone files whose tables run to 2037; a "slim" file (whose table stops early and relies on
// the footer) is refused at load time rather than answered wrongly.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace emporium::infra::jobs {

/// A wall-clock time in some zone, to the minute.
struct LocalTime {
  int year = 1970;
  int month = 1;    ///< 1–12
  int day = 1;      ///< 1–31
  int hour = 0;     ///< 0–23
  int minute = 0;   ///< 0–59
  int weekday = 4;  ///< 0 = Sunday … 6 = Saturday
};

/// An immutable zone; cheap to copy and safe to share between threads.
class TimeZone {
 public:
  /// "UTC" (also "Etc/UTC", "Z") is built in; any other name is read from $TZDIR or
  /// /usr/share/zoneinfo. kInvalidArgument (field "timezone") for a malformed or unknown name or an
  /// unusable file.
  static Result<TimeZone> Load(std::string_view name);
  static TimeZone Utc();

  const std::string& name() const { return name_; }
  /// Seconds east of UTC in effect at `utc_seconds`.
  std::int32_t OffsetAt(std::int64_t utc_seconds) const;
  /// The wall-clock time at `utc_seconds`.
  LocalTime ToLocal(std::int64_t utc_seconds) const;

 private:
  TimeZone() = default;

  std::string name_;
  std::vector<std::int64_t> transitions_;  ///< UTC instants, ascending
  std::vector<std::int32_t> offsets_;      ///< offsets_[i] holds from transitions_[i] on
  std::int32_t initial_offset_ = 0;        ///< before the first transition
};

/// The wall-clock time of `utc_seconds` shifted by `offset_seconds` (pure calendar arithmetic).
LocalTime CivilTime(std::int64_t utc_seconds, std::int32_t offset_seconds);

}  // namespace emporium::infra::jobs
