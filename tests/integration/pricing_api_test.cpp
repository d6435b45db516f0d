// Pricing through the real Router + Dispatcher and the module facade, on the test database of the
// run (SQLite or MariaDB): public shipping routes, the admin routes, and the order bookkeeping
// (Quote, CommitOrder, ReleaseOrder, EarnPoints, ReverseForRefund).

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "auth_fixture.hpp"
#include "db/statement_counter.hpp"
#include "modules/pricing/pricing_module.hpp"

namespace emporium::pricing {
namespace {

namespace json = boost::json;
using auth::testing::AuthHarness;
using auth::testing::CallResult;

json::object Usd(std::int64_t amount) { return {{"amount", amount}, {"currency", "USD"}}; }

std::int64_t Amount(const json::value& money) { return money.as_object().at("amount").as_int64(); }

class PricingApi : public AuthHarness {
 protected:
  void SetUp() override {
    AuthHarness::SetUp();
    pricing_ = std::make_unique<PricingModule>(db(), clock_, *audit_, plans_);
    pricing_->RegisterRoutes(*router_);
    manager_ = Staff("manager@shop.test", Role::kManager).access_token;
  }
  void TearDown() override {
    pricing_.reset();
    AuthHarness::TearDown();
  }

  static PricingRequest Cart(std::int64_t user_id, std::int64_t unit_price, std::int64_t quantity = 1,
                             std::int64_t weight_grams = 500) {
    PricingRequest r;
    r.user_id = user_id;
    r.currency = "USD";
    r.lines.push_back({.variant_id = 1, .product_id = 1, .sku = "MUG-1", .name = "Mug", .unit_price = unit_price,
                       .quantity = quantity, .weight_grams = weight_grams});
    r.country = "DE";
    return r;
  }

  Result<Totals> Quote(const PricingRequest& r) {
    return db().Read([&](db::Tx& tx) { return pricing_->Quote(tx, r); });
  }
  /// Quote and commit in one transaction, as the order flow does.
  Result<Totals> PlaceOrder(const PricingRequest& r, std::int64_t order_id) {
    return db().Write([&](db::Tx& tx) -> Result<Totals> {
      EMP_ASSIGN(auto totals, pricing_->Quote(tx, r));
      EMP_TRY(pricing_->CommitOrder(tx, r.user_id, order_id, totals));
      return totals;
    });
  }
  std::int64_t Balance(std::int64_t user_id) {
    auto b = db().Read([&](db::Tx& tx) { return pricing_->LoyaltyBalance(tx, user_id); });
    EXPECT_TRUE(b);
    return b ? *b : -1;
  }
  Status Earn(std::int64_t user_id, std::int64_t order_id, std::int64_t points) {
    return db().Write([&](db::Tx& tx) { return pricing_->EarnPoints(tx, user_id, order_id, points); });
  }
  Status Release(std::int64_t user_id, std::int64_t order_id) {
    return db().Write([&](db::Tx& tx) { return pricing_->ReleaseOrder(tx, user_id, order_id); });
  }
  Status Reverse(std::int64_t user_id, std::int64_t order_id, std::int64_t refund_id, std::int64_t bp) {
    return db().Write(
        [&](db::Tx& tx) { return pricing_->ReverseForRefund(tx, user_id, order_id, refund_id, bp); });
  }

  std::int64_t CreateCode(json::object body) {
    auto r = Post("/api/v1/admin/discount-codes", std::move(body), manager_);
    EXPECT_EQ(r.status, 201) << r.response.body;
    return r.status == 201 ? r.obj().at("id").as_int64() : 0;
  }
  std::int64_t CodeUses(std::int64_t id) {
    auto r = Get("/api/v1/admin/discount-codes/" + std::to_string(id), manager_);
    EXPECT_EQ(r.status, 200) << r.response.body;
    return r.obj().at("uses").as_int64();
  }

