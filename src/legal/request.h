// A legal-cooperation request as the engine reads it (fields: doc/legal.md, "Request").
//
// ParseRequest is the strict entry for outside input: every error names the offending
// field as a JSON Pointer. It checks form only (types, dates, ISO codes, vocabularies);
// whether a conduct code or State is known to the reference data is the assessment's
// business, which reports it the same way.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "legal/model.h"

namespace aiip::legal {

struct RequestConduct {
  std::vector<std::string> types;  // conduct codes
  Date start;
  std::optional<Date> end;
  std::vector<std::string> committed_in;
  std::vector<std::string> effects_in;
  std::optional<std::string> against_state;
  std::optional<std::string> coerced_state;
  std::optional<bool> by_state_agent;       // empty: not stated
  std::optional<bool> political;            // empty: not stated
  std::vector<std::string> conditions_met;  // offence conditions the facts establish
  std::string description;
};

struct RequestPerson {
  std::vector<std::string> nationalities;
  std::optional<std::string> located_in;
};

struct RequestingOffence {
  std::string citation;
  std::optional<int> max_penalty_months;
};

struct Request {
  RequestKind kind = RequestKind::kPreservation;
  std::string requesting_state;
  std::string requested_state;
  Date date;
  RequestConduct conduct;
  RequestPerson person;
  std::vector<RequestingOffence> requesting_offences;
  std::optional<bool> death_penalty_possible;
  std::vector<std::string> assurances;      // "death-penalty", "fair-trial"
  std::vector<std::string> assume_parties;  // instrument ids for what-if analysis
};

// Parses a request document. Errors: InvalidArgument with the JSON Pointer of the field
// ("malformed-json", "missing-field", "wrong-type", "unknown-field", "invalid-value",
// "out-of-range").
Result<Request> ParseRequest(std::string_view text);

}  // namespace aiip::legal
