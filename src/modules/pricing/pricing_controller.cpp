#include "modules/pricing/pricing_controller.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "core/clock.hpp"
#include "core/cursor.hpp"
#include "http/validation.hpp"

namespace emporium::pricing {

namespace json = boost::json;

namespace {

constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;
constexpr std::int64_t kMaxAmount = 1'000'000'000'000;  // 10 billion units: far above any real rate
constexpr std::int64_t kMaxWeightGrams = 1'000'000'000;

json::object Money(std::int64_t amount, const std::string& currency) {
  return {{"amount", amount}, {"currency", currency}};
}

json::value TimeJson(const std::optional<std::int64_t>& t) {
  return t ? json::value(core::FormatRfc3339(*t)) : json::value(nullptr);
}

json::value IntOrNull(const std::optional<std::int64_t>& v) { return v ? json::value(*v) : json::value(nullptr); }

/// "2027-01-15T08:00:00Z" or Unix seconds.
std::optional<std::int64_t> ParseTime(const json::value& v) {
  if (v.is_int64()) return v.as_int64() >= 0 ? std::optional<std::int64_t>(v.as_int64()) : std::nullopt;
  if (!v.is_string() || v.as_string().size() != 20) return std::nullopt;
  const std::string s(v.as_string());
  std::tm tm{};
  char zulu = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &zulu) != 7 ||
      zulu != 'Z' || !core::IsValidDate(s.substr(0, 10)) || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm));
}

/// A {"amount": int ≥ 0, "currency": the store's} object at `field`; records a 422 otherwise.
std::optional<std::int64_t> ReadMoney(http::JsonInput& in, std::string_view field, const std::string& currency,
                                      bool required = false) {
  const auto* v = in.object().if_contains(field);
  if (!v) {
    if (required) in.Fail(std::string(field), "is required");
    return std::nullopt;
  }
  const std::string name(field);
  if (!v->is_object()) {
    in.Fail(name, "must be a money object {amount, currency}");
    return std::nullopt;
  }
  const auto& o = v->as_object();
  const auto* amount = o.if_contains("amount");
  const auto* cur = o.if_contains("currency");
  if (!amount || !amount->is_int64() || amount->as_int64() < 0 || amount->as_int64() > kMaxAmount) {
    in.Fail(name + ".amount", "must be a whole number of minor units, 0 or more");
    return std::nullopt;
  }
  if (!cur || !cur->is_string() || cur->as_string() != currency) {
    in.Fail(name + ".currency", "must be the store currency " + currency);
    return std::nullopt;
  }
  return amount->as_int64();
}

