#include "modules/search/search_text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace emporium::search {

namespace {

// InnoDB's default stop word list (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD): a required
// stop word in a boolean query would match nothing.
constexpr std::array<std::string_view, 36> kInnoDbStopWords = {
    "a",    "about", "an",  "are",  "as",   "at",   "be",   "by",   "com",  "de",   "en",  "for",
    "from", "how",   "i",   "in",   "is",   "it",   "la",   "of",   "on",   "or",   "that", "the",
    "this", "to",    "was", "what", "when", "where", "who", "will", "with", "und",  "the", "www"};

// Length of the valid UTF-8 sequence at s[i] and its code point; 0 when invalid.
std::size_t DecodeUtf8(std::string_view s, std::size_t i, std::uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8.
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

// Non-ASCII code points that are punctuation, symbols or spaces rather than letters.
bool IsNonAsciiSeparator(std::uint32_t cp) {
  return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) ||
         (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
         cp == 0xFEFF || cp >= 0x1F000;
}

bool IsAsciiWordChar(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Cuts s to at most max bytes without splitting a code point.
void TruncateUtf8(std::string& s, std::size_t max) {
  if (s.size() <= max) return;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
}

// Calls f(begin, end, lowered) for every word of text, in order.
template <class F>
void ForEachWord(std::string_view text, F&& f) {
  std::string word;
  std::size_t begin = 0;
  std::size_t i = 0;
  auto flush = [&](std::size_t end) {
    if (!word.empty()) f(begin, end, word);
    word.clear();
  };
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (IsAsciiWordChar(c)) {
        if (word.empty()) begin = i;
        word += AsciiLower(static_cast<char>(c));
      } else {
        flush(i);
      }
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t len = DecodeUtf8(text, i, cp);
    if (len == 0 || IsNonAsciiSeparator(cp)) {
      flush(i);
      i += len == 0 ? 1 : len;
      continue;
    }
    if (word.empty()) begin = i;
    word.append(text.substr(i, len));
    i += len;
  }
  flush(text.size());
}

std::string Quote(std::string_view token) {
  std::string out = "\"";
  for (char c : token) {
    if (c == '"') out += '"';  // tokens never hold quotes; doubling keeps the expression safe regardless
    out += c;
  }
  out += '"';
  return out;
}

bool StartsWithAny(std::string_view word, const std::vector<std::string>& terms) {
  for (const auto& t : terms) {
    if (!t.empty() && word.size() >= t.size() && word.compare(0, t.size(), t) == 0) return true;
  }
  return false;
}

// Escaped text[from, to) with matching words marked.
std::string HighlightRange(std::string_view text, std::size_t from, std::size_t to,
                           const std::vector<std::string>& terms) {
  std::string out;
  std::size_t at = from;
  ForEachWord(text.substr(0, to), [&](std::size_t b, std::size_t e, const std::string& lowered) {
    if (e <= from || !StartsWithAny(lowered, terms)) return;
    b = std::max(b, from);
    out += HtmlEscape(text.substr(at, b - at));
    out += "<mark>";
    out += HtmlEscape(text.substr(b, e - b));
    out += "</mark>";
    at = e;
  });
  out += HtmlEscape(text.substr(at, to - at));
  return out;
}

}  // namespace

std::vector<std::string> Tokenize(std::string_view text) {
  std::vector<std::string> out;
  ForEachWord(text, [&](std::size_t, std::size_t, const std::string& w) { out.push_back(w); });
  return out;
}

std::vector<std::string> QueryTokens(std::string_view query) {
  std::vector<std::string> out;
  for (auto& t : Tokenize(query)) {
    TruncateUtf8(t, kMaxTokenBytes);
    if (t.empty() || std::find(out.begin(), out.end(), t) != out.end()) continue;
    out.push_back(std::move(t));
    if (out.size() == kMaxQueryTokens) break;
  }
  return out;
}

std::string Compounds(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    std::size_t j = i;
    while (j < text.size() && !(text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r')) ++j;
    const auto parts = Tokenize(text.substr(i, j - i));
    if (parts.size() >= 2) {
      std::string joined;
      for (const auto& p : parts) joined += p;
      if (!out.empty()) out += ' ';
      out += joined;
    }
    i = j;
  }
  return out;
}

std::string BuildFts5Match(const std::vector<TokenAlternatives>& groups) {
  std::string out;
  for (const auto& g : groups) {
    if (g.token.empty()) continue;
    if (!out.empty()) out += " AND ";
    out += '(';
    out += Quote(g.token);
    if (g.prefix) out += '*';
    for (const auto& alt : g.alternatives) {
      out += " OR ";
      out += Quote(alt);
    }
    out += ')';
  }
  return out;
}

bool IsFulltextIndexable(std::string_view token) {
  if (CodePoints(token).size() < 3) return false;
  return std::find(kInnoDbStopWords.begin(), kInnoDbStopWords.end(), token) == kInnoDbStopWords.end();
}

std::string BuildBooleanQuery(const std::vector<TokenAlternatives>& groups) {
  std::string out;
  for (const auto& g : groups) {
    std::vector<std::string> words;
    if (IsFulltextIndexable(g.token)) words.push_back(g.token + (g.prefix ? "*" : ""));
    for (const auto& alt : g.alternatives) {
      if (IsFulltextIndexable(alt)) words.push_back(alt);
    }
    if (words.empty()) continue;
    if (!out.empty()) out += ' ';
    out += "+(";
    for (std::size_t k = 0; k < words.size(); ++k) {
      if (k) out += ' ';
      out += words[k];
    }
    out += ')';
  }
  return out;
}

std::string CompletionKey(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += AsciiLower(c);
  }
  TruncateUtf8(out, 190);
  return out;
}

std::string PrefixUpperBound(std::string_view prefix) { return std::string(prefix) + "\xF4\x8F\xBF\xBF"; }

std::vector<std::string> CodePoints(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::uint32_t cp = 0;
    std::size_t len = DecodeUtf8(s, i, cp);
    if (len == 0) len = 1;
    out.emplace_back(s.substr(i, len));
    i += len;
  }
  return out;
}

