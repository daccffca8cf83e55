// Attribution lookups beside their peers, on the same addresses and the same networks.
//
// Loads Debian's location.db (libloc) into an attribution::Table (read and build time,
// memory), draws N random IPv4 addresses uniformly over the announced IPv4 space (uniform
// 32-bit numbers, rejected when no network covers them) and N random IPv6 addresses each
// uniform inside a uniformly chosen IPv6 network (uniform over the IPv6 address space
// would land almost only in the few largest blocks), and measures lookups per second on
// one core for:
//
//   this engine      Table::Lookup4/Lookup6 one at a time, and Table::LookupBatch
//   libloc           loc_database_lookup (the C API of the database itself)
//   libmaxminddb     MMDB_lookup_sockaddr on an MMDB written from the same networks by
//                    bench/attribution_mmdb.pl (MaxMind::DB::Writer::Tree), cached in var/
//   pyasn            pyasn.lookup in a Python subprocess (kPyasnScript below) on an
//                    IPASN file of the same networks, cached in var/
//
// Every answer of every peer is compared with ours (network, and AS and country where
// the peer has them); the table reports the mismatches. A peer that cannot run is
// reported with the reason. Each timing is the best of --repeat runs.
//
// Run a release build:
//   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build-rel attribution_bench
//   build-rel/bin/attribution_bench [--db PATH] [--count N] [--repeat R] [--var DIR] [--no-peers]

#include <arpa/inet.h>
#include <maxminddb.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "response/attribution/libloc_c.h"
#include "response/attribution/libloc_loader.h"
#include "response/attribution/table.h"

namespace aiip::attribution {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string db{kDefaultLocationDb};
  size_t count = 1'000'000;
  int repeat = 5;
  fs::path var = fs::path(AIIP_SOURCE_DIR) / "var" / "attribution";
  bool peers = true;
};

// CPU time of the calling thread: the machine may be shared, and "per core" means per
// second the core actually spent on the lookups.
double ThreadSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Lookups per CPU second of `run` (which performs `n` lookups), best of `repeat`.
double Rate(size_t n, int repeat, const std::function<void()>& run) {
  double best = 1e30;
  for (int r = 0; r < repeat; ++r) {
    const double start = ThreadSeconds();
    run();
    best = std::min(best, ThreadSeconds() - start);
  }
  return static_cast<double>(n) / best;
}

in6_addr ToIn6(Uint128 bits) {
  in6_addr a{};
  for (int i = 0; i < 16; ++i) a.s6_addr[i] = static_cast<uint8_t>(bits >> (8 * (15 - i)));
  return a;
}

Uint128 Mapped(uint32_t v4) { return (Uint128{0xffff} << 32) | v4; }

// Our answer as "prefix asn country" (the peers' answers are reduced to the same form).
std::string Describe(const Table& table, Answer a, bool with_country = true) {
  if (!a.found()) return "none";
  const NetworkInfo n = table.network(a.network);
  std::string s = n.prefix.ToString() + " " + std::to_string(n.asn);
  if (with_country) s += " " + (n.country.empty() ? std::string("-") : std::string(n.country));
  return s;
}

struct PeerResult {
  explicit PeerResult(std::string n, bool r = false) : name(std::move(n)), ran(r) {}
  std::string name;
  double v4 = 0;
  double v6 = 0;
  size_t mismatches = 0;
  size_t compared = 0;
  std::string note;
  bool ran = false;
};

