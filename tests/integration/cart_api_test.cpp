// The cart and the checkout quote through the real Router + Dispatcher, with the real catalog,
// pricing and auth modules, on the test database of the run (SQLite or MariaDB).

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "auth_fixture.hpp"
#include "db/binds.hpp"
#include "db/rows.hpp"
#include "modules/cart/cart_module.hpp"
#include "modules/catalog/catalog_module.hpp"
#include "modules/pricing/pricing_module.hpp"

namespace emporium::cart {
namespace {

namespace json = boost::json;
using auth::testing::AuthHarness;
using auth::testing::CallResult;

class CartApi : public AuthHarness {
 protected:
  void SetUp() override {
    AuthHarness::SetUp();
    catalog_ = std::make_unique<catalog::CatalogModule>(db(), clock_, *audit_, nullptr, members_);
    pricing_ = std::make_unique<pricing::PricingModule>(db(), clock_, *audit_, plans_);
    cart_ = std::make_unique<CartModule>(db(), clock_, *catalog_, *pricing_, *auth_);
    catalog_->RegisterRoutes(*router_);
    pricing_->RegisterRoutes(*router_);
    cart_->RegisterRoutes(*router_);
    manager_ = Staff("manager@shop.test", Role::kManager).access_token;
    auto ada = Register("ada@shop.test");
    ada_ = ada.access_token;
    ada_id_ = ada.user_id;
    category_ = *catalog_->CreateCategory(catalog::CategoryInput{.name = "Shoes"});
  }
  void TearDown() override {
    cart_.reset();
    pricing_.reset();
    catalog_.reset();
    AuthHarness::TearDown();
  }

  /// A product with one variant per price (options {"size": "S<i>"}); returns the variant ids.
  std::vector<std::int64_t> Product(const std::string& name, std::vector<std::int64_t> prices, std::int64_t stock,
                                    std::int64_t weight_grams = 250, const std::string& currency = "USD",
                                    const std::string& status = "active") {
    catalog::ProductInput p{.name = name, .category_id = category_, .status = status};
    p.images = {{"https://img.test/" + catalog::Slugify(name) + ".jpg", name}};
    for (std::size_t i = 0; i < prices.size(); ++i) {
      catalog::VariantInput v;
      v.sku = catalog::Slugify(name) + "-" + std::to_string(i);
      v.options = json::object{{"size", "S" + std::to_string(i)}, {"colour", "blue"}};
      v.price = prices[i];
      v.currency = currency;
      v.weight_grams = weight_grams;
      v.stock = stock;
      p.variants.push_back(v);
    }
    auto created = catalog_->CreateProduct(p);
    EXPECT_TRUE(created) << created.error().message;
    std::vector<std::int64_t> ids;
    if (created) {
      product_ids_.push_back(created->id);
      for (const auto& v : created->variants) ids.push_back(v.id);
    }
    return ids;
  }
  std::int64_t Variant(const std::string& name, std::int64_t price, std::int64_t stock,
                       std::int64_t weight_grams = 250) {
    return Product(name, {price}, stock, weight_grams).at(0);
  }

  CallResult Add(std::int64_t variant_id, std::int64_t quantity, const std::string& token) {
    return Post("/api/v1/cart/items", json::object{{"variant_id", variant_id}, {"quantity", quantity}}, token);
  }
  CallResult Add(std::int64_t variant_id, std::int64_t quantity) { return Add(variant_id, quantity, ada_); }
  CallResult Quote(json::object body, const std::string& token) {
    return Post("/api/v1/checkout/quote", std::move(body), token);
  }

  std::int64_t CreateDiscount(json::object body) {
    auto r = Post("/api/v1/admin/discount-codes", std::move(body), manager_);
    EXPECT_EQ(r.status, 201) << r.response.body;
    return r.status == 201 ? r.obj().at("id").as_int64() : 0;
  }

