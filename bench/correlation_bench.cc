// Incident correlation at scale: 1,000,000 indicators over 100,000 synthetic reports built from
// real values — addresses inside the networks of the IPFire location database (`location
// dump`), those networks themselves, URLs and their domains from the OSV advisories in
// ../shared/data — drawn with Zipf-skewed popularity so that values repeat and some
// over-correlate. Prints, for aiip::correlation::Index: build time, distinct values, heap bytes
// per distinct value, resident-memory growth, and Correlate latency; and beside it, in the same
// run, the peer: a MISP-style correlation table (one row per correlated pair) in SQLite
// in-memory holding exactly the same correlations, with its row count, memory and query latency,
// plus the number of rows the pair table would need without the correlation limit.
//
// Run from a release build:  build-rel/bin/correlation_bench [reports] [indicators-per-report]
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "incidents/correlation/correlation.h"
#include "incidents/correlation/ip_key.h"

namespace c = aiip::incidents::correlation;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// CPU time of this thread: immune to the preemption a shared machine adds to wall-clock tails.
double ThreadMicros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * 4096;
}

// Popularity: index i of a pool is drawn with probability proportional to 1/(i+1)^s.
class Zipf {
 public:
  Zipf(size_t n, double s) : cdf_(n) {
    double total = 0;
    for (size_t i = 0; i < n; ++i) cdf_[i] = total += 1.0 / std::pow(static_cast<double>(i + 1), s);
    for (double& v : cdf_) v /= total;
  }
  size_t operator()(std::mt19937_64& rng) const {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return std::min<size_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin(), cdf_.size() - 1);
  }

 private:
  std::vector<double> cdf_;
};

struct Sources {
  std::vector<c::IpKey> v4_networks, v6_networks;
  std::vector<std::string> urls, domains;
};

Sources LoadSources() {
  Sources s;
  FILE* pipe = popen("location dump 2>/dev/null", "r");
  if (pipe != nullptr) {
    char line[512];
    while (fgets(line, sizeof line, pipe) != nullptr) {
      if (std::strncmp(line, "net:", 4) != 0) continue;
      std::string text(line + 4);
      text.erase(0, text.find_first_not_of(' '));
      text.erase(text.find_last_not_of(" \n") + 1);
      const bool v6 = text.find(':') != std::string::npos;
      auto key = c::ParseIpKey(text, v6 ? 6 : 4);
      if (!key.has_value()) continue;
      (v6 ? s.v6_networks : s.v4_networks).push_back(*key);
    }
    pclose(pipe);
  }
  std::set<std::string> urls, domains;
  for (const std::string dir : {"osv-go", "osv-pypi"}) {
    const auto root = std::filesystem::path(AIIP_SOURCE_DIR) / ".." / "shared" / "data" / "advisories" / dir;
    if (!std::filesystem::exists(root)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path());
      std::stringstream buffer;
      buffer << in.rdbuf();
      const std::string text = buffer.str();
      for (size_t at = text.find("\"url\": \""); at != std::string::npos;
           at = text.find("\"url\": \"", at + 1)) {
        const size_t start = at + 8, end = text.find('"', start);
        if (end == std::string::npos) break;
        auto url = c::Canonicalise("url", text.substr(start, end - start));
        if (!url.has_value()) continue;
        urls.insert(url->value);
        const size_t host = url->value.find("://") + 3;
        const size_t stop = url->value.find_first_of("/:?#", host);
        auto domain = c::Canonicalise("domain", url->value.substr(host, stop - host));
        if (domain.has_value()) domains.insert(domain->value);
      }
    }
  }
  s.urls.assign(urls.begin(), urls.end());
  s.domains.assign(domains.begin(), domains.end());
  return s;
}

// Value pools per type, each shuffled so that popularity is not ordered by address or name.
struct Pools {
  std::vector<c::Indicator> v4, v4net, v6, v6net, domain, url, email, hash;
};

c::IpKey HostIn(const c::IpKey& net, std::mt19937_64& rng) {
  c::IpKey key = net;
  const c::IpKey last = c::LastOf(net);
  key.hi |= rng() & (last.hi ^ net.hi);
  key.lo |= rng() & (last.lo ^ net.lo);
  key.length = key.MaxLength();
  return key;
}

