// Refunds under concurrency on the test database of the run: staff racing on one request or one
// order never refund more than once or more than the policy allows.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fulfilment_fixture.hpp"

namespace emporium::fulfilment::testing {
namespace {

using RefundsConcurrency = FulfilmentHarness;

TEST_F(RefundsConcurrency, TwoReviewersApprovingOneRequestRefundOnce) {
  auto ada = Customer(1);
  const auto order = DeliveredOrder(ada, "HP-1");
  auto created = Post("/api/v1/orders/" + std::to_string(order.id) + "/refund-requests",
                      json::object{{"reason", "broken"}, {"amount", 1200}}, ada.access_token);
  ASSERT_EQ(created.status, 201) << created.response.body;
  const auto path = "/api/v1/admin/refund-requests/" + std::to_string(Id(created)) + "/approve";
  const std::vector<std::string> tokens = {manager_.access_token,
                                           Staff("support1@shop.test", Role::kSupport).access_token,
                                           Staff("support2@shop.test", Role::kSupport).access_token};

  std::atomic<int> approved{0}, handled{0}, other{0};
  std::vector<std::thread> threads;
  for (const auto& token : tokens) {
    threads.emplace_back([&, token] {
      const int status = Post(path, json::object{}, token).status;
      (status == 200 ? approved : status == 409 ? handled : other)++;
    });
  }
  for (auto& t : threads) t.join();

  EXPECT_EQ(approved.load(), 1);
  EXPECT_EQ(handled.load(), 2);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM refunds"), 1);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM payment_refunds"), 1);
  EXPECT_EQ(CountRows("SELECT COALESCE(SUM(amount), 0) FROM refunds"), 1200);
  EXPECT_EQ(OrderStatus(order.id, ada), "partially_refunded");
}

TEST_F(RefundsConcurrency, FullRefundsWithDifferentKeysPayOutOnlyOnce) {
  auto ada = Customer(1);
  const auto order = PlacePaidOrder(ada, "HP-1");
  const std::int64_t refundable = order.total - FeeOf(order.id);

  std::atomic<int> created{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      const int status =
          Refund(order.id, json::object{{"reason", "duplicate charge"}}, "race-" + std::to_string(i)).status;
      (status == 201 ? created : (status == 409 || status == 422) ? refused : other)++;
    });
  }
  for (auto& t : threads) t.join();

  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(refused.load(), 3);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(CountRows("SELECT COALESCE(SUM(amount), 0) FROM refunds"), refundable);
  EXPECT_EQ(OrderStatus(order.id, ada), "refunded");
}

}  // namespace
}  // namespace emporium::fulfilment::testing
