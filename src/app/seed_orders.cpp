#include "app/seed_orders.hpp"

#include <boost/json.hpp>
#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string>

#include "app/seed.hpp"
#include "core/clock.hpp"
#include "core/json_text.hpp"
#include "http/dispatcher.hpp"
#include "http/router.hpp"
#include "core/rate_limiter.hpp"
#include "infra/mail/mailer.hpp"
#include "modules/mail/mail_module.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/cart/cart_module.hpp"
#include "modules/catalog/catalog_module.hpp"
#include "modules/fulfilment/fulfilment_module.hpp"
#include "modules/notifications/notifier.hpp"
#include "modules/orders/orders_module.hpp"
#include "modules/payments/payments_module.hpp"
#include "modules/pricing/pricing.hpp"
#include "modules/pricing/pricing_module.hpp"
#include "modules/refunds/refunds_module.hpp"
#include "modules/search/search_module.hpp"

namespace emporium::app {

namespace {

namespace json = boost::json;

constexpr std::int64_t kDay = 86400;
// Shipping methods as demo customers choose them: 7 in 10 standard, 2 express, 1 next day.
constexpr std::array<const char*, 10> kMethods = {"standard", "standard", "standard", "standard", "standard",
                                                  "standard", "standard", "express",  "express",  "next_day"};

// History does not notify anyone: no receipt e-mails for orders "placed" a year ago.
class NobodyNotified final : public notifications::Notifier {
 public:
  Status Notify(db::Tx&, const notifications::NotificationRequest&) override { return OkStatus(); }
  Status NotifyStaff(db::Tx&, const notifications::NotificationRequest&) override { return OkStatus(); }
};

// The seed acts as its own users: tokens are "user:<id>:<role index>", understood only by this
// in-process dispatcher (which never listens on a socket).
class SeedAuthenticator final : public http::Authenticator {
 public:
  Result<Principal> Authenticate(std::string_view token) override {
    const auto colon = token.rfind(':');
    if (!token.starts_with("user:") || colon == std::string_view::npos || colon <= 5) {
      return Error::Unauthorized("not a seed token");
    }
    Principal p;
    p.user_id = std::stoll(std::string(token.substr(5, colon - 5)));
    p.role = static_cast<Role>(std::stoi(std::string(token.substr(colon + 1))));
    return p;
  }
};

std::string Token(std::int64_t user_id, Role role) {
  return "user:" + std::to_string(user_id) + ":" + std::to_string(static_cast<int>(role));
}

struct Answer {
  int status = 0;
  json::value body;
  std::string text;
};

// Everything the shop needs to take, ship and refund orders, on a clock the seed moves.
class Shop {
 public:
  Shop(db::Database& db, const core::Config& config, const core::Clock& clock)
      : db_(db),
        config_(OfflineConfig(config)),
        mail_(mail::MakeMailer(config_)),
        audit_(db, clock),
        limiter_(core::MakeMemoryRateLimiter(clock)),
        auth_(db, config_, clock, mail_, *limiter_, audit_),
        search_(db, clock),
        catalog_(db, clock, audit_, &search_.indexer(), members_, nullptr),
        pricing_(db, clock, audit_, plans_),
        cart_(db, clock, catalog_, pricing_, auth_),
        payments_(db, config_, clock, auth_),
        orders_(db, config_, clock, catalog_, cart_, pricing_, payments_, auth_, audit_, notifier_, nullptr),
        fulfilment_(db, clock, orders_, auth_, audit_, nullptr),
        refunds_(db, config_, clock, orders_, payments_, pricing_, catalog_, auth_, audit_, notifier_, nullptr),
        dispatcher_(router_, config_, clock, nullptr, nullptr) {
    payments_.AddSink(&orders_.payment_sink());
    cart_.RegisterRoutes(router_);
    orders_.RegisterRoutes(router_);
    fulfilment_.RegisterRoutes(router_);
    refunds_.RegisterRoutes(router_);
    dispatcher_.SetAuthenticator(&authenticator_);
  }

