// Grouping the sources of an attack by who can stop them.
//
// Every source address is attributed with the dataset valid at the attack time (an
// AttributionSet), which gives the origin AS and the country of its network. Sources are
// grouped per (AS, country) pair, and each pair is assigned a responder through an injected
// directory (the registry in the node, a table in tests) by the fallback chain of issue 6:
//   1. the operator registered for the AS (verified by the Agency);
//   2. else the national CSIRT of the network's country;
//   3. else the Agency's duty desk.
// The answer says which rung answered. An address no network covers has AS 0 and no
// country, so it goes to the duty desk. Duplicate addresses count once.
//
// Pure: the directory functions are called once per distinct (AS, country) pair, from the
// calling thread; GroupSources is thread-safe if they are.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "response/attribution/address.h"
#include "response/attribution/dataset.h"

namespace aiip::mitigation {

enum class Rung : uint8_t { kRegisteredOperator, kNationalCsirt, kDutyDesk };

// "registered-operator", "national-csirt", "duty-desk".
std::string_view RungName(Rung rung);

struct Responder {
  std::string id;  // e.g. the registry's organisation id
  std::string name;
};

struct ResponderDirectory {
  // The operator registered for an ASN, if any.
  std::function<std::optional<Responder>(uint32_t asn)> operator_for_asn;
  // The national CSIRT of an ISO 3166-1 alpha-2 country, if any.
  std::function<std::optional<Responder>(std::string_view country)> csirt_for_country;
  // Always answers.
  Responder duty_desk;
};

struct Assignment {
  Responder responder;
  Rung rung = Rung::kDutyDesk;
};

// The fallback chain above for one (AS, country) pair; asn 0 means none, "" no country.
Assignment Assign(const ResponderDirectory& directory, uint32_t asn, std::string_view country);

// Sources of one (AS, country) pair.
struct AsGroup {
  uint32_t asn = 0;  // 0: no origin AS (or no network)
  std::string as_name;
  std::string country;                          // "" : none
  size_t responder = 0;                         // index into Grouping::responders
  std::vector<attribution::IpAddress> sources;  // sorted, unique
};

struct ResponderGroup {
  Assignment assignment;
  std::vector<size_t> as_groups;  // indices into Grouping::as_groups, in AS order
  uint64_t sources = 0;
};

struct CountryGroup {
  std::string country;  // "" : unknown
  uint64_t sources = 0;
  std::vector<uint32_t> asns;      // sorted
  std::vector<size_t> responders;  // sorted indices into Grouping::responders
};

struct GroupingStats {
  double attribute_seconds = 0;  // batched lookups
  double group_seconds = 0;      // grouping, sorting, de-duplication, assignment
};

struct Grouping {
  std::string dataset_id;                  // the dataset that answered
  std::vector<AsGroup> as_groups;          // by (asn, country)
  std::vector<ResponderGroup> responders;  // by responder id
  std::vector<CountryGroup> countries;     // by country code
  uint64_t sources = 0;                    // unique
  uint64_t duplicates = 0;                 // addresses given more than once
  uint64_t unattributed = 0;               // unique sources no network covers
  GroupingStats stats;

  // All sources of responder `index`, sorted (a copy).
  std::vector<attribution::IpAddress> SourcesOf(size_t index) const;
};

// Groups `sources` as above with the dataset of `datasets` valid at `at`. Errors: NotFound
// when no dataset is valid at `at`.
Result<Grouping> GroupSources(std::span<const attribution::IpAddress> sources,
                              const attribution::AttributionSet& datasets, SystemTime at,
                              const ResponderDirectory& directory);

}  // namespace aiip::mitigation
