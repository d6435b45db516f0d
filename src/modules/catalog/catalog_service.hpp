#pragma once
// Catalog and inventory business rules and transactions. Internal to the module (CatalogModule is
// the public face). Thread-safe: state is the database plus a mutex-guarded counter map.

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/roles.hpp"
#include "db/database.hpp"
#include "infra/events/event_bus.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/catalog/catalog_repository.hpp"
#include "modules/catalog/membership_reader.hpp"
#include "modules/catalog/model.hpp"
#include "modules/catalog/search_document.hpp"
#include "modules/notifications/notifier.hpp"

namespace emporium::catalog {

struct CategoryPatch {
  std::optional<std::string> name, slug, description;
  bool set_parent = false;
  std::optional<std::int64_t> parent_id;  ///< with set_parent: the new parent (nullopt: a root)
  std::optional<int> position;
};

struct ProductPatch {
  std::optional<std::string> name, slug, description, brand, status;
  std::optional<std::int64_t> category_id;
  std::optional<boost::json::object> attributes;
  std::optional<std::vector<ImageInput>> images;
  bool set_exclusive = false;
  std::optional<std::int64_t> exclusive_until;
};

struct VariantPatch {
  std::optional<std::string> sku;
  std::optional<boost::json::object> options;
  std::optional<Money> price;
  bool set_compare_at = false;
  std::optional<std::int64_t> compare_at_price;
  std::optional<std::int64_t> weight_grams;
  std::optional<std::string> barcode;
  std::optional<int> position;
  std::optional<std::int64_t> low_stock_threshold;
};

struct ProductFilter {
  std::optional<std::string> category;  ///< a category id or slug; its sub-categories are included
  std::optional<std::int64_t> min_price, max_price;
  bool in_stock_only = false;
  std::optional<int> min_rating;  ///< 1–5
  ProductSort sort = ProductSort::kNewest;
  std::optional<ListCursor> after;
  int limit = 20;
};

struct ProductPage {
  std::vector<ProductView> items;  ///< each with its images (no variants)
  std::optional<std::string> next_cursor;
};

struct InventoryPage {
  std::vector<InventoryItem> items;
  std::optional<std::string> next_cursor;
};

class CatalogService {
 public:
  CatalogService(db::Database& db, const core::Clock& clock, audit::AuditLog& audit, MembershipReader& members,
                 infra::EventBus* events);

  void SetSearchIndexer(SearchIndexer* indexer) { indexer_ = indexer; }
  void SetNotifier(notifications::Notifier* notifier) { notifier_ = notifier; }
  /// Called after every commit that changes what the public catalog shows (products, variants,
  /// categories, available stock), e.g. to drop cached pages. Not after view-counter flushes:
  /// popularity may lag. Wiring time only.
  void SetChangeListener(std::function<void()> listener) { on_change_ = std::move(listener); }

  Result<std::vector<Category>> Categories();
  Result<Category> CreateCategory(const CategoryInput& in, const Actor& actor);
  Result<Category> UpdateCategory(std::int64_t id, const CategoryPatch& patch, const Actor& actor);
  /// 409 while live sub-categories or products remain in it.
  Status DeleteCategory(std::int64_t id, const Actor& actor);

  Result<ProductPage> ListProducts(const ProductFilter& filter, const std::optional<Principal>& who);
  /// By id (all digits) or slug; drafts, archived and members-only products only for staff
  /// (members-only also for members). Counts a view.
  Result<ProductView> GetProduct(const std::string& id_or_slug, const std::optional<Principal>& who);
  Result<ProductView> CreateProduct(const ProductInput& in, const Actor& actor);
  /// Many products in one transaction (the seed command); returns their ids in input order.
  Result<std::vector<std::int64_t>> CreateProducts(const std::vector<ProductInput>& in, const Actor& actor);
  Result<ProductView> UpdateProduct(std::int64_t id, const ProductPatch& patch, const Actor& actor);
  Status DeleteProduct(std::int64_t id, const Actor& actor);

