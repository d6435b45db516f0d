#pragma once
// Text handling for search, free of SQL and I/O: tokenising user input, building safe full-text
// expressions for each dialect, the deletion neighbourhood used for typo tolerance, and HTML-escaped
// highlighting. User input never reaches a MATCH/AGAINST expression except as tokens made here, which
// contain only letters and digits (ASCII, lower-cased) or non-ASCII UTF-8 sequences.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace emporium::search {

/// Query tokens beyond this are ignored (a 200-character query cannot need more).
inline constexpr std::size_t kMaxQueryTokens = 10;
/// Longer tokens are cut to this many bytes (at a code point boundary).
inline constexpr std::size_t kMaxTokenBytes = 48;

/// Splits text into lower-cased word tokens. A word is a run of ASCII letters/digits and non-ASCII
/// code points (so "café" and "日本" stay whole); everything else separates words. Invalid UTF-8
/// bytes separate words too. Never fails.
std::vector<std::string> Tokenize(std::string_view text);

/// Tokens of a user query: Tokenize, deduplicated in order, at most kMaxQueryTokens, each at most
/// kMaxTokenBytes.
std::vector<std::string> QueryTokens(std::string_view query);

/// Words written with inner punctuation joined up ("T-Shirt" → "tshirt", "e-book reader" → "ebook"),
/// space-separated, so a query typed without the hyphen finds them.
std::string Compounds(std::string_view text);

/// A query token and the vocabulary words one edit away that stand in for it.
struct TokenAlternatives {
  std::string token;
  std::vector<std::string> alternatives;  ///< typo corrections; empty when the token is known
  bool prefix = false;                    ///< the last token of the query also matches as a prefix
};

/// FTS5 MATCH expression for SQLite: tokens are double-quoted strings, alternatives OR-ed, groups
/// AND-ed; a prefix token gets `*` after its closing quote. Empty when there are no tokens.
std::string BuildFts5Match(const std::vector<TokenAlternatives>& groups);

/// InnoDB boolean-mode expression for MariaDB: `+(token alt1 alt2) +(last*)`. Tokens InnoDB does not
/// index (shorter than 3 characters, default stop words) are left out; empty when nothing is left.
std::string BuildBooleanQuery(const std::vector<TokenAlternatives>& groups);

/// Whether InnoDB FULLTEXT (default settings) indexes this token.
bool IsFulltextIndexable(std::string_view token);

/// Lower-cased, whitespace-collapsed, trimmed: the key of names and brands for prefix completion.
std::string CompletionKey(std::string_view text);

/// The upper bound of a prefix range scan: every key that starts with `prefix` sorts below it
/// (prefix followed by U+10FFFF, valid UTF-8, same order in SQLite's BINARY and utf8mb4_bin).
std::string PrefixUpperBound(std::string_view prefix);

/// Splits valid UTF-8 into code points (invalid bytes come out one by one).
std::vector<std::string> CodePoints(std::string_view s);

/// The word and every string made by deleting one code point (SymSpell's distance-1 neighbourhood),
/// deduplicated. Two words are within Damerau–Levenshtein distance 1 only if these sets intersect.
std::vector<std::string> DeletionNeighbourhood(std::string_view word);

/// True when a and b differ by at most one insertion, deletion, substitution or adjacent
/// transposition (optimal string alignment distance ≤ 1), counted in code points.
bool WithinOneEdit(std::string_view a, std::string_view b);

/// Every edit-distance-1 variant over [a-z0-9] (deletions, transpositions, substitutions,
/// insertions) of an ASCII word; for tests and diagnostics (the index uses the deletion neighbourhood).
std::vector<std::string> EditOneCandidates(std::string_view word);

/// HTML-escapes & < > " '.
std::string HtmlEscape(std::string_view text);

/// The whole text HTML-escaped, with every word that starts with one of `terms` wrapped in
/// <mark>…</mark>.
std::string Highlight(std::string_view text, const std::vector<std::string>& terms);

/// Like Highlight, on a window of about `max_chars` bytes around the first matching word (with "…"
/// where text was cut); the start of the text when nothing matches.
std::string Snippet(std::string_view text, const std::vector<std::string>& terms, std::size_t max_chars = 160);

}  // namespace emporium::search