  static const json::array& Items(const CallResult& r) { return r.obj().at("items").as_array(); }
  static std::int64_t Amount(const CallResult& r, std::string_view total) {
    return r.obj().at("totals").at(total).at("amount").as_int64();
  }
  static int Statements(const CallResult& r) {
    auto h = r.response.Get("X-Sql-Statements");
    return h ? std::stoi(std::string(*h)) : -1;
  }
  static json::object London() {
    return json::object{{"name", "Ada Lovelace"},
                        {"line1", "12 St James's Square"},
                        {"city", "London"},
                        {"postal_code", "SW1Y 4JH"},
                        {"country", "GB"}};
  }

  catalog::NoMemberships members_;
  pricing::FreePlanOnly plans_;
  std::unique_ptr<catalog::CatalogModule> catalog_;
  std::unique_ptr<pricing::PricingModule> pricing_;
  std::unique_ptr<CartModule> cart_;
  std::string manager_, ada_;
  std::int64_t ada_id_ = 0;
  std::int64_t category_ = 0;
  std::vector<std::int64_t> product_ids_;
};

TEST_F(CartApi, StartsEmptyWithZeroTotals) {
  auto r = Get("/api/v1/cart", ada_);
  ASSERT_EQ(r.status, 200) << r.response.body;
  EXPECT_TRUE(Items(r).empty());
  EXPECT_TRUE(r.obj().at("discount_code").is_null());
  EXPECT_EQ(Amount(r, "total"), 0);
  EXPECT_EQ(r.obj().at("totals").at("total").at("currency").as_string(), "USD");
  EXPECT_EQ(Get("/api/v1/cart").status, 401);
}

TEST_F(CartApi, AddingTheSameVariantAddsToItsLine) {
  const auto shoe = Variant("Trail Runner", 8999, 10);
  auto first = Add(shoe, 2);
  ASSERT_EQ(first.status, 201) << first.response.body;
  ASSERT_EQ(Items(first).size(), 1u);
  const auto& line = Items(first)[0].as_object();
  EXPECT_EQ(line.at("variant_id").as_int64(), shoe);
  EXPECT_EQ(line.at("product_id").as_int64(), product_ids_.back());
  EXPECT_EQ(line.at("sku").as_string(), "trail-runner-0");
  EXPECT_EQ(line.at("name").as_string(), "Trail Runner");
  EXPECT_EQ(line.at("options").at("size").as_string(), "S0");
  EXPECT_EQ(line.at("image_url").as_string(), "https://img.test/trail-runner.jpg");
  EXPECT_EQ(line.at("unit_price"), (json::object{{"amount", 8999}, {"currency", "USD"}}));
  EXPECT_EQ(line.at("line_total").at("amount").as_int64(), 17998);
  EXPECT_TRUE(line.at("available").as_bool());
  EXPECT_TRUE(line.at("for_sale").as_bool());
  EXPECT_EQ(Amount(first, "subtotal"), 17998);
  EXPECT_EQ(Amount(first, "shipping"), 0);  // no destination yet
  EXPECT_EQ(Amount(first, "total"), 17998);

  auto merged = Add(shoe, 3);
  ASSERT_EQ(merged.status, 201) << merged.response.body;
  ASSERT_EQ(Items(merged).size(), 1u);
  EXPECT_EQ(Items(merged)[0].at("id"), line.at("id"));
  EXPECT_EQ(Items(merged)[0].at("quantity").as_int64(), 5);

  const auto sock = Variant("Wool Sock", 999, 50);
  ASSERT_EQ(Add(sock, 1).status, 201);
  auto cart = Get("/api/v1/cart", ada_);
  ASSERT_EQ(Items(cart).size(), 2u);
  EXPECT_EQ(Items(cart)[1].at("variant_id").as_int64(), sock);  // oldest line first
  EXPECT_EQ(Amount(cart, "subtotal"), 5 * 8999 + 999);
}

TEST_F(CartApi, AddingCountsTowardsProductPopularity) {
  const auto shoe = Variant("Trail Runner", 8999, 10);
  const auto before = catalog_->GetProduct(std::to_string(product_ids_.back()));
  ASSERT_TRUE(before);
  ASSERT_EQ(Add(shoe, 1).status, 201);
  ASSERT_EQ(Add(shoe, 1).status, 201);
  ASSERT_TRUE(catalog_->FlushCounters());
  const auto after = catalog_->GetProduct(std::to_string(product_ids_.back()));
  ASSERT_TRUE(after);
  // GetProduct counts a view as well; two adds weigh more than the one view in between.
  EXPECT_GT(after->popularity, before->popularity + 1);
}

TEST_F(CartApi, RejectsBadAdds) {
  const auto shoe = Variant("Trail Runner", 8999, 10);
  EXPECT_EQ(Add(shoe, 0).error_fields(), std::vector<std::string>{"quantity"});
  EXPECT_EQ(Add(shoe, kMaxLineQuantity + 1).error_fields(), std::vector<std::string>{"quantity"});
  EXPECT_EQ(Post("/api/v1/cart/items", json::object{{"quantity", 1}}, ada_).error_fields(),
            std::vector<std::string>{"variant_id"});
  EXPECT_EQ(Post("/api/v1/cart/items", json::object{{"variant_id", shoe}, {"quantity", 1}, {"price", 1}}, ada_).status,
            422);
  EXPECT_EQ(Add(shoe + 1000, 1).status, 404);

  const auto archived = Product("Old Boot", {4999}, 5, 250, "USD", "archived").at(0);
  auto r = Add(archived, 1);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.error_fields(), std::vector<std::string>{"variant_id"});
  const auto euro = Product("Euro Boot", {4999}, 5, 250, "EUR").at(0);
  EXPECT_EQ(Add(euro, 1).error_fields(), std::vector<std::string>{"variant_id"});