  catalog::CatalogModule& catalog() { return catalog_; }

  /// The customer gives up after a decline: their cart is emptied.
  Status ClearCart(std::int64_t user_id) {
    return db_.Write([&](db::Tx& tx) { return cart_.Clear(tx, user_id); });
  }

  Answer Call(http::Method method, std::string target, const std::string& token,
              std::optional<json::value> body = std::nullopt, std::string idempotency_key = {}) {
    http::Request req;
    req.method = method;
    req.path = target;
    req.target = std::move(target);
    req.remote_ip = "127.0.0.1";
    req.headers.push_back({"Authorization", "Bearer " + token});
    if (!idempotency_key.empty()) req.headers.push_back({"Idempotency-Key", std::move(idempotency_key)});
    if (body) {
      req.body = core::JsonText(*body);
      req.headers.push_back({"Content-Type", "application/json"});
    }
    http::Response res = dispatcher_.Handle(req);
    Answer a{res.status, nullptr, res.body};
    boost::system::error_code ec;
    if (!res.body.empty()) a.body = json::parse(res.body, ec);
    return a;
  }

 private:
  // The simulated card processor whatever the environment says: a seed must never charge a card.
  static core::Config OfflineConfig(core::Config c) {
    c.stripe_secret_key.clear();
    c.rate_limit_ip_per_minute = 0;
    c.rate_limit_user_per_minute = 0;
    return c;
  }

