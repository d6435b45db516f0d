#pragma once
// The catalog and inventory module: categories (a tree), products with images and variants, stock
// per variant, batched view / add-to-cart counters. The only header other modules and the app
// include (with model.hpp, search_document.hpp and membership_reader.hpp for the value types).
//
//   catalog::NoMemberships members;
//   catalog::CatalogModule catalog(db, clock, audit, /*indexer=*/nullptr, members, &events);
//   catalog.RegisterRoutes(router);
//   catalog.StartCounterFlusher();          // serve only; the seed command does not need it

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/database.hpp"
#include "http/response_cache.hpp"
#include "http/router.hpp"
#include "infra/events/event_bus.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/catalog/membership_reader.hpp"
#include "modules/catalog/model.hpp"
#include "modules/catalog/search_document.hpp"
#include "modules/notifications/notifier.hpp"

namespace emporium::catalog {

class CatalogService;

class CatalogModule {
 public:
  /// `indexer` may be null (no search index) and can be set later with SetSearchIndexer; `events`
  /// may be null (low-stock events are then not published). Every reference must outlive the module.
  CatalogModule(db::Database& db, const core::Clock& clock, audit::AuditLog& audit, SearchIndexer* indexer,
                MembershipReader& members, infra::EventBus* events = nullptr);
  /// Stops the counter flusher and writes the counters gathered so far.
  ~CatalogModule();
  CatalogModule(const CatalogModule&) = delete;
  CatalogModule& operator=(const CatalogModule&) = delete;

  /// Wires the search index: every later product write calls it inside its transaction. Call at
  /// wiring time, before serving (not synchronised with requests).
  void SetSearchIndexer(SearchIndexer* indexer);
  /// Wires the notifier that tells managers and admins about low stock (in the stock-moving
  /// transaction); null = nobody is notified (the admin event is still published). Wiring time only.
  void SetNotifier(notifications::Notifier* notifier);
  /// Serves anonymous catalog reads from `cache` (null: none) and invalidates it after every commit
  /// that changes what they show, stock moves of checkout and refunds included. Share it with the
  /// search module. Call before RegisterRoutes.
  void SetResponseCache(http::ResponseCache* cache);

  /// GET /categories, GET /products, GET /products/{id or slug}, the admin category, product,
  /// variant and inventory routes (manager or admin).
  void RegisterRoutes(http::Router& router);

  /// Creates a category (slug made from the name when absent; 409 when the slug is taken; 422 for
  /// an unknown parent). Audited when the actor is a user.
  Result<std::int64_t> CreateCategory(const CategoryInput& in, const Actor& actor = Actor::System());
  /// Creates a product with its images, variants and initial stock in one transaction and returns
  /// it as GET /products/{id} does. 422 for an unknown category, bad slug, price or currency, more
  /// than 100 variants; 409 for a taken slug or SKU.
  Result<ProductView> CreateProduct(const ProductInput& in, const Actor& actor = Actor::System());
  /// Many products in ONE transaction (the seed: thousands per call); ids in input order. Any
  /// failure rolls the whole batch back.
  Result<std::vector<std::int64_t>> CreateProducts(const std::vector<ProductInput>& in,
                                                   const Actor& actor = Actor::System());
  /// Adds `delta` to a variant's on-hand stock (409 insufficient_stock below zero).
  Result<Variant> AdjustStock(std::int64_t variant_id, std::int64_t delta, const std::string& reason,
                              const Actor& actor = Actor::System());
  /// A product as the public detail route returns it (for other modules and tests; counts a view).
  Result<ProductView> GetProduct(const std::string& id_or_slug, const std::optional<Principal>& who = std::nullopt);

  // ---- Stock for checkout: every call runs in the caller's transaction (the order's). ----

  /// The variants with these ids that exist (deleted ones included, with for_sale = false), in any
  /// order. One statement.
  Result<std::vector<SaleVariant>> VariantsForSale(db::Tx& tx, const std::vector<std::int64_t>& variant_ids);
  /// Reserves every line or none, each with a conditional update that can never take available
  /// stock below zero (no read-then-write race). kInsufficientStock naming the SKU when one line
  /// cannot be reserved (the caller's transaction must then roll back). Publishes the low-stock
  /// admin event after commit for lines that crossed their threshold.
  Status ReserveStock(db::Tx& tx, const std::vector<StockLine>& lines);
  /// Gives reserved units back (payment failed or expired, order cancelled before shipment).
  Status ReleaseStock(db::Tx& tx, const std::vector<StockLine>& lines);
  /// The reservation becomes a sale: on hand and reserved both drop by the quantity.
  Status CommitStock(db::Tx& tx, const std::vector<StockLine>& lines);
  /// Sold units come back to stock (a refund with restocking): on hand grows, with an adjustment
  /// row per line (reason, actor).
  Status Restock(db::Tx& tx, const std::vector<StockLine>& lines, const std::string& reason, const Actor& actor);

  /// Counted in memory; written by FlushCounters (no SQL on the caller's path). Thread-safe.
  void RecordAddToCart(std::int64_t product_id);
  /// Writes the gathered view / add-to-cart counts in one transaction (+ product popularity).
  Status FlushCounters();
  /// Flushes every `interval` on a background thread until destruction.
  void StartCounterFlusher(std::chrono::milliseconds interval = std::chrono::seconds(5));

 private:
  void StopCounterFlusher();

  std::unique_ptr<CatalogService> service_;
  http::ResponseCache* cache_ = nullptr;
  std::mutex flusher_mutex_;
  std::condition_variable flusher_cv_;
  bool stopping_ = false;
  std::thread flusher_;
};

}  // namespace emporium::catalog
