// Catalog and inventory through the real Router + Dispatcher (and the module facade), on the test
// database of the run (SQLite or MariaDB).

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "auth_fixture.hpp"
#include "infra/events/event_bus.hpp"
#include "http/response_cache.hpp"
#include "modules/catalog/catalog_module.hpp"

namespace emporium::catalog {
namespace {

namespace json = boost::json;
using auth::testing::AuthHarness;
using auth::testing::CallResult;

class RecordingIndexer final : public SearchIndexer {
 public:
  Status Upsert(db::Tx&, const SearchDocument& doc) override {
    std::lock_guard lock(mutex_);
    upserts.push_back(doc);
    return OkStatus();
  }
  Status Remove(db::Tx&, std::int64_t product_id) override {
    std::lock_guard lock(mutex_);
    removes.push_back(product_id);
    return OkStatus();
  }
  std::mutex mutex_;
  std::vector<SearchDocument> upserts;
  std::vector<std::int64_t> removes;
};

class CatalogApi : public AuthHarness {
 protected:
  void SetUp() override {
    AuthHarness::SetUp();
    catalog_ = std::make_unique<CatalogModule>(db(), clock_, *audit_, &indexer_, members_, &events_);
    catalog_->RegisterRoutes(*router_);
    manager_ = Staff("manager@shop.test", Role::kManager).access_token;
  }
  void TearDown() override {
    catalog_.reset();
    AuthHarness::TearDown();
  }

  std::int64_t Category(const std::string& name, std::optional<std::int64_t> parent = std::nullopt) {
    json::object body{{"name", name}};
    if (parent) body["parent_id"] = *parent;
    auto r = Post("/api/v1/admin/categories", body, manager_);
    EXPECT_EQ(r.status, 201) << r.response.body;
    return r.obj().at("id").as_int64();
  }

  static json::object Variant(const std::string& sku, std::int64_t price, std::int64_t stock) {
    return json::object{{"sku", sku},
                        {"options", json::object{{"size", "M"}, {"colour", "blue"}}},
                        {"price", json::object{{"amount", price}, {"currency", "EUR"}}},
                        {"weight_grams", 250},
                        {"stock", stock}};
  }

  CallResult CreateProduct(const std::string& name, std::int64_t category, std::int64_t price, std::int64_t stock,
                           json::object extra = {}) {
    json::object body{{"name", name},
                      {"description", "A fine " + name},
                      {"category_id", category},
                      {"brand", "Acme"},
                      {"images", json::array{json::object{{"url", "https://img.test/" + name + ".jpg"}, {"alt", name}}}},
                      {"variants", json::array{Variant(Slugify(name) + "-a", price, stock),
                                               Variant(Slugify(name) + "-b", price + 500, 0)}}};
    for (auto& [k, v] : extra) body[k] = v;
    return Post("/api/v1/admin/products", body, manager_);
  }

  std::vector<std::int64_t> Ids(const CallResult& r) {
    std::vector<std::int64_t> ids;
    for (const auto& item : r.obj().at("items").as_array()) ids.push_back(item.as_object().at("id").as_int64());
    return ids;
  }

  static int Statements(const CallResult& r) {
    auto h = r.response.Get("X-Sql-Statements");
    return h ? std::stoi(std::string(*h)) : -1;
  }

