#include "modules/pricing/pricing_service.hpp"

#include <algorithm>
#include <cctype>

#include "core/cursor.hpp"
#include "core/log.hpp"
#include "core/postal.hpp"

namespace emporium::pricing {

namespace json = boost::json;

namespace {

// Other instances may change the rules: a cached copy is trusted this long at most.
constexpr std::int64_t kRulesTtlSeconds = 30;
constexpr std::int64_t kFullRefundBp = 10'000;
constexpr std::int64_t kMaxCodeLength = 64;

Error ConflictOn(std::string field, std::string message) {
  Error e = Error::Conflict(std::move(message));
  e.field = field;
  e.fields.push_back({std::move(field), e.message});
  return e;
}

Status ValidateCountry(const std::string& country, const std::string& field = "country") {
  if (!core::IsCountryCode(country)) return Error::Invalid(field, "must be an ISO 3166-1 alpha-2 code such as DE");
  return OkStatus();
}

bool ValidCodeText(const std::string& code) {
  if (code.empty() || code.size() > kMaxCodeLength) return false;
  return std::all_of(code.begin(), code.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
}

Status ValidateDiscount(const DiscountCode& d) {
  std::vector<FieldError> errors;
  if (!ValidCodeText(d.code)) errors.push_back({"code", "must be 1–64 letters, digits, '-' or '_'"});
  if (d.percentage && (d.value < 1 || d.value > 10'000)) {
    errors.push_back({"value", "a percentage is 1–10000 basis points (100 = 1%)"});
  }
  if (!d.percentage && d.value < 1) errors.push_back({"value", "a fixed amount must be above 0"});
  if (d.min_subtotal < 0) errors.push_back({"min_subtotal", "must not be negative"});
  if (d.starts_at && d.ends_at && *d.ends_at <= *d.starts_at) errors.push_back({"ends_at", "must be after starts_at"});
  if (d.max_uses && *d.max_uses < 1) errors.push_back({"max_uses", "must be at least 1"});
  if (d.max_uses_per_customer && *d.max_uses_per_customer < 1) {
    errors.push_back({"max_uses_per_customer", "must be at least 1"});
  }
  if (errors.empty()) return OkStatus();
  Error e = Error::Invalid(errors.front().field, errors.front().message);
  e.fields = std::move(errors);
  return e;
}

void Apply(DiscountCode& d, const DiscountInput& in) {
  if (in.code) d.code = NormalizeCode(*in.code);
  if (in.percentage) d.percentage = *in.percentage;
  if (in.value) d.value = *in.value;
  if (in.min_subtotal) d.min_subtotal = *in.min_subtotal;
  if (in.starts_at) d.starts_at = *in.starts_at;
  if (in.ends_at) d.ends_at = *in.ends_at;
  if (in.max_uses) d.max_uses = *in.max_uses;
  if (in.max_uses_per_customer) d.max_uses_per_customer = *in.max_uses_per_customer;
  if (in.active) d.active = *in.active;
}

json::object DiscountDetails(const DiscountCode& d) {
  return {{"code", d.code}, {"kind", d.percentage ? "percentage" : "fixed"}, {"value", d.value},
          {"active", d.active}};
}

std::string BoolText(bool b) { return b ? "true" : "false"; }

}  // namespace

std::string NormalizeCode(std::string_view code) {
  const auto begin = code.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  const auto end = code.find_last_not_of(" \t");
  std::string out(code.substr(begin, end - begin + 1));
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

PricingService::PricingService(db::Database& db, const core::Clock& clock, audit::AuditLog& audit,
                               const PlanReader& plans)
    : db_(db), clock_(clock), audit_(audit), plans_(plans) {
  // Warm the snapshot so that Currency(), which callers use inside their own transactions, never
  // has to read the database itself (a nested transaction on the same thread is refused).
  (void)Rules();
}

std::shared_ptr<const RulesSnapshot> PricingService::Rules(db::Tx& tx) {
  const auto now = clock_.NowSeconds();
  {
    std::lock_guard lock(cache_mutex_);
    if (cached_ && now - cached_at_ < kRulesTtlSeconds) return cached_;
  }
  auto fresh = std::make_shared<const RulesSnapshot>(repo_.LoadRules(tx));
  std::lock_guard lock(cache_mutex_);
  cached_ = fresh;
  cached_at_ = now;
  return fresh;
}

Result<std::shared_ptr<const RulesSnapshot>> PricingService::Rules() {
  return db_.Read([&](db::Tx& tx) -> Result<std::shared_ptr<const RulesSnapshot>> { return Rules(tx); });
}

std::string PricingService::Currency() {
  {
    // A stale snapshot is fine here: every Quote refreshes it in its own transaction and checks the
    // lines' currency against the fresh rules, so a changed store currency is caught there.
    std::lock_guard lock(cache_mutex_);
    if (cached_) return cached_->settings.currency;
  }
  auto rules = Rules();
  if (rules) return (*rules)->settings.currency;
  // Called where the database cannot be read (e.g. inside another transaction on this thread):
  // the last known currency is still the best answer.
  std::lock_guard lock(cache_mutex_);
  return cached_ ? cached_->settings.currency : StoreSettings{}.currency;
}

void PricingService::InvalidateAfterCommit(db::Tx& tx) {
  tx.AfterCommit([this] {
    // Stale rather than dropped: the next Quote reloads it, and Currency() keeps an answer meanwhile.
    std::lock_guard lock(cache_mutex_);
    cached_at_ = 0;
  });
}

Status PricingService::Audit(db::Tx& tx, audit::AuditEntry who, std::string action, std::string type,
                             std::optional<std::int64_t> id, json::object details) {
  who.action = std::move(action);
  who.resource_type = std::move(type);
  who.resource_id = id;
  who.details = std::move(details);
  return audit_.Record(tx, who);
}

PricingRules PricingService::RulesFor(db::Tx& tx, const PricingRequest& request) {
  const auto snapshot = Rules(tx);
  const auto& s = snapshot->settings;
  const auto code = request.discount_code ? NormalizeCode(*request.discount_code) : std::string();
  // The customer's own figures only when the quote uses them: most quotes (a cart shown, an order
  // without code or points) then read nothing beyond the cached rules.
  const auto data =
      code.empty() && request.loyalty_points == 0 ? QuoteData{} : repo_.LoadQuoteData(tx, request.user_id, code);

  PricingRules rules;
  rules.currency = s.currency;
  rules.now = clock_.NowSeconds();
  // A listed country ships iff enabled; an unlisted one only while the store ships everywhere.
  const auto country = snapshot->countries.find(request.country);
  const bool listed = country != snapshot->countries.end();
  rules.ships_to_country = listed ? country->second.enabled : s.ships_to_all;
  rules.country_rate = listed ? country->second.rate : s.default_country_rate;
  rules.method_rate = snapshot->method_rates[static_cast<std::size_t>(request.method)];
  rules.weight_bands = snapshot->weight_bands;
  rules.heavy_extra_per_kg = s.heavy_extra_per_kg;
  rules.safe_shipping_fee = s.safe_shipping_fee;
  const auto tax = snapshot->tax_rates.find(request.country);
  rules.tax_rate_bp = tax != snapshot->tax_rates.end() ? tax->second : 0;
  rules.prices_include_tax = s.prices_include_tax;
  rules.discount = data.discount;
  rules.loyalty_balance = data.loyalty_balance;
  rules.loyalty_point_value = s.loyalty_point_value;
  rules.loyalty_points_per_unit = s.loyalty_points_per_unit;
  rules.benefits = request.user_id ? plans_.BenefitsFor(request.user_id, rules.now) : MemberBenefits{};
  return rules;
}

Result<Totals> PricingService::Quote(db::Tx& tx, const PricingRequest& request) {
  if (!request.country.empty()) EMP_TRY(ValidateCountry(request.country));
  return ComputeTotals(RulesFor(tx, request), request);
}

Status PricingService::CommitOrder(db::Tx& tx, std::int64_t user_id, std::int64_t order_id, const Totals& totals) {
  const auto now = clock_.NowSeconds();
  if (totals.discount_id) {
    // The conditional update locks the code's row, so concurrent orders with this code queue here
    // and the per-customer count below sees every redemption committed before ours.
    if (!repo_.TakeDiscountUse(tx, *totals.discount_id)) {
      return ConflictOn("discount_code", "this code has just been used up or withdrawn");
    }
    const auto [per_customer, used] = repo_.CustomerUses(tx, *totals.discount_id, user_id);
    if (per_customer && used >= *per_customer) {
      return ConflictOn("discount_code", "you have already used this code as often as it allows");
    }
    repo_.InsertRedemption(tx, *totals.discount_id, user_id, order_id, now);
  }
  if (totals.loyalty_points_used > 0) {
    if (!repo_.Debit(tx, user_id, totals.loyalty_points_used, now)) {
      return Error::Invalid("loyalty_points", "you no longer have that many points");
    }
    repo_.RecordLedger(tx, {0, user_id, order_id, 0, std::string(LedgerKindName(LedgerKind::kRedeem)),
                            -totals.loyalty_points_used, now});
  }
  return OkStatus();
}

Status PricingService::ReturnRedeemedPoints(db::Tx& tx, std::int64_t user_id, std::int64_t order_id) {
  const auto redeemed = repo_.LedgerSum(tx, order_id, LedgerKind::kRedeem);
  if (!redeemed || *redeemed == 0) return OkStatus();
  const auto now = clock_.NowSeconds();
  // The ledger row is the once-only guard: a second release inserts nothing and credits nothing.
  if (repo_.RecordLedger(tx, {0, user_id, order_id, 0, std::string(LedgerKindName(LedgerKind::kRelease)),
                              -*redeemed, now})) {
    repo_.Credit(tx, user_id, -*redeemed, now);
  }
  return OkStatus();
}

Status PricingService::ReleaseOrder(db::Tx& tx, std::int64_t user_id, std::int64_t order_id) {
  repo_.ReleaseRedemption(tx, order_id, clock_.NowSeconds());
  return ReturnRedeemedPoints(tx, user_id, order_id);
}

Status PricingService::EarnPoints(db::Tx& tx, std::int64_t user_id, std::int64_t order_id, std::int64_t points) {
  if (points < 0) return Error::Invalid("points", "must not be negative");
  if (points == 0) return OkStatus();
  const auto now = clock_.NowSeconds();
  if (repo_.RecordLedger(tx, {0, user_id, order_id, 0, std::string(LedgerKindName(LedgerKind::kEarn)), points, now})) {
    repo_.Credit(tx, user_id, points, now);
  }
  return OkStatus();
}

Status PricingService::ReverseForRefund(db::Tx& tx, std::int64_t user_id, std::int64_t order_id,
                                        std::int64_t refund_id, std::int64_t fraction_bp) {
  if (fraction_bp < 1 || fraction_bp > kFullRefundBp) return Error::Invalid("fraction_bp", "must be 1–10000");
  const bool full = fraction_bp == kFullRefundBp;
  // A full refund first gives back the points the order spent, so the earned points taken back
  // next can come out of them rather than be lost to the zero floor.
  if (full) EMP_TRY(ReturnRedeemedPoints(tx, user_id, order_id));
  const auto earned = repo_.LedgerSum(tx, order_id, LedgerKind::kEarn).value_or(0);
  const auto reversed = -repo_.LedgerSum(tx, order_id, LedgerKind::kReverse).value_or(0);
  const auto remaining = std::max<std::int64_t>(0, earned - reversed);
  const auto wanted = full ? remaining : std::min(remaining, MulDivRoundHalfUp(earned, fraction_bp, kFullRefundBp));
  // Points already spent cannot be taken back: the balance never goes below zero.
  const auto take = std::min(wanted, repo_.Balance(tx, user_id, /*lock=*/true));
  const auto now = clock_.NowSeconds();
  // The ledger row (unique per order and refund) makes a repeated call a no-op.
  if (repo_.RecordLedger(tx, {0, user_id, order_id, refund_id, std::string(LedgerKindName(LedgerKind::kReverse)),
                              -take, now}) &&
      take > 0 && !repo_.Debit(tx, user_id, take, now)) {
    return Error::Internal("the loyalty balance changed while it was locked");
  }
  return OkStatus();
}

std::int64_t PricingService::LoyaltyBalance(db::Tx& tx, std::int64_t user_id) {
  return repo_.Balance(tx, user_id, /*lock=*/false);
}

Result<std::vector<ShippingCountry>> PricingService::ShippingCountries(bool enabled_only) {
  return db_.Read([&](db::Tx& tx) -> Result<std::vector<ShippingCountry>> {
    return repo_.ListCountries(tx, enabled_only);
  });
}

Result<Totals> PricingService::ShippingRate(const std::string& country, ShippingMethod method,
                                            std::int64_t weight_grams, bool safe_shipping,
                                            std::optional<std::int64_t> user_id) {
  EMP_TRY(ValidateCountry(country));
  return db_.Read([&](db::Tx& tx) -> Result<Totals> {
    // A parcel of that weight and no value priced by the checkout's own function, so the public
    // rate and a quote cannot disagree about shipping.
    PricingRequest request;
    request.user_id = user_id.value_or(0);
    request.currency = Rules(tx)->settings.currency;
    request.lines.push_back({.unit_price = 0, .quantity = 1, .weight_grams = weight_grams});
    request.country = country;
    request.method = method;
    request.safe_shipping = safe_shipping;
    return ComputeTotals(RulesFor(tx, request), request);
  });
}

Result<LoyaltyPage> PricingService::Loyalty(std::int64_t user_id, std::optional<std::int64_t> before_id, int limit) {
  return db_.Read([&](db::Tx& tx) -> Result<LoyaltyPage> {
    LoyaltyPage page;
    const auto rules = Rules(tx);
    page.balance = repo_.Balance(tx, user_id, false);
    page.point_value = rules->settings.loyalty_point_value;
    page.currency = rules->settings.currency;
    page.items = repo_.History(tx, user_id, before_id, limit + 1);
    if (static_cast<int>(page.items.size()) > limit) {
      page.items.resize(limit);
      page.next_cursor = core::EncodeIdCursor(page.items.back().id);
    }
    return page;
  });
}

Result<StoreSettings> PricingService::UpdateSettings(const SettingsPatch& p, audit::AuditEntry who) {
  return db_.Write([&](db::Tx& tx) -> Result<StoreSettings> {
    const auto now = clock_.NowSeconds();
    json::object changes;
    const auto save = [&](const char* name, const std::string& value) {
      repo_.SaveSetting(tx, name, value, now);
      changes[name] = value;
    };
    if (p.currency) save("currency", *p.currency);
    if (p.prices_include_tax) save("prices_include_tax", BoolText(*p.prices_include_tax));
    if (p.ships_to_all) save("ships_to_all", BoolText(*p.ships_to_all));
    if (p.safe_shipping_fee) save("safe_shipping_fee", std::to_string(*p.safe_shipping_fee));
    if (p.default_country_rate) save("default_country_rate", std::to_string(*p.default_country_rate));
    if (p.loyalty_point_value) save("loyalty_point_value", std::to_string(*p.loyalty_point_value));
    if (p.loyalty_points_per_unit) save("loyalty_points_per_unit", std::to_string(*p.loyalty_points_per_unit));
    if (p.heavy_extra_per_kg) save("heavy_extra_per_kg", std::to_string(*p.heavy_extra_per_kg));
    EMP_TRY(Audit(tx, std::move(who), "pricing_settings.update", "pricing_settings", std::nullopt,
                  {{"changes", changes}}));
    InvalidateAfterCommit(tx);
    return repo_.LoadRules(tx).settings;
  });
}

Result<ShippingCountry> PricingService::Country(const std::string& country) {
  EMP_TRY(ValidateCountry(country));
  return db_.Read([&](db::Tx& tx) -> Result<ShippingCountry> {
    auto c = repo_.FindCountry(tx, country);
    if (!c) return Error::NotFound("The country has no shipping settings.");
    return *c;
  });
}

Result<ShippingCountry> PricingService::SaveCountry(ShippingCountry c, audit::AuditEntry who) {
  EMP_TRY(ValidateCountry(c.country));
  return db_.Write([&](db::Tx& tx) -> Result<ShippingCountry> {
    c.updated_at = clock_.NowSeconds();
    repo_.SaveCountry(tx, c);
    EMP_TRY(Audit(tx, std::move(who), "shipping_country.update", "shipping_country", std::nullopt,
                  {{"country", c.country}, {"rate", c.rate}, {"enabled", c.enabled}}));
    InvalidateAfterCommit(tx);
    return c;
  });
}

Status PricingService::DeleteCountry(const std::string& country, audit::AuditEntry who) {
  EMP_TRY(ValidateCountry(country));
  return db_.Write([&](db::Tx& tx) -> Status {
    if (!repo_.DeleteCountry(tx, country)) return Error::NotFound("The country has no shipping settings.");
    InvalidateAfterCommit(tx);
    return Audit(tx, std::move(who), "shipping_country.delete", "shipping_country", std::nullopt,
                 {{"country", country}});
  });
}

Result<std::int64_t> PricingService::SaveMethodRate(ShippingMethod method, std::int64_t rate, audit::AuditEntry who) {
  return db_.Write([&](db::Tx& tx) -> Result<std::int64_t> {
    repo_.SaveMethodRate(tx, method, rate, clock_.NowSeconds());
    EMP_TRY(Audit(tx, std::move(who), "shipping_method.update", "shipping_method", std::nullopt,
                  {{"method", ShippingMethodName(method)}, {"rate", rate}}));
    InvalidateAfterCommit(tx);
    return rate;
  });
}

Status PricingService::ReplaceWeightBands(const std::vector<WeightBand>& bands,
                                          std::optional<std::int64_t> heavy_extra_per_kg, audit::AuditEntry who) {
  if (bands.empty()) return Error::Invalid("bands", "at least one band is required");
  for (std::size_t i = 0; i < bands.size(); ++i) {
    const auto field = "bands[" + std::to_string(i) + "]";
    if (bands[i].up_to_grams < 1 || bands[i].rate < 0) {
      return Error::Invalid(field, "up_to_grams must be above 0 and rate not negative");
    }
    if (i > 0 && bands[i].up_to_grams <= bands[i - 1].up_to_grams) {
      return Error::Invalid(field + ".up_to_grams", "bands must be in ascending order of up_to_grams");
    }
  }
  if (heavy_extra_per_kg && *heavy_extra_per_kg < 0) {
    return Error::Invalid("heavy_extra_per_kg", "must not be negative");
  }
  return db_.Write([&](db::Tx& tx) -> Status {
    repo_.ReplaceWeightBands(tx, bands);
    json::array listed;
    for (const auto& b : bands) listed.push_back(json::object{{"up_to_grams", b.up_to_grams}, {"rate", b.rate}});
    json::object details{{"bands", listed}};
    if (heavy_extra_per_kg) {
      repo_.SaveSetting(tx, "heavy_extra_per_kg", std::to_string(*heavy_extra_per_kg), clock_.NowSeconds());
      details["heavy_extra_per_kg"] = *heavy_extra_per_kg;
    }
    EMP_TRY(Audit(tx, std::move(who), "shipping_weight_bands.replace", "shipping_weight_bands", std::nullopt,
                  std::move(details)));
    InvalidateAfterCommit(tx);
    return OkStatus();
  });
}

Result<std::vector<TaxRate>> PricingService::TaxRates() {
  return db_.Read([&](db::Tx& tx) -> Result<std::vector<TaxRate>> { return repo_.ListTaxRates(tx); });
}

Result<TaxRate> PricingService::GetTaxRate(const std::string& country) {
  EMP_TRY(ValidateCountry(country));
  return db_.Read([&](db::Tx& tx) -> Result<TaxRate> {
    auto t = repo_.FindTaxRate(tx, country);
    if (!t) return Error::NotFound("The country has no tax rate.");
    return *t;
  });
}

Result<TaxRate> PricingService::SaveTaxRate(const std::string& country, std::int64_t rate_bp, audit::AuditEntry who) {
  EMP_TRY(ValidateCountry(country));
  if (rate_bp < 0 || rate_bp > 10'000) return Error::Invalid("rate_bp", "must be 0–10000 basis points");
  return db_.Write([&](db::Tx& tx) -> Result<TaxRate> {
    TaxRate t{country, rate_bp, clock_.NowSeconds()};
    repo_.SaveTaxRate(tx, t);
    EMP_TRY(Audit(tx, std::move(who), "tax_rate.update", "tax_rate", std::nullopt,
                  {{"country", country}, {"rate_bp", rate_bp}}));
    InvalidateAfterCommit(tx);
    return t;
  });
}

Status PricingService::DeleteTaxRate(const std::string& country, audit::AuditEntry who) {
  EMP_TRY(ValidateCountry(country));
  return db_.Write([&](db::Tx& tx) -> Status {
    if (!repo_.DeleteTaxRate(tx, country)) return Error::NotFound("The country has no tax rate.");
    InvalidateAfterCommit(tx);
    return Audit(tx, std::move(who), "tax_rate.delete", "tax_rate", std::nullopt, {{"country", country}});
  });
}

Result<DiscountPage> PricingService::Discounts(std::optional<std::int64_t> after_id, int limit) {
  return db_.Read([&](db::Tx& tx) -> Result<DiscountPage> {
    DiscountPage page;
    page.items = repo_.ListDiscounts(tx, after_id, limit + 1);
    if (static_cast<int>(page.items.size()) > limit) {
      page.items.resize(limit);
      page.next_cursor = core::EncodeIdCursor(page.items.back().id);
    }
    return page;
  });
}

Result<DiscountCode> PricingService::Discount(std::int64_t id) {
  return db_.Read([&](db::Tx& tx) -> Result<DiscountCode> {
    auto d = repo_.FindDiscount(tx, id);
    if (!d) return Error::NotFound("The discount code does not exist.");
    return *d;
  });
}

Result<DiscountCode> PricingService::CreateDiscount(const DiscountInput& in, audit::AuditEntry who) {
  DiscountCode d;
  Apply(d, in);
  EMP_TRY(ValidateDiscount(d));
  return db_.Write([&](db::Tx& tx) -> Result<DiscountCode> {
    if (repo_.CodeTaken(tx, d.code, 0)) return ConflictOn("code", "a discount code with this name exists");
    d.created_at = d.updated_at = clock_.NowSeconds();
    d.id = repo_.InsertDiscount(tx, d);
    EMP_TRY(Audit(tx, std::move(who), "discount_code.create", "discount_code", d.id, DiscountDetails(d)));
    return d;
  });
}

Result<DiscountCode> PricingService::UpdateDiscount(std::int64_t id, const DiscountInput& in, audit::AuditEntry who) {
  return db_.Write([&](db::Tx& tx) -> Result<DiscountCode> {
    auto d = repo_.FindDiscount(tx, id);
    if (!d) return Error::NotFound("The discount code does not exist.");
    Apply(*d, in);
    EMP_TRY(ValidateDiscount(*d));
    if (in.code && repo_.CodeTaken(tx, d->code, id)) return ConflictOn("code", "a discount code with this name exists");
    d->updated_at = clock_.NowSeconds();
    repo_.UpdateDiscount(tx, *d);
    EMP_TRY(Audit(tx, std::move(who), "discount_code.update", "discount_code", id, DiscountDetails(*d)));
    return *d;
  });
}

Status PricingService::DeleteDiscount(std::int64_t id, audit::AuditEntry who) {
  return db_.Write([&](db::Tx& tx) -> Status {
    if (!repo_.SoftDeleteDiscount(tx, id, clock_.NowSeconds())) {
      return Error::NotFound("The discount code does not exist.");
    }
    return Audit(tx, std::move(who), "discount_code.delete", "discount_code", id, {});
  });
}

}  // namespace emporium::pricing
