#include "modules/catalog/catalog_controller.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <ctime>
#include <map>

#include "core/clock.hpp"
#include "core/cursor.hpp"
#include "http/validation.hpp"

namespace emporium::catalog {

namespace json = boost::json;

namespace {

constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;
constexpr std::size_t kMaxImages = 50;
constexpr std::int64_t kMaxQuantity = 1'000'000'000;

const std::vector<std::string_view> kProductFields = {"name",   "slug",       "description", "category_id",
                                                      "brand",  "status",     "attributes",  "images",
                                                      "exclusive_until", "variants"};
const std::vector<std::string_view> kVariantFields = {"sku",    "options", "price", "compare_at_price", "weight_grams",
                                                      "barcode", "stock",  "position", "low_stock_threshold"};

json::value TimeJson(const std::optional<std::int64_t>& t) {
  if (!t) return nullptr;
  return json::value(core::FormatRfc3339(*t));
}

Actor ActorOf(const http::Request& req) {
  Actor a;
  if (req.principal) {
    a.user_id = req.principal->user_id;
    a.role = req.principal->role;
  }
  a.ip = req.remote_ip;
  a.request_id = req.request_id;
  return a;
}

bool IsStaff(const http::Request& req) {
  return req.principal && (req.principal->role == Role::kManager || req.principal->role == Role::kAdmin);
}

void Prefixed(const Status& st, const std::string& prefix, std::vector<FieldError>& errors) {
  if (st) return;
  for (const auto& f : st.error().fields) errors.push_back({prefix + f.field, f.message});
}

/// Option values are strings or numbers ({"size": "M", "length_cm": 90}).
void CheckOptions(const json::object& options, const std::string& field, std::vector<FieldError>& errors) {
  if (options.size() > 20) errors.push_back({field, "at most 20 options"});
  for (const auto& [key, value] : options) {
    if (key.empty() || key.size() > 50) errors.push_back({field, "option names are 1–50 characters"});
    if (!value.is_string() && !value.is_number()) {
      errors.push_back({field + "." + std::string(key), "must be a string or a number"});
    }
  }
}

/// Reads the variant fields shared by POST (required = true) and PATCH.
struct VariantFields {
  std::optional<std::string> sku, barcode;
  std::optional<json::object> options;
  std::optional<Money> price;
  bool has_compare = false;
  std::optional<Money> compare_at;
  std::optional<std::int64_t> weight, stock, position, threshold;
};

VariantFields ReadVariant(const json::object& obj, bool create, const std::string& prefix,
                          std::vector<FieldError>& errors) {
  VariantFields f;
  http::JsonInput in(obj);
  in.AllowOnly(kVariantFields);
  f.sku = in.String("sku", {.required = create, .min = 1, .max = 64});
  f.barcode = in.String("barcode", {.max = 64});
  f.weight = in.Int("weight_grams", {.min = 0, .max = kMaxQuantity});
  f.stock = in.Int("stock", {.min = 0, .max = kMaxQuantity});
  f.position = in.Int("position", {.min = 0, .max = 10'000});
  f.threshold = in.Int("low_stock_threshold", {.min = 0, .max = kMaxQuantity});
  if (!create && f.stock) in.Fail("stock", "is changed through inventory adjustments");
  Prefixed(in.Finish(), prefix, errors);
  if (const auto* o = obj.if_contains("options")) {
    if (!o->is_object()) {
      errors.push_back({prefix + "options", "must be an object"});
    } else {
      CheckOptions(o->as_object(), prefix + "options", errors);
      f.options = o->as_object();
    }
  }
  if (const auto* p = obj.if_contains("price")) {
    f.price = ParseMoney(*p, prefix + "price", errors);
  } else if (create) {
    errors.push_back({prefix + "price", "is required"});
  }
  if (const auto* c = obj.if_contains("compare_at_price")) {
    f.has_compare = true;
    if (!c->is_null()) f.compare_at = ParseMoney(*c, prefix + "compare_at_price", errors);
    if (f.compare_at && f.price && f.compare_at->currency != f.price->currency) {
      errors.push_back({prefix + "compare_at_price.currency", "must be the price's currency"});
    }
  }
  return f;
}

VariantInput ToVariantInput(const VariantFields& f) {
  VariantInput v;
  v.sku = f.sku.value_or("");
  v.barcode = f.barcode.value_or("");
  if (f.options) v.options = *f.options;
  if (f.price) {
    v.price = f.price->amount;
    v.currency = f.price->currency;
  }
  if (f.compare_at) v.compare_at_price = f.compare_at->amount;
  v.weight_grams = f.weight.value_or(0);
  v.stock = f.stock.value_or(0);
  v.low_stock_threshold = f.threshold.value_or(kDefaultLowStockThreshold);
  return v;
}

std::optional<std::vector<ImageInput>> ReadImages(const json::object& body, std::vector<FieldError>& errors) {
  const auto* v = body.if_contains("images");
  if (!v) return std::nullopt;
  std::vector<ImageInput> out;
  if (v->is_null()) return out;
  if (!v->is_array()) {
    errors.push_back({"images", "must be an array"});
    return std::nullopt;
  }
  if (v->as_array().size() > kMaxImages) errors.push_back({"images", "at most 50 images"});
  for (std::size_t i = 0; i < v->as_array().size(); ++i) {
    const auto prefix = "images[" + std::to_string(i) + "].";
    const auto& item = v->as_array()[i];
    if (!item.is_object()) {
      errors.push_back({"images[" + std::to_string(i) + "]", "must be an object {url, alt}"});
      continue;
    }
    http::JsonInput in(item.as_object());
    in.AllowOnly({"url", "alt"});
    auto url = in.String("url", {.required = true, .min = 1, .max = 2000});
    auto alt = in.String("alt", {.max = 500});
    if (url && url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0 && url->rfind("/", 0) != 0) {
      in.Fail("url", "must be an http(s) URL or an absolute path");
    }
    Prefixed(in.Finish(), prefix, errors);
    out.push_back({url.value_or(""), alt.value_or("")});
  }
  return out;
}

/// Reads "attributes" ({} of any JSON) and "exclusive_until" into the outputs.
void ReadAttributesAndExclusive(const json::object& body, std::optional<json::object>& attributes,
                                bool& has_exclusive, std::optional<std::int64_t>& exclusive,
                                std::vector<FieldError>& errors) {
  if (const auto* a = body.if_contains("attributes")) {
    if (a->is_null()) {
      attributes = json::object{};
    } else if (!a->is_object()) {
      errors.push_back({"attributes", "must be an object"});
    } else {
      attributes = a->as_object();
    }
  }
  if (const auto* e = body.if_contains("exclusive_until")) {
    has_exclusive = true;
    if (!e->is_null()) {
      exclusive = ParseTimestamp(*e);
      if (!exclusive) errors.push_back({"exclusive_until", "must be an RFC 3339 UTC time or Unix seconds"});
    }
  }
}

Status Fail(std::vector<FieldError> errors) {
  if (errors.empty()) return OkStatus();
  Error e = Error::Invalid(errors.front().field, errors.front().message);
  e.fields = std::move(errors);
  return e;
}

json::object InventoryJson(const InventoryItem& i) {
  Variant v;
  v.on_hand = i.on_hand;
  v.reserved = i.reserved;
  v.low_stock_threshold = i.low_stock_threshold;
  return json::object{{"variant_id", i.variant_id},   {"product_id", i.product_id},
                      {"sku", i.sku},                 {"product_name", i.product_name},
                      {"on_hand", i.on_hand},         {"reserved", i.reserved},
                      {"available", v.available()},   {"low_stock_threshold", i.low_stock_threshold},
                      {"stock_status", v.stock_status()}};
}

json::object CategoryJson(const Category& c) {
  return json::object{{"id", c.id},
                      {"name", c.name},
                      {"slug", c.slug},
                      {"parent_id", c.parent_id ? json::value(*c.parent_id) : json::value(nullptr)},
                      {"description", c.description},
                      {"position", c.position}};
}

}  // namespace

std::optional<std::int64_t> ParseTimestamp(const json::value& v) {
  if (v.is_int64()) return v.as_int64() >= 0 ? std::optional<std::int64_t>(v.as_int64()) : std::nullopt;
  if (!v.is_string()) return std::nullopt;
  const std::string s(v.as_string());
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z') {
    return std::nullopt;
  }
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 20) {
    return std::nullopt;
  }
  if (!core::IsValidDate(s.substr(0, 10)) || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59) return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm));
}

