// Common Platform Enumeration names (CPE 2.3, NISTIR 7695 naming and NISTIR 7696 matching):
// the NVD's identity for products, e.g. "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*".
//
// A `Cpe` is a well-formed name (WFN): eleven attributes, each ANY, NA (not applicable) or a
// value. A value holds its literal characters unquoted (the WFN backslash quoting is
// undone, so "node\.js" is "node.js") plus the unquoted wildcards that 7695 allows at either
// end: one '*' (any characters) or a run of '?' (per NISTIR 7696, each matches at most one
// character).
//
// `ParseCpe` accepts the 2.3 formatted string binding ("cpe:2.3:...", exactly 13 colon-
// separated fields, '\' escapes, "*" = ANY, "-" = NA) and the 2.2 URI binding ("cpe:/a:...",
// up to 7 components, empty or missing = ANY, "-" = NA, percent-encoding with "%01" = '?'
// and "%02" = '*', and the packed edition "~edition~sw_edition~target_sw~target_hw~other").
// Values are printable ASCII; URI values are lower-cased as 7695 prescribes; formatted
// strings keep their case, and matching ignores case.
//
// `CpeMatches` is NISTIR 7696 name matching with `pattern` as the source (it may hold
// wildcards, as NVD configuration criteria do) and `name` as the target: it holds when every
// attribute comparison is SUPERSET or EQUAL. A target value holding wildcards compares
// UNDEFINED, so it never matches a value in the pattern.
//
// All functions are pure and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace aiip::advisories {

struct CpeValue {
  enum class Kind : uint8_t { kAny, kNa, kValue };
  Kind kind = Kind::kAny;
  std::string text;  // literal characters (kValue only); may be empty if only wildcards
  // Unquoted wildcards around `text`: 0 = none, -1 = '*', n > 0 = a run of n '?'.
  int prefix = 0;
  int suffix = 0;

  bool has_wildcards() const { return prefix != 0 || suffix != 0; }
  friend bool operator==(const CpeValue&, const CpeValue&) = default;
};

// Attribute order of the formatted string binding.
enum class CpeAttribute : uint8_t {
  kPart,
  kVendor,
  kProduct,
  kVersion,
  kUpdate,
  kEdition,
  kLanguage,
  kSwEdition,
  kTargetSw,
  kTargetHw,
  kOther,
};
inline constexpr size_t kCpeAttributeCount = 11;

struct Cpe {
  std::array<CpeValue, kCpeAttributeCount> attributes;

  const CpeValue& at(CpeAttribute a) const { return attributes[static_cast<size_t>(a)]; }
  CpeValue& at(CpeAttribute a) { return attributes[static_cast<size_t>(a)]; }
  const CpeValue& part() const { return at(CpeAttribute::kPart); }
  const CpeValue& vendor() const { return at(CpeAttribute::kVendor); }
  const CpeValue& product() const { return at(CpeAttribute::kProduct); }
  const CpeValue& version() const { return at(CpeAttribute::kVersion); }

  friend bool operator==(const Cpe&, const Cpe&) = default;
};

// Parses a CPE 2.3 formatted string or a CPE 2.2 URI. On failure returns
// InvalidArgument("cpe-invalid") whose detail names the attribute or binding at fault.
Result<Cpe> ParseCpe(std::string_view text);

// The CPE 2.3 formatted string of `cpe` ('\'-escaping every character other than letters,
// digits, '.', '-' and '_'); ParseCpe of it gives back `cpe`.
std::string FormatCpe(const Cpe& cpe);

// Whether `name` is within `pattern` under NISTIR 7696 (see above). Case-insensitive.
bool CpeMatches(const Cpe& pattern, const Cpe& name);

}  // namespace aiip::advisories
