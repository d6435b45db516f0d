#include <gtest/gtest.h>

#include "http/router.hpp"

namespace emporium::http {
namespace {

Handler Named(std::string name) {
  return [name](Request&) -> Result<Response> { return Response(200, "text/plain", name); };
}

std::string Call(const RouteMatch& m) {
  Request req;
  auto res = m.route->handler(req);
  return res->body;
}

TEST(Router, MatchesLiteralRoute) {
  Router r;
  r.Get("/healthz", Named("health"));
  auto m = r.Match(Method::kGet, "/healthz");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(Call(m), "health");
  EXPECT_EQ(m.route->pattern, "/healthz");
}

TEST(Router, ExtractsPathParameters) {
  Router r;
  r.Patch("/api/v1/me/addresses/{id}", Named("patch"));
  r.Get("/api/v1/orders/{order_id}/items/{item_id}", Named("item"));
  auto m = r.Match(Method::kPatch, "/api/v1/me/addresses/42");
  ASSERT_NE(m.route, nullptr);
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "42");

  m = r.Match(Method::kGet, "/api/v1/orders/7/items/9");
  ASSERT_NE(m.route, nullptr);
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0], (std::pair<std::string, std::string>{"order_id", "7"}));
  EXPECT_EQ(m.params[1], (std::pair<std::string, std::string>{"item_id", "9"}));
}

TEST(Router, LiteralSegmentBeatsParameter) {
  Router r;
  r.Get("/products/{id}", Named("by-id"));
  r.Get("/products/featured", Named("featured"));
  EXPECT_EQ(Call(r.Match(Method::kGet, "/products/featured")), "featured");
  EXPECT_EQ(Call(r.Match(Method::kGet, "/products/12")), "by-id");
}

TEST(Router, FallsBackToParameterWhenLiteralBranchDeadEnds) {
  Router r;
  r.Get("/products/featured", Named("featured"));
  r.Get("/products/{id}/reviews", Named("reviews"));
  auto m = r.Match(Method::kGet, "/products/featured/reviews");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(Call(m), "reviews");
  EXPECT_EQ(m.params[0].second, "featured");
}

TEST(Router, ParameterNamesMayDifferBetweenRoutesSharingASegment) {
  Router r;
  r.Get("/products/{slug}", Named("get"));
  r.Delete("/products/{id}", Named("delete"));
  EXPECT_EQ(r.Match(Method::kGet, "/products/blue-shirt").params[0].first, "slug");
  EXPECT_EQ(r.Match(Method::kDelete, "/products/5").params[0].first, "id");
}

TEST(Router, ToleratesTrailingSlash) {
  Router r;
  r.Get("/api/v1/me", Named("me"));
  EXPECT_NE(r.Match(Method::kGet, "/api/v1/me/").route, nullptr);
  EXPECT_EQ(r.Match(Method::kGet, "/api/v1/me//").route, nullptr);
  EXPECT_EQ(r.Match(Method::kGet, "/api//v1/me").route, nullptr);
}

TEST(Router, MatchesRootPath) {
  Router r;
  r.Get("/", Named("root"));
  EXPECT_EQ(Call(r.Match(Method::kGet, "/")), "root");
}

TEST(Router, UnknownPathHasNoAllowedMethods) {
  Router r;
  r.Get("/a", Named("a"));
  auto m = r.Match(Method::kGet, "/b");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.allowed.empty());
  EXPECT_EQ(r.Match(Method::kGet, "/a/b").route, nullptr);
  EXPECT_EQ(r.Match(Method::kGet, "").route, nullptr);
}

TEST(Router, WrongMethodListsAllowedMethods) {
  Router r;
  r.Get("/api/v1/me", Named("get"));
  r.Patch("/api/v1/me", Named("patch"));
  r.Delete("/api/v1/me", Named("delete"));
  auto m = r.Match(Method::kPost, "/api/v1/me");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<Method>{Method::kGet, Method::kHead, Method::kPatch, Method::kDelete}));
}

TEST(Router, AllowedMethodsMergeAcrossLiteralAndParameterBranches) {
  Router r;
  r.Get("/items/new", Named("new-form"));
  r.Put("/items/{id}", Named("put"));
  auto m = r.Match(Method::kPost, "/items/new");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<Method>{Method::kGet, Method::kHead, Method::kPut}));
  // The method decides between branches too.
  EXPECT_EQ(Call(r.Match(Method::kPut, "/items/new")), "put");
}

TEST(Router, HeadFallsBackToGet) {
  Router r;
  r.Get("/healthz", Named("get"));
  auto m = r.Match(Method::kHead, "/healthz");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, Method::kGet);
}

TEST(Router, ExplicitHeadRouteWinsOverGet) {
  Router r;
  r.Get("/x", Named("get"));
  r.Add(Method::kHead, "/x", Named("head"));
  EXPECT_EQ(Call(r.Match(Method::kHead, "/x")), "head");
}

TEST(Router, MatchesDecodedPathLiterally) {
  Router r;
  r.Get("/search/{q}", Named("search"));
  auto m = r.Match(Method::kGet, "/search/café au lait");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params[0].second, "café au lait");
}

TEST(Router, RolesImplyAuthentication) {
  Router r;
  r.Get("/admin", Named("admin"), RouteOptions{.roles = {Role::kAdmin}});
  EXPECT_TRUE(r.Match(Method::kGet, "/admin").route->options.authenticated);
}

TEST(RouterDeathTest, AbortsOnDuplicateRoute) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Router r;
        r.Get("/a/{id}", Named("one"));
        r.Get("/a/{other}", Named("two"));
      },
      "duplicate route");
}

TEST(RouterDeathTest, AbortsOnPatternWithoutLeadingSlash) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Router r;
        r.Get("api", Named("x"));
      },
      "must start with");
}

}  // namespace
}  // namespace emporium::http