json::object VariantJson(const Variant& v, bool staff) {
  json::object o{{"id", v.id},
                 {"product_id", v.product_id},
                 {"sku", v.sku},
                 {"options", v.options},
                 {"price", MoneyJson(v.price, v.currency)},
                 {"compare_at_price",
                  v.compare_at_price ? json::value(MoneyJson(*v.compare_at_price, v.currency)) : json::value(nullptr)},
                 {"stock_status", v.stock_status()},
                 {"weight_grams", v.weight_grams},
                 {"barcode", v.barcode},
                 {"position", v.position}};
  if (staff) {
    o["inventory"] = json::object{{"on_hand", v.on_hand},
                                  {"reserved", v.reserved},
                                  {"available", v.available()},
                                  {"low_stock_threshold", v.low_stock_threshold}};
  }
  return o;
}

json::object ProductJson(const ProductView& p, bool detail, bool staff) {
  json::array images;
  for (const auto& img : p.images) {
    images.push_back(json::object{{"url", img.url}, {"alt", img.alt}, {"position", img.position}});
  }
  json::object histogram{{"1", 0}, {"2", 0}, {"3", 0}, {"4", 0}, {"5", 0}};
  json::object o{{"id", p.id},
                 {"slug", p.slug},
                 {"name", p.name},
                 {"brand", p.brand},
                 {"category_id", p.category_id},
                 {"status", p.status},
                 {"price", MoneyJson(p.min_price, p.currency)},
                 {"max_price", MoneyJson(p.max_price, p.currency)},
                 {"in_stock", p.in_stock},
                 {"rating", json::object{{"average", p.rating_x100 / 100.0},
                                         {"count", p.rating_count},
                                         {"histogram", std::move(histogram)}}},
                 {"exclusive_until", TimeJson(p.exclusive_until)},
                 {"images", std::move(images)},
                 {"created_at", core::FormatRfc3339(p.created_at)},
                 {"updated_at", core::FormatRfc3339(p.updated_at)}};
  if (detail) {
    o["description"] = p.description;
    o["attributes"] = p.attributes;
    json::array variants;
    for (const auto& v : p.variants) variants.push_back(VariantJson(v, staff));
    o["variants"] = std::move(variants);
  }
  return o;
}