int RunCommand(const std::vector<std::string>& argv) {
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::_Exit(127);
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// ------------------------------------------------------------------ libloc

PeerResult BenchLibloc(const Options& opt, const Table& table, const std::vector<uint32_t>& v4,
                       const std::vector<Uint128>& v6) {
  PeerResult result("libloc loc_database_lookup");
  loc_ctx* ctx = nullptr;
  loc_new(&ctx);
  FILE* f = std::fopen(opt.db.c_str(), "r");
  loc_database* db = nullptr;
  if (f == nullptr || loc_database_new(ctx, &db, f) != 0) {
    result.note = "cannot open " + opt.db;
    if (f != nullptr) std::fclose(f);
    loc_unref(ctx);
    return result;
  }
  std::vector<in6_addr> a4(v4.size()), a6(v6.size());
  for (size_t i = 0; i < v4.size(); ++i) a4[i] = ToIn6(Mapped(v4[i]));
  for (size_t i = 0; i < v6.size(); ++i) a6[i] = ToIn6(v6[i]);
  auto run = [db](const std::vector<in6_addr>& addresses) {
    for (const in6_addr& a : addresses) {
      loc_network* network = nullptr;
      loc_database_lookup(db, &a, &network);
      if (network != nullptr) loc_network_unref(network);
    }
  };
  // libloc is slow enough that one run is a long sample.
  result.v4 = Rate(a4.size(), 1, [&] { run(a4); });
  result.v6 = Rate(a6.size(), 1, [&] { run(a6); });

  auto check = [&](const in6_addr& a, Answer ours) {
    loc_network* network = nullptr;
    loc_database_lookup(db, &a, &network);
    std::string reference = "none";
    if (network != nullptr) {
      const char* cc = loc_network_get_country_code(network);
      reference = std::string(loc_network_str(network)) + " " + std::to_string(loc_network_get_asn(network)) +
                  " " + (cc == nullptr || *cc == '\0' ? "-" : cc);
      loc_network_unref(network);
    }
    ++result.compared;
    if (reference != Describe(table, ours) && ++result.mismatches <= 5) {
      std::fprintf(stderr, "libloc mismatch: %s != %s\n", reference.c_str(), Describe(table, ours).c_str());
    }
  };
  for (size_t i = 0; i < v4.size(); ++i) check(a4[i], table.Lookup4(v4[i]));
  for (size_t i = 0; i < v6.size(); ++i) check(a6[i], table.Lookup6(v6[i]));
  result.ran = true;
  loc_database_unref(db);
  std::fclose(f);
  loc_unref(ctx);
  return result;
}

// ------------------------------------------------------------------ MMDB and pyasn inputs

// "prefix asn country" for every network, least specific first (the MMDB writer lets a
// later, more specific network override part of an earlier one).
bool WriteNetworks(const Table& table, const fs::path& path) {
  std::vector<NetworkIndex> order(table.network_count());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<NetworkIndex>(i);
  auto v6_length = [&](NetworkIndex i) {
    const Prefix p = table.network(i).prefix;
    return p.address.is_v4() ? p.length + 96 : p.length;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](NetworkIndex a, NetworkIndex b) { return v6_length(a) < v6_length(b); });
  std::ofstream out(path.string() + ".tmp");
  for (NetworkIndex i : order) out << Describe(table, Answer{i}) << "\n";
  out.close();
  if (!out) return false;
  fs::rename(path.string() + ".tmp", path);
  return true;
}

// ------------------------------------------------------------------ libmaxminddb

