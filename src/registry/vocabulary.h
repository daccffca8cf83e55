// Vocabularies of the registry: organisation kinds, member roles and types, and the
// reference data that contact details are validated against (IANA time zones from tzdata,
// ISO 639 language codes and ISO 3166-1 States from Debian's iso-codes).
#pragma once

#include <array>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace aiip::registry {

inline constexpr std::array<std::string_view, 7> kOrganisationKinds = {
    "csirt", "operator", "law-enforcement-247", "central-authority", "agency", "company", "insurer"};

// Roles a member can hold. `admin` administers the whole node; `org-admin` manages its own
// organisation's contacts, members and tokens; the others are used by the engines' routes.
inline constexpr std::array<std::string_view, 10> kRoles = {
    "admin",     "org-admin",   "analyst", "noc",      "poc-247", "central-authority",
    "secretariat", "auditor",   "reporter", "viewer"};

inline constexpr std::array<std::string_view, 2> kMemberTypes = {"person", "tool"};

template <size_t N>
bool IsOneOf(std::string_view value, const std::array<std::string_view, N>& set) {
  for (auto v : set) {
    if (v == value) return true;
  }
  return false;
}

// Joins a vocabulary for error messages: "a, b, c".
template <size_t N>
std::string JoinVocabulary(const std::array<std::string_view, N>& set) {
  std::string out;
  for (auto v : set) {
    if (!out.empty()) out += ", ";
    out += v;
  }
  return out;
}

struct StateRecord {
  std::string code;     // ISO 3166-1 alpha-2
  std::string alpha3;
  std::string numeric;
  std::string name;
  std::optional<std::string> official_name;
};

// Reference data loaded once at start. Immutable afterwards, so thread-safe to share.
class ReferenceData {
 public:
  // Loads time zones from `tzdata_zi` (tzdata's compact "tzdata.zi": Z and L lines),
  // languages from iso-codes' iso_639-2.json and States from iso_3166-1.json. Returns
  // kFailedPrecondition naming the file on any read or parse error.
  static Result<ReferenceData> Load(const std::string& tzdata_zi, const std::string& iso_639_json,
                                    const std::string& iso_3166_json);
  // The Debian paths of the three files above.
  static Result<ReferenceData> LoadSystem(const std::string& iso_3166_json =
                                              "/usr/share/iso-codes/json/iso_3166-1.json");

  bool IsTimeZone(std::string_view name) const { return time_zones_.contains(std::string(name)); }
  // ISO 639-1 (two letters) or ISO 639-2 (three letters) code, lower case.
  bool IsLanguage(std::string_view code) const { return languages_.contains(std::string(code)); }
  const std::vector<StateRecord>& states() const { return states_; }
  const std::string& states_digest_source() const { return states_source_; }

 private:
  std::set<std::string, std::less<>> time_zones_;
  std::set<std::string, std::less<>> languages_;
  std::vector<StateRecord> states_;
  std::string states_source_;  // raw bytes of the States file, hashed into the audit log
};

// Checks the syntax of an e-mail address (addr-spec with a dotted domain; no comments or
// quoted local parts). Not a deliverability check.
bool IsPlausibleEmail(std::string_view email);
// E.164: "+" followed by 8 to 15 digits, the first not zero.
bool IsE164Phone(std::string_view phone);

}  // namespace aiip::registry
