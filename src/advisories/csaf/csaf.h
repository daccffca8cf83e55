// CSAF 2.0 (OASIS Common Security Advisory Framework) documents, including the VEX profile,
// parsed into the advisory model of advisories/model.h, and the spec's mandatory tests
// (section 6.1) as a validator of their own.
//
// ParseCsaf checks, in this order: the published SHA-512 digest (when given); JSON syntax;
// the fields and enumerations the JSON schema requires (csaf_json_schema.json, as far as
// code checks them: required members, kinds, enums, date-times, version_t, CVE/CWE
// patterns, minItems/uniqueItems of product lists); every mandatory test listed in
// kImplementedMandatoryTests. A document failing any of them is refused with an
// InvalidArgument naming the JSON Pointer; a mandatory-test failure has type
// "csaf-mandatory-test" and a detail "CSAF 6.1.N (<name>): <reason>".
//
// Resolution (one Record per /vulnerabilities entry, see doc/csaf.md):
//  - Every product id of the product tree is resolved to an identity: the branch path above
//    it gives vendor (`vendor`), product (`product_name`, else `product_family`, else the
//    full product name) and versions; `product_identification_helper` gives purl and cpe
//    (hashes and other helpers are ignored). A product defined by a relationship
//    (default_component_of, installed_on, ...) takes the identity of its
//    `product_reference` (the component that must be matched); Affected::origin is always
//    the product id named in the vulnerability, i.e. the relationship's own product id.
//  - Versions: a `product_version` branch is one exact version (Affected::versions); a
//    purl helper with a version (pkg:npm/x@1.2.3) is one exact version too; a
//    `product_version_range` whose name starts with "vers:" is kept verbatim in
//    Affected::vers. A free-text range is converted to a "vers:generic/..." string when it
//    has one of these unambiguous shapes (case-insensitive, surrounding "All versions" /
//    "Versions" words allowed): "<op> V" with op one of < <= > >= (or "prior to V",
//    "before V", "V and earlier", "V and prior", "up to V" for < / <=), or a lower and an
//    upper bound ("> a < b", ">= a and < b", ">= a | <= b"), where each version V is one or
//    more space-separated tokens of [A-Za-z0-9._+-] the first holding a digit. "All
//    versions" alone sets Affected::all_versions. Anything else ("1.5.x | 1.6.x",
//    "< V2.1 SP3 (2.1.670)", "<May 2018") NEEDS REVIEW: all_versions=false, versions,
//    ranges and vers empty, and Affected::impact = kNeedsReviewPrefix + the verbatim text.
//  - product_status: known_affected/first_affected/last_affected -> kAffected,
//    known_not_affected -> kNotAffected (justification = the VEX flag label naming the
//    product, impact = the details of "impact" threats naming it), fixed/first_fixed ->
//    kFixed, under_investigation -> kUnderInvestigation; recommended is not a status and is
//    not emitted. Group ids in remediations, threats and flags are expanded to product ids.
//  - Threats of category exploit_status and target_set, and impact threats that name no
//    known_not_affected product, are appended to Record::details as lines
//    "Threat (<category>)[ for <product ids>]: <details>" so that a display keeps them.
//
// All functions are thread-safe (no shared state).
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "advisories/model.h"
#include "common/status.h"

namespace aiip::advisories {

// Prefix of Affected::impact for a free-text version range that could not be converted.
inline constexpr std::string_view kNeedsReviewPrefix = "needs review: version range given as text: ";

// Parses one CSAF 2.0 document. `source_name` is copied into Document::source_name.
// `published_sha512` is the text of the document's published ".sha512" file when there is
// one ("<hex> [*]<filename>" or just the hex): a mismatch is InvalidArgument
// "digest-mismatch", unreadable text "digest-malformed"; a match sets digest_check =
// "verified". Other failures: InvalidArgument naming the JSON Pointer and reason.
Result<Document> ParseCsaf(std::string_view json_text, std::string source_name,
                           std::optional<std::string_view> published_sha512 = std::nullopt);

// One failed mandatory test: test id "6.1.N" (or "6.1.27.N"), where, and why.
struct ValidationFailure {
  std::string test;
  std::string pointer;  // JSON Pointer into the document
  std::string message;
  friend bool operator==(const ValidationFailure&, const ValidationFailure&) = default;
};

// The mandatory tests ValidateCsafMandatory implements, in spec order.
std::span<const std::string_view> ImplementedMandatoryTests();

// The spec's name of a mandatory test ("6.1.6" -> "Contradicting Product Status"); empty
// for an unknown id.
std::string_view MandatoryTestName(std::string_view test);

// Runs every implemented mandatory test on `document` (any JSON value; parts that do not
// have the schema's shape are skipped, not reported) and returns every failure, grouped by
// test in the order of ImplementedMandatoryTests(). Empty when all pass.
std::vector<ValidationFailure> ValidateCsafMandatory(const boost::json::value& document);

// Converts the name of a product_version_range branch as ParseCsaf does (see above):
// returns the vers string ("vers:..."), "*" for all versions, or nullopt when it needs
// review. Exposed for tests and for the matcher's display of review cases.
std::optional<std::string> VersionRangeToVers(std::string_view range_text);

}  // namespace aiip::advisories
