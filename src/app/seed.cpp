#include "app/seed.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string_view>

#include "core/clock.hpp"
#include "core/rate_limiter.hpp"
#include "db/database.hpp"
#include "db/migrator.hpp"
#include "infra/mail/mailer.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/catalog/membership_reader.hpp"
#include "modules/mail/mail_module.hpp"
#include "modules/search/search_module.hpp"

namespace emporium::app {

namespace {

enum class Kind { kApparel, kElectronics, kHome, kOther };

struct DemoCategory {
  std::string_view name;
  int parent;  ///< index in kCategories, -1 for a root
  Kind kind;
  std::array<std::string_view, 5> nouns;  ///< empty for inner nodes
  std::int64_t min_price, max_price;      ///< minor units
};

// Parents come before their children.
constexpr std::array<DemoCategory, 24> kCategories = {{
    {"Electronics", -1, Kind::kElectronics, {}, 0, 0},
    {"Audio", 0, Kind::kElectronics, {"Headphones", "Speaker", "Earbuds", "Soundbar", "Turntable"}, 1999, 49999},
    {"Computers", 0, Kind::kElectronics, {}, 0, 0},
    {"Laptops", 2, Kind::kElectronics, {"Laptop", "Notebook", "Ultrabook", "Chromebook", "Workstation"}, 29999, 249999},
    {"Accessories", 2, Kind::kElectronics, {"Keyboard", "Mouse", "Monitor", "Webcam", "Docking Station"}, 999, 59999},
    {"Phones", 0, Kind::kElectronics, {"Smartphone", "Phone Case", "Charger", "Power Bank", "Screen Protector"}, 999, 129999},
    {"Clothing", -1, Kind::kApparel, {}, 0, 0},
    {"Men", 6, Kind::kApparel, {}, 0, 0},
    {"T-Shirts", 7, Kind::kApparel, {"T-Shirt", "Polo Shirt", "Tank Top", "Henley", "Long-Sleeve Tee"}, 999, 4999},
    {"Jackets", 7, Kind::kApparel, {"Jacket", "Parka", "Raincoat", "Bomber Jacket", "Fleece"}, 3999, 29999},
    {"Women", 6, Kind::kApparel, {}, 0, 0},
    {"Dresses", 10, Kind::kApparel, {"Dress", "Maxi Dress", "Sundress", "Wrap Dress", "Skirt"}, 2499, 19999},
    {"Shoes", 10, Kind::kApparel, {"Sneakers", "Boots", "Sandals", "Loafers", "Running Shoes"}, 2999, 24999},
    {"Home & Garden", -1, Kind::kHome, {}, 0, 0},
    {"Kitchen", 13, Kind::kHome, {"Coffee Grinder", "Chef Knife", "Frying Pan", "Kettle", "Blender"}, 1499, 39999},
    {"Furniture", 13, Kind::kHome, {"Desk Lamp", "Bookshelf", "Armchair", "Side Table", "Office Chair"}, 2999, 89999},
    {"Garden", 13, Kind::kHome, {"Garden Hose", "Planter", "Pruning Shears", "Watering Can", "Bird Feeder"}, 799, 14999},
    {"Sports", -1, Kind::kOther, {}, 0, 0},
    {"Fitness", 17, Kind::kOther, {"Yoga Mat", "Dumbbell Set", "Resistance Bands", "Jump Rope", "Foam Roller"}, 999, 19999},
    {"Outdoor", 17, Kind::kOther, {"Tent", "Backpack", "Sleeping Bag", "Water Bottle", "Headlamp"}, 999, 49999},
    {"Books", -1, Kind::kOther, {}, 0, 0},
    {"Fiction", 20, Kind::kOther, {"Novel", "Short Stories", "Thriller", "Fantasy Saga", "Mystery"}, 799, 3999},
    {"Non-Fiction", 20, Kind::kOther, {"Cookbook", "Biography", "Travel Guide", "History", "Field Guide"}, 999, 5999},
    {"Toys", -1, Kind::kOther, {"Puzzle", "Building Blocks", "Board Game", "Plush Bear", "Kite"}, 599, 9999},
}};

constexpr std::array<std::string_view, 24> kAdjectives = {
    "Classic", "Compact", "Premium", "Wireless", "Ergonomic", "Vintage", "Modern", "Lightweight",
    "Rugged", "Deluxe", "Portable", "Essential", "Organic", "Slim", "Heavy-Duty", "Everyday",
    "Studio", "Travel", "Smart", "Handmade", "Recycled", "Professional", "Cozy", "Minimalist"};
constexpr std::array<std::string_view, 16> kBrands = {
    "Acme", "Northwind", "Sonique", "Bluefern", "Kestrel", "Oakline", "Luma", "Vertex",
    "Harbor & Co", "Pinecrest", "Nimbus", "Solace", "Trailhead", "Copperleaf", "Marlowe", "Zephyr"};
constexpr std::array<std::string_view, 12> kMaterials = {
    "cotton", "aluminium", "oak", "stainless steel", "recycled plastic", "leather",
    "bamboo", "wool", "ceramic", "glass", "linen", "carbon fibre"};
constexpr std::array<std::string_view, 12> kQualities = {
    "durable", "comfortable", "quiet", "elegant", "versatile", "reliable",
    "water-resistant", "easy to clean", "energy efficient", "beautifully balanced", "sturdy", "soft"};
constexpr std::array<std::string_view, 10> kUses = {
    "everyday use", "the office", "weekend trips", "small apartments", "gifting", "busy mornings",
    "long journeys", "the whole family", "outdoor adventures", "focused work"};
constexpr std::array<std::string_view, 7> kColours = {"Black", "White", "Navy", "Red", "Forest Green", "Grey", "Sand"};
constexpr std::array<std::string_view, 6> kSizes = {"XS", "S", "M", "L", "XL", "XXL"};
constexpr std::array<std::string_view, 4> kCapacities = {"Standard", "Plus", "Max", "Ultra"};
constexpr std::array<std::string_view, 12> kFirstNames = {"Ada", "Grace", "Alan", "Linus", "Margaret", "Dennis",
                                                          "Barbara", "Ken", "Frances", "Edsger", "Radia", "Niklaus"};
constexpr std::array<std::string_view, 12> kLastNames = {"Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton",
                                                         "Ritchie", "Liskov", "Thompson", "Allen", "Dijkstra",
                                                         "Perlman", "Wirth"};

constexpr std::string_view kAdminEmail = "admin@demo.emporium.test";
constexpr std::string_view kAdminPassword = "demo-admin-password-2026";
constexpr std::string_view kCustomerPassword = "demo-customer-password-2026";
constexpr std::string_view kCourierEmail = "courier@demo.emporium.test";
constexpr std::string_view kCourierPassword = "demo-courier-password-2026";

std::vector<int> LeafIndexes() {
  std::vector<int> out;
  for (int i = 0; i < static_cast<int>(kCategories.size()); ++i) {
    if (!kCategories[i].nouns[0].empty()) out.push_back(i);
  }
  return out;
}

std::string Description(DemoRandom& rng, std::string_view noun, std::string_view brand) {
  std::string d = "This ";
  d += rng.Pick(kQualities);
  d += " ";
  std::string lower(noun);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  d += lower;
  d += " from ";
  d += brand;
  d += " is made of ";
  d += rng.Pick(kMaterials);
  d += " and built for ";
  d += rng.Pick(kUses);
  d += ". It is ";
  d += rng.Pick(kQualities);
  d += ", ";
  d += rng.Pick(kQualities);
  d += " and ready for ";
  d += rng.Pick(kUses);
  d += ".";
  if (rng.Between(0, 1) == 1) {
    d += " Customers love how ";
    d += rng.Pick(kQualities);
    d += " it feels after months of ";
    d += rng.Pick(kUses);
    d += ".";
  }
  return d;
}

}  // namespace

std::uint64_t DemoRandom::Next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::int64_t DemoRandom::Between(std::int64_t lo, std::int64_t hi) {
  if (hi <= lo) return lo;
  return lo + static_cast<std::int64_t>(Next() % static_cast<std::uint64_t>(hi - lo + 1));
}

std::vector<catalog::ProductInput> DemoProducts(const SeedOptions& options, int first_index, int count,
                                                const std::vector<std::int64_t>& category_ids) {
  const auto leaves = LeafIndexes();
  std::vector<catalog::ProductInput> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int i = first_index; i < first_index + count; ++i) {
    // One generator per product, so a batch can be made without replaying the ones before it.
    DemoRandom rng(options.seed * 1'000'003ULL + static_cast<std::uint64_t>(i));
    const auto leaf_pos = static_cast<std::size_t>(rng.Between(0, static_cast<std::int64_t>(leaves.size()) - 1));
    const auto& category = kCategories[leaves[leaf_pos]];
    const std::string_view noun = category.nouns[static_cast<std::size_t>(rng.Between(0, 4))];
    const std::string_view brand = rng.Pick(kBrands);

    catalog::ProductInput p;
    p.name = std::string(rng.Pick(kAdjectives)) + " " + std::string(noun) + " " + std::to_string(i + 1);
    p.slug = "demo-" + std::to_string(i + 1);
    p.brand = std::string(brand);
    p.description = Description(rng, noun, brand);
    p.category_id = leaf_pos < category_ids.size() ? category_ids[leaf_pos] : 0;
    p.status = rng.Between(0, 49) == 0 ? "draft" : "active";
    p.attributes = {{"material", std::string(rng.Pick(kMaterials))}};
    const int images = static_cast<int>(rng.Between(1, 3));
    for (int k = 0; k < images; ++k) {
      p.images.push_back({"https://picsum.photos/seed/emporium-" + std::to_string(i + 1) + "-" + std::to_string(k) +
                              "/800/800",
                          p.name + " (" + std::to_string(k + 1) + ")"});
    }
    const std::int64_t base = rng.Between(category.min_price, category.max_price) / 100 * 100 + 99;
    const int variants = static_cast<int>(rng.Between(1, 6));
    for (int v = 0; v < variants; ++v) {
      catalog::VariantInput var;
      var.sku = "DEMO-" + std::to_string(i + 1) + "-" + std::to_string(v + 1);
      switch (category.kind) {
        case Kind::kApparel:
          var.options = {{"size", std::string(kSizes[static_cast<std::size_t>(v) % kSizes.size()])},
                         {"colour", std::string(kColours[static_cast<std::size_t>(i + v / 6) % kColours.size()])}};
          break;
        case Kind::kElectronics:
          var.options = {{"colour", std::string(kColours[static_cast<std::size_t>(v) % kColours.size()])},
                         {"edition", std::string(kCapacities[static_cast<std::size_t>(v / 2) % kCapacities.size()])}};
          break;
        case Kind::kHome:
        case Kind::kOther:
          var.options = {{"colour", std::string(kColours[static_cast<std::size_t>(v) % kColours.size()])}};
          break;
      }
      var.price = base + v * 500;
      if (rng.Between(0, 4) == 0) var.compare_at_price = var.price + var.price / 5;
      var.currency = "USD";
      var.weight_grams = rng.Between(50, 5000);
      var.barcode = std::to_string(400'000'000'000LL + static_cast<std::int64_t>(i) * 10 + v);
      var.stock = rng.Between(0, 9) == 0 ? 0 : rng.Between(1, 250);
      p.variants.push_back(std::move(var));
    }
    out.push_back(std::move(p));
  }
  return out;
}

/// A home address in one of a few real cities (coordinates near the centre, so that delivery
/// tracking has somewhere to go), default for checkout.
static auth::Address DemoAddress(DemoRandom& rng, const std::string& name) {
  struct City {
    std::string_view name, country, postal_code, street;
    double lat, lng;
  };
  static constexpr std::array<City, 8> kCities = {{
      {"Berlin", "DE", "10115", "Invalidenstraße", 52.5310, 13.3847},
      {"Paris", "FR", "75011", "Rue Oberkampf", 48.8650, 2.3780},
      {"Amsterdam", "NL", "1015", "Prinsengracht", 52.3730, 4.8830},
      {"Madrid", "ES", "28004", "Calle de Fuencarral", 40.4260, -3.7010},
      {"Milan", "IT", "20121", "Corso Garibaldi", 45.4780, 9.1850},
      {"Vienna", "AT", "1070", "Neubaugasse", 48.2010, 16.3490},
      {"Dublin", "IE", "D02", "Camden Street", 53.3350, -6.2650},
      {"Lisbon", "PT", "1200", "Rua da Rosa", 38.7130, -9.1450},
  }};
  const auto& city = kCities[static_cast<std::size_t>(rng.Between(0, static_cast<int>(kCities.size()) - 1))];
  auth::Address a;
  a.name = name;
  a.line1 = std::string(city.street) + " " + std::to_string(rng.Between(1, 180));
  a.city = std::string(city.name);
  a.postal_code = std::string(city.postal_code);
  a.country = std::string(city.country);
  // A few hundred metres around the centre, deterministic like the rest of the seed.
  a.lat = city.lat + (rng.Between(-300, 300) / 100000.0);
  a.lng = city.lng + (rng.Between(-300, 300) / 100000.0);
  a.is_default = true;
  return a;
}

Result<SeedReport> SeedDemo(catalog::CatalogModule& catalog, auth::AuthModule& auth, const SeedOptions& options) {
  SeedReport report;
  std::vector<std::int64_t> ids(kCategories.size(), 0);
  for (std::size_t i = 0; i < kCategories.size(); ++i) {
    catalog::CategoryInput in;
    in.name = std::string(kCategories[i].name);
    if (kCategories[i].parent >= 0) in.parent_id = ids[static_cast<std::size_t>(kCategories[i].parent)];
    in.position = static_cast<int>(i);
    in.description = "Demo category: " + in.name + ".";
    EMP_ASSIGN(ids[i], catalog.CreateCategory(in));
    ++report.categories;
  }
  std::vector<std::int64_t> leaf_ids;
  for (int leaf : LeafIndexes()) leaf_ids.push_back(ids[static_cast<std::size_t>(leaf)]);

  const int batch = std::max(1, options.batch_size);
  for (int first = 0; first < options.products; first += batch) {
    const int count = std::min(batch, options.products - first);
    auto products = DemoProducts(options, first, count, leaf_ids);
    for (const auto& p : products) report.variants += static_cast<int>(p.variants.size());
    EMP_TRY(catalog.CreateProducts(products));
    report.products += count;
  }

  report.admin_email = std::string(kAdminEmail);
  report.admin_password = std::string(kAdminPassword);
  EMP_ASSIGN(auto admin, auth.CreateUser(report.admin_email, report.admin_password, "Demo", "Admin", Role::kAdmin));
  report.admin_id = admin.id;
  report.courier_email = std::string(kCourierEmail);
  report.courier_password = std::string(kCourierPassword);
  EMP_ASSIGN(auto courier,
             auth.CreateUser(report.courier_email, report.courier_password, "Demo", "Courier", Role::kCourier));
  report.courier_id = courier.id;
  report.customer_password = std::string(kCustomerPassword);
  DemoRandom rng(options.seed);
  for (int c = 0; c < options.customers; ++c) {
    const std::string email = "customer" + std::to_string(c + 1) + "@demo.emporium.test";
    if (c == 0) report.customer_email = email;
    const std::string first = std::string(rng.Pick(kFirstNames)), last = std::string(rng.Pick(kLastNames));
    EMP_ASSIGN(auto user, auth.CreateUser(email, report.customer_password, first, last, Role::kCustomer));
    EMP_ASSIGN(auto address, auth.CreateAddress(user.id, DemoAddress(rng, first + " " + last)));
    report.customer_accounts.push_back({user.id, address.id});
    ++report.customers;
  }
  return report;
}

int RunDemoSeed(const core::Config& config, const SeedOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto fail = [](const Error& e) {
    std::cerr << "emporium: seed failed: " << e.message << "\n";
    for (const auto& f : e.fields) std::cerr << "  " << f.field << ": " << f.message << "\n";
    return 1;
  };
  auto db = db::Database::Open(config.database_url, 2);
  if (!db) return fail(db.error());
  if (auto migrated = db::Migrate(**db); !migrated) return fail(migrated.error());

  core::SystemClock clock;
  auto limiter = core::MakeMemoryRateLimiter(clock);
  infra::MailService mail_service(mail::MakeMailer(config));
  audit::AuditLog audit(**db, clock);
  auth::AuthModule auth(**db, config, clock, mail_service, *limiter, audit);
  search::SearchModule search(**db, clock);
  catalog::NoMemberships members;
  catalog::CatalogModule catalog(**db, clock, audit, &search.indexer(), members, nullptr);

  auto report = SeedDemo(catalog, auth, options);
  if (!report) return fail(report.error());
  OrderSeedReport orders;
  if (options.orders > 0) {
    auto seeded = SeedDemoOrders(**db, config,
                                 {.orders = options.orders,
                                  .seed = options.seed,
                                  .now = clock.NowSeconds(),
                                  .products = report->products},
                                 report->customer_accounts, report->admin_id, report->courier_id);
    if (!seeded) return fail(seeded.error());
    orders = *seeded;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("seeded %d categories, %d products (%d variants), %d customers in %.1f s\n", report->categories,
              report->products, report->variants, report->customers, seconds);
  if (options.orders > 0) {
    std::printf("seeded %d orders over %d days: %d delivered (%d of them then refunded), %d on their way, "
                "%d cancelled by the customer, %d declined\n",
                orders.placed, static_cast<int>((orders.last_at - orders.first_at) / 86400), orders.delivered,
                orders.refunded, orders.shipped, orders.cancelled, orders.declined);
  }
  std::printf("demo admin:    %s / %s\n", report->admin_email.c_str(), report->admin_password.c_str());
  std::printf("demo courier:  %s / %s\n", report->courier_email.c_str(), report->courier_password.c_str());
  if (!report->customer_email.empty()) {
    std::printf("demo customer: %s / %s\n", report->customer_email.c_str(), report->customer_password.c_str());
  }
  return 0;
}

}  // namespace emporium::app
