#pragma once
// `emporium seed --demo`: a deterministic demo shop. The same --seed always gives the same catalog:
// a nested category tree, products with 1–6 variants (sizes, colours, capacities), prices, stock,
// image URLs and descriptions of real words (so search has something to find), and customers.
// Products go through the catalog's batch API (thousands per transaction) with the search index
// wired, so every seeded product is searchable at once.

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "app/seed_orders.hpp"
#include "core/error.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/catalog/catalog_module.hpp"

namespace emporium::app {

struct SeedOptions {
  int products = 1000;
  int customers = 20;
  std::uint64_t seed = 42;
  int batch_size = 1000;  ///< products per transaction
  int orders = 0;         ///< order history over the last 18 months (RunDemoSeed; see seed_orders.hpp)
};

struct SeedReport {
  int categories = 0;
  int products = 0;
  int variants = 0;
  int customers = 0;
  std::string admin_email, admin_password;
  std::string customer_email, customer_password;  ///< the first demo customer
  std::string courier_email, courier_password;    ///< the demo courier (delivers the demo orders)
  std::int64_t admin_id = 0, courier_id = 0;
  std::vector<DemoCustomer> customer_accounts;     ///< every demo customer with their address
};

/// Small, fast, deterministic PRNG (SplitMix64): the same seed gives the same shop on every machine.
class DemoRandom {
 public:
  explicit DemoRandom(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next();
  /// Uniform in [lo, hi] (inclusive).
  std::int64_t Between(std::int64_t lo, std::int64_t hi);
  template <class C>
  const auto& Pick(const C& items) {
    return items[static_cast<std::size_t>(Between(0, static_cast<std::int64_t>(std::size(items)) - 1))];
  }

 private:
  std::uint64_t state_;
};

/// The products the seed would create, in order, for categories given by `category_ids` (the leaf
/// categories of the demo tree, in tree order). Deterministic in options.seed; no I/O.
std::vector<catalog::ProductInput> DemoProducts(const SeedOptions& options, int first_index, int count,
                                                const std::vector<std::int64_t>& category_ids);

/// Seeds through the modules' facades: the category tree, options.products products in batches,
/// a demo manager-admin and options.customers customers. Fails (and stops) on the first error, e.g.
/// a slug that exists already when the database is not empty.
Result<SeedReport> SeedDemo(catalog::CatalogModule& catalog, auth::AuthModule& auth, const SeedOptions& options);

/// `emporium seed --demo`: opens and migrates the database, builds the catalog, search and auth
/// modules, seeds, and prints the counts and demo credentials. Returns the process exit code.
int RunDemoSeed(const core::Config& config, const SeedOptions& options);

}  // namespace emporium::app