PeerResult BenchMaxmind(const Options& opt, const std::string& key, const fs::path& networks,
                        const Table& table, const std::vector<uint32_t>& v4, const std::vector<Uint128>& v6) {
  PeerResult result("libmaxminddb MMDB_lookup_sockaddr");
  const fs::path mmdb = opt.var / (key + ".mmdb");
  const fs::path script = fs::path(AIIP_SOURCE_DIR) / "bench" / "attribution_mmdb.pl";
  if (!fs::exists(mmdb)) {
    std::printf("writing %s with MaxMind::DB::Writer::Tree (once; cached)...\n", mmdb.c_str());
    std::fflush(stdout);
    const auto start = Clock::now();
    const int rc = RunCommand({"/usr/bin/perl", script.string(), networks.string(), mmdb.string()});
    if (rc != 0) {
      result.note = "bench/attribution_mmdb.pl failed (exit " + std::to_string(rc) +
                    "); is libmaxmind-db-writer-perl installed?";
      return result;
    }
    std::printf("  written in %.1f s\n", std::chrono::duration<double>(Clock::now() - start).count());
  }
  MMDB_s db;
  if (MMDB_open(mmdb.c_str(), MMDB_MODE_MMAP, &db) != MMDB_SUCCESS) {
    result.note = "MMDB_open failed on " + mmdb.string();
    return result;
  }
  std::vector<sockaddr_in> s4(v4.size());
  std::vector<sockaddr_in6> s6(v6.size());
  for (size_t i = 0; i < v4.size(); ++i) {
    s4[i].sin_family = AF_INET;
    s4[i].sin_addr.s_addr = htonl(v4[i]);
  }
  for (size_t i = 0; i < v6.size(); ++i) {
    s6[i].sin6_family = AF_INET6;
    s6[i].sin6_addr = ToIn6(v6[i]);
  }
  size_t found = 0;
  result.v4 = Rate(s4.size(), opt.repeat, [&] {
    int error = 0;
    for (const auto& s : s4)
      found += MMDB_lookup_sockaddr(&db, reinterpret_cast<const sockaddr*>(&s), &error).found_entry;
  });
  result.v6 = Rate(s6.size(), opt.repeat, [&] {
    int error = 0;
    for (const auto& s : s6)
      found += MMDB_lookup_sockaddr(&db, reinterpret_cast<const sockaddr*>(&s), &error).found_entry;
  });

  auto check = [&](const sockaddr* sa, Answer ours) {
    int error = 0;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&db, sa, &error);
    std::string reference = "none";
    if (error == MMDB_SUCCESS && r.found_entry) {
      MMDB_entry_data_s network{}, asn{}, country{};
      MMDB_get_value(&r.entry, &network, "network", nullptr);
      MMDB_get_value(&r.entry, &asn, "asn", nullptr);
      MMDB_get_value(&r.entry, &country, "country", nullptr);
      reference = (network.has_data ? std::string(network.utf8_string, network.data_size) : "?") + " " +
                  std::to_string(asn.has_data ? asn.uint32 : 0) + " " +
                  (country.has_data ? std::string(country.utf8_string, country.data_size) : "-");
    }
    ++result.compared;
    if (reference != Describe(table, ours) && ++result.mismatches <= 5) {
      std::fprintf(stderr, "libmaxminddb mismatch: %s != %s\n", reference.c_str(),
                   Describe(table, ours).c_str());
    }
  };
  for (size_t i = 0; i < v4.size(); ++i)
    check(reinterpret_cast<const sockaddr*>(&s4[i]), table.Lookup4(v4[i]));
  for (size_t i = 0; i < v6.size(); ++i)
    check(reinterpret_cast<const sockaddr*>(&s6[i]), table.Lookup6(v6[i]));
  MMDB_close(&db);
  result.ran = true;
  if (found == 0) result.note = "found nothing";
  return result;
}

// ------------------------------------------------------------------ pyasn

// The pyasn side, run as `/usr/bin/python3 -c kPyasnScript ...` (Debian's python3-pyasn
// installs for the system interpreter).
constexpr const char* kPyasnScript =
    R"PY("""pyasn column of bench/attribution_bench.cc: python3 -c CODE IPASN ADDRESSES ANSWERS RATES

