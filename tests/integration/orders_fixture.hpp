#pragma once
// The orders test harness: the real catalog, pricing, cart, payments (simulated processor) and
// orders modules behind the auth harness's Router and Dispatcher, on the test database of the run.
// Customers shop through the HTTP routes; helpers read stock and timelines straight from the tables.

#include <soci/soci.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "infra/events/event_bus.hpp"
#include "infra/jobs/job_queue.hpp"
#include "modules/cart/cart_module.hpp"
#include "modules/catalog/catalog_module.hpp"
#include "modules/notifications/notifications_module.hpp"
#include "modules/orders/orders_module.hpp"
#include "modules/payments/payments_module.hpp"
#include "modules/pricing/pricing_module.hpp"
#include "auth_fixture.hpp"

namespace emporium::orders::testing {

namespace json = boost::json;
using auth::testing::CallResult;
using auth::testing::Session;

struct Stock {
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
};

class OrdersHarness : public auth::testing::AuthHarness {
 protected:
  void SetUp() override {
    AuthHarness::SetUp();
    catalog_ = std::make_unique<catalog::CatalogModule>(db(), clock_, *audit_, nullptr, members_, &events_);
    pricing_ = std::make_unique<pricing::PricingModule>(db(), clock_, *audit_, plans_);
    cart_ = std::make_unique<cart::CartModule>(db(), clock_, *catalog_, *pricing_, *auth_);
    payments_ = std::make_unique<payments::PaymentsModule>(db(), config_, clock_, *auth_, MakeProvider());
    jobs_ = std::make_unique<infra::jobs::JobQueue>(db(), clock_);
    notifications_ = std::make_unique<notifications::NotificationsModule>(db(), config_, clock_, *auth_, *mail_, *jobs_,
                                                                          *audit_, &events_, everyone_on_free_);
    catalog_->SetNotifier(&notifications_->notifier());
    orders_ = std::make_unique<OrdersModule>(db(), config_, clock_, *catalog_, *cart_, *pricing_, *payments_,
                                             *auth_, *audit_, notifications_->notifier(), &events_);
    payments_->AddSink(&orders_->payment_sink());
    catalog_->RegisterRoutes(*router_);
    pricing_->RegisterRoutes(*router_);
    cart_->RegisterRoutes(*router_);
    payments_->RegisterRoutes(*router_);
    orders_->RegisterRoutes(*router_);
    events_.Subscribe("*", [this](const std::string& topic, const json::object& payload) {
      std::lock_guard lock(events_mutex_);
      published_.emplace_back(topic, payload);
    });
    auto category = catalog_->CreateCategory({.name = "Audio"});
    ASSERT_TRUE(category) << category.error().message;
    category_ = *category;
  }

  void TearDown() override {
    orders_.reset();
    notifications_.reset();
    jobs_.reset();
    payments_.reset();
    cart_.reset();
    pricing_.reset();
    catalog_.reset();
    AuthHarness::TearDown();
  }

  /// A product with one variant of `stock` units at `price` cents; returns the variant id.
  std::int64_t Variant(const std::string& sku, std::int64_t stock, std::int64_t price = 2500) {
    catalog::ProductInput in;
    in.name = "Product " + sku;
    in.description = "Headphones";
    in.category_id = category_;
    in.variants = {{.sku = sku, .price = price, .currency = "USD", .weight_grams = 300, .stock = stock}};
    auto p = catalog_->CreateProduct(in);
    EXPECT_TRUE(p) << p.error().message;
    return p ? p->variants.at(0).id : 0;
  }

  /// A new customer, signed in; `n` also picks the client address (registration is rate limited per IP).
  Session Customer(int n) {
    const auto ip = "10.1." + std::to_string(n / 200) + "." + std::to_string(n % 200 + 1);
    return Register("buyer" + std::to_string(n) + "@shop.test", auth::testing::kPassword, ip);
  }

  void AddToCart(const Session& s, std::int64_t variant_id, std::int64_t quantity) {
    auto r = Post("/api/v1/cart/items", json::object{{"variant_id", variant_id}, {"quantity", quantity}},
                  s.access_token);
    ASSERT_TRUE(r.status == 200 || r.status == 201) << r.response.body;
  }

  static json::object OrderBody(const std::string& payment_method = "pm_card_visa") {
    return {{"address",
             {{"name", "Ada Lovelace"},
              {"line1", "12 St James's Square"},
              {"city", "London"},
              {"postal_code", "SW1Y 4JH"},
              {"country", "GB"}}},
            {"shipping_method", "standard"},
            {"payment_method_id", payment_method}};
  }

