// Maven's ComparableVersion (maven-artifact; the POM reference's "Version Order
// Specification"). A version is a list of items (numbers and qualifiers); "-" and a
// transition from digits to letters open a sub-list; trailing "null" items (0, "", "final",
// "ga", "release") are trimmed from each list. Every text is a Maven version, so there is no
// fallback.
//
// Every sub-list is the last element of its parent, so the tree is kept flat: a kList item
// marks where a sub-list begins, and everything after it belongs to that sub-list.
#include <string_view>

#include "advisories/versions/internal.h"

namespace aiip::advisories::internal {
namespace {

struct Item {
  enum class Kind : unsigned char { kInt, kString, kList };
  Kind kind = Kind::kInt;
  bool removed = false;
  std::string_view text;  // digits (kInt) or the qualifier as written (kString)
};

using Items = SmallVec<Item, 24>;

// The qualifier's rank: alpha < beta < milestone < rc < snapshot < "" (release) < sp <
// anything else (compared as text).
int QualifierRank(std::string_view q) {
  constexpr std::string_view kKnown[] = {"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"};
  for (int i = 0; i < 7; ++i) {
    if (EqualsIgnoreCase(q, kKnown[i])) return i;
  }
  return 7;
}
constexpr int kReleaseRank = 5;

// The qualifier after Maven's aliases ("a1" -> alpha, "cr" -> rc, "ga" -> ""...).
std::string_view Canonical(std::string_view q, bool followed_by_digit) {
  if (followed_by_digit && q.size() == 1) {
    switch (ToLower(q[0])) {
      case 'a':
        return "alpha";
      case 'b':
        return "beta";
      case 'm':
        return "milestone";
      default:
        break;
    }
  }
  if (EqualsIgnoreCase(q, "ga") || EqualsIgnoreCase(q, "final") || EqualsIgnoreCase(q, "release")) return "";
  if (EqualsIgnoreCase(q, "cr")) return "rc";
  return q;
}

int CompareQualifiers(std::string_view a, std::string_view b) {
  const int ra = QualifierRank(a);
  const int rb = QualifierRank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  return ra == 7 ? CompareIgnoreCase(a, b) : 0;
}

bool IsNullItem(const Item& item) {
  if (item.kind == Item::Kind::kInt) return CompareDigits(item.text, "") == 0;
  if (item.kind == Item::Kind::kString) return QualifierRank(item.text) == kReleaseRank;
  return false;
}

void AddItem(Items& items, bool is_digit, std::string_view text) {
  items.push_back(
      {is_digit ? Item::Kind::kInt : Item::Kind::kString, false, is_digit ? text : Canonical(text, false)});
}
void OpenList(Items& items) { items.push_back({Item::Kind::kList, false, {}}); }

Items Parse(std::string_view v) {
  Items items;
  bool is_digit = false;
  size_t start = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '.' || c == '-') {
      if (i == start) {
        items.push_back({Item::Kind::kInt, false, "0"});
      } else {
        AddItem(items, is_digit, v.substr(start, i - start));
      }
      start = i + 1;
      if (c == '-') OpenList(items);
    } else if (IsDigit(c)) {
      if (!is_digit && i > start) {
        items.push_back({Item::Kind::kString, false, Canonical(v.substr(start, i - start), true)});
        start = i;
        OpenList(items);
      }
      is_digit = true;
    } else {
      if (is_digit && i > start) {
        AddItem(items, true, v.substr(start, i - start));
        start = i;
        OpenList(items);
      }
      is_digit = false;
    }
  }
  if (v.size() > start) AddItem(items, is_digit, v.substr(start));

  // Normalise, innermost list first: drop trailing null items; a list left empty is itself
  // null and is dropped from its parent (it is always its parent's last element).
  size_t end = items.size();
  bool child_empty = true;
  for (size_t k = items.size() + 1; k-- > 0;) {
    const bool is_list_start = k == 0 || items[k - 1].kind == Item::Kind::kList;
    if (!is_list_start) continue;
    size_t last = end;
    while (last > k && IsNullItem(items[last - 1])) {
      items[last - 1].removed = true;
      --last;
    }
    const bool empty = last == k && child_empty;
    if (k > 0 && empty) items[k - 1].removed = true;
    child_empty = empty;
    end = k == 0 ? 0 : k - 1;
  }
  Items compact;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].removed) compact.push_back(items[i]);
  }
  return compact;
}

int CompareLists(const Items& a, size_t i, const Items& b, size_t j);

// Item at a[i] (i == a.size() means "no item") against b[j].
int CompareItem(const Items& a, size_t i, const Items& b, size_t j) {
  const bool a_none = i >= a.size();
  const bool b_none = j >= b.size();
  if (a_none && b_none) return 0;
  if (a_none) return -CompareItem(b, j, a, i);
  const Item& x = a[i];
  switch (x.kind) {
    case Item::Kind::kInt:
      if (b_none) return IsNullItem(x) ? 0 : 1;
      if (b[j].kind == Item::Kind::kInt) return CompareDigits(x.text, b[j].text);
      return 1;
    case Item::Kind::kString:
      if (b_none) return CompareQualifiers(x.text, "");
      if (b[j].kind == Item::Kind::kString) return CompareQualifiers(x.text, b[j].text);
      return -1;
    case Item::Kind::kList:
      if (b_none) {
        // Every item of the list against nothing (MNG-6964).
        for (size_t k = i + 1; k < a.size(); ++k) {
          if (const int c = CompareItem(a, k, b, j); c != 0) return c;
          if (a[k].kind == Item::Kind::kList) break;
        }
        return 0;
      }
      if (b[j].kind == Item::Kind::kList) return CompareLists(a, i + 1, b, j + 1);
      return b[j].kind == Item::Kind::kInt ? -1 : 1;
  }
  return 0;
}

// The lists whose first elements are a[i] and b[j].
int CompareLists(const Items& a, size_t i, const Items& b, size_t j) {
  while (i < a.size() || j < b.size()) {
    if (const int c = CompareItem(a, i, b, j); c != 0) return c;
    // A sub-list is its parent's last element: once compared, the parent is done too.
    i = i < a.size() && a[i].kind != Item::Kind::kList ? i + 1 : a.size();
    j = j < b.size() && b[j].kind != Item::Kind::kList ? j + 1 : b.size();
  }
  return 0;
}

}  // namespace

int CompareMaven(std::string_view a, std::string_view b) { return CompareLists(Parse(a), 0, Parse(b), 0); }

}  // namespace aiip::advisories::internal
