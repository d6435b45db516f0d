#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "modules/catalog/catalog_controller.hpp"
#include "modules/catalog/model.hpp"

namespace emporium::catalog {
namespace {

namespace json = boost::json;

TEST(CatalogSlug, LowerCasesAndJoinsWordsWithDashes) {
  EXPECT_EQ(Slugify("Trail Runner 2"), "trail-runner-2");
  EXPECT_EQ(Slugify("  T-Shirt -- (Blue)!  "), "t-shirt-blue");
  EXPECT_EQ(Slugify("Café Crème"), "caf-cr-me");
  EXPECT_EQ(Slugify("!!!"), "");
  EXPECT_LE(Slugify(std::string(300, 'a') + " b").size(), 120u);
}

TEST(CatalogSlug, ValidatesFormat) {
  EXPECT_TRUE(IsValidSlug("blue-shirt-2"));
  EXPECT_FALSE(IsValidSlug("Blue"));
  EXPECT_FALSE(IsValidSlug("-a"));
  EXPECT_FALSE(IsValidSlug("a--b"));
  EXPECT_FALSE(IsValidSlug(""));
  EXPECT_FALSE(IsValidSlug("a b"));
  EXPECT_FALSE(IsValidSlug(std::string(121, 'a')));
}

TEST(CatalogCursor, RoundTripsAndRejectsGarbage) {
  for (auto sort : {ProductSort::kNewest, ProductSort::kPriceAsc, ProductSort::kPriceDesc, ProductSort::kRating,
                    ProductSort::kPopular}) {
    ListCursor c{sort, -42, 9'000'000'000};
    EXPECT_EQ(DecodeListCursor(EncodeListCursor(c)), c);
  }
  EXPECT_FALSE(DecodeListCursor(""));
  EXPECT_FALSE(DecodeListCursor("not a cursor"));
  EXPECT_FALSE(DecodeListCursor("eDoxOjI"));  // "x:1:2": unknown sort
  EXPECT_FALSE(DecodeListCursor(std::string(200, 'A')));
}

TEST(CatalogSort, ParsesTheFiveSorts) {
  EXPECT_EQ(ParseProductSort("price_asc"), ProductSort::kPriceAsc);
  EXPECT_EQ(ProductSortName(ProductSort::kPopular), "popular");
  EXPECT_FALSE(ParseProductSort("cheapest"));
}

TEST(CatalogMoney, ParsesAmountAndCurrency) {
  std::vector<FieldError> errors;
  auto ok = ParseMoney(json::parse(R"({"amount": 1999, "currency": "EUR"})"), "price", errors);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->amount, 1999);
  EXPECT_TRUE(errors.empty());
  EXPECT_FALSE(ParseMoney(json::parse(R"({"amount": 0, "currency": "EUR"})"), "price", errors));
  EXPECT_FALSE(ParseMoney(json::parse(R"({"amount": 19.99, "currency": "EUR"})"), "price", errors));
  EXPECT_FALSE(ParseMoney(json::parse(R"({"amount": 1, "currency": "eur"})"), "price", errors));
  EXPECT_FALSE(ParseMoney(json::parse("12"), "price", errors));
  EXPECT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].field, "price.amount");
  EXPECT_TRUE(IsValidCurrency("USD"));
  EXPECT_FALSE(IsValidCurrency("US"));
}

TEST(CatalogStock, StatusFollowsAvailableAndThreshold) {
  Variant v;
  v.low_stock_threshold = 5;
  v.on_hand = 10;
  v.reserved = 5;
  EXPECT_EQ(v.stock_status(), "low_stock");
  v.reserved = 0;
  EXPECT_EQ(v.stock_status(), "in_stock");
  v.reserved = 10;
  EXPECT_EQ(v.stock_status(), "out_of_stock");
}

TEST(CatalogFilter, ParsesTheListQuery) {
  http::Request req;
  req.query_string = "category=shoes&min_price=100&max_price=900&in_stock=true&min_rating=4&sort=price_desc&limit=30";
  auto f = ParseProductFilter(req);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->category, "shoes");
  EXPECT_EQ(f->min_price, 100);
  EXPECT_EQ(f->max_price, 900);
  EXPECT_TRUE(f->in_stock_only);
  EXPECT_EQ(f->min_rating, 4);
  EXPECT_EQ(f->sort, ProductSort::kPriceDesc);
  EXPECT_EQ(f->limit, 30);

  http::Request bad;
  bad.query_string = "min_price=-1&sort=x&limit=500&cursor=" + EncodeListCursor({ProductSort::kNewest, 1, 1});
  auto e = ParseProductFilter(bad);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument);

  http::Request wrong_sort;  // a cursor from another sort is refused
  wrong_sort.query_string = "sort=rating&cursor=" + EncodeListCursor({ProductSort::kNewest, 1, 1});
  EXPECT_FALSE(ParseProductFilter(wrong_sort));
}

TEST(CatalogTimestamp, AcceptsRfc3339AndUnixSeconds) {
  EXPECT_EQ(ParseTimestamp(json::value("2027-01-15T08:00:00Z")), 1'800'000'000);
  EXPECT_EQ(ParseTimestamp(json::value(1700000000)), 1700000000);
  EXPECT_FALSE(ParseTimestamp(json::value("2027-02-30T08:00:00Z")));
  EXPECT_FALSE(ParseTimestamp(json::value("tomorrow")));
  EXPECT_FALSE(ParseTimestamp(json::value(-1)));
}

}  // namespace
}  // namespace emporium::catalog
