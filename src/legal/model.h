// The legal reference data as values: the conduct taxonomy, the cooperation instruments
// with their provisions, parties, reservations and declarations, and each State's national
// law with the dates its offences were in force.
//
// These types mirror the files under data/legal (schema and vocabulary: doc/legal.md).
// Every fact that the sources did not establish is held as std::nullopt and the reason is
// kept beside it, so the engine can say which fact is missing instead of guessing.
// Values only: no I/O, no global state; safe to share read-only between threads.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aiip::legal {

using Date = std::chrono::year_month_day;

// Parses "YYYY-MM-DD" (a real calendar date); std::nullopt otherwise.
std::optional<Date> ParseDate(std::string_view text);
// "YYYY-MM-DD".
std::string FormatDate(Date date);
// `date` plus `days` calendar days.
Date AddDays(Date date, int days);

// Where a fact comes from.
struct Source {
  std::string title;
  std::string url;       // empty when only a citation is known
  std::string citation;  // empty when a URL is given
  std::string accessed;  // YYYY-MM-DD
};

// "<title> (<citation>) <url>" for explanations.
std::string Cite(const Source& source);

// A fact that may be unknown: `value` is empty when the sources did not establish it,
// and `unknown` says why.
template <typename T>
struct Fact {
  std::optional<T> value;
  std::optional<Source> source;
  std::string unknown;
  std::string note;
};

// The kinds of request (doc/legal.md, "Request kinds").
enum class RequestKind {
  kPreservation,
  kTrafficDisclosure,
  kMlaProduction,
  kMlaSearch,
  kMlaRealtime,
  kMlaInterception,
  kExtradition,
  kProvisionalArrest,
  kSpontaneousInformation,
  kNotification,
};
inline constexpr RequestKind kAllRequestKinds[] = {
    RequestKind::kPreservation, RequestKind::kTrafficDisclosure, RequestKind::kMlaProduction,
    RequestKind::kMlaSearch,    RequestKind::kMlaRealtime,       RequestKind::kMlaInterception,
    RequestKind::kExtradition,  RequestKind::kProvisionalArrest, RequestKind::kSpontaneousInformation,
    RequestKind::kNotification};
std::string_view RequestKindName(RequestKind kind);
std::optional<RequestKind> ParseRequestKind(std::string_view name);
// Extradition and provisional arrest deprive a person of liberty; the rest is assistance.
bool IsSurrender(RequestKind kind);

struct ConductCoverage {
  std::string instrument;
  std::string article;
  bool full = true;  // "full" or "partial" in the file
  Source source;
};

struct Conduct {
  std::string code;
  std::string title;
  std::string description;
  std::vector<ConductCoverage> covered_by;
};

// Whether a basis requires dual criminality for a kind of request.
enum class DualCriminalityRule { kNotRequired, kRequired, kRequestedStateLaw, kUnknown };
std::string_view DualCriminalityRuleName(DualCriminalityRule rule);

struct RefusalGroundRule {
  std::string ground;  // vocabulary: doc/legal.md, "Refusal grounds"
  bool mandatory = false;
  std::string article;
  std::string note;
  Source source;
};

struct ObligationRule {
  std::string obligation;  // vocabulary: doc/legal.md, "Obligations"
  std::string article;
  std::string note;
  Source source;
};

struct DeadlineRule {
  std::string deadline;  // e.g. "preservation-minimum"
  int days = 0;
  std::string from;  // "request-date"
  std::string article;
  Source source;
};

struct PenaltyThreshold {
  int months = 0;
  bool strictly_more = false;  // "more-than" rather than "at-least"
};

// What an instrument provides for one kind of request.
struct Provision {
  RequestKind kind;
  std::string article;
  DualCriminalityRule dual_criminality = DualCriminalityRule::kUnknown;
  std::string dual_criminality_article;
  bool covered_conducts_only = false;  // scope "covered-conducts" vs "any-offence"
  std::optional<PenaltyThreshold> penalty_threshold;
  std::vector<RefusalGroundRule> refusal_grounds;
  std::vector<ObligationRule> obligations;
  std::vector<DeadlineRule> deadlines;
  std::string note;
  Source source;
};

