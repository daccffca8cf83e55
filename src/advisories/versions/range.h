// Whether a version is inside an advisory's affected versions.
//
// OSV ranges are lists of events (introduced, fixed, last_affected, limit) evaluated in
// version order per the OSV schema's algorithm
// (https://ossf.github.io/osv-schema/#evaluation): a version is affected when the last
// event at or below it is an "introduced" (a "fixed" or "limit" at the version itself ends
// the interval, a "last_affected" at the version still includes it). CSAF and CVE give
// ranges as purl-spec `vers:` strings ("vers:npm/>=1.0.0|<2.0.0"), parsed here too. All
// functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "advisories/model.h"
#include "advisories/versions/ecosystem.h"
#include "common/status.h"

namespace aiip::advisories {

// Whether `version` is inside `range` under OSV semantics (events sorted by version;
// introduced "0"; fixed exclusive; last_affected inclusive; limit). kGit ranges -> false.
// kSemver ranges compare with CompareSemver, kEcosystem ranges with CompareVersions.
bool InRange(Ecosystem ecosystem, const Range& range, std::string_view version);

// Whether `version` of the package is affected by `affected`: any range, or listed in
// `versions` (equal under the ecosystem's ordering), or matching the `vers:` string (an
// unparsable one matches nothing), or `all_versions`. Ignores `status`.
bool IsAffectedVersion(Ecosystem ecosystem, const Affected& affected, std::string_view version);

// The fixed versions named by `affected` (its ranges' `fixed` events and `vers` upper bounds
// that are exclusive), in ascending order, without duplicates (equal under the ecosystem's
// ordering: the first spelling met is kept).
std::vector<std::string> FixedVersions(Ecosystem ecosystem, const Affected& affected);

// A purl-spec `vers:` range: "vers:<scheme>/<constraint>|<constraint>..." or "vers:<scheme>/*".
struct VersConstraint {
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kAny };
  Op op;
  std::string version;  // empty for kAny
};
struct Vers {
  std::string scheme;  // lower-case versioning scheme, usually a purl type ("npm", "deb")
  std::vector<VersConstraint> constraints;
};

// Parses a purl-spec `vers:` range ("vers:npm/>=1.0.0|<2.0.0"). Spaces are ignored and
// versions are percent-decoded. Fails with InvalidArgument "invalid-vers" whose detail
// names the problem (missing "vers:" prefix, empty scheme, empty constraint, "*" beside
// other constraints, a version missing after an operator).
Result<Vers> ParseVers(std::string_view text);

// Whether `version` satisfies `vers` under `ecosystem`'s ordering, following the purl
// spec's algorithm: a version equal to an "=" constraint matches, equal to a "!=" one does
// not; otherwise the ordered range constraints form intervals (">=1|<2|>=3" is [1,2) and
// [3,inf)). "*" matches all versions.
bool InVers(Ecosystem ecosystem, const Vers& vers, std::string_view version);

}  // namespace aiip::advisories
