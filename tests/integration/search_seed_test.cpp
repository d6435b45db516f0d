// The demo seed through the real catalog, search and auth modules, on both dialects: the seeded
// products are listed by search, typo queries find them, and the demo accounts can sign in.

#include <gtest/gtest.h>

#include "app/seed.hpp"
#include "auth_fixture.hpp"
#include "modules/catalog/catalog_module.hpp"
#include "modules/search/search_module.hpp"

namespace emporium::app {
namespace {

class DemoSeedTest : public auth::testing::AuthHarness {};

TEST_F(DemoSeedTest, SeedsASearchableCatalogAndDemoAccounts) {
  search::SearchModule search(db(), clock_);
  catalog::NoMemberships members;
  catalog::CatalogModule catalog(db(), clock_, *audit_, &search.indexer(), members, nullptr);
  auto report = SeedDemo(catalog, *auth_, {.products = 120, .customers = 2, .seed = 7, .batch_size = 50});
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->categories, 24);
  EXPECT_EQ(report->products, 120);
  EXPECT_EQ(report->customers, 2);
  EXPECT_GE(report->variants, 120);

  auto all = search.Search({.limit = 100, .now = clock_.NowSeconds()});
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_GT(all->total, 100);  // about 1 in 50 is a draft
  EXPECT_LE(all->total, 120);
  ASSERT_FALSE(all->items.empty());
  // The first word of a product name, misspelt by one letter, still finds it.
  const std::string name = all->items.front().document.name;
  std::string word = name.substr(0, name.find(' '));
  word.erase(1, 1);
  auto typo = search.Search({.text = word, .now = clock_.NowSeconds()});
  ASSERT_TRUE(typo) << typo.error().message;
  EXPECT_GT(typo->total, 0) << word;

  Login(report->admin_email, report->admin_password);
  const auto customer = Login(report->customer_email, report->customer_password);
  // Every demo customer has a default address to check out with.
  auto addresses = Get("/api/v1/me/addresses", customer.access_token);
  ASSERT_EQ(addresses.status, 200) << addresses.response.body;
  const auto& items = addresses.obj().at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_TRUE(items[0].as_object().at("is_default").as_bool());
  EXPECT_EQ(items[0].as_object().at("country").as_string().size(), 2u);
}

}  // namespace
}  // namespace emporium::app