  RecordingIndexer indexer_;
  NoMemberships members_;
  infra::EventBus events_;
  std::unique_ptr<CatalogModule> catalog_;
  std::string manager_;
};

TEST_F(CatalogApi, CreatedProductIsReturnedAsGetReturnsItAndIndexed) {
  const auto shoes = Category("Shoes");
  auto created = CreateProduct("Trail Runner", shoes, 8999, 12);
  ASSERT_EQ(created.status, 201) << created.response.body;
  const auto id = created.obj().at("id").as_int64();
  EXPECT_EQ(created.str("slug"), "trail-runner");
  EXPECT_EQ(created.obj().at("variants").as_array().size(), 2u);

  auto by_slug = Get("/api/v1/products/trail-runner");
  ASSERT_EQ(by_slug.status, 200) << by_slug.response.body;
  EXPECT_EQ(by_slug.obj().at("id").as_int64(), id);
  const auto& v0 = by_slug.obj().at("variants").as_array()[0].as_object();
  EXPECT_EQ(v0.at("price").as_object().at("amount").as_int64(), 8999);
  EXPECT_EQ(v0.at("stock_status").as_string(), "in_stock");
  EXPECT_EQ(by_slug.obj().at("variants").as_array()[1].as_object().at("stock_status").as_string(), "out_of_stock");
  EXPECT_FALSE(v0.contains("inventory"));  // stock figures are for staff
  EXPECT_EQ(by_slug.obj().at("rating").as_object().at("count").as_int64(), 0);
  EXPECT_EQ(Get("/api/v1/products/" + std::to_string(id)).status, 200);

  ASSERT_FALSE(indexer_.upserts.empty());
  const auto& doc = indexer_.upserts.back();
  EXPECT_EQ(doc.product_id, id);
  EXPECT_EQ(doc.min_price, 8999);
  EXPECT_EQ(doc.max_price, 9499);
  EXPECT_TRUE(doc.in_stock);
  EXPECT_EQ(doc.category_path, std::vector<std::int64_t>{shoes});
  EXPECT_NE(doc.variant_text.find("trail-runner-a"), std::string::npos);
  EXPECT_EQ(doc.image_url, "https://img.test/Trail Runner.jpg");
}

TEST_F(CatalogApi, CustomerGets403OnAdminRoutes) {
  const auto customer = Register("shopper@shop.test").access_token;
  const auto cat = Category("Hats");
  EXPECT_EQ(Post("/api/v1/admin/categories", json::object{{"name", "X"}}, customer).status, 403);
  EXPECT_EQ(Patch("/api/v1/admin/categories/" + std::to_string(cat), json::object{{"name", "X"}}, customer).status, 403);
  EXPECT_EQ(Delete("/api/v1/admin/categories/" + std::to_string(cat), customer).status, 403);
  EXPECT_EQ(Post("/api/v1/admin/products", json::object{{"name", "X"}}, customer).status, 403);
  EXPECT_EQ(Delete("/api/v1/admin/products/1", customer).status, 403);
  EXPECT_EQ(Post("/api/v1/admin/products/1/variants", json::object{}, customer).status, 403);
  EXPECT_EQ(Post("/api/v1/admin/inventory/1/adjustments", json::object{{"delta", 1}, {"reason", "x"}}, customer).status,
            403);
  EXPECT_EQ(Get("/api/v1/admin/inventory", customer).status, 403);
  EXPECT_EQ(Post("/api/v1/admin/products", json::object{{"name", "X"}}).status, 401);
}

TEST_F(CatalogApi, ValidationAnswers422AndDuplicatesAnswer409) {
  const auto cat = Category("Bags");
  auto bad = Post("/api/v1/admin/products",
                  json::object{{"name", "Tote"},
                               {"slug", "Not A Slug"},
                               {"category_id", cat},
                               {"variants", json::array{json::object{
                                                {"sku", "T1"}, {"price", json::object{{"amount", -5}, {"currency", "eur"}}}}}}},
                  manager_);
  ASSERT_EQ(bad.status, 422) << bad.response.body;
  auto fields = bad.error_fields();
  EXPECT_NE(std::find(fields.begin(), fields.end(), "variants[0].price.amount"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "variants[0].price.currency"), fields.end());

  auto bad_slug = Post("/api/v1/admin/products", json::object{{"name", "Tote"}, {"slug", "Not A Slug"}, {"category_id", cat}},
                       manager_);
  EXPECT_EQ(bad_slug.status, 422);

  json::array many;
  for (int i = 0; i < 101; ++i) many.push_back(Variant("SKU-" + std::to_string(i), 100, 1));
  EXPECT_EQ(Post("/api/v1/admin/products", json::object{{"name", "Many"}, {"category_id", cat}, {"variants", many}},
                 manager_)
                .status,
            422);
  EXPECT_EQ(Post("/api/v1/admin/products", json::object{{"name", "Ghost"}, {"category_id", 999999}}, manager_).status,
            422);

  ASSERT_EQ(CreateProduct("Tote", cat, 1000, 1).status, 201);
  auto dup_sku = Post("/api/v1/admin/products",
                      json::object{{"name", "Other"}, {"category_id", cat}, {"variants", json::array{Variant("tote-a", 100, 1)}}},
                      manager_);
  EXPECT_EQ(dup_sku.status, 409) << dup_sku.response.body;
  EXPECT_NE(dup_sku.response.body.find("tote-a"), std::string::npos) << dup_sku.response.body;
  // The second of two variants has the taken SKU: the answer names that one.
  auto dup_second = Post("/api/v1/admin/products",
                         json::object{{"name", "Other"},
                                      {"category_id", cat},
                                      {"variants", json::array{Variant("fresh-sku", 100, 1), Variant("tote-a", 100, 1)}}},
                         manager_);
  EXPECT_EQ(dup_second.status, 409);
  EXPECT_NE(dup_second.response.body.find("variants[1].sku"), std::string::npos) << dup_second.response.body;
  EXPECT_EQ(Post("/api/v1/admin/products", json::object{{"name", "X"}, {"slug", "tote"}, {"category_id", cat}}, manager_)
                .status,
            409);
  // Without a slug, a taken one gets a suffix.
  auto second = Post("/api/v1/admin/products", json::object{{"name", "Tote"}, {"category_id", cat}}, manager_);
  ASSERT_EQ(second.status, 201);
  EXPECT_EQ(second.str("slug"), "tote-2");
}

TEST_F(CatalogApi, SoftDeleteHidesTheProductAndRemovesItFromSearch) {
  const auto cat = Category("Lamps");
  auto a = CreateProduct("Desk Lamp", cat, 2500, 3);
  auto b = CreateProduct("Floor Lamp", cat, 7500, 3);
  const auto a_id = a.obj().at("id").as_int64();
  ASSERT_EQ(Delete("/api/v1/admin/products/" + std::to_string(a_id), manager_).status, 204);
  EXPECT_EQ(Get("/api/v1/products/" + std::to_string(a_id)).status, 404);
  EXPECT_EQ(Get("/api/v1/products/desk-lamp").status, 404);
  auto list = Get("/api/v1/products");
  EXPECT_EQ(Ids(list), std::vector<std::int64_t>{b.obj().at("id").as_int64()});
  ASSERT_EQ(indexer_.removes.size(), 1u);
  EXPECT_EQ(indexer_.removes[0], a_id);
  EXPECT_EQ(Delete("/api/v1/admin/products/" + std::to_string(a_id), manager_).status, 404);
  // A category with a live product cannot go; an empty one can.
  EXPECT_EQ(Delete("/api/v1/admin/categories/" + std::to_string(cat), manager_).status, 409);
  const auto empty = Category("Empty");
  EXPECT_EQ(Delete("/api/v1/admin/categories/" + std::to_string(empty), manager_).status, 204);
}

TEST_F(CatalogApi, UpdatesProductsVariantsAndCategories) {
  const auto parent = Category("Clothing");
  const auto child = Category("Shirts");
  auto p = CreateProduct("Oxford Shirt", parent, 4000, 5);
  const auto id = std::to_string(p.obj().at("id").as_int64());
  auto patched = Patch("/api/v1/admin/products/" + id,
                       json::object{{"name", "Oxford Shirt Blue"}, {"category_id", child}, {"status", "draft"}}, manager_);
  ASSERT_EQ(patched.status, 200) << patched.response.body;
  EXPECT_EQ(patched.str("name"), "Oxford Shirt Blue");
  EXPECT_EQ(Get("/api/v1/products/" + id).status, 404);  // drafts are not public
  EXPECT_EQ(Get("/api/v1/products/" + id, manager_).status, 200);

  auto moved = Patch("/api/v1/admin/categories/" + std::to_string(child), json::object{{"parent_id", parent}}, manager_);
  ASSERT_EQ(moved.status, 200) << moved.response.body;
  EXPECT_EQ(Patch("/api/v1/admin/categories/" + std::to_string(parent), json::object{{"parent_id", child}}, manager_).status,
            422);
  EXPECT_EQ(indexer_.upserts.back().category_path, (std::vector<std::int64_t>{child, parent}));  // re-indexed on the move
  auto tree = Get("/api/v1/categories");
  ASSERT_EQ(tree.status, 200);
  const auto& roots = tree.obj().at("items").as_array();
  ASSERT_EQ(roots.size(), 1u);
  EXPECT_EQ(roots[0].as_object().at("children").as_array().size(), 1u);

  auto added = Post("/api/v1/admin/products/" + id + "/variants", Variant("oxford-xl", 4200, 2), manager_);
  ASSERT_EQ(added.status, 201) << added.response.body;
  const auto vid = std::to_string(added.obj().at("id").as_int64());
  auto changed = Patch("/api/v1/admin/products/" + id + "/variants/" + vid,
                       json::object{{"price", json::object{{"amount", 3900}, {"currency", "EUR"}}}}, manager_);
  ASSERT_EQ(changed.status, 200) << changed.response.body;
  EXPECT_EQ(indexer_.upserts.back().min_price, 3900);
  auto usd = Patch("/api/v1/admin/products/" + id + "/variants/" + vid,
                   json::object{{"price", json::object{{"amount", 3900}, {"currency", "USD"}}}}, manager_);
  EXPECT_EQ(usd.status, 422);
  EXPECT_EQ(Delete("/api/v1/admin/products/" + id + "/variants/" + vid, manager_).status, 204);
  EXPECT_EQ(indexer_.upserts.back().min_price, 4000);
}

TEST_F(CatalogApi, ListFiltersAndSorts) {
  const auto root = Category("Audio");
  const auto sub = Category("Headphones", root);
  const auto other = Category("Garden");
  CreateProduct("Cheap Buds", sub, 1500, 4);
  CreateProduct("Studio Cans", sub, 19900, 0);
  CreateProduct("Speaker", root, 9900, 2);
  CreateProduct("Rake", other, 2500, 9);

  auto names = [&](const std::string& q) {
    auto r = Get("/api/v1/products?" + q);
    EXPECT_EQ(r.status, 200) << q << ": " << r.response.body;
    std::vector<std::string> out;
    for (const auto& item : r.obj().at("items").as_array()) out.emplace_back(item.as_object().at("name").as_string());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(names("sort=price_asc"), (V{"Cheap Buds", "Rake", "Speaker", "Studio Cans"}));
  EXPECT_EQ(names("sort=price_desc"), (V{"Studio Cans", "Speaker", "Rake", "Cheap Buds"}));
  EXPECT_EQ(names("sort=price_asc&category=" + std::to_string(root)), (V{"Cheap Buds", "Speaker", "Studio Cans"}));
  EXPECT_EQ(names("sort=price_asc&category=headphones"), (V{"Cheap Buds", "Studio Cans"}));
  EXPECT_EQ(names("sort=price_asc&min_price=2000&max_price=10000"), (V{"Rake", "Speaker"}));
  EXPECT_EQ(names("sort=price_asc&in_stock=true"), (V{"Cheap Buds", "Rake", "Speaker"}));
  EXPECT_EQ(names("min_rating=4"), V{});
  EXPECT_EQ(names("sort=newest").size(), 4u);
  EXPECT_EQ(Get("/api/v1/products?sort=cheapest").status, 422);
  EXPECT_EQ(Get("/api/v1/products?limit=0").status, 422);
  EXPECT_EQ(Get("/api/v1/products?limit=101").status, 422);
  EXPECT_EQ(Get("/api/v1/products?cursor=garbage").status, 422);
  EXPECT_EQ(Get("/api/v1/products?min_price=500&max_price=100").status, 422);
}

TEST_F(CatalogApi, CursorPaginationReturnsEveryProductOnceWhileProductsAreInserted) {
  const auto cat = Category("Books");
  std::set<std::int64_t> expected;
  std::vector<ProductInput> batch;
  for (int i = 0; i < 45; ++i) {
    ProductInput p;
    p.name = "Book " + std::to_string(i);
    p.category_id = cat;
    VariantInput v;
    v.sku = "BOOK-" + std::to_string(i);
    v.price = 1000 + (i % 7) * 100;  // many equal prices: the id breaks ties
    v.currency = "EUR";
    v.stock = 1;
    p.variants.push_back(v);
    batch.push_back(p);
  }
  auto ids = catalog_->CreateProducts(batch);
  ASSERT_TRUE(ids) << ids.error().message;
  expected.insert(ids->begin(), ids->end());

  for (const std::string sort : {"newest", "price_asc", "price_desc"}) {
    std::atomic<bool> stop{false};
    std::thread writer([&] {
      for (int i = 0; i < 15 && !stop; ++i) {
        ProductInput p;
        p.name = "Late " + sort + " " + std::to_string(i);
        p.category_id = cat;
        VariantInput v;
        v.sku = "LATE-" + sort + "-" + std::to_string(i);
        v.price = 1000 + (i % 7) * 100;
        v.currency = "EUR";
        p.variants.push_back(v);
        ASSERT_TRUE(catalog_->CreateProduct(p));
      }
    });
    std::multiset<std::int64_t> seen;
    std::string cursor;
    int pages = 0;
    do {
      auto r = Get("/api/v1/products?limit=7&sort=" + sort + (cursor.empty() ? "" : "&cursor=" + cursor));
      ASSERT_EQ(r.status, 200) << r.response.body;
      for (auto id : Ids(r)) seen.insert(id);
      const auto& next = r.obj().at("next_cursor");
      cursor = next.is_string() ? std::string(next.as_string()) : "";
      ASSERT_LT(++pages, 50);
    } while (!cursor.empty());
    stop = true;
    writer.join();
    for (auto id : expected) EXPECT_EQ(seen.count(id), 1u) << sort << " product " << id;
    for (auto id : seen) EXPECT_EQ(seen.count(id), 1u) << sort << " duplicate " << id;
  }
}

TEST_F(CatalogApi, ListAndDetailTakeAFixedNumberOfStatements) {
  const auto cat = Category("Toys");
  std::vector<ProductInput> batch;
  for (int i = 0; i < 60; ++i) {
    ProductInput p;
    p.name = "Toy " + std::to_string(i);
    p.category_id = cat;
    p.images = {{"https://img.test/a.jpg", "a"}, {"https://img.test/b.jpg", "b"}};
    for (int v = 0; v < 3; ++v) {
      VariantInput vi;
      vi.sku = "TOY-" + std::to_string(i) + "-" + std::to_string(v);
      vi.price = 500 + v;
      vi.currency = "EUR";
      vi.stock = 3;
      p.variants.push_back(vi);
    }
    batch.push_back(p);
  }
  ASSERT_TRUE(catalog_->CreateProducts(batch));
  const auto small = Get("/api/v1/products?limit=2");
  const auto large = Get("/api/v1/products?limit=50");
  ASSERT_EQ(large.obj().at("items").as_array().size(), 50u);
  EXPECT_EQ(Statements(small), Statements(large));
  EXPECT_LE(Statements(large), 2);
  EXPECT_LE(Statements(Get("/api/v1/products?limit=50&category=toys")), 3);
  const auto detail = Get("/api/v1/products/toy-7");
  ASSERT_EQ(detail.status, 200);
  EXPECT_LE(Statements(detail), 3);
}

TEST_F(CatalogApi, MembersOnlyProductsAreHiddenUntilTheirDate) {
  const auto cat = Category("Limited");
  const auto until = auth::testing::kStart + 3600;
  auto p = CreateProduct("Golden Watch", cat, 99900, 1, json::object{{"exclusive_until", until}});
  ASSERT_EQ(p.status, 201) << p.response.body;
  CreateProduct("Steel Watch", cat, 9900, 1);
  const auto customer = Register("member@shop.test").access_token;
  EXPECT_EQ(Ids(Get("/api/v1/products")).size(), 1u);
  EXPECT_EQ(Ids(Get("/api/v1/products", customer)).size(), 1u);
  EXPECT_EQ(Get("/api/v1/products/golden-watch", customer).status, 404);
  EXPECT_EQ(Ids(Get("/api/v1/products", manager_)).size(), 2u);
  EXPECT_EQ(Get("/api/v1/products/golden-watch", manager_).status, 200);
  clock_.Advance(std::chrono::seconds(3601));
  EXPECT_EQ(Ids(Get("/api/v1/products")).size(), 2u);
  EXPECT_EQ(Get("/api/v1/products/golden-watch").status, 200);
}

TEST_F(CatalogApi, AdjustmentsNeverGoBelowZeroAndRaiseLowStockEvents) {
  const auto cat = Category("Mugs");
  auto p = CreateProduct("Mug", cat, 1200, 8);
  const auto vid = std::to_string(p.obj().at("variants").as_array()[0].as_object().at("id").as_int64());
  std::vector<json::object> events;
  events_.Subscribe("admin.event", [&](const std::string&, const json::object& e) { events.push_back(e); });

  auto down = Post("/api/v1/admin/inventory/" + vid + "/adjustments", json::object{{"delta", -4}, {"reason", "damaged"}},
                   manager_);
  ASSERT_EQ(down.status, 200) << down.response.body;
  EXPECT_EQ(down.obj().at("inventory").as_object().at("on_hand").as_int64(), 4);
  ASSERT_EQ(events.size(), 1u);  // 8 → 4 crosses the default threshold of 5
  EXPECT_EQ(events[0].at("type").as_string(), "inventory.low_stock");
  EXPECT_EQ(events[0].at("available").as_int64(), 4);
  EXPECT_EQ(events[0].at("sku").as_string(), "mug-a");

  auto too_much = Post("/api/v1/admin/inventory/" + vid + "/adjustments",
                       json::object{{"delta", -5}, {"reason", "oops"}}, manager_);
  EXPECT_EQ(too_much.status, 409);
  EXPECT_EQ(too_much.str("code"), "insufficient_stock") << too_much.response.body;
  EXPECT_EQ(Post("/api/v1/admin/inventory/" + vid + "/adjustments", json::object{{"delta", 0}, {"reason", "x"}}, manager_)
                .status,
            422);
  EXPECT_EQ(Post("/api/v1/admin/inventory/999999/adjustments", json::object{{"delta", 1}, {"reason", "x"}}, manager_)
                .status,
            404);
  ASSERT_EQ(Post("/api/v1/admin/inventory/" + vid + "/adjustments", json::object{{"delta", -4}, {"reason", "sold"}},
                 manager_)
                .status,
            200);
  EXPECT_FALSE(indexer_.upserts.back().in_stock);  // the last unit went: search hears of it

  auto low = Get("/api/v1/admin/inventory?low_stock=true", manager_);
  ASSERT_EQ(low.status, 200);
  EXPECT_EQ(low.obj().at("items").as_array().size(), 2u);  // this variant and its sold-out sibling
  auto audit = Get("/api/v1/admin/audit-log?action=inventory.adjust", Staff("admin@shop.test", Role::kAdmin).access_token);
  ASSERT_EQ(audit.status, 200);
  EXPECT_EQ(audit.obj().at("items").as_array().size(), 2u);
}

TEST_F(CatalogApi, ConcurrentAdjustmentsEndExactlyRight) {
  const auto cat = Category("Pens");
  auto p = CreateProduct("Pen", cat, 200, 500);
  const auto vid = p.obj().at("variants").as_array()[0].as_object().at("id").as_int64();
  std::atomic<int> ok{0}, refused{0}, other{0};
  auto worker = [&] {
    for (int i = 0; i < 1000; ++i) {
      auto r = catalog_->AdjustStock(vid, -1, "sale");
      if (r) {
        ++ok;
        if (r->on_hand < 0) ++other;
      } else if (r.error().code == ErrorCode::kInsufficientStock) {
        ++refused;
      } else {
        ++other;
      }
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  EXPECT_EQ(ok.load(), 500);
  EXPECT_EQ(refused.load(), 1500);
  EXPECT_EQ(other.load(), 0);
  auto detail = Get("/api/v1/products/pen", manager_);
  EXPECT_EQ(detail.obj().at("variants").as_array()[0].as_object().at("inventory").as_object().at("on_hand").as_int64(), 0);

  // Up and down at once: +1 and -1 a thousand times each end where they started.
  ASSERT_TRUE(catalog_->AdjustStock(vid, 1000, "restock"));
  std::thread up([&] {
    for (int i = 0; i < 1000; ++i) EXPECT_TRUE(catalog_->AdjustStock(vid, 1, "return"));
  });
  std::thread down([&] {
    for (int i = 0; i < 1000; ++i) EXPECT_TRUE(catalog_->AdjustStock(vid, -1, "sale"));
  });
  up.join();
  down.join();
  auto after = Get("/api/v1/products/pen", manager_);
  EXPECT_EQ(after.obj().at("variants").as_array()[0].as_object().at("inventory").as_object().at("on_hand").as_int64(),
            1000);
}

TEST_F(CatalogApi, ViewsAreCountedInMemoryAndFlushedInOneBatch) {
  const auto cat = Category("Plants");
  CreateProduct("Fern", cat, 900, 3);
  CreateProduct("Cactus", cat, 700, 3);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Get("/api/v1/products/cactus").status, 200);
  auto before = Get("/api/v1/products?sort=popular");
  EXPECT_EQ(before.obj().at("items").as_array()[0].as_object().at("name").as_string(), "Cactus");  // newest id first on ties
  ASSERT_TRUE(catalog_->FlushCounters());
  catalog_->RecordAddToCart(before.obj().at("items").as_array()[1].as_object().at("id").as_int64());
  ASSERT_TRUE(catalog_->FlushCounters());
  auto after = Get("/api/v1/products?sort=popular");
  EXPECT_EQ(after.obj().at("items").as_array()[0].as_object().at("name").as_string(), "Fern");  // 5 > 3
  EXPECT_EQ(indexer_.upserts.back().popularity, 5);
}

// The public pages through the response cache (RESPONSE_CACHE_TTL_MS): a repeat is served without
// SQL, and every write that changes what a visitor sees (product edit, stock adjustment, a
// checkout's reservation, a failed payment's release) is visible on the very next request.
class CachedCatalogApi : public CatalogApi {
 protected:
  void SetUp() override {
    AuthHarness::SetUp();
    cache_ = std::make_unique<http::ResponseCache>(clock_, http::ResponseCache::Options{.ttl = std::chrono::seconds(60)});
    catalog_ = std::make_unique<CatalogModule>(db(), clock_, *audit_, &indexer_, members_, &events_);
    catalog_->SetResponseCache(cache_.get());
    catalog_->RegisterRoutes(*router_);
    manager_ = Staff("manager@shop.test", Role::kManager).access_token;
  }
  void TearDown() override {
    CatalogApi::TearDown();
    cache_.reset();
  }

  template <class F>
  Status InTx(F&& f) {
    return db().Write([&](db::Tx& tx) -> Status { return f(tx); });
  }

  std::unique_ptr<http::ResponseCache> cache_;
};

TEST_F(CachedCatalogApi, RepeatIsServedWithoutSqlAndEveryWriteShowsAtOnce) {
  const auto shoes = Category("Shoes");
  auto created = CreateProduct("Cached Runner", shoes, 8999, 3);
  ASSERT_EQ(created.status, 201) << created.response.body;
  const auto id = std::to_string(created.obj().at("id").as_int64());
  const auto variant = created.obj().at("variants").as_array()[0].as_object().at("id").as_int64();

  auto first = Get("/api/v1/products/cached-runner");
  ASSERT_EQ(first.status, 200);
  EXPECT_GT(Statements(first), 0);
  auto again = Get("/api/v1/products/cached-runner");
  EXPECT_EQ(Statements(again), 0) << "served from the cache";
  EXPECT_EQ(again.response.body, first.response.body);
  auto list = Get("/api/v1/products?limit=5");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(Statements(Get("/api/v1/products?limit=5")), 0);

  // A signed-in caller is computed for, not served from the cache.
  const auto customer = Register("buyer@shop.test").access_token;
  EXPECT_GT(Statements(Get("/api/v1/products/cached-runner", customer)), 0);

  // An edit by staff.
  ASSERT_EQ(Patch("/api/v1/admin/products/" + id, json::object{{"name", "Renamed Runner"}}, manager_).status, 200);
  auto renamed = Get("/api/v1/products/cached-runner");
  EXPECT_EQ(renamed.str("name"), "Renamed Runner");
  auto listed = Get("/api/v1/products?limit=5");
  EXPECT_EQ(listed.obj().at("items").as_array()[0].as_object().at("name").as_string(), "Renamed Runner");

  auto stock_of = [&] {
    return Get("/api/v1/products/cached-runner").obj().at("variants").as_array()[0].as_object().at("stock_status");
  };
  EXPECT_NE(stock_of(), "out_of_stock");
  // A checkout reserves the last units in its own transaction: sold out on the next page view.
  ASSERT_TRUE(InTx([&](db::Tx& tx) { return catalog_->ReserveStock(tx, {{variant, 3}}); }));
  EXPECT_EQ(stock_of(), "out_of_stock");
  // The payment fails: the reservation is released.
  ASSERT_TRUE(InTx([&](db::Tx& tx) { return catalog_->ReleaseStock(tx, {{variant, 3}}); }));
  EXPECT_NE(stock_of(), "out_of_stock");
  // Staff write the stock down.
  auto down = Post("/api/v1/admin/inventory/" + std::to_string(variant) + "/adjustments",
                   json::object{{"delta", -3}, {"reason", "damaged"}}, manager_);
  ASSERT_EQ(down.status, 200) << down.response.body;
  EXPECT_EQ(stock_of(), "out_of_stock");

  // A write that rolls back changes nothing, and the cache keeps serving.
  Get("/api/v1/products/cached-runner");
  EXPECT_FALSE(InTx([&](db::Tx& tx) -> Status {
    EMP_TRY(catalog_->ReserveStock(tx, {{variant, 1}}));
    return Error::Conflict("rolled back");
  }));
  EXPECT_EQ(Statements(Get("/api/v1/products/cached-runner")), 0);

  // Deleted: gone from the next list and page.
  ASSERT_EQ(Delete("/api/v1/admin/products/" + id, manager_).status, 204);
  EXPECT_EQ(Get("/api/v1/products/cached-runner").status, 404);
  EXPECT_TRUE(Get("/api/v1/products?limit=5").obj().at("items").as_array().empty());
}

}  // namespace
}  // namespace emporium::catalog
