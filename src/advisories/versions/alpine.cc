// Alpine (apk) versions: number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}, as
// osv-scalibr orders them (it follows apk-tools, and its test vectors are ours):
//  - numbers compare as numbers, except that after the first one a number written with a
//    leading zero compares as text ("1.01" < "1.1", Gentoo's rule);
//  - a letter sorts after no letter; suffixes rank alpha < beta < pre < rc < (none) < cvs <
//    svn < git < hg < p, then by their number; the commit hash is ignored; "-r#" (empty: 0);
//  - text left over after "-r#" (or after the hash when there is no "-r") makes the version
//    "invalid": two invalid versions compare as plain text; a valid and an invalid one
//    compare part by part as above, and then the one with text left over sorts first.
#include <string_view>

#include "advisories/versions/internal.h"

namespace aiip::advisories::internal {
namespace {

constexpr int kNoSuffix = 4;

struct Suffix {
  int weight = kNoSuffix;
  std::string_view number;
};

struct Alpine {
  SmallVec<std::string_view, 8> numbers;
  char letter = '\0';
  SmallVec<Suffix, 2> suffixes;
  std::string_view revision;
  std::string_view remainder;
  bool invalid = false;
};

size_t Digits(std::string_view s, size_t i) {
  while (i < s.size() && IsDigit(s[i])) ++i;
  return i;
}

Alpine Parse(std::string_view v) {
  Alpine p;
  size_t i = 0;
  // Numbers, each optionally followed by one ".", as long as digits follow.
  while (i < v.size() && IsDigit(v[i])) {
    const size_t end = Digits(v, i);
    p.numbers.push_back(v.substr(i, end - i));
    i = end;
    if (i < v.size() && v[i] == '.') ++i;
  }
  if (i < v.size() && IsLower(v[i])) p.letter = v[i++];
  static constexpr std::string_view kSuffixes[] = {"alpha", "beta", "pre", "rc", "",
                                                   "cvs",   "svn",  "git", "hg", "p"};
  while (i < v.size() && v[i] == '_') {
    int weight = -1;
    for (int w = 0; w < 10; ++w) {
      const std::string_view s = kSuffixes[w];
      if (!s.empty() && v.substr(i + 1, s.size()) == s) {
        weight = w;
        break;
      }
    }
    if (weight < 0) break;
    const size_t start = i + 1 + kSuffixes[weight].size();
    const size_t end = Digits(v, start);
    p.suffixes.push_back({weight, v.substr(start, end - start)});
    i = end;
  }
  if (i + 1 < v.size() && v[i] == '~' && (IsDigit(v[i + 1]) || (v[i + 1] >= 'a' && v[i + 1] <= 'f'))) {
    ++i;
    while (i < v.size() && (IsDigit(v[i]) || (v[i] >= 'a' && v[i] <= 'f'))) ++i;
  }
  if (i < v.size()) {
    if (v.substr(i, 2) == "-r") {
      const size_t end = Digits(v, i + 2);
      p.revision = v.substr(i + 2, end - i - 2);
      i = end;
    } else {
      p.invalid = true;
    }
  }
  p.remainder = v.substr(i);
  return p;
}

int CompareNumber(const Alpine& a, const Alpine& b, size_t i) {
  const bool in_a = i < a.numbers.size();
  const bool in_b = i < b.numbers.size();
  const std::string_view x = in_a ? a.numbers[i] : std::string_view("0");
  const std::string_view y = in_b ? b.numbers[i] : std::string_view("0");
  if (i > 0 && in_a && in_b && (x[0] == '0' || y[0] == '0')) return CompareBytes(x, y);
  return CompareDigits(x, y);
}

}  // namespace

int CompareAlpine(std::string_view a, std::string_view b) {
  const Alpine x = Parse(a);
  const Alpine y = Parse(b);
  if (x.invalid && y.invalid) return CompareBytes(a, b);
  const size_t numbers = x.numbers.size() > y.numbers.size() ? x.numbers.size() : y.numbers.size();
  for (size_t i = 0; i < numbers; ++i) {
    if (const int c = CompareNumber(x, y, i); c != 0) return c;
  }
  if (x.letter != y.letter) return x.letter < y.letter ? -1 : 1;
  const size_t suffixes = x.suffixes.size() > y.suffixes.size() ? x.suffixes.size() : y.suffixes.size();
  for (size_t i = 0; i < suffixes; ++i) {
    const Suffix p = i < x.suffixes.size() ? x.suffixes[i] : Suffix{};
    const Suffix q = i < y.suffixes.size() ? y.suffixes[i] : Suffix{};
    if (p.weight != q.weight) return p.weight < q.weight ? -1 : 1;
    if (const int c = CompareDigits(p.number, q.number); c != 0) return c;
  }
  if (const int c = CompareDigits(x.revision, y.revision); c != 0) return c;
  if (x.remainder.empty() != y.remainder.empty()) return x.remainder.empty() ? 1 : -1;
  return 0;
}

bool IsValidAlpine(std::string_view v) {
  const Alpine p = Parse(v);
  return !p.numbers.empty() && !p.invalid && p.remainder.empty() && (v.back() != '.');
}

}  // namespace aiip::advisories::internal
