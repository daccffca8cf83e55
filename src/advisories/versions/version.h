// Version ordering per ecosystem.
//
// Each ecosystem orders its versions by its own rules (PEP 440, Maven ComparableVersion,
// Debian policy 5.6.12, rpmvercmp, ...; doc/versions.md lists them). CompareVersions is a
// total order on any pair of strings: text that is not a valid version of the ecosystem
// still compares, by the fallback doc/versions.md documents, so that an odd version in an
// advisory or an SBOM never stops matching. Comparison does not allocate on the common path
// (versions of ordinary length). All functions are pure and thread-safe.
#pragma once

#include <string_view>

#include "advisories/versions/ecosystem.h"

namespace aiip::advisories {

// Total order of two versions in `ecosystem`'s own ordering: <0, 0, >0. Never fails: text
// that is not a valid version of the ecosystem sorts by a documented fallback. kUnknown
// (and ecosystems with SemVer versions) use CompareSemver.
int CompareVersions(Ecosystem ecosystem, std::string_view a, std::string_view b);

// SemVer 2.0 order (used for OSV ranges of type SEMVER whatever the ecosystem). Accepts a
// leading "v" (Go), Go pseudo-versions (they are SemVer pre-releases and sort as such) and
// "+incompatible" (build metadata, ignored). Missing minor/patch count as 0; components
// beyond the third belong to the build metadata. Numbers may be of any length.
int CompareSemver(std::string_view a, std::string_view b);

// Whether `version` is a valid version of `ecosystem` (for kUnknown: valid SemVer). Invalid
// versions still compare (see CompareVersions).
bool IsValidVersion(Ecosystem ecosystem, std::string_view version);

}  // namespace aiip::advisories
