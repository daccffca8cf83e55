// Internal helpers of the version comparators (not part of the module's API): character
// classes that ignore the locale, comparison of digit runs of any length, a vector that keeps
// its first elements inline so that comparing ordinary versions does not allocate, and the
// per-scheme comparators that version.cc dispatches to.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace aiip::advisories::internal {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
inline bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool IsAlpha(char c) { return IsLower(c) || IsUpper(c); }
inline bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
inline char ToLower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }
inline bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

inline int Sign(int v) { return (v > 0) - (v < 0); }

// Compares two runs of decimal digits as unbounded non-negative integers (leading zeros
// ignored; an empty run is 0), so versions with 30-digit components order correctly.
inline int CompareDigits(std::string_view a, std::string_view b) {
  while (!a.empty() && a.front() == '0') a.remove_prefix(1);
  while (!b.empty() && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return Sign(a.compare(b));
}

// Byte-wise comparison (as unsigned char), -1/0/1.
inline int CompareBytes(std::string_view a, std::string_view b) { return Sign(a.compare(b)); }

// Byte-wise comparison after ASCII lower-casing.
inline int CompareIgnoreCase(std::string_view a, std::string_view b) {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(ToLower(a[i]));
    const auto y = static_cast<unsigned char>(ToLower(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CompareIgnoreCase(a, b) == 0;
}

// A sequence that holds its first N elements inline and moves to the heap beyond that:
// versions have a handful of components, and the matcher compares millions of them.
template <typename T, size_t N>
class SmallVec {
 public:
  void push_back(const T& value) {
    if (!on_heap_ && size_ < N) {
      inline_[size_] = value;
    } else {
      if (!on_heap_) heap_.assign(inline_, inline_ + N);
      on_heap_ = true;
      heap_.push_back(value);
    }
    ++size_;
  }
  void pop_back() {
    if (on_heap_) heap_.pop_back();
    --size_;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return on_heap_ ? heap_[i] : inline_[i]; }
  const T& operator[](size_t i) const { return on_heap_ ? heap_[i] : inline_[i]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

 private:
  T inline_[N] = {};
  std::vector<T> heap_;
  size_t size_ = 0;
  bool on_heap_ = false;
};

// The per-scheme orders (one .cc each). Each is a total order over all strings.
int CompareSemverImpl(std::string_view a, std::string_view b, bool compare_build, bool ignore_case,
                      bool four_parts);
bool IsValidSemverImpl(std::string_view v, bool four_parts);
int ComparePypi(std::string_view a, std::string_view b);
bool IsValidPypi(std::string_view v);
int CompareMaven(std::string_view a, std::string_view b);
int CompareRubyGems(std::string_view a, std::string_view b);
bool IsValidRubyGems(std::string_view v);
int ComparePackagist(std::string_view a, std::string_view b);
int CompareNumericDotted(std::string_view a, std::string_view b, bool dash_is_separator);
bool IsValidNumericDotted(std::string_view v, bool dash_is_separator);
int CompareDebian(std::string_view a, std::string_view b);
bool IsValidDebian(std::string_view v);
int CompareRpm(std::string_view a, std::string_view b);
int CompareAlpine(std::string_view a, std::string_view b);
bool IsValidAlpine(std::string_view v);

}  // namespace aiip::advisories::internal
