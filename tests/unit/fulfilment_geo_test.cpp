// Pure parts of delivery tracking: haversine distance, the ETA rule, Google's encoded polyline and
// RFC 3339 parsing of the courier app's timestamps.

#include <gtest/gtest.h>

#include "modules/fulfilment/geo.hpp"

namespace emporium::fulfilment {
namespace {

TEST(FulfilmentPolyline, EncodesGooglesDocumentedExample) {
  // developers.google.com/maps/documentation/utilities/polylinealgorithm
  EXPECT_EQ(EncodePolyline({{38.5, -120.2}, {40.7, -120.95}, {43.252, -126.453}}), "_p~iF~ps|U_ulLnnqC_mqNvxq`@");
}

TEST(FulfilmentPolyline, EncodesTheDocumentedSingleValue) {
  // The worked example of the same page: -179.9832104 → "`~oia@" (one coordinate of a point).
  const auto encoded = EncodePolyline({{-179.9832104, 0}});
  EXPECT_EQ(encoded.substr(0, 6), "`~oia@");
}

TEST(FulfilmentPolyline, EmptyInputIsAnEmptyString) { EXPECT_EQ(EncodePolyline({}), ""); }

TEST(FulfilmentPolyline, DecodeInvertsEncodeAtFivePlaces) {
  const std::vector<GeoPoint> route = {{52.52001, 13.40495}, {52.51, 13.3777}, {-33.86882, 151.20929}, {0, 0}};
  const auto decoded = DecodePolyline(EncodePolyline(route));
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->size(), route.size());
  for (std::size_t i = 0; i < route.size(); ++i) {
    EXPECT_NEAR((*decoded)[i].lat, route[i].lat, 0.5e-5);
    EXPECT_NEAR((*decoded)[i].lng, route[i].lng, 0.5e-5);
  }
}

TEST(FulfilmentPolyline, DecodeRejectsATruncatedString) {
  EXPECT_FALSE(DecodePolyline("_p~iF~ps|"));  // the longitude's last chunk is missing
  EXPECT_FALSE(DecodePolyline("_p~iF "));     // a character below the alphabet
}

TEST(FulfilmentHaversine, ZeroForTheSamePoint) { EXPECT_DOUBLE_EQ(HaversineMeters({48.85, 2.35}, {48.85, 2.35}), 0); }

TEST(FulfilmentHaversine, OneDegreeOfLatitudeIsAbout111Km) { EXPECT_NEAR(HaversineMeters({0, 0}, {1, 0}), 111'195, 1); }

TEST(FulfilmentHaversine, ParisToLondonIsAbout344Km) {
  const double d = HaversineMeters({48.8566, 2.3522}, {51.5074, -0.1278});
  EXPECT_NEAR(d, 343'560, 500);
  EXPECT_DOUBLE_EQ(d, HaversineMeters({51.5074, -0.1278}, {48.8566, 2.3522}));  // symmetric
}

TEST(FulfilmentHaversine, AntipodesAreHalfTheCircumference) {
  EXPECT_NEAR(HaversineMeters({0, 0}, {0, 180}), kEarthRadiusMeters * 3.141592653589793, 1e-3);
}

TEST(FulfilmentEta, ThirtyKmAtThirtyKmhTakesAnHourPlusTheStopMargin) {
  EXPECT_EQ(TravelSeconds(30'000), 3600);
  EXPECT_EQ(TravelSeconds(0), 0);
  EXPECT_EQ(TravelSeconds(1), 1);  // rounded up, never early
}

TEST(FulfilmentEta, ArrivalIsTimeOfFixPlusTravelPlusMargin) {
  const GeoPoint courier{0, 0}, home{1, 0};  // ≈ 111.2 km: 13343.4 s at 30 km/h
  const auto eta = EstimateArrival(courier, 1'000, home);
  ASSERT_TRUE(eta);
  EXPECT_EQ(*eta, 1'000 + 13'344 + kStopMarginSeconds);
}

TEST(FulfilmentEta, AtTheDoorOnlyTheMarginRemains) {
  EXPECT_EQ(EstimateArrival({45, 7}, 500, GeoPoint{45, 7}), 500 + kStopMarginSeconds);
}

TEST(FulfilmentEta, NoDestinationCoordinatesMeansNoEta) { EXPECT_FALSE(EstimateArrival({45, 7}, 500, std::nullopt)); }

TEST(FulfilmentRfc3339, ParsesUtcOffsetsAndFractions) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("2027-01-15T08:00:00Z"), 1'800'000'000);
  EXPECT_EQ(ParseRfc3339("2027-01-15T08:00:00.987Z"), 1'800'000'000);
  EXPECT_EQ(ParseRfc3339("2027-01-15T09:30:00+01:30"), 1'800'000'000);
  EXPECT_EQ(ParseRfc3339("2027-01-15T03:00:00-05:00"), 1'800'000'000);
  EXPECT_EQ(ParseRfc3339("2024-02-29T12:00:00Z"), 1'709'208'000);
}

TEST(FulfilmentRfc3339, RejectsMalformedTimes) {
  for (const char* bad :
       {"", "2027-01-15", "2027-01-15 08:00:00Z", "2027-01-15T08:00:00", "2027-02-30T08:00:00Z", "2027-01-15T24:00:00Z",
        "2027-01-15T08:00:00.Z", "2027-01-15T08:00:00+0100", "2027-01-15T08:00:00Zjunk", "1800000000"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
}

}  // namespace
}  // namespace emporium::fulfilment
