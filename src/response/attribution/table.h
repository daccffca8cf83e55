// Table: one attribution dataset in memory — every network of a routing/location database
// with its origin AS, AS name and country, answering "which network holds this address?"
// by longest-prefix match, for IPv4 and IPv6.
//
// A Table is built once by a TableBuilder (from any source: the libloc loader, test files)
// and is then immutable, so any number of threads may look up concurrently. Answers are
// compact: an Answer is the index of the matched network; the network record holds the
// indices of its AS and its country in interned tables, so grouping millions of answers
// per AS or per country never touches a string. Lookups run on two Poptries (poptrie.h),
// one per family; single lookups are inline, batched lookups prefetch.
//
// Matching follows libloc: an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is answered as
// a.b.c.d, and only IPv4 networks answer IPv4 addresses (libloc keeps IPv4 under
// ::ffff:0:0/96 of one tree, but an IPv6 network above that block never answers for IPv4:
// tests/data/attribution/mapped_space.*).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "response/attribution/address.h"
#include "response/attribution/poptrie.h"

namespace aiip::attribution {

using NetworkIndex = uint32_t;
inline constexpr NetworkIndex kNoNetwork = internal::kNoValue;
inline constexpr uint32_t kNoAs = 0xffffffffu;
inline constexpr uint16_t kNoCountry = 0;

// The answer to one lookup: the index of the matched network in the Table, or kNoNetwork.
struct Answer {
  NetworkIndex network = kNoNetwork;
  bool found() const { return network != kNoNetwork; }
  friend bool operator==(const Answer&, const Answer&) = default;
};

// Properties the source gives a network (libloc's network flags), as a bitmask.
enum NetworkFlag : uint8_t {
  kAnonymousProxy = 1 << 0,     // A1
  kSatelliteProvider = 1 << 1,  // A2
  kAnycast = 1 << 2,            // A3: the origin AS announces it from many places
  kDrop = 1 << 3,               // XD: on a drop list (hijacked or abused space)
};

// "anonymous-proxy", "satellite-provider", "anycast", "drop" for each bit set, in that order.
std::vector<std::string_view> FlagNames(uint8_t flags);

// An interned autonomous system.
struct AsInfo {
  uint32_t number = 0;
  std::string_view name;  // empty when the source has no name for it
};

// One network of the table, resolved for display.
struct NetworkInfo {
  Prefix prefix;
  uint32_t as_index = kNoAs;            // index into the AS table, kNoAs if no origin AS
  uint16_t country_index = kNoCountry;  // index into the country table, kNoCountry if none
  uint32_t asn = 0;                     // 0 when there is no origin AS
  std::string_view as_name;
  std::string_view country;  // ISO 3166-1 alpha-2 or the source's special code; empty if none
  uint8_t flags = 0;         // NetworkFlag bits
};

class Table {
 public:
  Table(Table&&) = default;
  Table& operator=(Table&&) = default;

  // Longest-prefix match of one address. Thread-safe.
  Answer Lookup4(uint32_t address) const { return {v4_.Lookup(address)}; }
  Answer Lookup6(Uint128 address) const {
    if ((address >> 32) == 0xffff) return Lookup4(static_cast<uint32_t>(address));
    return {v6_.Lookup(address)};
  }
  Answer Lookup(const IpAddress& address) const {
    return address.is_v4() ? Lookup4(address.v4()) : Lookup6(address.v6());
  }

  // out[i] = Lookup4(addresses[i]) for every i; `out` must be at least as long. Thread-safe.
  void LookupBatch(std::span<const uint32_t> addresses, std::span<Answer> out) const;
  // out[i] = Lookup6(addresses[i]) for every i; `out` must be at least as long. Thread-safe.
  void LookupBatch(std::span<const Uint128> addresses, std::span<Answer> out) const;

  // The network an Answer names; `index` must be < network_count().
  NetworkInfo network(NetworkIndex index) const;
  size_t network_count() const { return records_.size(); }
  // IPv4 networks have indices [0, v4_network_count()), IPv6 networks the rest, each in
  // address order.
  size_t v4_network_count() const { return v4_first_.size(); }

  // The interned ASes: index → number and name. `index` must be < as_count().
  AsInfo as(uint32_t index) const;
  size_t as_count() const { return ases_.size(); }
  // The interned countries: index → code; index kNoCountry is "".
  std::string_view country(uint16_t index) const { return countries_[index]; }
  size_t country_count() const { return countries_.size(); }

  // Bytes held by the lookup structures (both tries) and by the network/AS/country tables.
  size_t lookup_memory_bytes() const { return v4_.memory_bytes() + v6_.memory_bytes(); }
  size_t memory_bytes() const;

 private:
  friend class TableBuilder;
  Table() = default;

  struct Record {
    uint32_t as_index;
    uint16_t country_index;
    uint8_t length;
    uint8_t flags;
  };
  struct AsRecord {
    uint32_t number;
    uint32_t name_offset;
    uint32_t name_length;
  };

  internal::Poptrie<uint32_t, 32> v4_;
  internal::Poptrie<Uint128, 128> v6_;
  std::vector<Record> records_;
  std::vector<uint32_t> v4_first_;
  std::vector<Uint128> v6_first_;
  std::vector<AsRecord> ases_;
  std::string as_names_;
  std::vector<std::string> countries_;
};

// Collects networks and AS names, then builds a Table. Not thread-safe.
class TableBuilder {
 public:
  TableBuilder();

  // Records the name of AS `number` (a later name for the same number replaces it).
  void AddAs(uint32_t number, std::string_view name);

  // Adds a network originated by `asn` (0: none) in `country` ("" : none; else two ASCII
  // letters or digits) with NetworkFlag bits `flags`. Returns
  // InvalidArgument("invalid-country") for another country form; the prefix is valid by
  // construction.
  Status AddNetwork(const Prefix& prefix, uint32_t asn, std::string_view country, uint8_t flags = 0);

  // Builds the table. Returns InvalidArgument("duplicate-network") naming a prefix added
  // twice, or ("too-many-networks") past 2^31 - 2 networks. The builder is left empty.
  Result<Table> Build();

 private:
  struct Pending {
    Prefix prefix;
    uint32_t asn;
    uint16_t country_index;
    uint8_t flags;
  };

  std::vector<Pending> networks_;
  std::unordered_map<uint32_t, std::string> as_names_;
  std::unordered_map<std::string, uint16_t> country_index_;
  std::vector<std::string> countries_;
};

}  // namespace aiip::attribution
