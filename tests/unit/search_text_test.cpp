#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "modules/search/search_module.hpp"
#include "modules/search/search_text.hpp"

namespace emporium::search {
namespace {

using Strings = std::vector<std::string>;

TEST(SearchTokenize, LowerCasesAndSplitsOnPunctuation) {
  EXPECT_EQ(Tokenize("Wireless HEADPHONES, (Black)!"), (Strings{"wireless", "headphones", "black"}));
  EXPECT_EQ(Tokenize("T-Shirt"), (Strings{"t", "shirt"}));
  EXPECT_EQ(Tokenize("Café “crème” — 日本"), (Strings{"café", "crème", "日本"}));
  EXPECT_TRUE(Tokenize("\"*()':^-+~<>@").empty());
  EXPECT_EQ(Tokenize(std::string("ab\xFF\xFE" "cd")), (Strings{"ab", "cd"}));  // invalid UTF-8 separates
}

TEST(SearchQueryTokens, DeduplicatesCapsCountAndLength) {
  EXPECT_EQ(QueryTokens("red RED red shoe"), (Strings{"red", "shoe"}));
  std::string many;
  for (int i = 0; i < 50; ++i) many += "w" + std::to_string(i) + " ";
  EXPECT_EQ(QueryTokens(many).size(), kMaxQueryTokens);
  const auto longest = QueryTokens(std::string(500, 'x'));
  ASSERT_EQ(longest.size(), 1u);
  EXPECT_EQ(longest[0].size(), kMaxTokenBytes);
  const auto cut = QueryTokens(std::string(200, '\xC3') + "");  // lone lead bytes: no token
  EXPECT_TRUE(cut.empty());
  std::string accents;
  for (int i = 0; i < 40; ++i) accents += "é";  // 80 bytes: cut on a code point boundary
  const auto a = QueryTokens(accents);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].size() % 2, 0u);
}

TEST(SearchFts5Match, QuotesEveryTokenAndNeverPassesSyntaxThrough) {
  std::vector<TokenAlternatives> groups;
  for (const auto& t : QueryTokens("\" * NEAR( ' OR 1=1 -- AND NOT x:y")) groups.push_back({t, {}, false});
  groups.back().prefix = true;
  const std::string m = BuildFts5Match(groups);
  EXPECT_EQ(m, "(\"near\") AND (\"or\") AND (\"1\") AND (\"and\") AND (\"not\") AND (\"x\") AND (\"y\"*)");
}

TEST(SearchFts5Match, OrsTypoAlternativesAndMarksThePrefixToken) {
  std::vector<TokenAlternatives> groups{{"hedphones", {"headphones"}, false}, {"bla", {}, true}};
  EXPECT_EQ(BuildFts5Match(groups), "(\"hedphones\" OR \"headphones\") AND (\"bla\"*)");
  EXPECT_EQ(BuildFts5Match({}), "");
}

TEST(SearchBooleanQuery, RequiresEachGroupAndDropsWordsInnoDbDoesNotIndex) {
  std::vector<TokenAlternatives> groups{
      {"the", {}, false}, {"hedphones", {"headphones"}, false}, {"tv", {}, false}, {"blu", {}, true}};
  EXPECT_EQ(BuildBooleanQuery(groups), "+(hedphones headphones) +(blu*)");
  EXPECT_EQ(BuildBooleanQuery({{"of", {}, false}, {"x", {}, true}}), "");
  EXPECT_FALSE(IsFulltextIndexable("with"));
  EXPECT_TRUE(IsFulltextIndexable("café"));
}

TEST(SearchCompounds, JoinsWordsWrittenWithInnerPunctuation) {
  EXPECT_EQ(Compounds("Cotton T-Shirt, slim"), "tshirt");
  EXPECT_EQ(Compounds("e-book reader USB-C cable"), "ebook usbc");
  EXPECT_EQ(Compounds("plain words only"), "");
}

TEST(SearchTypos, DeletionNeighbourhoodsOfWordsOneEditApartIntersect) {
  auto intersects = [](const std::string& a, const std::string& b) {
    auto x = DeletionNeighbourhood(a), y = DeletionNeighbourhood(b);
    return std::any_of(x.begin(), x.end(), [&](const auto& s) { return std::find(y.begin(), y.end(), s) != y.end(); });
  };
  EXPECT_TRUE(intersects("hedphones", "headphones"));  // deletion
  EXPECT_TRUE(intersects("headphonse", "headphones"));  // transposition
  EXPECT_TRUE(intersects("headphonez", "headphones"));  // substitution
  EXPECT_TRUE(intersects("headphoness", "headphones"));  // insertion
  EXPECT_EQ(DeletionNeighbourhood("abc"), (Strings{"abc", "bc", "ac", "ab"}));
  EXPECT_EQ(DeletionNeighbourhood("aa"), (Strings{"aa", "a"}));
  EXPECT_EQ(DeletionNeighbourhood("éa"), (Strings{"éa", "a", "é"}));  // by code point, never a split byte
}

