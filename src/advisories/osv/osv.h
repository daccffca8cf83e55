// The OSV 1.x parser (https://ossf.github.io/osv-schema/): one OSV JSON document becomes one
// advisories::Document holding one Record (model.h).
//
// What is kept: id, modified, published, withdrawn, aliases, upstream, related, summary,
// details, severity (type and vector; the base score is computed for CVSS v2 and v3.x
// vectors, -1 otherwise), affected[] (package ecosystem/name/purl, ranges with their events
// and repository, versions, and per-package severity, which joins the record's), references,
// and database_specific.cwe_ids when it is an array of CWE ids. Every non-GIT `fixed` event
// also becomes a Remediation{"vendor_fix", fixed_version, origins {"/affected/N"}}. The
// publisher is the database prefix of the id ("GO", "PYSEC", "GHSA", ...). Timestamps are
// normalised to UTC with millisecond precision ("2021-04-14T20:04:52.000Z").
//
// Validation follows the schema: `id` and `modified` are required; every known field must
// have its schema's type; timestamps must be RFC 3339; range types and event objects (exactly
// one of introduced/fixed/last_affected/limit, a string) are checked, GIT ranges need `repo`,
// and a range needs an `introduced` event. Unknown fields are accepted, because the schema
// gains fields over time; `database_specific`, `ecosystem_specific` and `credits` are skipped.
#pragma once

#include <string>
#include <string_view>

#include "advisories/model.h"
#include "common/status.h"

namespace aiip::advisories {

// Parses one OSV 1.x JSON document. `source_name` (file path or submission name) is copied
// into Document::source_name; Document::sha256 is the hex SHA-256 of `json_text`. Errors:
// InvalidArgument with a problem type ("malformed-json", "not-an-object", "wrong-type",
// "missing-field", "out-of-range", "invalid-value", "invalid-timestamp") and the offending
// field as a JSON Pointer (empty for malformed JSON). Thread-safe (no shared state).
Result<Document> ParseOsv(std::string_view json_text, std::string source_name);

}  // namespace aiip::advisories
