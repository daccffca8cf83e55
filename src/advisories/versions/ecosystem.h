// Package ecosystems: which ordering a version string follows, and under which key a package
// name is indexed.
//
// An OSV advisory names its ecosystem with a string ("PyPI", "Debian:12"); an inventory (SBOM)
// names it with a purl type ("pypi", "deb"). Both map onto one `Ecosystem`, so that the
// matcher can look a package up by (Ecosystem, NormalizeName(name)) whichever side it came
// from. All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace aiip::advisories {

enum class Ecosystem {
  kUnknown,
  kGo,
  kNpm,
  kPyPI,
  kMaven,
  kNuGet,
  kRubyGems,
  kPackagist,
  kCratesIo,
  kPub,
  kHex,
  kCran,
  kHackage,
  kSwiftURL,
  kDebian,
  kUbuntu,
  kAlpine,
  kRedHat,
  kRockyLinux,
  kAlmaLinux,
  kSuse,
  kGitHubActions,  // semver-ordered
};

// The Ecosystem of an OSV ecosystem string. A ":suffix" (release, e.g. "Debian:12",
// "Alpine:v3.16", "Red Hat:enterprise_linux:9") is ignored; "SUSE", "openSUSE" and
// "SUSE:..." are kSuse. Names are matched with the OSV spec's case; unknown -> kUnknown.
Ecosystem EcosystemFromOsv(std::string_view osv_ecosystem);

// The Ecosystem of a purl type (matched case-insensitively) and namespace: golang, npm, pypi,
// maven, nuget, gem, composer, cargo, pub, hex, cran, hackage, swift, deb (namespace
// "ubuntu" -> kUbuntu, else kDebian), apk (kAlpine), rpm (namespace redhat, rocky,
// almalinux, suse/opensuse; other rpm namespaces -> kRedHat), github -> kGitHubActions.
// `purl_namespace` may be empty. Unknown types -> kUnknown.
Ecosystem EcosystemFromPurl(std::string_view purl_type, std::string_view purl_namespace);

// The OSV spelling: "Go", "npm", "PyPI", "Maven", "NuGet", "RubyGems", "Packagist",
// "crates.io", "Pub", "Hex", "CRAN", "Hackage", "SwiftURL", "Debian", "Ubuntu", "Alpine",
// "Red Hat", "Rocky Linux", "AlmaLinux", "SUSE", "GitHub Actions"; kUnknown -> "".
std::string_view EcosystemName(Ecosystem ecosystem);

// The key under which a package is indexed, so that an advisory's name and an inventory's
// name for the same package compare equal: PyPI per PEP 503 (lower-case, runs of -_. -> -);
// NuGet, Packagist, Hex and Pub lower-case (their registries are case-insensitive); Maven
// "groupId:artifactId" (a purl-style "group/artifact" becomes "group:artifact"); Go module
// path, npm ("@scope/name"), crates.io and the rest as given.
std::string NormalizeName(Ecosystem ecosystem, std::string_view name);

}  // namespace aiip::advisories