std::vector<std::string> DeletionNeighbourhood(std::string_view word) {
  const auto cps = CodePoints(word);
  std::vector<std::string> out{std::string(word)};
  for (std::size_t skip = 0; skip < cps.size(); ++skip) {
    std::string variant;
    for (std::size_t k = 0; k < cps.size(); ++k) {
      if (k != skip) variant += cps[k];
    }
    if (!variant.empty() && std::find(out.begin(), out.end(), variant) == out.end()) out.push_back(std::move(variant));
  }
  return out;
}

bool WithinOneEdit(std::string_view a_text, std::string_view b_text) {
  auto a = CodePoints(a_text), b = CodePoints(b_text);
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  std::size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (i == a.size()) return true;  // equal, or b has one extra code point at the end
  if (a.size() == b.size()) {
    // One substitution, or a transposition of i and i+1.
    if (std::equal(a.begin() + i + 1, a.end(), b.begin() + i + 1)) return true;
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] &&
           std::equal(a.begin() + i + 2, a.end(), b.begin() + i + 2);
  }
  return std::equal(a.begin() + i, a.end(), b.begin() + i + 1);  // one insertion into a
}

std::vector<std::string> EditOneCandidates(std::string_view word) {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::vector<std::string> out;
  const std::string w(word);
  for (std::size_t i = 0; i < w.size(); ++i) out.push_back(w.substr(0, i) + w.substr(i + 1));
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    std::string t = w;
    std::swap(t[i], t[i + 1]);
    out.push_back(std::move(t));
  }
  for (std::size_t i = 0; i < w.size(); ++i) {
    for (char c : kAlphabet) {
      if (c == w[i]) continue;
      std::string t = w;
      t[i] = c;
      out.push_back(std::move(t));
    }
  }
  for (std::size_t i = 0; i <= w.size(); ++i) {
    for (char c : kAlphabet) out.push_back(w.substr(0, i) + c + w.substr(i));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  out.erase(std::remove(out.begin(), out.end(), w), out.end());
  return out;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Highlight(std::string_view text, const std::vector<std::string>& terms) {
  return HighlightRange(text, 0, text.size(), terms);
}

std::string Snippet(std::string_view text, const std::vector<std::string>& terms, std::size_t max_chars) {
  std::size_t first = std::string_view::npos;
  ForEachWord(text, [&](std::size_t b, std::size_t, const std::string& lowered) {
    if (first == std::string_view::npos && StartsWithAny(lowered, terms)) first = b;
  });
  if (text.size() <= max_chars) return Highlight(text, terms);
  std::size_t from = first == std::string_view::npos || first < max_chars / 3 ? 0 : first - max_chars / 3;
  // Start and end on word boundaries (and code point boundaries).
  while (from > 0 && text[from - 1] != ' ') --from;
  std::size_t to = std::min(text.size(), from + max_chars);
  if (to < text.size()) {
    std::size_t space = text.rfind(' ', to);
    if (space != std::string_view::npos && space > from) to = space;
    while (to > from && (static_cast<unsigned char>(text[to]) & 0xC0) == 0x80) --to;
  }
  std::string out;
  if (from > 0) out += "…";
  out += HighlightRange(text, from, to, terms);
  if (to < text.size()) out += "…";
  return out;
}

}  // namespace emporium::search