  EXPECT_TRUE(Items(Get("/api/v1/cart", ada_)).empty());  // nothing changed
}

TEST_F(CartApi, QuantityAboveAvailableStockIsAConflict) {
  const auto shoe = Variant("Trail Runner", 8999, 3);
  auto over = Add(shoe, 4);
  EXPECT_EQ(over.status, 409);
  EXPECT_EQ(over.str("code"), "insufficient_stock");
  ASSERT_EQ(Add(shoe, 2).status, 201);
  auto merged_over = Add(shoe, 2);  // 2 + 2 > 3
  EXPECT_EQ(merged_over.status, 409);
  EXPECT_EQ(merged_over.str("code"), "insufficient_stock");

  auto cart = Get("/api/v1/cart", ada_);
  const auto item = Items(cart)[0].at("id").as_int64();
  EXPECT_EQ(Items(cart)[0].at("quantity").as_int64(), 2);
  const auto path = "/api/v1/cart/items/" + std::to_string(item);
  EXPECT_EQ(Patch(path, json::object{{"quantity", 4}}, ada_).str("code"), "insufficient_stock");
  EXPECT_EQ(Patch(path, json::object{{"quantity", 3}}, ada_).status, 200);

  // Stock sold elsewhere: the line stays, flagged unavailable, and can still be lowered.
  ASSERT_TRUE(catalog_->AdjustStock(shoe, -2, "sold in the shop"));
  cart = Get("/api/v1/cart", ada_);
  EXPECT_FALSE(Items(cart)[0].at("available").as_bool());
  EXPECT_EQ(Patch(path, json::object{{"quantity", 2}}, ada_).status, 200);
}

TEST_F(CartApi, MembersOnlyProductsWaitForTheirDate) {
  catalog::ProductInput p{.name = "Golden Watch", .category_id = category_};
  p.exclusive_until = auth::testing::kStart + 120;  // well inside the access token's lifetime
  p.variants.push_back(catalog::VariantInput{.sku = "gold-1", .price = 99900, .currency = "USD", .stock = 2});
  auto watch = catalog_->CreateProduct(p);
  ASSERT_TRUE(watch) << watch.error().message;
  const auto variant = watch->variants.at(0).id;

  EXPECT_EQ(Add(variant, 1).error_fields(), std::vector<std::string>{"variant_id"});
  clock_.Advance(std::chrono::seconds(120));
  EXPECT_EQ(Add(variant, 1).status, 201);
}

TEST_F(CartApi, ConcurrentAddsOfOneVariantMergeIntoOneLine) {
  const auto shoe = Variant("Trail Runner", 8999, 100);
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::vector<int> statuses(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { statuses[i] = Add(shoe, 2).status; });
  }
  for (auto& t : threads) t.join();
  for (int status : statuses) EXPECT_EQ(status, 201);
  auto cart = Get("/api/v1/cart", ada_);
  ASSERT_EQ(Items(cart).size(), 1u);
  EXPECT_EQ(Items(cart)[0].at("quantity").as_int64(), 2 * kThreads);
}

