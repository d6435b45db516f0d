#pragma once
// All SQL of the pricing module (pricing_settings, shipping_*, tax_rates, discount_*, loyalty_*).
// Internal to the module: other code goes through PricingModule. Every method runs in the caller's
// transaction and lets driver exceptions through (db::Database translates them).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "modules/pricing/model.hpp"

namespace emporium::pricing {

class PricingRepository {
 public:
  // Settings, methods and bands: the cached rules (three small statements).
  RulesSnapshot LoadRules(db::Tx& tx) const;
  void SaveSetting(db::Tx& tx, const std::string& name, const std::string& value, std::int64_t now) const;
  void SaveMethodRate(db::Tx& tx, ShippingMethod method, std::int64_t rate, std::int64_t now) const;
  void ReplaceWeightBands(db::Tx& tx, const std::vector<WeightBand>& bands) const;

  /// What a quote that redeems points or applies a code needs beyond the cached rules, in ONE
  /// statement: the customer's loyalty balance and the discount code (not deleted) with this
  /// customer's unreleased redemptions. `code` is upper-case ("" matches nothing).
  QuoteData LoadQuoteData(db::Tx& tx, std::int64_t user_id, const std::string& code) const;

  // Shipping countries and tax rates.
  std::vector<ShippingCountry> ListCountries(db::Tx& tx, bool enabled_only) const;
  std::optional<ShippingCountry> FindCountry(db::Tx& tx, const std::string& country) const;
  void SaveCountry(db::Tx& tx, const ShippingCountry& c) const;
  bool DeleteCountry(db::Tx& tx, const std::string& country) const;
  std::vector<TaxRate> ListTaxRates(db::Tx& tx) const;
  std::optional<TaxRate> FindTaxRate(db::Tx& tx, const std::string& country) const;
  void SaveTaxRate(db::Tx& tx, const TaxRate& t) const;
  bool DeleteTaxRate(db::Tx& tx, const std::string& country) const;

  // Discount codes (deleted ones are invisible, but keep their code).
  std::vector<DiscountCode> ListDiscounts(db::Tx& tx, std::optional<std::int64_t> after_id, int limit) const;
  std::optional<DiscountCode> FindDiscount(db::Tx& tx, std::int64_t id) const;
  /// True when another code row (deleted ones included) has this upper-case code.
  bool CodeTaken(db::Tx& tx, const std::string& code, std::int64_t except_id) const;
  std::int64_t InsertDiscount(db::Tx& tx, const DiscountCode& d) const;
  void UpdateDiscount(db::Tx& tx, const DiscountCode& d) const;
  bool SoftDeleteDiscount(db::Tx& tx, std::int64_t id, std::int64_t now) const;

  /// Counts one use with a conditional update (active, not deleted, below max_uses): false when the
  /// code cannot be used any more. Locks the code's row until the transaction ends.
  bool TakeDiscountUse(db::Tx& tx, std::int64_t discount_id) const;
  /// The code's per-customer limit (nullopt: none) and the customer's unreleased redemptions.
  std::pair<std::optional<std::int64_t>, std::int64_t> CustomerUses(db::Tx& tx, std::int64_t discount_id,
                                                                    std::int64_t user_id) const;
  void InsertRedemption(db::Tx& tx, std::int64_t discount_id, std::int64_t user_id, std::int64_t order_id,
                        std::int64_t now) const;
  /// Marks the order's redemption released and gives its use back to the code; false when there is
  /// none or it was released already.
  bool ReleaseRedemption(db::Tx& tx, std::int64_t order_id, std::int64_t now) const;

  // Loyalty.
  /// The balance (0 without an account). `lock`: MariaDB locks the row (SELECT ... FOR UPDATE);
  /// SQLite's write transaction is exclusive already.
  std::int64_t Balance(db::Tx& tx, std::int64_t user_id, bool lock) const;
  /// Adds points (creating the account on first credit).
  void Credit(db::Tx& tx, std::int64_t user_id, std::int64_t points, std::int64_t now) const;
  /// Takes points only if the balance covers them (conditional update); false otherwise.
  bool Debit(db::Tx& tx, std::int64_t user_id, std::int64_t points, std::int64_t now) const;
  /// Records an operation once: false (and nothing written) when (order, kind, refund) exists.
  bool RecordLedger(db::Tx& tx, const LedgerEntry& entry) const;
  /// The sum of the order's ledger points of one kind; nullopt when it has none.
  std::optional<std::int64_t> LedgerSum(db::Tx& tx, std::int64_t order_id, LedgerKind kind) const;
  /// The customer's entries (non-zero), newest first, below `before_id` when given.
  std::vector<LedgerEntry> History(db::Tx& tx, std::int64_t user_id, std::optional<std::int64_t> before_id,
                                   int limit) const;
};

}  // namespace emporium::pricing
