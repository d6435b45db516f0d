#include "modules/admin_feed/admin_feed_repository.hpp"

#include <soci/soci.h>

namespace emporium::admin_feed {

namespace {

// "Orders today" and "revenue today" are the same rows, the orders paid today, so that revenue /
// orders is the average order value: an order placed but never paid (declined card, abandoned
// 3-D Secure) is not a sale. Index-only on orders_paid_idx (paid_at, currency, total). Refunds are
// not subtracted (gross sales); they reach staff as their own admin.event.
constexpr const char* kPaidToday =
    "SELECT COUNT(*), COALESCE(SUM(total), 0) FROM orders "
    "WHERE paid_at >= :day_start AND paid_at <= :now AND currency = :currency";
// carts_updated_idx (updated_at) bounds the rows; the EXISTS probe is the cart_items unique key
// (user_id, variant_id) prefix. A cart emptied by checkout or by its owner keeps its row but has no
// items, so it is not "open".
constexpr const char* kOpenCarts =
    "SELECT COUNT(*) FROM carts c WHERE c.updated_at >= :since "
    "AND EXISTS (SELECT 1 FROM cart_items i WHERE i.user_id = c.user_id)";

}  // namespace

StoreFigures AdminFeedRepository::Figures(db::Tx& tx, const FiguresQuery& query) const {
  const long long day_start = query.day_start, now = query.now, since = query.carts_since;
  long long paid = 0, revenue = 0, open_carts = 0;
  tx.sql << kPaidToday, soci::use(day_start, "day_start"), soci::use(now, "now"),
      soci::use(query.currency, "currency"), soci::into(paid), soci::into(revenue);
  tx.sql << kOpenCarts, soci::use(since, "since"), soci::into(open_carts);
  return {paid, revenue, open_carts};
}

}  // namespace emporium::admin_feed
