// Purely numeric versions: CRAN package_version (components separated by "." or "-") and
// Hackage Data.Version (separated by "."). Both compare component lists lexicographically,
// so 0.1.0 < 0.1.0.0.
#include <string_view>

#include "advisories/versions/internal.h"

namespace aiip::advisories::internal {
namespace {

bool IsSeparator(char c, bool dash_is_separator) { return c == '.' || (dash_is_separator && c == '-'); }

// The next component starting at `i`: its leading digits and the text after them (which
// valid versions never have). Advances `i` past the component and one separator.
struct Component {
  std::string_view digits;
  std::string_view rest;
};

Component Next(std::string_view v, size_t& i, bool dash_is_separator) {
  const size_t start = i;
  while (i < v.size() && IsDigit(v[i])) ++i;
  const size_t digits_end = i;
  while (i < v.size() && !IsSeparator(v[i], dash_is_separator)) ++i;
  Component c{v.substr(start, digits_end - start), v.substr(digits_end, i - digits_end)};
  if (i < v.size()) ++i;
  return c;
}

}  // namespace

int CompareNumericDotted(std::string_view a, std::string_view b, bool dash_is_separator) {
  size_t i = 0;
  size_t j = 0;
  // A trailing separator starts no component: "1." has one.
  while (i < a.size() && j < b.size()) {
    const Component x = Next(a, i, dash_is_separator);
    const Component y = Next(b, j, dash_is_separator);
    if (const int c = CompareDigits(x.digits, y.digits); c != 0) return c;
    // Invalid versions only: the text after the number, byte-wise (none sorts first).
    if (const int c = CompareBytes(x.rest, y.rest); c != 0) return c;
  }
  const bool a_left = i < a.size();
  const bool b_left = j < b.size();
  if (a_left == b_left) return 0;
  return a_left ? 1 : -1;
}

bool IsValidNumericDotted(std::string_view v, bool dash_is_separator) {
  if (v.empty()) return false;
  bool need_digit = true;
  for (char c : v) {
    if (IsDigit(c)) {
      need_digit = false;
    } else if (IsSeparator(c, dash_is_separator) && !need_digit) {
      need_digit = true;
    } else {
      return false;
    }
  }
  return !need_digit;
}

}  // namespace aiip::advisories::internal
