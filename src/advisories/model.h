// The advisory model: what every advisory format (OSV, CSAF 2.0, CVE JSON 5) is parsed
// into, and what merging, indexing and matching read. It is plain data with no behaviour.
//
// One source document yields one or more `Record`s: an OSV or CVE record is one Record; a
// CSAF document yields one Record per entry of `/vulnerabilities`. A Record says which
// packages or products it concerns (`Affected`), with which versions, in which status, and
// what to do about it (`Remediation`). Identity of a package is, in order of confidence:
// (ecosystem, name) or a purl; a CPE; a vendor + product name pair. Versions are kept as
// the document gives them; the matcher interprets them with the ecosystem's ordering
// (advisories/versions/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace aiip::advisories {

enum class SourceFormat { kOsv, kCsaf, kCve5 };

// OSV range semantics (https://ossf.github.io/osv-schema/#affectedrangesevents-fields).
// CVE 5 `versions[]` and CSAF `vers:` ranges are converted into this form by their parsers.
struct RangeEvent {
  enum class Kind { kIntroduced, kFixed, kLastAffected, kLimit };
  Kind kind = Kind::kIntroduced;
  std::string version;  // "0" for kIntroduced means "from the first version"
};

struct Range {
  // kSemver: SemVer 2.0 ordering whatever the ecosystem; kEcosystem: the ecosystem's own
  // ordering; kGit: commit hashes (kept for provenance, never matched against versions).
  enum class Type { kSemver, kEcosystem, kGit };
  Type type = Type::kEcosystem;
  std::string repo;  // kGit only
  std::vector<RangeEvent> events;
};

// Status of a product or package with respect to one vulnerability, in CSAF/VEX terms.
// OSV and CVE `affected` entries are kAffected (CVE entries with status "unaffected" are
// folded into the ranges instead).
enum class ProductStatus { kAffected, kNotAffected, kFixed, kUnderInvestigation };

// One package or product a Record speaks about, and which of its versions.
struct Affected {
  // Package identity (any that the document gives; empty when unknown).
  std::string ecosystem;  // OSV ecosystem string as given, e.g. "Go", "PyPI", "Debian:12"
  std::string name;       // package name as given in that ecosystem
  std::string purl;       // package URL as given (may carry a version and qualifiers)
  std::vector<std::string> cpes;  // CPE 2.3 formatted strings (or 2.2 URIs) as given
  std::string vendor;             // CVE `vendor`, CSAF `vendor` branch
  std::string product;            // CVE `product`, CSAF `product_name` branch

  // Versions. A version is affected when it is in any range, or equals one of `versions`,
  // or `all_versions` is set. `vers` holds a CSAF `vers:` range string verbatim.
  std::vector<Range> ranges;
  std::vector<std::string> versions;
  std::string vers;
  bool all_versions = false;

  ProductStatus status = ProductStatus::kAffected;
  // CSAF VEX `flags[].label` or CycloneDX `analysis.justification` (e.g.
  // "vulnerable_code_not_present"), and free-text impact statement, for kNotAffected.
  std::string justification;
  std::string impact;

  // Where in the source document this came from: CSAF product_id, or a JSON Pointer such
  // as "/affected/2".
  std::string origin;
};

struct Remediation {
  // CSAF categories: "vendor_fix", "workaround", "mitigation", "no_fix_planned",
  // "none_available"; OSV/CVE fixed versions become "vendor_fix" with `fixed_version`.
  std::string category;
  std::string details;
  std::string url;
  std::string fixed_version;         // a version that fixes it, when known
  std::vector<std::string> origins;  // Affected::origin values it applies to; empty = all
};

struct Severity {
  std::string type;    // "CVSS_V2", "CVSS_V3", "CVSS_V4", or a vendor scheme name
  std::string vector;  // e.g. "CVSS:3.1/AV:N/AC:L/..." (may be empty)
  double base_score = -1;  // 0.0-10.0, or -1 when not given and not computable
};

struct Reference {
  std::string type;  // OSV reference type, CSAF category, CVE tag
  std::string url;
};

struct Record {
  SourceFormat format = SourceFormat::kOsv;
  // Stable id of this record: the OSV id, the CVE id, or for CSAF
  // "<tracking id>#<cve or ids[0] or index>".
  std::string id;
  std::string document_id;  // OSV/CVE id, or the CSAF /document/tracking/id
  std::string publisher;    // CSAF /document/publisher/name, CVE assigner short name, OSV db prefix
  std::vector<std::string> aliases;   // ids of the same vulnerability (merge on these only)
  std::vector<std::string> upstream;  // OSV `upstream`: not merged, kept for display
  std::vector<std::string> related;   // OSV `related`: not merged, kept for display
  std::string summary;
  std::string details;
  std::string published;  // RFC 3339 UTC, may be empty
  std::string modified;   // RFC 3339 UTC
  std::string withdrawn;  // RFC 3339 UTC when withdrawn / REJECTED; empty otherwise
  std::vector<std::string> replaced_by;  // CVE 5 `replacedBy` of a REJECTED record
  std::vector<Severity> severities;
  std::vector<std::string> cwes;  // "CWE-79"
  std::vector<Affected> affected;
  std::vector<Remediation> remediations;
  std::vector<Reference> references;
};

// One parsed source document, with the records it yields and where it came from.
struct Document {
  SourceFormat format = SourceFormat::kOsv;
  std::string id;           // OSV/CVE id or CSAF tracking id
  std::string modified;     // RFC 3339 UTC: OSV modified, CVE dateUpdated, CSAF current_release_date
  std::string source_name;  // file path or API submission name it was read from
  std::string sha256;       // hex SHA-256 of the exact bytes ingested
  // CSAF: "verified" when a published .sha512 matched, "absent" when none was published.
  std::string digest_check = "absent";
  std::vector<Record> records;
};

}  // namespace aiip::advisories