struct JurisdictionBasisRule {
  std::string basis;  // vocabulary: doc/legal.md, "Jurisdiction bases"
  bool mandatory = false;
  bool reservable = false;
  std::string article;
  std::string condition;
};

struct JurisdictionRules {
  std::string article;
  std::string priority;  // "consultation" or "ordered"
  std::string priority_article;
  std::vector<JurisdictionBasisRule> bases;  // in the instrument's order
};

struct Reservation {
  std::string effect;  // vocabulary: doc/legal.md, "Reservation effects"
  std::string article;
  std::string text;
  Source source;
};

struct Declaration {
  std::string kind;  // "extradition-authority", "mla-authority", "contact-24-7", "other"
  std::string article;
  std::string text;
  Source source;
};

struct Party {
  std::string state;
  std::optional<Date> signature;
  std::optional<Date> consent;
  std::string consent_kind;
  std::optional<Date> entry_into_force;
  std::optional<Date> in_force_by;  // a bound when the exact date is unknown
  std::vector<std::string> unknown;
  std::string notes;
  std::vector<Reservation> reservations;
  std::vector<Declaration> declarations;
  Source source;
};

struct NotParty {
  std::string state;
  Date as_of;
  Source source;
};

// The reservation by which a Party may require dual criminality for preservation,
// except for conduct covered by the listed articles (Budapest Art 29(4)).
struct DualCriminalityReservation {
  std::string effect;
  std::string article;
  std::vector<std::string> exempt_articles;
};

struct Instrument {
  std::string id;
  std::string title;
  std::string reference;
  std::string kind;    // "multilateral", "bilateral", "model"
  std::string status;  // "in-force", "not-in-force", "model"
  std::optional<Date> opened;
  std::optional<Date> entry_into_force;
  std::vector<std::string> states;                // the two States of a bilateral treaty
  std::vector<std::string> required_instruments;  // a party must also be party to these
  std::vector<Provision> provisions;
  std::optional<JurisdictionRules> jurisdiction;
  std::optional<DualCriminalityReservation> dual_criminality_reservation;
  std::optional<std::string> excludes_state_agents_article;
  std::vector<std::string> unknown_provisions;
  std::vector<Party> parties;
  std::vector<NotParty> not_parties;
  std::string notes;
  Source source;

  const Provision* FindProvision(RequestKind kind) const;
  const Party* FindParty(std::string_view state) const;
};

struct Offence {
  std::string citation;
  std::string title;
  std::vector<std::string> conducts;
  std::vector<std::string> conditions;
  std::optional<int> max_penalty_months;
  Date in_force_from;
  std::optional<Date> in_force_until;  // last day in force; empty = no known end
  std::string note;
  Source source;

  bool InForceOn(Date date) const;
};

// A claim that the offences listed for `conducts` are complete from `from` (at every date when
// empty): on those dates, a conduct no listed offence covers was not criminal. Outside every
// coverage an uncovered conduct is unknown, not innocent — the data may simply not list the
// offence.
struct Coverage {
  std::vector<std::string> conducts;
  std::optional<Date> from;
  std::string note;
  Source source;
};

struct StateLaw {
  std::string state;
  std::string name;
  std::vector<Offence> offences;
  std::vector<Coverage> coverage;
  Fact<bool> extradites_nationals;
  Fact<bool> extradition_requires_treaty;
  Fact<std::string> death_penalty;  // "abolished", "retained", "moratorium"
  Fact<std::string> central_authority;
  Fact<std::string> contact_24_7;
  std::vector<std::string> notes;

  // The coverage that makes the offence list complete for `conduct` on `date`, or nullptr.
  const Coverage* CompleteFor(std::string_view conduct, Date date) const;
};

// Everything the engine reads.
struct LegalData {
  std::vector<Conduct> conducts;
  std::vector<Instrument> instruments;
  std::map<std::string, StateLaw, std::less<>> states;

  const Conduct* FindConduct(std::string_view code) const;
  const Instrument* FindInstrument(std::string_view id) const;
  const StateLaw* FindState(std::string_view code) const;
};

}  // namespace aiip::legal