Pools MakePools(const Sources& s, std::mt19937_64& rng) {
  Pools p;
  auto ind = [](c::IndicatorType t, std::string v) { return c::Indicator{t, std::move(v)}; };
  std::vector<c::IpKey> v4 = s.v4_networks, v6 = s.v6_networks;
  std::shuffle(v4.begin(), v4.end(), rng);
  std::shuffle(v6.begin(), v6.end(), rng);
  for (size_t i = 0; i < 400000 && !v4.empty(); ++i) {
    p.v4.push_back(ind(c::IndicatorType::kIpv4,
                       c::FormatIpKey(HostIn(v4[i % std::min<size_t>(v4.size(), 60000)], rng))));
  }
  for (size_t i = 0; i < 40000 && i < v4.size(); ++i) {
    if (v4[i].length >= 16) p.v4net.push_back(ind(c::IndicatorType::kIpv4, c::FormatIpKey(v4[i])));
  }
  for (size_t i = 0; i < 60000 && !v6.empty(); ++i) {
    p.v6.push_back(ind(c::IndicatorType::kIpv6,
                       c::FormatIpKey(HostIn(v6[i % std::min<size_t>(v6.size(), 20000)], rng))));
  }
  for (size_t i = 0; i < 10000 && i < v6.size(); ++i) {
    if (v6[i].length >= 32) p.v6net.push_back(ind(c::IndicatorType::kIpv6, c::FormatIpKey(v6[i])));
  }
  for (size_t i = 0; i < 150000 && !s.domains.empty(); ++i) {
    const std::string& base = s.domains[i % s.domains.size()];
    p.domain.push_back(
        ind(c::IndicatorType::kDomain, i < s.domains.size() ? base : "h" + std::to_string(i) + "." + base));
  }
  for (size_t i = 0; i < 120000 && !s.urls.empty(); ++i) {
    const std::string& base = s.urls[i % s.urls.size()];
    p.url.push_back(ind(c::IndicatorType::kUrl,
                        i < s.urls.size() ? base
                                          : base + (base.find('?') == std::string::npos ? "?v=" : "&v=") +
                                                std::to_string(i)));
  }
  for (size_t i = 0; i < 50000 && !s.domains.empty(); ++i) {
    p.email.push_back(ind(c::IndicatorType::kEmail,
                          "user" + std::to_string(i) + "@" + s.domains[(i * 7) % s.domains.size()]));
  }
  for (size_t i = 0; i < 300000; ++i) {
    char hex[65];
    for (int k = 0; k < 4; ++k) std::snprintf(hex + 16 * k, 17, "%016" PRIx64, rng());
    p.hash.push_back(ind(c::IndicatorType::kSha256, hex));
  }
  for (auto* pool : {&p.v4, &p.v4net, &p.v6, &p.v6net, &p.domain, &p.url, &p.email, &p.hash}) {
    std::shuffle(pool->begin(), pool->end(), rng);
  }
  return p;
}

struct Latency {
  double p50 = 0, p99 = 0, max = 0, mean = 0;
};

Latency Summarise(std::vector<double> micros) {
  std::sort(micros.begin(), micros.end());
  Latency l;
  l.p50 = micros[micros.size() / 2];
  l.p99 = micros[micros.size() * 99 / 100];
  l.max = micros.back();
  double total = 0;
  for (double m : micros) total += m;
  l.mean = total / static_cast<double>(micros.size());
  return l;
}

