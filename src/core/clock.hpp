#pragma once
// Injected time, so tests can freeze it. All timestamps are UTC.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace emporium::core {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  /// Seconds since the Unix epoch: the representation stored in the database.
  std::int64_t NowSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(Now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

/// A clock for tests: starts at a given time and moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t epoch_seconds) : now_(epoch_seconds * 1'000'000) {}
  TimePoint Now() const override { return TimePoint(std::chrono::microseconds(now_.load())); }
  void Advance(std::chrono::microseconds d) { now_ += d.count(); }
  void Set(std::int64_t epoch_seconds) { now_ = epoch_seconds * 1'000'000; }

 private:
  std::atomic<std::int64_t> now_;
};

/// RFC 3339 UTC with second precision: "2026-11-25T17:44:31Z".
std::string FormatRfc3339(std::int64_t epoch_seconds);
/// Parses "YYYY-MM-DD" (a calendar date); false if malformed or not a real date.
bool IsValidDate(const std::string& date);

}  // namespace emporium::core
