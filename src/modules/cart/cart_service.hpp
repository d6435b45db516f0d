#pragma once
// The cart's rules: what may be added (for sale, in stock, in the store currency, within the line
// limits), how the cart is priced for display (never failing on a stale discount code), and how it
// is priced for checkout (failing on anything an order could not honour).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/database.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/cart/cart_repository.hpp"
#include "modules/cart/checkout.hpp"
#include "modules/cart/model.hpp"
#include "modules/catalog/catalog_module.hpp"
#include "modules/catalog/model.hpp"
#include "modules/pricing/pricing_module.hpp"

namespace emporium::cart {

/// One cart item with the catalog's current view of its variant.
struct CartLine {
  CartItem item;
  std::optional<catalog::SaleVariant> variant;  ///< nullopt: the variant no longer exists at all
  bool for_sale = false;                         ///< see IsPurchasable

  /// The whole quantity is in stock right now.
  bool available() const { return variant && variant->available >= item.quantity; }
};

/// The cart as GET /cart shows it.
struct CartView {
  std::vector<CartLine> lines;
  std::optional<std::string> discount_code;
  std::optional<std::string> discount_code_error;  ///< why the saved code gives nothing right now
  pricing::Totals totals;                          ///< without destination: shipping 0
};

/// What POST /checkout/quote answers.
struct QuoteView {
  CheckoutQuote quote;
  std::int64_t loyalty_balance = 0;
};

class CartService {
 public:
  CartService(db::Database& db, const core::Clock& clock, catalog::CatalogModule& catalog,
              pricing::PricingModule& pricing, auth::AuthModule& auth);

  Result<CartView> View(std::int64_t user_id);
  /// Adds to the line of that variant (or a new line). 404 unknown variant; 422 not for sale, other
  /// currency, line or quantity limits; kInsufficientStock above the available stock.
  Result<CartView> AddItem(std::int64_t user_id, std::int64_t variant_id, std::int64_t quantity);
  /// 0 removes the line. 404 when the item is not in this user's cart. Raising the quantity is
  /// checked like an add; lowering it is always allowed.
  Result<CartView> SetQuantity(std::int64_t user_id, std::int64_t item_id, std::int64_t quantity);
  Status RemoveItem(std::int64_t user_id, std::int64_t item_id);
  /// Saves the code when it applies to the cart now; otherwise pricing's 422 and nothing changes.
  Result<CartView> ApplyDiscountCode(std::int64_t user_id, const std::string& code);
  Status RemoveDiscountCode(std::int64_t user_id);
  /// The checkout quote, in one read transaction, plus the customer's points balance.
  Result<QuoteView> Quote(std::int64_t user_id, const CheckoutOptions& options);

  Result<CheckoutQuote> Checkout(db::Tx& tx, std::int64_t user_id, const CheckoutOptions& options);
  Status Clear(db::Tx& tx, std::int64_t user_id);

 private:
  /// The cart's items joined with their variants (one statement, whatever the number of items).
  Result<std::vector<CartLine>> Lines(db::Tx& tx, const Cart& cart);
  /// Totals for the cart view: never fails because of the saved code (see `code_error`).
  Result<pricing::Totals> PriceForDisplay(db::Tx& tx, std::int64_t user_id, const std::vector<CartLine>& lines,
                                          const std::optional<std::string>& code,
                                          std::optional<std::string>& code_error);
  Result<CartView> BuildView(db::Tx& tx, std::int64_t user_id, const Cart& cart);
  Result<CartView> ViewAfterWrite(std::int64_t user_id, const Cart& cart);
  /// Every line priced for an order, or why the cart cannot be ordered as it is.
  Result<std::vector<pricing::PriceLine>> CheckoutLines(const std::vector<CartLine>& lines,
                                                        const std::string& currency) const;
  Result<ShipTo> Destination(db::Tx& tx, std::int64_t user_id, const CheckoutOptions& options);

  db::Database& db_;
  const core::Clock& clock_;
  catalog::CatalogModule& catalog_;
  pricing::PricingModule& pricing_;
  auth::AuthModule& auth_;
  CartRepository repo_;
};

/// The catalog sells it (active, not deleted) and it is not members-only at `now`. Memberships do
/// not exist yet (catalog::NoMemberships): until they do, nobody may buy a members-only product
/// before its exclusive_until, just as nobody but staff can see it.
bool IsPurchasable(const catalog::SaleVariant& v, std::int64_t now);

/// "Trail Runner (M, blue)": the product name and its option values, as order lines name a variant.
std::string LineName(const catalog::SaleVariant& v);

}  // namespace emporium::cart
