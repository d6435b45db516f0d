#include "core/cursor.hpp"

#include <gtest/gtest.h>

namespace emporium::core {
namespace {

TEST(IdCursor, RoundTrips) {
  for (std::int64_t id : {1LL, 42LL, 9'007'199'254'740'993LL}) {
    EXPECT_EQ(DecodeIdCursor(EncodeIdCursor(id)), id);
  }
}

TEST(IdCursor, IsOpaqueToClients) { EXPECT_NE(EncodeIdCursor(42), "42"); }

TEST(IdCursor, RejectsAnythingItDidNotMake) {
  EXPECT_FALSE(DecodeIdCursor(""));
  EXPECT_FALSE(DecodeIdCursor("42"));                      // not base64url of a number
  EXPECT_FALSE(DecodeIdCursor("!!!"));                     // not base64url
  EXPECT_FALSE(DecodeIdCursor(EncodeIdCursor(0)));         // ids are positive
  EXPECT_FALSE(DecodeIdCursor(std::string(200, 'A')));     // absurdly long
  EXPECT_FALSE(DecodeIdCursor("LTE"));                     // base64url("-1")
}

}  // namespace
}  // namespace emporium::core