TEST_F(CartApi, PatchesAndDeletesItems) {
  const auto shoe = Variant("Trail Runner", 8999, 10);
  const auto sock = Variant("Wool Sock", 999, 10);
  ASSERT_EQ(Add(shoe, 1).status, 201);
  auto added = Add(sock, 1);
  const auto shoe_item = Items(added)[0].at("id").as_int64();
  const auto sock_item = Items(added)[1].at("id").as_int64();

  auto patched = Patch("/api/v1/cart/items/" + std::to_string(sock_item), json::object{{"quantity", 4}}, ada_);
  ASSERT_EQ(patched.status, 200) << patched.response.body;
  EXPECT_EQ(Items(patched)[1].at("quantity").as_int64(), 4);
  EXPECT_EQ(Amount(patched, "subtotal"), 8999 + 4 * 999);
  EXPECT_EQ(Patch("/api/v1/cart/items/" + std::to_string(sock_item), json::object{{"quantity", -1}}, ada_).status, 422);

  auto removed = Patch("/api/v1/cart/items/" + std::to_string(sock_item), json::object{{"quantity", 0}}, ada_);
  ASSERT_EQ(removed.status, 200);
  ASSERT_EQ(Items(removed).size(), 1u);
  EXPECT_EQ(Items(removed)[0].at("id").as_int64(), shoe_item);

  EXPECT_EQ(Delete("/api/v1/cart/items/" + std::to_string(shoe_item), ada_).status, 204);
  EXPECT_EQ(Delete("/api/v1/cart/items/" + std::to_string(shoe_item), ada_).status, 404);
  EXPECT_EQ(Patch("/api/v1/cart/items/" + std::to_string(sock_item), json::object{{"quantity", 1}}, ada_).status, 404);
  EXPECT_EQ(Delete("/api/v1/cart/items/abc", ada_).status, 404);
  EXPECT_TRUE(Items(Get("/api/v1/cart", ada_)).empty());
}

TEST_F(CartApi, AnotherCustomersItemIsNotFound) {
  const auto shoe = Variant("Trail Runner", 8999, 10);
  const auto item = Items(Add(shoe, 2)).at(0).at("id").as_int64();
  const auto bob = Register("bob@shop.test").access_token;
  const auto path = "/api/v1/cart/items/" + std::to_string(item);
  EXPECT_EQ(Patch(path, json::object{{"quantity", 1}}, bob).status, 404);
  EXPECT_EQ(Delete(path, bob).status, 404);
  EXPECT_TRUE(Items(Get("/api/v1/cart", bob)).empty());
  EXPECT_EQ(Items(Get("/api/v1/cart", ada_)).at(0).at("quantity").as_int64(), 2);
}

TEST_F(CartApi, HoldsAtMostTheMaximumNumberOfLines) {
  std::vector<std::int64_t> variants;
  for (int p = 0; variants.size() <= static_cast<std::size_t>(kMaxCartLines); ++p) {
    for (auto id : Product("Bulk " + std::to_string(p), std::vector<std::int64_t>(60, 100), 5)) variants.push_back(id);
  }
  for (int i = 0; i < kMaxCartLines; ++i) ASSERT_EQ(Add(variants[i], 1).status, 201) << i;
  auto over = Add(variants[kMaxCartLines], 1);
  EXPECT_EQ(over.status, 422);
  EXPECT_EQ(over.error_fields(), std::vector<std::string>{"variant_id"});
  EXPECT_EQ(Add(variants[0], 1).status, 201);  // an existing line still grows
}

