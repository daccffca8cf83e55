// Correlation of incident reports through their indicators, with storage that grows with the
// number of distinct values, never with the number of correlated pairs.
//
// Each indicator value is interned once (type + canonical text -> ValueId). The index keeps,
// per value, the list of reports that hold it (its postings): an inverted index. Addresses and
// networks are also kept in one sorted key space (family, address, prefix length), so that a
// network finds the addresses and smaller networks inside it by a range scan, and an address
// finds the networks around it by probing the prefix lengths in use. Correlations are computed
// when asked, from the postings; no pair is ever stored (MISP's pair table is what makes its
// correlation storage explode: a value held by n events costs it n(n-1)/2 rows).
//
// Over-correlation (like MISP's `MISP.correlation_limit`, default 100): the cover of a value is
// the number of (report, value) occurrences of the value itself and, for a network, of every
// address and network inside it. A value whose cover exceeds the limit is over-correlating: it
// stops correlating and is marked as such in answers. Two reports correlate through values
// a ⊆ b (a == b, or a inside network b) iff cover(b) <= limit, which keeps correlation
// symmetric and bounds the work of every query by the limit times the number of prefix
// lengths. The flag is computed from all reports, visible or not (doc/sharing.md).
//
// Not internally synchronised: const methods may run concurrently with each other, mutations
// need exclusive access (the node holds a shared_mutex).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace aiip::incidents::correlation {

enum class IndicatorType : uint8_t {
  kIpv4,  // an address or a network
  kIpv6,  // an address or a network
  kDomain,
  kUrl,
  kEmail,
  kMd5,
  kSha1,
  kSha256,
  kSha512,
  kStixPattern,
};

// "ipv4", "ipv6", "domain", "url", "email", "md5", "sha1", "sha256", "sha512", "stix-pattern".
std::string_view TypeName(IndicatorType type);

// The names above and the STIX spellings ("ipv4-addr", "ipv6-addr", "domain-name", "email-addr",
// "sha-1", "sha-256", "sha-512"); otherwise InvalidArgument("invalid-value") at "/type".
Result<IndicatorType> ParseType(std::string_view name);

// An indicator in canonical form (what Canonicalise returns).
struct Indicator {
  IndicatorType type = IndicatorType::kIpv4;
  std::string value;

  friend bool operator==(const Indicator&, const Indicator&) = default;
};

// Canonical text, so that equal values intern to one id:
//  - ipv4/ipv6: an address, or a network "address/length" with the host bits cleared; a /32
//    (/128) network is the address; IPv6 in RFC 5952 form.
//  - domain: lower case, without a trailing dot; ASCII labels of 1..63 letters, digits, '-' or
//    '_' and at most 253 characters (internationalised names must come as A-labels).
//  - url: an absolute URL with a host, normalised by RFC 3986 §6 (case of scheme and host,
//    percent-encoding, dot segments), the default port removed.
//  - email: local@domain, lower case, the domain checked as above.
//  - hashes: lower-case hexadecimal of the exact length.
//  - stix-pattern: the text with surrounding white space removed (equality only).
// Errors are InvalidArgument naming "/type" or "/value" for the caller to prefix.
Result<Indicator> Canonicalise(std::string_view type, std::string_view value);

struct Options {
  // A value whose cover exceeds this stops correlating (MISP's correlation_limit default).
  uint32_t correlation_limit = 100;
};

enum class Relation : uint8_t {
  kSame,      // the other report holds the same value
  kContains,  // this report's network contains the other report's value
  kWithin,    // this report's value lies within the other report's network
};

// "same", "contains", "within".
std::string_view RelationName(Relation relation);

struct Match {
  std::string report;  // the other report
  std::string value;   // its value (canonical text)
  Relation relation = Relation::kSame;
};

struct ValueCorrelations {
  Indicator indicator;
  bool over_correlating = false;  // cover above the limit: no matches are given
  std::vector<Match> matches;     // visible reports only, ordered by report then value
};

struct ReportCorrelations {
  std::vector<ValueCorrelations> by_indicator;  // in the order of the report's values
  std::vector<std::string> reports;             // the distinct correlated reports, sorted
};

// Decides whether the reader may see a report (e.g. built over access::CanRead).
using Visible = std::function<bool(std::string_view report)>;

struct IndexStats {
  uint64_t reports = 0;
  uint64_t distinct_values = 0;   // interned values, including those no report holds any more
  uint64_t live_values = 0;       // values held by at least one report
  uint64_t occurrences = 0;       // (report, value) postings
  uint64_t network_keys = 0;      // addresses and networks in the sorted key space
  uint64_t over_correlating = 0;  // values whose own postings exceed the limit
  // Heap bytes held (capacities, not sizes): by the values (keys, records, hash slots,
  // postings, the address key space), by the reports (ids and their value lists), in all.
  uint64_t value_bytes = 0;
  uint64_t report_bytes = 0;
  uint64_t bytes = 0;
};

class Index {
 public:
  explicit Index(Options options = {});
  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  // Sets the indicators of report `report` (replacing what it had). Indicators must be
  // canonical (from Canonicalise; asserted for addresses); duplicates are collapsed.
  void Put(std::string_view report, std::span<const Indicator> indicators);

  // Removes a report. Returns false if it was not indexed. Its values stay interned (ids are
  // stable; a value held by no report costs its key and a few words until the index is rebuilt).
  bool Remove(std::string_view report);

  bool Contains(std::string_view report) const;

  // The correlations of `report` through each of its values with the reports `visible`
  // accepts (the report itself excluded). NotFound if the report is not indexed.
  Result<ReportCorrelations> Correlate(std::string_view report, const Visible& visible) const;

  // The visible reports holding `indicator` (canonical), or, for addresses and networks, a
  // value inside it or a network around it: a search by value.
  ValueCorrelations Search(const Indicator& indicator, const Visible& visible) const;

  // True iff `indicator`'s cover exceeds the limit.
  bool IsOverCorrelating(const Indicator& indicator) const;

  IndexStats Stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aiip::incidents::correlation
