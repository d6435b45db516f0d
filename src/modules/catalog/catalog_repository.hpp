#pragma once
// All SQL of the catalog and inventory (catalog_*, inventory_* tables). Internal to the module:
// other code goes through CatalogModule. Every method runs in the caller's transaction and lets
// driver exceptions through (db::Database translates them).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "modules/catalog/model.hpp"

namespace emporium::catalog {

/// What GET /products asks of the database; filters already validated.
struct ProductListQuery {
  std::vector<std::int64_t> category_ids;  ///< empty: any category
  std::optional<std::int64_t> min_price, max_price;
  bool in_stock_only = false;
  std::optional<std::int32_t> min_rating_x100;
  ProductSort sort = ProductSort::kNewest;
  std::optional<ListCursor> after;
  int limit = 20;                          ///< rows to fetch (the caller asks one more to detect a next page)
  bool include_exclusive = false;          ///< members-only products are listed
  std::int64_t now = 0;
};

/// Per-product stock and price aggregates over live variants.
struct ProductAggregates {
  std::int64_t min_price = 0, max_price = 0;
  std::string currency;
  bool in_stock = false;
};

struct CounterDelta {
  std::int64_t views = 0;
  std::int64_t add_to_cart = 0;
};

class CatalogRepository {
 public:
  // Categories (the tree is small: it is read whole).
  std::vector<Category> ListCategories(db::Tx& tx) const;
  std::optional<Category> FindCategory(db::Tx& tx, std::int64_t id) const;
  std::int64_t InsertCategory(db::Tx& tx, const Category& c) const;
  void UpdateCategory(db::Tx& tx, const Category& c) const;
  void SoftDeleteCategory(db::Tx& tx, std::int64_t id, std::int64_t now) const;
  bool CategoryHasLiveChildrenOrProducts(db::Tx& tx, std::int64_t id) const;
  /// True when another category (soft-deleted ones included: slugs are never reused) has the slug.
  bool CategorySlugTaken(db::Tx& tx, const std::string& slug, std::int64_t except_id) const;

  // Products.
  std::int64_t InsertProduct(db::Tx& tx, const ProductView& p) const;
  void UpdateProduct(db::Tx& tx, const ProductView& p) const;
  void SoftDeleteProduct(db::Tx& tx, std::int64_t id, std::int64_t now) const;
  /// True when another product (soft-deleted ones included: slugs are never reused) has the slug.
  bool ProductSlugTaken(db::Tx& tx, const std::string& slug, std::int64_t except_id) const;
  /// A product row without variants or images; soft-deleted ones are not found.
  std::optional<ProductView> FindProduct(db::Tx& tx, std::int64_t id) const;
  std::optional<ProductView> FindProductBySlug(db::Tx& tx, const std::string& slug) const;
  /// Ids of the live products in any of the categories (to re-index them after a category change).
  std::vector<std::int64_t> ProductIdsInCategories(db::Tx& tx, const std::vector<std::int64_t>& category_ids) const;
  /// Active, live products in sort order after the cursor (one statement).
  std::vector<ProductView> ListProducts(db::Tx& tx, const ProductListQuery& q) const;
  void ReplaceImages(db::Tx& tx, std::int64_t product_id, const std::vector<ImageInput>& images) const;
  /// Images of a product that has none yet (created in this transaction), at positions 0, 1, ...
  void InsertImages(db::Tx& tx, std::int64_t product_id, const std::vector<ImageInput>& images) const;
  /// Images of many products, by position (one statement).
  std::map<std::int64_t, std::vector<Image>> ImagesOf(db::Tx& tx, const std::vector<std::int64_t>& product_ids) const;
  /// Live variants with their stock, of many products, by position (one statement).
  std::map<std::int64_t, std::vector<Variant>> VariantsOf(db::Tx& tx, const std::vector<std::int64_t>& product_ids) const;
  ProductAggregates Aggregate(db::Tx& tx, std::int64_t product_id) const;
  void SetAggregates(db::Tx& tx, std::int64_t product_id, const ProductAggregates& a, std::int64_t now) const;

  // Variants and stock.
  std::int64_t InsertVariant(db::Tx& tx, const Variant& v, std::int64_t now) const;
  void UpdateVariant(db::Tx& tx, const Variant& v, std::int64_t now) const;
  void SoftDeleteVariant(db::Tx& tx, std::int64_t id, std::int64_t now) const;
  /// A live variant with its stock.
  std::optional<Variant> FindVariant(db::Tx& tx, std::int64_t id) const;
  bool SkuExists(db::Tx& tx, const std::string& sku, std::int64_t except_variant_id) const;
  /// Which of these SKUs some variant already has (one statement).
  std::vector<std::string> TakenSkus(db::Tx& tx, const std::vector<std::string>& skus) const;
  /// Adds `delta` to on_hand unless available stock would fall below zero; false when refused (or
  /// the variant has no stock row). On MariaDB the row stays locked until the transaction ends.
  bool AddOnHand(db::Tx& tx, std::int64_t variant_id, std::int64_t delta, std::int64_t now) const;
  void SetThreshold(db::Tx& tx, std::int64_t variant_id, std::int64_t threshold, std::int64_t now) const;
  void InsertAdjustment(db::Tx& tx, std::int64_t variant_id, std::int64_t delta, const std::string& reason,
                        std::optional<std::int64_t> actor, std::int64_t on_hand_after, std::int64_t now) const;
  /// Variants by id for the cart and checkout (deleted ones included, flagged), one statement.
  std::vector<SaleVariant> VariantsForSale(db::Tx& tx, const std::vector<std::int64_t>& ids) const;
  // One statement for all the lines (distinct variants). Each returns false when any line was
  // refused; the lines that did move must then be rolled back with the caller's transaction.
  // `levels`, when given, receives the moved rows' levels after the move (variant id, on hand,
  // reserved and threshold only) from the same statement where the database can (SQLite); it is
  // left empty where it cannot (MariaDB has no UPDATE ... RETURNING): read StockOf then.
  /// reserved += quantity for every line with at least `quantity` available.
  bool Reserve(db::Tx& tx, const std::vector<StockLine>& lines, std::int64_t now,
               std::optional<std::vector<InventoryItem>>* levels = nullptr) const;
  /// reserved -= quantity for every line with at least `quantity` reserved.
  bool Unreserve(db::Tx& tx, const std::vector<StockLine>& lines, std::int64_t now,
                 std::optional<std::vector<InventoryItem>>* levels = nullptr) const;
  /// on_hand and reserved both -= quantity (reservations become sales).
  bool CommitReserved(db::Tx& tx, const std::vector<StockLine>& lines, std::int64_t now) const;
  /// Stock levels of the given variants (deleted ones included), one statement.
  std::vector<InventoryItem> StockOf(db::Tx& tx, const std::vector<std::int64_t>& variant_ids) const;
  /// Stock levels of live variants of live products by variant id, after `after_variant_id`.
  std::vector<InventoryItem> ListInventory(db::Tx& tx, bool low_only, std::int64_t after_variant_id, int limit) const;

  /// Adds the deltas to the day's counters and to each product's popularity (views + 5 × carts).
  void AddCounters(db::Tx& tx, std::int64_t day, const std::map<std::int64_t, CounterDelta>& deltas) const;
};

}  // namespace emporium::catalog