std::string UpperParam(const http::Request& req, std::string_view name) {
  std::string s(req.Param(name));
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Result<std::pair<std::optional<std::int64_t>, int>> PageParams(const http::Request& req) {
  http::QueryInput q(req);
  const auto limit = q.Int("limit", {.min = 1, .max = kMaxLimit}).value_or(kDefaultLimit);
  const auto cursor = q.String("cursor", {.max = 200});
  EMP_TRY(q.Finish());
  std::optional<std::int64_t> after;
  if (cursor && !cursor->empty()) {
    after = core::DecodeIdCursor(*cursor);
    if (!after) return Error::Invalid("cursor", "is not a valid cursor");
  }
  return std::pair{after, static_cast<int>(limit)};
}

audit::AuditEntry Who(const http::Request& req) { return audit::AuditEntry::FromRequest(req, "", "", std::nullopt); }

json::object SettingsJson(const StoreSettings& s) {
  return {{"currency", s.currency},
          {"prices_include_tax", s.prices_include_tax},
          {"ships_to_all", s.ships_to_all},
          {"safe_shipping_fee", Money(s.safe_shipping_fee, s.currency)},
          {"default_country_rate", Money(s.default_country_rate, s.currency)},
          {"heavy_extra_per_kg", Money(s.heavy_extra_per_kg, s.currency)},
          {"loyalty_point_value", Money(s.loyalty_point_value, s.currency)},
          {"loyalty_points_per_unit", s.loyalty_points_per_unit}};
}

json::object CountryJson(const ShippingCountry& c, const std::string& currency) {
  return {{"country", c.country},
          {"name", c.name},
          {"rate", Money(c.rate, currency)},
          {"enabled", c.enabled},
          {"updated_at", core::FormatRfc3339(c.updated_at)}};
}

json::object TaxJson(const TaxRate& t) {
  return {{"country", t.country}, {"rate_bp", t.rate_bp}, {"updated_at", core::FormatRfc3339(t.updated_at)}};
}

json::object DiscountJson(const DiscountCode& d, const std::string& currency) {
  return {{"id", d.id},
          {"code", d.code},
          {"kind", d.percentage ? "percentage" : "fixed"},
          {"value", d.value},
          {"amount_off", d.percentage ? json::value(nullptr) : json::value(Money(d.value, currency))},
          {"min_subtotal", Money(d.min_subtotal, currency)},
          {"starts_at", TimeJson(d.starts_at)},
          {"ends_at", TimeJson(d.ends_at)},
          {"max_uses", IntOrNull(d.max_uses)},
          {"max_uses_per_customer", IntOrNull(d.max_uses_per_customer)},
          {"uses", d.uses},
          {"active", d.active},
          {"created_at", core::FormatRfc3339(d.created_at)},
          {"updated_at", core::FormatRfc3339(d.updated_at)}};
}

json::object BandsJson(const RulesSnapshot& rules) {
  const auto& currency = rules.settings.currency;
  json::array items;
  for (const auto& b : rules.weight_bands) {
    items.push_back(json::object{{"up_to_grams", b.up_to_grams}, {"rate", Money(b.rate, currency)}});
  }
  return {{"items", std::move(items)},
          {"next_cursor", nullptr},
          {"heavy_extra_per_kg", Money(rules.settings.heavy_extra_per_kg, currency)}};
}

json::array MethodsJson(const RulesSnapshot& rules) {
  json::array items;
  for (auto m : {ShippingMethod::kStandard, ShippingMethod::kExpress, ShippingMethod::kNextDay}) {
    items.push_back(json::object{{"method", ShippingMethodName(m)},
                                 {"rate", Money(rules.method_rates[static_cast<std::size_t>(m)], rules.settings.currency)}});
  }
  return items;
}

/// Optional nullable fields of a discount body: absent → unchanged, null → cleared.
void ReadNullableInt(http::JsonInput& in, const char* field, std::optional<std::optional<std::int64_t>>& out) {
  if (!in.Has(field)) return;
  if (in.IsNull(field)) {
    out.emplace(std::nullopt);
  } else if (auto v = in.Int(field, {.min = 1})) {
    out.emplace(*v);
  }
}

void ReadNullableTime(http::JsonInput& in, const char* field, std::optional<std::optional<std::int64_t>>& out) {
  const auto* v = in.object().if_contains(field);
  if (!v) return;
  if (v->is_null()) {
    out.emplace(std::nullopt);
  } else if (auto t = ParseTime(*v)) {
    out.emplace(*t);
  } else {
    in.Fail(field, "must be an RFC 3339 UTC time (2027-01-15T08:00:00Z) or Unix seconds");
  }
}

Result<DiscountInput> ReadDiscount(const http::Request& req, const std::string& currency, bool create) {
  EMP_ASSIGN(auto in, http::JsonInput::From(req));
  in.AllowOnly({"code", "kind", "value", "min_subtotal", "starts_at", "ends_at", "max_uses", "max_uses_per_customer",
                "active"});
  DiscountInput d;
  d.code = in.String("code", {.required = create, .min = 1, .max = 64});
  if (auto kind = in.Enum("kind", {"percentage", "fixed"}, create)) d.percentage = *kind == "percentage";
  d.value = in.Int("value", {.required = create});
  d.min_subtotal = ReadMoney(in, "min_subtotal", currency);
  ReadNullableTime(in, "starts_at", d.starts_at);
  ReadNullableTime(in, "ends_at", d.ends_at);
  ReadNullableInt(in, "max_uses", d.max_uses);
  ReadNullableInt(in, "max_uses_per_customer", d.max_uses_per_customer);
  d.active = in.Bool("active");
  EMP_TRY(in.Finish());
  return d;
}

void RegisterPublicRoutes(http::Router& router, PricingService* s) {
  router.Get("/api/v1/shipping/countries", [s](http::Request&) -> Result<http::Response> {
    EMP_ASSIGN(auto rules, s->Rules());
    EMP_ASSIGN(auto countries, s->ShippingCountries(/*enabled_only=*/true));
    const auto& currency = rules->settings.currency;
    json::array items;
    for (const auto& c : countries) {
      items.push_back(json::object{{"country", c.country}, {"name", c.name}, {"rate", Money(c.rate, currency)}});
    }
    return http::Response::Json(200, json::object{{"items", std::move(items)},
                                                  {"next_cursor", nullptr},
                                                  {"ships_to_all", rules->settings.ships_to_all},
                                                  {"default_rate", Money(rules->settings.default_country_rate, currency)},
                                                  {"methods", MethodsJson(*rules)}});
  });

  router.Get("/api/v1/shipping/rates", [s](http::Request& req) -> Result<http::Response> {
    http::QueryInput q(req);
    auto country = q.String("country", {.required = true, .min = 2, .max = 2});
    auto method_text = q.String("method", {.required = true, .max = 16});
    auto weight = q.Int("weight_grams", {.required = true, .min = 0, .max = kMaxWeightGrams});
    auto safe = q.Bool("safe_shipping");
    EMP_TRY(q.Finish());
    const auto method = ParseShippingMethod(*method_text);
    if (!method) return Error::Invalid("method", "must be standard, express or next_day");
    for (auto& c : *country) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::optional<std::int64_t> user;
    if (req.principal) user = req.principal->user_id;  // members see their plan's shipping benefits
    EMP_ASSIGN(auto t, s->ShippingRate(*country, *method, *weight, safe.value_or(false), user));
    const auto& b = t.shipping_breakdown;
    return http::Response::Json(
        200, json::object{{"country", *country},
                          {"method", ShippingMethodName(*method)},
                          {"weight_grams", *weight},
                          {"safe_shipping", t.safe_shipping},
                          {"price", Money(t.shipping, t.currency)},
                          {"breakdown", json::object{{"country_rate", Money(b.country_rate, t.currency)},
                                                     {"method_rate", Money(b.method_rate, t.currency)},
                                                     {"weight_rate", Money(b.weight_rate, t.currency)},
                                                     {"safe_shipping_fee", Money(b.safe_shipping_fee, t.currency)},
                                                     {"member_discount", Money(b.member_discount, t.currency)}}}});
  });

  router.Get(
      "/api/v1/me/loyalty",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(auto page_params, PageParams(req));
        EMP_ASSIGN(auto page, s->Loyalty(req.user().user_id, page_params.first, page_params.second));
        json::array items;
        for (const auto& e : page.items) {
          items.push_back(json::object{{"id", e.id},
                                       {"kind", e.kind},
                                       {"points", e.points},
                                       {"order_id", e.order_id},
                                       {"refund_id", e.refund_id ? json::value(e.refund_id) : json::value(nullptr)},
                                       {"created_at", core::FormatRfc3339(e.created_at)}});
        }
        return http::Response::Json(
            200, json::object{{"balance", page.balance},
                              {"balance_value", Money(page.balance * page.point_value, page.currency)},
                              {"point_value", Money(page.point_value, page.currency)},
                              {"items", std::move(items)},
                              {"next_cursor", page.next_cursor ? json::value(*page.next_cursor) : json::value(nullptr)}});
      },
      http::RouteOptions::User());
}