TEST_F(CartApi, AppliesAndRemovesADiscountCode) {
  CreateDiscount(json::object{{"code", "SAVE10"}, {"kind", "percentage"}, {"value", 1000}});
  CreateDiscount(json::object{{"code", "BIG"},
                              {"kind", "fixed"},
                              {"value", 500},
                              {"min_subtotal", json::object{{"amount", 100000}, {"currency", "USD"}}}});
  const auto shoe = Variant("Trail Runner", 8999, 10);

  EXPECT_EQ(Put("/api/v1/cart/discount-code", json::object{{"code", "SAVE10"}}, ada_).status, 422);  // empty cart
  ASSERT_EQ(Add(shoe, 2).status, 201);

  auto unknown = Put("/api/v1/cart/discount-code", json::object{{"code", "NOPE"}}, ada_);
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(unknown.error_fields(), std::vector<std::string>{"discount_code"});
  auto too_small = Put("/api/v1/cart/discount-code", json::object{{"code", "BIG"}}, ada_);
  EXPECT_EQ(too_small.error_fields(), std::vector<std::string>{"discount_code"});
  EXPECT_TRUE(Get("/api/v1/cart", ada_).obj().at("discount_code").is_null());  // nothing saved

  auto applied = Put("/api/v1/cart/discount-code", json::object{{"code", "save10"}}, ada_);
  ASSERT_EQ(applied.status, 200) << applied.response.body;
  EXPECT_EQ(applied.obj().at("discount_code").as_string(), "save10");
  EXPECT_EQ(Amount(applied, "discount"), 1800);  // 10 % of 179.98, rounded half up
  EXPECT_EQ(Amount(applied, "total"), 17998 - 1800);
  auto cart = Get("/api/v1/cart", ada_);
  EXPECT_EQ(Amount(cart, "discount"), 1800);
  EXPECT_TRUE(cart.obj().at("discount_code_error").is_null());

  EXPECT_EQ(Delete("/api/v1/cart/discount-code", ada_).status, 204);
  cart = Get("/api/v1/cart", ada_);
  EXPECT_TRUE(cart.obj().at("discount_code").is_null());
  EXPECT_EQ(Amount(cart, "discount"), 0);
  EXPECT_EQ(Delete("/api/v1/cart/discount-code", ada_).status, 204);  // idempotent
}

TEST_F(CartApi, ACodeThatStopsApplyingShowsWhyInsteadOfFailing) {
  const auto code = CreateDiscount(json::object{{"code", "SAVE10"}, {"kind", "percentage"}, {"value", 1000}});
  ASSERT_EQ(Add(Variant("Trail Runner", 8999, 10), 1).status, 201);
  ASSERT_EQ(Put("/api/v1/cart/discount-code", json::object{{"code", "SAVE10"}}, ada_).status, 200);
  ASSERT_EQ(
      Patch("/api/v1/admin/discount-codes/" + std::to_string(code), json::object{{"active", false}}, manager_).status,
      200);

  auto cart = Get("/api/v1/cart", ada_);
  ASSERT_EQ(cart.status, 200) << cart.response.body;
  EXPECT_EQ(cart.obj().at("discount_code").as_string(), "SAVE10");
  EXPECT_FALSE(cart.obj().at("discount_code_error").as_string().empty());
  EXPECT_EQ(Amount(cart, "discount"), 0);
  EXPECT_EQ(Amount(cart, "total"), 8999);

  // Checkout, unlike the view, refuses it: an order never silently drops a code.
  auto quote = Quote(json::object{{"address", London()}, {"shipping_method", "standard"}}, ada_);
  EXPECT_EQ(quote.error_fields(), std::vector<std::string>{"discount_code"});
}

