// Maven versions, ordered by the POM reference's "Version Order Specification"
// (https://maven.apache.org/pom.html#version-order-specification), which is also how OSV
// orders them:
//  - the version is split into tokens at "." and "-" and at every change between digits
//    and other characters (such a change counts as "-"); each token remembers the separator
//    before it; an empty token is "0";
//  - qualifiers ignore case; "cr" is "rc"; "ga", "final" and "release" are ""; "a", "b", "m"
//    directly followed by a digit are "alpha", "beta", "milestone";
//  - trailing null tokens (0, "") are trimmed, and again before each remaining "-" from
//    the end to the start;
//  - the shorter version is padded with nulls carrying the other's separators; tokens with
//    the same separator compare numbers numerically, a number after a qualifier, known
//    qualifiers as alpha < beta < milestone < rc < snapshot < "" < sp < anything else
//    (lexically); with different separators ".qualifier" < "-qualifier" < "-number" <
//    ".number".
// Every text is a Maven version, so there is no fallback.
#include <string_view>

#include "advisories/versions/internal.h"

namespace aiip::advisories::internal {
namespace {

struct Token {
  char prefix = '\0';  // '\0' for the first token, else '.' or '-'
  std::string_view value;
  bool number = false;
  bool padding = false;  // a null token added to pad the shorter version
};

using Tokens = SmallVec<Token, 24>;

Token MakeToken(char prefix, std::string_view text, bool followed_by_transition) {
  Token t{prefix, text, false, false};
  if (text.empty()) {
    t.value = "0";
    t.number = true;
    return t;
  }
  if (IsDigit(text[0])) {
    while (t.value.size() > 1 && t.value[0] == '0') t.value.remove_prefix(1);
    t.number = true;
    return t;
  }
  if (EqualsIgnoreCase(text, "cr")) {
    t.value = "rc";
  } else if (EqualsIgnoreCase(text, "ga") || EqualsIgnoreCase(text, "final") ||
             EqualsIgnoreCase(text, "release")) {
    t.value = "";
  } else if (followed_by_transition && text.size() == 1) {
    switch (ToLower(text[0])) {
      case 'a':
        t.value = "alpha";
        break;
      case 'b':
        t.value = "beta";
        break;
      case 'm':
        t.value = "milestone";
        break;
      default:
        break;
    }
  }
  return t;
}

bool IsNull(const Token& t) { return t.value.empty() || (t.number && t.value == "0"); }

void Erase(Tokens& tokens, size_t i) {
  for (size_t k = i; k + 1 < tokens.size(); ++k) tokens[k] = tokens[k + 1];
  tokens.pop_back();
}

Tokens Parse(std::string_view v) {
  Tokens tokens;
  char prefix = '\0';
  size_t start = 0;
  while (true) {
    size_t end = start;
    while (end < v.size() && v[end] != '.' && v[end] != '-') ++end;
    const std::string_view raw = v.substr(start, end - start);
    // Split the raw token at digit/non-digit changes; later pieces are "-"-prefixed.
    size_t piece = 0;
    for (size_t i = 1; i <= raw.size(); ++i) {
      if (i == raw.size() || IsDigit(raw[i]) != IsDigit(raw[i - 1])) {
        tokens.push_back(MakeToken(piece == 0 ? prefix : '-', raw.substr(piece, i - piece), i != raw.size()));
        piece = i;
      }
    }
    if (raw.empty()) tokens.push_back(MakeToken(prefix, raw, false));
    if (end == v.size()) break;
    prefix = v[end];
    start = end + 1;
  }
  // Trim trailing nulls, then again before each remaining "-" from the end to the start.
  size_t i = tokens.size() - 1;
  while (i > 0) {
    if (IsNull(tokens[i])) {
      Erase(tokens, i);
      --i;
      continue;
    }
    while (i > 0 && tokens[i].prefix != '-') --i;
    if (i == 0) break;
    --i;
  }
  return tokens;
}

int KeywordRank(std::string_view q) {
  constexpr std::string_view kKeywords[] = {"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"};
  for (int i = 0; i < 7; ++i) {
    if (EqualsIgnoreCase(q, kKeywords[i])) return i;
  }
  return 7;
}

// ".qualifier" < "-qualifier" < "-number" < ".number".
int SeparatorRank(const Token& t) {
  if (t.number) return t.prefix == '-' ? 2 : 3;
  return t.prefix == '-' ? 1 : 0;
}

bool Same(const Token& a, const Token& b) {
  return a.prefix == b.prefix && a.number == b.number && EqualsIgnoreCase(a.value, b.value);
}

int CompareTokens(const Token& a, const Token& b) {
  if (a.prefix != b.prefix) {
    const int ra = SeparatorRank(a);
    const int rb = SeparatorRank(b);
    return ra == rb ? 0 : (ra < rb ? -1 : 1);
  }
  if (a.number && b.number) return CompareDigits(a.value, b.value);
  // A number sorts after a qualifier, unless it is padding.
  if (a.number && !a.padding) return 1;
  if (b.number && !b.padding) return -1;
  const int ra = KeywordRank(a.value);
  const int rb = KeywordRank(b.value);
  if (ra == 7 && rb == 7) return CompareIgnoreCase(a.value, b.value);
  return ra == rb ? 0 : (ra < rb ? -1 : 1);
}

// The null token that pads the shorter version against `other`.
Token Padding(const Token& other) {
  if (other.prefix == '-') return {'-', "", false, true};
  // "sp" is the one qualifier after "", so against it "." pads with "" rather than 0.
  if (EqualsIgnoreCase(other.value, "sp")) return {'.', "", false, true};
  return {'.', "0", true, true};
}

}  // namespace

int CompareMaven(std::string_view a, std::string_view b) {
  const Tokens x = Parse(a);
  const Tokens y = Parse(b);
  const size_t n = x.size() > y.size() ? x.size() : y.size();
  for (size_t i = 0; i < n; ++i) {
    const Token p = i < x.size() ? x[i] : Padding(y[i]);
    const Token q = i < y.size() ? y[i] : Padding(x[i]);
    if (Same(p, q)) continue;
    if (const int c = CompareTokens(p, q); c != 0) return c;
  }
  return 0;
}

}  // namespace aiip::advisories::internal