void RegisterSettingsRoutes(http::Router& router, PricingService* s, const http::RouteOptions& staff) {
  router.Get(
      "/api/v1/admin/pricing/settings",
      [s](http::Request&) -> Result<http::Response> {
        EMP_ASSIGN(auto rules, s->Rules());
        return http::Response::Json(200, SettingsJson(rules->settings));
      },
      staff);

  router.Put(
      "/api/v1/admin/pricing/settings",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(auto in, http::JsonInput::From(req));
        in.AllowOnly({"currency", "prices_include_tax", "ships_to_all", "safe_shipping_fee", "default_country_rate",
                      "heavy_extra_per_kg", "loyalty_point_value", "loyalty_points_per_unit"});
        SettingsPatch p;
        p.currency = in.String("currency", {.min = 3, .max = 3});
        if (p.currency && !std::all_of(p.currency->begin(), p.currency->end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
          in.Fail("currency", "must be an ISO 4217 code such as EUR");
        }
        const auto currency = p.currency.value_or(s->Currency());  // money fields are in the new currency
        p.prices_include_tax = in.Bool("prices_include_tax");
        p.ships_to_all = in.Bool("ships_to_all");
        p.safe_shipping_fee = ReadMoney(in, "safe_shipping_fee", currency);
        p.default_country_rate = ReadMoney(in, "default_country_rate", currency);
        p.heavy_extra_per_kg = ReadMoney(in, "heavy_extra_per_kg", currency);
        p.loyalty_point_value = ReadMoney(in, "loyalty_point_value", currency);
        if (p.loyalty_point_value && *p.loyalty_point_value < 1) in.Fail("loyalty_point_value", "must be above 0");
        p.loyalty_points_per_unit = in.Int("loyalty_points_per_unit", {.min = 0, .max = 1'000'000});
        EMP_TRY(in.Finish());
        EMP_ASSIGN(auto settings, s->UpdateSettings(p, Who(req)));
        return http::Response::Json(200, SettingsJson(settings));
      },
      staff);
}

