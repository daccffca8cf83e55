// From 1,000,000 attacking addresses to per-responder covering prefixes, beside peers.
//
// Loads Debian's location.db through the attribution engine's libloc loader, draws
// --count random sources inside announced space (a uniformly chosen network with an
// origin AS, then a uniform address inside it; --v6-share of them IPv6), and measures:
//
//   ours, grouping      mitigation::GroupSources: batched attribution as of the attack
//                       time, grouping per (AS, country), responder assignment through a
//                       synthetic registry (an operator for every third ASN, a CSIRT for
//                       every country but a few, else the duty desk)
//   naive grouping      the same attribution and grouping done one address at a time:
//                       AttributionSet::Attribute, then insertions into std::map per ASN,
//                       per country and per responder (how a first implementation would)
//   ours, aggregation   mitigation::Aggregate per responder with --budget prefixes, and
//                       with an unbounded budget (the exact CIDR cover)
//   python collapse     ipaddress.collapse_addresses over the same per-responder lists, in
//                       a python3 subprocess (parsing the text timed apart); its prefix
//                       count must equal our exact cover's
//
// Each timing is the best of --repeat runs. Run a release build:
//   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build-rel mitigation_bench
//   build-rel/bin/mitigation_bench [--db PATH] [--count N] [--budget N] [--v6-share F] [--repeat R]

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/time.h"
#include "response/attribution/dataset.h"
#include "response/attribution/libloc_loader.h"
#include "response/mitigation/aggregate.h"
#include "response/mitigation/grouping.h"

