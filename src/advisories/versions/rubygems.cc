// RubyGems' Gem::Version: "-" reads as ".pre."; segments are runs of digits or of letters;
// trailing zeros of the release part and of the pre-release part are dropped; a letter
// segment (pre-release) sorts before a number. Text that is not a valid gem version (see
// Gem::Version::ANCHORED_VERSION_PATTERN) orders by the same segment rules.
#include <string_view>

#include "advisories/versions/internal.h"

namespace aiip::advisories::internal {
namespace {

struct Segment {
  std::string_view text;
  bool numeric = false;
};
using Segments = SmallVec<Segment, 16>;

bool IsZero(const Segment& s) { return s.numeric && CompareDigits(s.text, "") == 0; }

// Gem::Version#canonical_segments.
Segments Canonical(std::string_view v) {
  Segments all;
  for (size_t i = 0; i < v.size();) {
    if (v[i] == '-') {
      all.push_back({"pre", false});
      ++i;
    } else if (IsDigit(v[i]) || IsAlpha(v[i])) {
      const bool numeric = IsDigit(v[i]);
      const size_t start = i;
      while (i < v.size() && (numeric ? IsDigit(v[i]) : IsAlpha(v[i]))) ++i;
      all.push_back({v.substr(start, i - start), numeric});
    } else {
      ++i;
    }
  }
  size_t first_string = all.size();
  for (size_t i = 0; i < all.size(); ++i) {
    if (!all[i].numeric) {
      first_string = i;
      break;
    }
  }
  Segments out;
  size_t keep = first_string;
  while (keep > 0 && IsZero(all[keep - 1])) --keep;
  for (size_t i = 0; i < keep; ++i) out.push_back(all[i]);
  size_t end = all.size();
  while (end > first_string && IsZero(all[end - 1])) --end;
  for (size_t i = first_string; i < end; ++i) out.push_back(all[i]);
  return out;
}

}  // namespace

int CompareRubyGems(std::string_view a, std::string_view b) {
  const Segments x = Canonical(a);
  const Segments y = Canonical(b);
  const size_t n = x.size() > y.size() ? x.size() : y.size();
  for (size_t i = 0; i < n; ++i) {
    const Segment p = i < x.size() ? x[i] : Segment{"0", true};
    const Segment q = i < y.size() ? y[i] : Segment{"0", true};
    if (p.numeric != q.numeric) return p.numeric ? 1 : -1;
    const int c = p.numeric ? CompareDigits(p.text, q.text) : CompareBytes(p.text, q.text);
    if (c != 0) return c;
  }
  return 0;
}

// ANCHORED_VERSION_PATTERN: /\A\s*([0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*\z/
bool IsValidRubyGems(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.front() == '\n')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\n')) v.remove_suffix(1);
  if (v.empty()) return true;  // Gem::Version treats "" as "0"
  size_t i = 0;
  if (!IsDigit(v[0])) return false;
  while (i < v.size() && IsDigit(v[i])) ++i;
  while (i < v.size() && v[i] == '.') {
    const size_t start = ++i;
    while (i < v.size() && IsAlnum(v[i])) ++i;
    if (i == start) return false;
  }
  if (i == v.size()) return true;
  if (v[i] != '-') return false;
  bool need = true;
  for (++i; i < v.size(); ++i) {
    if (IsAlnum(v[i]) || v[i] == '-') {
      need = false;
    } else if (v[i] == '.' && !need) {
      need = true;
    } else {
      return false;
    }
  }
  return !need;
}

}  // namespace aiip::advisories::internal
