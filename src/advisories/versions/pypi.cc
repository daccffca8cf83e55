// PEP 440 (https://peps.python.org/pep-0440/) as the `packaging` library orders it, with
// the normalisations of its "Normalization" section (case, separators, spelling variants
// alpha/a, beta/b, c/pre/preview/rc, rev/r/post, implicit post "1.0-1", leading "v").
// Text that is not PEP 440 orders as packaging's former LegacyVersion did: before every
// valid version, by setuptools' old parse_version key.
#include <string>
#include <string_view>
#include <vector>

#include "advisories/versions/internal.h"

namespace aiip::advisories::internal {
namespace {

struct Pep440 {
  bool valid = false;
  std::string_view epoch;
  SmallVec<std::string_view, 8> release;
  int pre_rank = 0;  // 1 alpha, 2 beta, 3 rc; 0 none
  std::string_view pre_number;
  bool has_post = false;
  std::string_view post_number;
  bool has_dev = false;
  std::string_view dev_number;
  bool has_local = false;
  std::string_view local;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsSep(char c) { return c == '-' || c == '_' || c == '.'; }

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  size_t pos() const { return i_; }
  void set_pos(size_t i) { i_ = i; }
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool Sep() {
    if (i_ < s_.size() && IsSep(s_[i_])) {
      ++i_;
      return true;
    }
    return false;
  }
  std::string_view Digits() {
    const size_t start = i_;
    while (i_ < s_.size() && IsDigit(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }
  // Consumes `word` case-insensitively.
  bool Word(std::string_view word) {
    if (s_.size() - i_ < word.size() || !EqualsIgnoreCase(s_.substr(i_, word.size()), word)) return false;
    i_ += word.size();
    return true;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// Matches packaging's VERSION_PATTERN (greedy, as the regular expression engine is here).
Pep440 ParsePep440(std::string_view v) {
  Pep440 p;
  while (!v.empty() && IsSpace(v.front())) v.remove_prefix(1);
  while (!v.empty() && IsSpace(v.back())) v.remove_suffix(1);
  Cursor c(v);
  if (c.peek() == 'v' || c.peek() == 'V') c.set_pos(1);
  std::string_view first = c.Digits();
  if (first.empty()) return p;
  if (c.peek() == '!') {
    c.set_pos(c.pos() + 1);
    p.epoch = first;
    first = c.Digits();
    if (first.empty()) return p;
  }
  p.release.push_back(first);
  while (c.peek() == '.') {
    const size_t save = c.pos();
    c.set_pos(save + 1);
    std::string_view n = c.Digits();
    if (n.empty()) {
      c.set_pos(save);
      break;
    }
    p.release.push_back(n);
  }
  // Pre-release: [-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?[0-9]*
  {
    const size_t save = c.pos();
    c.Sep();
    int rank = 0;
    if (c.Word("alpha")) {
      rank = 1;
    } else if (c.Word("a")) {
      rank = 1;
    } else if (c.Word("beta")) {
      rank = 2;
    } else if (c.Word("b")) {
      rank = 2;
    } else if (c.Word("preview") || c.Word("pre") || c.Word("c") || c.Word("rc")) {
      rank = 3;
    }
    if (rank != 0) {
      p.pre_rank = rank;
      c.Sep();
      p.pre_number = c.Digits();
    } else {
      c.set_pos(save);
    }
  }
  // Post-release: -[0-9]+ | [-_.]?(post|rev|r)[-_.]?[0-9]*
  {
    const size_t save = c.pos();
    if (c.peek() == '-') {
      c.set_pos(save + 1);
      std::string_view n = c.Digits();
      if (!n.empty()) {
        p.has_post = true;
        p.post_number = n;
      } else {
        c.set_pos(save);
      }
    }
    if (!p.has_post) {
      c.Sep();
      if (c.Word("post") || c.Word("rev") || c.Word("r")) {
        p.has_post = true;
        c.Sep();
        p.post_number = c.Digits();
      } else {
        c.set_pos(save);
      }
    }
  }
  // Development release: [-_.]?dev[-_.]?[0-9]*
  {
    const size_t save = c.pos();
    c.Sep();
    if (c.Word("dev")) {
      p.has_dev = true;
      c.Sep();
      p.dev_number = c.Digits();
    } else {
      c.set_pos(save);
    }
  }
  // Local version: +[a-z0-9]+([-_.][a-z0-9]+)*
  if (c.peek() == '+') {
    const size_t start = c.pos() + 1;
    size_t i = start;
    bool need_alnum = true;
    while (i < v.size()) {
      if (IsAlnum(v[i])) {
        need_alnum = false;
      } else if (IsSep(v[i]) && !need_alnum) {
        need_alnum = true;
      } else {
        break;
      }
      ++i;
    }
    if (need_alnum) return p;
    p.has_local = true;
    p.local = v.substr(start, i - start);
    c.set_pos(i);
  }
  p.valid = c.done();
  return p;
}

int CompareRelease(const Pep440& a, const Pep440& b) {
  const size_t n = a.release.size() > b.release.size() ? a.release.size() : b.release.size();
  for (size_t i = 0; i < n; ++i) {
    const std::string_view x = i < a.release.size() ? a.release[i] : std::string_view();
    const std::string_view y = i < b.release.size() ? b.release[i] : std::string_view();
    if (const int c = CompareDigits(x, y); c != 0) return c;
  }
  return 0;
}

// packaging's _cmpkey for the pre-release: a dev release of a final version sorts before its
// pre-releases; a version with no pre-release after them.
int PreRank(const Pep440& p) {
  if (p.pre_rank != 0) return p.pre_rank;
  if (!p.has_post && p.has_dev) return 0;
  return 4;
}

int CompareLocal(std::string_view a, std::string_view b) {
  size_t i = 0;
  size_t j = 0;
  while (true) {
    const bool a_end = i > a.size();
    const bool b_end = j > b.size();
    if (a_end || b_end) return a_end && b_end ? 0 : (a_end ? -1 : 1);
    size_t ie = i;
    size_t je = j;
    while (ie < a.size() && !IsSep(a[ie])) ++ie;
    while (je < b.size() && !IsSep(b[je])) ++je;
    const std::string_view x = a.substr(i, ie - i);
    const std::string_view y = b.substr(j, je - j);
    const bool xn = AllDigits(x);
    const bool yn = AllDigits(y);
    int c;
    if (xn && yn) {
      c = CompareDigits(x, y);
    } else if (xn != yn) {
      c = xn ? 1 : -1;  // alphanumeric segments sort before numeric ones
    } else {
      c = CompareIgnoreCase(x, y);
    }
    if (c != 0) return c;
    i = ie + 1;
    j = je + 1;
  }
}

int ComparePep440(const Pep440& a, const Pep440& b) {
  if (const int c = CompareDigits(a.epoch, b.epoch); c != 0) return c;
  if (const int c = CompareRelease(a, b); c != 0) return c;
  const int ra = PreRank(a);
  const int rb = PreRank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (a.pre_rank != 0) {
    if (const int c = CompareDigits(a.pre_number, b.pre_number); c != 0) return c;
  }
  if (a.has_post != b.has_post) return a.has_post ? 1 : -1;
  if (const int c = CompareDigits(a.post_number, b.post_number); c != 0) return c;
  if (a.has_dev != b.has_dev) return a.has_dev ? -1 : 1;
  if (const int c = CompareDigits(a.dev_number, b.dev_number); c != 0) return c;
  if (a.has_local != b.has_local) return a.has_local ? 1 : -1;
  return a.has_local ? CompareLocal(a.local, b.local) : 0;
}

// setuptools' legacy parse_version key: numbers zero-padded to 8 digits, words prefixed by
// "*", "pre"/"preview"/"rc" -> "c", "dev" -> "@", "-" -> "final-", trailing zeros and
// "final-" markers dropped before a pre-release word, and "*final" appended.
std::vector<std::string> LegacyKey(std::string_view v) {
  std::vector<std::string> parts;
  auto add = [&parts](std::string_view piece) {
    if (piece.empty() || piece == ".") return;
    std::string part;
    if (IsDigit(piece[0])) {
      if (piece.size() < 8) part.assign(8 - piece.size(), '0');
      part += piece;
    } else {
      part = "*";
      part += piece;
      if (part < "*final") {
        while (!parts.empty() && parts.back() == "*final-") parts.pop_back();
      }
      while (!parts.empty() && parts.back() == "00000000") parts.pop_back();
    }
    parts.push_back(std::move(part));
  };
  std::string lower(v);
  for (char& ch : lower) ch = ToLower(ch);
  std::string pending;  // text between the regular expression's matches
  size_t i = 0;
  while (i < lower.size()) {
    const char ch = lower[i];
    size_t end = i;
    if (IsDigit(ch)) {
      while (end < lower.size() && IsDigit(lower[end])) ++end;
    } else if (IsLower(ch)) {
      while (end < lower.size() && IsLower(lower[end])) ++end;
    } else if (ch == '.' || ch == '-') {
      end = i + 1;
    } else {
      pending += ch;
      ++i;
      continue;
    }
    add(pending);
    pending.clear();
    std::string_view token = std::string_view(lower).substr(i, end - i);
    if (token == "pre" || token == "preview" || token == "rc") {
      token = "c";
    } else if (token == "-") {
      token = "final-";
    } else if (token == "dev") {
      token = "@";
    }
    add(token);
    i = end;
  }
  add(pending);
  while (!parts.empty() && parts.back() == "00000000") parts.pop_back();
  parts.push_back("*final");
  return parts;
}

int CompareLegacy(std::string_view a, std::string_view b) {
  const std::vector<std::string> x = LegacyKey(a);
  const std::vector<std::string> y = LegacyKey(b);
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (const int c = CompareBytes(x[i], y[i]); c != 0) return c;
  }
  if (x.size() == y.size()) return 0;
  return x.size() < y.size() ? -1 : 1;
}

}  // namespace

int ComparePypi(std::string_view a, std::string_view b) {
  const Pep440 x = ParsePep440(a);
  const Pep440 y = ParsePep440(b);
  if (x.valid && y.valid) return ComparePep440(x, y);
  if (x.valid != y.valid) return x.valid ? 1 : -1;
  return CompareLegacy(a, b);
}

bool IsValidPypi(std::string_view v) { return ParsePep440(v).valid; }

}  // namespace aiip::advisories::internal
