// Covering an operator's attacking sources with few prefixes.
//
// A mitigation request names its sources as prefixes, and an operator can install only so
// many filters, so the sources are covered with at most N prefixes (N configurable). Fewer
// prefixes cost over-coverage: addresses inside a prefix that are not sources, which the
// operator would filter too. The greedy rule (doc/mitigation.md):
//   - start from one /32 (IPv4) or /128 (IPv6) per distinct source;
//   - the candidates are the branching nodes of the binary trie of the sources whose two
//     sides are each already one prefix; merging one replaces both by the node's prefix
//     and adds size(node) - size(left) - size(right) over-coverage;
//   - repeatedly take the candidate adding the least (then IPv4 before IPv6, then the
//     lowest address), while more than N prefixes remain, and for as long as merges add
//     nothing (so the result is never longer than the exact CIDR cover).
// O(n log n) for n sources: one sort, a linear trie build (the Cartesian tree of the
// adjacent common-prefix lengths), one heap.
//
// IPv4 and IPv6 cannot share a prefix, so N must be at least the number of families
// present; below that the result has one prefix per family and says the budget was
// exceeded. An IPv4-mapped IPv6 source counts as its IPv4 address. Pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "response/attribution/address.h"

namespace aiip::mitigation {

struct CoveringPrefix {
  attribution::Prefix prefix;
  uint64_t sources = 0;
  // Addresses inside the prefix that are not sources (saturates at 2^128 - 1 for ::/0).
  attribution::Uint128 over_coverage = 0;
};

struct Aggregation {
  std::vector<CoveringPrefix> prefixes;  // in address order, IPv4 first
  uint64_t sources = 0;                  // distinct
  attribution::Uint128 over_coverage = 0;
  // Prefixes in the exact CIDR cover (no over-coverage), as ipaddress.collapse_addresses
  // would give: the count before the first merge that adds over-coverage.
  size_t exact_prefixes = 0;
  bool budget_exceeded = false;  // more families present than max_prefixes
};

// Covers `sources` (any order, duplicates allowed) with at most `max_prefixes` prefixes.
// Errors: InvalidArgument("out-of-range") at /max_prefixes when it is 0.
Result<Aggregation> Aggregate(std::span<const attribution::IpAddress> sources, size_t max_prefixes);

// Decimal text of an over-coverage figure (Uint128 has no stream operator).
std::string CountToString(attribution::Uint128 value);

}  // namespace aiip::mitigation
