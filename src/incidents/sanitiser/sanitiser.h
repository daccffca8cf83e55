// The sanitiser: what happens to an incident report before anyone but its reporter sees it.
//
// Sanitise takes a valid report and the effective rules (node rules merged with the report's
// own, MergeRules) and returns a new report with the reporter's identity replaced by sector
// and region, the reporter's own and other internal addresses, host names and domains
// removed, personal data (names, e-mail addresses, phone numbers) removed from structured
// fields and from free text, and the exact loss replaced by its band -- while indicators of
// the attacker (anything that is not the reporter's own, internal or special-purpose)
// survive unchanged. The original report is not touched. doc/incidents.md ("Sanitisation")
// lists every rule, its id and its default.
//
// Every change is recorded as a Redaction: the rule, the JSON Pointer of the field in the
// original report's canonical JSON (ReportToJson), the byte offset for a change inside free
// text, HMAC-SHA-256 of the original value keyed with the per-report salt, and what replaced
// it (nothing when removed). The salt is the caller's: 32 random bytes per report, kept with
// the log, so the reporter can check each entry against the original, while equal values in
// different reports hash differently and the log cannot be matched against a dictionary of
// values hashed once for all reports.
//
// All functions are pure and thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "incidents/report/model.h"

namespace aiip::incidents::sanitiser {

struct Rules {
  // Rule "reporter-identity": reporter replaced by "<sector> organisation in <country>".
  bool replace_reporter_identity = true;
  // Rule "reporter-network": indicators and addresses in text inside reporter_networks or
  // `internal_networks`.
  bool remove_reporter_networks = true;
  // Rule "special-purpose-address": addresses of the IANA special-purpose registries
  // (RFC 6890 and successors: RFC 1918, RFC 6598, ULA, loopback, link-local, documentation...).
  bool remove_special_purpose = true;
  // Rules "internal-host" / "reporter-domain": names ending in one of these suffixes, or in a
  // reporter domain (reporter_domains and `internal_domains`).
  std::vector<std::string> internal_suffixes = {".local",     ".internal",  ".corp",     ".lan",
                                                ".home",      ".home.arpa", ".intranet", ".localdomain",
                                                ".localhost", ".private"};
  std::vector<std::string> internal_domains;
  std::vector<IpNetwork> internal_networks;
  // Rule "private-term": strings removed wherever they appear (case-insensitive), e.g. the
  // names of people or internal projects. The reporter's organisation and contact name are
  // always added.
  std::vector<std::string> private_terms;
  // Rules "email-address" / "phone-number": personal data in structured fields and free text.
  bool redact_personal_data = true;
  // Rule "loss-band": exact losses (and the amount where it appears in free text) banded.
  bool band_losses = true;

  friend bool operator==(const Rules&, const Rules&) = default;
};

// Rules that do nothing: every flag off, every list empty. The base for a report's own rules,
// which only add to the node's (MergeRules).
Rules NoRules();

// Reads rules JSON (doc/incidents.md): every field optional, absent fields keep the value in
// `base` (the defaults above for node rules, NoRules() for a report's). Lists replace the
// base list (give "internal_suffixes": [] to have none). Errors name the field as a JSON
// Pointer.
Result<Rules> ParseRules(std::string_view json_text, const Rules& base = Rules{});
Result<Rules> ParseRulesObject(const boost::json::object& object, const std::string& pointer = "",
                               const Rules& base = Rules{});
boost::json::object RulesToJson(const Rules& rules);

// The rules for one report: `report` may only tighten `node` (a flag is on if either has it
// on; lists are united), so a reporter can ask for more redaction but never less.
Rules MergeRules(const Rules& node, const Rules& report);

struct Redaction {
  std::string rule;
  std::string field;                       // JSON Pointer into the original report's canonical JSON
  std::optional<size_t> offset;            // byte offset of the original text, for free-text fields
  std::string original_hmac;               // hex HMAC-SHA-256(salt, original value)
  std::optional<std::string> replacement;  // nullopt: removed

  friend bool operator==(const Redaction&, const Redaction&) = default;
};

struct Sanitised {
  Report report;
  std::vector<Redaction> redactions;
};

// Sanitises `original` (which must be valid, see ValidateReport) under `rules` with the
// per-report `salt` (at least 16 bytes). The result is valid and canonical.
Sanitised Sanitise(const Report& original, const Rules& rules, std::string_view salt);

// The redaction log as JSON: {"salt": hex, "redactions": [{rule, field, offset?,
// original_hmac, replacement}]}.
boost::json::object RedactionLogToJson(const std::vector<Redaction>& redactions, std::string_view salt);

// Whether `network` overlaps a block of the IANA IPv4/IPv6 special-purpose address
// registries (the list is in sanitiser.cc and doc/incidents.md); IPv4-mapped IPv6 addresses
// are judged by their IPv4 address. Sets `name` to the block's name.
bool IsSpecialPurpose(const IpNetwork& network, std::string* name = nullptr);

}  // namespace aiip::incidents::sanitiser
