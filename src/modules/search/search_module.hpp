#pragma once
// Product search on the database's own full-text engine (SQLite FTS5, MariaDB InnoDB FULLTEXT), so
// the index changes in the same transaction as the product and needs no extra service. The catalog
// writes through indexer() (catalog::SearchIndexer); shoppers read through GET /api/v1/search and
// GET /api/v1/search/suggest. Search owns its tables (search_*) and never reads catalog_* tables.
//
//   search::SearchModule search(db, clock);
//   catalog.SetSearchIndexer(&search.indexer());   // however the catalog takes it
//   search.SetMembershipReader(&members);          // the catalog's MembershipReader
//   search.RegisterRoutes(router);

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/roles.hpp"
#include "db/database.hpp"
#include "http/response_cache.hpp"
#include "http/router.hpp"
#include "modules/catalog/membership_reader.hpp"
#include "modules/catalog/search_document.hpp"

namespace emporium::search {

enum class SortOrder { kRelevance, kNewest, kPriceAsc, kPriceDesc, kRating, kPopular };

/// Results past this position are not reachable with sort=relevance (its cursor is an offset).
inline constexpr int kMaxRelevanceResults = 1000;

/// Fixed price buckets in minor units over a product's lowest price: [min, max), the last one open.
struct PriceBucket {
  std::int64_t min = 0;
  std::optional<std::int64_t> max;
};
inline constexpr std::array<std::int64_t, 7> kPriceBucketBounds = {0, 1000, 2500, 5000, 10000, 25000, 50000};
/// The buckets of kPriceBucketBounds, in order.
std::vector<PriceBucket> PriceBuckets();
/// Index of the bucket holding `price` (prices below 0 count in the first).
std::size_t PriceBucketIndex(std::int64_t price);

/// The rating thresholds of the rating facet: 4+, 3+, 2+, 1+ (× 100).
inline constexpr std::array<int, 4> kRatingFacetMins = {400, 300, 200, 100};

struct SearchQuery {
  std::string text;  ///< trimmed, at most 200 characters; empty lists without ranking
  std::optional<std::int64_t> category_id;  ///< includes sub-categories
  std::optional<std::int64_t> min_price, max_price;  ///< inclusive bounds on the lowest price
  bool in_stock_only = false;
  std::optional<int> min_rating_x100;
  SortOrder sort = SortOrder::kRelevance;  ///< relevance with an empty text lists newest first
  std::optional<std::string> cursor;       ///< from a previous page of the same query and sort
  int limit = 20;                          ///< 1–100
  bool include_exclusive = false;          ///< the caller may see members-only products
  std::int64_t now = 0;                    ///< Unix seconds: members-only ends at exclusive_until
};

struct SearchHit {
  catalog::SearchDocument document;
  std::string name_highlighted;  ///< HTML-escaped name with <mark> around matched words
  std::string snippet;           ///< HTML-escaped part of the description with <mark>s
};

struct CategoryCount {
  std::int64_t category_id = 0;
  std::int64_t count = 0;
};
struct PriceRangeCount {
  PriceBucket range;
  std::int64_t count = 0;
};
struct RatingCount {
  int min_x100 = 0;
  std::int64_t count = 0;
};

struct Facets {
  std::vector<CategoryCount> categories;  ///< top 20 by count (a product counts in its category and every ancestor)
  std::vector<PriceRangeCount> price_ranges;
  std::vector<RatingCount> ratings;
};

struct SearchPage {
  std::vector<SearchHit> items;
  std::optional<std::string> next_cursor;
  std::int64_t total = 0;  ///< every match of the filters (the sum of the price facet)
  Facets facets;
  std::vector<std::string> corrections;  ///< vocabulary words used in place of misspelt query words
};

struct Suggestion {
  std::string text;
  std::optional<std::int64_t> product_id;  ///< set for a product name, absent for a brand
  std::string slug;
};

class SearchRepository;
class SearchIndexerImpl;

/// Thread-safe: any number of threads may search; indexing runs in the caller's transactions.
class SearchModule {
 public:
  SearchModule(db::Database& db, const core::Clock& clock);
  ~SearchModule();
  SearchModule(const SearchModule&) = delete;
  SearchModule& operator=(const SearchModule&) = delete;

  /// The catalog's write side: Upsert/Remove touch only search_* tables, in the caller's transaction.
  catalog::SearchIndexer& indexer();

  /// The catalog's rule for members-only products (call at wiring time, before serving; the reader
  /// must outlive the module). Without one, only managers and admins see them.
  void SetMembershipReader(const catalog::MembershipReader* members) { members_ = members; }
  /// Serves anonymous searches and suggestions from `cache`: the catalog's, which its writes
  /// invalidate (CatalogModule::SetResponseCache). Call before RegisterRoutes.
  void SetResponseCache(http::ResponseCache* cache) { cache_ = cache; }
  /// Same rule as the catalog: managers and admins see members-only products, others when the
  /// membership reader says so at `now`. `who` is absent for anonymous callers.
  bool CanSeeExclusive(const std::optional<Principal>& who, std::int64_t now) const;

  /// Matching active, visible products with facets. kInvalidArgument (field "cursor") for a cursor
  /// that does not belong to this sort; hostile text is tokenised, never passed through.
  Result<SearchPage> Search(const SearchQuery& query);

  /// Up to `limit` (≤ 10) product names and brands starting with `prefix` (case-insensitive), via an
  /// index range scan.
  Result<std::vector<Suggestion>> Suggest(const std::string& prefix, bool include_exclusive, int limit = 10);

  /// GET /api/v1/search and GET /api/v1/search/suggest (public; a valid token may unlock members-only).
  void RegisterRoutes(http::Router& router);

 private:
  db::Database& db_;
  const core::Clock& clock_;
  std::unique_ptr<SearchRepository> repository_;
  std::unique_ptr<SearchIndexerImpl> indexer_;
  const catalog::MembershipReader* members_ = nullptr;
  http::ResponseCache* cache_ = nullptr;
};

}  // namespace emporium::search
