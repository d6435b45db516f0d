#pragma once
// Pure geography for delivery tracking: great-circle distance, the ETA rule, Google's encoded
// polyline, and RFC 3339 parsing of the courier app's timestamps. No I/O; unit-tested.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace emporium::fulfilment {

struct GeoPoint {
  double lat = 0;  ///< degrees, -90..90
  double lng = 0;  ///< degrees, -180..180
};

/// Mean Earth radius (IUGG), in metres.
inline constexpr double kEarthRadiusMeters = 6'371'008.8;

/// Great-circle distance in metres (haversine formula; the error of the spherical model is < 0.5%).
double HaversineMeters(const GeoPoint& from, const GeoPoint& to);

/// The ETA rule: the remaining straight-line distance driven at an average urban speed, plus a fixed
/// margin for the stop itself (parking, finding the door, the hand-over). Deliberately simple: it
/// needs no road network and errs late rather than early for short hops.
inline constexpr double kAverageSpeedKmh = 30.0;
inline constexpr std::int64_t kStopMarginSeconds = 5 * 60;

/// Seconds to cover `distance_m` under the rule above (rounded up to whole seconds).
std::int64_t TravelSeconds(double distance_m);
/// When a courier at `from` at time `at` (Unix seconds) should reach `destination`; nullopt when the
/// destination has no coordinates.
std::optional<std::int64_t> EstimateArrival(const GeoPoint& from, std::int64_t at,
                                            const std::optional<GeoPoint>& destination);

/// Google's encoded polyline algorithm format (precision 1e5): each coordinate is rounded to an
/// integer number of 1e-5 degrees, delta-encoded against the previous point, zig-zag signed, and
/// written as 5-bit chunks offset by 63. "" for no points.
std::string EncodePolyline(const std::vector<GeoPoint>& points);
/// The inverse (for tests and clients' sanity checks); nullopt for a malformed string.
std::optional<std::vector<GeoPoint>> DecodePolyline(std::string_view encoded);

/// Parses an RFC 3339 date-time ("2026-11-25T17:44:31Z", fractional seconds and a ±hh:mm offset
/// allowed; fractions are truncated) into Unix seconds; nullopt for anything else.
std::optional<std::int64_t> ParseRfc3339(std::string_view text);

}  // namespace emporium::fulfilment
