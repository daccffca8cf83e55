// SemVer 2.0 (https://semver.org/#spec-item-11) and its relatives: npm, Go, crates.io, Hex,
// SwiftURL, GitHub Actions use it as is; Pub also orders build metadata; NuGet allows a
// fourth numeric component and ignores case in pre-releases.
#include <string_view>

#include "advisories/versions/internal.h"

namespace aiip::advisories::internal {
namespace {

struct Semver {
  std::string_view nums[4];
  int num_count = 0;
  bool has_pre = false;
  std::string_view pre;
  bool has_build = false;
  std::string_view build;
  bool valid = true;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Lenient parse: the numeric core, then "-pre" and "+build". Numeric components beyond the
// scheme's count are build metadata; any other text after the core is a pre-release.
Semver Parse(std::string_view v, bool four_parts) {
  Semver s;
  v = Trim(v);
  if (v.size() > 1 && (v[0] == 'v' || v[0] == 'V') && IsDigit(v[1])) v.remove_prefix(1);
  const int max_parts = four_parts ? 4 : 3;
  size_t i = 0;
  while (i < v.size() && IsDigit(v[i]) && s.num_count < max_parts) {
    const size_t start = i;
    while (i < v.size() && IsDigit(v[i])) ++i;
    s.nums[s.num_count++] = v.substr(start, i - start);
    if (i + 1 < v.size() && v[i] == '.' && IsDigit(v[i + 1]) && s.num_count < max_parts) {
      ++i;
    } else {
      break;
    }
  }
  if (s.num_count != max_parts && !(four_parts && s.num_count >= 1)) s.valid = false;
  std::string_view rest = v.substr(i);
  if (rest.empty()) return s;
  if (rest[0] == '.') {
    s.valid = false;
    s.has_build = true;
    s.build = rest.substr(1);
    return s;
  }
  if (rest[0] == '-' || rest[0] == '+') {
    const bool pre_first = rest[0] == '-';
    rest.remove_prefix(1);
    const size_t plus = pre_first ? rest.find('+') : std::string_view::npos;
    if (pre_first) {
      s.has_pre = true;
      s.pre = rest.substr(0, plus);
      if (plus != std::string_view::npos) {
        s.has_build = true;
        s.build = rest.substr(plus + 1);
      }
    } else {
      s.has_build = true;
      s.build = rest;
    }
  } else {
    s.valid = false;
    const size_t plus = rest.find('+');
    s.has_pre = true;
    s.pre = rest.substr(0, plus);
    if (plus != std::string_view::npos) {
      s.has_build = true;
      s.build = rest.substr(plus + 1);
    }
  }
  return s;
}

bool ValidIdentifiers(std::string_view ids, bool is_pre) {
  size_t start = 0;
  while (true) {
    const size_t dot = ids.find('.', start);
    const std::string_view id = ids.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (id.empty()) return false;
    for (char c : id) {
      if (!IsAlnum(c) && c != '-') return false;
    }
    if (is_pre && id.size() > 1 && id[0] == '0' && AllDigits(id)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// Dot-separated identifiers: numeric ones compare as numbers and below alphanumeric ones;
// a shorter list that is a prefix of a longer one sorts first.
int CompareIdentifiers(std::string_view a, std::string_view b, bool ignore_case) {
  size_t ai = 0;
  size_t bi = 0;
  while (true) {
    const bool a_end = ai > a.size();
    const bool b_end = bi > b.size();
    if (a_end || b_end) return a_end && b_end ? 0 : (a_end ? -1 : 1);
    size_t ad = a.find('.', ai);
    size_t bd = b.find('.', bi);
    if (ad == std::string_view::npos) ad = a.size();
    if (bd == std::string_view::npos) bd = b.size();
    const std::string_view x = a.substr(ai, ad - ai);
    const std::string_view y = b.substr(bi, bd - bi);
    const bool xn = !x.empty() && AllDigits(x);
    const bool yn = !y.empty() && AllDigits(y);
    int c;
    if (xn && yn) {
      c = CompareDigits(x, y);
    } else if (xn != yn) {
      c = xn ? -1 : 1;
    } else {
      c = ignore_case ? CompareIgnoreCase(x, y) : CompareBytes(x, y);
    }
    if (c != 0) return c;
    ai = ad + 1;
    bi = bd + 1;
  }
}

}  // namespace

int CompareSemverImpl(std::string_view a, std::string_view b, bool compare_build, bool ignore_case,
                      bool four_parts) {
  const Semver x = Parse(a, four_parts);
  const Semver y = Parse(b, four_parts);
  const int parts = four_parts ? 4 : 3;
  for (int i = 0; i < parts; ++i) {
    const std::string_view p = i < x.num_count ? x.nums[i] : std::string_view();
    const std::string_view q = i < y.num_count ? y.nums[i] : std::string_view();
    if (const int c = CompareDigits(p, q); c != 0) return c;
  }
  if (x.has_pre != y.has_pre) return x.has_pre ? -1 : 1;
  if (x.has_pre) {
    if (const int c = CompareIdentifiers(x.pre, y.pre, ignore_case); c != 0) return c;
  }
  if (!compare_build) return 0;
  if (x.has_build != y.has_build) return x.has_build ? 1 : -1;
  if (x.has_build) return CompareIdentifiers(x.build, y.build, ignore_case);
  return 0;
}

bool IsValidSemverImpl(std::string_view v, bool four_parts) {
  const Semver s = Parse(v, four_parts);
  if (!s.valid) return false;
  if (s.has_pre && !ValidIdentifiers(s.pre, true)) return false;
  if (s.has_build && !ValidIdentifiers(s.build, false)) return false;
  return true;
}

}  // namespace aiip::advisories::internal
