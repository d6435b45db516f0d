#pragma once
// HTTP in and out for the catalog and inventory routes: query/body validation (422 with errors[]),
// JSON rendering, status codes. The rules live in CatalogService.

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "http/request.hpp"
#include "http/response_cache.hpp"
#include "http/router.hpp"
#include "modules/catalog/catalog_service.hpp"
#include "modules/catalog/model.hpp"

namespace emporium::catalog {

/// Registers every catalog and inventory route of docs/API.md except search. With a `cache`, the
/// anonymous answers of GET /categories, /products and /products/{id} are served from it (a cached
/// product page still counts a view).
void RegisterCatalogRoutes(http::Router& router, CatalogService& service, http::ResponseCache* cache = nullptr);

/// The product as GET /products/{id} returns it; `detail` adds variants and every image (the list
/// carries the first image only); `staff` adds each variant's stock figures.
boost::json::object ProductJson(const ProductView& p, bool detail, bool staff);
boost::json::object VariantJson(const Variant& v, bool staff);
/// The category forest: roots by position, each with children[] (any depth).
boost::json::array CategoryTreeJson(const std::vector<Category>& categories);

/// The product list query (?category=&min_price=&max_price=&in_stock=&min_rating=&sort=&limit=&cursor=)
/// parsed and validated; 422 listing every bad parameter.
Result<ProductFilter> ParseProductFilter(const http::Request& req);

/// Parses a Unix-seconds integer or an RFC 3339 UTC timestamp ("2027-01-15T08:00:00Z").
std::optional<std::int64_t> ParseTimestamp(const boost::json::value& v);

}  // namespace emporium::catalog
