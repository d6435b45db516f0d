// Concurrency of POST /api/v1/orders on the test database of the run: many buyers racing for the
// last units never oversell, and many requests carrying one Idempotency-Key create one order.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "orders_fixture.hpp"

namespace emporium::orders::testing {
namespace {

using OrdersConcurrency = OrdersHarness;

constexpr int kBuyers = 200;
constexpr int kStock = 10;
constexpr int kThreads = 16;

TEST_F(OrdersConcurrency, TwoHundredBuyersForTenUnitsMakeExactlyTenPaidOrders) {
  const auto v = Variant("LAST-10", kStock);
  std::vector<Session> buyers;
  for (int i = 0; i < kBuyers; ++i) {
    buyers.push_back(Customer(i));
    AddToCart(buyers.back(), v, 1);
  }

  std::vector<int> statuses(kBuyers, 0);
  std::vector<std::string> types(kBuyers);
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < kBuyers; i = next++) {
        auto r = PlaceOrder(buyers[i], "race-" + std::to_string(i), OrderBody());
        statuses[i] = r.status;
        types[i] = r.str("type");
      }
    });
  }
  for (auto& t : threads) t.join();

  std::map<int, int> by_status;
  for (int i = 0; i < kBuyers; ++i) {
    ++by_status[statuses[i]];
    if (statuses[i] == 409) {
      EXPECT_NE(types[i].find("insufficient"), std::string::npos) << types[i];
    }
  }
  EXPECT_EQ(by_status[201], kStock);
  EXPECT_EQ(by_status[409], kBuyers - kStock);
  EXPECT_EQ(by_status.size(), 2u);
  EXPECT_EQ(StockOf(v).on_hand, 0);
  EXPECT_EQ(StockOf(v).reserved, 0);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM orders WHERE status = 'paid'"), kStock);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM orders"), kStock);
}

TEST_F(OrdersConcurrency, TwentyRequestsWithOneKeyCreateOneOrder) {
  const auto v = Variant("ONE-KEY", 50);
  auto ada = Customer(1);
  AddToCart(ada, v, 2);

  constexpr int kRequests = 20;
  std::vector<CallResult> results(kRequests);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] { results[i] = PlaceOrder(ada, "shared-key", OrderBody()); });
  }
  for (auto& t : threads) t.join();

  std::string created_body;
  int created = 0;
  for (const auto& r : results) {
    // Either the order (first answer or its replay) or "still in progress" while the first runs.
    ASSERT_TRUE(r.status == 201 || r.status == 409) << r.status << " " << r.response.body;
    if (r.status != 201) continue;
    ++created;
    if (created_body.empty()) created_body = r.response.body;
    EXPECT_EQ(r.response.body, created_body);
  }
  EXPECT_GE(created, 1);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM orders"), 1);
  EXPECT_EQ(StockOf(v).on_hand, 48);
  EXPECT_EQ(StockOf(v).reserved, 0);
}

}  // namespace
}  // namespace emporium::orders::testing
