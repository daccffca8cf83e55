#include "response/mitigation/summary.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <map>
#include <set>

namespace aiip::mitigation {

namespace {

bool Acknowledged(const ResponderRow& row) {
  if (!row.state) return false;
  switch (*row.state) {
    case RequestState::kAcknowledged:
    case RequestState::kMitigating:
    case RequestState::kTerminated:
      return true;
    default:
      return false;
  }
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + (s.empty() ? std::string("??") : s);
  return out;
}

std::string JoinAsns(const std::vector<uint32_t>& asns) {
  std::string out;
  for (uint32_t a : asns) out += (out.empty() ? "AS" : ",AS") + std::to_string(a);
  return out;
}

}  // namespace

CaseSummary Summarize(const Grouping& grouping, std::span<const Aggregation> aggregations,
                      std::span<const MitigationRequest* const> requests) {
  assert(aggregations.size() == grouping.responders.size());
  assert(requests.size() == grouping.responders.size());
  CaseSummary out;
  out.sources = grouping.sources;
  for (size_t r = 0; r < grouping.responders.size(); ++r) {
    const ResponderGroup& g = grouping.responders[r];
    ResponderRow row;
    row.id = g.assignment.responder.id;
    row.name = g.assignment.responder.name;
    row.rung = g.assignment.rung;
    row.sources = g.sources;
    std::set<uint32_t> asns;
    std::set<std::string> countries;
    for (size_t a : g.as_groups) {
      asns.insert(grouping.as_groups[a].asn);
      countries.insert(grouping.as_groups[a].country);
    }
    row.asns.assign(asns.begin(), asns.end());
    row.countries.assign(countries.begin(), countries.end());
    row.prefixes = aggregations[r].prefixes.size();
    row.over_coverage = aggregations[r].over_coverage;
    if (const MitigationRequest* request = requests[r]) {
      row.state = request->state();
      row.status = request->status();
      row.counters = request->counters();
    }
    out.prefixes += row.prefixes;
    const attribution::Uint128 room = ~attribution::Uint128{0} - out.over_coverage;
    out.over_coverage =
        row.over_coverage > room ? ~attribution::Uint128{0} : out.over_coverage + row.over_coverage;
    out.responders.push_back(std::move(row));
  }
  for (const CountryGroup& c : grouping.countries) {
    CountryRow row;
    row.country = c.country;
    row.sources = c.sources;
    row.asns = c.asns;
    row.responders = c.responders.size();
    for (size_t r : c.responders) row.acknowledged += Acknowledged(out.responders[r]) ? 1 : 0;
    out.countries.push_back(std::move(row));
  }
  return out;
}

boost::json::object ToJson(const CaseSummary& summary) {
  boost::json::array responders;
  for (const ResponderRow& r : summary.responders) {
    boost::json::object o;
    o["id"] = r.id;
    o["name"] = r.name;
    o["rung"] = RungName(r.rung);
    boost::json::array asns;
    for (uint32_t a : r.asns) asns.emplace_back(a);
    o["asns"] = std::move(asns);
    boost::json::array countries;
    for (const auto& c : r.countries) countries.emplace_back(c);
    o["countries"] = std::move(countries);
    o["sources"] = r.sources;
    o["prefixes"] = r.prefixes;
    o["over-coverage"] = CountToString(r.over_coverage);
    if (r.state) o["state"] = RequestStateName(*r.state);
    if (r.status) {
      o["status"] = static_cast<int>(*r.status);
      o["status-name"] = DotsStatusName(*r.status);
      o["bytes-dropped"] = r.counters.bytes_dropped;
      o["pkts-dropped"] = r.counters.pkts_dropped;
    }
    responders.push_back(std::move(o));
  }
  boost::json::array countries;
  for (const CountryRow& c : summary.countries) {
    boost::json::array asns;
    for (uint32_t a : c.asns) asns.emplace_back(a);
    countries.push_back(boost::json::object{{"country", c.country},
                                            {"sources", c.sources},
                                            {"asns", std::move(asns)},
                                            {"responders", c.responders},
                                            {"acknowledged", c.acknowledged}});
  }
  return boost::json::object{{"responders", std::move(responders)},
                             {"countries", std::move(countries)},
                             {"sources", summary.sources},
                             {"prefixes", summary.prefixes},
                             {"over-coverage", CountToString(summary.over_coverage)}};
}

std::string ToText(const CaseSummary& summary) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-24s %-19s %-14s %-8s %9s %8s %14s %-12s %s\n", "RESPONDER", "RUNG",
                "ASNS", "COUNTRY", "SOURCES", "PREFIXES", "OVER-COVERAGE", "STATE", "STATUS");
  out += line;
  for (const ResponderRow& r : summary.responders) {
    std::snprintf(line, sizeof line, "%-24.24s %-19s %-14.14s %-8.8s %9llu %8zu %14s %-12s %s\n",
                  r.id.c_str(), std::string(RungName(r.rung)).c_str(), JoinAsns(r.asns).c_str(),
                  Join(r.countries).c_str(), static_cast<unsigned long long>(r.sources), r.prefixes,
                  CountToString(r.over_coverage).c_str(),
                  r.state ? std::string(RequestStateName(*r.state)).c_str() : "-",
                  r.status ? std::string(DotsStatusName(*r.status)).c_str() : "-");
    out += line;
  }
  out += "\n";
  std::snprintf(line, sizeof line, "%-8s %9s %6s %11s %13s\n", "COUNTRY", "SOURCES", "ASNS", "RESPONDERS",
                "ACKNOWLEDGED");
  out += line;
  for (const CountryRow& c : summary.countries) {
    std::snprintf(line, sizeof line, "%-8s %9llu %6zu %11zu %13zu\n",
                  c.country.empty() ? "??" : c.country.c_str(), static_cast<unsigned long long>(c.sources),
                  c.asns.size(), c.responders, c.acknowledged);
    out += line;
  }
  return out;
}

}  // namespace aiip::mitigation