  Result<Variant> CreateVariant(std::int64_t product_id, const VariantInput& in, const Actor& actor);
  Result<Variant> UpdateVariant(std::int64_t product_id, std::int64_t variant_id, const VariantPatch& patch,
                                const Actor& actor);
  Status DeleteVariant(std::int64_t product_id, std::int64_t variant_id, const Actor& actor);

  /// Adds `delta` (≠ 0) to on-hand stock. kInsufficientStock when available stock would go below
  /// zero. Audited; publishes "admin.event" inventory.low_stock when available falls to or below
  /// the threshold.
  Result<Variant> AdjustStock(std::int64_t variant_id, std::int64_t delta, const std::string& reason,
                              const Actor& actor);
  Result<InventoryPage> ListInventory(bool low_only, std::optional<std::int64_t> after_variant_id, int limit);

  // Checkout stock moves, in the caller's transaction (see CatalogModule for the contracts).
  std::vector<SaleVariant> VariantsForSale(db::Tx& tx, const std::vector<std::int64_t>& variant_ids);
  Status ReserveStock(db::Tx& tx, const std::vector<StockLine>& lines);
  Status ReleaseStock(db::Tx& tx, const std::vector<StockLine>& lines);
  Status CommitStock(db::Tx& tx, const std::vector<StockLine>& lines);
  Status Restock(db::Tx& tx, const std::vector<StockLine>& lines, const std::string& reason, const Actor& actor);

  void RecordView(std::int64_t product_id);
  void RecordAddToCart(std::int64_t product_id);
  /// Writes the counters gathered so far in one transaction (and re-indexes the products whose
  /// popularity changed). On failure the counts are put back for the next flush.
  Status FlushCounters();

 private:
  bool CanSeeExclusive(const std::optional<Principal>& who, std::int64_t now) const;
  Status Audit(db::Tx& tx, const Actor& actor, std::string action, std::string type, std::int64_t id,
               boost::json::object details);
  Result<std::int64_t> InsertProduct(db::Tx& tx, const ProductInput& in, const Actor& actor,
                                     const std::map<std::int64_t, Category>& categories);
  /// `check_sku`: look the SKU up (one statement); InsertProduct checks all its SKUs at once instead.
  Status ValidateVariant(db::Tx& tx, const VariantInput& in, std::int64_t except_id, const std::string& currency,
                         const std::string& field, bool check_sku = true);
  /// Recomputes the product's price/stock columns and pushes its search document.
  Status Refresh(db::Tx& tx, std::int64_t product_id);
  /// After available stock moved by `available_delta_sign` × quantity on each line: publishes the
  /// low-stock admin event for lines that crossed their threshold and refreshes the product's
  /// in-stock flag (and search document) when a variant ran out or came back.
  /// `known`: the levels after the move, when the move returned them (else they are read).
  Status AfterStockMove(db::Tx& tx, const std::vector<StockLine>& lines, int available_delta_sign,
                        std::optional<std::vector<InventoryItem>> known = std::nullopt);
  Status LowStock(db::Tx& tx, std::int64_t variant_id, std::int64_t product_id, const std::string& sku,
                  std::int64_t available, std::int64_t threshold);
  /// Registers on_change_ to run after `tx` commits.
  void Changed(db::Tx& tx);
  Status Reindex(db::Tx& tx, std::int64_t product_id, const std::map<std::int64_t, Category>* categories = nullptr);
  std::optional<ProductView> LoadFull(db::Tx& tx, std::int64_t product_id);

  db::Database& db_;
  const core::Clock& clock_;
  audit::AuditLog& audit_;
  MembershipReader& members_;
  infra::EventBus* events_;
  SearchIndexer* indexer_ = nullptr;
  notifications::Notifier* notifier_ = nullptr;
  std::function<void()> on_change_;
  CatalogRepository repo_;
  std::mutex counters_mutex_;
  std::map<std::int64_t, CounterDelta> counters_;
};

/// The search document of a product (with its live variants and images loaded) given the category
/// table (id → category), for the category path and names.
SearchDocument BuildSearchDocument(const ProductView& p, const std::map<std::int64_t, Category>& categories);

}  // namespace emporium::catalog
