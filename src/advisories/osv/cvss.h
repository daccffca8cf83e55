// CVSS base scores computed from vector strings, for advisories that give a vector but no
// number (OSV `severity[].score` is only the vector). Implements the base-score equations of
// CVSS v3.1 (FIRST specification, section 7.1 and Appendix A "Roundup"), v3.0 (same
// equations with the v3.0 round-up to one decimal) and v2 (section 3.2.1). Temporal and
// environmental metrics present in a vector are checked for well-formedness but do not
// change the base score. CVSS v4.0 is not computed (its score comes from a lookup table of
// macro-vectors; callers keep the vector and report no score).
#pragma once

#include <optional>
#include <string_view>

namespace aiip::advisories {

// Base score of a CVSS v3.0 or v3.1 vector ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").
// nullopt when the prefix is not CVSS:3.0/3.1, a base metric is missing, repeated or has an
// unknown value, or an unknown metric appears. Thread-safe (pure function).
std::optional<double> Cvss3BaseScore(std::string_view vector);

// Base score of a CVSS v2 vector ("AV:N/AC:L/Au:N/C:P/I:P/A:P", optionally in parentheses
// or prefixed "CVSS:2.0/"); nullopt on the same conditions as above. Thread-safe.
std::optional<double> Cvss2BaseScore(std::string_view vector);

}  // namespace aiip::advisories