TEST_F(CartApi, QuoteEqualsTheHandComputedTotal) {
  ASSERT_EQ(Put("/api/v1/admin/tax-rates/DE", json::object{{"rate_bp", 1900}}, manager_).status, 200);
  CreateDiscount(json::object{{"code", "SAVE10"}, {"kind", "percentage"}, {"value", 1000}});
  const auto shoes = Product("Trail Runner", {2500, 1200}, 10, 400);
  ASSERT_EQ(Add(shoes[0], 2).status, 201);
  ASSERT_EQ(Add(shoes[1], 1).status, 201);
  ASSERT_EQ(Put("/api/v1/cart/discount-code", json::object{{"code", "SAVE10"}}, ada_).status, 200);

  json::object berlin{{"name", "Ada"},   {"line1", "Unter den Linden 1"}, {"city", "Berlin"}, {"postal_code", "10117"},
                      {"country", "de"}, {"phone", "+4930123456"}};
  auto r = Quote(json::object{{"address", berlin}, {"shipping_method", "express"}, {"safe_shipping", true}}, ada_);
  ASSERT_EQ(r.status, 200) << r.response.body;

  // subtotal 2 × 25.00 + 12.00 = 62.00; SAVE10 takes 6.20. Shipping: country 0 + express 9.99
  // + 3 × 400 g = 1.2 kg, in the 1–5 kg band, 3.00 + safe shipping 5.00 = 17.99. Prices include
  // 19 % VAT: of 55.80 + 17.99 = 73.79 the tax is round(7379 × 1900 / 11900) = round(1178.16) = 11.78.
  EXPECT_EQ(Amount(r, "subtotal"), 6200);
  EXPECT_EQ(Amount(r, "discount"), 620);
  EXPECT_EQ(Amount(r, "shipping"), 1799);
  EXPECT_EQ(Amount(r, "tax"), 1178);
  EXPECT_EQ(Amount(r, "loyalty"), 0);
  EXPECT_EQ(Amount(r, "total"), 7379);
  const auto& totals = r.obj().at("totals").as_object();
  EXPECT_EQ(totals.at("shipping_breakdown").at("weight_rate").at("amount").as_int64(), 300);
  EXPECT_EQ(totals.at("weight_grams").as_int64(), 1200);
  EXPECT_EQ(totals.at("loyalty_points_earned").as_int64(), 55);  // floor(55.80) points
  EXPECT_EQ(totals.at("discount_code").as_string(), "SAVE10");

  EXPECT_EQ(r.obj().at("shipping_method").as_string(), "express");
  EXPECT_TRUE(r.obj().at("safe_shipping").as_bool());
  EXPECT_EQ(r.obj().at("loyalty_balance").as_int64(), 0);
  EXPECT_EQ(r.obj().at("ship_to").at("country").as_string(), "DE");
  const auto& items = Items(r);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("name").as_string(), "Trail Runner (S0, blue)");
  EXPECT_EQ(items[0].at("line_total").at("amount").as_int64(), 5000);
  EXPECT_EQ(items[1].at("name").as_string(), "Trail Runner (S1, blue)");

  // The same destination saved in the address book gives the same totals.
  auto saved = Post("/api/v1/me/addresses", berlin, ada_);
  ASSERT_EQ(saved.status, 201) << saved.response.body;
  auto by_id =
      Quote(json::object{{"address_id", saved.obj().at("id")}, {"shipping_method", "express"}, {"safe_shipping", true}},
            ada_);
  ASSERT_EQ(by_id.status, 200) << by_id.response.body;
  EXPECT_EQ(by_id.obj().at("totals"), r.obj().at("totals"));
  EXPECT_EQ(by_id.obj().at("ship_to").at("line1").as_string(), "Unter den Linden 1");

  // Checkout() in a write transaction — what an order charges — agrees with the quote.
  CheckoutOptions options{.address_id = saved.obj().at("id").as_int64(),
                          .shipping_method = pricing::ShippingMethod::kExpress,
                          .safe_shipping = true};
  auto checkout = db().Write([&](db::Tx& tx) { return cart_->Checkout(tx, ada_id_, options); });
  ASSERT_TRUE(checkout) << checkout.error().message;
  EXPECT_EQ(checkout->totals.total, 7379);
  EXPECT_EQ(checkout->request.lines.size(), 2u);
  EXPECT_EQ(checkout->request.discount_code, "SAVE10");
}

