#include "modules/orders/orders_module.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/log.hpp"
#include "core/thread.hpp"
#include "modules/orders/orders_controller.hpp"
#include "modules/orders/orders_service.hpp"

namespace emporium::orders {

namespace {

/// Hands payment facts to the service (PaymentsModule calls it inside the event's transaction).
class OrderPaymentSink final : public payments::PaymentEventSink {
 public:
  explicit OrderPaymentSink(OrdersService& service) : service_(service) {}
  Status OnPaymentEvent(db::Tx& tx, const payments::PaymentEvent& event) override {
    return service_.OnPaymentEvent(tx, event);
  }

 private:
  OrdersService& service_;
};

}  // namespace

struct OrdersModule::Impl {
  Impl(db::Database& db, const core::Config& config, const core::Clock& clock, catalog::CatalogModule& catalog,
       cart::CartModule& cart, pricing::PricingModule& pricing, payments::PaymentsModule& payments,
       auth::AuthModule& auth, audit::AuditLog& audit, notifications::Notifier& notifier, infra::EventBus* events)
      : service(db, config, clock, catalog, cart, pricing, payments, auth, audit, notifier, events), sink(service) {}

  void StopSweeper() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    cv.notify_all();
    if (sweeper.joinable()) sweeper.join();
  }

  OrdersService service;
  OrderPaymentSink sink;
  std::mutex mutex;
  std::condition_variable cv;
  bool stopping = false;
  std::thread sweeper;
};

OrdersModule::OrdersModule(db::Database& db, const core::Config& config, const core::Clock& clock,
                           catalog::CatalogModule& catalog, cart::CartModule& cart, pricing::PricingModule& pricing,
                           payments::PaymentsModule& payments, auth::AuthModule& auth, audit::AuditLog& audit,
                           notifications::Notifier& notifier, infra::EventBus* events)
    : impl_(std::make_unique<Impl>(db, config, clock, catalog, cart, pricing, payments, auth, audit, notifier, events)) {}

OrdersModule::~OrdersModule() { impl_->StopSweeper(); }

void OrdersModule::RegisterRoutes(http::Router& router) { RegisterOrderRoutes(router, impl_->service); }

payments::PaymentEventSink& OrdersModule::payment_sink() { return impl_->sink; }

Result<Order> OrdersModule::Get(db::Tx& tx, std::int64_t order_id) { return impl_->service.Get(tx, order_id); }

Result<Order> OrdersModule::GetOwned(db::Tx& tx, std::int64_t order_id, std::int64_t user_id) {
  auto order = impl_->service.Get(tx, order_id);
  if (order && order->user_id != user_id) return Error::NotFound("The order does not exist.");
  return order;
}

Result<Order> OrdersModule::Transition(db::Tx& tx, std::int64_t order_id, OrderStatus to, const catalog::Actor& actor,
                                       const std::string& note) {
  return impl_->service.Transition(tx, order_id, to, actor, note);
}

Status OrdersModule::SetCourier(db::Tx& tx, std::int64_t order_id, std::int64_t courier_id) {
  return impl_->service.SetCourier(tx, order_id, courier_id);
}

Result<std::vector<OrderEvent>> OrdersModule::Timeline(db::Tx& tx, std::int64_t order_id) {
  return impl_->service.Timeline(tx, order_id);
}

Result<int> OrdersModule::ExpireReservations() { return impl_->service.ExpireReservations(); }

void OrdersModule::StartSweeper(std::chrono::milliseconds interval) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->sweeper.joinable()) return;
  impl_->stopping = false;
  impl_->sweeper = std::thread([impl = impl_.get(), interval] {
    core::NameThisThread("order-sweeper");
    std::unique_lock lock(impl->mutex);
    while (!impl->stopping) {
      impl->cv.wait_for(lock, interval, [impl] { return impl->stopping; });
      if (impl->stopping) break;
      lock.unlock();
      if (auto expired = impl->service.ExpireReservations(); !expired) {
        core::Logger("orders")->warn(R"({{"msg":"reservation sweep failed","error":"{}"}})",
                                     core::JsonEscape(expired.error().message));
      }
      lock.lock();
    }
  });
}

}  // namespace emporium::orders
