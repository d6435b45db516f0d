#include "db/rows.hpp"

#include <gtest/gtest.h>

namespace emporium::db {
namespace {

TEST(NamedList, BindsEveryValueByName) {
  EXPECT_EQ(NamedList("i", 1), "(:i0)");
  EXPECT_EQ(NamedList("k", 3), "(:k0, :k1, :k2)");
}

}  // namespace
}  // namespace emporium::db
