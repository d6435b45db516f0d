#pragma once
// The cart's stored rows (internal to the module; other modules see CartModule and checkout.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace emporium::cart {

/// A row of cart_items: one variant and how many of it.
struct CartItem {
  std::int64_t id = 0;
  std::int64_t variant_id = 0;
  std::int64_t quantity = 0;
  std::int64_t added_at = 0;
};

/// A customer's cart as stored. A customer without a carts row has an empty cart.
struct Cart {
  std::optional<std::string> discount_code;
  std::vector<CartItem> items;  ///< oldest first
};

}  // namespace emporium::cart