json::array CategoryTreeJson(const std::vector<Category>& categories) {
  std::map<std::int64_t, std::vector<const Category*>> children;  // parent id (0 = root) → children
  std::map<std::int64_t, const Category*> by_id;
  for (const auto& c : categories) by_id[c.id] = &c;
  for (const auto& c : categories) {
    // A child of a soft-deleted parent is shown at the root rather than lost.
    const std::int64_t parent = c.parent_id && by_id.count(*c.parent_id) ? *c.parent_id : 0;
    children[parent].push_back(&c);
  }
  auto build = [&](auto&& self, std::int64_t parent, int depth) -> json::array {
    json::array out;
    auto it = children.find(parent);
    if (it == children.end() || depth > 64) return out;
    for (const auto* c : it->second) {
      auto o = CategoryJson(*c);
      o["children"] = self(self, c->id, depth + 1);
      out.push_back(std::move(o));
    }
    return out;
  };
  return build(build, 0, 0);
}

Result<ProductFilter> ParseProductFilter(const http::Request& req) {
  http::QueryInput q(req);
  ProductFilter f;
  f.category = q.String("category", {.max = 120});
  f.min_price = q.Int("min_price", {.min = 0});
  f.max_price = q.Int("max_price", {.min = 0});
  f.in_stock_only = q.Bool("in_stock").value_or(false);
  if (auto r = q.Int("min_rating", {.min = 1, .max = 5})) f.min_rating = static_cast<int>(*r);
  auto sort = q.String("sort", {.max = 20});
  f.limit = static_cast<int>(q.Int("limit", {.min = 1, .max = kMaxLimit}).value_or(kDefaultLimit));
  auto cursor = q.String("cursor", {.max = 96});
  EMP_TRY(q.Finish());
  std::vector<FieldError> errors;
  if (f.category && f.category->empty()) f.category.reset();
  if (sort && !sort->empty()) {
    auto s = ParseProductSort(*sort);
    if (!s) {
      errors.push_back({"sort", "must be newest, price_asc, price_desc, rating or popular"});
    } else {
      f.sort = *s;
    }
  }
  if (f.min_price && f.max_price && *f.min_price > *f.max_price) {
    errors.push_back({"max_price", "must not be below min_price"});
  }
  if (cursor && !cursor->empty()) {
    f.after = DecodeListCursor(*cursor);
    if (!f.after || f.after->sort != f.sort) errors.push_back({"cursor", "is not a valid cursor for this sort"});
  }
  EMP_TRY(Fail(std::move(errors)));
  return f;
}

