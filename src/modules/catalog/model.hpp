#pragma once
// Catalog value types shared by the module's facade, its callers (seed, cart) and its tests, plus the
// pure helpers the controllers rely on (slugs, money, list cursors), which are unit-tested.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/roles.hpp"

namespace emporium::catalog {

inline constexpr int kMaxVariantsPerProduct = 100;
inline constexpr std::int64_t kDefaultLowStockThreshold = 5;

/// Who performs a write. A staff request is audited (with its IP and request id); a system write
/// (the seed command, jobs) has no user id and is not audited.
struct Actor {
  std::optional<std::int64_t> user_id;
  std::optional<Role> role;
  std::string ip;
  std::string request_id;
  static Actor System() { return {}; }
};

struct CategoryInput {
  std::string name;
  std::optional<std::string> slug;  ///< made from the name when absent
  std::optional<std::int64_t> parent_id;
  std::string description;
  int position = 0;
};

struct Category {
  std::int64_t id = 0;
  std::optional<std::int64_t> parent_id;
  std::string name;
  std::string slug;
  std::string description;
  int position = 0;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct ImageInput {
  std::string url;
  std::string alt;
};

struct VariantInput {
  std::string sku;
  boost::json::object options;  ///< e.g. {"size": "M", "colour": "blue"}
  std::int64_t price = 0;       ///< minor units, > 0
  std::optional<std::int64_t> compare_at_price;
  std::string currency;         ///< ISO 4217, three upper-case letters
  std::int64_t weight_grams = 0;
  std::string barcode;
  std::int64_t stock = 0;       ///< initial on-hand quantity
  std::int64_t low_stock_threshold = kDefaultLowStockThreshold;
};

struct ProductInput {
  std::string name;
  std::optional<std::string> slug;  ///< made from the name when absent
  std::string description;
  std::int64_t category_id = 0;
  std::string brand;
  std::string status = "active";    ///< draft | active | archived
  boost::json::object attributes;
  std::vector<ImageInput> images;
  std::optional<std::int64_t> exclusive_until;
  std::vector<VariantInput> variants;  ///< at most kMaxVariantsPerProduct
};

struct Image {
  std::int64_t id = 0;
  std::int64_t product_id = 0;
  std::string url;
  std::string alt;
  int position = 0;
};

struct Variant {
  std::int64_t id = 0;
  std::int64_t product_id = 0;
  std::string sku;
  boost::json::object options;
  std::int64_t price = 0;
  std::optional<std::int64_t> compare_at_price;
  std::string currency;
  std::int64_t weight_grams = 0;
  std::string barcode;
  int position = 0;
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  std::int64_t low_stock_threshold = kDefaultLowStockThreshold;

  std::int64_t available() const { return on_hand - reserved; }
  /// "out_of_stock" (nothing available), "low_stock" (at or below the threshold) or "in_stock".
  std::string_view stock_status() const;
};

struct ProductView {
  std::int64_t id = 0;
  std::int64_t category_id = 0;
  std::string name;
  std::string slug;
  std::string description;
  std::string brand;
  boost::json::object attributes;
  std::string status;
  std::optional<std::int64_t> exclusive_until;
  std::int64_t min_price = 0;
  std::int64_t max_price = 0;
  std::string currency;
  bool in_stock = false;
  std::int32_t rating_x100 = 0;
  std::int32_t rating_count = 0;
  std::int64_t popularity = 0;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::vector<Variant> variants;  ///< live variants, by position (detail only)
  std::vector<Image> images;      ///< by position (the list carries the first one only)
};

/// One stock level, for the admin inventory list.
struct InventoryItem {
  std::int64_t variant_id = 0;
  std::int64_t product_id = 0;
  std::string sku;
  std::string product_name;
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  std::int64_t low_stock_threshold = 0;
};

/// A quantity of one variant, for the stock operations of checkout.
struct StockLine {
  std::int64_t variant_id = 0;
  std::int64_t quantity = 0;  ///< > 0
};

/// A variant as the cart and checkout see it (one statement for any number of variants).
struct SaleVariant {
  std::int64_t variant_id = 0;
  std::int64_t product_id = 0;
  std::string sku;
  std::string product_name;
  std::string product_slug;
  boost::json::object options;
  std::int64_t price = 0;
  std::optional<std::int64_t> compare_at_price;
  std::string currency;
  std::int64_t weight_grams = 0;
  std::int64_t available = 0;  ///< on hand − reserved
  std::string image_url;       ///< the product's first image, or empty
  std::optional<std::int64_t> exclusive_until;
  /// The product is active and neither it nor the variant is deleted. (Members-only products are
  /// for the caller to check against exclusive_until.)
  bool for_sale = false;
};

enum class ProductSort { kNewest, kPriceAsc, kPriceDesc, kRating, kPopular };

/// "newest" | "price_asc" | "price_desc" | "rating" | "popular"; nullopt for anything else.
std::optional<ProductSort> ParseProductSort(std::string_view s);
std::string_view ProductSortName(ProductSort s);

/// Where a keyset page ends: the sort it belongs to, the sort key of the last item and its id.
struct ListCursor {
  ProductSort sort = ProductSort::kNewest;
  std::int64_t key = 0;
  std::int64_t id = 0;
  bool operator==(const ListCursor&) const = default;
};

/// An opaque, URL-safe token for a ListCursor.
std::string EncodeListCursor(const ListCursor& cursor);
/// The cursor inside a token made by EncodeListCursor; nullopt for anything else (→ 422).
std::optional<ListCursor> DecodeListCursor(std::string_view token);

/// A URL slug from free text: ASCII letters and digits lower-cased, every other run of characters
/// (spaces, punctuation, non-ASCII) becomes one '-', no leading/trailing '-', at most 120
/// characters (cut at a '-' when possible). Empty when the text has no ASCII letter or digit.
std::string Slugify(std::string_view text);
/// True for 1–120 characters of [a-z0-9] in '-'-separated groups ("blue-shirt-2").
bool IsValidSlug(std::string_view slug);
/// True for three upper-case ASCII letters ("EUR").
bool IsValidCurrency(std::string_view currency);

/// {"amount": 1999, "currency": "EUR"}.
boost::json::object MoneyJson(std::int64_t amount, std::string_view currency);

struct Money {
  std::int64_t amount = 0;  ///< minor units
  std::string currency;
};
/// Reads a money object {"amount": int > 0, "currency": "EUR"} at `field`; appends errors to
/// `errors` (fields named "<field>.amount", "<field>.currency") and returns nullopt when invalid.
std::optional<Money> ParseMoney(const boost::json::value& v, const std::string& field,
                                std::vector<FieldError>& errors);

}  // namespace emporium::catalog
