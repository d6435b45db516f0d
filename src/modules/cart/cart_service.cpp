#include "modules/cart/cart_service.hpp"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "core/json_text.hpp"
#include "modules/cart/cart_module.hpp"

namespace emporium::cart {

namespace {

Error ItemNotFound() { return Error::NotFound("The cart item does not exist."); }

Error InsufficientStock(const catalog::SaleVariant& v, std::int64_t requested, std::string field) {
  Error e{ErrorCode::kInsufficientStock, "Only " + std::to_string(std::max<std::int64_t>(0, v.available)) + " of " +
                                             v.sku + " available; " + std::to_string(requested) + " requested."};
  e.field = std::move(field);
  return e;
}

/// The message of a pricing error about the discount code, or nullopt for any other error.
std::optional<std::string> DiscountCodeProblem(const Error& e) {
  if (e.code != ErrorCode::kInvalidArgument) return std::nullopt;
  for (const auto& f : e.fields) {
    if (f.field == "discount_code") return f.message;
  }
  if (e.field == "discount_code") return e.message;
  return std::nullopt;
}

pricing::PriceLine ToPriceLine(const CartLine& line) {
  const auto& v = *line.variant;
  return pricing::PriceLine{.variant_id = v.variant_id,
                            .product_id = v.product_id,
                            .sku = v.sku,
                            .name = LineName(v),
                            .unit_price = v.price,
                            .quantity = line.item.quantity,
                            .weight_grams = v.weight_grams};
}

/// The lines the cart view can price: for sale and in the store currency. The others are shown with
/// for_sale = false and left out of the totals, so one withdrawn product does not hide the rest.
std::vector<pricing::PriceLine> DisplayLines(const std::vector<CartLine>& lines, const std::string& currency) {
  std::vector<pricing::PriceLine> out;
  for (const auto& line : lines) {
    if (line.for_sale && line.variant->currency == currency) out.push_back(ToPriceLine(line));
  }
  return out;
}

ShipTo ToShipTo(const auth::Address& a) {
  return ShipTo{.name = a.name,
                .line1 = a.line1,
                .line2 = a.line2,
                .city = a.city,
                .postal_code = a.postal_code,
                .country = a.country,
                .phone = a.phone,
                .lat = a.lat,
                .lng = a.lng};
}

}  // namespace

bool IsPurchasable(const catalog::SaleVariant& v, std::int64_t now) {
  return v.for_sale && !(v.exclusive_until && *v.exclusive_until > now);
}

std::string LineName(const catalog::SaleVariant& v) {
  std::string values;
  for (const auto& [key, value] : v.options) {
    if (!values.empty()) values += ", ";
    values += value.is_string() ? std::string(value.as_string()) : core::JsonText(value);
  }
  return values.empty() ? v.product_name : v.product_name + " (" + values + ")";
}

CartService::CartService(db::Database& db, const core::Clock& clock, catalog::CatalogModule& catalog,
                         pricing::PricingModule& pricing, auth::AuthModule& auth)
    : db_(db), clock_(clock), catalog_(catalog), pricing_(pricing), auth_(auth) {}

Result<std::vector<CartLine>> CartService::Lines(db::Tx& tx, const Cart& cart) {
  std::vector<CartLine> lines;
  if (cart.items.empty()) return lines;
  std::vector<std::int64_t> ids;
  ids.reserve(cart.items.size());
  for (const auto& item : cart.items) ids.push_back(item.variant_id);
  EMP_ASSIGN(auto variants, catalog_.VariantsForSale(tx, ids));
  std::unordered_map<std::int64_t, catalog::SaleVariant> by_id;
  for (auto& v : variants) by_id.emplace(v.variant_id, std::move(v));
  const auto now = clock_.NowSeconds();
  lines.reserve(cart.items.size());
  for (const auto& item : cart.items) {
    CartLine line{.item = item};
    if (auto it = by_id.find(item.variant_id); it != by_id.end()) {
      line.for_sale = IsPurchasable(it->second, now);
      line.variant = std::move(it->second);
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

Result<pricing::Totals> CartService::PriceForDisplay(db::Tx& tx, std::int64_t user_id,
                                                     const std::vector<CartLine>& lines,
                                                     const std::optional<std::string>& code,
                                                     std::optional<std::string>& code_error) {
  pricing::PricingRequest request{.user_id = user_id, .currency = pricing_.Currency()};
  request.lines = DisplayLines(lines, request.currency);
  if (request.lines.empty()) return pricing::Totals{.currency = request.currency};
  request.discount_code = code;
  auto totals = pricing_.Quote(tx, request);
  if (totals || !code) return totals;
  // A code that stopped applying (expired, used up, subtotal now too low) must not hide the cart:
  // show the totals without it and say why.
  code_error = DiscountCodeProblem(totals.error());
  if (!code_error) return totals;
  request.discount_code.reset();
  return pricing_.Quote(tx, request);
}

Result<CartView> CartService::BuildView(db::Tx& tx, std::int64_t user_id, const Cart& cart) {
  CartView view{.discount_code = cart.discount_code};
  EMP_ASSIGN(view.lines, Lines(tx, cart));
  EMP_ASSIGN(view.totals, PriceForDisplay(tx, user_id, view.lines, cart.discount_code, view.discount_code_error));
  return view;
}

Result<CartView> CartService::ViewAfterWrite(std::int64_t user_id, const Cart& cart) {
  // Prices, stock and totals are reads: they run after the write commits, on a snapshot of their
  // own, so that SQLite's single writer is held only for the change itself (about half the time of
  // an add to cart). The lines are the ones the write left; prices and stock are read as of now.
  return db_.Read([&](db::Tx& tx) { return BuildView(tx, user_id, cart); });
}

Result<CartView> CartService::View(std::int64_t user_id) {
  return db_.Read([&](db::Tx& tx) { return BuildView(tx, user_id, repo_.Load(tx, user_id)); });
}

namespace {

/// `cart` with `quantity` more of `variant_id`: added to its line, or a new line at the end.
Cart WithAdded(Cart cart, std::int64_t variant_id, std::int64_t quantity, std::int64_t now) {
  auto line =
      std::find_if(cart.items.begin(), cart.items.end(), [&](const CartItem& i) { return i.variant_id == variant_id; });
  if (line != cart.items.end()) {
    line->quantity += quantity;
  } else {
    cart.items.push_back(CartItem{.variant_id = variant_id, .quantity = quantity, .added_at = now});
  }
  return cart;
}

/// The same lines, in the same order, and the same discount code (item ids aside).
bool SameContents(const Cart& a, const Cart& b) {
  return a.discount_code == b.discount_code && std::equal(a.items.begin(), a.items.end(), b.items.begin(),
                                                          b.items.end(), [](const CartItem& x, const CartItem& y) {
                                                            return x.variant_id == y.variant_id &&
                                                                   x.quantity == y.quantity;
                                                          });
}

}  // namespace

Result<CartView> CartService::AddItem(std::int64_t user_id, std::int64_t variant_id, std::int64_t quantity) {
  // One read snapshot before the write checks the variant and prices the cart as the add should
  // leave it; the write then holds SQLite's single writer only for the cart's own rows (what a cart
  // holds is advice: stock is reserved at checkout, in the order's transaction). The write trusts
  // nothing of the snapshot but the variant: it reads the cart again, and the priced view is
  // answered only if the write left the very lines that were priced. If another request of the same
  // customer changed the cart in between, or the pricing failed, the cart is priced again after the
  // write, as it is after every other change.
  struct Before {
    catalog::SaleVariant variant;
    Cart expected;                 ///< the cart the add should leave
    std::optional<CartView> view;  ///< `expected`, priced
  };
  EMP_ASSIGN(auto before, db_.Read([&](db::Tx& tx) -> Result<Before> {
    const Cart cart = repo_.Load(tx, user_id);
    Cart expected = WithAdded(cart, variant_id, quantity, clock_.NowSeconds());
    EMP_ASSIGN(auto lines, Lines(tx, expected));
    const auto added =
        std::find_if(lines.begin(), lines.end(), [&](const CartLine& l) { return l.item.variant_id == variant_id; });
    if (!added->variant) return Error::NotFound("The variant does not exist.");
    if (!added->for_sale) return Error::Invalid("variant_id", "is not for sale");
    const auto& v = *added->variant;
    if (const auto currency = pricing_.Currency(); v.currency != currency) {
      return Error::Invalid("variant_id", "is priced in " + v.currency + ", not in the store currency " + currency);
    }
    Before out{.variant = v, .expected = std::move(expected)};
    CartView view{.discount_code = cart.discount_code};
    auto totals = PriceForDisplay(tx, user_id, lines, cart.discount_code, view.discount_code_error);
    if (totals) {
      view.lines = std::move(lines);
      view.totals = std::move(totals).value();
      out.view = std::move(view);
    }
    return out;
  }));
  const auto& v = before.variant;
  EMP_ASSIGN(Cart cart, db_.Write([&](db::Tx& tx) -> Result<Cart> {
    const auto now = clock_.NowSeconds();
    repo_.Touch(tx, user_id, now);
    Cart cart = repo_.Load(tx, user_id);
    auto existing = std::find_if(cart.items.begin(), cart.items.end(),
                                 [&](const CartItem& i) { return i.variant_id == variant_id; });
    const bool merge = existing != cart.items.end();
    if (!merge && cart.items.size() >= static_cast<std::size_t>(kMaxCartLines)) {
      return Error::Invalid("variant_id", "a cart holds at most " + std::to_string(kMaxCartLines) + " lines");
    }
    const auto total = quantity + (merge ? existing->quantity : 0);
    if (total > kMaxLineQuantity) {
      return Error::Invalid("quantity", "a cart holds at most " + std::to_string(kMaxLineQuantity) + " of one variant");
    }
    if (total > v.available) return InsufficientStock(v, total, "quantity");

    if (merge) {
      repo_.SetQuantity(tx, user_id, existing->id, total);
      existing->quantity = total;
    } else {
      const auto id = repo_.InsertItem(tx, user_id, variant_id, total, now);
      cart.items.push_back(CartItem{.id = id, .variant_id = variant_id, .quantity = total, .added_at = now});
    }
    // Counted only once the add is committed (the counter is in memory, outside the transaction).
    tx.AfterCommit([this, product_id = v.product_id] { catalog_.RecordAddToCart(product_id); });
    return cart;
  }));
  if (!before.view || !SameContents(cart, before.expected)) {
    return ViewAfterWrite(user_id, cart);
  }
  // The lines priced before the write, with the ids and times the write gave them.
  CartView view = std::move(*before.view);
  for (std::size_t i = 0; i < view.lines.size(); ++i) view.lines[i].item = cart.items[i];
  return view;
}

Result<CartView> CartService::SetQuantity(std::int64_t user_id, std::int64_t item_id, std::int64_t quantity) {
  EMP_ASSIGN(Cart cart, db_.Write([&](db::Tx& tx) -> Result<Cart> {
    repo_.Touch(tx, user_id, clock_.NowSeconds());
    Cart cart = repo_.Load(tx, user_id);
    auto it = std::find_if(cart.items.begin(), cart.items.end(), [&](const CartItem& i) { return i.id == item_id; });
    if (it == cart.items.end()) return ItemNotFound();

    if (quantity == 0) {
      repo_.DeleteItem(tx, user_id, item_id);
      cart.items.erase(it);
      return cart;
    }
    // Lowering a quantity never makes the cart less feasible, so only a raise is checked.
    if (quantity > it->quantity) {
      EMP_ASSIGN(const auto variants, catalog_.VariantsForSale(tx, {it->variant_id}));
      if (variants.empty() || !IsPurchasable(variants.front(), clock_.NowSeconds())) {
        return Error::Invalid("quantity", "the product is not for sale");
      }
      if (quantity > variants.front().available) return InsufficientStock(variants.front(), quantity, "quantity");
    }
    repo_.SetQuantity(tx, user_id, item_id, quantity);
    it->quantity = quantity;
    return cart;
  }));
  return ViewAfterWrite(user_id, cart);
}

Status CartService::RemoveItem(std::int64_t user_id, std::int64_t item_id) {
  return db_.Write([&](db::Tx& tx) -> Status {
    if (!repo_.DeleteItem(tx, user_id, item_id)) return ItemNotFound();
    repo_.Touch(tx, user_id, clock_.NowSeconds());
    return OkStatus();
  });
}

Result<CartView> CartService::ApplyDiscountCode(std::int64_t user_id, const std::string& code) {
  return db_.Write([&](db::Tx& tx) -> Result<CartView> {
    repo_.Touch(tx, user_id, clock_.NowSeconds());
    Cart cart = repo_.Load(tx, user_id);
    CartView view{.discount_code = code};
    EMP_ASSIGN(view.lines, Lines(tx, cart));
    pricing::PricingRequest request{.user_id = user_id, .currency = pricing_.Currency()};
    request.lines = DisplayLines(view.lines, request.currency);
    if (request.lines.empty()) return Error::Invalid("items", "add items to the cart before a discount code");
    request.discount_code = code;
    // Strict here, unlike the view: the customer is typing the code and needs to know it fails.
    EMP_ASSIGN(view.totals, pricing_.Quote(tx, request));
    repo_.SetDiscountCode(tx, user_id, code);
    return view;
  });
}

Status CartService::RemoveDiscountCode(std::int64_t user_id) {
  return db_.Write([&](db::Tx& tx) -> Status {
    repo_.SetDiscountCode(tx, user_id, std::nullopt);
    return OkStatus();
  });
}

Result<QuoteView> CartService::Quote(std::int64_t user_id, const CheckoutOptions& options) {
  return db_.Read([&](db::Tx& tx) -> Result<QuoteView> {
    QuoteView out;
    EMP_ASSIGN(out.quote, Checkout(tx, user_id, options));
    EMP_ASSIGN(out.loyalty_balance, pricing_.LoyaltyBalance(tx, user_id));
    return out;
  });
}

Result<std::vector<pricing::PriceLine>> CartService::CheckoutLines(const std::vector<CartLine>& lines,
                                                                   const std::string& currency) const {
  std::vector<pricing::PriceLine> out;
  out.reserve(lines.size());
  for (const auto& line : lines) {
    if (!line.for_sale) {
      const auto name = line.variant ? LineName(*line.variant) : "variant " + std::to_string(line.item.variant_id);
      return Error::Invalid("items", name + " is no longer for sale; remove it from the cart");
    }
    if (line.variant->currency != currency) {
      return Error::Invalid("items", LineName(*line.variant) + " is priced in " + line.variant->currency +
                                         ", not in the store currency " + currency);
    }
    if (!line.available()) return InsufficientStock(*line.variant, line.item.quantity, "items");
    out.push_back(ToPriceLine(line));
  }
  return out;
}

Result<ShipTo> CartService::Destination(db::Tx& tx, std::int64_t user_id, const CheckoutOptions& options) {
  if (options.address) return *options.address;
  if (!options.address_id) return Error::Invalid("address_id", "address_id or address is required");
  auto address = auth_.FindAddress(tx, user_id, *options.address_id);
  if (!address) {
    if (address.error().code == ErrorCode::kNotFound) return Error::Invalid("address_id", "no such saved address");
    return std::move(address).error();
  }
  return ToShipTo(*address);
}

Result<CheckoutQuote> CartService::Checkout(db::Tx& tx, std::int64_t user_id, const CheckoutOptions& options) {
  const Cart cart = repo_.Load(tx, user_id);
  if (cart.items.empty()) return Error::Invalid("items", "the cart is empty");
  EMP_ASSIGN(const auto lines, Lines(tx, cart));

  CheckoutQuote out;
  out.request = pricing::PricingRequest{.user_id = user_id,
                                        .currency = pricing_.Currency(),
                                        .method = options.shipping_method,
                                        .safe_shipping = options.safe_shipping,
                                        .discount_code = cart.discount_code,
                                        .loyalty_points = options.loyalty_points};
  EMP_ASSIGN(out.request.lines, CheckoutLines(lines, out.request.currency));
  EMP_ASSIGN(out.ship_to, Destination(tx, user_id, options));
  out.request.country = out.ship_to.country;
  EMP_ASSIGN(out.totals, pricing_.Quote(tx, out.request));
  return out;
}

Status CartService::Clear(db::Tx& tx, std::int64_t user_id) {
  repo_.Clear(tx, user_id);
  return OkStatus();
}

}  // namespace emporium::cart
