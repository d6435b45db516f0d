#pragma once
// SQL of the live admin feed. The feed is a read model over the orders and carts tables (like the
// analytics reports): it only reads, and every query is an index range over today's or the last
// 24 hours' rows (V014: orders_paid_idx, carts_updated_idx), so a tick
// costs the same whether the shop has a thousand orders or ten million.

#include <cstdint>
#include <string>

#include "db/database.hpp"

namespace emporium::admin_feed {

struct StoreFigures {
  std::int64_t orders_paid = 0;  ///< orders paid in [day_start, now] in the store currency
  std::int64_t revenue = 0;      ///< the sum of their totals, minor units
  std::int64_t open_carts = 0;     ///< carts holding items, touched at or after carts_since
};

struct FiguresQuery {
  std::int64_t day_start = 0;    ///< UTC seconds of the store day's start (inclusive)
  std::int64_t now = 0;          ///< UTC seconds (inclusive end of "today")
  std::int64_t carts_since = 0;  ///< UTC seconds
  std::string currency;          ///< the store currency: revenue sums orders in this currency only
};

class AdminFeedRepository {
 public:
  /// Two indexed reads in the caller's transaction (use one Read so the figures agree).
  StoreFigures Figures(db::Tx& tx, const FiguresQuery& query) const;
};

}  // namespace emporium::admin_feed