void RegisterShippingAdminRoutes(http::Router& router, PricingService* s, const http::RouteOptions& staff) {
  router.Get(
      "/api/v1/admin/shipping/countries",
      [s](http::Request&) -> Result<http::Response> {
        const auto currency = s->Currency();
        EMP_ASSIGN(auto countries, s->ShippingCountries(/*enabled_only=*/false));
        json::array items;
        for (const auto& c : countries) items.push_back(CountryJson(c, currency));
        return http::Response::List(std::move(items), std::nullopt);
      },
      staff);

  router.Get(
      "/api/v1/admin/shipping/countries/{country}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(auto c, s->Country(UpperParam(req, "country")));
        return http::Response::Json(200, CountryJson(c, s->Currency()));
      },
      staff);

  router.Put(
      "/api/v1/admin/shipping/countries/{country}",
      [s](http::Request& req) -> Result<http::Response> {
        const auto currency = s->Currency();
        EMP_ASSIGN(auto in, http::JsonInput::From(req));
        in.AllowOnly({"name", "rate", "enabled"});
        ShippingCountry c;
        c.country = UpperParam(req, "country");
        c.name = in.String("name", {.max = 100}).value_or("");
        if (c.name.empty()) c.name = c.country;
        c.rate = ReadMoney(in, "rate", currency, /*required=*/true).value_or(0);
        c.enabled = in.Bool("enabled").value_or(true);
        EMP_TRY(in.Finish());
        EMP_ASSIGN(auto saved, s->SaveCountry(c, Who(req)));
        return http::Response::Json(200, CountryJson(saved, currency));
      },
      staff);

  router.Delete(
      "/api/v1/admin/shipping/countries/{country}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_TRY(s->DeleteCountry(UpperParam(req, "country"), Who(req)));
        return http::Response::NoContent();
      },
      staff);

  router.Get(
      "/api/v1/admin/shipping/methods",
      [s](http::Request&) -> Result<http::Response> {
        EMP_ASSIGN(auto rules, s->Rules());
        return http::Response::List(MethodsJson(*rules), std::nullopt);
      },
      staff);

  router.Put(
      "/api/v1/admin/shipping/methods/{method}",
      [s](http::Request& req) -> Result<http::Response> {
        const auto method = ParseShippingMethod(req.Param("method"));
        if (!method) return Error::NotFound("The shipping method does not exist.");
        const auto currency = s->Currency();
        EMP_ASSIGN(auto in, http::JsonInput::From(req));
        in.AllowOnly({"rate"});
        const auto rate = ReadMoney(in, "rate", currency, /*required=*/true);
        EMP_TRY(in.Finish());
        EMP_ASSIGN(auto saved, s->SaveMethodRate(*method, *rate, Who(req)));
        return http::Response::Json(200, json::object{{"method", ShippingMethodName(*method)},
                                                      {"rate", Money(saved, currency)}});
      },
      staff);

  router.Get(
      "/api/v1/admin/shipping/weight-bands",
      [s](http::Request&) -> Result<http::Response> {
        EMP_ASSIGN(auto rules, s->Rules());
        return http::Response::Json(200, BandsJson(*rules));
      },
      staff);

  router.Put(
      "/api/v1/admin/shipping/weight-bands",
      [s](http::Request& req) -> Result<http::Response> {
        const auto currency = s->Currency();
        EMP_ASSIGN(auto in, http::JsonInput::From(req));
        in.AllowOnly({"bands", "heavy_extra_per_kg"});
        const auto heavy = ReadMoney(in, "heavy_extra_per_kg", currency);
        std::vector<WeightBand> bands;
        const auto* list = in.object().if_contains("bands");
        if (!list || !list->is_array()) {
          in.Fail("bands", "is required: an array of {up_to_grams, rate}");
        } else {
          for (std::size_t i = 0; i < list->as_array().size(); ++i) {
            const auto& item = list->as_array()[i];
            const auto field = "bands[" + std::to_string(i) + "]";
            if (!item.is_object()) {
              in.Fail(field, "must be an object {up_to_grams, rate}");
              continue;
            }
            http::JsonInput band(item.as_object());
            band.AllowOnly({"up_to_grams", "rate"});
            auto up_to = band.Int("up_to_grams", {.required = true, .min = 1, .max = kMaxWeightGrams});
            auto rate = ReadMoney(band, "rate", currency, /*required=*/true);
            if (auto st = band.Finish(); !st) {
              for (const auto& f : st.error().fields) in.Fail(field + "." + f.field, f.message);
            } else {
              bands.push_back({*up_to, *rate});
            }
          }
        }
        EMP_TRY(in.Finish());
        EMP_TRY(s->ReplaceWeightBands(bands, heavy, Who(req)));
        EMP_ASSIGN(auto rules, s->Rules());
        return http::Response::Json(200, BandsJson(*rules));
      },
      staff);
}

