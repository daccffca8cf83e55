#include "response/mitigation/grouping.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <unordered_map>
#include <utility>

namespace aiip::mitigation {

using attribution::Answer;
using attribution::IpAddress;
using attribution::Table;
using attribution::Uint128;

std::string_view RungName(Rung rung) {
  switch (rung) {
    case Rung::kRegisteredOperator:
      return "registered-operator";
    case Rung::kNationalCsirt:
      return "national-csirt";
    case Rung::kDutyDesk:
      return "duty-desk";
  }
  return "unknown";
}

Assignment Assign(const ResponderDirectory& directory, uint32_t asn, std::string_view country) {
  if (asn != 0 && directory.operator_for_asn) {
    if (auto r = directory.operator_for_asn(asn)) return {std::move(*r), Rung::kRegisteredOperator};
  }
  if (!country.empty() && directory.csirt_for_country) {
    if (auto r = directory.csirt_for_country(country)) return {std::move(*r), Rung::kNationalCsirt};
  }
  return {directory.duty_desk, Rung::kDutyDesk};
}

std::vector<IpAddress> Grouping::SourcesOf(size_t index) const {
  std::vector<IpAddress> out;
  for (size_t g : responders[index].as_groups) {
    const auto& s = as_groups[g].sources;
    out.insert(out.end(), s.begin(), s.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

constexpr uint32_t kUnassigned = 0xffffffffu;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

Result<Grouping> GroupSources(std::span<const IpAddress> sources, const attribution::AttributionSet& datasets,
                              SystemTime at, const ResponderDirectory& directory) {
  const attribution::Dataset* dataset = datasets.At(at);
  if (dataset == nullptr) return Err(NotFound("no attribution dataset is valid at the attack time"));
  const Table& table = *dataset->table;
  Grouping out;
  out.dataset_id = dataset->info.id;

  // Batched lookups, one family at a time (IPv4-mapped IPv6 goes with IPv4, as libloc does).
  auto start = std::chrono::steady_clock::now();
  std::vector<uint32_t> v4;
  std::vector<Uint128> v6;
  std::vector<uint32_t> v4_at;
  std::vector<uint32_t> v6_at;
  v4.reserve(sources.size());
  v4_at.reserve(sources.size());
  for (uint32_t i = 0; i < sources.size(); ++i) {
    const IpAddress& a = sources[i];
    if (a.is_v4()) {
      v4.push_back(a.v4());
      v4_at.push_back(i);
    } else {
      v6.push_back(a.v6());
      v6_at.push_back(i);
    }
  }
  std::vector<Answer> answers(sources.size());
  {
    std::vector<Answer> a4(v4.size());
    std::vector<Answer> a6(v6.size());
    table.LookupBatch(std::span<const uint32_t>(v4), std::span<Answer>(a4));
    table.LookupBatch(std::span<const Uint128>(v6), std::span<Answer>(a6));
    for (size_t i = 0; i < a4.size(); ++i) answers[v4_at[i]] = a4[i];
    for (size_t i = 0; i < a6.size(); ++i) answers[v6_at[i]] = a6[i];
  }
  out.stats.attribute_seconds = Seconds(start);
  start = std::chrono::steady_clock::now();

  // Network -> group through a dense array, so each address costs one array access; the
  // map from (AS, country) to group is touched once per distinct network.
  std::vector<uint32_t> group_of_network(table.network_count(), kUnassigned);
  std::unordered_map<uint64_t, uint32_t> group_of_key;  // asn << 16 | country index
  struct Key {
    uint32_t asn;
    uint16_t country;
    std::string_view as_name;
  };
  std::vector<Key> keys;
  auto group_for = [&](uint32_t asn, uint16_t country, std::string_view as_name) {
    const uint64_t key = (uint64_t{asn} << 16) | country;
    auto [it, inserted] = group_of_key.try_emplace(key, static_cast<uint32_t>(keys.size()));
    if (inserted) keys.push_back({asn, country, as_name});
    return it->second;
  };
  std::vector<uint32_t> group(sources.size());
  uint32_t no_network_group = kUnassigned;
  for (size_t i = 0; i < sources.size(); ++i) {
    const Answer a = answers[i];
    if (!a.found()) {
      if (no_network_group == kUnassigned) no_network_group = group_for(0, attribution::kNoCountry, "");
      group[i] = no_network_group;
      continue;
    }
    uint32_t& g = group_of_network[a.network];
    if (g == kUnassigned) {
      const attribution::NetworkInfo info = table.network(a.network);
      g = group_for(info.asn, info.country_index, info.as_name);
    }
    group[i] = g;
  }

  // Counting sort of the addresses by group, then sort and de-duplicate inside each group.
  std::vector<size_t> offsets(keys.size() + 1, 0);
  for (uint32_t g : group) ++offsets[g + 1];
  for (size_t g = 0; g < keys.size(); ++g) offsets[g + 1] += offsets[g];
  std::vector<IpAddress> sorted(sources.size());
  {
    std::vector<size_t> cursor(offsets.begin(), offsets.end() - 1);
    for (size_t i = 0; i < sources.size(); ++i) sorted[cursor[group[i]]++] = sources[i];
  }
  std::vector<uint32_t> key_order(keys.size());
  for (uint32_t k = 0; k < keys.size(); ++k) key_order[k] = k;
  std::sort(key_order.begin(), key_order.end(), [&](uint32_t a, uint32_t b) {
    if (keys[a].asn != keys[b].asn) return keys[a].asn < keys[b].asn;
    return table.country(keys[a].country) < table.country(keys[b].country);
  });

  std::map<std::string, size_t> responder_index;
  std::map<std::string, size_t> country_index;
  for (uint32_t k : key_order) {
    AsGroup g;
    g.asn = keys[k].asn;
    g.as_name = std::string(keys[k].as_name);
    g.country = std::string(table.country(keys[k].country));
    auto first = sorted.begin() + static_cast<std::ptrdiff_t>(offsets[k]);
    auto last = sorted.begin() + static_cast<std::ptrdiff_t>(offsets[k + 1]);
    std::sort(first, last);
    auto unique_end = std::unique(first, last);
    out.duplicates += static_cast<uint64_t>(last - unique_end);
    g.sources.assign(first, unique_end);
    const uint64_t n = g.sources.size();
    out.sources += n;
    if (k == no_network_group) out.unattributed += n;

    Assignment assignment = Assign(directory, g.asn, g.country);
    auto [rit, rnew] = responder_index.try_emplace(assignment.responder.id, out.responders.size());
    if (rnew) out.responders.push_back(ResponderGroup{std::move(assignment), {}, 0});
    g.responder = rit->second;
    out.responders[g.responder].as_groups.push_back(out.as_groups.size());
    out.responders[g.responder].sources += n;

    auto [cit, cnew] = country_index.try_emplace(g.country, out.countries.size());
    if (cnew) out.countries.push_back(CountryGroup{g.country, 0, {}, {}});
    CountryGroup& c = out.countries[cit->second];
    c.sources += n;
    c.asns.push_back(g.asn);
    c.responders.push_back(g.responder);
    out.as_groups.push_back(std::move(g));
  }
  // Responders by id and countries by code, with the indices that point at them remapped.
  std::vector<size_t> responder_order(out.responders.size());
  {
    size_t i = 0;
    for (const auto& [id, index] : responder_index) responder_order[index] = i++;
    std::vector<ResponderGroup> reordered(out.responders.size());
    for (size_t r = 0; r < out.responders.size(); ++r)
      reordered[responder_order[r]] = std::move(out.responders[r]);
    out.responders = std::move(reordered);
    for (AsGroup& g : out.as_groups) g.responder = responder_order[g.responder];
  }
  std::sort(out.countries.begin(), out.countries.end(),
            [](const CountryGroup& a, const CountryGroup& b) { return a.country < b.country; });
  for (CountryGroup& c : out.countries) {
    for (size_t& r : c.responders) r = responder_order[r];
    std::sort(c.asns.begin(), c.asns.end());
    c.asns.erase(std::unique(c.asns.begin(), c.asns.end()), c.asns.end());
    std::sort(c.responders.begin(), c.responders.end());
    c.responders.erase(std::unique(c.responders.begin(), c.responders.end()), c.responders.end());
  }
  out.stats.group_seconds = Seconds(start);
  return out;
}

}  // namespace aiip::mitigation