  /// POST /api/v1/orders with an Idempotency-Key header (none when `key` is empty).
  CallResult PlaceOrder(const Session& s, const std::string& key, const json::object& body) {
    http::Request req;
    req.method = http::Method::kPost;
    req.target = req.path = "/api/v1/orders";
    req.remote_ip = auth::testing::kClientIp;
    req.body = json::serialize(body);
    req.headers.push_back({"Content-Type", "application/json"});
    req.headers.push_back({"Authorization", "Bearer " + s.access_token});
    if (!key.empty()) req.headers.push_back({"Idempotency-Key", key});
    CallResult out;
    out.response = dispatcher_->Handle(req);
    out.status = out.response.status;
    boost::system::error_code ec;
    if (!out.response.body.empty()) out.body = json::parse(out.response.body, ec);
    return out;
  }

  Stock StockOf(std::int64_t variant_id) {
    Stock s;
    auto st = db().Read([&](db::Tx& tx) -> Status {
      long long id = variant_id, on_hand = 0, reserved = 0;
      tx.sql << "SELECT on_hand, reserved FROM inventory_levels WHERE variant_id = :id", soci::use(id),
          soci::into(on_hand), soci::into(reserved);
      s = {on_hand, reserved};
      return OkStatus();
    });
    EXPECT_TRUE(st);
    return s;
  }

  std::int64_t CountRows(const std::string& sql) {
    long long n = -1;
    auto st = db().Read([&](db::Tx& tx) -> Status {
      tx.sql << sql, soci::into(n);
      return OkStatus();
    });
    EXPECT_TRUE(st);
    return n;
  }

  std::vector<infra::MailMessage> MailsOf(const std::string& template_name) {
    std::vector<infra::MailMessage> out;
    for (auto& m : Mails()) {
      if (m.template_name == template_name) out.push_back(std::move(m));
    }
    return out;
  }

  std::vector<std::pair<std::string, json::object>> Published() {
    std::lock_guard lock(events_mutex_);
    return published_;
  }

  /// The processor the payments module uses; null: the one configuration picks (simulated).
  virtual std::unique_ptr<payments::PaymentProvider> MakeProvider() { return nullptr; }

  static std::string StatusOf(const CallResult& r) { return r.str("status"); }
  static std::int64_t Id(const CallResult& r) { return r.obj().at("id").as_int64(); }
  static std::string PaymentStatus(const CallResult& r) {
    return std::string(r.obj().at("payment").as_object().at("status").as_string());
  }
  static std::int64_t PaymentId(const CallResult& r) { return r.obj().at("payment").as_object().at("id").as_int64(); }

  /// The processor's id of a payment's intent ("pi_..."), as stored.
  std::string IntentIdOf(std::int64_t payment_id) {
    auto record = db().Read([&](db::Tx& tx) { return payments_->Get(tx, payment_id); });
    EXPECT_TRUE(record) << record.error().message;
    return record ? record->intent_id : std::string();
  }

  /// The processor's "payment_intent.succeeded" for the payment of a POST /orders answer, as its
  /// webhook carries it (our metadata included), from the payment as stored.
  payments::PaymentEvent SucceededEvent(const CallResult& placed, const std::string& event_id) {
    const auto order_id = Id(placed);
    const auto payment_id = PaymentId(placed);
    auto record = db().Read([&](db::Tx& tx) { return payments_->Get(tx, payment_id); });
    EXPECT_TRUE(record) << record.error().message;
    payments::PaymentEvent event;
    event.id = event_id;
    event.type = "payment_intent.succeeded";
    event.payment_id = payment_id;
    if (record) {
      event.intent_id = record->intent_id;
      event.amount = record->amount;
      event.currency = record->currency;
    }
    event.metadata = {{"order_id", std::to_string(order_id)}, {"payment_id", std::to_string(payment_id)}};
    event.created = clock_.NowSeconds();
    return event;
  }

  catalog::NoMemberships members_;
  pricing::FreePlanOnly plans_;
  notifications::EveryoneOnFree everyone_on_free_;
  infra::EventBus events_;
  std::unique_ptr<catalog::CatalogModule> catalog_;
  std::unique_ptr<pricing::PricingModule> pricing_;
  std::unique_ptr<cart::CartModule> cart_;
  std::unique_ptr<payments::PaymentsModule> payments_;
  std::unique_ptr<infra::jobs::JobQueue> jobs_;
  std::unique_ptr<notifications::NotificationsModule> notifications_;
  std::unique_ptr<OrdersModule> orders_;
  std::int64_t category_ = 0;
  std::mutex events_mutex_;
  std::vector<std::pair<std::string, json::object>> published_;
};

}  // namespace emporium::orders::testing