void RegisterTaxRoutes(http::Router& router, PricingService* s, const http::RouteOptions& staff) {
  router.Get(
      "/api/v1/admin/tax-rates",
      [s](http::Request&) -> Result<http::Response> {
        EMP_ASSIGN(auto rates, s->TaxRates());
        json::array items;
        for (const auto& t : rates) items.push_back(TaxJson(t));
        return http::Response::List(std::move(items), std::nullopt);
      },
      staff);

  router.Get(
      "/api/v1/admin/tax-rates/{country}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(auto t, s->GetTaxRate(UpperParam(req, "country")));
        return http::Response::Json(200, TaxJson(t));
      },
      staff);

  router.Put(
      "/api/v1/admin/tax-rates/{country}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(auto in, http::JsonInput::From(req));
        in.AllowOnly({"rate_bp"});
        const auto rate = in.Int("rate_bp", {.required = true, .min = 0, .max = 10'000});
        EMP_TRY(in.Finish());
        EMP_ASSIGN(auto t, s->SaveTaxRate(UpperParam(req, "country"), *rate, Who(req)));
        return http::Response::Json(200, TaxJson(t));
      },
      staff);

  router.Delete(
      "/api/v1/admin/tax-rates/{country}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_TRY(s->DeleteTaxRate(UpperParam(req, "country"), Who(req)));
        return http::Response::NoContent();
      },
      staff);
}

void RegisterDiscountRoutes(http::Router& router, PricingService* s, const http::RouteOptions& staff) {
  router.Get(
      "/api/v1/admin/discount-codes",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(auto page_params, PageParams(req));
        EMP_ASSIGN(auto page, s->Discounts(page_params.first, page_params.second));
        const auto currency = s->Currency();
        json::array items;
        for (const auto& d : page.items) items.push_back(DiscountJson(d, currency));
        return http::Response::List(std::move(items), page.next_cursor);
      },
      staff);

  router.Post(
      "/api/v1/admin/discount-codes",
      [s](http::Request& req) -> Result<http::Response> {
        const auto currency = s->Currency();
        EMP_ASSIGN(auto in, ReadDiscount(req, currency, /*create=*/true));
        EMP_ASSIGN(auto d, s->CreateDiscount(in, Who(req)));
        return http::Response::Json(201, DiscountJson(d, currency));
      },
      staff);

  router.Get(
      "/api/v1/admin/discount-codes/{id}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_ASSIGN(auto d, s->Discount(id));
        return http::Response::Json(200, DiscountJson(d, s->Currency()));
      },
      staff);

  router.Patch(
      "/api/v1/admin/discount-codes/{id}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        const auto currency = s->Currency();
        EMP_ASSIGN(auto in, ReadDiscount(req, currency, /*create=*/false));
        EMP_ASSIGN(auto d, s->UpdateDiscount(id, in, Who(req)));
        return http::Response::Json(200, DiscountJson(d, currency));
      },
      staff);

  router.Delete(
      "/api/v1/admin/discount-codes/{id}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_TRY(s->DeleteDiscount(id, Who(req)));
        return http::Response::NoContent();
      },
      staff);
}

}  // namespace

void RegisterPricingRoutes(http::Router& router, PricingService& service) {
  const auto staff = http::RouteOptions::Roles({Role::kManager, Role::kAdmin});
  RegisterPublicRoutes(router, &service);
  RegisterSettingsRoutes(router, &service, staff);
  RegisterShippingAdminRoutes(router, &service, staff);
  RegisterTaxRoutes(router, &service, staff);
  RegisterDiscountRoutes(router, &service, staff);
}

}  // namespace emporium::pricing
