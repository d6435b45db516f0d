#include "modules/catalog/catalog_service.hpp"

#include <algorithm>
#include <set>

#include "core/cursor.hpp"

namespace emporium::catalog {

namespace json = boost::json;

namespace {

constexpr int kMaxSlugAttempts = 50;
constexpr std::int64_t kSecondsPerDay = 86'400;

bool IsStaffManager(const std::optional<Principal>& who) {
  return who && (who->role == Role::kManager || who->role == Role::kAdmin);
}

bool AllDigits(const std::string& s) {
  return !s.empty() && s.size() <= 18 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::map<std::int64_t, Category> ById(std::vector<Category> list) {
  std::map<std::int64_t, Category> out;
  for (auto& c : list) out.emplace(c.id, std::move(c));
  return out;
}

/// The category and all its descendants.
std::vector<std::int64_t> Subtree(const std::map<std::int64_t, Category>& categories, std::int64_t root) {
  std::map<std::int64_t, std::vector<std::int64_t>> children;
  for (const auto& [id, c] : categories) {
    if (c.parent_id) children[*c.parent_id].push_back(id);
  }
  std::vector<std::int64_t> out{root};
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (auto it = children.find(out[i]); it != children.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
    }
  }
  return out;
}

std::int64_t SortKey(const ProductView& p, ProductSort s) {
  switch (s) {
    case ProductSort::kNewest: return p.created_at;
    case ProductSort::kPriceAsc:
    case ProductSort::kPriceDesc: return p.min_price;
    case ProductSort::kRating: return p.rating_x100;
    case ProductSort::kPopular: return p.popularity;
  }
  return p.created_at;
}

Error InsufficientStock(std::string message) {
  Error e{ErrorCode::kInsufficientStock, std::move(message)};
  e.field = "delta";
  return e;
}

/// Lines merged by variant and sorted by variant id: rows are then always locked in the same order,
/// so two orders sharing variants cannot deadlock each other on MariaDB.
Result<std::vector<StockLine>> Normalise(const std::vector<StockLine>& lines) {
  std::map<std::int64_t, std::int64_t> merged;
  for (const auto& line : lines) {
    if (line.quantity <= 0) return Error::Invalid("quantity", "must be at least 1");
    merged[line.variant_id] += line.quantity;
  }
  std::vector<StockLine> out;
  out.reserve(merged.size());
  for (const auto& [variant_id, quantity] : merged) out.push_back({variant_id, quantity});
  return out;
}

std::vector<std::int64_t> VariantIds(const std::vector<StockLine>& lines) {
  std::vector<std::int64_t> ids;
  ids.reserve(lines.size());
  for (const auto& line : lines) ids.push_back(line.variant_id);
  return ids;
}

}  // namespace

SearchDocument BuildSearchDocument(const ProductView& p, const std::map<std::int64_t, Category>& categories) {
  SearchDocument d;
  d.product_id = p.id;
  d.name = p.name;
  d.slug = p.slug;
  d.description = p.description;
  d.brand = p.brand;
  d.category_id = p.category_id;
  // Walk up to the root; the depth bound guards against a cycle in corrupted data.
  std::optional<std::int64_t> at = p.category_id;
  for (int depth = 0; at && depth < 64; ++depth) {
    auto it = categories.find(*at);
    if (it == categories.end()) break;
    d.category_path.push_back(it->first);
    if (!d.category_names.empty()) d.category_names += ' ';
    d.category_names += it->second.name;
    at = it->second.parent_id;
  }
  bool first = true;
  for (const auto& v : p.variants) {
    if (first) {
      d.min_price = d.max_price = v.price;
      d.currency = v.currency;
      first = false;
    }
    d.min_price = std::min(d.min_price, v.price);
    d.max_price = std::max(d.max_price, v.price);
    if (v.available() > 0) d.in_stock = true;
    if (!d.variant_text.empty()) d.variant_text += ' ';
    d.variant_text += v.sku;
    for (const auto& [key, value] : v.options) {
      if (value.is_string()) {
        d.variant_text += ' ';
        d.variant_text += std::string(value.as_string());
      }
    }
  }
  if (p.variants.empty()) d.currency = p.currency;
  d.rating_x100 = p.rating_x100;
  d.rating_count = p.rating_count;
  d.popularity = p.popularity;
  d.status = p.status;
  d.exclusive_until = p.exclusive_until;
  if (!p.images.empty()) d.image_url = p.images.front().url;
  d.created_at = p.created_at;
  return d;
}

CatalogService::CatalogService(db::Database& db, const core::Clock& clock, audit::AuditLog& audit,
                               MembershipReader& members, infra::EventBus* events)
    : db_(db), clock_(clock), audit_(audit), members_(members), events_(events) {}

bool CatalogService::CanSeeExclusive(const std::optional<Principal>& who, std::int64_t now) const {
  return IsStaffManager(who) || members_.CanSeeExclusive(who, now);
}

Status CatalogService::Audit(db::Tx& tx, const Actor& actor, std::string action, std::string type, std::int64_t id,
                             json::object details) {
  if (!actor.user_id) return OkStatus();  // system writes (seed, jobs) are not staff actions
  audit::AuditEntry e;
  e.actor_id = actor.user_id;
  e.actor_role = actor.role;
  e.action = std::move(action);
  e.resource_type = std::move(type);
  e.resource_id = id;
  e.details = std::move(details);
  e.ip = actor.ip;
  e.request_id = actor.request_id;
  return audit_.Record(tx, e);
}


void CatalogService::Changed(db::Tx& tx) {
  if (on_change_) tx.AfterCommit(on_change_);
}

Result<std::vector<Category>> CatalogService::Categories() {
  return db_.Read([&](db::Tx& tx) -> Result<std::vector<Category>> { return repo_.ListCategories(tx); });
}

Result<Category> CatalogService::CreateCategory(const CategoryInput& in, const Actor& actor) {
  return db_.Write([&](db::Tx& tx) -> Result<Category> {
    Changed(tx);
    Category c;
    c.name = in.name;
    c.description = in.description;
    c.position = in.position;
    c.parent_id = in.parent_id;
    if (c.parent_id && !repo_.FindCategory(tx, *c.parent_id)) {
      return Error::Invalid("parent_id", "does not exist");
    }
    if (in.slug) {
      if (!IsValidSlug(*in.slug)) return Error::Invalid("slug", "must be lower-case letters, digits and '-'");
      if (repo_.CategorySlugTaken(tx, *in.slug, 0)) return Error::Conflict("A category with this slug exists.");
      c.slug = *in.slug;
    } else {
      const auto base = Slugify(in.name);
      if (base.empty()) return Error::Invalid("slug", "cannot be made from the name; give one");
      c.slug = base;
      for (int n = 2; repo_.CategorySlugTaken(tx, c.slug, 0); ++n) {
        if (n > kMaxSlugAttempts) return Error::Conflict("A category with this slug exists.");
        c.slug = base + "-" + std::to_string(n);
      }
    }
    c.created_at = c.updated_at = clock_.NowSeconds();
    c.id = repo_.InsertCategory(tx, c);
    EMP_TRY(Audit(tx, actor, "category.create", "category", c.id, {{"slug", c.slug}}));
    return c;
  });
}

Result<Category> CatalogService::UpdateCategory(std::int64_t id, const CategoryPatch& patch, const Actor& actor) {
  return db_.Write([&](db::Tx& tx) -> Result<Category> {
    Changed(tx);
    auto all = ById(repo_.ListCategories(tx));
    auto it = all.find(id);
    if (it == all.end()) return Error::NotFound("The category does not exist.");
    Category c = it->second;
    if (patch.name) c.name = *patch.name;
    if (patch.description) c.description = *patch.description;
    if (patch.position) c.position = *patch.position;
    if (patch.slug && *patch.slug != c.slug) {
      if (!IsValidSlug(*patch.slug)) return Error::Invalid("slug", "must be lower-case letters, digits and '-'");
      if (repo_.CategorySlugTaken(tx, *patch.slug, id)) return Error::Conflict("A category with this slug exists.");
      c.slug = *patch.slug;
    }
    if (patch.set_parent) {
      if (patch.parent_id) {
        if (!all.count(*patch.parent_id)) return Error::Invalid("parent_id", "does not exist");
        const auto below = Subtree(all, id);
        if (std::find(below.begin(), below.end(), *patch.parent_id) != below.end()) {
          return Error::Invalid("parent_id", "cannot be the category itself or one of its sub-categories");
        }
      }
      c.parent_id = patch.parent_id;
    }
    const bool path_changed = c.name != it->second.name || c.parent_id != it->second.parent_id;
    c.updated_at = clock_.NowSeconds();
    repo_.UpdateCategory(tx, c);
    EMP_TRY(Audit(tx, actor, "category.update", "category", id, {{"slug", c.slug}}));
    if (indexer_ && path_changed) {
      // Search documents carry the category path and names: every product below this category
      // gets a fresh document in the same transaction.
      it->second = c;
      for (auto product_id : repo_.ProductIdsInCategories(tx, Subtree(all, id))) {
        EMP_TRY(Reindex(tx, product_id, &all));
      }
    }
    return c;
  });
}

Status CatalogService::DeleteCategory(std::int64_t id, const Actor& actor) {
  return db_.Write([&](db::Tx& tx) -> Status {
    Changed(tx);
    if (!repo_.FindCategory(tx, id)) return Error::NotFound("The category does not exist.");
    if (repo_.CategoryHasLiveChildrenOrProducts(tx, id)) {
      return Error::Conflict("The category still has sub-categories or products.");
    }
    repo_.SoftDeleteCategory(tx, id, clock_.NowSeconds());
    return Audit(tx, actor, "category.delete", "category", id, {});
  });
}


Result<ProductPage> CatalogService::ListProducts(const ProductFilter& f, const std::optional<Principal>& who) {
  ProductListQuery q;
  q.min_price = f.min_price;
  q.max_price = f.max_price;
  q.in_stock_only = f.in_stock_only;
  if (f.min_rating) q.min_rating_x100 = *f.min_rating * 100;
  q.sort = f.sort;
  q.after = f.after;
  q.limit = f.limit + 1;
  q.now = clock_.NowSeconds();
  q.include_exclusive = CanSeeExclusive(who, q.now);
  return db_.Read([&](db::Tx& tx) -> Result<ProductPage> {
    if (f.category) {
      const auto categories = ById(repo_.ListCategories(tx));
      std::optional<std::int64_t> root;
      for (const auto& [id, c] : categories) {
        if (c.slug == *f.category || (AllDigits(*f.category) && std::to_string(id) == *f.category)) root = id;
      }
      if (!root) return ProductPage{};
      q.category_ids = Subtree(categories, *root);
    }
    ProductPage page;
    page.items = repo_.ListProducts(tx, q);
    if (static_cast<int>(page.items.size()) > f.limit) {
      page.items.resize(static_cast<std::size_t>(f.limit));
      const auto& last = page.items.back();
      page.next_cursor = EncodeListCursor({f.sort, SortKey(last, f.sort), last.id});
    }
    std::vector<std::int64_t> ids;
    ids.reserve(page.items.size());
    for (const auto& p : page.items) ids.push_back(p.id);
    auto images = repo_.ImagesOf(tx, ids);
    for (auto& p : page.items) {
      if (auto it = images.find(p.id); it != images.end() && !it->second.empty()) {
        p.images.push_back(std::move(it->second.front()));
      }
    }
    return page;
  });
}

std::optional<ProductView> CatalogService::LoadFull(db::Tx& tx, std::int64_t product_id) {
  auto p = repo_.FindProduct(tx, product_id);
  if (!p) return std::nullopt;
  auto variants = repo_.VariantsOf(tx, {p->id});
  auto images = repo_.ImagesOf(tx, {p->id});
  p->variants = std::move(variants[p->id]);
  p->images = std::move(images[p->id]);
  return p;
}

Result<ProductView> CatalogService::GetProduct(const std::string& id_or_slug, const std::optional<Principal>& who) {
  const auto now = clock_.NowSeconds();
  const bool staff = IsStaffManager(who);
  auto result = db_.Read([&](db::Tx& tx) -> Result<ProductView> {
    auto p = AllDigits(id_or_slug) ? repo_.FindProduct(tx, std::stoll(id_or_slug))
                                   : repo_.FindProductBySlug(tx, id_or_slug);
    if (!p) return Error::NotFound("The product does not exist.");
    if (!staff) {
      if (p->status != "active") return Error::NotFound("The product does not exist.");
      if (p->exclusive_until && *p->exclusive_until > now && !members_.CanSeeExclusive(who, now)) {
        return Error::NotFound("The product does not exist.");
      }
    }
    auto variants = repo_.VariantsOf(tx, {p->id});
    auto images = repo_.ImagesOf(tx, {p->id});
    p->variants = std::move(variants[p->id]);
    p->images = std::move(images[p->id]);
    return std::move(*p);
  });
  if (result) RecordView(result->id);
  return result;
}

Status CatalogService::ValidateVariant(db::Tx& tx, const VariantInput& in, std::int64_t except_id,
                                       const std::string& currency, const std::string& field, bool check_sku) {
  if (in.sku.empty()) return Error::Invalid(field + ".sku", "is required");
  if (in.price <= 0) return Error::Invalid(field + ".price.amount", "must be positive");
  if (!IsValidCurrency(in.currency)) return Error::Invalid(field + ".price.currency", "must be three upper-case letters");
  if (!currency.empty() && in.currency != currency) {
    return Error::Invalid(field + ".price.currency", "must be the product's currency (" + currency + ")");
  }
  if (in.compare_at_price && *in.compare_at_price <= 0) {
    return Error::Invalid(field + ".compare_at_price.amount", "must be positive");
  }
  if (check_sku && repo_.SkuExists(tx, in.sku, except_id)) {
    Error e = Error::Conflict("A variant with SKU " + in.sku + " exists.");
    e.field = field + ".sku";
    return e;
  }
  return OkStatus();
}

Result<std::int64_t> CatalogService::InsertProduct(db::Tx& tx, const ProductInput& in, const Actor& actor,
                                                   const std::map<std::int64_t, Category>& categories) {
  if (!categories.count(in.category_id)) return Error::Invalid("category_id", "does not exist");
  if (in.status != "draft" && in.status != "active" && in.status != "archived") {
    return Error::Invalid("status", "must be draft, active or archived");
  }
  if (in.variants.size() > static_cast<std::size_t>(kMaxVariantsPerProduct)) {
    return Error::Invalid("variants", "at most 100 variants");
  }
  ProductView p;
  p.category_id = in.category_id;
  p.name = in.name;
  p.description = in.description;
  p.brand = in.brand;
  p.attributes = in.attributes;
  p.status = in.status;
  p.exclusive_until = in.exclusive_until;
  if (in.slug) {
    if (!IsValidSlug(*in.slug)) return Error::Invalid("slug", "must be lower-case letters, digits and '-'");
    if (repo_.ProductSlugTaken(tx, *in.slug, 0)) return Error::Conflict("A product with this slug exists.");
    p.slug = *in.slug;
  } else {
    const auto base = Slugify(in.name);
    if (base.empty()) return Error::Invalid("slug", "cannot be made from the name; give one");
    p.slug = base;
    for (int n = 2; repo_.ProductSlugTaken(tx, p.slug, 0); ++n) {
      if (n > kMaxSlugAttempts) return Error::Conflict("A product with this slug exists.");
      p.slug = base + "-" + std::to_string(n);
    }
  }
  std::set<std::string> skus;
  std::string currency;
  for (std::size_t i = 0; i < in.variants.size(); ++i) {
    const auto& v = in.variants[i];
    const auto field = "variants[" + std::to_string(i) + "]";
    EMP_TRY(ValidateVariant(tx, v, 0, currency, field, /*check_sku=*/false));
    if (!skus.insert(v.sku).second) {
      Error e = Error::Conflict("Two variants have SKU " + v.sku + ".");
      e.field = field + ".sku";
      return e;
    }
    if (currency.empty()) currency = v.currency;
    if (i == 0 || v.price < p.min_price) p.min_price = v.price;
    if (i == 0 || v.price > p.max_price) p.max_price = v.price;
    if (v.stock > 0) p.in_stock = true;
  }
  if (const auto taken = repo_.TakenSkus(tx, {skus.begin(), skus.end()}); !taken.empty()) {
    const auto at = std::find_if(in.variants.begin(), in.variants.end(),
                                 [&](const VariantInput& v) { return v.sku == taken.front(); });
    Error e = Error::Conflict("A variant with SKU " + taken.front() + " exists.");
    e.field = "variants[" + std::to_string(at - in.variants.begin()) + "].sku";
    return e;
  }
  p.currency = currency;
  p.created_at = p.updated_at = clock_.NowSeconds();
  p.id = repo_.InsertProduct(tx, p);
  repo_.InsertImages(tx, p.id, in.images);
  int image_position = 0;
  for (const auto& img : in.images) {
    p.images.push_back({.product_id = p.id, .url = img.url, .alt = img.alt, .position = image_position++});
  }
  int position = 0;
  for (const auto& vin : in.variants) {
    Variant v;
    v.product_id = p.id;
    v.sku = vin.sku;
    v.options = vin.options;
    v.price = vin.price;
    v.compare_at_price = vin.compare_at_price;
    v.currency = vin.currency;
    v.weight_grams = vin.weight_grams;
    v.barcode = vin.barcode;
    v.position = position++;
    v.on_hand = vin.stock;
    v.low_stock_threshold = vin.low_stock_threshold;
    v.id = repo_.InsertVariant(tx, v, p.created_at);
    p.variants.push_back(std::move(v));
  }
  EMP_TRY(Audit(tx, actor, "product.create", "product", p.id, {{"slug", p.slug}}));
  // The product as just written is at hand: its search document needs no read-back (the seed
  // inserts 100,000 of them).
  if (indexer_) EMP_TRY(indexer_->Insert(tx, BuildSearchDocument(p, categories)));
  return p.id;
}

Status CatalogService::Reindex(db::Tx& tx, std::int64_t product_id, const std::map<std::int64_t, Category>* categories) {
  if (!indexer_) return OkStatus();
  auto p = LoadFull(tx, product_id);
  if (!p) return indexer_->Remove(tx, product_id);
  if (categories) return indexer_->Upsert(tx, BuildSearchDocument(*p, *categories));
  return indexer_->Upsert(tx, BuildSearchDocument(*p, ById(repo_.ListCategories(tx))));
}

Status CatalogService::Refresh(db::Tx& tx, std::int64_t product_id) {
  repo_.SetAggregates(tx, product_id, repo_.Aggregate(tx, product_id), clock_.NowSeconds());
  return Reindex(tx, product_id);
}

Result<ProductView> CatalogService::CreateProduct(const ProductInput& in, const Actor& actor) {
  return db_.Write([&](db::Tx& tx) -> Result<ProductView> {
    Changed(tx);
    const auto categories = ById(repo_.ListCategories(tx));
    EMP_ASSIGN(const auto id, InsertProduct(tx, in, actor, categories));
    auto p = LoadFull(tx, id);
    if (!p) return Error::Internal("the product just created is missing");
    return std::move(*p);
  });
}

Result<std::vector<std::int64_t>> CatalogService::CreateProducts(const std::vector<ProductInput>& in,
                                                                 const Actor& actor) {
  return db_.Write([&](db::Tx& tx) -> Result<std::vector<std::int64_t>> {
    Changed(tx);
    const auto categories = ById(repo_.ListCategories(tx));
    std::vector<std::int64_t> ids;
    ids.reserve(in.size());
    for (const auto& p : in) {
      EMP_ASSIGN(const auto id, InsertProduct(tx, p, actor, categories));
      ids.push_back(id);
    }
    return ids;
  });
}

Result<ProductView> CatalogService::UpdateProduct(std::int64_t id, const ProductPatch& patch, const Actor& actor) {
  return db_.Write([&](db::Tx& tx) -> Result<ProductView> {
    Changed(tx);
    auto p = repo_.FindProduct(tx, id);
    if (!p) return Error::NotFound("The product does not exist.");
    json::object changed;
    if (patch.name) {
      changed["name"] = *patch.name;
      p->name = *patch.name;
    }
    if (patch.description) p->description = *patch.description;
    if (patch.brand) p->brand = *patch.brand;
    if (patch.attributes) p->attributes = *patch.attributes;
    if (patch.status) {
      if (*patch.status != "draft" && *patch.status != "active" && *patch.status != "archived") {
        return Error::Invalid("status", "must be draft, active or archived");
      }
      changed["status"] = *patch.status;
      p->status = *patch.status;
    }
    if (patch.category_id) {
      if (!repo_.FindCategory(tx, *patch.category_id)) return Error::Invalid("category_id", "does not exist");
      p->category_id = *patch.category_id;
    }
    if (patch.slug && *patch.slug != p->slug) {
      if (!IsValidSlug(*patch.slug)) return Error::Invalid("slug", "must be lower-case letters, digits and '-'");
      if (repo_.ProductSlugTaken(tx, *patch.slug, id)) return Error::Conflict("A product with this slug exists.");
      p->slug = *patch.slug;
    }
    if (patch.set_exclusive) p->exclusive_until = patch.exclusive_until;
    p->updated_at = clock_.NowSeconds();
    repo_.UpdateProduct(tx, *p);
    if (patch.images) repo_.ReplaceImages(tx, id, *patch.images);
    EMP_TRY(Audit(tx, actor, "product.update", "product", id, {{"changes", changed}}));
    EMP_TRY(Reindex(tx, id));
    auto full = LoadFull(tx, id);
    if (!full) return Error::Internal("the product just updated is missing");
    return std::move(*full);
  });
}

Status CatalogService::DeleteProduct(std::int64_t id, const Actor& actor) {
  return db_.Write([&](db::Tx& tx) -> Status {
    Changed(tx);
    if (!repo_.FindProduct(tx, id)) return Error::NotFound("The product does not exist.");
    repo_.SoftDeleteProduct(tx, id, clock_.NowSeconds());
    EMP_TRY(Audit(tx, actor, "product.delete", "product", id, {}));
    if (indexer_) EMP_TRY(indexer_->Remove(tx, id));
    return OkStatus();
  });
}


Result<Variant> CatalogService::CreateVariant(std::int64_t product_id, const VariantInput& in, const Actor& actor) {
  return db_.Write([&](db::Tx& tx) -> Result<Variant> {
    Changed(tx);
    auto p = repo_.FindProduct(tx, product_id);
    if (!p) return Error::NotFound("The product does not exist.");
    auto existing = repo_.VariantsOf(tx, {product_id})[product_id];
    if (existing.size() >= static_cast<std::size_t>(kMaxVariantsPerProduct)) {
      return Error::Invalid("variants", "at most 100 variants");
    }
    EMP_TRY(ValidateVariant(tx, in, 0, existing.empty() ? std::string() : existing.front().currency, "variant"));
    Variant v;
    v.product_id = product_id;
    v.sku = in.sku;
    v.options = in.options;
    v.price = in.price;
    v.compare_at_price = in.compare_at_price;
    v.currency = in.currency;
    v.weight_grams = in.weight_grams;
    v.barcode = in.barcode;
    v.position = existing.empty() ? 0 : existing.back().position + 1;
    v.on_hand = in.stock;
    v.low_stock_threshold = in.low_stock_threshold;
    v.id = repo_.InsertVariant(tx, v, clock_.NowSeconds());
    EMP_TRY(Audit(tx, actor, "variant.create", "variant", v.id, {{"product_id", product_id}, {"sku", v.sku}}));
    EMP_TRY(Refresh(tx, product_id));
    return v;
  });
}

Result<Variant> CatalogService::UpdateVariant(std::int64_t product_id, std::int64_t variant_id,
                                              const VariantPatch& patch, const Actor& actor) {
  return db_.Write([&](db::Tx& tx) -> Result<Variant> {
    Changed(tx);
    auto v = repo_.FindVariant(tx, variant_id);
    if (!v || v->product_id != product_id || !repo_.FindProduct(tx, product_id)) {
      return Error::NotFound("The variant does not exist.");
    }
    if (patch.sku) v->sku = *patch.sku;
    if (patch.options) v->options = *patch.options;
    if (patch.price) {
      v->price = patch.price->amount;
      v->currency = patch.price->currency;
    }
    if (patch.set_compare_at) v->compare_at_price = patch.compare_at_price;
    if (patch.weight_grams) v->weight_grams = *patch.weight_grams;
    if (patch.barcode) v->barcode = *patch.barcode;
    if (patch.position) v->position = *patch.position;
    std::string currency;
    // Named: iterating `VariantsOf(...)[id]` directly would walk a map destroyed before the loop.
    auto siblings = repo_.VariantsOf(tx, {product_id});
    for (const auto& other : siblings[product_id]) {
      if (other.id != variant_id) {
        currency = other.currency;
        break;
      }
    }
    VariantInput check;
    check.sku = v->sku;
    check.price = v->price;
    check.currency = v->currency;
    check.compare_at_price = v->compare_at_price;
    EMP_TRY(ValidateVariant(tx, check, variant_id, currency, "variant"));
    const auto now = clock_.NowSeconds();
    repo_.UpdateVariant(tx, *v, now);
    if (patch.low_stock_threshold) {
      repo_.SetThreshold(tx, variant_id, *patch.low_stock_threshold, now);
      v->low_stock_threshold = *patch.low_stock_threshold;
    }
    EMP_TRY(Audit(tx, actor, "variant.update", "variant", variant_id, {{"product_id", product_id}}));
    EMP_TRY(Refresh(tx, product_id));
    return std::move(*v);
  });
}

Status CatalogService::DeleteVariant(std::int64_t product_id, std::int64_t variant_id, const Actor& actor) {
  return db_.Write([&](db::Tx& tx) -> Status {
    Changed(tx);
    auto v = repo_.FindVariant(tx, variant_id);
    if (!v || v->product_id != product_id || !repo_.FindProduct(tx, product_id)) {
      return Error::NotFound("The variant does not exist.");
    }
    repo_.SoftDeleteVariant(tx, variant_id, clock_.NowSeconds());
    EMP_TRY(Audit(tx, actor, "variant.delete", "variant", variant_id, {{"product_id", product_id}}));
    return Refresh(tx, product_id);
  });
}


Result<Variant> CatalogService::AdjustStock(std::int64_t variant_id, std::int64_t delta, const std::string& reason,
                                            const Actor& actor) {
  if (delta == 0) return Error::Invalid("delta", "must not be zero");
  return db_.Write([&](db::Tx& tx) -> Result<Variant> {
    Changed(tx);
    const auto now = clock_.NowSeconds();
    auto before = repo_.FindVariant(tx, variant_id);
    if (!before) return Error::NotFound("The variant does not exist.");
    if (!repo_.AddOnHand(tx, variant_id, delta, now)) {
      return InsufficientStock("Stock cannot go below zero: " + std::to_string(before->available()) +
                               " available.");
    }
    // Re-read after the update: on MariaDB the row is now locked by us, so this is the true value
    // (the first read may have been stale under concurrency).
    auto after = repo_.FindVariant(tx, variant_id);
    if (!after) return Error::Internal("the adjusted variant is missing");
    repo_.InsertAdjustment(tx, variant_id, delta, reason, actor.user_id, after->on_hand, now);
    EMP_TRY(Audit(tx, actor, "inventory.adjust", "variant", variant_id,
                  {{"delta", delta}, {"reason", reason}, {"on_hand", after->on_hand}}));
    auto product = repo_.FindProduct(tx, after->product_id);
    if (product) {
      const auto agg = repo_.Aggregate(tx, after->product_id);
      if (agg.in_stock != product->in_stock) {
        repo_.SetAggregates(tx, after->product_id, agg, now);
        EMP_TRY(Reindex(tx, after->product_id));
      }
    }
    const auto available_before = after->available() - delta;
    if (after->available() <= after->low_stock_threshold && available_before > after->low_stock_threshold) {
      EMP_TRY(LowStock(tx, variant_id, after->product_id, after->sku, after->available(), after->low_stock_threshold));
    }
    return std::move(*after);
  });
}

std::vector<SaleVariant> CatalogService::VariantsForSale(db::Tx& tx, const std::vector<std::int64_t>& variant_ids) {
  return repo_.VariantsForSale(tx, variant_ids);
}

Status CatalogService::ReserveStock(db::Tx& tx, const std::vector<StockLine>& lines) {
  EMP_ASSIGN(const auto sorted, Normalise(lines));
  std::optional<std::vector<InventoryItem>> after;
  if (repo_.Reserve(tx, sorted, clock_.NowSeconds(), &after)) {
    Changed(tx);
    return AfterStockMove(tx, sorted, -1, std::move(after));
  }
  // Refused (rare: checkout checks availability in this same transaction, so only a buyer racing on
  // MariaDB gets here). The lines that did move roll back with the caller's transaction. Name the
  // lines short of stock now: every refused line is among them; a line this statement did reserve
  // shows up too when less than its quantity is left after it (one statement cannot tell them apart,
  // and the order fails either way).
  const auto levels = repo_.StockOf(tx, VariantIds(sorted));
  std::string short_skus;
  for (const auto& line : sorted) {
    const auto level = std::find_if(levels.begin(), levels.end(),
                                    [&](const InventoryItem& l) { return l.variant_id == line.variant_id; });
    if (level == levels.end()) return Error::NotFound("The variant " + std::to_string(line.variant_id) + " does not exist.");
    if (level->on_hand - level->reserved >= line.quantity) continue;
    short_skus += (short_skus.empty() ? "" : ", ") + level->sku;
  }
  Error e{ErrorCode::kInsufficientStock,
          "Not enough stock for " + (short_skus.empty() ? std::string("this order") : short_skus) + "."};
  e.field = "items";
  return e;
}

Status CatalogService::ReleaseStock(db::Tx& tx, const std::vector<StockLine>& lines) {
  EMP_ASSIGN(const auto sorted, Normalise(lines));
  std::optional<std::vector<InventoryItem>> after;
  if (!repo_.Unreserve(tx, sorted, clock_.NowSeconds(), &after)) {
    return Error::Internal("releasing more stock than is reserved");
  }
  Changed(tx);
  return AfterStockMove(tx, sorted, +1, std::move(after));
}

Status CatalogService::CommitStock(db::Tx& tx, const std::vector<StockLine>& lines) {
  EMP_ASSIGN(const auto sorted, Normalise(lines));
  // Available stock does not move (on hand and reserved drop together): no events to raise.
  if (!repo_.CommitReserved(tx, sorted, clock_.NowSeconds())) {
    return Error::Internal("committing more stock than is reserved");
  }
  return OkStatus();
}

Status CatalogService::Restock(db::Tx& tx, const std::vector<StockLine>& lines, const std::string& reason,
                               const Actor& actor) {
  EMP_ASSIGN(const auto sorted, Normalise(lines));
  const auto now = clock_.NowSeconds();
  for (const auto& line : sorted) {
    if (!repo_.AddOnHand(tx, line.variant_id, line.quantity, now)) {
      return Error::NotFound("The variant " + std::to_string(line.variant_id) + " has no stock record.");
    }
  }
  const auto levels = repo_.StockOf(tx, VariantIds(sorted));
  for (const auto& line : sorted) {
    for (const auto& level : levels) {
      if (level.variant_id != line.variant_id) continue;
      repo_.InsertAdjustment(tx, line.variant_id, line.quantity, reason, actor.user_id, level.on_hand, now);
    }
  }
  Changed(tx);
  return AfterStockMove(tx, sorted, +1);
}

// A variant just crossed its threshold: the dashboards hear of it after commit, and managers and
// admins are notified (in-app and e-mail, per their preferences) inside the transaction.
Status CatalogService::LowStock(db::Tx& tx, std::int64_t variant_id, std::int64_t product_id, const std::string& sku,
                                std::int64_t available, std::int64_t threshold) {
  json::object payload{{"type", "inventory.low_stock"}, {"variant_id", variant_id}, {"product_id", product_id},
                       {"sku", sku},                    {"available", available},   {"threshold", threshold}};
  if (events_) tx.AfterCommit([events = events_, payload] { events->Publish("admin.event", payload); });
  if (notifier_ == nullptr) return OkStatus();
  return notifier_->NotifyStaff(
      tx, {.event_type = "inventory.low_stock",
           .title = "Low stock: " + sku,
           .body = std::to_string(available) + " left (threshold " + std::to_string(threshold) + ").",
           .data = payload,
           .link = "/admin/products/" + std::to_string(product_id),
           .email_template = "notifications_low_stock",
           .email_values = {{"sku", sku},
                            {"available", std::to_string(available)},
                            {"threshold", std::to_string(threshold)}}});
}

Status CatalogService::AfterStockMove(db::Tx& tx, const std::vector<StockLine>& lines, int available_delta_sign,
                                      std::optional<std::vector<InventoryItem>> known) {
  std::map<std::int64_t, std::int64_t> moved;
  for (const auto& line : lines) moved[line.variant_id] = available_delta_sign * line.quantity;
  const auto available = [](const InventoryItem& level) { return level.on_hand - level.reserved; };
  const auto before = [&](const InventoryItem& level) { return available(level) - moved[level.variant_id]; };
  const auto ran_out_or_came_back = [&](const InventoryItem& level) {
    return (before(level) > 0) != (available(level) > 0);
  };
  const auto crossed_low_line = [&](const InventoryItem& level) {
    return available(level) <= level.low_stock_threshold && before(level) > level.low_stock_threshold;
  };
  // The levels the move returned are enough to see that nothing crossed a line, which is the rule;
  // the names and products of the variants are read only when something did.
  if (known && std::none_of(known->begin(), known->end(), [&](const InventoryItem& level) {
        return ran_out_or_came_back(level) || crossed_low_line(level);
      })) {
    return OkStatus();
  }
  const auto levels = repo_.StockOf(tx, VariantIds(lines));
  std::vector<std::int64_t> flipped_products;
  for (const auto& level : levels) {
    if (ran_out_or_came_back(level)) flipped_products.push_back(level.product_id);
    if (crossed_low_line(level)) {
      EMP_TRY(LowStock(tx, level.variant_id, level.product_id, level.sku, available(level), level.low_stock_threshold));
    }
  }
  // Rare (a variant ran out or came back): only then is the product's in-stock flag and search
  // document rewritten, so an ordinary checkout stays a handful of statements.
  std::sort(flipped_products.begin(), flipped_products.end());
  flipped_products.erase(std::unique(flipped_products.begin(), flipped_products.end()), flipped_products.end());
  for (const auto product_id : flipped_products) {
    auto product = repo_.FindProduct(tx, product_id);
    if (!product) continue;
    const auto agg = repo_.Aggregate(tx, product_id);
    if (agg.in_stock == product->in_stock) continue;
    repo_.SetAggregates(tx, product_id, agg, clock_.NowSeconds());
    EMP_TRY(Reindex(tx, product_id));
  }
  return OkStatus();
}

Result<InventoryPage> CatalogService::ListInventory(bool low_only, std::optional<std::int64_t> after, int limit) {
  return db_.Read([&](db::Tx& tx) -> Result<InventoryPage> {
    InventoryPage page;
    page.items = repo_.ListInventory(tx, low_only, after.value_or(0), limit + 1);
    if (static_cast<int>(page.items.size()) > limit) {
      page.items.resize(static_cast<std::size_t>(limit));
      page.next_cursor = core::EncodeIdCursor(page.items.back().variant_id);
    }
    return page;
  });
}


void CatalogService::RecordView(std::int64_t product_id) {
  std::lock_guard lock(counters_mutex_);
  ++counters_[product_id].views;
}

void CatalogService::RecordAddToCart(std::int64_t product_id) {
  std::lock_guard lock(counters_mutex_);
  ++counters_[product_id].add_to_cart;
}

Status CatalogService::FlushCounters() {
  std::map<std::int64_t, CounterDelta> batch;
  {
    std::lock_guard lock(counters_mutex_);
    batch.swap(counters_);
  }
  if (batch.empty()) return OkStatus();
  const auto day = clock_.NowSeconds() / kSecondsPerDay * kSecondsPerDay;
  auto st = db_.Write([&](db::Tx& tx) -> Status {
    repo_.AddCounters(tx, day, batch);
    if (indexer_) {
      const auto categories = ById(repo_.ListCategories(tx));
      for (const auto& [id, delta] : batch) EMP_TRY(Reindex(tx, id, &categories));
    }
    return OkStatus();
  });
  if (!st) {
    std::lock_guard lock(counters_mutex_);
    for (const auto& [id, d] : batch) {
      counters_[id].views += d.views;
      counters_[id].add_to_cart += d.add_to_cart;
    }
  }
  return st;
}

}  // namespace emporium::catalog