  db::Database& db_;
  core::Config config_;
  infra::MailService mail_;
  audit::AuditLog audit_;
  std::unique_ptr<core::RateLimiter> limiter_;
  auth::AuthModule auth_;
  catalog::NoMemberships members_;
  search::SearchModule search_;
  catalog::CatalogModule catalog_;
  pricing::FreePlanOnly plans_;
  pricing::PricingModule pricing_;
  cart::CartModule cart_;
  payments::PaymentsModule payments_;
  NobodyNotified notifier_;
  orders::OrdersModule orders_;
  fulfilment::FulfilmentModule fulfilment_;
  refunds::RefundsModule refunds_;
  http::Router router_;
  SeedAuthenticator authenticator_;
  http::Dispatcher dispatcher_;
};

Error Unexpected(const std::string& step, const Answer& a) {
  return Error::Internal("seed: " + step + " answered " + std::to_string(a.status) + ": " + a.text.substr(0, 300));
}

std::int64_t Id(const Answer& a) { return a.body.as_object().at("id").to_number<std::int64_t>(); }

}  // namespace

Result<OrderSeedReport> SeedDemoOrders(db::Database& db, const core::Config& config, const OrderSeedOptions& options,
                                       const std::vector<DemoCustomer>& customers, std::int64_t staff_id,
                                       std::int64_t courier_id) {
  OrderSeedReport report;
  if (options.orders <= 0) return report;
  if (customers.empty() || options.products <= 0) return Error::Invalid("orders", "needs demo customers and products");

  const std::int64_t end = options.now;
  const std::int64_t span = static_cast<std::int64_t>(options.months) * 30 * kDay;
  core::ManualClock clock(end - span);
  Shop shop(db, config, clock);
  DemoRandom rng(options.seed * 7'919ULL + 1);
  const std::string staff = Token(staff_id, Role::kAdmin), courier = Token(courier_id, Role::kCourier);

  for (int i = 0; i < options.orders; ++i) {
    // Placement times ascend; their density grows linearly over the span (a shop that grows).
    const double u = (i + 0.5) / options.orders;
    const std::int64_t placed_at = end - span + static_cast<std::int64_t>(std::sqrt(u) * static_cast<double>(span)) -
                                   rng.Between(0, 3600);
    clock.Set(placed_at);
    const auto& customer = customers[static_cast<std::size_t>(rng.Between(0, static_cast<std::int64_t>(customers.size()) - 1))];
    const std::string buyer = Token(customer.user_id, Role::kCustomer);

    // One to three lines of products in stock; a sold-out pick is simply skipped.
    int lines = 0;
    const int wanted = static_cast<int>(rng.Between(1, 3));
    for (int attempt = 0; attempt < 8 && lines < wanted; ++attempt) {
      auto product = shop.catalog().GetProduct("demo-" + std::to_string(rng.Between(1, options.products)));
      if (!product || product->variants.empty()) continue;
      const auto& variant = product->variants[static_cast<std::size_t>(
          rng.Between(0, static_cast<std::int64_t>(product->variants.size()) - 1))];
      if (variant.available() <= 0) continue;
      const std::int64_t quantity = std::min<std::int64_t>(variant.available(), rng.Between(0, 4) == 0 ? 2 : 1);
      auto added = shop.Call(http::Method::kPost, "/api/v1/cart/items", buyer,
                             json::object{{"variant_id", variant.id}, {"quantity", quantity}});
      if (added.status == 409) continue;  // taken by an earlier order of this run
      if (added.status != 200 && added.status != 201) return Unexpected("adding to the cart", added);
      ++lines;
    }
    if (lines == 0) continue;

    const bool decline = rng.Between(0, 24) == 0;
    auto placed = shop.Call(http::Method::kPost, "/api/v1/orders", buyer,
                            json::object{{"address_id", customer.address_id},
                                         {"shipping_method", rng.Pick(kMethods)},
                                         {"payment_method_id", decline ? "pm_card_chargeDeclined" : "pm_card_visa"}},
                            "seed-" + std::to_string(options.seed) + "-" + std::to_string(i));
    ++report.placed;
    if (report.first_at == 0) report.first_at = placed_at;
    report.last_at = placed_at;
    if (placed.status == 402) {
      ++report.declined;
      EMP_TRY(shop.ClearCart(customer.user_id));
      continue;
    }
    if (placed.status != 201) return Unexpected("placing an order", placed);
    const std::string order = "/api/v1/orders/" + std::to_string(Id(placed));
    const std::int64_t age = end - placed_at;

    if (rng.Between(0, 19) == 0) {  // the customer changes their mind within hours
      clock.Set(placed_at + rng.Between(600, 6 * 3600));
      auto cancelled = shop.Call(http::Method::kPost, order + "/cancel", buyer, json::object{});
      if (cancelled.status != 200) return Unexpected("cancelling", cancelled);
      ++report.cancelled;
      continue;
    }
    if (age < 2 * kDay) continue;  // still being packed

    const std::int64_t shipped_at = placed_at + rng.Between(6 * 3600, 36 * 3600);
    clock.Set(shipped_at);
    auto shipment = shop.Call(http::Method::kPost, "/api/v1/admin" + order.substr(7) + "/shipments", staff,
                              json::object{{"courier_id", courier_id}});
    if (shipment.status != 201 && shipment.status != 200) return Unexpected("shipping", shipment);
    const std::int64_t delivered_at = shipped_at + rng.Between(kDay, 4 * kDay);
    if (delivered_at >= end) {
      ++report.shipped;
      continue;
    }
    clock.Set(delivered_at);
    auto delivered = shop.Call(http::Method::kPost,
                               "/api/v1/courier/shipments/" + std::to_string(Id(shipment)) + "/status", courier,
                               json::object{{"status", "delivered"}});
    if (delivered.status != 200) return Unexpected("delivering", delivered);
    ++report.delivered;

    if (rng.Between(0, 29) == 0 && delivered_at + 10 * kDay < end) {  // damaged in transit: refunded
      clock.Set(delivered_at + rng.Between(kDay, 10 * kDay));
      auto refund = shop.Call(http::Method::kPost, "/api/v1/admin" + order.substr(7) + "/refunds", staff,
                              json::object{{"reason", "Arrived damaged"}}, "seed-refund-" + std::to_string(i));
      if (refund.status != 201 && refund.status != 200) return Unexpected("refunding", refund);
      ++report.refunded;
    }
  }
  return report;
}

}  // namespace emporium::app
