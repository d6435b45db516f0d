#pragma once
// `emporium seed --demo --orders N`: an order history for the demo shop, spread over the last 18
// months (more orders in recent months), for analytics and the admin screens to have something to
// show. Every order goes through the shop's own routes, in process, with the clock set to the day it
// was placed: cart → POST /orders (simulated card; a few declines) → shipment → delivery by the demo
// courier, with some customer cancellations and some refunds. Stock, payments with processor fees,
// loyalty points, timelines and refunds are therefore exactly what the real flow records. Nobody is
// notified: these orders are history, so no e-mail or in-app notification is created for them.

#include <cstdint>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "db/database.hpp"

namespace emporium::app {

struct OrderSeedOptions {
  int orders = 0;
  std::uint64_t seed = 42;
  int months = 18;
  std::int64_t now = 0;  ///< the end of the history (Unix seconds); orders are placed before it
  int products = 0;      ///< demo products demo-1 .. demo-N to buy from
};

struct DemoCustomer {
  std::int64_t user_id = 0;
  std::int64_t address_id = 0;
};

struct OrderSeedReport {
  int placed = 0;     ///< orders created (paid or declined)
  int declined = 0;   ///< card declined at checkout
  int cancelled = 0;  ///< cancelled by the customer before shipment (refunded)
  int shipped = 0;    ///< still on their way at `now`
  int delivered = 0;  ///< delivered (refunded ones included)
  int refunded = 0;   ///< delivered, then refunded by staff
  std::int64_t first_at = 0, last_at = 0;
};

/// Places options.orders orders for `customers` (each with a saved address), shipped by `courier_id`
/// and handled by `staff_id` (a manager or admin). Deterministic in options.seed and options.now.
/// Fails on the first unexpected answer (anything but a decline or an out-of-stock line).
Result<OrderSeedReport> SeedDemoOrders(db::Database& db, const core::Config& config, const OrderSeedOptions& options,
                                       const std::vector<DemoCustomer>& customers, std::int64_t staff_id,
                                       std::int64_t courier_id);

}  // namespace emporium::app
