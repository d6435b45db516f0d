// The demo seed through the real catalog, search and auth modules, on both dialects: the seeded
// products are listed by search, typo queries find them, and the demo accounts can sign in.

#include <gtest/gtest.h>

#include <soci/soci.h>

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

// --orders: the history goes through the shop's own routes on a moving clock, so what it leaves is
// what real orders leave: statuses from the state machine, a timeline in time order, stock that
// never went negative, payments with fees, and no notification or e-mail for the past.
TEST_F(DemoSeedTest, SeedsAnOrderHistoryOverEighteenMonths) {
  search::SearchModule search(db(), clock_);
  catalog::NoMemberships members;
  catalog::CatalogModule catalog(db(), clock_, *audit_, &search.indexer(), members, nullptr);
  auto shop = SeedDemo(catalog, *auth_, {.products = 60, .customers = 3, .seed = 11, .batch_size = 60});
  ASSERT_TRUE(shop) << shop.error().message;
  ASSERT_EQ(shop->customer_accounts.size(), 3u);

  auto count = [&](const std::string& sql) {
    long long n = -1;
    EXPECT_TRUE(db().Read([&](db::Tx& tx) -> Status {
      tx.sql << sql, soci::into(n);
      return OkStatus();
    }));
    return n;
  };
  const long long jobs_before = count("SELECT COUNT(*) FROM jobs");
  const std::int64_t now = clock_.NowSeconds();
  auto history = SeedDemoOrders(db(), config_, {.orders = 60, .seed = 11, .now = now, .products = 60},
                                shop->customer_accounts, shop->admin_id, shop->courier_id);
  ASSERT_TRUE(history) << history.error().message;
  const auto& r = *history;
  EXPECT_GT(r.placed, 50);  // a line may find everything sold out, then that order is not placed
  EXPECT_EQ(r.placed, count("SELECT COUNT(*) FROM orders"));
  EXPECT_GT(r.delivered, 30);
  EXPECT_EQ(r.delivered - r.refunded, count("SELECT COUNT(*) FROM orders WHERE status = 'delivered'"));
  EXPECT_EQ(r.refunded, count("SELECT COUNT(*) FROM orders WHERE status = 'refunded'"));
  EXPECT_EQ(r.cancelled + r.declined, count("SELECT COUNT(*) FROM orders WHERE status = 'cancelled'"));
  // Spread over the last 18 months, the latest recent, none in the future.
  EXPECT_GT(count("SELECT MAX(created_at) - MIN(created_at) FROM orders"), 365LL * 86400);
  EXPECT_LE(count("SELECT MAX(created_at) FROM order_events"), now);
  EXPECT_GT(count("SELECT MAX(created_at) FROM orders"), now - 30LL * 86400);
  // Every delivered order was paid, shipped and delivered, in that order of time.
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders o WHERE o.status = 'delivered' AND NOT EXISTS ("
                  "SELECT 1 FROM order_events p JOIN order_events s ON s.order_id = p.order_id "
                  "JOIN order_events d ON d.order_id = p.order_id WHERE p.order_id = o.id AND p.to_status = 'paid' "
                  "AND s.to_status = 'shipped' AND d.to_status = 'delivered' AND p.created_at <= s.created_at "
                  "AND s.created_at < d.created_at)"),
            0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM inventory_levels WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand"),
            0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM inventory_levels WHERE reserved > 0"), 0) << "every paid order committed";
  EXPECT_GT(count("SELECT COUNT(*) FROM payments WHERE fee > 0"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs"), jobs_before) << "no e-mail about the past";
}

}  // namespace
}  // namespace emporium::app
