// Packagist (Composer) versions, ordered as PHP's version_compare() orders them after
// Composer's normalisation: a leading "v" is dropped; "-", "_", "+" and "." separate parts;
// a change between digits and other characters starts a new part. Numbers compare as
// numbers (of any length); words by the rank of the special form they begin with, with case
// as in PHP: unknown words < dev < alpha = a < beta = b < RC = rc < "#" (and any number) <
// pl = p. When one version has more parts, each extra part is weighed against a number's
// rank ("#").
#include <string_view>

#include "advisories/versions/internal.h"

namespace aiip::advisories::internal {
namespace {

bool IsSeparator(char c) { return c == '.' || c == '-' || c == '_' || c == '+'; }

class Parts {
 public:
  explicit Parts(std::string_view v) : v_(v) {
    if (!v_.empty() && (v_[0] == 'v' || v_[0] == 'V')) v_.remove_prefix(1);
  }
  // The next part, or an empty view at the end.
  std::string_view Next() {
    while (i_ < v_.size() && IsSeparator(v_[i_])) ++i_;
    const size_t start = i_;
    if (i_ < v_.size()) {
      const bool digit = IsDigit(v_[i_]);
      while (i_ < v_.size() && !IsSeparator(v_[i_]) && IsDigit(v_[i_]) == digit) ++i_;
    }
    return v_.substr(start, i_ - start);
  }

 private:
  std::string_view v_;
  size_t i_ = 0;
};

// PHP's compare_special_version_forms: the first form the part begins with, matched with
// case as PHP does (only "RC" is listed in both cases, so "ALPHA" is an unknown word).
int SpecialRank(std::string_view part) {
  struct Form {
    std::string_view prefix;
    int rank;
  };
  static constexpr Form kForms[] = {{"dev", 0}, {"alpha", 1}, {"a", 1}, {"beta", 2}, {"b", 2},
                                    {"RC", 3},  {"rc", 3},    {"#", 4}, {"pl", 5},   {"p", 5}};
  for (const Form& form : kForms) {
    if (part.starts_with(form.prefix)) {
      return form.rank;
    }
  }
  return -1;
}
constexpr int kNumberRank = 4;

// Weighs the parts one version has beyond the other (`first`, then the rest of `rest`)
// against their absence, as version_compare weighs them against "#N#": >0 when they make
// the version greater.
int WeighExtra(std::string_view first, Parts& rest) {
  for (std::string_view part = first; !part.empty(); part = rest.Next()) {
    if (IsDigit(part[0])) return 1;
    const int rank = SpecialRank(part);
    if (rank != kNumberRank) return rank < kNumberRank ? -1 : 1;
  }
  return 0;
}

int Rank(std::string_view part) { return IsDigit(part[0]) ? kNumberRank : SpecialRank(part); }

}  // namespace

int ComparePackagist(std::string_view a, std::string_view b) {
  Parts x(a);
  Parts y(b);
  while (true) {
    const std::string_view p = x.Next();
    const std::string_view q = y.Next();
    if (p.empty() && q.empty()) return 0;
    if (p.empty()) return -WeighExtra(q, y);
    if (q.empty()) return WeighExtra(p, x);
    const bool pd = IsDigit(p[0]);
    const bool qd = IsDigit(q[0]);
    int c;
    if (pd && qd) {
      c = CompareDigits(p, q);
    } else {
      const int rp = Rank(p);
      const int rq = Rank(q);
      c = rp == rq ? 0 : (rp < rq ? -1 : 1);
    }
    if (c != 0) return c;
  }
}

}  // namespace aiip::advisories::internal
