// Debian (policy 5.6.12, dpkg's verrevcmp) and RPM (rpmvercmp with "~" and "^") orders.
#include <string_view>

#include "advisories/versions/internal.h"

namespace aiip::advisories::internal {
namespace {

// dpkg's weight of one character: "~" before the end of the text, letters before other
// punctuation; digits never reach here.
int DebianOrder(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  const auto c = static_cast<unsigned char>(s[i]);
  if (IsDigit(static_cast<char>(c))) return 0;
  if (IsAlpha(static_cast<char>(c))) return c;
  if (c == '~') return -1;
  return c + 256;
}

int VerRevCmp(std::string_view a, std::string_view b) {
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() || j < b.size()) {
    while ((i < a.size() && !IsDigit(a[i])) || (j < b.size() && !IsDigit(b[j]))) {
      const int ac = DebianOrder(a, i);
      const int bc = DebianOrder(b, j);
      if (ac != bc) return ac < bc ? -1 : 1;
      ++i;
      ++j;
    }
    size_t as = i;
    size_t bs = j;
    while (i < a.size() && IsDigit(a[i])) ++i;
    while (j < b.size() && IsDigit(b[j])) ++j;
    if (const int c = CompareDigits(a.substr(as, i - as), b.substr(bs, j - bs)); c != 0) return c;
  }
  return 0;
}

struct DebianParts {
  std::string_view epoch;
  std::string_view upstream;
  std::string_view revision;
  bool valid = true;
};

DebianParts SplitDebian(std::string_view v) {
  DebianParts p;
  const size_t colon = v.find(':');
  if (colon != std::string_view::npos && colon > 0 && AllDigits(v.substr(0, colon))) {
    p.epoch = v.substr(0, colon);
    v.remove_prefix(colon + 1);
  } else if (colon != std::string_view::npos) {
    // dpkg refuses a non-numeric epoch; the whole text is then ordered as the upstream part.
    p.valid = false;
  }
  const size_t dash = v.rfind('-');
  if (dash != std::string_view::npos) {
    p.upstream = v.substr(0, dash);
    p.revision = v.substr(dash + 1);
  } else {
    p.upstream = v;
  }
  return p;
}

// rpmvercmp: alternating numeric and alphabetic segments, other characters only separate;
// "~" sorts before anything (even the end), "^" after the end but before anything else.
int RpmVerCmp(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  size_t i = 0;
  size_t j = 0;
  auto is_sep = [](char c) { return !IsAlnum(c) && c != '~' && c != '^'; };
  while (i < a.size() || j < b.size()) {
    while (i < a.size() && is_sep(a[i])) ++i;
    while (j < b.size() && is_sep(b[j])) ++j;
    const char x = i < a.size() ? a[i] : '\0';
    const char y = j < b.size() ? b[j] : '\0';
    if (x == '~' || y == '~') {
      if (x != '~') return 1;
      if (y != '~') return -1;
      ++i;
      ++j;
      continue;
    }
    if (x == '^' || y == '^') {
      if (x == '\0') return -1;
      if (y == '\0') return 1;
      if (x != '^') return 1;
      if (y != '^') return -1;
      ++i;
      ++j;
      continue;
    }
    if (x == '\0' || y == '\0') break;
    const size_t as = i;
    const size_t bs = j;
    const bool numeric = IsDigit(x);
    if (numeric) {
      while (i < a.size() && IsDigit(a[i])) ++i;
      while (j < b.size() && IsDigit(b[j])) ++j;
    } else {
      while (i < a.size() && IsAlpha(a[i])) ++i;
      while (j < b.size() && IsAlpha(b[j])) ++j;
    }
    // A numeric segment against an alphabetic one: the numeric one is newer.
    if (j == bs) return numeric ? 1 : -1;
    const std::string_view sa = a.substr(as, i - as);
    const std::string_view sb = b.substr(bs, j - bs);
    const int c = numeric ? CompareDigits(sa, sb) : CompareBytes(sa, sb);
    if (c != 0) return c;
  }
  const bool a_left = i < a.size();
  const bool b_left = j < b.size();
  if (!a_left && !b_left) return 0;
  return a_left ? 1 : -1;
}

}  // namespace

int CompareDebian(std::string_view a, std::string_view b) {
  const DebianParts x = SplitDebian(a);
  const DebianParts y = SplitDebian(b);
  if (const int c = CompareDigits(x.epoch, y.epoch); c != 0) return c;
  if (const int c = VerRevCmp(x.upstream, y.upstream); c != 0) return c;
  return VerRevCmp(x.revision, y.revision);
}

bool IsValidDebian(std::string_view v) {
  const DebianParts p = SplitDebian(v);
  if (!p.valid || p.upstream.empty() || !IsDigit(p.upstream[0])) return false;
  for (char c : p.upstream) {
    if (!IsAlnum(c) && c != '.' && c != '+' && c != '-' && c != '~' && c != ':') return false;
  }
  for (char c : p.revision) {
    if (!IsAlnum(c) && c != '.' && c != '+' && c != '~') return false;
  }
  return true;
}

int CompareRpm(std::string_view a, std::string_view b) {
  // rpm's parseEVR: an epoch is a run of digits ended by ":" at the very start; the release
  // follows the last "-" after it. A missing epoch is 0; a missing release sorts first.
  struct Evr {
    std::string_view epoch;
    std::string_view version;
    std::string_view release;
    bool has_release = false;
  };
  auto split = [](std::string_view v) {
    Evr e;
    size_t d = 0;
    while (d < v.size() && IsDigit(v[d])) ++d;
    if (d < v.size() && v[d] == ':') {
      e.epoch = v.substr(0, d);
      v.remove_prefix(d + 1);
    }
    const size_t dash = v.rfind('-');
    if (dash != std::string_view::npos) {
      e.release = v.substr(dash + 1);
      e.has_release = true;
      v = v.substr(0, dash);
    }
    e.version = v;
    return e;
  };
  const Evr x = split(a);
  const Evr y = split(b);
  if (const int c = CompareDigits(x.epoch, y.epoch); c != 0) return c;
  if (const int c = RpmVerCmp(x.version, y.version); c != 0) return c;
  if (x.has_release != y.has_release) return x.has_release ? 1 : -1;
  return RpmVerCmp(x.release, y.release);
}

}  // namespace aiip::advisories::internal
