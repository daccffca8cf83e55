// STIX 2.1 bundles in and out of the incident report model.
//
// ValidateBundle checks a bundle and every object in it against the rules of the OASIS
// STIX 2.1 JSON schemas (specs/stix/schemas, implemented in code; each check in stix.cc
// names the schema it comes from): the bundle shape (common/bundle.json); the common
// properties of SDOs and SROs (common/core.json: type, spec_version "2.1", id as
// `type--UUID`, created and modified with millisecond precision) and of SCOs
// (common/cyber-observable-core.json); custom property names (common/properties.json);
// external references, granular markings, extensions, kill-chain phases and hashes; and
// the required properties and value rules of each object type the schemas define (sdos/,
// sros/, observables/, marking-definition, language-content, extension-definition).
// Indicator patterns of pattern_type "stix" are parsed with the pattern grammar
// (pattern.h). Objects of types the schemas do not define (custom objects) get the common
// checks only. Every error is InvalidArgument naming the property as a JSON Pointer into
// the bundle ("/objects/3/valid_from") and the object's id in the detail.
//
// BundleToReport turns a valid bundle holding exactly one incident into a Report (the
// mapping is in doc/incidents.md, "STIX mapping"): the incident gives the title and
// narrative, its Incident Core Extension (extension-definition--ef765651-680c-498d-9894-
// 99799f2fa126) is validated and its incident_types may give the attack type, its TLP
// marking (TLP 2.0 or 1.0 marking-definition ids) the TLP, its creator identity the
// reporter and (through the identity's sectors) the sector; indicators, observed-data,
// sightings and SCOs give indicators and the time window; AIIP's own property extension
// (kAiipExtensionId) carries the fields STIX has no place for, so that a bundle written by
// ReportToBundle reads back as the same Report. What the mapping could not use is listed
// in `notes`.
//
// ReportToBundle renders a report (normally a sanitised one) as a bundle that passes
// ValidateBundle. All functions are pure and thread-safe.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "incidents/report/model.h"

namespace aiip::incidents::stix {

inline constexpr std::string_view kIncidentCoreExtensionId =
    "extension-definition--ef765651-680c-498d-9894-99799f2fa126";
inline constexpr std::string_view kTlp2ExtensionId =
    "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
// AIIP's property extension on incident objects (its definition object is in every bundle
// ReportToBundle writes).
inline constexpr std::string_view kAiipExtensionId =
    "extension-definition--a11b0c5e-7d2f-4e61-9c83-0f4e5d6a7b8c";

// The marking-definition id of each TLP 2.0 level (STIX 2.1 TLP 2.0 extension, OASIS
// cti-stix-common-objects), and the TLP level of a marking-definition id (TLP 2.0 ids, and the
// TLP 1.0 ids of STIX 2.1 §7.2.1.4: WHITE reads as CLEAR); nullopt for other ids.
std::string_view TlpMarkingId(Tlp tlp);
std::optional<Tlp> TlpOfMarking(std::string_view marking_id);

// Parses `json_text` and validates it as a STIX 2.1 bundle. Returns the bundle object.
Result<boost::json::object> ValidateBundle(std::string_view json_text);
// Validates an already-parsed bundle.
Status ValidateBundleObject(const boost::json::object& bundle);

struct Import {
  Report report;
  std::vector<std::string> notes;  // what the mapping dropped or assumed, one line each
};

// Validates the bundle and maps its one incident to a Report (the Report is valid:
// ValidateReport holds). Fails with "no-incident" / "several-incidents" at "/objects" when
// the bundle does not hold exactly one incident, and with the report parser's errors
// (pointing into the incident) when the mapped report is invalid.
Result<Import> BundleToReport(std::string_view json_text);

struct ExportOptions {
  // Stable name of the report (e.g. the node's report id): the STIX ids are derived from it,
  // so exporting the same report twice gives the same ids.
  std::string report_id;
  // The created/modified time of the objects when the report has no reported_at.
  SystemTime now{};
};

// The bundle of `report`: the incident with the Incident Core Extension and AIIP's extension,
// one indicator per report indicator, the TLP 2.0 marking definition, the reporter's identity
// (when the report has a reporter), AIIP's identity and extension definition. `report` must
// be valid (ValidateReport).
boost::json::object ReportToBundle(const Report& report, const ExportOptions& options);

}  // namespace aiip::incidents::stix
