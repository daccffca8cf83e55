// The assessment of a legal-cooperation request against the treaties and the law of both
// States (rules and their sources: doc/legal.md), and the safe-haven analysis.
//
// Both are pure functions of their arguments: no I/O, no clock, no global state, so one
// LegalData may serve many threads. No State is special-cased: every answer follows from
// the reference data, and a fact the data does not hold makes the outcome "needs-review"
// with that fact named in `missing_facts`.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "legal/model.h"
#include "legal/request.h"

namespace aiip::legal {

enum class Outcome { kCanProceed, kNeedsReview, kCannotProceed };
std::string_view OutcomeName(Outcome outcome);

struct LegalBasisItem {
  std::string instrument;
  std::string title;
  std::string article;
  bool hypothetical = false;  // assumed through Request::assume_parties
  std::string reason;
  std::string citation;
};

struct CoveredConduct {
  std::string conduct;
  std::string offence;  // citation of the requested State's offence
  std::optional<int> max_penalty_months;
  std::string citation;
};

struct DualCriminalityItem {
  std::optional<bool> required;   // empty: depends on a fact the data does not hold
  std::optional<bool> satisfied;  // empty: not determinable
  std::string conduct_date;
  std::vector<CoveredConduct> covered;
  std::vector<std::string> not_covered;
  std::string reason;
  std::string citation;
};

struct PenaltyItem {
  std::optional<int> threshold_months;
  bool strictly_more = false;
  std::optional<int> requested_max_months;
  std::optional<int> requesting_max_months;
  std::optional<bool> met;  // empty: no threshold, or a maximum is unknown
  std::string reason;
  std::string citation;
};

struct RefusalGroundItem {
  std::string ground;
  bool mandatory = false;
  bool raised = false;  // the facts of the request engage the ground
  std::string reason;
  std::string citation;
};

struct JurisdictionItem {
  std::string state;
  std::vector<std::string> bases;
  bool mandatory = false;
  int priority = 0;  // 1 = first
  std::string reason;
  std::string citation;
};

struct ObligationItem {
  std::string obligation;
  std::string state;       // who bears it
  std::string concerning;  // the other State it concerns (consul's State, affected State); may be empty
  std::string reason;
  std::string citation;
};

struct DeadlineItem {
  std::string deadline;
  std::string date;
  int days = 0;
  std::string reason;
  std::string citation;
};

struct MissingFact {
  std::string fact;
  std::string reason;
};

struct Assessment {
  Outcome outcome = Outcome::kNeedsReview;
  std::string kind;
  std::string requesting_state;
  std::string requested_state;
  std::string date;
  std::vector<LegalBasisItem> legal_bases;
  DualCriminalityItem dual_criminality;
  PenaltyItem penalty_threshold;
  std::vector<RefusalGroundItem> refusal_grounds;
  std::vector<JurisdictionItem> jurisdiction;
  std::vector<ObligationItem> obligations;
  std::vector<DeadlineItem> deadlines;
  std::vector<MissingFact> missing_facts;
  std::vector<std::string> explanation;
};

// Assesses `request` against `data`. Errors: InvalidArgument naming the request field
// (JSON Pointer) for a conduct code or instrument id the data does not know.
Result<Assessment> Assess(const Request& request, const LegalData& data);

// The assessment as JSON (doc/legal.md, "Assessment").
boost::json::object AssessmentToJson(const Assessment& assessment);

// Safe havens at `date`, optionally for one conduct code.
struct HavenConduct {
  std::string conduct;
  std::vector<std::string> not_criminal;     // no offence in force covers it
  std::vector<std::string> below_threshold;  // covered, but every maximum is under the threshold
  std::vector<std::string> unknown;          // covered only with an unknown maximum
  std::vector<std::string> not_researched;   // no offence listed, and the list is not known complete
};

struct HavenPair {
  std::string a, b;
  // Per request family: true = a basis exists, false = none, empty = a fact is unknown.
  std::optional<bool> preservation, assistance, extradition;
};

struct Havens {
  std::string date;
  int threshold_months = 0;
  std::string threshold_citation;
  std::vector<std::string> states;  // States with researched national law
  std::vector<std::string> not_researched;
  std::vector<HavenConduct> conducts;
  std::vector<HavenPair> pairs;
};

// Computes the havens. `conduct`, if given, must be a known code (InvalidArgument
// otherwise). `states` lists the States to pair (empty: every State the data mentions).
Result<Havens> ComputeHavens(const LegalData& data, const std::optional<std::string>& conduct, Date date,
                             const std::vector<std::string>& states = {});

boost::json::object HavensToJson(const Havens& havens);

}  // namespace aiip::legal