TEST_F(CartApi, QuoteRejectsWhatAnOrderCouldNotHonour) {
  const auto options = json::object{{"address", London()}, {"shipping_method", "standard"}};
  EXPECT_EQ(Quote(options, ada_).error_fields(), std::vector<std::string>{"items"});  // empty cart
  EXPECT_EQ(Quote(json::object{{"shipping_method", "standard"}}, ada_).error_fields(),
            std::vector<std::string>{"address_id"});

  const auto shoe = Variant("Trail Runner", 8999, 3);
  ASSERT_EQ(Add(shoe, 3).status, 201);
  ASSERT_EQ(Quote(options, ada_).status, 200);

  auto points =
      Quote(json::object{{"address", London()}, {"shipping_method", "standard"}, {"loyalty_points", 50}}, ada_);
  EXPECT_EQ(points.error_fields(), std::vector<std::string>{"loyalty_points"});  // balance 0

  const auto bob = Register("bob@shop.test").access_token;
  auto bobs = Post("/api/v1/me/addresses", London(), bob);
  ASSERT_EQ(bobs.status, 201);
  auto foreign = Quote(json::object{{"address_id", bobs.obj().at("id")}, {"shipping_method", "standard"}}, ada_);
  EXPECT_EQ(foreign.status, 422);
  EXPECT_EQ(foreign.error_fields(), std::vector<std::string>{"address_id"});

  ASSERT_TRUE(catalog_->AdjustStock(shoe, -1, "damaged"));
  auto short_stock = Quote(options, ada_);
  EXPECT_EQ(short_stock.status, 409);
  EXPECT_EQ(short_stock.str("code"), "insufficient_stock");

  auto archived = Patch("/api/v1/admin/products/" + std::to_string(product_ids_.back()),
                        json::object{{"status", "archived"}}, manager_);
  ASSERT_EQ(archived.status, 200) << archived.response.body;
  auto withdrawn = Quote(options, ada_);
  EXPECT_EQ(withdrawn.status, 422);
  EXPECT_EQ(withdrawn.error_fields(), std::vector<std::string>{"items"});
  // The cart view still shows the line, out of the totals.
  auto cart = Get("/api/v1/cart", ada_);
  ASSERT_EQ(cart.status, 200);
  EXPECT_FALSE(Items(cart)[0].at("for_sale").as_bool());
  EXPECT_EQ(Amount(cart, "subtotal"), 0);
}

TEST_F(CartApi, ClearEmptiesTheCartAndDropsTheCode) {
  CreateDiscount(json::object{{"code", "SAVE10"}, {"kind", "percentage"}, {"value", 1000}});
  ASSERT_EQ(Add(Variant("Trail Runner", 8999, 10), 1).status, 201);
  ASSERT_EQ(Put("/api/v1/cart/discount-code", json::object{{"code", "SAVE10"}}, ada_).status, 200);
  ASSERT_TRUE(db().Write([&](db::Tx& tx) { return cart_->Clear(tx, ada_id_); }));
  auto cart = Get("/api/v1/cart", ada_);
  EXPECT_TRUE(Items(cart).empty());
  EXPECT_TRUE(cart.obj().at("discount_code").is_null());
  ASSERT_EQ(Add(Variant("Wool Sock", 999, 10), 1).status, 201);  // the cart is usable again
}

// carts.updated_at is when the customer last changed the cart (the admin feed counts active carts by
// it): a later change moves it, a second change within the same second leaves the row alone.
TEST_F(CartApi, ACartsLastActivityFollowsItsChanges) {
  auto updated_at = [&] {
    return *db().Read([&](db::Tx& tx) -> Result<std::int64_t> {
      std::int64_t at = 0;
      db::Rows(tx, "SELECT updated_at FROM carts WHERE user_id = :u", std::move(db::Binds().Int(ada_id_)),
               [&](const db::Row& r) { at = db::RowInt(r, 0); });
      return at;
    });
  };
  const auto shoe = Variant("Trail Runner", 8999, 10);
  const auto sock = Variant("Wool Sock", 999, 10);
  ASSERT_EQ(Add(shoe, 1).status, 201);
  EXPECT_EQ(updated_at(), clock_.NowSeconds());
  ASSERT_EQ(Add(sock, 1).status, 201);
  EXPECT_EQ(updated_at(), clock_.NowSeconds());
  clock_.Advance(std::chrono::seconds(90));
  ASSERT_EQ(Add(shoe, 1).status, 201);
  EXPECT_EQ(updated_at(), clock_.NowSeconds());
  clock_.Advance(std::chrono::seconds(5));
  const auto item = Items(Get("/api/v1/cart", ada_)).at(0).as_object().at("id").as_int64();
  ASSERT_EQ(Delete("/api/v1/cart/items/" + std::to_string(item), ada_).status, 204);
  EXPECT_EQ(updated_at(), clock_.NowSeconds());
}

