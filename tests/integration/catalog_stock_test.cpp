// The checkout stock moves of the catalog (reserve, release, commit, restock) in the caller's
// transaction, on the test database of the run: all-or-nothing reservations, the available >= 0
// invariant under concurrency, low-stock events and the product's in-stock flag.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "infra/events/event_bus.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/catalog/catalog_module.hpp"
#include "support/test_database.hpp"

namespace emporium::catalog {
namespace {

class CatalogStock : public ::testing::Test {
 protected:
  void SetUp() override {
    database_.emplace(test::OpenTestDatabase(true, 8));
    audit_ = std::make_unique<audit::AuditLog>(db(), clock_);
    catalog_ = std::make_unique<CatalogModule>(db(), clock_, *audit_, nullptr, members_, &events_);
    events_.Subscribe("admin.event", [this](const std::string&, const boost::json::object& payload) {
      std::lock_guard lock(mutex_);
      admin_events_.push_back(payload);
    });
    auto category = catalog_->CreateCategory({.name = "Audio"});
    ASSERT_TRUE(category) << category.error().message;
    category_ = *category;
  }
  void TearDown() override {
    catalog_.reset();
    audit_.reset();
    database_.reset();
  }
  db::Database& db() { return **database_; }

  /// A product with two variants: `sku`-a with `stock` units (threshold 2), `sku`-b with 5.
  ProductView Product(const std::string& sku, std::int64_t stock) {
    ProductInput in;
    in.name = "Product " + sku;
    in.description = "Headphones";
    in.category_id = category_;
    in.images = {{"https://img.test/" + sku + ".jpg", "front"}};
    in.variants = {{.sku = sku + "-a", .price = 1999, .currency = "USD", .weight_grams = 300, .stock = stock,
                    .low_stock_threshold = 2},
                   {.sku = sku + "-b", .price = 2499, .currency = "USD", .weight_grams = 350, .stock = 5}};
    auto p = catalog_->CreateProduct(in);
    EXPECT_TRUE(p) << p.error().message;
    return *p;
  }

  Variant Level(std::int64_t variant_id, const std::string& slug) {
    auto p = catalog_->GetProduct(slug);
    EXPECT_TRUE(p);
    for (const auto& v : p->variants) {
      if (v.id == variant_id) return v;
    }
    ADD_FAILURE() << "variant " << variant_id << " not found";
    return {};
  }

  Status InTx(const std::function<Status(db::Tx&)>& f) {
    return db().Write([&](db::Tx& tx) -> Status { return f(tx); });
  }

  core::ManualClock clock_{1'800'000'000};
  NoMemberships members_;
  infra::EventBus events_;
  std::optional<test::TestDatabase> database_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<CatalogModule> catalog_;
  std::int64_t category_ = 0;
  std::mutex mutex_;
  std::vector<boost::json::object> admin_events_;
};

TEST_F(CatalogStock, VariantsForSaleReportsPriceStockImageAndSaleability) {
  auto p = Product("hp1", 7);
  const auto a = p.variants[0].id, b = p.variants[1].id;
  auto rows = db().Read([&](db::Tx& tx) { return catalog_->VariantsForSale(tx, {a, b, 999999}); });
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  for (const auto& v : *rows) {
    EXPECT_TRUE(v.for_sale);
    EXPECT_EQ(v.product_id, p.id);
    EXPECT_EQ(v.product_name, "Product hp1");
    EXPECT_EQ(v.image_url, "https://img.test/hp1.jpg");
    EXPECT_EQ(v.currency, "USD");
    if (v.variant_id == a) {
      EXPECT_EQ(v.price, 1999);
      EXPECT_EQ(v.available, 7);
      EXPECT_EQ(v.weight_grams, 300);
    }
  }
  ASSERT_TRUE(catalog_->AdjustStock(a, -1, "count"));
  ASSERT_TRUE(InTx([&](db::Tx& tx) { return catalog_->ReserveStock(tx, {{a, 2}}); }));
  rows = db().Read([&](db::Tx& tx) { return catalog_->VariantsForSale(tx, {a}); });
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->at(0).available, 4);  // 6 on hand − 2 reserved
}

TEST_F(CatalogStock, ReservationIsAllOrNothing) {
  auto p = Product("hp2", 3);
  const auto a = p.variants[0].id, b = p.variants[1].id;
  // b has 5; asking 6 of b fails the whole reservation, so a keeps all 3 after the rollback.
  auto failed = InTx([&](db::Tx& tx) { return catalog_->ReserveStock(tx, {{a, 3}, {b, 6}}); });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kInsufficientStock);
  EXPECT_NE(failed.error().message.find("hp2-b"), std::string::npos) << failed.error().message;
  EXPECT_EQ(Level(a, p.slug).reserved, 0);
  EXPECT_EQ(Level(b, p.slug).reserved, 0);

