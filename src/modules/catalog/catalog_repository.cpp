#include "modules/catalog/catalog_repository.hpp"

#include <soci/soci.h>

#include <boost/json/parse.hpp>
#include <deque>

#include "core/json_text.hpp"
#include "db/binds.hpp"
#include "db/rows.hpp"

namespace emporium::catalog {

namespace json = boost::json;

namespace {

constexpr const char* kCategoryColumns =
    "SELECT id, parent_id, name, slug, description, position, created_at, updated_at FROM catalog_categories ";
constexpr const char* kSelectCategories = "WHERE deleted_at IS NULL ORDER BY position, id";
constexpr const char* kSelectCategory = "WHERE id = :id AND deleted_at IS NULL";
constexpr const char* kInsertCategory =
    "INSERT INTO catalog_categories (parent_id, name, slug, description, position, created_at, updated_at) "
    "VALUES (:parent_id, :name, :slug, :description, :position, :created_at, :updated_at) RETURNING id";
constexpr const char* kUpdateCategory =
    "UPDATE catalog_categories SET parent_id = :parent_id, name = :name, slug = :slug, description = :description, "
    "position = :position, updated_at = :updated_at WHERE id = :id";
constexpr const char* kDeleteCategory =
    "UPDATE catalog_categories SET deleted_at = :now, updated_at = :now2 WHERE id = :id AND deleted_at IS NULL";
constexpr const char* kCategoryInUse =
    "SELECT (SELECT COUNT(*) FROM catalog_categories WHERE parent_id = :id AND deleted_at IS NULL) + "
    "(SELECT COUNT(*) FROM catalog_products WHERE category_id = :id2 AND deleted_at IS NULL)";

constexpr const char* kCategorySlugTaken = "SELECT COUNT(*) FROM catalog_categories WHERE slug = :slug AND id <> :id";
constexpr const char* kProductSlugTaken = "SELECT COUNT(*) FROM catalog_products WHERE slug = :slug AND id <> :id";

constexpr const char* kProductColumns =
    "SELECT id, category_id, name, slug, description, brand, attributes, status, exclusive_until, min_price, "
    "max_price, currency, in_stock, rating_x100, rating_count, popularity, created_at, updated_at "
    "FROM catalog_products ";
constexpr const char* kWhereProductId = "WHERE id = :id AND deleted_at IS NULL";
constexpr const char* kWhereProductSlug = "WHERE slug = :slug AND deleted_at IS NULL";
constexpr const char* kWhereListable = "WHERE status = 'active' AND deleted_at IS NULL";
constexpr const char* kInsertProduct =
    "INSERT INTO catalog_products (category_id, name, slug, description, brand, attributes, status, "
    "exclusive_until, min_price, max_price, currency, in_stock, created_at, updated_at) VALUES (:category_id, "
    ":name, :slug, :description, :brand, :attributes, :status, :exclusive_until, :min_price, :max_price, "
    ":currency, :in_stock, :created_at, :updated_at) RETURNING id";
constexpr const char* kUpdateProduct =
    "UPDATE catalog_products SET category_id = :category_id, name = :name, slug = :slug, description = "
    ":description, brand = :brand, attributes = :attributes, status = :status, exclusive_until = :exclusive_until, "
    "updated_at = :updated_at WHERE id = :id";
constexpr const char* kDeleteProduct =
    "UPDATE catalog_products SET deleted_at = :now, updated_at = :now2 WHERE id = :id AND deleted_at IS NULL";
constexpr const char* kSetAggregates =
    "UPDATE catalog_products SET min_price = :min_price, max_price = :max_price, currency = :currency, "
    "in_stock = :in_stock, updated_at = :now WHERE id = :id";
constexpr const char* kAggregate =
    "SELECT MIN(v.price), MAX(v.price), MIN(v.currency), MAX(CASE WHEN l.on_hand - l.reserved > 0 THEN 1 ELSE 0 END) "
    "FROM catalog_variants v LEFT JOIN inventory_levels l ON l.variant_id = v.id "
    "WHERE v.product_id = :id AND v.deleted_at IS NULL";

constexpr const char* kProductIdsInCategories =
    "SELECT id FROM catalog_products WHERE deleted_at IS NULL AND category_id IN ";

constexpr const char* kDeleteImages = "DELETE FROM catalog_product_images WHERE product_id = :id";
constexpr const char* kInsertImage =
    "INSERT INTO catalog_product_images (product_id, url, alt, position) VALUES (:product_id, :url, :alt, :position)";
constexpr const char* kSelectImages =
    "SELECT id, product_id, url, alt, position FROM catalog_product_images WHERE product_id IN ";
constexpr const char* kOrderImages = " ORDER BY product_id, position, id";

constexpr const char* kVariantColumns =
    "SELECT v.id, v.product_id, v.sku, v.options, v.price, v.compare_at_price, v.currency, v.weight_grams, "
    "v.barcode, v.position, COALESCE(l.on_hand, 0), COALESCE(l.reserved, 0), COALESCE(l.low_stock_threshold, 0) "
    "FROM catalog_variants v LEFT JOIN inventory_levels l ON l.variant_id = v.id ";
constexpr const char* kWhereVariantsOf = "WHERE v.deleted_at IS NULL AND v.product_id IN ";
constexpr const char* kOrderVariants = " ORDER BY v.product_id, v.position, v.id";
constexpr const char* kWhereVariantId = "WHERE v.id = :id AND v.deleted_at IS NULL";
constexpr const char* kInsertVariant =
    "INSERT INTO catalog_variants (product_id, sku, options, price, compare_at_price, currency, weight_grams, "
    "barcode, position, created_at, updated_at) VALUES (:product_id, :sku, :options, :price, :compare_at_price, "
    ":currency, :weight_grams, :barcode, :position, :created_at, :updated_at) RETURNING id";
constexpr const char* kInsertLevel =
    "INSERT INTO inventory_levels (variant_id, on_hand, reserved, low_stock_threshold, updated_at) "
    "VALUES (:variant_id, :on_hand, 0, :threshold, :updated_at)";
constexpr const char* kUpdateVariant =
    "UPDATE catalog_variants SET sku = :sku, options = :options, price = :price, compare_at_price = "
    ":compare_at_price, currency = :currency, weight_grams = :weight_grams, barcode = :barcode, position = "
    ":position, updated_at = :updated_at WHERE id = :id";
constexpr const char* kDeleteVariant =
    "UPDATE catalog_variants SET deleted_at = :now, updated_at = :now2 WHERE id = :id AND deleted_at IS NULL";
constexpr const char* kSkuExists = "SELECT COUNT(*) FROM catalog_variants WHERE sku = :sku AND id <> :id";
constexpr const char* kTakenSkus = "SELECT sku FROM catalog_variants WHERE sku IN ";
// Conditional update: the database refuses the change atomically, so concurrent adjustments can
// never take available stock below zero (and on MariaDB the row lock serialises them).
constexpr const char* kAddOnHand =
    "UPDATE inventory_levels SET on_hand = on_hand + :delta, updated_at = :now "
    "WHERE variant_id = :id AND on_hand + :delta2 >= reserved AND on_hand + :delta3 >= 0";
constexpr const char* kSetThreshold =
    "UPDATE inventory_levels SET low_stock_threshold = :threshold, updated_at = :now WHERE variant_id = :id";
constexpr const char* kInsertAdjustment =
    "INSERT INTO inventory_adjustments (variant_id, delta, reason, actor_user_id, on_hand_after, created_at) "
    "VALUES (:variant_id, :delta, :reason, :actor, :on_hand_after, :created_at)";
// Stock levels with their variant and product (read by ToInventoryItem).
constexpr const char* kInventoryColumns =
    "SELECT v.id, v.product_id, v.sku, p.name, l.on_hand, l.reserved, l.low_stock_threshold "
    "FROM inventory_levels l JOIN catalog_variants v ON v.id = l.variant_id "
    "JOIN catalog_products p ON p.id = v.product_id ";
constexpr const char* kWhereListedInventory =
    "WHERE v.deleted_at IS NULL AND p.deleted_at IS NULL AND l.variant_id > :after ";
constexpr const char* kSaleVariants =
    "SELECT v.id, v.product_id, v.sku, p.name, p.slug, v.options, v.price, v.compare_at_price, v.currency, "
    "v.weight_grams, COALESCE(l.on_hand, 0) - COALESCE(l.reserved, 0), "
    "(SELECT i.url FROM catalog_product_images i WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1), "
    "p.exclusive_until, CASE WHEN p.status = 'active' AND p.deleted_at IS NULL AND v.deleted_at IS NULL "
    "THEN 1 ELSE 0 END "
    "FROM catalog_variants v JOIN catalog_products p ON p.id = v.product_id "
    "LEFT JOIN inventory_levels l ON l.variant_id = v.id WHERE v.id IN ";
// The checkout stock moves are conditional updates, one statement for all the lines of an order:
// the WHERE clause is the invariant, so two buyers racing for the last unit cannot both get it (the
// row fails the condition and is not counted) and no read-then-write window exists. Rows are locked
// in primary-key order (the IN list is scanned by the index), so orders sharing variants cannot
// deadlock on MariaDB, where the rows stay locked until the order's transaction ends.
enum class StockMove { kReserve, kUnreserve, kCommit };

constexpr const char* kWhereVariantIn = "WHERE l.variant_id IN ";
constexpr const char* kLowOnly = "AND l.on_hand - l.reserved <= l.low_stock_threshold ";
constexpr const char* kOrderInventory = "ORDER BY l.variant_id LIMIT :limit";

constexpr const char* kUpsertCounterSqlite =
    "INSERT INTO catalog_product_counters (product_id, day, views, add_to_cart) VALUES (:product_id, :day, :views, "
    ":add_to_cart) ON CONFLICT (product_id, day) DO UPDATE SET views = views + excluded.views, "
    "add_to_cart = add_to_cart + excluded.add_to_cart";
constexpr const char* kUpsertCounterMariaDb =
    "INSERT INTO catalog_product_counters (product_id, day, views, add_to_cart) VALUES (:product_id, :day, :views, "
    ":add_to_cart) ON DUPLICATE KEY UPDATE views = views + VALUES(views), "
    "add_to_cart = add_to_cart + VALUES(add_to_cart)";
constexpr const char* kAddPopularity = "UPDATE catalog_products SET popularity = popularity + :inc WHERE id = :id";

using db::Binds;
using db::Exec;
using db::Rows;

json::object ParseObject(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

Category ToCategory(const db::Row& r) {
  Category c;
  c.id = db::RowInt(r, 0);
  c.parent_id = db::RowOptInt(r, 1);
  c.name = db::RowStr(r, 2);
  c.slug = db::RowStr(r, 3);
  c.description = db::RowStr(r, 4);
  c.position = static_cast<int>(db::RowInt(r, 5));
  c.created_at = db::RowInt(r, 6);
  c.updated_at = db::RowInt(r, 7);
  return c;
}

ProductView ToProduct(const db::Row& r) {
  ProductView p;
  p.id = db::RowInt(r, 0);
  p.category_id = db::RowInt(r, 1);
  p.name = db::RowStr(r, 2);
  p.slug = db::RowStr(r, 3);
  p.description = db::RowStr(r, 4);
  p.brand = db::RowStr(r, 5);
  p.attributes = ParseObject(db::RowStr(r, 6));
  p.status = db::RowStr(r, 7);
  p.exclusive_until = db::RowOptInt(r, 8);
  p.min_price = db::RowInt(r, 9);
  p.max_price = db::RowInt(r, 10);
  p.currency = db::RowStr(r, 11);
  p.in_stock = db::RowInt(r, 12) != 0;
  p.rating_x100 = static_cast<std::int32_t>(db::RowInt(r, 13));
  p.rating_count = static_cast<std::int32_t>(db::RowInt(r, 14));
  p.popularity = db::RowInt(r, 15);
  p.created_at = db::RowInt(r, 16);
  p.updated_at = db::RowInt(r, 17);
  return p;
}

Variant ToVariant(const db::Row& r) {
  Variant v;
  v.id = db::RowInt(r, 0);
  v.product_id = db::RowInt(r, 1);
  v.sku = db::RowStr(r, 2);
  v.options = ParseObject(db::RowStr(r, 3));
  v.price = db::RowInt(r, 4);
  v.compare_at_price = db::RowOptInt(r, 5);
  v.currency = db::RowStr(r, 6);
  v.weight_grams = db::RowInt(r, 7);
  v.barcode = db::RowStr(r, 8);
  v.position = static_cast<int>(db::RowInt(r, 9));
  v.on_hand = db::RowInt(r, 10);
  v.reserved = db::RowInt(r, 11);
  v.low_stock_threshold = db::RowInt(r, 12);
  return v;
}

InventoryItem ToInventoryItem(const db::Row& r) {
  InventoryItem item;
  item.variant_id = db::RowInt(r, 0);
  item.product_id = db::RowInt(r, 1);
  item.sku = db::RowStr(r, 2);
  item.product_name = db::RowStr(r, 3);
  item.on_hand = db::RowInt(r, 4);
  item.reserved = db::RowInt(r, 5);
  item.low_stock_threshold = db::RowInt(r, 6);
  return item;
}

const char* SortColumn(ProductSort s) {
  switch (s) {
    case ProductSort::kNewest: return "created_at";
    case ProductSort::kPriceAsc:
    case ProductSort::kPriceDesc: return "min_price";
    case ProductSort::kRating: return "rating_x100";
    case ProductSort::kPopular: return "popularity";
  }
  return "created_at";
}

bool Ascending(ProductSort s) { return s == ProductSort::kPriceAsc; }

}  // namespace

std::vector<Category> CatalogRepository::ListCategories(db::Tx& tx) const {
  std::vector<Category> out;
  Rows(tx, std::string(kCategoryColumns) + kSelectCategories, Binds(),
       [&](const db::Row& r) { out.push_back(ToCategory(r)); });
  return out;
}

std::optional<Category> CatalogRepository::FindCategory(db::Tx& tx, std::int64_t id) const {
  std::optional<Category> out;
  Rows(tx, std::string(kCategoryColumns) + kSelectCategory, std::move(Binds().Int(id)),
       [&](const db::Row& r) { out = ToCategory(r); });
  return out;
}

std::int64_t CatalogRepository::InsertCategory(db::Tx& tx, const Category& c) const {
  std::int64_t id = 0;
  Binds b;
  b.OptInt(c.parent_id).Str(c.name).Str(c.slug).Str(c.description).Int(c.position).Int(c.created_at).Int(c.updated_at);
  Rows(tx, kInsertCategory, std::move(b), [&](const db::Row& r) { id = db::RowInt(r, 0); });
  return id;
}

void CatalogRepository::UpdateCategory(db::Tx& tx, const Category& c) const {
  Binds b;
  b.OptInt(c.parent_id).Str(c.name).Str(c.slug).Str(c.description).Int(c.position).Int(c.updated_at).Int(c.id);
  Exec(tx, kUpdateCategory, std::move(b));
}

void CatalogRepository::SoftDeleteCategory(db::Tx& tx, std::int64_t id, std::int64_t now) const {
  Exec(tx, kDeleteCategory, std::move(Binds().Int(now).Int(now).Int(id)));
}

bool CatalogRepository::CategoryHasLiveChildrenOrProducts(db::Tx& tx, std::int64_t id) const {
  long long n = 0;
  Rows(tx, kCategoryInUse, std::move(Binds().Int(id).Int(id)), [&](const db::Row& r) { n = db::RowInt(r, 0); });
  return n > 0;
}

bool CatalogRepository::CategorySlugTaken(db::Tx& tx, const std::string& slug, std::int64_t except_id) const {
  long long n = 0;
  Rows(tx, kCategorySlugTaken, std::move(Binds().Str(slug).Int(except_id)),
       [&](const db::Row& r) { n = db::RowInt(r, 0); });
  return n > 0;
}

bool CatalogRepository::ProductSlugTaken(db::Tx& tx, const std::string& slug, std::int64_t except_id) const {
  long long n = 0;
  Rows(tx, kProductSlugTaken, std::move(Binds().Str(slug).Int(except_id)),
       [&](const db::Row& r) { n = db::RowInt(r, 0); });
  return n > 0;
}

std::int64_t CatalogRepository::InsertProduct(db::Tx& tx, const ProductView& p) const {
  std::int64_t id = 0;
  Binds b;
  b.Int(p.category_id).Str(p.name).Str(p.slug).Str(p.description).Str(p.brand).Str(core::JsonText(p.attributes));
  b.Str(p.status).OptInt(p.exclusive_until).Int(p.min_price).Int(p.max_price).Str(p.currency);
  b.Int(p.in_stock ? 1 : 0).Int(p.created_at).Int(p.updated_at);
  Rows(tx, kInsertProduct, std::move(b), [&](const db::Row& r) { id = db::RowInt(r, 0); });
  return id;
}

void CatalogRepository::UpdateProduct(db::Tx& tx, const ProductView& p) const {
  Binds b;
  b.Int(p.category_id).Str(p.name).Str(p.slug).Str(p.description).Str(p.brand).Str(core::JsonText(p.attributes));
  b.Str(p.status).OptInt(p.exclusive_until).Int(p.updated_at).Int(p.id);
  Exec(tx, kUpdateProduct, std::move(b));
}

void CatalogRepository::SoftDeleteProduct(db::Tx& tx, std::int64_t id, std::int64_t now) const {
  Exec(tx, kDeleteProduct, std::move(Binds().Int(now).Int(now).Int(id)));
}

std::optional<ProductView> CatalogRepository::FindProduct(db::Tx& tx, std::int64_t id) const {
  std::optional<ProductView> out;
  Rows(tx, std::string(kProductColumns) + kWhereProductId, std::move(Binds().Int(id)),
       [&](const db::Row& r) { out = ToProduct(r); });
  return out;
}

std::optional<ProductView> CatalogRepository::FindProductBySlug(db::Tx& tx, const std::string& slug) const {
  std::optional<ProductView> out;
  Rows(tx, std::string(kProductColumns) + kWhereProductSlug, std::move(Binds().Str(slug)),
       [&](const db::Row& r) { out = ToProduct(r); });
  return out;
}

std::vector<std::int64_t> CatalogRepository::ProductIdsInCategories(
    db::Tx& tx, const std::vector<std::int64_t>& category_ids) const {
  std::vector<std::int64_t> out;
  if (category_ids.empty()) return out;
  Rows(tx, std::string(kProductIdsInCategories) + db::NamedList("i", category_ids.size()),
       std::move(Binds().Ints(category_ids)), [&](const db::Row& r) { out.push_back(db::RowInt(r, 0)); });
  return out;
}

std::vector<ProductView> CatalogRepository::ListProducts(db::Tx& tx, const ProductListQuery& q) const {
  // The statement is assembled from fixed fragments chosen by the validated sort and by which
  // filters are present; every value is bound.
  std::string sql = std::string(kProductColumns) + kWhereListable;
  Binds b;
  std::size_t n = 0;
  auto next = [&n] { return ":f" + std::to_string(n++); };
  if (!q.category_ids.empty()) {
    sql += " AND category_id IN (";
    for (std::size_t i = 0; i < q.category_ids.size(); ++i) {
      if (i) sql += ", ";
      sql += next();
      b.Int(q.category_ids[i]);
    }
    sql += ")";
  }
  if (q.min_price) {
    sql += " AND min_price >= " + next();
    b.Int(*q.min_price);
  }
  if (q.max_price) {
    sql += " AND min_price <= " + next();
    b.Int(*q.max_price);
  }
  if (q.in_stock_only) sql += " AND in_stock = 1";
  if (q.min_rating_x100) {
    sql += " AND rating_x100 >= " + next();
    b.Int(*q.min_rating_x100);
  }
  if (!q.include_exclusive) {
    sql += " AND (exclusive_until IS NULL OR exclusive_until <= " + next() + ")";
    b.Int(q.now);
  }
  const std::string col = SortColumn(q.sort);
  const bool asc = Ascending(q.sort);
  if (q.after) {
    const char* cmp = asc ? " > " : " < ";
    sql += " AND (" + col + cmp + next() + " OR (" + col + " = " + next() + " AND id" + cmp + next() + "))";
    b.Int(q.after->key).Int(q.after->key).Int(q.after->id);
  }
  const char* dir = asc ? " ASC" : " DESC";
  sql += " ORDER BY " + col + dir + ", id" + dir + " LIMIT " + next();
  b.Int(q.limit);
  std::vector<ProductView> out;
  out.reserve(static_cast<std::size_t>(q.limit));
  Rows(tx, sql, std::move(b), [&](const db::Row& r) { out.push_back(ToProduct(r)); });
  return out;
}

void CatalogRepository::ReplaceImages(db::Tx& tx, std::int64_t product_id,
                                      const std::vector<ImageInput>& images) const {
  Exec(tx, kDeleteImages, std::move(Binds().Int(product_id)));
  InsertImages(tx, product_id, images);
}

void CatalogRepository::InsertImages(db::Tx& tx, std::int64_t product_id,
                                     const std::vector<ImageInput>& images) const {
  int position = 0;
  for (const auto& img : images) {
    Exec(tx, kInsertImage, std::move(Binds().Int(product_id).Str(img.url).Str(img.alt).Int(position++)));
  }
}

std::map<std::int64_t, std::vector<Image>> CatalogRepository::ImagesOf(
    db::Tx& tx, const std::vector<std::int64_t>& product_ids) const {
  std::map<std::int64_t, std::vector<Image>> out;
  if (product_ids.empty()) return out;
  Rows(tx, std::string(kSelectImages) + db::NamedList("i", product_ids.size()) + kOrderImages,
       std::move(Binds().Ints(product_ids)), [&](const db::Row& r) {
         Image img;
         img.id = db::RowInt(r, 0);
         img.product_id = db::RowInt(r, 1);
         img.url = db::RowStr(r, 2);
         img.alt = db::RowStr(r, 3);
         img.position = static_cast<int>(db::RowInt(r, 4));
         out[img.product_id].push_back(std::move(img));
       });
  return out;
}

std::map<std::int64_t, std::vector<Variant>> CatalogRepository::VariantsOf(
    db::Tx& tx, const std::vector<std::int64_t>& product_ids) const {
  std::map<std::int64_t, std::vector<Variant>> out;
  if (product_ids.empty()) return out;
  Rows(tx, std::string(kVariantColumns) + kWhereVariantsOf + db::NamedList("i", product_ids.size()) + kOrderVariants,
       std::move(Binds().Ints(product_ids)), [&](const db::Row& r) {
         auto v = ToVariant(r);
         out[v.product_id].push_back(std::move(v));
       });
  return out;
}

ProductAggregates CatalogRepository::Aggregate(db::Tx& tx, std::int64_t product_id) const {
  ProductAggregates a;
  Rows(tx, kAggregate, std::move(Binds().Int(product_id)), [&](const db::Row& r) {
    a.min_price = db::RowInt(r, 0);
    a.max_price = db::RowInt(r, 1);
    a.currency = db::RowStr(r, 2);
    a.in_stock = db::RowInt(r, 3) != 0;
  });
  return a;
}

void CatalogRepository::SetAggregates(db::Tx& tx, std::int64_t product_id, const ProductAggregates& a,
                                      std::int64_t now) const {
  Exec(tx, kSetAggregates,
       std::move(Binds().Int(a.min_price).Int(a.max_price).Str(a.currency).Int(a.in_stock ? 1 : 0).Int(now).Int(
           product_id)));
}

std::int64_t CatalogRepository::InsertVariant(db::Tx& tx, const Variant& v, std::int64_t now) const {
  std::int64_t id = 0;
  Binds b;
  b.Int(v.product_id).Str(v.sku).Str(core::JsonText(v.options)).Int(v.price).OptInt(v.compare_at_price);
  b.Str(v.currency).Int(v.weight_grams).Str(v.barcode).Int(v.position).Int(now).Int(now);
  Rows(tx, kInsertVariant, std::move(b), [&](const db::Row& r) { id = db::RowInt(r, 0); });
  Exec(tx, kInsertLevel, std::move(Binds().Int(id).Int(v.on_hand).Int(v.low_stock_threshold).Int(now)));
  return id;
}

void CatalogRepository::UpdateVariant(db::Tx& tx, const Variant& v, std::int64_t now) const {
  Binds b;
  b.Str(v.sku).Str(core::JsonText(v.options)).Int(v.price).OptInt(v.compare_at_price).Str(v.currency);
  b.Int(v.weight_grams).Str(v.barcode).Int(v.position).Int(now).Int(v.id);
  Exec(tx, kUpdateVariant, std::move(b));
}

void CatalogRepository::SoftDeleteVariant(db::Tx& tx, std::int64_t id, std::int64_t now) const {
  Exec(tx, kDeleteVariant, std::move(Binds().Int(now).Int(now).Int(id)));
}

std::optional<Variant> CatalogRepository::FindVariant(db::Tx& tx, std::int64_t id) const {
  std::optional<Variant> out;
  Rows(tx, std::string(kVariantColumns) + kWhereVariantId, std::move(Binds().Int(id)),
       [&](const db::Row& r) { out = ToVariant(r); });
  return out;
}

std::vector<std::string> CatalogRepository::TakenSkus(db::Tx& tx, const std::vector<std::string>& skus) const {
  std::vector<std::string> out;
  if (skus.empty()) return out;
  Binds b;
  for (const auto& sku : skus) b.Str(sku);
  Rows(tx, std::string(kTakenSkus) + db::NamedList("s", skus.size()), std::move(b),
       [&](const db::Row& r) { out.push_back(db::RowStr(r, 0)); });
  return out;
}

bool CatalogRepository::SkuExists(db::Tx& tx, const std::string& sku, std::int64_t except_variant_id) const {
  long long n = 0;
  Rows(tx, kSkuExists, std::move(Binds().Str(sku).Int(except_variant_id)),
       [&](const db::Row& r) { n = db::RowInt(r, 0); });
  return n > 0;
}

bool CatalogRepository::AddOnHand(db::Tx& tx, std::int64_t variant_id, std::int64_t delta, std::int64_t now) const {
  return Exec(tx, kAddOnHand, std::move(Binds().Int(delta).Int(now).Int(variant_id).Int(delta).Int(delta))) > 0;
}

void CatalogRepository::SetThreshold(db::Tx& tx, std::int64_t variant_id, std::int64_t threshold,
                                     std::int64_t now) const {
  Exec(tx, kSetThreshold, std::move(Binds().Int(threshold).Int(now).Int(variant_id)));
}

void CatalogRepository::InsertAdjustment(db::Tx& tx, std::int64_t variant_id, std::int64_t delta,
                                         const std::string& reason, std::optional<std::int64_t> actor,
                                         std::int64_t on_hand_after, std::int64_t now) const {
  Binds b;
  b.Int(variant_id).Int(delta).Str(reason).OptInt(actor).Int(on_hand_after).Int(now);
  Exec(tx, kInsertAdjustment, std::move(b));
}

std::vector<SaleVariant> CatalogRepository::VariantsForSale(db::Tx& tx, const std::vector<std::int64_t>& ids) const {
  std::vector<SaleVariant> out;
  if (ids.empty()) return out;
  out.reserve(ids.size());
  Rows(tx, std::string(kSaleVariants) + db::NamedList("v", ids.size()), std::move(Binds().Ints(ids)),
       [&](const db::Row& r) {
         SaleVariant v;
         v.variant_id = db::RowInt(r, 0);
         v.product_id = db::RowInt(r, 1);
         v.sku = db::RowStr(r, 2);
         v.product_name = db::RowStr(r, 3);
         v.product_slug = db::RowStr(r, 4);
         v.options = ParseObject(db::RowStr(r, 5));
         v.price = db::RowInt(r, 6);
         v.compare_at_price = db::RowOptInt(r, 7);
         v.currency = db::RowStr(r, 8);
         v.weight_grams = db::RowInt(r, 9);
         v.available = db::RowInt(r, 10);
         v.image_url = db::RowStr(r, 11);
         v.exclusive_until = db::RowOptInt(r, 12);
         v.for_sale = db::RowInt(r, 13) != 0;
         out.push_back(std::move(v));
       });
  return out;
}

namespace {

/// Builds a statement with numbered named placeholders (:s0, :s1 ...), since SOCI's MariaDB backend
/// does not accept "?". Each value is bound in the order its placeholder appears.
class StockSql {
 public:
  std::string Param(std::int64_t v) {
    binds_.Int(v);
    return ":s" + std::to_string(n_++);
  }
  /// "CASE variant_id WHEN :sN THEN :sM ... END".
  std::string QuantityCase(const std::vector<StockLine>& lines) {
    std::string sql = "CASE variant_id";
    for (const auto& line : lines) {
      sql += " WHEN " + Param(line.variant_id);
      sql += " THEN " + Param(line.quantity);
    }
    return sql + " END";
  }
  Binds& binds() { return binds_; }