// An add prices the cart it expects to leave before it writes. When another request of the same
// customer changes the cart in between (here a trigger stands in for it: touching the cart row, the
// write's first statement, raises the quantity of every line), the answer is the cart the write
// left, priced again, not the one priced beforehand.
TEST_F(CartApi, AnAddAnswersTheCartItLeftWhenTheCartChangedUnderIt) {
  const bool sqlite = db().dialect() == db::Dialect::kSqlite;
  const auto shoe = Variant("Trail Runner", 8999, 10);
  const auto sock = Variant("Wool Sock", 999, 10);
  ASSERT_EQ(Add(shoe, 1).status, 201);
  ExecSql(sqlite ? "CREATE TRIGGER another_device AFTER UPDATE OF updated_at ON carts "
                   "BEGIN UPDATE cart_items SET quantity = quantity + 1 WHERE user_id = NEW.user_id; END"
                 : "CREATE TRIGGER another_device AFTER UPDATE ON carts FOR EACH ROW "
                   "UPDATE cart_items SET quantity = quantity + 1 WHERE user_id = NEW.user_id");
  clock_.Advance(std::chrono::seconds(60));  // so the touch updates the row (and fires the trigger)
  const auto added = Add(sock, 1);
  ExecSql("DROP TRIGGER another_device");
  ASSERT_EQ(added.status, 201) << added.response.body;
  ASSERT_EQ(Items(added).size(), 2u);
  EXPECT_EQ(Items(added).at(0).at("quantity").as_int64(), 2) << "the shoe's line as the write left it";
  EXPECT_EQ(Items(added).at(1).at("quantity").as_int64(), 1);
  EXPECT_EQ(Amount(added, "subtotal"), 2 * 8999 + 999);
  const auto stored = Get("/api/v1/cart", ada_);
  EXPECT_EQ(Items(stored), Items(added));
  EXPECT_EQ(stored.obj().at("totals"), added.obj().at("totals"));

  // Without a change in between, the answer priced beforehand carries the ids the write gave.
  const auto again = Add(sock, 2);
  ASSERT_EQ(again.status, 201) << again.response.body;
  EXPECT_EQ(Items(again), Items(Get("/api/v1/cart", ada_)));
  EXPECT_EQ(Amount(again, "subtotal"), 2 * 8999 + 3 * 999);
}

TEST_F(CartApi, ReadsTakeAFixedNumberOfStatements) {
  CreateDiscount(json::object{{"code", "SAVE10"}, {"kind", "percentage"}, {"value", 1000}});
  const auto variants = Product("Bulk", std::vector<std::int64_t>(20, 500), 5);
  const auto quote = json::object{{"address", London()}, {"shipping_method", "standard"}};
  const auto bob = Register("bob@shop.test").access_token;

  ASSERT_EQ(Add(variants[0], 1, bob).status, 201);
  for (auto v : variants) ASSERT_EQ(Add(v, 1).status, 201);
  for (const auto& token : {bob, ada_}) {
    ASSERT_EQ(Put("/api/v1/cart/discount-code", json::object{{"code", "SAVE10"}}, token).status, 200);
  }

  const auto one = Get("/api/v1/cart", bob), twenty = Get("/api/v1/cart", ada_);
  ASSERT_EQ(Items(twenty).size(), 20u);
  EXPECT_GT(Statements(one), 0);
  EXPECT_EQ(Statements(one), Statements(twenty));
  const auto quote_one = Quote(quote, bob), quote_twenty = Quote(quote, ada_);
  ASSERT_EQ(quote_twenty.status, 200) << quote_twenty.response.body;
  EXPECT_GT(Statements(quote_one), 0);
  EXPECT_EQ(Statements(quote_one), Statements(quote_twenty));
}

}  // namespace
}  // namespace emporium::cart