namespace aiip::mitigation {
namespace {

namespace fs = std::filesystem;
using attribution::IpAddress;
using attribution::Uint128;
using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::string db{attribution::kDefaultLocationDb};
  size_t count = 1'000'000;
  size_t budget = 16;
  double v6_share = 0.1;
  int repeat = 3;
};

double Since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

template <typename Fn>
double Best(int repeat, Fn fn) {
  double best = 1e300;
  for (int i = 0; i < repeat; ++i) {
    const auto start = SteadyClock::now();
    fn();
    best = std::min(best, Since(start));
  }
  return best;
}

std::vector<IpAddress> DrawSources(const attribution::Table& table, const Options& o) {
  std::vector<uint32_t> v4_networks;
  std::vector<uint32_t> v6_networks;
  for (uint32_t i = 0; i < table.network_count(); ++i) {
    const attribution::NetworkInfo n = table.network(i);
    if (n.asn == 0) continue;
    (n.prefix.address.is_v4() ? v4_networks : v6_networks).push_back(i);
  }
  std::mt19937_64 rng(20260301);
  std::vector<IpAddress> out;
  out.reserve(o.count);
  const auto v6_count = static_cast<size_t>(static_cast<double>(o.count) * o.v6_share);
  for (size_t i = 0; i < o.count; ++i) {
    const bool v6 = i < v6_count;
    const auto& pool = v6 ? v6_networks : v4_networks;
    const attribution::NetworkInfo n = table.network(pool[rng() % pool.size()]);
    const Uint128 random = (Uint128{rng()} << 64) | rng();
    const Uint128 host_mask = n.prefix.last() - n.prefix.address.bits();
    const Uint128 bits = n.prefix.address.bits() | (random & host_mask);
    out.push_back(v6 ? IpAddress::V6(bits) : IpAddress::V4(static_cast<uint32_t>(bits)));
  }
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

ResponderDirectory SyntheticRegistry() {
  ResponderDirectory d;
  d.operator_for_asn = [](uint32_t asn) -> std::optional<Responder> {
    if (asn % 3 != 0) return std::nullopt;
    return Responder{"op-" + std::to_string(asn), "Operator of AS" + std::to_string(asn)};
  };
  d.csirt_for_country = [](std::string_view country) -> std::optional<Responder> {
    if (country.empty() || country == "ZZ" || country == "A1" || country == "XD") return std::nullopt;
    return Responder{"csirt-" + std::string(country), "National CSIRT " + std::string(country)};
  };
  d.duty_desk = Responder{"duty-desk", "Agency duty desk"};
  return d;
}

// The per-address baseline: one Attribute call and map insertions per source.
size_t NaiveGrouping(const std::vector<IpAddress>& sources, const attribution::AttributionSet& set,
                     SystemTime at, const ResponderDirectory& directory) {
  std::map<std::pair<uint32_t, std::string>, std::vector<IpAddress>> by_as;
  std::map<std::string, uint64_t> by_country;
  for (const IpAddress& a : sources) {
    auto attributed = set.Attribute(a, at);
    uint32_t asn = 0;
    std::string country;
    if (attributed && attributed->answer.found()) {
      const attribution::NetworkInfo n = attributed->dataset->table->network(attributed->answer.network);
      asn = n.asn;
      country = std::string(n.country);
    }
    by_as[{asn, country}].push_back(a);
    ++by_country[country];
  }
  std::map<std::string, std::vector<IpAddress>> by_responder;
  for (auto& [key, list] : by_as) {
    auto& target = by_responder[Assign(directory, key.first, key.second).responder.id];
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    target.insert(target.end(), list.begin(), list.end());
  }
  return by_responder.size() + by_country.size();
}

constexpr const char* kPythonScript = R"PY(
import gc, ipaddress, sys, time
gc.disable()  # the peer at its fastest: no cycle collection over a million objects
t0 = time.perf_counter()
groups = []
for block in open(sys.argv[1]).read().split('\n\n'):
    addrs = [ipaddress.ip_address(l) for l in block.split('\n') if l]
    if addrs:
        groups.append(([a for a in addrs if a.version == 4], [a for a in addrs if a.version == 6]))
t1 = time.perf_counter()
prefixes = 0
for v4, v6 in groups:
    prefixes += sum(1 for _ in ipaddress.collapse_addresses(v4))
    prefixes += sum(1 for _ in ipaddress.collapse_addresses(v6))
t2 = time.perf_counter()
print(len(groups), prefixes, t1 - t0, t2 - t1)
)PY";

struct PythonResult {
  bool ran = false;
  std::string why;
  size_t groups = 0;
  size_t prefixes = 0;
  double parse_seconds = 0;
  double collapse_seconds = 0;
};

PythonResult RunPython(const Grouping& g) {
  PythonResult r;
  if (std::system("command -v python3 >/dev/null 2>&1") != 0) {
    r.why = "python3 not found";
    return r;
  }
  const fs::path dir = fs::temp_directory_path() / ("mitigation_bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path list = dir / "sources.txt";
  const fs::path script = dir / "collapse.py";
  {
    std::ofstream out(list);
    for (size_t i = 0; i < g.responders.size(); ++i) {
      for (const IpAddress& a : g.SourcesOf(i)) {
        // Python's ipaddress keeps ::ffff:a.b.c.d as IPv6; write the IPv4 form, as we cover it.
        if (auto m = a.MappedV4()) {
          out << IpAddress::V4(*m).ToString() << '\n';
        } else {
          out << a.ToString() << '\n';
        }
      }
      out << '\n';
    }
    std::ofstream(script) << kPythonScript;
  }
  const std::string command = "python3 " + script.string() + " " + list.string();
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char line[256] = {};
    if (std::fgets(line, sizeof line, pipe) != nullptr &&
        std::sscanf(line, "%zu %zu %lf %lf", &r.groups, &r.prefixes, &r.parse_seconds, &r.collapse_seconds) ==
            4) {
      r.ran = true;
    } else {
      r.why = "python3 gave no result";
    }
    pclose(pipe);
  }
  fs::remove_all(dir);
  return r;
}

int Run(const Options& o) {
  std::printf(
      "mitigation_bench: %zu sources (%.0f %% IPv6), budget %zu prefixes per responder, best of %d\n\n",
      o.count, o.v6_share * 100, o.budget, o.repeat);
  auto loaded = attribution::LoadLocationDb(o.db);
  if (!loaded) {
    std::fprintf(stderr, "cannot load %s: %s\n", o.db.c_str(), loaded.error().ToString().c_str());
    return 1;
  }
  std::printf("location db      %s: %zu IPv4 + %zu IPv6 networks, read %.2f s, build %.2f s\n", o.db.c_str(),
              loaded->stats.v4_networks, loaded->stats.v6_networks, loaded->stats.read_seconds,
              loaded->stats.build_seconds);
  attribution::AttributionSet set;
  const SystemTime created = loaded->info.created_at;
  if (Status s = set.Add(loaded->info, loaded->table); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  const SystemTime attack_time = created + std::chrono::hours(1);
  auto start = SteadyClock::now();
  const std::vector<IpAddress> sources = DrawSources(*loaded->table, o);
  std::printf("sources drawn    %.2f s\n\n", Since(start));
  const ResponderDirectory registry = SyntheticRegistry();

  // Grouping: ours and the naive baseline.
  Result<Grouping> grouping = Err(Internal("not run"));
  double attribute_best = 1e300;
  double group_best = 1e300;
  const double ours = Best(o.repeat, [&] {
    grouping = GroupSources(sources, set, attack_time, registry);
    if (!grouping) return;
    attribute_best = std::min(attribute_best, grouping->stats.attribute_seconds);
    group_best = std::min(group_best, grouping->stats.group_seconds);
  });
  if (!grouping) {
    std::fprintf(stderr, "%s\n", grouping.error().ToString().c_str());
    return 1;
  }
  const Grouping& g = *grouping;
  size_t rungs[3] = {0, 0, 0};
  for (const ResponderGroup& r : g.responders) ++rungs[static_cast<int>(r.assignment.rung)];
  std::printf("grouping         %zu unique sources (%zu duplicates, %zu unattributed), dataset %s\n",
              g.sources, g.duplicates, g.unattributed, g.dataset_id.c_str());
  std::printf(
      "                 %zu (AS, country) groups, %zu countries, %zu responders: %zu operators, %zu CSIRTs, "
      "%zu duty desk\n",
      g.as_groups.size(), g.countries.size(), g.responders.size(), rungs[0], rungs[1], rungs[2]);
  size_t naive_groups = 0;
  const double naive =
      Best(o.repeat, [&] { naive_groups = NaiveGrouping(sources, set, attack_time, registry); });
  std::printf("  %-34s %8.3f s  %6.1f M sources/s  (attribute %.3f s, group %.3f s)\n",
              "ours (batched, dense arrays)", ours, static_cast<double>(o.count) / ours / 1e6, attribute_best,
              group_best);
  std::printf("  %-34s %8.3f s  %6.1f M sources/s  ratio %.1fx  (%zu groups: %s)\n",
              "naive (per address, std::map)", naive, static_cast<double>(o.count) / naive / 1e6,
              naive / ours, naive_groups,
              naive_groups == g.responders.size() + g.countries.size() ? "same" : "DIFFERENT");

  // Aggregation per responder.
  std::vector<std::vector<IpAddress>> lists;
  for (size_t r = 0; r < g.responders.size(); ++r) lists.push_back(g.SourcesOf(r));
  size_t budget_prefixes = 0;
  size_t exact_prefixes = 0;
  size_t exceeded = 0;
  size_t largest = 0;
  Uint128 over = 0;
  Uint128 over_v4 = 0;
  const double aggregate = Best(o.repeat, [&] {
    budget_prefixes = exact_prefixes = exceeded = largest = 0;
    over = over_v4 = 0;
    for (const auto& list : lists) {
      auto a = Aggregate(list, o.budget);
      budget_prefixes += a->prefixes.size();
      exact_prefixes += a->exact_prefixes;
      exceeded += a->budget_exceeded;
      largest = std::max(largest, list.size());
      const Uint128 room = ~Uint128{0} - over;
      over = a->over_coverage > room ? ~Uint128{0} : over + a->over_coverage;
      for (const CoveringPrefix& p : a->prefixes) {
        if (p.prefix.address.is_v4()) over_v4 += p.over_coverage;
      }
    }
  });
  size_t unbounded_prefixes = 0;
  const double exact = Best(o.repeat, [&] {
    unbounded_prefixes = 0;
    for (const auto& list : lists) unbounded_prefixes += Aggregate(list, list.size() + 2)->prefixes.size();
  });
  std::printf("\naggregation      %zu responders (largest %zu sources)\n", lists.size(), largest);
  std::printf(
      "  %-34s %8.3f s  %zu prefixes, over-coverage %s addresses (IPv4 %s), %zu responders over budget\n",
      ("ours, budget " + std::to_string(o.budget)).c_str(), aggregate, budget_prefixes,
      CountToString(over).c_str(), CountToString(over_v4).c_str(), exceeded);
  std::printf("  %-34s %8.3f s  %zu prefixes (exact cover counted during the budgeted run: %zu)\n",
              "ours, unbounded (exact cover)", exact, unbounded_prefixes, exact_prefixes);
  const PythonResult py = RunPython(g);
  if (py.ran) {
    std::printf("  %-34s %8.3f s  %zu prefixes (%s), ratio %.1fx; parsing the lists %.3f s more\n",
                "python ipaddress.collapse_addresses", py.collapse_seconds, py.prefixes,
                py.prefixes == unbounded_prefixes ? "same count" : "DIFFERENT count",
                py.collapse_seconds / exact, py.parse_seconds);
  } else {
    std::printf("  %-34s not run: %s\n", "python ipaddress.collapse_addresses", py.why.c_str());
  }
  std::printf("\nend to end (ours) group + aggregate: %.3f s for %zu sources\n", ours + aggregate, o.count);
  return 0;
}

}  // namespace
}  // namespace aiip::mitigation

int main(int argc, char** argv) {
  aiip::mitigation::Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--db") {
      o.db = value();
    } else if (arg == "--count") {
      o.count = std::stoul(value());
    } else if (arg == "--budget") {
      o.budget = std::stoul(value());
    } else if (arg == "--v6-share") {
      o.v6_share = std::stod(value());
    } else if (arg == "--repeat") {
      o.repeat = std::stoi(value());
    } else {
      std::fprintf(stderr, "usage: %s [--db PATH] [--count N] [--budget N] [--v6-share F] [--repeat R]\n",
                   argv[0]);
      return 2;
    }
  }
  return aiip::mitigation::Run(o);
}