  FreePlanOnly plans_;
  std::unique_ptr<PricingModule> pricing_;
  std::string manager_;
};

TEST_F(PricingApi, ANewStoreShipsEverywhereAtDefaultRates) {
  auto r = Get("/api/v1/shipping/countries");
  ASSERT_EQ(r.status, 200) << r.response.body;
  EXPECT_TRUE(r.obj().at("ships_to_all").as_bool());
  EXPECT_EQ(r.obj().at("items").as_array().size(), 0u);
  EXPECT_EQ(r.obj().at("methods").as_array().size(), 3u);

  auto rate = Get("/api/v1/shipping/rates?country=BR&method=express&weight_grams=1200");
  ASSERT_EQ(rate.status, 200) << rate.response.body;
  EXPECT_EQ(Amount(rate.obj().at("price")), 0 + 999 + 300);
  const auto& b = rate.obj().at("breakdown").as_object();
  EXPECT_EQ(Amount(b.at("method_rate")), 999);
  EXPECT_EQ(Amount(b.at("weight_rate")), 300);
  EXPECT_EQ(rate.obj().at("method").as_string(), "express");

  auto safe = Get("/api/v1/shipping/rates?country=de&method=next-day&weight_grams=0&safe_shipping=true");
  ASSERT_EQ(safe.status, 200) << safe.response.body;
  EXPECT_EQ(Amount(safe.obj().at("price")), 1999 + 500);
  EXPECT_EQ(safe.obj().at("country").as_string(), "DE");
}

TEST_F(PricingApi, RatesRejectBadParameters) {
  EXPECT_EQ(Get("/api/v1/shipping/rates?method=express&weight_grams=1").status, 422);
  EXPECT_EQ(Get("/api/v1/shipping/rates?country=XX&method=express&weight_grams=1").error_fields(),
            std::vector<std::string>{"country"});
  EXPECT_EQ(Get("/api/v1/shipping/rates?country=DE&method=drone&weight_grams=1").error_fields(),
            std::vector<std::string>{"method"});
  EXPECT_EQ(Get("/api/v1/shipping/rates?country=DE&method=express&weight_grams=-5").status, 422);
  EXPECT_EQ(Get("/api/v1/shipping/rates?country=DE&method=express&weight_grams=abc").status, 422);
}

TEST_F(PricingApi, CustomersGetForbiddenOnEveryAdminRoute) {
  const auto customer = Register("ada@shop.test").access_token;
  EXPECT_EQ(Get("/api/v1/admin/pricing/settings", customer).status, 403);
  EXPECT_EQ(Put("/api/v1/admin/shipping/countries/DE", json::object{{"rate", Usd(100)}}, customer).status, 403);
  EXPECT_EQ(Get("/api/v1/admin/shipping/methods", customer).status, 403);
  EXPECT_EQ(Get("/api/v1/admin/shipping/weight-bands", customer).status, 403);
  EXPECT_EQ(Put("/api/v1/admin/tax-rates/DE", json::object{{"rate_bp", 1900}}, customer).status, 403);
  EXPECT_EQ(Get("/api/v1/admin/discount-codes", customer).status, 403);
  EXPECT_EQ(Delete("/api/v1/admin/discount-codes/1", customer).status, 403);
  EXPECT_EQ(Get("/api/v1/admin/pricing/settings").status, 401);
}

TEST_F(PricingApi, AdminsNarrowShippingDownToListedCountries) {
  auto put = Put("/api/v1/admin/shipping/countries/de", json::object{{"name", "Germany"}, {"rate", Usd(250)}}, manager_);
  ASSERT_EQ(put.status, 200) << put.response.body;
  EXPECT_EQ(put.obj().at("country").as_string(), "DE");
  EXPECT_EQ(Put("/api/v1/admin/shipping/countries/FR", json::object{{"rate", Usd(100)}, {"enabled", false}}, manager_)
                .status,
            200);

  auto settings = Put("/api/v1/admin/pricing/settings", json::object{{"ships_to_all", false}}, manager_);
  ASSERT_EQ(settings.status, 200) << settings.response.body;
  EXPECT_FALSE(settings.obj().at("ships_to_all").as_bool());

  auto de = Get("/api/v1/shipping/rates?country=DE&method=standard&weight_grams=100");
  ASSERT_EQ(de.status, 200) << de.response.body;
  EXPECT_EQ(Amount(de.obj().at("price")), 250 + 499);
  EXPECT_EQ(Get("/api/v1/shipping/rates?country=FR&method=standard&weight_grams=100").error_fields(),
            std::vector<std::string>{"country"});
  EXPECT_EQ(Get("/api/v1/shipping/rates?country=US&method=standard&weight_grams=100").error_fields(),
            std::vector<std::string>{"country"});

  auto listed = Get("/api/v1/shipping/countries");
  ASSERT_EQ(listed.obj().at("items").as_array().size(), 1u);  // the disabled FR is not public
  EXPECT_EQ(listed.obj().at("items").as_array()[0].as_object().at("name").as_string(), "Germany");
  EXPECT_EQ(Get("/api/v1/admin/shipping/countries", manager_).obj().at("items").as_array().size(), 2u);

  EXPECT_EQ(Delete("/api/v1/admin/shipping/countries/DE", manager_).status, 204);
  EXPECT_EQ(Delete("/api/v1/admin/shipping/countries/DE", manager_).status, 404);
  EXPECT_EQ(Get("/api/v1/admin/shipping/countries/DE", manager_).status, 404);
  EXPECT_EQ(Get("/api/v1/shipping/rates?country=DE&method=standard&weight_grams=100").error_fields(),
            std::vector<std::string>{"country"});

  // Quotes read the countries from the cached rules, which every change refreshes at once.
  ASSERT_EQ(Put("/api/v1/admin/shipping/countries/FR", json::object{{"rate", Usd(300)}}, manager_).status, 200);
  auto fr = Get("/api/v1/shipping/rates?country=FR&method=standard&weight_grams=100");
  ASSERT_EQ(fr.status, 200) << fr.response.body;
  EXPECT_EQ(Amount(fr.obj().at("price")), 300 + 499);

  auto entries = audit_->List({.resource_type = "shipping_country"});
  ASSERT_TRUE(entries);
  EXPECT_EQ(entries->items.size(), 4u);
}

TEST_F(PricingApi, AdminWritesRejectBadValues) {
  EXPECT_EQ(Put("/api/v1/admin/shipping/countries/XX", json::object{{"rate", Usd(1)}}, manager_).status, 422);
  EXPECT_EQ(Put("/api/v1/admin/shipping/countries/DE", json::object{{"rate", json::object{{"amount", 5}, {"currency", "EUR"}}}},
                manager_)
                .error_fields(),
            std::vector<std::string>{"rate.currency"});
  EXPECT_EQ(Put("/api/v1/admin/shipping/countries/DE", json::object{{"rate", Usd(-1)}}, manager_).status, 422);
  EXPECT_EQ(Put("/api/v1/admin/pricing/settings", json::object{{"currency", "usd"}}, manager_).status, 422);
  EXPECT_EQ(Put("/api/v1/admin/pricing/settings", json::object{{"colour", "red"}}, manager_).status, 422);
  EXPECT_EQ(Put("/api/v1/admin/shipping/methods/drone", json::object{{"rate", Usd(1)}}, manager_).status, 404);
  EXPECT_EQ(Put("/api/v1/admin/tax-rates/DE", json::object{{"rate_bp", 10001}}, manager_).status, 422);
  EXPECT_EQ(Get("/api/v1/admin/shipping/countries", manager_).obj().at("items").as_array().size(), 0u);
}

TEST_F(PricingApi, MethodRatesAndWeightBandsAreReplacedAndValidated) {
  auto method = Put("/api/v1/admin/shipping/methods/next_day", json::object{{"rate", Usd(2500)}}, manager_);
  ASSERT_EQ(method.status, 200) << method.response.body;
  auto methods = Get("/api/v1/admin/shipping/methods", manager_);
  EXPECT_EQ(Amount(methods.obj().at("items").as_array()[2].as_object().at("rate")), 2500);

  const auto band = [](std::int64_t up_to, std::int64_t rate) {
    return json::object{{"up_to_grams", up_to}, {"rate", Usd(rate)}};
  };
  EXPECT_EQ(Put("/api/v1/admin/shipping/weight-bands", json::object{{"bands", json::array{}}}, manager_).status, 422);
  auto unordered =
      Put("/api/v1/admin/shipping/weight-bands", json::object{{"bands", json::array{band(2000, 0), band(1000, 5)}}},
          manager_);
  EXPECT_EQ(unordered.status, 422);
  EXPECT_EQ(unordered.error_fields(), std::vector<std::string>{"bands[1].up_to_grams"});

  auto ok = Put("/api/v1/admin/shipping/weight-bands",
                json::object{{"bands", json::array{band(2000, 100), band(10000, 700)}}, {"heavy_extra_per_kg", Usd(50)}},
                manager_);
  ASSERT_EQ(ok.status, 200) << ok.response.body;
  EXPECT_EQ(ok.obj().at("items").as_array().size(), 2u);

  // 12.5 kg: 2.5 kg above the last band → 3 started kg × 50.
  auto heavy = Get("/api/v1/shipping/rates?country=DE&method=next_day&weight_grams=12500");
  ASSERT_EQ(heavy.status, 200) << heavy.response.body;
  EXPECT_EQ(Amount(heavy.obj().at("breakdown").as_object().at("weight_rate")), 700 + 150);
  EXPECT_EQ(Amount(heavy.obj().at("price")), 2500 + 850);
}

TEST_F(PricingApi, TaxRatesAreManagedPerCountry) {
  EXPECT_EQ(Get("/api/v1/admin/tax-rates/DE", manager_).status, 404);
  auto put = Put("/api/v1/admin/tax-rates/DE", json::object{{"rate_bp", 1900}}, manager_);
  ASSERT_EQ(put.status, 200) << put.response.body;
  EXPECT_EQ(Get("/api/v1/admin/tax-rates/DE", manager_).obj().at("rate_bp").as_int64(), 1900);
  EXPECT_EQ(Get("/api/v1/admin/tax-rates", manager_).obj().at("items").as_array().size(), 1u);

  auto totals = Quote(Cart(7, 11900, 1, 100));  // inclusive: the included part of 11900 + 499 shipping
  ASSERT_TRUE(totals);
  EXPECT_EQ(totals->tax, MulDivRoundHalfUp(11900 + 499, 1900, 11900));
  EXPECT_EQ(totals->total, 11900 + 499);

  EXPECT_EQ(Delete("/api/v1/admin/tax-rates/DE", manager_).status, 204);
  EXPECT_EQ(Delete("/api/v1/admin/tax-rates/DE", manager_).status, 404);
}

TEST_F(PricingApi, DiscountCodesAreUniqueCaseInsensitivelyAndValidated) {
  const auto id = CreateCode({{"code", "summer10"}, {"kind", "percentage"}, {"value", 1000}});
  ASSERT_GT(id, 0);
  auto dup = Post("/api/v1/admin/discount-codes", json::object{{"code", "SUMMER10"}, {"kind", "fixed"}, {"value", 5}},
                  manager_);
  EXPECT_EQ(dup.status, 409);

  const auto invalid = [&](json::object body) {
    return Post("/api/v1/admin/discount-codes", std::move(body), manager_).error_fields();
  };
  EXPECT_EQ(invalid({{"code", "A"}, {"kind", "percentage"}, {"value", 0}}), std::vector<std::string>{"value"});
  EXPECT_EQ(invalid({{"code", "A"}, {"kind", "percentage"}, {"value", 10001}}), std::vector<std::string>{"value"});
  EXPECT_EQ(invalid({{"code", "A"}, {"kind", "fixed"}, {"value", 0}}), std::vector<std::string>{"value"});
  EXPECT_EQ(invalid({{"code", "A"}, {"kind", "fixed"}, {"value", 5}, {"starts_at", "2027-02-01T00:00:00Z"},
                     {"ends_at", "2027-02-01T00:00:00Z"}}),
            std::vector<std::string>{"ends_at"});
  EXPECT_EQ(invalid({{"code", "A B"}, {"kind", "fixed"}, {"value", 5}}), std::vector<std::string>{"code"});
  EXPECT_EQ(invalid({{"code", "A"}, {"kind", "bogo"}, {"value", 5}}), std::vector<std::string>{"kind"});

  auto got = Get("/api/v1/admin/discount-codes/" + std::to_string(id), manager_);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.obj().at("code").as_string(), "SUMMER10");

