// Who may read an incident report: the distribution rules of the clearinghouse, enforced.
//
// A report carries a Traffic Light Protocol label with the meanings of FIRST's "Traffic Light
// Protocol (TLP) — FIRST Standards Definitions and Usage Guidance, Version 2.0" (August 2022,
// https://www.first.org/tlp/), a list of named recipients, a list of sharing groups, and the
// owner State's `national_only` flag. `Decide` answers, for one reader and one report, whether
// the reader may read it and by which rule. The rules, applied in this order (first match wins;
// doc/sharing.md has the full argument):
//
//   1. owner            the reporting organisation always reads its own report.
//   2. national-only    if the owner's State kept the report national, a reader whose State is
//                       not the owner's is refused — whatever else the report says (named
//                       recipients and the Agency included: it is the State's right).
//   3. named-person     a person named as a recipient reads the report at every TLP level
//                       (TLP:RED is "for the eyes and ears of individual recipients only").
//   4. sharing groups   if the report names sharing groups, a reader whose organisation is in
//                       none of them and is not a named recipient organisation is refused
//                       (the Agency excepted: it is the clearinghouse the report was sent to).
//   5. TLP              RED: only the designated contact persons of a named recipient
//                       organisation. AMBER+STRICT: "restricts sharing to the organization only"
//                       — members of a recipient organisation (named organisations and members
//                       of the report's sharing groups) and the Agency. AMBER: the same plus the
//                       organisations that are clients of the owner or of a recipient
//                       organisation ("within their organization and its clients"). GREEN: the
//                       community, defined here as every organisation registered on the node or
//                       federation (and the Agency). CLEAR: anyone, including the public.
//
// Every step only narrows or adds explicitly named parties, so raising the TLP level, setting
// `national_only`, shrinking a sharing group or removing a named recipient never widens access
// (access_test.cc checks this on random reports). The engine is pure: organisations, groups and
// clients come in through `Directory`. All functions are thread-safe for concurrent readers.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace aiip::incidents::access {

// The TLP 2.0 labels, ordered from least to most restrictive.
enum class Tlp { kClear = 0, kGreen = 1, kAmber = 2, kAmberStrict = 3, kRed = 4 };

// "CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED" (FIRST's written form, without "TLP:").
std::string_view TlpName(Tlp tlp);

// Accepts exactly the written forms above, with or without the "TLP:" prefix (the standard says
// labels are in capitals and without spaces). Otherwise InvalidArgument("invalid-value"), with an
// empty field pointer for the caller to prefix.
Result<Tlp> ParseTlp(std::string_view text);

// The distribution attributes of one report.
struct ReportAccess {
  std::string owner_organisation;  // the reporting organisation's id
  std::string owner_state;         // its State, ISO 3166-1 alpha-2
  Tlp tlp = Tlp::kRed;
  std::vector<std::string> recipient_organisations;  // named recipient organisations
  std::vector<std::string> recipient_persons;        // named recipient persons (member ids)
  std::vector<std::string> sharing_groups;           // names of sharing groups
  bool national_only = false;                        // the owner State keeps the report national
};

// Who is asking. A member of the public has an empty `organisation` and `member`.
struct Reader {
  std::string member;        // the person's member id; empty for the public
  std::string organisation;  // the person's organisation id; empty for the public
  std::string state;         // the organisation's State (ISO 3166-1 alpha-2); empty for the public
  bool agency = false;       // a member of the Agency that operates the clearinghouse
  // The person is one of its organisation's designated contacts for TLP:RED reports addressed
  // to the organisation as a whole (its 24/7 points of contact in the registry).
  bool designated_contact = false;
};

// The node's view of organisations: sharing group membership and client relations. The rules
// read group membership of the reader's organisation and of the providers it is a client of
// only through this interface, so there is one source of truth.
class Directory {
 public:
  virtual ~Directory() = default;
  // True iff `organisation` is a member of the sharing group named `group`.
  virtual bool InGroup(std::string_view group, std::string_view organisation) const = 0;
  // The organisations of which `organisation` is a client ("people or entities that receive
  // cybersecurity services from an organization", TLP 2.0), in any order.
  virtual std::vector<std::string> ProvidersOf(std::string_view organisation) const = 0;
};

// A Directory over explicit sets, for tests and for nodes that load the relations in memory.
class MapDirectory final : public Directory {
 public:
  void AddToGroup(std::string group, std::string organisation);
  void RemoveFromGroup(std::string_view group, std::string_view organisation);
  // `client` receives cybersecurity services from `provider`.
  void AddClient(std::string provider, std::string client);
  void RemoveClient(std::string_view provider, std::string_view client);

  bool InGroup(std::string_view group, std::string_view organisation) const override;
  std::vector<std::string> ProvidersOf(std::string_view organisation) const override;

 private:
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> groups_;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> providers_;  // client -> providers
};

// The rule that decided; its name (RuleName) is the stable reason given to callers.
enum class Rule {
  kOwner,                  // allow: the reporting organisation
  kNationalOnly,           // deny: national_only and the reader is of another State
  kNamedPerson,            // allow: the reader is a named recipient person
  kNotInSharingGroup,      // deny: the report is restricted to sharing groups the reader is not in
  kRedDesignatedContact,   // allow: RED, designated contact of a named recipient organisation
  kRedNotNamed,            // deny: RED and the reader was not named
  kRecipientOrganisation,  // allow: AMBER/AMBER+STRICT, member of a recipient organisation
  kAgency,                 // allow: AMBER/AMBER+STRICT/GREEN read by the Agency
  kClientOfRecipient,      // allow: AMBER, client of the owner or of a recipient organisation
  kNotRecipient,           // deny: AMBER/AMBER+STRICT and none of the above
  kCommunity,              // allow: GREEN, a registered organisation
  kNotInCommunity,         // deny: GREEN read by the public
  kPublic,                 // allow: CLEAR
};

// "owner", "national-only", "named-person", ... (stable slugs).
std::string_view RuleName(Rule rule);

struct Decision {
  bool allowed = false;
  Rule rule = Rule::kRedNotNamed;
};

// Decides whether `reader` may read a report with `report`'s distribution attributes. Total
// (never fails); `report` should have passed ValidateReportAccess.
Decision Decide(const ReportAccess& report, const Reader& reader, const Directory& directory);

// Shorthand for Decide(...).allowed.
bool CanRead(const ReportAccess& report, const Reader& reader, const Directory& directory);

// Checks the attributes as a submission must have them: owner organisation and State present
// (the State two capital letters), no empty or duplicate recipient or group, and a RED report
// names at least one recipient. Errors are InvalidArgument naming the field by the member names
// above ("/recipient_organisations/2", "/sharing_groups/0", ...) for the caller to remap;
// with `known_groups`, a group not in it is "unknown-group".
Status ValidateReportAccess(const ReportAccess& report,
                            const std::set<std::string, std::less<>>* known_groups = nullptr);

}  // namespace aiip::incidents::access
