// Search on the real index of both dialects, written through the indexer inside db->Write as the
// catalog does, and read through SearchModule and its routes.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/problem.hpp"
#include "http/router.hpp"
#include "modules/search/search_module.hpp"
#include "support/test_database.hpp"

namespace emporium::search {
namespace {

namespace json = boost::json;

constexpr std::int64_t kNow = 1'800'000'000;

catalog::SearchDocument Doc(std::int64_t id, std::string name, std::string description = "A fine product.") {
  catalog::SearchDocument d;
  d.product_id = id;
  d.name = std::move(name);
  d.slug = "product-" + std::to_string(id);
  d.description = std::move(description);
  d.brand = "Acme";
  d.category_id = 10;
  d.category_path = {1, 10};
  d.category_names = "Electronics Audio";
  d.variant_text = "SKU-" + std::to_string(id);
  d.min_price = 1999;
  d.max_price = 2999;
  d.currency = "USD";
  d.in_stock = true;
  d.status = "active";
  d.image_url = "https://img.example/" + std::to_string(id) + ".jpg";
  d.created_at = kNow - 1000 + id;
  return d;
}

struct Call {
  int status = 0;
  json::value body;
};

class SearchTest : public test::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    search_ = std::make_unique<SearchModule>(db(), clock_);
    search_->RegisterRoutes(router_);
  }
  void TearDown() override {
    search_.reset();
    DatabaseTest::TearDown();
  }

  void Index(const std::vector<catalog::SearchDocument>& docs) {
    auto st = db().Write([&](db::Tx& tx) -> Status {
      for (const auto& d : docs) EMP_TRY(search_->indexer().Upsert(tx, d));
      return OkStatus();
    });
    ASSERT_TRUE(st) << st.error().message;
  }

  SearchPage Find(SearchQuery q) {
    q.now = kNow;
    auto page = search_->Search(q);
    EXPECT_TRUE(page) << page.error().message;
    return page ? std::move(page).value() : SearchPage{};
  }

  std::vector<std::int64_t> Ids(const SearchPage& page) {
    std::vector<std::int64_t> out;
    for (const auto& h : page.items) out.push_back(h.document.product_id);
    return out;
  }

  std::vector<std::int64_t> FindIds(const std::string& text) { return Ids(Find({.text = text})); }

  Call Get(const std::string& target) {
    http::Request req;
    req.method = http::Method::kGet;
    req.target = target;
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    req.query_string = q == std::string::npos ? std::string() : target.substr(q + 1);
    auto match = router_.Match(req.method, req.path);
    EXPECT_NE(match.route, nullptr) << target;
    if (!match.route) return {};
    auto result = match.route->handler(req);
    Call out;
    if (!result) {
      out.status = core::HttpStatus(result.error().code);
      return out;
    }
    out.status = result->status;
    out.body = json::parse(result->body);
    return out;
  }

  core::ManualClock clock_{kNow};
  http::Router router_;
  std::unique_ptr<SearchModule> search_;
};

bool Contains(const std::vector<std::int64_t>& ids, std::int64_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

TEST_F(SearchTest, ExactNameMatchOutranksDescriptionMatch) {
  Index({Doc(1, "Speaker Stand", "Holds speakers; pairs well with headphones and amplifiers."),
         Doc(2, "Headphones"),
         Doc(3, "Desk Lamp", "Headphones headphones headphones not included.")});
  const auto ids = FindIds("headphones");
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.front(), 2);
  const auto page = Find({.text = "Headphones"});
  EXPECT_EQ(page.items.front().name_highlighted, "<mark>Headphones</mark>");
  EXPECT_NE(page.items[1].snippet.find("<mark>headphones</mark>"), std::string::npos);
}

TEST_F(SearchTest, NameMatchOutranksDescriptionMatch) {
  Index({Doc(1, "Travel Case", "A case for your studio headphones."), Doc(2, "Studio Headphones Pro"),
         Doc(3, "Cable Organiser"), Doc(4, "Mouse Pad"), Doc(5, "Phone Charger")});
  const auto ids = FindIds("studio headphones");
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids.front(), 2);
}