TEST(SearchTypos, WithinOneEditCountsOneInsertionDeletionSubstitutionOrTransposition) {
  EXPECT_TRUE(WithinOneEdit("headphones", "headphones"));
  EXPECT_TRUE(WithinOneEdit("hedphones", "headphones"));
  EXPECT_TRUE(WithinOneEdit("headphones", "hedphones"));
  EXPECT_TRUE(WithinOneEdit("haedphones", "headphones"));
  EXPECT_TRUE(WithinOneEdit("headphonez", "headphones"));
  EXPECT_TRUE(WithinOneEdit("café", "cafe"));
  EXPECT_FALSE(WithinOneEdit("hdphones", "headphones"));
  EXPECT_FALSE(WithinOneEdit("haedphonse", "headphones"));
  EXPECT_FALSE(WithinOneEdit("shirt", "shrit1"));
}

TEST(SearchTypos, EditOneCandidatesCoverEveryKindOfEdit) {
  const auto c = EditOneCandidates("tshirt");
  auto has = [&](const std::string& s) { return std::find(c.begin(), c.end(), s) != c.end(); };
  EXPECT_TRUE(has("shirt"));    // deletion
  EXPECT_TRUE(has("stshirt") || has("tshirts"));  // insertion
  EXPECT_TRUE(has("htsirt") || has("tsihrt"));    // transposition
  EXPECT_TRUE(has("tshort"));   // substitution
  EXPECT_FALSE(has("tshirt"));
  for (const auto& s : c) EXPECT_TRUE(WithinOneEdit(s, "tshirt")) << s;
  // 6 deletions + 5 transpositions + 6×35 substitutions + 7×36 insertions, less duplicates.
  EXPECT_LE(c.size(), 6u + 5u + 210u + 252u);
  EXPECT_GT(c.size(), 400u);
}

TEST(SearchHighlight, EscapesHtmlAndMarksWordsStartingWithATerm) {
  EXPECT_EQ(Highlight("<b>Wireless</b> & headphones", {"headph"}), "&lt;b&gt;Wireless&lt;/b&gt; &amp; <mark>headphones</mark>");
  EXPECT_EQ(Highlight("Say \"hi\" 'x'", {}), "Say &quot;hi&quot; &#39;x&#39;");
  EXPECT_EQ(Highlight("HEADPHONES headphones", {"headphones"}), "<mark>HEADPHONES</mark> <mark>headphones</mark>");
}

TEST(SearchHighlight, SnippetCutsAroundTheFirstMatchOnWordBoundaries) {
  std::string text;
  for (int i = 0; i < 60; ++i) text += "filler ";
  text += "great headphones here";
  for (int i = 0; i < 60; ++i) text += " more";
  const auto s = Snippet(text, {"headphones"}, 80);
  EXPECT_NE(s.find("<mark>headphones</mark>"), std::string::npos);
  EXPECT_EQ(s.rfind("…", 0), 0u);
  EXPECT_LT(s.size(), 140u);
  EXPECT_EQ(Snippet("short <text>", {"zzz"}), "short &lt;text&gt;");
}

TEST(SearchCompletion, KeysAreLowerCasedAndRangeBoundCoversEveryCompletion) {
  EXPECT_EQ(CompletionKey("  Wireless   HEADPHONES "), "wireless headphones");
  const std::string lo = CompletionKey("Wire");
  const std::string hi = PrefixUpperBound(lo);
  for (const std::string key : {"wire", "wireless", "wire\xF4\x8F\xBF\xBE", "wire~", "wire\xC3\xA9"}) {
    EXPECT_TRUE(key >= lo && key < hi) << key;
  }
  EXPECT_FALSE(std::string("wirf") < hi);
  EXPECT_FALSE(std::string("wir") >= lo);
}

TEST(SearchFacets, PriceBucketsAreContiguousAndEveryPriceFallsInOne) {
  const auto buckets = PriceBuckets();
  ASSERT_EQ(buckets.size(), kPriceBucketBounds.size());
  EXPECT_EQ(buckets.front().min, 0);
  EXPECT_FALSE(buckets.back().max.has_value());
  for (std::size_t i = 0; i + 1 < buckets.size(); ++i) EXPECT_EQ(*buckets[i].max, buckets[i + 1].min);
  EXPECT_EQ(PriceBucketIndex(0), 0u);
  EXPECT_EQ(PriceBucketIndex(999), 0u);
  EXPECT_EQ(PriceBucketIndex(1000), 1u);
  EXPECT_EQ(PriceBucketIndex(49'999), 5u);
  EXPECT_EQ(PriceBucketIndex(50'000), 6u);
  EXPECT_EQ(PriceBucketIndex(INT64_MAX), 6u);
  EXPECT_EQ(PriceBucketIndex(-5), 0u);
}

}  // namespace
}  // namespace emporium::search
