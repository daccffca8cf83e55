// The table of an attack case: per responder (operator, national CSIRT or duty desk) and
// per country, how many sources, how many prefixes with how much over-coverage, and where
// each responder's mitigation request stands. Pure.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "response/mitigation/aggregate.h"
#include "response/mitigation/dots.h"
#include "response/mitigation/grouping.h"

namespace aiip::mitigation {

struct ResponderRow {
  std::string id;
  std::string name;
  Rung rung = Rung::kDutyDesk;
  std::vector<uint32_t> asns;          // sorted
  std::vector<std::string> countries;  // sorted
  uint64_t sources = 0;
  size_t prefixes = 0;
  attribution::Uint128 over_coverage = 0;
  std::optional<RequestState> state;  // absent: no request for this responder
  std::optional<DotsStatus> status;
  DropCounters counters;
};

struct CountryRow {
  std::string country;  // "" : unknown
  uint64_t sources = 0;
  std::vector<uint32_t> asns;
  size_t responders = 0;
  size_t acknowledged = 0;  // responders whose request was acknowledged (or went further)
};

struct CaseSummary {
  std::vector<ResponderRow> responders;  // as in the grouping (by id)
  std::vector<CountryRow> countries;     // by country code
  uint64_t sources = 0;
  size_t prefixes = 0;
  attribution::Uint128 over_coverage = 0;
};

// Joins a grouping with one aggregation and one request (or nullptr) per responder, in the
// grouping's responder order. `aggregations` and `requests` must be as long as
// grouping.responders.
CaseSummary Summarize(const Grouping& grouping, std::span<const Aggregation> aggregations,
                      std::span<const MitigationRequest* const> requests);

// {"responders": [{"id", "name", "rung", "asns", "countries", "sources", "prefixes",
// "over-coverage" (decimal string), "state", "status", "status-name", "bytes-dropped",
// "pkts-dropped"}], "countries": [...], "sources", "prefixes", "over-coverage"}.
boost::json::object ToJson(const CaseSummary& summary);

// A fixed-width text table of both parts, for the CLI.
std::string ToText(const CaseSummary& summary);

}  // namespace aiip::mitigation
