#include "response/attribution/table.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace aiip::attribution {

namespace {

constexpr Uint128 kMappedPrefix = Uint128{0xffff} << 32;

bool ValidCountry(std::string_view code) {
  auto alnum = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  return code.size() == 2 && alnum(code[0]) && alnum(code[1]);
}

}  // namespace

std::vector<std::string_view> FlagNames(uint8_t flags) {
  std::vector<std::string_view> names;
  if (flags & kAnonymousProxy) names.push_back("anonymous-proxy");
  if (flags & kSatelliteProvider) names.push_back("satellite-provider");
  if (flags & kAnycast) names.push_back("anycast");
  if (flags & kDrop) names.push_back("drop");
  return names;
}

void Table::LookupBatch(std::span<const uint32_t> addresses, std::span<Answer> out) const {
  assert(out.size() >= addresses.size());
  static_assert(sizeof(Answer) == sizeof(uint32_t));
  v4_.LookupBatch(addresses, reinterpret_cast<uint32_t*>(out.data()));
}

void Table::LookupBatch(std::span<const Uint128> addresses, std::span<Answer> out) const {
  assert(out.size() >= addresses.size());
  v6_.LookupBatch(addresses, reinterpret_cast<uint32_t*>(out.data()));
  // Mapped addresses are rare in IPv6 input; fix them up after the fast pass.
  for (size_t i = 0; i < addresses.size(); ++i) {
    if ((addresses[i] >> 32) == 0xffff) out[i] = Lookup4(static_cast<uint32_t>(addresses[i]));
  }
}

NetworkInfo Table::network(NetworkIndex index) const {
  assert(index < records_.size());
  const Record& r = records_[index];
  NetworkInfo info;
  if (index < v4_first_.size()) {
    info.prefix = Prefix{IpAddress::V4(v4_first_[index]), r.length};
  } else {
    info.prefix = Prefix{IpAddress::V6(v6_first_[index - v4_first_.size()]), r.length};
  }
  info.as_index = r.as_index;
  info.country_index = r.country_index;
  if (r.as_index != kNoAs) {
    const AsInfo a = as(r.as_index);
    info.asn = a.number;
    info.as_name = a.name;
  }
  info.country = countries_[r.country_index];
  info.flags = r.flags;
  return info;
}

AsInfo Table::as(uint32_t index) const {
  assert(index < ases_.size());
  const AsRecord& a = ases_[index];
  return {a.number, std::string_view(as_names_).substr(a.name_offset, a.name_length)};
}

size_t Table::memory_bytes() const {
  size_t bytes = lookup_memory_bytes() + records_.capacity() * sizeof(Record) +
                 v4_first_.capacity() * sizeof(uint32_t) + v6_first_.capacity() * sizeof(Uint128) +
                 ases_.capacity() * sizeof(AsRecord) + as_names_.capacity() +
                 countries_.capacity() * sizeof(std::string);
  for (const auto& c : countries_) bytes += c.capacity() > 15 ? c.capacity() : 0;
  return bytes;
}

TableBuilder::TableBuilder() {
  countries_.emplace_back();
  country_index_.emplace("", kNoCountry);
}

void TableBuilder::AddAs(uint32_t number, std::string_view name) { as_names_[number] = std::string(name); }

Status TableBuilder::AddNetwork(const Prefix& prefix, uint32_t asn, std::string_view country, uint8_t flags) {
  if (!country.empty() && !ValidCountry(country)) {
    return InvalidArgument("invalid-country", "network " + prefix.ToString() + " has country code '" +
                                                  std::string(country) + "', not two letters or digits");
  }
  auto [it, inserted] =
      country_index_.emplace(std::string(country), static_cast<uint16_t>(countries_.size()));
  if (inserted) {
    if (countries_.size() > std::numeric_limits<uint16_t>::max()) {
      return InvalidArgument("too-many-countries", "more than 65535 distinct country codes");
    }
    countries_.emplace_back(country);
  }
  Prefix normalized = prefix;
  // Inside ::ffff:0:0/96 an IPv6 network is an IPv4 network (libloc's rule), and lookups of
  // mapped addresses go to the IPv4 trie.
  if (!prefix.address.is_v4() && prefix.length >= 96 &&
      (prefix.address.v6() >> 32) == (kMappedPrefix >> 32)) {
    normalized = Prefix{IpAddress::V4(static_cast<uint32_t>(prefix.address.v6())), prefix.length - 96};
  }
  networks_.push_back({normalized, asn, it->second, flags});
  return Status::Ok();
}

Result<Table> TableBuilder::Build() {
  std::vector<Pending> networks = std::move(networks_);
  networks_.clear();
  if (networks.size() >= kNoNetwork) {
    return Err(InvalidArgument("too-many-networks", "more than 2^31 - 2 networks"));
  }
  std::sort(networks.begin(), networks.end(), [](const Pending& a, const Pending& b) {
    if (a.prefix.address != b.prefix.address) return a.prefix.address < b.prefix.address;
    return a.prefix.length < b.prefix.length;
  });
  for (size_t i = 1; i < networks.size(); ++i) {
    if (networks[i].prefix == networks[i - 1].prefix) {
      return Err(InvalidArgument("duplicate-network",
                                 "network " + networks[i].prefix.ToString() + " is given twice"));
    }
  }

  Table table;
  // Intern the ASes the networks use, in AS-number order.
  std::vector<uint32_t> numbers;
  numbers.reserve(as_names_.size());
  for (const Pending& n : networks) {
    if (n.asn != 0) numbers.push_back(n.asn);
  }
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  table.ases_.reserve(numbers.size());
  for (uint32_t number : numbers) {
    auto name = as_names_.find(number);
    Table::AsRecord record{number, static_cast<uint32_t>(table.as_names_.size()), 0};
    if (name != as_names_.end()) {
      record.name_length = static_cast<uint32_t>(name->second.size());
      table.as_names_ += name->second;
    }
    table.ases_.push_back(record);
  }
  table.as_names_.shrink_to_fit();
  auto as_index = [&numbers](uint32_t asn) {
    if (asn == 0) return kNoAs;
    return static_cast<uint32_t>(std::lower_bound(numbers.begin(), numbers.end(), asn) - numbers.begin());
  };

  // IPv4 sorts before IPv6, so indices follow address order within each family.
  table.records_.reserve(networks.size());
  std::vector<internal::PrefixSpec<uint32_t, 32>> v4;
  std::vector<internal::PrefixSpec<Uint128, 128>> v6;
  for (const Pending& n : networks) {
    const auto index = static_cast<uint32_t>(table.records_.size());
    table.records_.push_back(
        {as_index(n.asn), n.country_index, static_cast<uint8_t>(n.prefix.length), n.flags});
    if (n.prefix.address.is_v4()) {
      table.v4_first_.push_back(n.prefix.address.v4());
      v4.push_back({n.prefix.address.v4(), static_cast<uint32_t>(n.prefix.last()), index});
    } else {
      table.v6_first_.push_back(n.prefix.address.v6());
      v6.push_back({n.prefix.address.v6(), n.prefix.last(), index});
    }
  }

  table.v4_ = internal::Poptrie<uint32_t, 32>(internal::Partition<uint32_t, 32>(v4, kNoNetwork));
  table.v6_ = internal::Poptrie<Uint128, 128>(internal::Partition<Uint128, 128>(v6, kNoNetwork));
  table.countries_ = std::move(countries_);
  countries_.clear();
  countries_.emplace_back();
  country_index_.clear();
  country_index_.emplace("", kNoCountry);
  as_names_.clear();
  return table;
}

}  // namespace aiip::attribution