IPASN is an IPASN data file of the networks of the Table (prefix, tab, ASN). ADDRESSES
starts with the number of IPv4 addresses, then one address per line, IPv4 first. Times
pyasn.lookup over the IPv4 and then the IPv6 addresses (best of 3), writes one answer
per address to ANSWERS ("PREFIX ASN", or "none") and "IPV4_RATE IPV6_RATE" to RATES.
"""
import sys
import time

import pyasn


def best_rate(lookup, addresses, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        start = time.thread_time()
        for a in addresses:
            lookup(a)
        best = min(best, time.thread_time() - start)
    return len(addresses) / best


def main():
    ipasn_path, addresses_path, answers_path, rates_path = sys.argv[1:5]
    db = pyasn.pyasn(ipasn_path)
    with open(addresses_path) as f:
        v4_count = int(f.readline())
        addresses = f.read().split()
    v4, v6 = addresses[:v4_count], addresses[v4_count:]
    rate4 = best_rate(db.lookup, v4)
    rate6 = best_rate(db.lookup, v6)
    with open(answers_path, "w") as out:
        for a in addresses:
            asn, prefix = db.lookup(a)
            if prefix is None:
                out.write("none\n")
            else:
                out.write("%s %d\n" % (prefix, 0 if asn == 4294967295 else asn))
    with open(rates_path, "w") as out:
        out.write("%f %f\n" % (rate4, rate6))


if __name__ == "__main__":
    main()
)PY";

// pyasn refuses AS number 0, so networks without an origin AS carry the reserved
// AS 4294967295 in the IPASN file (and the script writes 0 for it again).
constexpr uint32_t kPyasnNoAs = 4294967295u;

PeerResult BenchPyasn(const Options& opt, const std::string& key, const fs::path& networks,
                      const Table& table, const std::vector<uint32_t>& v4, const std::vector<Uint128>& v6) {
  PeerResult result("pyasn lookup (Python)");
  const fs::path ipasn = opt.var / (key + ".ipasn");
  if (!fs::exists(ipasn)) {
    std::ifstream in(networks);
    std::ofstream out(ipasn.string() + ".tmp");
    out << "; IP-ASN32-DAT file\n; Original file : " << opt.db << "\n;\n";
    std::string prefix, country;
    uint32_t asn = 0;
    while (in >> prefix >> asn >> country) out << prefix << "\t" << (asn == 0 ? kPyasnNoAs : asn) << "\n";
    out.close();
    fs::rename(ipasn.string() + ".tmp", ipasn);
  }
  const fs::path addresses = opt.var / "addresses.txt";
  const fs::path answers = opt.var / "pyasn_answers.txt";
  {
    std::ofstream out(addresses);
    out << v4.size() << "\n";
    for (uint32_t a : v4) out << IpAddress::V4(a).ToString() << "\n";
    for (Uint128 a : v6) out << IpAddress::V6(a).ToString() << "\n";
  }
  const fs::path rates = opt.var / "pyasn_rates.txt";
  const int rc = RunCommand({"/usr/bin/python3", "-c", kPyasnScript, ipasn.string(), addresses.string(),
                             answers.string(), rates.string()});
  if (rc != 0) {
    result.note = "the pyasn script failed (exit " + std::to_string(rc) +
                  "); is python3-pyasn installed for /usr/bin/python3?";
    return result;
  }
  std::ifstream rate_in(rates);
  rate_in >> result.v4 >> result.v6;
  std::ifstream in(answers);
  std::string line;
  auto check = [&](Answer ours) {
    std::getline(in, line);
    ++result.compared;
    // pyasn knows prefixes and AS numbers, not countries.
    if (line != Describe(table, ours, false) && ++result.mismatches <= 5) {
      std::fprintf(stderr, "pyasn mismatch: %s != %s\n", line.c_str(), Describe(table, ours, false).c_str());
    }
  };
  for (uint32_t a : v4) check(table.Lookup4(a));
  for (Uint128 a : v6) check(table.Lookup6(a));
  result.ran = true;
  return result;
}

int Main(int argc, char** argv) {
  Options opt;
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
      opt.db = value();
    } else if (arg == "--count") {
      opt.count = std::stoul(value());
    } else if (arg == "--repeat") {
      opt.repeat = std::max(1, std::stoi(value()));
    } else if (arg == "--var") {
      opt.var = value();
    } else if (arg == "--no-peers") {
      opt.peers = false;
    } else {
      std::fprintf(stderr, "usage: %s [--db PATH] [--count N] [--repeat R] [--var DIR] [--no-peers]\n",
                   argv[0]);
      return 2;
    }
  }

  auto loaded = LoadLocationDb(opt.db);
  if (!loaded) {
    std::fprintf(stderr, "cannot load %s: %s\n", opt.db.c_str(), loaded.error().ToString().c_str());
    return 1;
  }
  const Table& table = *loaded->table;
  const LoadStats& stats = loaded->stats;
  std::printf("dataset  %s\n", loaded->info.id.c_str());
  std::printf("networks %zu IPv4 + %zu IPv6, %zu named ASes (%zu used), %zu countries\n", stats.v4_networks,
              stats.v6_networks, stats.ases, table.as_count(), table.country_count() - 1);
  std::printf("load     read through libloc %.2f s, table build %.2f s, total %.2f s\n", stats.read_seconds,
              stats.build_seconds, stats.read_seconds + stats.build_seconds);
  std::printf("memory   lookup structures %.1f MB (both families), with network/AS/country tables %.1f MB\n",
              static_cast<double>(table.lookup_memory_bytes()) / 1e6,
              static_cast<double>(table.memory_bytes()) / 1e6);

  std::mt19937_64 rng(20240601);
  std::vector<uint32_t> v4;
  v4.reserve(opt.count);
  while (v4.size() < opt.count) {
    const auto a = static_cast<uint32_t>(rng());
    if (table.Lookup4(a).found()) v4.push_back(a);
  }
  std::vector<Uint128> v6;
  v6.reserve(opt.count);
  const size_t v4_networks = table.v4_network_count();
  std::uniform_int_distribution<size_t> pick(v4_networks, table.network_count() - 1);
  while (v6.size() < opt.count) {
    const Prefix p = table.network(static_cast<NetworkIndex>(pick(rng))).prefix;
    const Uint128 random = (Uint128{rng()} << 64) | rng();
    v6.push_back(p.address.bits() | (random & (p.last() - p.address.bits())));
  }
  std::printf(
      "addresses %zu IPv4 (uniform over announced space), %zu IPv6 (uniform in a uniformly chosen "
      "network)\n\n",
      v4.size(), v6.size());

  std::vector<Answer> out4(v4.size()), out6(v6.size());
  uint64_t sink = 0;
  PeerResult single("this engine, single lookups", true);
  single.v4 = Rate(v4.size(), opt.repeat, [&] {
    for (uint32_t a : v4) sink += table.Lookup4(a).network;
  });
  single.v6 = Rate(v6.size(), opt.repeat, [&] {
    for (Uint128 a : v6) sink += table.Lookup6(a).network;
  });
  PeerResult batched("this engine, LookupBatch", true);
  batched.v4 = Rate(v4.size(), opt.repeat, [&] { table.LookupBatch(std::span<const uint32_t>(v4), out4); });
  batched.v6 = Rate(v6.size(), opt.repeat, [&] { table.LookupBatch(std::span<const Uint128>(v6), out6); });
  for (size_t i = 0; i < v4.size(); ++i) batched.mismatches += out4[i] != table.Lookup4(v4[i]);
  for (size_t i = 0; i < v6.size(); ++i) batched.mismatches += out6[i] != table.Lookup6(v6[i]);
  batched.compared = v4.size() + v6.size();
  if (sink == 42) std::printf(" ");

  std::vector<PeerResult> peers;
  if (opt.peers) {
    std::error_code ec;
    fs::create_directories(opt.var, ec);
    // The cached MMDB and IPASN files are named after the dataset.
    std::string key = loaded->info.id;
    std::replace_if(
        key.begin(), key.end(), [](char c) { return c == '/' || c == ':'; }, '_');
    const fs::path networks = opt.var / (key + ".networks");
    if (!fs::exists(networks) && !WriteNetworks(table, networks)) {
      std::fprintf(stderr, "cannot write %s\n", networks.c_str());
      return 1;
    }
    peers.push_back(BenchLibloc(opt, table, v4, v6));
    peers.push_back(BenchMaxmind(opt, key, networks, table, v4, v6));
    peers.push_back(BenchPyasn(opt, key, networks, table, v4, v6));
  }
  const PeerResult* libloc = peers.empty() || !peers[0].ran ? nullptr : &peers[0];

  std::printf("\nlookups per CPU second of one core (best of %d; libloc 1 run)\n", opt.repeat);
  std::printf("%-36s %12s %12s %10s %10s  %s\n", "", "IPv4 M/s", "IPv6 M/s", "IPv4 /lib", "IPv6 /lib",
              "answers differing from ours");
  auto row = [&](const PeerResult& r) {
    if (!r.ran) {
      std::printf("%-36s did not run: %s\n", r.name.c_str(), r.note.c_str());
      return;
    }
    std::string ratio4 = "-", ratio6 = "-";
    if (libloc != nullptr) {
      ratio4 = std::to_string(r.v4 / libloc->v4).substr(0, 6) + "x";
      ratio6 = std::to_string(r.v6 / libloc->v6).substr(0, 6) + "x";
    }
    std::string diff =
        r.compared == 0 ? "-" : std::to_string(r.mismatches) + " of " + std::to_string(r.compared);
    if (!r.note.empty()) diff += " (" + r.note + ")";
    std::printf("%-36s %12.2f %12.2f %10s %10s  %s\n", r.name.c_str(), r.v4 / 1e6, r.v6 / 1e6, ratio4.c_str(),
                ratio6.c_str(), diff.c_str());
  };
  row(single);
  row(batched);
  for (const auto& p : peers) row(p);

  std::printf(
      "\ntargets: batched >= 100 M/s IPv4 (%s), >= 20 M/s IPv6 (%s); >= 10x libloc (%s); build < 3 s (%s); "
      "memory < 128 MB (%s)\n",
      batched.v4 >= 100e6 ? "met" : "NOT met", batched.v6 >= 20e6 ? "met" : "NOT met",
      libloc == nullptr                                                  ? "libloc did not run"
      : (batched.v4 >= 10 * libloc->v4 && batched.v6 >= 10 * libloc->v6) ? "met"
                                                                         : "NOT met",
      stats.build_seconds < 3 ? "met" : "NOT met", table.memory_bytes() < 128'000'000 ? "met" : "NOT met");
  return 0;
}

}  // namespace
}  // namespace aiip::attribution

int main(int argc, char** argv) { return aiip::attribution::Main(argc, argv); }