  auto patched = Patch("/api/v1/admin/discount-codes/" + std::to_string(id),
                       json::object{{"kind", "fixed"}, {"value", 300}, {"max_uses", 10}}, manager_);
  ASSERT_EQ(patched.status, 200) << patched.response.body;
  EXPECT_EQ(Amount(patched.obj().at("amount_off")), 300);
  EXPECT_EQ(patched.obj().at("max_uses").as_int64(), 10);

  auto listed = Get("/api/v1/admin/discount-codes?limit=1", manager_);
  EXPECT_EQ(listed.obj().at("items").as_array().size(), 1u);

  EXPECT_EQ(Delete("/api/v1/admin/discount-codes/" + std::to_string(id), manager_).status, 204);
  EXPECT_EQ(Get("/api/v1/admin/discount-codes/" + std::to_string(id), manager_).status, 404);
  auto quote = Cart(7, 5000);
  quote.discount_code = "summer10";
  auto t = Quote(quote);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().field, "discount_code");
}

TEST_F(PricingApi, AnOrderCountsTheCodeUseAndReleasingGivesItBack) {
  const auto id = CreateCode({{"code", "ONCE"}, {"kind", "percentage"}, {"value", 2500}, {"max_uses_per_customer", 1}});
  auto cart = Cart(7, 4000);
  cart.discount_code = " once ";
  auto placed = PlaceOrder(cart, 1001);
  ASSERT_TRUE(placed) << placed.error().message;
  EXPECT_EQ(placed->discount, 1000);
  EXPECT_EQ(CodeUses(id), 1);

  auto again = Quote(cart);  // per-customer limit reached
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().field, "discount_code");
  EXPECT_TRUE(Quote(Cart(8, 4000)));  // another customer may still use it

  ASSERT_TRUE(Release(7, 1001));
  ASSERT_TRUE(Release(7, 1001));  // idempotent
  EXPECT_EQ(CodeUses(id), 0);
  EXPECT_TRUE(Quote(cart));
}