  ASSERT_TRUE(InTx([&](db::Tx& tx) { return catalog_->ReserveStock(tx, {{a, 1}, {b, 2}, {a, 2}}); }));
  EXPECT_EQ(Level(a, p.slug).reserved, 3);  // duplicate lines merged
  EXPECT_EQ(Level(b, p.slug).reserved, 2);
}

TEST_F(CatalogStock, ReleaseCommitAndRestockMoveTheRightColumns) {
  auto p = Product("hp3", 10);
  const auto a = p.variants[0].id;
  ASSERT_TRUE(InTx([&](db::Tx& tx) { return catalog_->ReserveStock(tx, {{a, 4}}); }));
  ASSERT_TRUE(InTx([&](db::Tx& tx) { return catalog_->ReleaseStock(tx, {{a, 1}}); }));
  auto v = Level(a, p.slug);
  EXPECT_EQ(v.on_hand, 10);
  EXPECT_EQ(v.reserved, 3);
  ASSERT_TRUE(InTx([&](db::Tx& tx) { return catalog_->CommitStock(tx, {{a, 3}}); }));
  v = Level(a, p.slug);
  EXPECT_EQ(v.on_hand, 7);
  EXPECT_EQ(v.reserved, 0);
  // Releasing or committing what is not reserved is a bug in the caller, not a silent no-op.
  EXPECT_FALSE(InTx([&](db::Tx& tx) { return catalog_->ReleaseStock(tx, {{a, 1}}); }));
  EXPECT_FALSE(InTx([&](db::Tx& tx) { return catalog_->CommitStock(tx, {{a, 1}}); }));
  ASSERT_TRUE(InTx([&](db::Tx& tx) { return catalog_->Restock(tx, {{a, 2}}, "refund restock", Actor::System()); }));
  EXPECT_EQ(Level(a, p.slug).on_hand, 9);
  EXPECT_FALSE(InTx([&](db::Tx& tx) { return catalog_->ReserveStock(tx, {{a, 0}}); }));
}

TEST_F(CatalogStock, LowStockEventAndInStockFlagFollowReservations) {
  auto p = Product("hp4", 3);
  const auto a = p.variants[0].id, b = p.variants[1].id;
  // a: 3 available, threshold 2 → reserving 1 crosses the threshold (3 → 2): one admin event.
  ASSERT_TRUE(InTx([&](db::Tx& tx) { return catalog_->ReserveStock(tx, {{a, 1}}); }));
  ASSERT_TRUE(InTx([&](db::Tx& tx) { return catalog_->ReserveStock(tx, {{a, 1}}); }));  // 2 → 1: no new crossing
  {
    std::lock_guard lock(mutex_);
    ASSERT_EQ(admin_events_.size(), 1u);
    EXPECT_EQ(admin_events_[0].at("type").as_string(), "inventory.low_stock");
    EXPECT_EQ(admin_events_[0].at("variant_id").as_int64(), a);
    EXPECT_EQ(admin_events_[0].at("available").as_int64(), 2);
  }
  // Selling out every variant clears the product's in-stock flag; a release brings it back.
  ASSERT_TRUE(InTx([&](db::Tx& tx) { return catalog_->ReserveStock(tx, {{a, 1}, {b, 5}}); }));
  EXPECT_FALSE(catalog_->GetProduct(p.slug)->in_stock);
  ASSERT_TRUE(InTx([&](db::Tx& tx) { return catalog_->ReleaseStock(tx, {{b, 1}}); }));
  EXPECT_TRUE(catalog_->GetProduct(p.slug)->in_stock);
}

TEST_F(CatalogStock, ConcurrentReservationsNeverOversell) {
  auto p = Product("hp5", 10);
  const auto a = p.variants[0].id;
  std::atomic<int> won{0}, refused{0}, failed{0};
  std::vector<std::thread> buyers;
  for (int i = 0; i < 40; ++i) {
    buyers.emplace_back([&] {
      auto r = InTx([&](db::Tx& tx) { return catalog_->ReserveStock(tx, {{a, 1}}); });
      if (r) {
        ++won;
      } else if (r.error().code == ErrorCode::kInsufficientStock) {
        ++refused;
      } else {
        ++failed;
      }
    });
  }
  for (auto& t : buyers) t.join();
  EXPECT_EQ(won.load(), 10);
  EXPECT_EQ(refused.load(), 30);
  EXPECT_EQ(failed.load(), 0);
  auto v = Level(a, p.slug);
  EXPECT_EQ(v.on_hand, 10);
  EXPECT_EQ(v.reserved, 10);
}

}  // namespace
}  // namespace emporium::catalog
