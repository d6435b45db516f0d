#include "modules/pricing/pricing_repository.hpp"

#include <soci/soci.h>

#include <deque>

#include "db/binds.hpp"
#include "db/rows.hpp"

namespace emporium::pricing {

namespace {

constexpr const char* kSelectSettings = "SELECT name, value FROM pricing_settings";
constexpr const char* kSelectMethods = "SELECT method, rate FROM shipping_methods";
constexpr const char* kSelectBands = "SELECT up_to_grams, rate FROM shipping_weight_bands ORDER BY up_to_grams";

constexpr const char* kUpsertSettingSqlite =
    "INSERT INTO pricing_settings (name, value, updated_at) VALUES (:name, :value, :now) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
constexpr const char* kUpsertSettingMariaDb =
    "INSERT INTO pricing_settings (name, value, updated_at) VALUES (:name, :value, :now) "
    "ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)";
constexpr const char* kUpsertMethodSqlite =
    "INSERT INTO shipping_methods (method, rate, updated_at) VALUES (:method, :rate, :now) "
    "ON CONFLICT (method) DO UPDATE SET rate = excluded.rate, updated_at = excluded.updated_at";
constexpr const char* kUpsertMethodMariaDb =
    "INSERT INTO shipping_methods (method, rate, updated_at) VALUES (:method, :rate, :now) "
    "ON DUPLICATE KEY UPDATE rate = VALUES(rate), updated_at = VALUES(updated_at)";
constexpr const char* kDeleteBands = "DELETE FROM shipping_weight_bands";
constexpr const char* kInsertBand = "INSERT INTO shipping_weight_bands (up_to_grams, rate) VALUES (:up_to, :rate)";

// A one-row driver table joined to every optional source, so a missing country, tax rate, account
// or code reads as NULLs instead of no row.
constexpr const char* kSelectQuoteData =
    "SELECT la.balance, d.id, d.code, d.kind, d.value, d.min_subtotal, d.starts_at, "
    "d.ends_at, d.max_uses, d.max_uses_per_customer, d.uses, d.active, "
    "(SELECT COUNT(*) FROM discount_redemptions r WHERE r.discount_id = d.id AND r.user_id = :user_a "
    "AND r.released_at IS NULL) "
    "FROM (SELECT 1 AS one) q "
    "LEFT JOIN loyalty_accounts la ON la.user_id = :user_b "
    "LEFT JOIN discount_codes d ON d.code = :code AND d.deleted_at IS NULL";
constexpr const char* kSelectCountryRules = "SELECT country, rate, enabled FROM shipping_countries";
constexpr const char* kSelectTaxRates = "SELECT country, rate_bp FROM tax_rates";

constexpr const char* kCountryColumns = "SELECT country, name, rate, enabled, updated_at FROM shipping_countries ";
constexpr const char* kUpsertCountrySqlite =
    "INSERT INTO shipping_countries (country, name, rate, enabled, updated_at) VALUES (:country, :name, :rate, "
    ":enabled, :now) ON CONFLICT (country) DO UPDATE SET name = excluded.name, rate = excluded.rate, "
    "enabled = excluded.enabled, updated_at = excluded.updated_at";
constexpr const char* kUpsertCountryMariaDb =
    "INSERT INTO shipping_countries (country, name, rate, enabled, updated_at) VALUES (:country, :name, :rate, "
    ":enabled, :now) ON DUPLICATE KEY UPDATE name = VALUES(name), rate = VALUES(rate), enabled = VALUES(enabled), "
    "updated_at = VALUES(updated_at)";
constexpr const char* kDeleteCountry = "DELETE FROM shipping_countries WHERE country = :country";

constexpr const char* kTaxColumns = "SELECT country, rate_bp, updated_at FROM tax_rates ";
constexpr const char* kUpsertTaxSqlite =
    "INSERT INTO tax_rates (country, rate_bp, updated_at) VALUES (:country, :rate_bp, :now) "
    "ON CONFLICT (country) DO UPDATE SET rate_bp = excluded.rate_bp, updated_at = excluded.updated_at";
constexpr const char* kUpsertTaxMariaDb =
    "INSERT INTO tax_rates (country, rate_bp, updated_at) VALUES (:country, :rate_bp, :now) "
    "ON DUPLICATE KEY UPDATE rate_bp = VALUES(rate_bp), updated_at = VALUES(updated_at)";
constexpr const char* kDeleteTax = "DELETE FROM tax_rates WHERE country = :country";

constexpr const char* kDiscountColumns =
    "SELECT id, code, kind, value, min_subtotal, starts_at, ends_at, max_uses, max_uses_per_customer, uses, active, "
    "created_at, updated_at FROM discount_codes ";
constexpr const char* kCodeTaken = "SELECT COUNT(*) FROM discount_codes WHERE code = :code AND id <> :id";
constexpr const char* kInsertDiscount =
    "INSERT INTO discount_codes (code, kind, value, min_subtotal, starts_at, ends_at, max_uses, "
    "max_uses_per_customer, uses, active, created_at, updated_at) VALUES (:code, :kind, :value, :min_subtotal, "
    ":starts_at, :ends_at, :max_uses, :max_uses_per_customer, 0, :active, :created_at, :updated_at) RETURNING id";
constexpr const char* kUpdateDiscount =
    "UPDATE discount_codes SET code = :code, kind = :kind, value = :value, min_subtotal = :min_subtotal, "
    "starts_at = :starts_at, ends_at = :ends_at, max_uses = :max_uses, max_uses_per_customer = :per_customer, "
    "active = :active, updated_at = :updated_at WHERE id = :id AND deleted_at IS NULL";
constexpr const char* kDeleteDiscount =
    "UPDATE discount_codes SET deleted_at = :now, active = 0, updated_at = :now2 WHERE id = :id AND deleted_at IS NULL";

constexpr const char* kTakeDiscountUse =
    "UPDATE discount_codes SET uses = uses + 1 WHERE id = :id AND active = 1 AND deleted_at IS NULL "
    "AND (max_uses IS NULL OR uses < max_uses)";
constexpr const char* kCustomerUses =
    "SELECT d.max_uses_per_customer, (SELECT COUNT(*) FROM discount_redemptions r WHERE r.discount_id = d.id "
    "AND r.user_id = :user AND r.released_at IS NULL) FROM discount_codes d WHERE d.id = :id";
constexpr const char* kInsertRedemption =
    "INSERT INTO discount_redemptions (discount_id, user_id, order_id, created_at) "
    "VALUES (:discount_id, :user_id, :order_id, :now)";
constexpr const char* kOpenRedemption =
    "SELECT discount_id FROM discount_redemptions WHERE order_id = :order_id AND released_at IS NULL";
constexpr const char* kReleaseRedemption =
    "UPDATE discount_redemptions SET released_at = :now WHERE order_id = :order_id AND released_at IS NULL";
constexpr const char* kGiveBackUse = "UPDATE discount_codes SET uses = uses - 1 WHERE id = :id AND uses > 0";

constexpr const char* kSelectBalance = "SELECT balance FROM loyalty_accounts WHERE user_id = :user_id";
constexpr const char* kCreditSqlite =
    "INSERT INTO loyalty_accounts (user_id, balance, updated_at) VALUES (:user_id, :points, :now) "
    "ON CONFLICT (user_id) DO UPDATE SET balance = balance + excluded.balance, updated_at = excluded.updated_at";
constexpr const char* kCreditMariaDb =
    "INSERT INTO loyalty_accounts (user_id, balance, updated_at) VALUES (:user_id, :points, :now) "
    "ON DUPLICATE KEY UPDATE balance = balance + VALUES(balance), updated_at = VALUES(updated_at)";
constexpr const char* kDebit =
    "UPDATE loyalty_accounts SET balance = balance - :points, updated_at = :now "
    "WHERE user_id = :user_id AND balance >= :points2";
// "Insert unless this operation exists": the unique key (order_id, kind, refund_id) decides.
constexpr const char* kRecordLedgerSqlite =
    "INSERT INTO loyalty_ledger (user_id, order_id, refund_id, kind, points, created_at) VALUES (:user_id, "
    ":order_id, :refund_id, :kind, :points, :now) ON CONFLICT (order_id, kind, refund_id) DO NOTHING";
constexpr const char* kRecordLedgerMariaDb =
    "INSERT IGNORE INTO loyalty_ledger (user_id, order_id, refund_id, kind, points, created_at) VALUES (:user_id, "
    ":order_id, :refund_id, :kind, :points, :now)";
constexpr const char* kLedgerSum =
    "SELECT COUNT(*), COALESCE(SUM(points), 0) FROM loyalty_ledger WHERE order_id = :order_id AND kind = :kind";
constexpr const char* kHistory =
    "SELECT id, user_id, order_id, refund_id, kind, points, created_at FROM loyalty_ledger "
    "WHERE user_id = :user_id AND points <> 0 AND id < :before ORDER BY id DESC LIMIT :limit";

using db::Binds;
using db::Exec;
using db::Rows;

const char* ByDialect(const db::Tx& tx, const char* sqlite, const char* mariadb) {
  return tx.dialect == db::Dialect::kSqlite ? sqlite : mariadb;
}

std::int64_t ParseIntSetting(const std::string& text, std::int64_t fallback) {
  try {
    std::size_t used = 0;
    const auto v = std::stoll(text, &used);
    return used == text.size() ? v : fallback;
  } catch (const std::exception&) {
    return fallback;
  }
}

void ApplySetting(StoreSettings& s, const std::string& name, const std::string& value) {
  if (name == "currency") s.currency = value;
  if (name == "prices_include_tax") s.prices_include_tax = value == "true";
  if (name == "ships_to_all") s.ships_to_all = value == "true";
  if (name == "safe_shipping_fee") s.safe_shipping_fee = ParseIntSetting(value, s.safe_shipping_fee);
  if (name == "default_country_rate") s.default_country_rate = ParseIntSetting(value, s.default_country_rate);
  if (name == "loyalty_point_value") s.loyalty_point_value = ParseIntSetting(value, s.loyalty_point_value);
  if (name == "loyalty_points_per_unit") s.loyalty_points_per_unit = ParseIntSetting(value, s.loyalty_points_per_unit);
  if (name == "heavy_extra_per_kg") s.heavy_extra_per_kg = ParseIntSetting(value, s.heavy_extra_per_kg);
}

ShippingCountry CountryFrom(const db::Row& r) {
  return {db::RowStr(r, 0), db::RowStr(r, 1), db::RowInt(r, 2), db::RowInt(r, 3) != 0, db::RowInt(r, 4)};
}

TaxRate TaxFrom(const db::Row& r) { return {db::RowStr(r, 0), db::RowInt(r, 1), db::RowInt(r, 2)}; }

/// A discount's terms from 11 columns starting at `first`: id, code, kind, value, min_subtotal,
/// starts_at, ends_at, max_uses, max_uses_per_customer, uses, active (a DiscountCode or a
/// DiscountRule).
template <typename Discount>
void ReadDiscountTerms(const db::Row& r, int first, Discount& d) {
  d.id = db::RowInt(r, first);
  d.code = db::RowStr(r, first + 1);
  d.percentage = db::RowStr(r, first + 2) == "percentage";
  d.value = db::RowInt(r, first + 3);
  d.min_subtotal = db::RowInt(r, first + 4);
  d.starts_at = db::RowOptInt(r, first + 5);
  d.ends_at = db::RowOptInt(r, first + 6);
  d.max_uses = db::RowOptInt(r, first + 7);
  d.max_uses_per_customer = db::RowOptInt(r, first + 8);
  d.uses = db::RowInt(r, first + 9);
  d.active = db::RowInt(r, first + 10) != 0;
}

DiscountCode DiscountFrom(const db::Row& r) {
  DiscountCode d;
  ReadDiscountTerms(r, 0, d);
  d.created_at = db::RowInt(r, 11);
  d.updated_at = db::RowInt(r, 12);
  return d;
}

Binds DiscountBinds(const DiscountCode& d) {
  Binds b;
  b.Str(d.code).Str(d.percentage ? "percentage" : "fixed").Int(d.value).Int(d.min_subtotal).OptInt(d.starts_at);
  b.OptInt(d.ends_at).OptInt(d.max_uses).OptInt(d.max_uses_per_customer).Int(d.active ? 1 : 0);
  return b;
}

}  // namespace

std::string_view LedgerKindName(LedgerKind k) {
  switch (k) {
    case LedgerKind::kRedeem: return "redeem";
    case LedgerKind::kRelease: return "release";
    case LedgerKind::kEarn: return "earn";
    case LedgerKind::kReverse: return "reverse";
  }
  return "earn";
}

RulesSnapshot PricingRepository::LoadRules(db::Tx& tx) const {
  RulesSnapshot rules;
  Rows(tx, kSelectSettings, {},
       [&](const db::Row& r) { ApplySetting(rules.settings, db::RowStr(r, 0), db::RowStr(r, 1)); });
  Rows(tx, kSelectMethods, {}, [&](const db::Row& r) {
    if (auto m = ParseShippingMethod(db::RowStr(r, 0)))
      rules.method_rates[static_cast<std::size_t>(*m)] = db::RowInt(r, 1);
  });
  Rows(tx, kSelectBands, {}, [&](const db::Row& r) {
    rules.weight_bands.push_back({db::RowInt(r, 0), db::RowInt(r, 1)});
  });
  Rows(tx, kSelectCountryRules, {}, [&](const db::Row& r) {
    rules.countries[db::RowStr(r, 0)] = CountryRule{.rate = db::RowInt(r, 1), .enabled = db::RowInt(r, 2) != 0};
  });
  Rows(tx, kSelectTaxRates, {}, [&](const db::Row& r) { rules.tax_rates[db::RowStr(r, 0)] = db::RowInt(r, 1); });
  return rules;
}

void PricingRepository::SaveSetting(db::Tx& tx, const std::string& name, const std::string& value,
                                    std::int64_t now) const {
  Exec(tx, ByDialect(tx, kUpsertSettingSqlite, kUpsertSettingMariaDb), Binds().Str(name).Str(value).Int(now));
}

void PricingRepository::SaveMethodRate(db::Tx& tx, ShippingMethod method, std::int64_t rate, std::int64_t now) const {
  Exec(tx, ByDialect(tx, kUpsertMethodSqlite, kUpsertMethodMariaDb),
       Binds().Str(std::string(ShippingMethodName(method))).Int(rate).Int(now));
}

void PricingRepository::ReplaceWeightBands(db::Tx& tx, const std::vector<WeightBand>& bands) const {
  Exec(tx, kDeleteBands, {});
  for (const auto& band : bands) Exec(tx, kInsertBand, Binds().Int(band.up_to_grams).Int(band.rate));
}

QuoteData PricingRepository::LoadQuoteData(db::Tx& tx, std::int64_t user_id, const std::string& code) const {
  QuoteData q;
  Rows(tx, kSelectQuoteData, Binds().Int(user_id).Int(user_id).Str(code), [&](const db::Row& r) {
    q.loyalty_balance = db::RowInt(r, 0);
    if (r.IsNull(1)) return;
    DiscountRule d;
    ReadDiscountTerms(r, 1, d);
    d.uses_by_customer = db::RowInt(r, 12);
    q.discount = std::move(d);
  });
  return q;
}

std::vector<ShippingCountry> PricingRepository::ListCountries(db::Tx& tx, bool enabled_only) const {
  std::vector<ShippingCountry> out;
  const std::string sql =
      std::string(kCountryColumns) + (enabled_only ? "WHERE enabled = 1 " : "") + "ORDER BY country";
  Rows(tx, sql, {}, [&](const db::Row& r) { out.push_back(CountryFrom(r)); });
  return out;
}

std::optional<ShippingCountry> PricingRepository::FindCountry(db::Tx& tx, const std::string& country) const {
  std::optional<ShippingCountry> out;
  Rows(tx, std::string(kCountryColumns) + "WHERE country = :country", Binds().Str(country),
       [&](const db::Row& r) { out = CountryFrom(r); });
  return out;
}

void PricingRepository::SaveCountry(db::Tx& tx, const ShippingCountry& c) const {
  Exec(tx, ByDialect(tx, kUpsertCountrySqlite, kUpsertCountryMariaDb),
       Binds().Str(c.country).Str(c.name).Int(c.rate).Int(c.enabled ? 1 : 0).Int(c.updated_at));
}

bool PricingRepository::DeleteCountry(db::Tx& tx, const std::string& country) const {
  return Exec(tx, kDeleteCountry, Binds().Str(country)) > 0;
}

std::vector<TaxRate> PricingRepository::ListTaxRates(db::Tx& tx) const {
  std::vector<TaxRate> out;
  Rows(tx, std::string(kTaxColumns) + "ORDER BY country", {}, [&](const db::Row& r) { out.push_back(TaxFrom(r)); });
  return out;
}

std::optional<TaxRate> PricingRepository::FindTaxRate(db::Tx& tx, const std::string& country) const {
  std::optional<TaxRate> out;
  Rows(tx, std::string(kTaxColumns) + "WHERE country = :country", Binds().Str(country),
       [&](const db::Row& r) { out = TaxFrom(r); });
  return out;
}

void PricingRepository::SaveTaxRate(db::Tx& tx, const TaxRate& t) const {
  Exec(tx, ByDialect(tx, kUpsertTaxSqlite, kUpsertTaxMariaDb), Binds().Str(t.country).Int(t.rate_bp).Int(t.updated_at));
}

bool PricingRepository::DeleteTaxRate(db::Tx& tx, const std::string& country) const {
  return Exec(tx, kDeleteTax, Binds().Str(country)) > 0;
}

std::vector<DiscountCode> PricingRepository::ListDiscounts(db::Tx& tx, std::optional<std::int64_t> after_id,
                                                           int limit) const {
  std::vector<DiscountCode> out;
  Rows(tx, std::string(kDiscountColumns) + "WHERE deleted_at IS NULL AND id > :after ORDER BY id LIMIT :limit",
       Binds().Int(after_id.value_or(0)).Int(limit), [&](const db::Row& r) { out.push_back(DiscountFrom(r)); });
  return out;
}

std::optional<DiscountCode> PricingRepository::FindDiscount(db::Tx& tx, std::int64_t id) const {
  std::optional<DiscountCode> out;
  Rows(tx, std::string(kDiscountColumns) + "WHERE id = :id AND deleted_at IS NULL", Binds().Int(id),
       [&](const db::Row& r) { out = DiscountFrom(r); });
  return out;
}

bool PricingRepository::CodeTaken(db::Tx& tx, const std::string& code, std::int64_t except_id) const {
  bool taken = false;
  Rows(tx, kCodeTaken, Binds().Str(code).Int(except_id), [&](const db::Row& r) { taken = db::RowInt(r, 0) > 0; });
  return taken;
}

std::int64_t PricingRepository::InsertDiscount(db::Tx& tx, const DiscountCode& d) const {
  std::int64_t id = 0;
  auto binds = DiscountBinds(d);
  binds.Int(d.created_at).Int(d.updated_at);
  Rows(tx, kInsertDiscount, std::move(binds), [&](const db::Row& r) { id = db::RowInt(r, 0); });
  return id;
}

void PricingRepository::UpdateDiscount(db::Tx& tx, const DiscountCode& d) const {
  auto binds = DiscountBinds(d);
  binds.Int(d.updated_at).Int(d.id);
  Exec(tx, kUpdateDiscount, std::move(binds));
}

bool PricingRepository::SoftDeleteDiscount(db::Tx& tx, std::int64_t id, std::int64_t now) const {
  return Exec(tx, kDeleteDiscount, Binds().Int(now).Int(now).Int(id)) > 0;
}

bool PricingRepository::TakeDiscountUse(db::Tx& tx, std::int64_t discount_id) const {
  return Exec(tx, kTakeDiscountUse, Binds().Int(discount_id)) == 1;
}

std::pair<std::optional<std::int64_t>, std::int64_t> PricingRepository::CustomerUses(db::Tx& tx,
                                                                                     std::int64_t discount_id,
                                                                                     std::int64_t user_id) const {
  std::pair<std::optional<std::int64_t>, std::int64_t> out;
  Rows(tx, kCustomerUses, Binds().Int(user_id).Int(discount_id), [&](const db::Row& r) {
    out = {db::RowOptInt(r, 0), db::RowInt(r, 1)};
  });
  return out;
}

void PricingRepository::InsertRedemption(db::Tx& tx, std::int64_t discount_id, std::int64_t user_id,
                                         std::int64_t order_id, std::int64_t now) const {
  Exec(tx, kInsertRedemption, Binds().Int(discount_id).Int(user_id).Int(order_id).Int(now));
}

bool PricingRepository::ReleaseRedemption(db::Tx& tx, std::int64_t order_id, std::int64_t now) const {
  std::optional<std::int64_t> discount_id;
  Rows(tx, kOpenRedemption, Binds().Int(order_id), [&](const db::Row& r) { discount_id = db::RowInt(r, 0); });
  if (!discount_id) return false;
  // The conditional update decides between two concurrent releases: only one gives the use back.
  if (Exec(tx, kReleaseRedemption, Binds().Int(now).Int(order_id)) != 1) return false;
  Exec(tx, kGiveBackUse, Binds().Int(*discount_id));
  return true;
}

std::int64_t PricingRepository::Balance(db::Tx& tx, std::int64_t user_id, bool lock) const {
  std::int64_t balance = 0;
  const std::string sql =
      std::string(kSelectBalance) + (lock && tx.dialect == db::Dialect::kMariaDb ? " FOR UPDATE" : "");
  Rows(tx, sql, Binds().Int(user_id), [&](const db::Row& r) { balance = db::RowInt(r, 0); });
  return balance;
}

void PricingRepository::Credit(db::Tx& tx, std::int64_t user_id, std::int64_t points, std::int64_t now) const {
  Exec(tx, ByDialect(tx, kCreditSqlite, kCreditMariaDb), Binds().Int(user_id).Int(points).Int(now));
}

bool PricingRepository::Debit(db::Tx& tx, std::int64_t user_id, std::int64_t points, std::int64_t now) const {
  return Exec(tx, kDebit, Binds().Int(points).Int(now).Int(user_id).Int(points)) == 1;
}

bool PricingRepository::RecordLedger(db::Tx& tx, const LedgerEntry& e) const {
  return Exec(tx, ByDialect(tx, kRecordLedgerSqlite, kRecordLedgerMariaDb),
              Binds().Int(e.user_id).Int(e.order_id).Int(e.refund_id).Str(e.kind).Int(e.points).Int(e.created_at)) ==
         1;
}

std::optional<std::int64_t> PricingRepository::LedgerSum(db::Tx& tx, std::int64_t order_id, LedgerKind kind) const {
  std::optional<std::int64_t> sum;
  Rows(tx, kLedgerSum, Binds().Int(order_id).Str(std::string(LedgerKindName(kind))), [&](const db::Row& r) {
    if (db::RowInt(r, 0) > 0) sum = db::RowInt(r, 1);
  });
  return sum;
}

std::vector<LedgerEntry> PricingRepository::History(db::Tx& tx, std::int64_t user_id,
                                                    std::optional<std::int64_t> before_id, int limit) const {
  std::vector<LedgerEntry> out;
  Rows(tx, kHistory, Binds().Int(user_id).Int(before_id.value_or(INT64_MAX)).Int(limit), [&](const db::Row& r) {
    out.push_back({db::RowInt(r, 0), db::RowInt(r, 1), db::RowInt(r, 2), db::RowInt(r, 3), db::RowStr(r, 4),
                   db::RowInt(r, 5), db::RowInt(r, 6)});
  });
  return out;
}

}  // namespace emporium::pricing
