// The CVE JSON 5.x record parser (CVE Record Format, https://github.com/CVEProject/cve-schema):
// one record becomes one advisories::Document holding one Record (model.h).
//
// The CVE id is the record and document id; the publisher is the assigner's short name. The
// CNA container and each ADP container contribute affected products, metrics (cvssV4_0,
// cvssV3_1, cvssV3_0, cvssV2_0: the published base score, computed from the vector when the
// score is absent), CWE ids from problemTypes, and references; the summary is the CNA title
// and the details the first English description (CNA first, then ADPs). A REJECTED record is
// withdrawn at dateRejected (else dateUpdated) and its CNA's replacedBy becomes replaced_by.
//
// Affected products: a collectionURL naming one package registry (pkg.go.dev, pypi.org,
// www.npmjs.com / registry.npmjs.org, repo.maven.apache.org/maven2, rubygems.org, crates.io,
// packagist.org, www.nuget.org) gives the OSV ecosystem and packageName the package name;
// vendor, product and cpes are kept in every case. `versions[]` is turned into model ranges
// following the schema's status algorithm (docs/versions.md): an affected range
// version..lessThan is introduced/fixed, ..lessThanOrEqual is introduced/last_affected,
// `changes` become introduced (to affected) and fixed (to unaffected or unknown) events; a
// wildcard bound "1.2.*" becomes a limit at "1.3" and "*" no bound; with defaultStatus
// "affected", unaffected ranges cut fixed/introduced events out of a range from "0" (or set
// all_versions when there are none); a single affected version goes to Affected::versions.
// versionType "git" gives a GIT range (repo = the product's `repo`), "semver" a SEMVER range,
// any other an ECOSYSTEM range. Fixed versions become "vendor_fix" remediations. A product
// with no affected version at all is left out. Not representable in the model (and dropped):
// a single unaffected version inside defaultStatus "affected", and the versions after an
// unaffected range ending at lessThanOrEqual inside defaultStatus "affected".
#pragma once

#include <string>
#include <string_view>

#include "advisories/model.h"
#include "common/status.h"

namespace aiip::advisories {

// Parses one CVE JSON 5.x record. `source_name` is copied into Document::source_name;
// Document::sha256 is the hex SHA-256 of `json_text`. Errors: InvalidArgument with a problem
// type ("malformed-json", "not-an-object", "wrong-type", "missing-field", "out-of-range",
// "invalid-value", "invalid-timestamp") and the offending field as a JSON Pointer (empty for
// malformed JSON). Unknown members are accepted. Thread-safe (no shared state).
Result<Document> ParseCve5(std::string_view json_text, std::string source_name);

}  // namespace aiip::advisories