TEST_F(PricingApi, ConcurrentLastUseOfACodeHasExactlyOneWinner) {
  CreateCode({{"code", "LAST"}, {"kind", "fixed"}, {"value", 500}, {"max_uses", 1}});
  auto cart_a = Cart(11, 3000);
  auto cart_b = Cart(12, 3000);
  cart_a.discount_code = cart_b.discount_code = "LAST";
  // Both quotes see one use left; then both orders commit at once.
  auto quote_a = Quote(cart_a);
  auto quote_b = Quote(cart_b);
  ASSERT_TRUE(quote_a && quote_b);

  std::atomic<int> ready{0};
  std::atomic<int> wins{0}, conflicts{0};
  const auto commit = [&](std::int64_t user, std::int64_t order, const Totals& totals) {
    ready.fetch_add(1);
    while (ready.load() < 2) std::this_thread::yield();
    auto st = db().Write([&](db::Tx& tx) { return pricing_->CommitOrder(tx, user, order, totals); });
    if (st) {
      wins.fetch_add(1);
    } else if (st.error().code == ErrorCode::kConflict && st.error().field == "discount_code") {
      conflicts.fetch_add(1);
    }
  };
  std::thread a(commit, 11, 2001, *quote_a);
  std::thread b(commit, 12, 2002, *quote_b);
  a.join();
  b.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(conflicts.load(), 1);
  auto codes = Get("/api/v1/admin/discount-codes", manager_);
  EXPECT_EQ(codes.obj().at("items").as_array()[0].as_object().at("uses").as_int64(), 1);
}

