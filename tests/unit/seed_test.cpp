#include <gtest/gtest.h>

#include <set>

#include "app/seed.hpp"

namespace emporium::app {
namespace {

TEST(DemoSeed, SameSeedGivesTheSameProductsAndAnotherSeedDiffers) {
  const std::vector<std::int64_t> leaves(20, 7);
  SeedOptions a{.seed = 1}, b{.seed = 2};
  const auto first = DemoProducts(a, 0, 50, leaves), again = DemoProducts(a, 0, 50, leaves);
  const auto other = DemoProducts(b, 0, 50, leaves);
  ASSERT_EQ(first.size(), 50u);
  int differing = 0;
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].name, again[i].name);
    EXPECT_EQ(first[i].description, again[i].description);
    EXPECT_EQ(first[i].variants.size(), again[i].variants.size());
    differing += first[i].name != other[i].name;
  }
  EXPECT_GT(differing, 25);
  // A later batch is the same whether or not the earlier ones were generated.
  EXPECT_EQ(DemoProducts(a, 40, 10, leaves)[0].name, first[40].name);
}

TEST(DemoSeed, ProductsHaveOneToSixPricedVariantsWithUniqueSkusAndImages) {
  const auto products = DemoProducts(SeedOptions{}, 0, 300, std::vector<std::int64_t>(20, 3));
  std::set<std::string> skus, slugs;
  for (const auto& p : products) {
    EXPECT_GE(p.variants.size(), 1u);
    EXPECT_LE(p.variants.size(), 6u);
    EXPECT_FALSE(p.images.empty());
    EXPECT_FALSE(p.description.empty());
    EXPECT_EQ(p.category_id, 3);
    EXPECT_TRUE(slugs.insert(*p.slug).second);
    for (const auto& v : p.variants) {
      EXPECT_GT(v.price, 0);
      EXPECT_EQ(v.currency, "USD");
      EXPECT_GE(v.stock, 0);
      EXPECT_TRUE(skus.insert(v.sku).second) << v.sku;
    }
  }
}

}  // namespace
}  // namespace emporium::app
