#include "modules/catalog/model.hpp"

#include <sodium.h>

#include <boost/json/value.hpp>
#include <charconv>

#include "core/crypto.hpp"

namespace emporium::catalog {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxSlugLength = 120;

bool IsSlugChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

char SortCode(ProductSort s) {
  switch (s) {
    case ProductSort::kNewest: return 'n';
    case ProductSort::kPriceAsc: return 'a';
    case ProductSort::kPriceDesc: return 'd';
    case ProductSort::kRating: return 'r';
    case ProductSort::kPopular: return 'p';
  }
  return 'n';
}

std::optional<ProductSort> SortFromCode(char c) {
  switch (c) {
    case 'n': return ProductSort::kNewest;
    case 'a': return ProductSort::kPriceAsc;
    case 'd': return ProductSort::kPriceDesc;
    case 'r': return ProductSort::kRating;
    case 'p': return ProductSort::kPopular;
    default: return std::nullopt;
  }
}

bool ParseInt(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::string_view Variant::stock_status() const {
  const auto avail = available();
  if (avail <= 0) return "out_of_stock";
  if (avail <= low_stock_threshold) return "low_stock";
  return "in_stock";
}

std::optional<ProductSort> ParseProductSort(std::string_view s) {
  if (s == "newest") return ProductSort::kNewest;
  if (s == "price_asc") return ProductSort::kPriceAsc;
  if (s == "price_desc") return ProductSort::kPriceDesc;
  if (s == "rating") return ProductSort::kRating;
  if (s == "popular") return ProductSort::kPopular;
  return std::nullopt;
}

std::string_view ProductSortName(ProductSort s) {
  switch (s) {
    case ProductSort::kNewest: return "newest";
    case ProductSort::kPriceAsc: return "price_asc";
    case ProductSort::kPriceDesc: return "price_desc";
    case ProductSort::kRating: return "rating";
    case ProductSort::kPopular: return "popular";
  }
  return "newest";
}

std::string EncodeListCursor(const ListCursor& cursor) {
  std::string raw;
  raw += SortCode(cursor.sort);
  raw += ':';
  raw += std::to_string(cursor.key);
  raw += ':';
  raw += std::to_string(cursor.id);
  return core::Base64UrlEncode(raw);
}

std::optional<ListCursor> DecodeListCursor(std::string_view token) {
  if (token.empty() || token.size() > 96) return std::nullopt;
  unsigned char buf[96];
  std::size_t len = 0;
  if (sodium_base642bin(buf, sizeof buf, token.data(), token.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  std::string_view raw(reinterpret_cast<const char*>(buf), len);
  if (raw.size() < 5 || raw[1] != ':') return std::nullopt;
  auto sort = SortFromCode(raw[0]);
  if (!sort) return std::nullopt;
  raw.remove_prefix(2);
  const auto colon = raw.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  ListCursor c;
  c.sort = *sort;
  if (!ParseInt(raw.substr(0, colon), c.key) || !ParseInt(raw.substr(colon + 1), c.id) || c.id <= 0) {
    return std::nullopt;
  }
  return c;
}

std::string Slugify(std::string_view text) {
  std::string out;
  bool pending_dash = false;
  for (char ch : text) {
    char c = ch;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (IsSlugChar(c)) {
      if (pending_dash && !out.empty()) out += '-';
      pending_dash = false;
      out += c;
    } else {
      pending_dash = true;
    }
  }
  if (out.size() > kMaxSlugLength) {
    out.resize(kMaxSlugLength);
    const auto dash = out.rfind('-');
    if (dash != std::string::npos && dash > kMaxSlugLength / 2) out.resize(dash);
    while (!out.empty() && out.back() == '-') out.pop_back();
  }
  return out;
}

bool IsValidSlug(std::string_view slug) {
  if (slug.empty() || slug.size() > kMaxSlugLength) return false;
  if (slug.front() == '-' || slug.back() == '-') return false;
  char prev = 0;
  for (char c : slug) {
    if (c == '-') {
      if (prev == '-') return false;
    } else if (!IsSlugChar(c)) {
      return false;
    }
    prev = c;
  }
  return true;
}

bool IsValidCurrency(std::string_view currency) {
  if (currency.size() != 3) return false;
  for (char c : currency) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

json::object MoneyJson(std::int64_t amount, std::string_view currency) {
  return json::object{{"amount", amount}, {"currency", currency}};
}

std::optional<Money> ParseMoney(const json::value& v, const std::string& field, std::vector<FieldError>& errors) {
  const auto* obj = v.if_object();
  if (!obj) {
    errors.push_back({field, "must be an object {amount, currency}"});
    return std::nullopt;
  }
  Money m;
  bool ok = true;
  const auto* amount = obj->if_contains("amount");
  if (!amount || !(amount->is_int64() || amount->is_uint64())) {
    errors.push_back({field + ".amount", "must be an integer number of minor units"});
    ok = false;
  } else if (amount->is_uint64()) {
    errors.push_back({field + ".amount", "is too large"});
    ok = false;
  } else if (amount->as_int64() <= 0) {
    errors.push_back({field + ".amount", "must be positive"});
    ok = false;
  } else {
    m.amount = amount->as_int64();
  }
  const auto* currency = obj->if_contains("currency");
  if (!currency || !currency->is_string() || !IsValidCurrency(currency->as_string())) {
    errors.push_back({field + ".currency", "must be three upper-case letters (ISO 4217)"});
    ok = false;
  } else {
    m.currency = std::string(currency->as_string());
  }
  if (!ok) return std::nullopt;
  return m;
}

}  // namespace emporium::catalog