TEST_F(SearchTest, FindsProductsDespiteOneTypo) {
  Index({Doc(1, "Wireless Headphones"), Doc(2, "Cotton T-Shirt"), Doc(3, "Garden Hose"), Doc(4, "Coffee Grinder")});
  EXPECT_EQ(FindIds("hedphones"), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(FindIds("headphnoes"), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(FindIds("wireles headphones"), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(FindIds("tshirt"), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(FindIds("tshirtt"), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(FindIds("cofee grinder"), (std::vector<std::int64_t>{4}));
  const auto page = Find({.text = "hedphones"});
  EXPECT_EQ(page.corrections, (std::vector<std::string>{"headphones"}));
  EXPECT_EQ(page.items.at(0).name_highlighted, "Wireless <mark>Headphones</mark>");
  EXPECT_TRUE(FindIds("zzzzqqqq").empty());
}

TEST_F(SearchTest, LastWordMatchesAsAPrefix) {
  Index({Doc(1, "Wireless Headphones"), Doc(2, "Wired Keyboard")});
  EXPECT_EQ(FindIds("headph"), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(FindIds("wireless hea"), (std::vector<std::int64_t>{1}));
  auto ids = FindIds("wir");
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::int64_t>{1, 2}));
}

TEST_F(SearchTest, FiltersIncludeSubCategoriesPriceStockAndRating) {
  auto a = Doc(1, "Alpha Lamp");
  a.category_id = 30;
  a.category_path = {1, 20, 30};
  a.min_price = 500;
  a.rating_x100 = 450;
  auto b = Doc(2, "Beta Lamp");
  b.category_id = 20;
  b.category_path = {1, 20};
  b.min_price = 3000;
  b.in_stock = false;
  b.rating_x100 = 250;
  auto c = Doc(3, "Gamma Lamp");
  c.category_id = 40;
  c.category_path = {2, 40};
  c.min_price = 60000;
  c.rating_x100 = 380;
  Index({a, b, c});
  auto sorted = [&](SearchQuery q) {
    auto ids = Ids(Find(q));
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  using V = std::vector<std::int64_t>;
  EXPECT_EQ(sorted({.text = "lamp", .category_id = 1}), (V{1, 2}));
  EXPECT_EQ(sorted({.text = "lamp", .category_id = 20}), (V{1, 2}));
  EXPECT_EQ(sorted({.text = "lamp", .category_id = 30}), (V{1}));
  EXPECT_EQ(sorted({.category_id = 2}), (V{3}));
  EXPECT_TRUE(sorted({.category_id = 99}).empty());
  EXPECT_EQ(sorted({.text = "lamp", .min_price = 1000}), (V{2, 3}));
  EXPECT_EQ(sorted({.text = "lamp", .min_price = 1000, .max_price = 3000}), (V{2}));
  EXPECT_EQ(sorted({.text = "lamp", .in_stock_only = true}), (V{1, 3}));
  EXPECT_EQ(sorted({.text = "lamp", .min_rating_x100 = 300}), (V{1, 3}));
  EXPECT_EQ(Ids(Find({.sort = SortOrder::kPriceDesc})), (V{3, 2, 1}));
  EXPECT_EQ(Ids(Find({.sort = SortOrder::kRating})), (V{1, 3, 2}));
}

TEST_F(SearchTest, FacetCountsEqualFilteredResultCounts) {
  std::vector<catalog::SearchDocument> docs;
  for (int i = 1; i <= 30; ++i) {
    auto d = Doc(i, "Desk Lamp " + std::to_string(i));
    d.category_id = 100 + i % 3;
    d.category_path = {1, d.category_id};
    d.min_price = 700 * i;
    d.rating_x100 = (i * 37) % 500;
    d.in_stock = i % 4 != 0;
    docs.push_back(d);
  }
  docs.push_back(Doc(99, "Garden Chair"));
  Index(docs);

  const SearchQuery base{.text = "lamp", .in_stock_only = true, .limit = 100};
  const auto page = Find(base);
  EXPECT_EQ(page.total, static_cast<std::int64_t>(page.items.size()));
  std::int64_t price_sum = 0;
  for (const auto& p : page.facets.price_ranges) {
    price_sum += p.count;
    SearchQuery q = base;
    q.min_price = p.range.min;
    if (p.range.max) q.max_price = *p.range.max - 1;
    EXPECT_EQ(Find(q).total, p.count) << p.range.min;
  }
  EXPECT_EQ(price_sum, page.total);
  ASSERT_FALSE(page.facets.categories.empty());
  for (const auto& c : page.facets.categories) {
    SearchQuery q = base;
    q.category_id = c.category_id;
    EXPECT_EQ(Find(q).total, c.count) << c.category_id;
  }
  EXPECT_EQ(page.facets.categories.front().category_id, 1);
  EXPECT_EQ(page.facets.categories.front().count, page.total);
  for (const auto& r : page.facets.ratings) {
    SearchQuery q = base;
    q.min_rating_x100 = r.min_x100;
    EXPECT_EQ(Find(q).total, r.count) << r.min_x100;
  }

  // A ranked search counts its facets from its one pass over the matches; the other sorts count
  // them in SQL. Both must agree.
  SearchQuery by_price = base;
  by_price.sort = SortOrder::kPriceAsc;
  const auto counted_in_sql = Find(by_price);
  EXPECT_EQ(counted_in_sql.total, page.total);
  ASSERT_EQ(counted_in_sql.facets.categories.size(), page.facets.categories.size());
  for (std::size_t i = 0; i < page.facets.categories.size(); ++i) {
    EXPECT_EQ(counted_in_sql.facets.categories[i].category_id, page.facets.categories[i].category_id);
    EXPECT_EQ(counted_in_sql.facets.categories[i].count, page.facets.categories[i].count);
  }
  ASSERT_EQ(counted_in_sql.facets.price_ranges.size(), page.facets.price_ranges.size());
  for (std::size_t i = 0; i < page.facets.price_ranges.size(); ++i) {
    EXPECT_EQ(counted_in_sql.facets.price_ranges[i].count, page.facets.price_ranges[i].count);
  }
  ASSERT_EQ(counted_in_sql.facets.ratings.size(), page.facets.ratings.size());
  for (std::size_t i = 0; i < page.facets.ratings.size(); ++i) {
    EXPECT_EQ(counted_in_sql.facets.ratings[i].count, page.facets.ratings[i].count);
  }
}

TEST_F(SearchTest, HostileQueriesAnswer200Or422AndNeverFail) {
  Index({Doc(1, "Wireless Headphones"), Doc(2, "Cotton T-Shirt")});
  const std::vector<std::string> hostile = {
      "%22",   "*",        "NEAR(",        "%27%20OR%201%3D1",   "%27%20OR%201%3D1%20--", "%22%22%22",
      "a%20AND%20OR%20NOT", "name%3Ahead", "%2Bhead%20-phones",  "(((",  "%5E", "%40%40%3C%3E~",
      "%F0%9F%8E%A7",  "%E2%80%9C%E2%80%9D", "%FF%FE",  "%00",   "NEAR(headphones%20shirt,%202)",
      "headphones*", "%22headphones",  "--", "%3B%20DROP%20TABLE%20search_documents%3B",
  };
  for (const auto& q : hostile) {
    const auto r = Get("/api/v1/search?q=" + q);
    EXPECT_TRUE(r.status == 200 || r.status == 422) << q << " → " << r.status;
    const auto s = Get("/api/v1/search/suggest?q=" + q);
    EXPECT_TRUE(s.status == 200 || s.status == 422) << q << " → " << s.status;
  }
  EXPECT_EQ(Get("/api/v1/search?q=" + std::string(10'000, 'a')).status, 422);
  EXPECT_EQ(Get("/api/v1/search?q=" + std::string(200, 'a')).status, 200);
  std::string words;
  for (int i = 0; i < 60; ++i) words += "ab%20";
  EXPECT_EQ(Get("/api/v1/search?q=" + words).status, 200);
  EXPECT_EQ(Get("/api/v1/search?q=" + std::string(100, '.')).status, 200);
  EXPECT_EQ(Get("/api/v1/search?sort=cheapest").status, 422);
  EXPECT_EQ(Get("/api/v1/search?limit=0").status, 422);
  EXPECT_EQ(Get("/api/v1/search?limit=101").status, 422);
  EXPECT_EQ(Get("/api/v1/search?cursor=not-a-cursor").status, 422);
  EXPECT_EQ(Get("/api/v1/search?min_price=500&max_price=100").status, 422);
  EXPECT_EQ(Get("/api/v1/search/suggest?q=" + std::string(101, 'a')).status, 422);
  // The tables are intact.
  EXPECT_EQ(FindIds("headphones"), (std::vector<std::int64_t>{1}));
}

TEST_F(SearchTest, RemovedInactiveAndMembersOnlyProductsAreHidden) {
  auto draft = Doc(2, "Draft Lamp");
  draft.status = "draft";
  auto archived = Doc(3, "Archived Lamp");
  archived.status = "archived";
  auto exclusive = Doc(4, "Exclusive Lamp");
  exclusive.exclusive_until = kNow + 3600;
  auto was_exclusive = Doc(5, "Former Exclusive Lamp");
  was_exclusive.exclusive_until = kNow - 1;
  Index({Doc(1, "Plain Lamp"), draft, archived, exclusive, was_exclusive, Doc(6, "Removed Lamp")});
  ASSERT_TRUE(db().Write([&](db::Tx& tx) { return search_->indexer().Remove(tx, 6); }));

  auto sorted = [](std::vector<std::int64_t> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  using V = std::vector<std::int64_t>;
  EXPECT_EQ(sorted(FindIds("lamp")), (V{1, 5}));
  EXPECT_EQ(sorted(Ids(Find({.text = "lamp", .include_exclusive = true}))), (V{1, 4, 5}));
  EXPECT_EQ(Find({.text = "lamp"}).total, 2);
  EXPECT_EQ(sorted(Ids(Find({}))), (V{1, 5}));

  // Through the route: anonymous callers do not see members-only; staff do.
  auto r = Get("/api/v1/search?q=exclusive");
  ASSERT_EQ(r.status, 200);
  std::set<std::int64_t> seen;
  for (const auto& item : r.body.at("items").as_array()) seen.insert(item.at("id").as_int64());
  EXPECT_EQ(seen, (std::set<std::int64_t>{5}));
  EXPECT_TRUE(search_->CanSeeExclusive(Principal{.user_id = 1, .role = Role::kManager}, kNow));
  EXPECT_FALSE(search_->CanSeeExclusive(Principal{.user_id = 2, .role = Role::kCustomer}, kNow));
  EXPECT_FALSE(search_->CanSeeExclusive(Principal{.user_id = 3, .role = Role::kSupport}, kNow));
  EXPECT_FALSE(search_->CanSeeExclusive(std::nullopt, kNow));
  // A membership reader extends it to members.
  struct EveryoneIsAMember final : catalog::MembershipReader {
    bool CanSeeExclusive(const std::optional<Principal>&, std::int64_t) const override { return true; }
  } members;
  search_->SetMembershipReader(&members);
  EXPECT_TRUE(search_->CanSeeExclusive(std::nullopt, kNow));
  auto member_view = Get("/api/v1/search?q=exclusive");
  ASSERT_EQ(member_view.status, 200);
  EXPECT_EQ(member_view.body.at("items").as_array().size(), 2u);
  search_->SetMembershipReader(nullptr);

  // Upsert replaces the document: the old name no longer matches, the new one does.
  auto renamed = Doc(1, "Plain Bulb");
  Index({renamed});
  EXPECT_EQ(FindIds("bulb"), (V{1}));
  EXPECT_EQ(sorted(FindIds("lamp")), (V{5}));
}

TEST_F(SearchTest, CursorPaginationReturnsEveryResultExactlyOnceForEverySort) {
  std::vector<catalog::SearchDocument> docs;
  for (int i = 1; i <= 45; ++i) {
    auto d = Doc(i, "Reading Lamp Model " + std::to_string(i));
    d.min_price = 1000 + (i % 7) * 100;  // ties on the sort key
    d.rating_x100 = (i % 5) * 100;
    d.popularity = i % 3;
    d.created_at = kNow - (i % 4);
    docs.push_back(d);
  }
  Index(docs);
  for (auto sort : {SortOrder::kRelevance, SortOrder::kNewest, SortOrder::kPriceAsc, SortOrder::kPriceDesc,
                    SortOrder::kRating, SortOrder::kPopular}) {
    for (const std::string text : {"lamp", ""}) {
      std::vector<std::int64_t> all;
      std::optional<std::string> cursor;
      int pages = 0;
      do {
        auto page = Find({.text = text, .sort = sort, .cursor = cursor, .limit = 7});
        for (const auto& h : page.items) all.push_back(h.document.product_id);
        EXPECT_EQ(page.total, 45);
        cursor = page.next_cursor;
        ASSERT_LT(++pages, 20);
      } while (cursor);
      EXPECT_EQ(pages, 7) << static_cast<int>(sort) << " " << text;
      std::set<std::int64_t> unique(all.begin(), all.end());
      EXPECT_EQ(all.size(), 45u) << static_cast<int>(sort) << " " << text;
      EXPECT_EQ(unique.size(), 45u) << static_cast<int>(sort) << " " << text;
    }
  }
  // A cursor of one sort is rejected by another.
  auto page = Find({.text = "lamp", .sort = SortOrder::kNewest, .limit = 7});
  ASSERT_TRUE(page.next_cursor);
  auto wrong = search_->Search({.text = "lamp", .sort = SortOrder::kPriceAsc, .cursor = page.next_cursor});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SearchTest, RouteAnswersItemsFacetsAndCursor) {
  Index({Doc(1, "Wireless <Headphones>", "Noise & <b>cancelling</b> headphones."), Doc(2, "Wired Headphones")});
  auto r = Get("/api/v1/search?q=headphones&limit=1&sort=relevance");
  ASSERT_EQ(r.status, 200);
  const auto& body = r.body.as_object();
  ASSERT_EQ(body.at("items").as_array().size(), 1u);
  EXPECT_TRUE(body.at("next_cursor").is_string());
  EXPECT_EQ(body.at("total").as_int64(), 2);
  const auto& item = body.at("items").as_array()[0].as_object();
  EXPECT_EQ(item.at("price").at("amount").as_int64(), 1999);
  EXPECT_EQ(item.at("price").at("currency").as_string(), "USD");
  const auto& facets = body.at("facets").as_object();
  EXPECT_EQ(facets.at("price_ranges").as_array().size(), kPriceBucketBounds.size());
  EXPECT_EQ(facets.at("rating").as_array().size(), 4u);
  EXPECT_EQ(facets.at("category").as_array().size(), 2u);  // 1 and 10

  auto next = Get("/api/v1/search?q=headphones&limit=1&cursor=" + std::string(body.at("next_cursor").as_string()));
  ASSERT_EQ(next.status, 200);
  EXPECT_TRUE(next.body.at("next_cursor").is_null());
  const auto& both = r.body.at("items").as_array()[0].at("id").as_int64() == 1 ? r : next;
  const auto& first = both.body.at("items").as_array()[0].as_object();
  EXPECT_EQ(first.at("highlight").at("name").as_string(), "Wireless &lt;<mark>Headphones</mark>&gt;");
  EXPECT_EQ(first.at("highlight").at("description").as_string(),
            "Noise &amp; &lt;b&gt;cancelling&lt;/b&gt; <mark>headphones</mark>.");
}

TEST_F(SearchTest, SuggestCompletesNamesAndBrandsByPrefix) {
  auto a = Doc(1, "Wireless Headphones");
  a.brand = "Sonique";
  auto b = Doc(2, "Wired Keyboard");
  b.brand = "Keyco";
  auto c = Doc(3, "Wireless Mouse");
  c.status = "draft";
  auto d = Doc(4, "Sonic Screwdriver");
  d.brand = "Tardis";
  Index({a, b, c, d});

  auto texts = [&](const std::string& prefix) {
    std::vector<std::string> out;
    auto r = search_->Suggest(prefix, false);
    EXPECT_TRUE(r);
    for (const auto& s : *r) out.push_back(s.text);
    return out;
  };
  using S = std::vector<std::string>;
  EXPECT_EQ(texts("wire"), (S{"Wired Keyboard", "Wireless Headphones"}));
  EXPECT_EQ(texts("WIRELESS"), (S{"Wireless Headphones"}));
  EXPECT_EQ(texts("son"), (S{"Sonique", "Sonic Screwdriver"}));
  EXPECT_TRUE(texts("").empty());
  EXPECT_TRUE(texts("zz").empty());

  auto r = Get("/api/v1/search/suggest?q=wireless");
  ASSERT_EQ(r.status, 200);
  const auto& items = r.body.at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("product_id").as_int64(), 1);
  EXPECT_EQ(items[0].at("slug").as_string(), "product-1");
  auto brand = Get("/api/v1/search/suggest?q=sonique");
  ASSERT_EQ(brand.status, 200);
  EXPECT_EQ(brand.body.at("items").as_array()[0].as_object().count("product_id"), 0u);
}

}  // namespace
}  // namespace emporium::search
