#pragma once
// SQL of the search module (search_* tables only). Statement texts are assembled from constant
// fragments chosen by dialect, sort and which filters are present; every value is bound.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "modules/catalog/search_document.hpp"
#include "modules/search/search_module.hpp"

namespace emporium::search {

/// The WHERE part of a search, with the match expression already built for the dialect.
struct SearchFilter {
  std::string match;  ///< FTS5 MATCH or boolean-mode expression; empty = no text condition
  std::string exact_key;  ///< CompletionKey of the whole query: an exact name match ranks first
  std::int64_t now = 0;
  bool include_exclusive = false;
  std::optional<std::int64_t> category_id;
  std::optional<std::int64_t> min_price, max_price;
  bool in_stock_only = false;
  int min_rating_x100 = 0;
};

/// Where a page starts: an offset (relevance) or after a sort key and product id (other sorts).
struct PagePosition {
  int offset = 0;
  std::optional<std::int64_t> after_key;
  std::int64_t after_id = 0;
};

/// One match of a ranked search, with what the facets need (MatchAll).
struct MatchRow {
  std::int64_t product_id = 0;
  std::int64_t min_price = 0;
  int rating_x100 = 0;
  std::vector<std::int64_t> categories;  ///< the product's category and its ancestors
};

class SearchRepository {
 public:
  explicit SearchRepository(db::Dialect dialect) : dialect_(dialect) {}

  /// `fresh`: the product has no document, categories or FTS row yet (created in this transaction),
  /// so the deletes that clear the old ones are skipped.
  void Upsert(db::Tx& tx, const catalog::SearchDocument& doc, bool fresh = false) const;
  void Remove(db::Tx& tx, std::int64_t product_id) const;

  /// Adds words to the vocabulary (and, for new ones, their deletion neighbourhood).
  void AddTerms(db::Tx& tx, const std::vector<std::string>& terms) const;
  /// Vocabulary words that share a deletion-neighbourhood key with `token` (a superset of the words
  /// within one edit; the caller checks the distance). Includes `token` itself when it is known.
  std::vector<std::string> TermsSharingDeletion(db::Tx& tx, const std::string& token) const;

  /// One page (limit rows) in the given order.
  std::vector<catalog::SearchDocument> Find(db::Tx& tx, const SearchFilter& filter, SortOrder sort,
                                            const PagePosition& position, int limit) const;
  /// Every match of a text filter in relevance order (exact name first, then the engine's score,
  /// then id), with its price, rating and category path: one pass of the full-text engine gives the
  /// page, the total and every facet. `filter.match` must not be empty.
  std::vector<MatchRow> MatchAll(db::Tx& tx, const SearchFilter& filter) const;
  /// The documents with these ids, in the order of `ids` (absent ones skipped).
  std::vector<catalog::SearchDocument> FindByIds(db::Tx& tx, const std::vector<std::int64_t>& ids) const;
  /// Total, price buckets and rating buckets over every match of the filter.
  void CountFacets(db::Tx& tx, const SearchFilter& filter, SearchPage& page) const;
  /// Top 20 categories (with ancestors) over every match.
  std::vector<CategoryCount> CategoryFacet(db::Tx& tx, const SearchFilter& filter) const;

  /// Visible product names whose key starts with `prefix_key`, in key order.
  std::vector<Suggestion> NamesStartingWith(db::Tx& tx, const std::string& prefix_key, std::int64_t now,
                                            bool include_exclusive, int limit) const;
  /// Distinct brands of visible products whose key starts with `prefix_key`.
  std::vector<std::string> BrandsStartingWith(db::Tx& tx, const std::string& prefix_key, std::int64_t now,
                                              bool include_exclusive, int limit) const;

 private:
  db::Dialect dialect_;
};

}  // namespace emporium::search
