#include "modules/search/search_module.hpp"

#include <sodium.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <charconv>
#include <unordered_map>

#include "core/crypto.hpp"
#include "http/validation.hpp"
#include "modules/search/search_repository.hpp"
#include "modules/search/search_text.hpp"

namespace emporium::search {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxQueryChars = 200;
constexpr std::size_t kMaxSuggestChars = 100;
constexpr std::size_t kMaxAlternatives = 5;
// Words shorter than this get no typo alternatives: one edit away from a 3-letter word is too much else.
constexpr std::size_t kMinTypoLength = 4;
// Vocabulary words: long enough to be worth correcting towards, short enough to be a word.
constexpr std::size_t kMinTermLength = 3;
constexpr std::size_t kMaxTermLength = 32;
constexpr std::size_t kMaxTermsPerDocument = 64;

char SortCode(SortOrder s) {
  switch (s) {
    case SortOrder::kRelevance: return 'r';
    case SortOrder::kNewest: return 'n';
    case SortOrder::kPriceAsc: return 'a';
    case SortOrder::kPriceDesc: return 'd';
    case SortOrder::kRating: return 't';
    case SortOrder::kPopular: return 'p';
  }
  return 'n';
}

std::int64_t SortKey(SortOrder s, const catalog::SearchDocument& d) {
  switch (s) {
    case SortOrder::kPriceAsc:
    case SortOrder::kPriceDesc: return d.min_price;
    case SortOrder::kRating: return d.rating_x100;
    case SortOrder::kPopular: return d.popularity;
    case SortOrder::kNewest:
    case SortOrder::kRelevance: break;
  }
  return d.created_at;
}

std::optional<SortOrder> ParseSort(std::string_view s) {
  if (s == "relevance") return SortOrder::kRelevance;
  if (s == "newest") return SortOrder::kNewest;
  if (s == "price_asc") return SortOrder::kPriceAsc;
  if (s == "price_desc") return SortOrder::kPriceDesc;
  if (s == "rating") return SortOrder::kRating;
  if (s == "popular") return SortOrder::kPopular;
  return std::nullopt;
}

bool ParseInt(std::string_view s, std::int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Cursors: base64url of "r:<offset>" (relevance) or "<sort>:<key>:<id>" (keyset sorts).
std::string EncodeCursor(const std::string& text) { return core::Base64UrlEncode(text); }

std::optional<PagePosition> DecodeCursor(std::string_view cursor, SortOrder sort) {
  if (cursor.empty() || cursor.size() > 128) return std::nullopt;
  unsigned char buf[128];
  std::size_t len = 0;
  if (sodium_base642bin(buf, sizeof buf, cursor.data(), cursor.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  const std::string_view text(reinterpret_cast<const char*>(buf), len);
  if (text.size() < 3 || text[0] != SortCode(sort) || text[1] != ':') return std::nullopt;
  const std::string_view rest = text.substr(2);
  PagePosition pos;
  if (sort == SortOrder::kRelevance) {
    std::int64_t offset = 0;
    if (!ParseInt(rest, offset) || offset <= 0 || offset > kMaxRelevanceResults) return std::nullopt;
    pos.offset = static_cast<int>(offset);
    return pos;
  }
  const auto colon = rest.find(':');
  std::int64_t key = 0, id = 0;
  if (colon == std::string_view::npos || !ParseInt(rest.substr(0, colon), key) ||
      !ParseInt(rest.substr(colon + 1), id) || id <= 0) {
    return std::nullopt;
  }
  pos.after_key = key;
  pos.after_id = id;
  return pos;
}

// The words of a document worth correcting a query towards.
std::vector<std::string> VocabularyOf(const catalog::SearchDocument& doc, const std::string& compounds) {
  std::vector<std::string> out;
  for (const auto* text : {&doc.name, &doc.brand, &doc.category_names, &compounds}) {
    for (auto& t : Tokenize(*text)) {
      const std::size_t n = CodePoints(t).size();
      if (n < kMinTermLength || n > kMaxTermLength) continue;
      // Model numbers and sizes are matched exactly; correcting towards them only adds noise.
      if (std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
      if (std::find(out.begin(), out.end(), t) != out.end()) continue;
      out.push_back(std::move(t));
      if (out.size() == kMaxTermsPerDocument) return out;
    }
  }
  return out;
}

json::object Money(std::int64_t amount, const std::string& currency) {
  return json::object{{"amount", amount}, {"currency", currency}};
}

json::object HitJson(const SearchHit& hit) {
  const auto& d = hit.document;
  json::object o;
  o["id"] = d.product_id;
  o["name"] = d.name;
  o["slug"] = d.slug;
  o["brand"] = d.brand;
  o["category_id"] = d.category_id;
  o["image_url"] = d.image_url;
  o["price"] = Money(d.min_price, d.currency);
  o["max_price"] = Money(d.max_price, d.currency);
  o["in_stock"] = d.in_stock;
  o["rating"] = json::object{{"average_x100", d.rating_x100}, {"count", d.rating_count}};
  if (d.exclusive_until) {
    o["exclusive_until"] = core::FormatRfc3339(*d.exclusive_until);
  } else {
    o["exclusive_until"] = nullptr;
  }
  o["created_at"] = core::FormatRfc3339(d.created_at);
  o["highlight"] = json::object{{"name", hit.name_highlighted}, {"description", hit.snippet}};
  return o;
}

json::object FacetsJson(const Facets& f) {
  json::array categories, prices, ratings;
  for (const auto& c : f.categories) categories.push_back(json::object{{"id", c.category_id}, {"count", c.count}});
  for (const auto& p : f.price_ranges) {
    json::object o{{"min", p.range.min}, {"count", p.count}};
    if (p.range.max) {
      o["max"] = *p.range.max;
    } else {
      o["max"] = nullptr;
    }
    prices.push_back(std::move(o));
  }
  for (const auto& r : f.ratings) ratings.push_back(json::object{{"min", r.min_x100 / 100}, {"count", r.count}});
  return json::object{{"category", std::move(categories)}, {"price_ranges", std::move(prices)},
                      {"rating", std::move(ratings)}};
}

constexpr std::size_t kMaxCategoryFacets = 20;

// The total and facets of a ranked search from its matches, as CountFacets and CategoryFacet count
// them in SQL for the other sorts: price buckets, cumulative rating buckets ("4 and up"), and the
// top categories (a product counts in its category and every ancestor).
void CountMatches(const std::vector<MatchRow>& matches, SearchPage& page) {
  std::array<std::int64_t, kPriceBucketBounds.size()> prices{};
  std::array<std::int64_t, kRatingFacetMins.size()> ratings{};
  std::unordered_map<std::int64_t, std::int64_t> categories;
  for (const auto& m : matches) {
    ++prices[PriceBucketIndex(m.min_price)];
    for (std::size_t i = 0; i < kRatingFacetMins.size(); ++i) {
      if (m.rating_x100 >= kRatingFacetMins[i]) ++ratings[i];
    }
    for (auto c : m.categories) ++categories[c];
  }
  page.total = static_cast<std::int64_t>(matches.size());
  const auto buckets = PriceBuckets();
  page.facets.price_ranges.clear();
  for (std::size_t i = 0; i < buckets.size(); ++i) page.facets.price_ranges.push_back({buckets[i], prices[i]});
  page.facets.ratings.clear();
  for (std::size_t i = 0; i < kRatingFacetMins.size(); ++i) page.facets.ratings.push_back({kRatingFacetMins[i], ratings[i]});
  page.facets.categories.clear();
  for (const auto& [id, count] : categories) page.facets.categories.push_back({id, count});
  std::sort(page.facets.categories.begin(), page.facets.categories.end(), [](const auto& a, const auto& b) {
    return a.count != b.count ? a.count > b.count : a.category_id < b.category_id;
  });
  if (page.facets.categories.size() > kMaxCategoryFacets) page.facets.categories.resize(kMaxCategoryFacets);
}

}  // namespace

std::vector<PriceBucket> PriceBuckets() {
  std::vector<PriceBucket> out;
  for (std::size_t i = 0; i < kPriceBucketBounds.size(); ++i) {
    PriceBucket b{kPriceBucketBounds[i], std::nullopt};
    if (i + 1 < kPriceBucketBounds.size()) b.max = kPriceBucketBounds[i + 1];
    out.push_back(b);
  }
  return out;
}

std::size_t PriceBucketIndex(std::int64_t price) {
  std::size_t index = 0;
  for (std::size_t i = 0; i < kPriceBucketBounds.size(); ++i) {
    if (price >= kPriceBucketBounds[i]) index = i;
  }
  return index;
}

class SearchIndexerImpl final : public catalog::SearchIndexer {
 public:
  explicit SearchIndexerImpl(const SearchRepository& repository) : repository_(repository) {}

  // Driver exceptions propagate to the caller's Database::Write, which rolls back, retries transient
  // failures and translates the rest.
  Status Upsert(db::Tx& tx, const catalog::SearchDocument& doc) override { return Write(tx, doc, false); }
  Status Insert(db::Tx& tx, const catalog::SearchDocument& doc) override { return Write(tx, doc, true); }

  Status Remove(db::Tx& tx, std::int64_t product_id) override {
    repository_.Remove(tx, product_id);
    return OkStatus();
  }

 private:
  Status Write(db::Tx& tx, const catalog::SearchDocument& doc, bool fresh) {
    if (doc.product_id <= 0) return Error::Internal("search document without a product id");
    repository_.Upsert(tx, doc, fresh);
    repository_.AddTerms(tx, VocabularyOf(doc, Compounds(doc.name + " " + doc.brand)));
    return OkStatus();
  }

  const SearchRepository& repository_;
};

SearchModule::SearchModule(db::Database& db, const core::Clock& clock)
    : db_(db),
      clock_(clock),
      repository_(std::make_unique<SearchRepository>(db.dialect())),
      indexer_(std::make_unique<SearchIndexerImpl>(*repository_)) {}

SearchModule::~SearchModule() = default;

catalog::SearchIndexer& SearchModule::indexer() { return *indexer_; }

bool SearchModule::CanSeeExclusive(const std::optional<Principal>& who, std::int64_t now) const {
  if (who && (who->role == Role::kManager || who->role == Role::kAdmin)) return true;
  return members_ != nullptr && members_->CanSeeExclusive(who, now);
}

Result<SearchPage> SearchModule::Search(const SearchQuery& query) {
  SortOrder sort = query.sort;
  const auto tokens = QueryTokens(query.text);
  if (tokens.empty() && sort == SortOrder::kRelevance) sort = SortOrder::kNewest;

  PagePosition position;
  if (query.cursor) {
    auto decoded = DecodeCursor(*query.cursor, sort);
    if (!decoded) return Error::Invalid("cursor", "is not a cursor of this search");
    position = *decoded;
  }
  const int limit = std::clamp(query.limit, 1, 100);

  return db_.Read([&](db::Tx& tx) -> Result<SearchPage> {
    SearchPage page;
    std::vector<TokenAlternatives> groups;
    std::vector<std::string> highlight_terms;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      TokenAlternatives g{tokens[i], {}, i + 1 == tokens.size()};
      if (CodePoints(tokens[i]).size() >= kMinTypoLength) {
        auto near = repository_->TermsSharingDeletion(tx, tokens[i]);
        if (std::find(near.begin(), near.end(), tokens[i]) == near.end()) {
          std::sort(near.begin(), near.end());
          for (auto& t : near) {
            if (g.alternatives.size() == kMaxAlternatives) break;
            if (WithinOneEdit(tokens[i], t)) g.alternatives.push_back(t);
          }
        }
      }
      highlight_terms.push_back(g.token);
      for (const auto& alt : g.alternatives) {
        highlight_terms.push_back(alt);
        page.corrections.push_back(alt);
      }
      groups.push_back(std::move(g));
    }

    SearchFilter filter;
    if (!groups.empty()) {
      filter.match = db_.dialect() == db::Dialect::kSqlite ? BuildFts5Match(groups) : BuildBooleanQuery(groups);
      // Every word was one the engine cannot index (MariaDB: stop words, one or two letters): no match.
      if (filter.match.empty()) return page;
    }
    filter.exact_key = CompletionKey(query.text);
    filter.now = query.now;
    filter.include_exclusive = query.include_exclusive;
    filter.category_id = query.category_id;
    filter.min_price = query.min_price;
    filter.max_price = query.max_price;
    filter.in_stock_only = query.in_stock_only;
    filter.min_rating_x100 = query.min_rating_x100.value_or(0);
    if (filter.match.empty() && sort == SortOrder::kRelevance) sort = SortOrder::kNewest;

    int page_limit = limit;
    if (sort == SortOrder::kRelevance) page_limit = std::min(limit, kMaxRelevanceResults - position.offset);
    // Ranked text search: one pass of the full-text engine gives the order, the total and every
    // facet (three passes before: at 100k products each ranked the ~1,300 matches of a common word).
    std::vector<MatchRow> matches;
    if (sort == SortOrder::kRelevance) {
      matches = repository_->MatchAll(tx, filter);
      CountMatches(matches, page);
    }
    if (page_limit > 0) {
      std::vector<catalog::SearchDocument> docs;
      if (sort == SortOrder::kRelevance) {
        std::vector<std::int64_t> ids;
        for (std::size_t i = static_cast<std::size_t>(position.offset);
             i < matches.size() && ids.size() < static_cast<std::size_t>(page_limit) + 1; ++i) {
          ids.push_back(matches[i].product_id);
        }
        docs = repository_->FindByIds(tx, ids);
      } else {
        docs = repository_->Find(tx, filter, sort, position, page_limit + 1);
      }
      const bool more = static_cast<int>(docs.size()) > page_limit;
      if (more) docs.resize(page_limit);
      for (auto& d : docs) {
        SearchHit hit;
        hit.name_highlighted = Highlight(d.name, highlight_terms);
        hit.snippet = Snippet(d.description, highlight_terms);
        hit.document = std::move(d);
        page.items.push_back(std::move(hit));
      }
      if (more && !page.items.empty()) {
        if (sort == SortOrder::kRelevance) {
          const int next = position.offset + page_limit;
          if (next < kMaxRelevanceResults) page.next_cursor = EncodeCursor("r:" + std::to_string(next));
        } else {
          const auto& last = page.items.back().document;
          page.next_cursor = EncodeCursor(std::string(1, SortCode(sort)) + ":" +
                                          std::to_string(SortKey(sort, last)) + ":" +
                                          std::to_string(last.product_id));
        }
      }
    }
    if (sort != SortOrder::kRelevance) {
      repository_->CountFacets(tx, filter, page);
      page.facets.categories = repository_->CategoryFacet(tx, filter);
    }
    return page;
  });
}

Result<std::vector<Suggestion>> SearchModule::Suggest(const std::string& prefix, bool include_exclusive, int limit) {
  const std::string key = CompletionKey(prefix);
  limit = std::clamp(limit, 1, 10);
  if (key.empty()) return std::vector<Suggestion>{};
  const std::int64_t now = clock_.NowSeconds();
  return db_.Read([&](db::Tx& tx) -> Result<std::vector<Suggestion>> {
    std::vector<Suggestion> out;
    // Brands first (few, and they widen the search), then product names fill the rest.
    for (auto& brand : repository_->BrandsStartingWith(tx, key, now, include_exclusive, 3)) {
      out.push_back({std::move(brand), std::nullopt, {}});
    }
    for (auto& s : repository_->NamesStartingWith(tx, key, now, include_exclusive, limit)) {
      if (static_cast<int>(out.size()) == limit) break;
      out.push_back(std::move(s));
    }
    return out;
  });
}

void SearchModule::RegisterRoutes(http::Router& router) {
  router.Get(
      "/api/v1/search",
      [this](http::Request& req) -> Result<http::Response> {
        http::QueryInput in(req);
        SearchQuery q;
        q.text = in.String("q", {.max = kMaxQueryChars}).value_or("");
        q.category_id = in.Int("category", {.min = 1});
        q.min_price = in.Int("min_price", {.min = 0});
        q.max_price = in.Int("max_price", {.min = 0});
        q.in_stock_only = in.Bool("in_stock").value_or(false);
        if (auto rating = in.Int("min_rating", {.min = 0, .max = 5})) q.min_rating_x100 = static_cast<int>(*rating * 100);
        q.limit = static_cast<int>(in.Int("limit", {.min = 1, .max = 100}).value_or(20));
        q.cursor = in.String("cursor", {.max = 128});
        if (q.cursor && q.cursor->empty()) q.cursor.reset();
        const auto sort_text = in.String("sort", {.max = 32});
        EMP_TRY(in.Finish());
        if (sort_text && !sort_text->empty()) {
          auto sort = ParseSort(*sort_text);
          if (!sort) {
            return Error::Invalid("sort", "must be one of: relevance, newest, price_asc, price_desc, rating, popular");
          }
          q.sort = *sort;
        }
        if (q.min_price && q.max_price && *q.min_price > *q.max_price) {
          return Error::Invalid("min_price", "must not be greater than max_price");
        }
        q.now = clock_.NowSeconds();
        q.include_exclusive = CanSeeExclusive(req.principal, q.now);
        EMP_ASSIGN(auto page, Search(q));

        json::array items;
        for (const auto& hit : page.items) items.push_back(HitJson(hit));
        json::array corrections;
        for (const auto& c : page.corrections) corrections.push_back(json::string(c));
        json::object body;
        body["items"] = std::move(items);
        if (page.next_cursor) {
          body["next_cursor"] = *page.next_cursor;
        } else {
          body["next_cursor"] = nullptr;
        }
        body["total"] = page.total;
        body["facets"] = FacetsJson(page.facets);
        body["corrections"] = std::move(corrections);
        return http::Response::Json(200, body);
      },
      {.cache = cache_});

  router.Get(
      "/api/v1/search/suggest",
      [this](http::Request& req) -> Result<http::Response> {
        http::QueryInput in(req);
        const auto prefix = in.String("q", {.max = kMaxSuggestChars}).value_or("");
        const auto limit = in.Int("limit", {.min = 1, .max = 10}).value_or(10);
        EMP_TRY(in.Finish());
        EMP_ASSIGN(auto suggestions,
                   Suggest(prefix, CanSeeExclusive(req.principal, clock_.NowSeconds()), static_cast<int>(limit)));
        json::array items;
        for (const auto& s : suggestions) {
          json::object o{{"text", s.text}};
          if (s.product_id) {
            o["product_id"] = *s.product_id;
            o["slug"] = s.slug;
          }
          items.push_back(std::move(o));
        }
        return http::Response::Json(200, json::object{{"items", std::move(items)}});
      },
      {.cache = cache_});
}

}  // namespace emporium::search