TEST_F(PricingApi, LoyaltyPointsAreEarnedRedeemedReleasedAndReversed) {
  const auto user = Register("ada@shop.test");
  const auto uid = user.user_id;
  ASSERT_TRUE(Earn(uid, 1, 300));
  ASSERT_TRUE(Earn(uid, 1, 300));  // idempotent per order
  EXPECT_EQ(Balance(uid), 300);

  auto cart = Cart(uid, 5000);
  cart.loyalty_points = 200;  // worth 2000
  auto placed = PlaceOrder(cart, 2);
  ASSERT_TRUE(placed) << placed.error().message;
  EXPECT_EQ(placed->loyalty, 2000);
  EXPECT_EQ(placed->loyalty_points_earned, 30);  // 3000 paid for goods
  EXPECT_EQ(Balance(uid), 100);

  cart.loyalty_points = 150;  // more than is left
  auto too_many = Quote(cart);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().field, "loyalty_points");

  ASSERT_TRUE(Release(uid, 2));  // the order was never paid
  ASSERT_TRUE(Release(uid, 2));
  EXPECT_EQ(Balance(uid), 300);

  // A 50% refund of order 1 takes back half of its 300 points; repeating the same refund does nothing.
  ASSERT_TRUE(Reverse(uid, 1, 71, 5000));
  ASSERT_TRUE(Reverse(uid, 1, 71, 5000));
  EXPECT_EQ(Balance(uid), 150);
  // The final (full) refund takes back what remains.
  ASSERT_TRUE(Reverse(uid, 1, 72, 10000));
  EXPECT_EQ(Balance(uid), 0);
  EXPECT_FALSE(Reverse(uid, 1, 73, 0));

  auto history = Get("/api/v1/me/loyalty?limit=3", user.access_token);
  ASSERT_EQ(history.status, 200) << history.response.body;
  EXPECT_EQ(history.obj().at("balance").as_int64(), 0);
  EXPECT_EQ(Amount(history.obj().at("point_value")), 10);
  const auto& items = history.obj().at("items").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].as_object().at("kind").as_string(), "reverse");
  EXPECT_EQ(items[0].as_object().at("points").as_int64(), -150);
  ASSERT_TRUE(history.obj().at("next_cursor").is_string());
  auto rest = Get("/api/v1/me/loyalty?cursor=" + std::string(history.obj().at("next_cursor").as_string()),
                  user.access_token);
  EXPECT_EQ(rest.obj().at("items").as_array().size(), 2u);  // redeem, earn
  EXPECT_EQ(Get("/api/v1/me/loyalty").status, 401);
}