 private:
  Binds binds_;
  int n_ = 0;
};

/// The rows moved. `levels`, when given and the database can return rows from an UPDATE (SQLite;
/// MariaDB cannot), receives each moved row's levels after the move (variant id and stock only).
long long MoveStock(db::Tx& tx, StockMove move, const std::vector<StockLine>& lines, std::int64_t now,
                    std::optional<std::vector<InventoryItem>>* levels = nullptr) {
  if (lines.empty()) return 0;
  StockSql q;
  std::string sql = "UPDATE inventory_levels SET ";
  switch (move) {
    case StockMove::kReserve: sql += "reserved = reserved + " + q.QuantityCase(lines); break;
    case StockMove::kUnreserve: sql += "reserved = reserved - " + q.QuantityCase(lines); break;
    case StockMove::kCommit:
      sql += "on_hand = on_hand - " + q.QuantityCase(lines);
      sql += ", reserved = reserved - " + q.QuantityCase(lines);
      break;
  }
  sql += ", updated_at = " + q.Param(now);
  sql += " WHERE variant_id IN (";
  for (std::size_t i = 0; i < lines.size(); ++i) sql += (i ? ", " : "") + q.Param(lines[i].variant_id);
  sql += ") AND ";
  switch (move) {
    case StockMove::kReserve: sql += "on_hand - reserved >= " + q.QuantityCase(lines); break;
    case StockMove::kUnreserve: sql += "reserved >= " + q.QuantityCase(lines); break;
    case StockMove::kCommit:
      sql += "reserved >= " + q.QuantityCase(lines);
      sql += " AND on_hand >= " + q.QuantityCase(lines);
      break;
  }
  if (levels == nullptr || tx.dialect != db::Dialect::kSqlite) return Exec(tx, sql, std::move(q.binds()));
  auto& out = levels->emplace();
  Rows(tx, sql + " RETURNING variant_id, on_hand, reserved, low_stock_threshold", std::move(q.binds()),
       [&](const db::Row& r) {
         out.push_back(InventoryItem{.variant_id = db::RowInt(r, 0),
                                     .on_hand = db::RowInt(r, 1),
                                     .reserved = db::RowInt(r, 2),
                                     .low_stock_threshold = db::RowInt(r, 3)});
       });
  return static_cast<long long>(out.size());
}

}  // namespace

bool CatalogRepository::Reserve(db::Tx& tx, const std::vector<StockLine>& lines, std::int64_t now,
                                std::optional<std::vector<InventoryItem>>* levels) const {
  return MoveStock(tx, StockMove::kReserve, lines, now, levels) == static_cast<long long>(lines.size());
}

bool CatalogRepository::Unreserve(db::Tx& tx, const std::vector<StockLine>& lines, std::int64_t now,
                                  std::optional<std::vector<InventoryItem>>* levels) const {
  return MoveStock(tx, StockMove::kUnreserve, lines, now, levels) == static_cast<long long>(lines.size());
}

bool CatalogRepository::CommitReserved(db::Tx& tx, const std::vector<StockLine>& lines, std::int64_t now) const {
  return MoveStock(tx, StockMove::kCommit, lines, now) == static_cast<long long>(lines.size());
}

std::vector<InventoryItem> CatalogRepository::StockOf(db::Tx& tx, const std::vector<std::int64_t>& variant_ids) const {
  std::vector<InventoryItem> out;
  if (variant_ids.empty()) return out;
  Rows(tx, std::string(kInventoryColumns) + kWhereVariantIn + db::NamedList("v", variant_ids.size()),
       std::move(Binds().Ints(variant_ids)), [&](const db::Row& r) { out.push_back(ToInventoryItem(r)); });
  return out;
}

std::vector<InventoryItem> CatalogRepository::ListInventory(db::Tx& tx, bool low_only, std::int64_t after_variant_id,
                                                            int limit) const {
  std::vector<InventoryItem> out;
  std::string sql = std::string(kInventoryColumns) + kWhereListedInventory + (low_only ? kLowOnly : "") + kOrderInventory;
  Rows(tx, sql, std::move(Binds().Int(after_variant_id).Int(limit)),
       [&](const db::Row& r) { out.push_back(ToInventoryItem(r)); });
  return out;
}

void CatalogRepository::AddCounters(db::Tx& tx, std::int64_t day,
                                    const std::map<std::int64_t, CounterDelta>& deltas) const {
  const char* upsert = tx.dialect == db::Dialect::kSqlite ? kUpsertCounterSqlite : kUpsertCounterMariaDb;
  for (const auto& [product_id, d] : deltas) {
    Exec(tx, upsert, std::move(Binds().Int(product_id).Int(day).Int(d.views).Int(d.add_to_cart)));
    Exec(tx, kAddPopularity, std::move(Binds().Int(d.views + 5 * d.add_to_cart).Int(product_id)));
  }
}

}  // namespace emporium::catalog
