// Package identities shared by the database and the matcher (internal to aiip::matcher):
// how a purl becomes an (ecosystem, index key) pair, and how an ecosystem release is
// compared with a purl's distro qualifier.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "advisories/inventory/purl.h"
#include "advisories/versions/ecosystem.h"

namespace aiip::advisories::matcher_internal {

struct PurlIdentity {
  Ecosystem ecosystem = Ecosystem::kUnknown;
  std::string key;     // PackageKeyOf form: "<EcosystemName>:<NormalizeName>"
  std::string distro;  // the `distro` qualifier, when given
};

// The identity of a parsed purl; nullopt when its type maps to no ecosystem. The purl
// namespace is part of the package name (Go module paths, npm scopes, Maven groups,
// Composer vendors...) except for deb, apk and rpm, where it names the distribution.
std::optional<PurlIdentity> IdentityOf(const Purl& purl);

// The release part of an OSV ecosystem string that binds a package to a distribution
// release ("Debian:12" -> "12", "Alpine:v3.16" -> "3.16", "Ubuntu:22.04:LTS" -> "22.04");
// empty for other ecosystems or when none is given.
std::string_view ReleaseOf(std::string_view osv_ecosystem);

// Whether a purl `distro` qualifier ("debian-12", "bookworm", "alpine-3.16.2", "12") is
// compatible with `release`: equal after dropping a "<name>-" prefix and a leading "v" and
// mapping Debian and Ubuntu code names to their numbers, or starting with release + ".". An
// empty distro or release is compatible with anything; an unknown code name with nothing.
bool DistroMatches(std::string_view distro, std::string_view release);

}  // namespace aiip::advisories::matcher_internal
