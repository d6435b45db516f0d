#include "modules/catalog/catalog_module.hpp"

#include "core/log.hpp"
#include "core/thread.hpp"
#include "modules/catalog/catalog_controller.hpp"
#include "modules/catalog/catalog_service.hpp"

namespace emporium::catalog {

CatalogModule::CatalogModule(db::Database& db, const core::Clock& clock, audit::AuditLog& audit,
                             SearchIndexer* indexer, MembershipReader& members, infra::EventBus* events)
    : service_(std::make_unique<CatalogService>(db, clock, audit, members, events)) {
  service_->SetSearchIndexer(indexer);
}

CatalogModule::~CatalogModule() {
  StopCounterFlusher();
  if (auto st = service_->FlushCounters(); !st) {
    core::Logger("catalog")->warn("{{\"msg\":\"product counters lost at shutdown\",\"error\":\"{}\"}}",
                                  core::JsonEscape(st.error().message));
  }
}

void CatalogModule::SetSearchIndexer(SearchIndexer* indexer) { service_->SetSearchIndexer(indexer); }

void CatalogModule::SetNotifier(notifications::Notifier* notifier) { service_->SetNotifier(notifier); }

void CatalogModule::SetResponseCache(http::ResponseCache* cache) {
  cache_ = cache;
  if (cache) {
    service_->SetChangeListener([cache] { cache->Invalidate(); });
  } else {
    service_->SetChangeListener(nullptr);
  }
}

void CatalogModule::RegisterRoutes(http::Router& router) { RegisterCatalogRoutes(router, *service_, cache_); }

Result<std::int64_t> CatalogModule::CreateCategory(const CategoryInput& in, const Actor& actor) {
  EMP_ASSIGN(auto c, service_->CreateCategory(in, actor));
  return c.id;
}

Result<ProductView> CatalogModule::CreateProduct(const ProductInput& in, const Actor& actor) {
  return service_->CreateProduct(in, actor);
}

Result<std::vector<std::int64_t>> CatalogModule::CreateProducts(const std::vector<ProductInput>& in,
                                                                const Actor& actor) {
  return service_->CreateProducts(in, actor);
}

Result<Variant> CatalogModule::AdjustStock(std::int64_t variant_id, std::int64_t delta, const std::string& reason,
                                           const Actor& actor) {
  return service_->AdjustStock(variant_id, delta, reason, actor);
}

Result<ProductView> CatalogModule::GetProduct(const std::string& id_or_slug, const std::optional<Principal>& who) {
  return service_->GetProduct(id_or_slug, who);
}

Result<std::vector<SaleVariant>> CatalogModule::VariantsForSale(db::Tx& tx,
                                                                const std::vector<std::int64_t>& variant_ids) {
  return service_->VariantsForSale(tx, variant_ids);
}
Status CatalogModule::ReserveStock(db::Tx& tx, const std::vector<StockLine>& lines) {
  return service_->ReserveStock(tx, lines);
}
Status CatalogModule::ReleaseStock(db::Tx& tx, const std::vector<StockLine>& lines) {
  return service_->ReleaseStock(tx, lines);
}
Status CatalogModule::CommitStock(db::Tx& tx, const std::vector<StockLine>& lines) {
  return service_->CommitStock(tx, lines);
}
Status CatalogModule::Restock(db::Tx& tx, const std::vector<StockLine>& lines, const std::string& reason,
                             const Actor& actor) {
  return service_->Restock(tx, lines, reason, actor);
}

void CatalogModule::RecordAddToCart(std::int64_t product_id) { service_->RecordAddToCart(product_id); }

Status CatalogModule::FlushCounters() { return service_->FlushCounters(); }

void CatalogModule::StartCounterFlusher(std::chrono::milliseconds interval) {
  std::lock_guard lock(flusher_mutex_);
  if (flusher_.joinable()) return;
  stopping_ = false;
  flusher_ = std::thread([this, interval] {
    core::NameThisThread("view-counters");
    std::unique_lock lock(flusher_mutex_);
    while (!stopping_) {
      flusher_cv_.wait_for(lock, interval, [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      if (auto st = service_->FlushCounters(); !st) {
        core::Logger("catalog")->warn("{{\"msg\":\"product counters flush failed\",\"error\":\"{}\"}}",
                                      core::JsonEscape(st.error().message));
      }
      lock.lock();
    }
  });
}

void CatalogModule::StopCounterFlusher() {
  {
    std::lock_guard lock(flusher_mutex_);
    stopping_ = true;
  }
  flusher_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
}

}  // namespace emporium::catalog
