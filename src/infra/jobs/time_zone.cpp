#include "infra/jobs/time_zone.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>

namespace emporium::infra::jobs {
namespace {

constexpr const char* kField = "timezone";
constexpr std::size_t kHeaderSize = 44;
constexpr std::size_t kMaxFileSize = 1 << 20;
// A zone file whose table ends before this instant (2030-01-01) but has a DST rule in its footer is
// a "slim" file: the table alone would give wrong offsets for the coming years.
constexpr std::int64_t kFatTableHorizon = 1'893'456'000;

std::int64_t ReadBigEndian(const std::string& data, std::size_t at, std::size_t bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(data[at + i]);
  if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

struct Counts {
  std::size_t isut = 0, isstd = 0, leap = 0, time = 0, type = 0, chars = 0;

  // The size of a data block whose transition times take `time_size` bytes (4 in v1, 8 in v2+).
  std::size_t BlockSize(std::size_t time_size) const {
    return time * time_size + time + type * 6 + chars + leap * (time_size + 4) + isstd + isut;
  }
};

std::optional<Counts> ReadHeader(const std::string& data, std::size_t at) {
  if (data.size() < at + kHeaderSize || data.compare(at, 4, "TZif") != 0) return std::nullopt;
  Counts c;
  std::size_t p = at + 20;
  c.isut = static_cast<std::size_t>(ReadBigEndian(data, p, 4));
  c.isstd = static_cast<std::size_t>(ReadBigEndian(data, p + 4, 4));
  c.leap = static_cast<std::size_t>(ReadBigEndian(data, p + 8, 4));
  c.time = static_cast<std::size_t>(ReadBigEndian(data, p + 12, 4));
  c.type = static_cast<std::size_t>(ReadBigEndian(data, p + 16, 4));
  c.chars = static_cast<std::size_t>(ReadBigEndian(data, p + 20, 4));
  if (c.type == 0 || c.type > 256 || c.time > 100'000 || c.chars > 10'000 || c.leap > 10'000) return std::nullopt;
  return c;
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '_' ||
           c == '-' || c == '+';
  });
}

std::optional<std::string> ReadZoneFile(std::string_view name) {
  const char* dir = std::getenv("TZDIR");
  const std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data;
  data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (data.size() > kMaxFileSize) return std::nullopt;
  return data;
}

}  // namespace

LocalTime CivilTime(std::int64_t utc_seconds, std::int32_t offset_seconds) {
  using namespace std::chrono;
  const std::int64_t local = utc_seconds + offset_seconds;
  const sys_seconds instant{seconds(local)};
  const sys_days day = floor<days>(instant);
  const year_month_day ymd{day};
  const auto in_day = duration_cast<minutes>(instant - day).count();
  LocalTime t;
  t.year = static_cast<int>(ymd.year());
  t.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  t.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  t.hour = static_cast<int>(in_day / 60);
  t.minute = static_cast<int>(in_day % 60);
  t.weekday = static_cast<int>(weekday{day}.c_encoding());
  return t;
}

TimeZone TimeZone::Utc() {
  TimeZone zone;
  zone.name_ = "UTC";
  return zone;
}

Result<TimeZone> TimeZone::Load(std::string_view name) {
  if (name == "UTC" || name == "Etc/UTC" || name == "Z") return Utc();
  if (!ValidName(name)) return Error::Invalid(kField, "is not an IANA time zone name such as Europe/Berlin");
  const auto data = ReadZoneFile(name);
  if (!data) return Error::Invalid(kField, "unknown time zone \"" + std::string(name) + "\"");

  // Skip the version 1 block (32-bit times) to the version 2+ block, which has 64-bit times.
  const auto v1 = ReadHeader(*data, 0);
  if (!v1 || (*data)[4] < '2') return Error::Invalid(kField, "the zone file of \"" + std::string(name) + "\" is not TZif version 2 or later");
  const std::size_t v2_at = kHeaderSize + v1->BlockSize(4);
  const auto counts = ReadHeader(*data, v2_at);
  if (!counts || data->size() < v2_at + kHeaderSize + counts->BlockSize(8)) {
    return Error::Invalid(kField, "the zone file of \"" + std::string(name) + "\" is malformed");
  }

  std::size_t p = v2_at + kHeaderSize;
  std::vector<std::int64_t> times(counts->time);
  for (auto& t : times) {
    t = ReadBigEndian(*data, p, 8);
    p += 8;
  }
  std::vector<std::uint8_t> type_of(counts->time);
  for (auto& i : type_of) i = static_cast<std::uint8_t>((*data)[p++]);
  std::vector<std::int32_t> type_offset(counts->type);
  for (auto& o : type_offset) {
    o = static_cast<std::int32_t>(ReadBigEndian(*data, p, 4));
    p += 6;  // utoff (4), isdst (1), desigidx (1)
  }
  if (std::any_of(type_of.begin(), type_of.end(), [&](std::uint8_t i) { return i >= counts->type; }) ||
      !std::is_sorted(times.begin(), times.end())) {
    return Error::Invalid(kField, "the zone file of \"" + std::string(name) + "\" is malformed");
  }

  // The footer ("\n<POSIX TZ>\n") after the v2 block: a ',' means the zone has DST rules there.
  const std::size_t footer_at = v2_at + kHeaderSize + counts->BlockSize(8);
  const bool footer_has_rules = data->find(',', footer_at) != std::string::npos;
  const std::int64_t table_end = times.empty() ? 0 : times.back();
  if (footer_has_rules && table_end < kFatTableHorizon) {
    return Error::Invalid(kField, "the zone file of \"" + std::string(name) +
                                      "\" is a slim TZif file; install fat zone files (Debian's tzdata is fat)");
  }

  TimeZone zone;
  zone.name_ = std::string(name);
  zone.initial_offset_ = type_offset[0];  // RFC 8536: type 0 applies before the first transition
  zone.transitions_ = std::move(times);
  zone.offsets_.reserve(type_of.size());
  for (auto i : type_of) zone.offsets_.push_back(type_offset[i]);
  return zone;
}

std::int32_t TimeZone::OffsetAt(std::int64_t utc_seconds) const {
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc_seconds);
  if (it == transitions_.begin()) return initial_offset_;
  return offsets_[static_cast<std::size_t>(std::distance(transitions_.begin(), it)) - 1];
}

LocalTime TimeZone::ToLocal(std::int64_t utc_seconds) const { return CivilTime(utc_seconds, OffsetAt(utc_seconds)); }

}  // namespace emporium::infra::jobs
