// The native JSON form of an incident report (doc/incidents.md, "Report format").
//
// ParseReport is strict: unknown fields, wrong types, unknown vocabulary values, malformed
// indicator values and unordered times are refused with InvalidArgument naming the field as
// a JSON Pointer (problem types of common/json.h plus "invalid-timestamp"). Values are
// brought to canonical form on the way in, so equal reports compare equal:
//  - indicator types take their short names ("ipv4-addr" reads as "ipv4"); IPv4/IPv6 values
//    are addresses or networks with host bits cleared, IPv6 in RFC 5952 text; domains and
//    the domain part of e-mail addresses are lower case without a trailing dot; URLs have a
//    lower-case scheme and host; hashes are lower-case hex; STIX patterns are kept verbatim
//    after a syntax check; duplicates (same type and canonical value) are refused;
//  - attack types are "class" or "class:type" (a bare RSIT type gains its class);
//  - "start" and "end" are accepted as the names of first_seen and last_seen (the names of
//    the API's stable route), but not together with them;
//  - purls and CPEs in affected_products are rewritten in canonical form.
// ReportToJson writes the canonical form (first_seen/last_seen, absent optional fields
// omitted); ParseReport of its output gives back an equal Report.
//
// All functions are pure and thread-safe.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"
#include "incidents/report/model.h"

namespace aiip::incidents {

// Limits on one report, enforced by the parser.
inline constexpr size_t kMaxTitleBytes = 512;
inline constexpr size_t kMaxNarrativeBytes = 64 * 1024;
inline constexpr size_t kMaxIndicators = 10'000;
inline constexpr size_t kMaxListItems = 1'024;

// Parses a report from JSON text.
Result<Report> ParseReport(std::string_view json_text);
// Parses a report from a JSON object found at `pointer` in a larger document (errors name
// fields below `pointer`).
Result<Report> ParseReportObject(const boost::json::object& object, const std::string& pointer = "");

// The canonical JSON of `report`.
boost::json::object ReportToJson(const Report& report);
std::string SerializeReport(const Report& report);

// OK if `report` is valid and canonical (what ParseReport would return for its JSON), else
// the error the parser gives or InvalidArgument("not-canonical") naming the first field that
// would change.
Status ValidateReport(const Report& report);

// Whether `code` is an ISO 3166-1 alpha-2 code / an ISO 3166-2 subdivision code / an
// ISO 4217 currency code (Debian iso-codes 4.15.0; see gen_iso_codes.py).
bool IsCountryCode(std::string_view code);
bool IsSubdivisionCode(std::string_view code);
bool IsCurrencyCode(std::string_view code);

}  // namespace aiip::incidents