void RegisterCatalogRoutes(http::Router& router, CatalogService& service, http::ResponseCache* cache) {
  const auto manager = http::RouteOptions::Roles({Role::kManager, Role::kAdmin});
  auto* s = &service;
  const http::RouteOptions cached{.cache = cache};

  router.Get(
      "/api/v1/categories",
      [s](http::Request&) -> Result<http::Response> {
        EMP_ASSIGN(auto categories, s->Categories());
        return http::Response::List(CategoryTreeJson(categories), std::nullopt);
      },
      cached);

  router.Get(
      "/api/v1/products",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(auto filter, ParseProductFilter(req));
        EMP_ASSIGN(auto page, s->ListProducts(filter, req.principal));
        json::array items;
        items.reserve(page.items.size());
        for (const auto& p : page.items) items.push_back(ProductJson(p, false, false));
        return http::Response::List(std::move(items), page.next_cursor);
      },
      cached);

  router.Get(
      "/api/v1/products/{id}",
      [s](http::Request& req) -> Result<http::Response> {
        const std::string key(req.Param("id"));
        if (key.empty() || key.size() > 120) return Error::NotFound("The product does not exist.");
        EMP_ASSIGN(auto p, s->GetProduct(key, req.principal));
        req.cache_tag = p.id;
        return http::Response::Json(200, ProductJson(p, true, IsStaff(req)));
      },
      {.cache = cache, .on_cache_hit = [s](std::int64_t product_id) { s->RecordView(product_id); }});

  router.Post(
      "/api/v1/admin/categories",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(auto in, http::JsonInput::From(req));
        in.AllowOnly({"name", "slug", "parent_id", "description", "position"});
        CategoryInput c;
        c.name = in.String("name", {.required = true, .min = 1, .max = 200}).value_or("");
        c.slug = in.String("slug", {.max = 120});
        c.parent_id = in.Int("parent_id", {.min = 1});
        c.description = in.String("description", {.max = 5000}).value_or("");
        c.position = static_cast<int>(in.Int("position", {.min = 0, .max = 1'000'000}).value_or(0));
        EMP_TRY(in.Finish());
        if (c.slug && c.slug->empty()) c.slug.reset();
        EMP_ASSIGN(auto created, s->CreateCategory(c, ActorOf(req)));
        auto o = CategoryJson(created);
        o["children"] = json::array();
        return http::Response::Json(201, o);
      },
      manager);

  router.Patch(
      "/api/v1/admin/categories/{id}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_ASSIGN(auto in, http::JsonInput::From(req));
        in.AllowOnly({"name", "slug", "parent_id", "description", "position"});
        CategoryPatch p;
        p.name = in.String("name", {.min = 1, .max = 200});
        p.slug = in.String("slug", {.min = 1, .max = 120});
        p.description = in.String("description", {.max = 5000, .allow_null = true});
        if (auto pos = in.Int("position", {.min = 0, .max = 1'000'000})) p.position = static_cast<int>(*pos);
        if (in.Has("parent_id")) {
          p.set_parent = true;
          if (!in.IsNull("parent_id")) p.parent_id = in.Int("parent_id", {.min = 1});
        }
        EMP_TRY(in.Finish());
        EMP_ASSIGN(auto updated, s->UpdateCategory(id, p, ActorOf(req)));
        return http::Response::Json(200, CategoryJson(updated));
      },
      manager);

  router.Delete(
      "/api/v1/admin/categories/{id}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_TRY(s->DeleteCategory(id, ActorOf(req)));
        return http::Response::NoContent();
      },
      manager);

  router.Post(
      "/api/v1/admin/products",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(auto in, http::JsonInput::From(req));
        in.AllowOnly(kProductFields);
        ProductInput p;
        p.name = in.String("name", {.required = true, .min = 1, .max = 300}).value_or("");
        p.slug = in.String("slug", {.max = 120});
        p.description = in.String("description", {.max = 20'000}).value_or("");
        p.category_id = in.Int("category_id", {.required = true, .min = 1}).value_or(0);
        p.brand = in.String("brand", {.max = 200}).value_or("");
        p.status = in.Enum("status", {"draft", "active", "archived"}).value_or("active");
        std::vector<FieldError> errors;
        if (auto st = in.Finish(); !st) errors = st.error().fields;
        std::optional<json::object> attributes;
        bool has_exclusive = false;
        ReadAttributesAndExclusive(in.object(), attributes, has_exclusive, p.exclusive_until, errors);
        if (attributes) p.attributes = std::move(*attributes);
        if (auto images = ReadImages(in.object(), errors)) p.images = std::move(*images);
        if (const auto* vs = in.object().if_contains("variants")) {
          if (!vs->is_array()) {
            errors.push_back({"variants", "must be an array"});
          } else if (vs->as_array().size() > static_cast<std::size_t>(kMaxVariantsPerProduct)) {
            errors.push_back({"variants", "at most 100 variants"});
          } else {
            for (std::size_t i = 0; i < vs->as_array().size(); ++i) {
              const auto prefix = "variants[" + std::to_string(i) + "]";
              const auto& item = vs->as_array()[i];
              if (!item.is_object()) {
                errors.push_back({prefix, "must be an object"});
                continue;
              }
              p.variants.push_back(ToVariantInput(ReadVariant(item.as_object(), true, prefix + ".", errors)));
            }
          }
        }
        EMP_TRY(Fail(std::move(errors)));
        if (p.slug && p.slug->empty()) p.slug.reset();
        EMP_ASSIGN(auto created, s->CreateProduct(p, ActorOf(req)));
        return http::Response::Json(201, ProductJson(created, true, true));
      },
      manager);

  router.Patch(
      "/api/v1/admin/products/{id}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_ASSIGN(auto in, http::JsonInput::From(req));
        in.AllowOnly({"name", "slug", "description", "category_id", "brand", "status", "attributes", "images",
                      "exclusive_until"});
        ProductPatch p;
        p.name = in.String("name", {.min = 1, .max = 300});
        p.slug = in.String("slug", {.min = 1, .max = 120});
        p.description = in.String("description", {.max = 20'000, .allow_null = true});
        p.category_id = in.Int("category_id", {.min = 1});
        p.brand = in.String("brand", {.max = 200, .allow_null = true});
        p.status = in.Enum("status", {"draft", "active", "archived"});
        std::vector<FieldError> errors;
        if (auto st = in.Finish(); !st) errors = st.error().fields;
        ReadAttributesAndExclusive(in.object(), p.attributes, p.set_exclusive, p.exclusive_until, errors);
        p.images = ReadImages(in.object(), errors);
        EMP_TRY(Fail(std::move(errors)));
        EMP_ASSIGN(auto updated, s->UpdateProduct(id, p, ActorOf(req)));
        return http::Response::Json(200, ProductJson(updated, true, true));
      },
      manager);

  router.Delete(
      "/api/v1/admin/products/{id}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_TRY(s->DeleteProduct(id, ActorOf(req)));
        return http::Response::NoContent();
      },
      manager);

  router.Post(
      "/api/v1/admin/products/{id}/variants",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_ASSIGN(auto body, req.JsonBody());
        if (!body.is_object()) return Error::Invalid("body", "must be a JSON object");
        std::vector<FieldError> errors;
        auto fields = ReadVariant(body.as_object(), true, "", errors);
        EMP_TRY(Fail(std::move(errors)));
        EMP_ASSIGN(auto v, s->CreateVariant(id, ToVariantInput(fields), ActorOf(req)));
        return http::Response::Json(201, VariantJson(v, true));
      },
      manager);

  router.Patch(
      "/api/v1/admin/products/{id}/variants/{vid}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_ASSIGN(std::int64_t vid, req.IdParam("vid"));
        EMP_ASSIGN(auto body, req.JsonBody());
        if (!body.is_object()) return Error::Invalid("body", "must be a JSON object");
        std::vector<FieldError> errors;
        auto f = ReadVariant(body.as_object(), false, "", errors);
        EMP_TRY(Fail(std::move(errors)));
        VariantPatch p;
        p.sku = f.sku;
        p.options = f.options;
        p.price = f.price;
        p.set_compare_at = f.has_compare;
        if (f.compare_at) p.compare_at_price = f.compare_at->amount;
        p.weight_grams = f.weight;
        p.barcode = f.barcode;
        if (f.position) p.position = static_cast<int>(*f.position);
        p.low_stock_threshold = f.threshold;
        EMP_ASSIGN(auto v, s->UpdateVariant(id, vid, p, ActorOf(req)));
        return http::Response::Json(200, VariantJson(v, true));
      },
      manager);

  router.Delete(
      "/api/v1/admin/products/{id}/variants/{vid}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_ASSIGN(std::int64_t vid, req.IdParam("vid"));
        EMP_TRY(s->DeleteVariant(id, vid, ActorOf(req)));
        return http::Response::NoContent();
      },
      manager);

  router.Post(
      "/api/v1/admin/inventory/{variant_id}/adjustments",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t vid, req.IdParam("variant_id"));
        EMP_ASSIGN(auto in, http::JsonInput::From(req));
        in.AllowOnly({"delta", "reason"});
        auto delta = in.Int("delta", {.required = true, .min = -kMaxQuantity, .max = kMaxQuantity});
        auto reason = in.String("reason", {.required = true, .min = 1, .max = 500});
        if (delta && *delta == 0) in.Fail("delta", "must not be zero");
        EMP_TRY(in.Finish());
        EMP_ASSIGN(auto v, s->AdjustStock(vid, *delta, *reason, ActorOf(req)));
        return http::Response::Json(200, VariantJson(v, true));
      },
      manager);

  router.Get(
      "/api/v1/admin/inventory",
      [s](http::Request& req) -> Result<http::Response> {
        http::QueryInput q(req);
        const bool low = q.Bool("low_stock").value_or(false);
        const int limit = static_cast<int>(q.Int("limit", {.min = 1, .max = kMaxLimit}).value_or(kDefaultLimit));
        auto cursor = q.String("cursor", {.max = 64});
        EMP_TRY(q.Finish());
        std::optional<std::int64_t> after;
        if (cursor && !cursor->empty()) {
          after = core::DecodeIdCursor(*cursor);
          if (!after) return Error::Invalid("cursor", "is not a valid cursor");
        }
        EMP_ASSIGN(auto page, s->ListInventory(low, after, limit));
        json::array items;
        for (const auto& i : page.items) items.push_back(InventoryJson(i));
        return http::Response::List(std::move(items), page.next_cursor);
      },
      manager);
}

}  // namespace emporium::catalog
