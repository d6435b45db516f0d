#include "modules/fulfilment/geo.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numbers>

#include "core/clock.hpp"

namespace emporium::fulfilment {

namespace {

double Radians(double degrees) { return degrees * std::numbers::pi / 180.0; }

void EncodeSigned(std::int64_t value, std::string& out) {
  // Zig-zag: the sign moves to the lowest bit so small negative deltas stay short.
  std::uint64_t v = value < 0 ? ~(static_cast<std::uint64_t>(value) << 1) : static_cast<std::uint64_t>(value) << 1;
  while (v >= 0x20) {
    out += static_cast<char>((0x20 | (v & 0x1f)) + 63);
    v >>= 5;
  }
  out += static_cast<char>(v + 63);
}

std::optional<std::int64_t> DecodeSigned(std::string_view s, std::size_t& pos) {
  std::uint64_t result = 0;
  int shift = 0;
  while (pos < s.size() && shift < 64) {
    const int chunk = static_cast<unsigned char>(s[pos++]) - 63;
    if (chunk < 0 || chunk > 0x3f) return std::nullopt;
    result |= static_cast<std::uint64_t>(chunk & 0x1f) << shift;
    shift += 5;
    if (chunk < 0x20) {
      const auto magnitude = static_cast<std::int64_t>(result >> 1);
      return (result & 1) ? ~magnitude : magnitude;
    }
  }
  return std::nullopt;
}

/// Reads exactly `n` digits at `pos`.
std::optional<int> Digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

double HaversineMeters(const GeoPoint& from, const GeoPoint& to) {
  const double dlat = Radians(to.lat - from.lat);
  const double dlng = Radians(to.lng - from.lng);
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(Radians(from.lat)) * std::cos(Radians(to.lat)) * std::sin(dlng / 2) * std::sin(dlng / 2);
  // min() guards asin against h creeping past 1 through rounding for antipodal points.
  return 2 * kEarthRadiusMeters * std::asin(std::min(1.0, std::sqrt(h)));
}

std::int64_t TravelSeconds(double distance_m) {
  const double metres_per_second = kAverageSpeedKmh * 1000.0 / 3600.0;
  return static_cast<std::int64_t>(std::ceil(distance_m / metres_per_second));
}

std::optional<std::int64_t> EstimateArrival(const GeoPoint& from, std::int64_t at,
                                            const std::optional<GeoPoint>& destination) {
  if (!destination) return std::nullopt;
  return at + TravelSeconds(HaversineMeters(from, *destination)) + kStopMarginSeconds;
}

std::string EncodePolyline(const std::vector<GeoPoint>& points) {
  std::string out;
  std::int64_t prev_lat = 0, prev_lng = 0;
  for (const auto& p : points) {
    const auto lat = static_cast<std::int64_t>(std::llround(p.lat * 1e5));
    const auto lng = static_cast<std::int64_t>(std::llround(p.lng * 1e5));
    EncodeSigned(lat - prev_lat, out);
    EncodeSigned(lng - prev_lng, out);
    prev_lat = lat;
    prev_lng = lng;
  }
  return out;
}

std::optional<std::vector<GeoPoint>> DecodePolyline(std::string_view encoded) {
  std::vector<GeoPoint> points;
  std::size_t pos = 0;
  std::int64_t lat = 0, lng = 0;
  while (pos < encoded.size()) {
    const auto dlat = DecodeSigned(encoded, pos);
    if (!dlat) return std::nullopt;
    const auto dlng = DecodeSigned(encoded, pos);
    if (!dlng) return std::nullopt;
    lat += *dlat;
    lng += *dlng;
    points.push_back({static_cast<double>(lat) / 1e5, static_cast<double>(lng) / 1e5});
  }
  return points;
}

std::optional<std::int64_t> ParseRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  const auto year = Digits(s, 0, 4), month = Digits(s, 5, 2), day = Digits(s, 8, 2);
  const auto hour = Digits(s, 11, 2), minute = Digits(s, 14, 2), second = Digits(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (!core::IsValidDate(std::string(s.substr(0, 10))) || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    const std::size_t digits_start = ++pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    if (pos == digits_start) return std::nullopt;
  }
  std::int64_t offset_seconds = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const auto oh = Digits(s, pos + 1, 2), om = Digits(s, pos + 4, 2);
    if (!oh || !om || pos + 3 >= s.size() || s[pos + 3] != ':' || *oh > 23 || *om > 59) return std::nullopt;
    offset_seconds = (s[pos] == '+' ? 1 : -1) * (*oh * 3600 + *om * 60);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  // A leap second (:60) is read as the first second of the next minute.
  const std::int64_t days = DaysFromCivil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  return days * 86400 + *hour * 3600 + *minute * 60 + *second - offset_seconds;
}

}  // namespace emporium::fulfilment