TEST_F(PricingApi, AFullRefundReturnsRedeemedPointsButNeverGoesBelowZero) {
  ASSERT_TRUE(Earn(5, 1, 100));
  auto cart = Cart(5, 5000);
  cart.loyalty_points = 100;
  ASSERT_TRUE(PlaceOrder(cart, 2));
  ASSERT_TRUE(Earn(5, 2, 40));
  EXPECT_EQ(Balance(5), 40);
  // Refunding order 1 fully wants its 100 earned points back, but only 40 are left.
  ASSERT_TRUE(Reverse(5, 1, 1, 10000));
  EXPECT_EQ(Balance(5), 0);
  // Refunding order 2 fully gives back the 100 it redeemed, then takes back the 40 it earned.
  ASSERT_TRUE(Reverse(5, 2, 2, 10000));
  EXPECT_EQ(Balance(5), 100 - 40);
}

TEST_F(PricingApi, SettingsChangesReachTheNextQuote) {
  auto before = Quote(Cart(7, 1000));
  ASSERT_TRUE(before);
  EXPECT_TRUE(before->tax_included);
  auto put = Put("/api/v1/admin/pricing/settings",
                 json::object{{"prices_include_tax", false}, {"default_country_rate", Usd(700)}}, manager_);
  ASSERT_EQ(put.status, 200) << put.response.body;
  EXPECT_EQ(Put("/api/v1/admin/tax-rates/DE", json::object{{"rate_bp", 1000}}, manager_).status, 200);
  auto after = Quote(Cart(7, 1000));
  ASSERT_TRUE(after);
  EXPECT_FALSE(after->tax_included);
  EXPECT_EQ(after->shipping, 700 + 499);
  EXPECT_EQ(after->tax, 220);  // 10% of 2199 = 219.9, rounded half up
  EXPECT_EQ(after->total, 1000 + 1199 + 220);
  auto audited = audit_->List({.action = "pricing_settings.update"});
  ASSERT_TRUE(audited);
  EXPECT_EQ(audited->items.size(), 1u);
  EXPECT_EQ(pricing_->Currency(), "USD");
}

TEST_F(PricingApi, AQuoteReadsOnlyWhatTheCachedRulesCannotHold) {
  CreateCode({{"code", "BUDGET"}, {"kind", "percentage"}, {"value", 500}, {"max_uses_per_customer", 3}});
  ASSERT_TRUE(Earn(9, 1, 100));
  auto cart = Cart(9, 8000, 2, 700);
  cart.discount_code = "budget";
  cart.loyalty_points = 50;
  ASSERT_TRUE(Quote(cart));  // warms the rules cache (settings, methods, bands, countries, tax rates)
  db::StatementCounter::Reset();
  auto t = Quote(cart);
  ASSERT_TRUE(t) << t.error().message;
  // The loyalty balance, the discount code and this customer's uses in one statement.
  EXPECT_EQ(db::StatementCounter::Count(), 1u);
  EXPECT_EQ(t->discount, 800);
  EXPECT_EQ(t->loyalty, 500);

  // Without a code or points a quote needs nothing beyond the cached rules.
  auto plain = Cart(9, 8000, 2, 700);
  db::StatementCounter::Reset();
  auto p = Quote(plain);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(db::StatementCounter::Count(), 0u);
  EXPECT_EQ(p->total, t->total + t->discount + t->loyalty);
}

}  // namespace
}  // namespace emporium::pricing