void Check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "sqlite: %s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const size_t reports = argc > 1 ? std::stoul(argv[1]) : 100000;
  const size_t per_report = argc > 2 ? std::stoul(argv[2]) : 10;
  const uint32_t limit = 100;
  std::mt19937_64 rng(2024);

  auto t = Clock::now();
  const Sources sources = LoadSources();
  if (sources.v4_networks.empty() || sources.urls.empty()) {
    std::fprintf(stderr, "needs `location dump` (package location) and ../shared/data/advisories\n");
    return 1;
  }
  const Pools pools = MakePools(sources, rng);
  std::printf(
      "sources: %zu IPv4 and %zu IPv6 networks (location.db), %zu URLs and %zu domains (OSV advisories); "
      "%.1f s\n",
      sources.v4_networks.size(), sources.v6_networks.size(), sources.urls.size(), sources.domains.size(),
      Seconds(t));

  // The mix of indicator types per report, and Zipf(0.9) popularity inside each pool.
  struct Kind {
    const std::vector<c::Indicator>* pool;
    double share;
  };
  const std::vector<Kind> kinds = {{&pools.v4, 0.33},    {&pools.v4net, 0.05},  {&pools.v6, 0.05},
                                   {&pools.v6net, 0.02}, {&pools.domain, 0.17}, {&pools.url, 0.13},
                                   {&pools.email, 0.05}, {&pools.hash, 0.20}};
  std::vector<Zipf> popularity;
  std::vector<double> shares;
  for (const Kind& k : kinds) {
    popularity.emplace_back(k.pool->size(), 0.9);
    shares.push_back(k.share);
  }
  std::discrete_distribution<size_t> kind_of(shares.begin(), shares.end());
  std::vector<std::string> ids(reports);
  std::vector<std::vector<c::Indicator>> contents(reports);
  for (size_t r = 0; r < reports; ++r) {
    ids[r] = "inc_" + std::to_string(1000000 + r);
    for (size_t i = 0; i < per_report; ++i) {
      const size_t k = kind_of(rng);
      contents[r].push_back((*kinds[k].pool)[popularity[k](rng)]);
    }
  }

  // ---- aiip: the interned-value index.
  const uint64_t rss_before = ResidentBytes();
  c::Index index(c::Options{.correlation_limit = limit});
  t = Clock::now();
  for (size_t r = 0; r < reports; ++r) index.Put(ids[r], contents[r]);
  const double build = Seconds(t);
  const uint64_t rss_after = ResidentBytes();
  const c::IndexStats stats = index.Stats();
  std::printf("\n%zu indicators over %zu reports, correlation limit %u\n", reports * per_report, reports,
              limit);
  std::printf("aiip index:  build %.2f s (%.0f indicators/s); %" PRIu64 " distinct values, %" PRIu64
              " addresses/networks in the key space, %" PRIu64 " over-correlating\n",
              build, static_cast<double>(reports * per_report) / build, stats.distinct_values,
              stats.network_keys, stats.over_correlating);
  std::printf(
      "             heap %.1f MB: values %.1f MB = %.1f bytes per distinct value (key, record, slot, "
      "postings,"
      " address key); reports %.1f MB = %.1f bytes per report; resident growth %.1f MB\n",
      static_cast<double>(stats.bytes) / 1e6, static_cast<double>(stats.value_bytes) / 1e6,
      static_cast<double>(stats.value_bytes) / static_cast<double>(stats.distinct_values),
      static_cast<double>(stats.report_bytes) / 1e6,
      static_cast<double>(stats.report_bytes) / static_cast<double>(stats.reports),
      static_cast<double>(rss_after - rss_before) / 1e6);

  std::vector<size_t> sample(10000);
  for (size_t& s : sample) s = rng() % reports;
  std::vector<double> micros;
  uint64_t matches = 0;
  std::vector<double> answer_sizes;
  const c::Visible all = [](std::string_view) { return true; };
  std::vector<double> cpu;
  for (size_t r : sample) {
    const auto start = Clock::now();
    const double cpu_start = ThreadMicros();
    auto result = index.Correlate(ids[r], all);
    cpu.push_back(ThreadMicros() - cpu_start);
    micros.push_back(Seconds(start) * 1e6);
    uint64_t n = 0;
    for (const auto& v : result->by_indicator) n += v.matches.size();
    matches += n;
    answer_sizes.push_back(static_cast<double>(n));
  }
  const Latency sizes = Summarise(answer_sizes);
  Latency ours = Summarise(micros);
  Latency ours_cpu = Summarise(cpu);
  std::printf(
      "             Correlate (all visible): p50 %.1f us, p99 %.1f us, max %.1f us, mean %.1f us; matches"
      " per query: mean %.1f, p50 %.0f, p99 %.0f, max %.0f\n",
      ours.p50, ours.p99, ours.max, ours.mean,
      static_cast<double>(matches) / static_cast<double>(sample.size()), sizes.p50, sizes.p99, sizes.max);
  std::printf("             Correlate CPU time: p50 %.1f us, p99 %.1f us, max %.1f us\n", ours_cpu.p50,
              ours_cpu.p99, ours_cpu.max);
  micros.clear();
  const c::Visible some = [](std::string_view id) { return (id.back() - '0') % 3 != 0; };
  for (size_t r : sample) {
    const auto start = Clock::now();
    auto result = index.Correlate(ids[r], some);
    micros.push_back(Seconds(start) * 1e6);
  }
  Latency filtered = Summarise(micros);
  std::printf("             Correlate (2/3 visible): p50 %.1f us, p99 %.1f us\n", filtered.p50, filtered.p99);

  // ---- Peer: a MISP-style correlation table holding the same correlations, one row per pair.
  // Rows without the limit: sum over exact values of n(n-1)/2 (CIDR pairs not even counted).
  std::unordered_map<std::string, uint64_t> holders;
  for (const auto& content : contents) {
    std::set<std::string> distinct;
    for (const auto& i : content) distinct.insert(std::string(c::TypeName(i.type)) + "|" + i.value);
    for (const auto& v : distinct) ++holders[v];
  }
  uint64_t unlimited_pairs = 0, max_holders = 0;
  for (const auto& [v, n] : holders) {
    unlimited_pairs += n * (n - 1) / 2;
    max_holders = std::max(max_holders, n);
  }
  holders.clear();

  sqlite3* db = nullptr;
  sqlite3_open(":memory:", &db);
  const int64_t sqlite_before = sqlite3_memory_used();
  Check(sqlite3_exec(db,
                     "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                     "CREATE TABLE correlations (id INTEGER PRIMARY KEY, value TEXT NOT NULL,"
                     " report_a TEXT NOT NULL, value_b TEXT NOT NULL, report_b TEXT NOT NULL);",
                     nullptr, nullptr, nullptr),
        db, "create");
  sqlite3_stmt* insert = nullptr;
  Check(sqlite3_prepare_v2(
            db, "INSERT INTO correlations (value, report_a, value_b, report_b) VALUES (?, ?, ?, ?)", -1,
            &insert, nullptr),
        db, "prepare insert");
  t = Clock::now();
  uint64_t rows = 0;
  Check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
  for (size_t r = 0; r < reports; ++r) {
    auto result = index.Correlate(ids[r], all);
    for (const auto& v : result->by_indicator) {
      for (const auto& m : v.matches) {
        if (m.report <= ids[r]) continue;  // one row per unordered pair
        sqlite3_bind_text(insert, 1, v.indicator.value.c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_text(insert, 2, ids[r].c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_text(insert, 3, m.value.c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_text(insert, 4, m.report.c_str(), -1, SQLITE_STATIC);
        Check(sqlite3_step(insert), db, "insert");
        sqlite3_reset(insert);
        ++rows;
      }
    }
  }
  Check(sqlite3_exec(db,
                     "CREATE INDEX correlations_a ON correlations (report_a);"
                     "CREATE INDEX correlations_b ON correlations (report_b); COMMIT",
                     nullptr, nullptr, nullptr),
        db, "index");
  const double peer_build = Seconds(t);
  sqlite3_finalize(insert);
  const int64_t sqlite_bytes = sqlite3_memory_used() - sqlite_before;
  std::printf("\npeer (MISP-style pair table, SQLite :memory:, same correlations): %" PRIu64
              " rows, %.1f MB"
              " (%.1f bytes per row, %.1f x the aiip index); filled from the index and indexed in %.2f s\n",
              rows, static_cast<double>(sqlite_bytes) / 1e6,
              rows > 0 ? static_cast<double>(sqlite_bytes) / static_cast<double>(rows) : 0.0,
              static_cast<double>(sqlite_bytes) / static_cast<double>(stats.bytes), peer_build);
  std::printf("             without the correlation limit the table would need >= %" PRIu64
              " rows (exact values only; the most shared value is held by %" PRIu64 " reports)\n",
              unlimited_pairs, max_holders);

  sqlite3_stmt* query = nullptr;
  Check(sqlite3_prepare_v2(db,
                           "SELECT value, report_b, value_b FROM correlations WHERE report_a = ?1 UNION ALL "
                           "SELECT value_b, report_a, value FROM correlations WHERE report_b = ?1",
                           -1, &query, nullptr),
        db, "prepare query");
  micros.clear();
  cpu.clear();
  uint64_t peer_matches = 0;
  for (size_t r : sample) {
    const auto start = Clock::now();
    const double cpu_start = ThreadMicros();
    sqlite3_bind_text(query, 1, ids[r].c_str(), -1, SQLITE_STATIC);
    std::vector<std::string> got;
    while (sqlite3_step(query) == SQLITE_ROW) {
      got.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(query, 1)));
      ++peer_matches;
    }
    sqlite3_reset(query);
    cpu.push_back(ThreadMicros() - cpu_start);
    micros.push_back(Seconds(start) * 1e6);
  }
  sqlite3_finalize(query);
  Latency peer = Summarise(micros);
  Latency peer_cpu = Summarise(cpu);
  std::printf(
      "             query by report: p50 %.1f us, p99 %.1f us, max %.1f us, mean %.1f us; %.1f "
      "rows/query%s\n",
      peer.p50, peer.p99, peer.max, peer.mean,
      static_cast<double>(peer_matches) / static_cast<double>(sample.size()),
      peer_matches == matches ? " (same answers)" : " (ANSWERS DIFFER)");
  std::printf("             query CPU time: p50 %.1f us, p99 %.1f us, max %.1f us\n", peer_cpu.p50,
              peer_cpu.p99, peer_cpu.max);
  sqlite3_close(db);
  return peer_matches == matches ? 0 : 2;
}
