#pragma once
// The contract between the catalog and search: the catalog pushes a SearchDocument for every product
// change inside its own write transaction, so that the search index is never out of date. Search owns
// its tables (search_*) and never reads catalog_* tables.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "db/database.hpp"

namespace emporium::catalog {

/// What search needs to know of a product; the catalog pushes it inside the same transaction
/// as every change (product, its variants, prices, stock, category moves, soft delete).
struct SearchDocument {
  std::int64_t product_id = 0;
  std::string name, slug, description, brand;
  std::int64_t category_id = 0;
  std::vector<std::int64_t> category_path;   ///< the category and all its ancestors (for sub-category filters)
  std::string category_names;                ///< names along the path, space-separated (searchable)
  std::string variant_text;                  ///< SKUs and option values, space-separated (searchable)
  std::int64_t min_price = 0, max_price = 0; ///< minor units over live variants
  std::string currency;
  bool in_stock = false;                     ///< some live variant has available > 0
  std::int32_t rating_x100 = 0;              ///< average rating × 100 (0 until reviews exist)
  std::int32_t rating_count = 0;
  std::int64_t popularity = 0;               ///< views + 5 × add-to-cart, for sort=popular
  std::string status;                        ///< draft | active | archived: only active is searchable
  std::optional<std::int64_t> exclusive_until;  ///< members-only until then (Unix seconds)
  std::string image_url;                     ///< first image, for result cards
  std::int64_t created_at = 0;
};

class SearchIndexer {
 public:
  virtual ~SearchIndexer() = default;
  /// Inserts or replaces the product's document. Called inside the catalog's write transaction.
  virtual Status Upsert(db::Tx& tx, const SearchDocument& doc) = 0;
  /// The document of a product created in this transaction (nothing to replace: an indexer may skip
  /// its deletes). Defaults to Upsert.
  virtual Status Insert(db::Tx& tx, const SearchDocument& doc) { return Upsert(tx, doc); }
  /// Removes it (soft delete). Called inside the catalog's write transaction.
  virtual Status Remove(db::Tx& tx, std::int64_t product_id) = 0;
};

}  // namespace emporium::catalog
