// Inventories: what a participant runs, as the clearinghouse reads it to decide which
// advisories concern them. An inventory is read from a CycloneDX JSON SBOM (1.0-1.6,
// including VEX documents), an SPDX 2.2/2.3 JSON document, or a plain list of purls and CPEs,
// and becomes one `Inventory`: a flat list of `Component`s (nesting is flattened; each keeps
// the JSON Pointer it came from) and, for CycloneDX, the VEX statements the document makes.
//
// Outside input is judged at two levels (doc/inventories.md):
//  - the document: not JSON, an unknown format, or a wrong type at the top level (e.g.
//    "components" not an array) is an error naming the field as a JSON Pointer;
//  - one component or statement: a bad purl or CPE, a missing name, a component that is not
//    an object... is a warning "<pointer>: <problem>" in `Inventory::warnings`; the
//    component is kept when it is an object (without the bad identifier), so one bad entry
//    never loses the rest of the SBOM.
// Plain lists are strict: a line that is neither a valid purl nor a valid CPE is an error
// naming its line number.
//
// All functions are pure and thread-safe; the result owns all its strings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace aiip::advisories {

struct Component {
  std::string bom_ref;  // CycloneDX bom-ref, SPDX SPDXID; empty when the document gives none
  std::string name;
  std::string version;
  std::string purl;               // canonical form (FormatPurl) of a valid purl; else empty
  std::vector<std::string> cpes;  // valid CPEs, as CPE 2.3 formatted strings (FormatCpe)
  std::string group;              // CycloneDX group (e.g. Maven groupId); else the purl namespace
  std::string type;               // CycloneDX type, SPDX primaryPackagePurpose (lower-case)
  // Where it came from: a JSON Pointer into the document (e.g. "/components/3/components/0",
  // "/metadata/component", "/packages/7"), or "line N" for plain lists.
  std::string origin;
};

// One CycloneDX `affects[].versions[]` entry: a version or a vers range, and its status
// ("affected", "unaffected", "unknown"; empty when not given).
struct VexVersion {
  std::string version;
  std::string range;
  std::string status;
};

// One CycloneDX vulnerability as it applies to one `affects[]` target (a vulnerability with
// three targets gives three statements; one with no `affects` gives one statement with an
// empty component_ref, which speaks for everything the document's author ships).
struct VexStatement {
  std::string vulnerability_id;      // e.g. "CVE-2021-44228"
  std::vector<std::string> aliases;  // ids of `references[]` (e.g. "GHSA-...", "SNYK-...")
  std::string component_ref;         // affects[].ref: a bom-ref, a BOM-Link or a purl, as given
  // analysis.state: resolved, resolved_with_pedigree, exploitable, in_triage, false_positive,
  // not_affected; empty when the document gives no analysis.
  std::string state;
  std::string justification;         // analysis.justification, e.g. "code_not_reachable"
  std::string detail;                // analysis.detail
  std::vector<VexVersion> versions;  // affects[].versions; empty = the target as a whole
  std::string origin;                // JSON Pointer of the affects[] entry (of the vulnerability if none)
};

struct Inventory {
  std::string format;   // "cyclonedx-1.N", "spdx-2.N", "purl-list", "cpe-list"
  std::string name;     // CycloneDX metadata.component / SPDX described package, or document name
  std::string version;  // its version, when given
  std::vector<Component> components;
  std::vector<VexStatement> vex;
  std::vector<std::string> warnings;
};

// Parses a CycloneDX JSON document. metadata.component (and what it nests) comes first in
// `components`, then components[] depth-first. Errors: InvalidArgument with the JSON Pointer
// of the field ("malformed-json", "not-an-object", "wrong-type", "missing-field",
// "invalid-value", "unsupported-version").
Result<Inventory> ParseCycloneDx(std::string_view json);

// Parses an SPDX 2.2/2.3 JSON document: packages[] with name, versionInfo, SPDXID and the
// externalRefs of type purl, cpe23Type and cpe22Type. Errors as for ParseCycloneDx.
Result<Inventory> ParseSpdx(std::string_view json);

// Parses a plain list: one purl or CPE per line; blank lines and comments ('#' at the start
// of a line or after whitespace) are ignored. Format "cpe-list" when every entry is a CPE,
// else "purl-list". Errors: InvalidArgument("purl-invalid"/"cpe-invalid"/"invalid-value")
// whose detail starts with "line N:", or "empty-inventory" when there is no entry.
Result<Inventory> ParsePlainList(std::string_view text);

// Detects the format and parses: a JSON object with "bomFormat" is CycloneDX (it must say
// "CycloneDX"), one with "spdxVersion" is SPDX, any other JSON object is an error
// ("unknown-format"), and so is any other JSON value ("not-an-object"); text not starting
// with '{' or '[' (after whitespace and a UTF-8 BOM) is a plain list.
Result<Inventory> ParseInventory(std::string_view bytes);

}  // namespace aiip::advisories
