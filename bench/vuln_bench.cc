// The vulnerability clearinghouse measured on the real data of ../shared/data, each figure
// beside the peers that run on this machine in the same run:
//  1. ingest: all advisories (parse on 2 threads, then merge and index), documents/s and MB/s;
//     peer: @renovatebot/osv-offline building its index over the same OSV files;
//  2. `aiip vuln scan` per SBOM (SBOM parse + match, advisories already loaded); peers: the
//     per-component SQL lookup Dependency-Track performs (SQLite in-memory table of advisory
//     ranges, one indexed query per component, versions compared in C++), and osv-offline's
//     per-package query (which returns candidates only: it does no version matching);
//  3. alerts: 100,000 synthetic inventories built from real package names and versions (the
//     SBOMs' components and versions named by the advisories), the RSS they take, and the
//     time from one new advisory (parse, Upsert, AffectedInventories, DiffFindings) to the
//     list of inventories to alert, p50/p99 over held-out real advisories; peer: rescanning
//     every inventory (what scheduled re-analysis does), measured on a sample and scaled.
//
// Usage: vuln_bench [--inventories N] [--alerts M] [--no-node]
// The osv-offline peer needs `npm install @renovatebot/osv-offline` in var/bench-peers/ (the
// bench says so when it is missing); it runs with OSV_OFFLINE_DISABLE_DOWNLOAD=true on nedb
// files this program writes from the same OSV documents.

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "advisories/inventory/inventory.h"
#include "advisories/inventory/purl.h"
#include "advisories/matcher/database.h"
#include "advisories/matcher/formats.h"
#include "advisories/matcher/matcher.h"
#include "advisories/versions/ecosystem.h"
#include "advisories/versions/range.h"
#include "advisories/versions/version.h"

namespace {

namespace adv = aiip::advisories;
namespace fs = std::filesystem;
namespace bj = boost::json;
using Clock = std::chrono::steady_clock;

const std::string kData = std::string(AIIP_SOURCE_DIR) + "/../shared/data/";
const std::string kPeers = std::string(AIIP_SOURCE_DIR) + "/var/bench-peers/";

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i =
      std::min(v.size() - 1, static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())) - 1));
  return v[i];
}

size_t RssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

std::vector<std::string> SbomFiles() {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(kData + "sbom")) {
    if (entry.is_regular_file() && entry.path().extension() == ".json")
      files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// --- Dependency-Track's way: one SQL query per component over a table of ranges. ---

class SqlPeer {
 public:
  explicit SqlPeer(const adv::VulnerabilityDatabase& db) {
    sqlite3_open(":memory:", &sql_);
    Exec(
        "CREATE TABLE affected (pkg TEXT NOT NULL, vuln TEXT NOT NULL, semver INTEGER NOT NULL, "
        "introduced TEXT, fixed TEXT, last_affected TEXT, version TEXT)");
    Exec("BEGIN");
    sqlite3_stmt* insert = nullptr;
    sqlite3_prepare_v2(sql_, "INSERT INTO affected VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &insert, nullptr);
    const auto reader = db.Read();
    for (const adv::Vulnerability* v : reader.All()) {
      for (const adv::SourceRecord& source : v->sources) {
        if (!source.withdrawn.empty()) continue;
        for (const adv::Affected& affected : source.record->affected) {
          if (affected.status != adv::ProductStatus::kAffected) continue;
          std::string key = adv::PackageKeyOf(affected.ecosystem, affected.name);
          if (key.empty() && !affected.purl.empty()) key = adv::PackageKeyOfPurl(affected.purl);
          if (key.empty()) continue;
          auto row = [&](bool semver, const std::string& intro, const std::string& fixed,
                         const std::string& last, const std::string& version) {
            sqlite3_bind_text(insert, 1, key.c_str(), -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(insert, 2, v->id.c_str(), -1, SQLITE_TRANSIENT);
            sqlite3_bind_int(insert, 3, semver ? 1 : 0);
            auto text = [&](int i, const std::string& s) {
              if (s.empty()) {
                sqlite3_bind_null(insert, i);
              } else {
                sqlite3_bind_text(insert, i, s.c_str(), -1, SQLITE_TRANSIENT);
              }
            };
            text(4, intro);
            text(5, fixed);
            text(6, last);
            text(7, version);
            sqlite3_step(insert);
            sqlite3_reset(insert);
            ++rows_;
          };
          for (const adv::Range& range : affected.ranges) {
            if (range.type == adv::Range::Type::kGit) continue;
            std::string intro;
            bool open = false;
            for (const adv::RangeEvent& e : range.events) {
              if (e.kind == adv::RangeEvent::Kind::kIntroduced) {
                if (open) row(range.type == adv::Range::Type::kSemver, intro, "", "", "");
                intro = e.version == "0" ? "" : e.version;
                open = true;
              } else if (open) {
                row(range.type == adv::Range::Type::kSemver, intro,
                    e.kind == adv::RangeEvent::Kind::kLastAffected ? "" : e.version,
                    e.kind == adv::RangeEvent::Kind::kLastAffected ? e.version : "", "");
                open = false;
              }
            }
            if (open) row(range.type == adv::Range::Type::kSemver, intro, "", "", "");
          }
          for (const std::string& version : affected.versions) row(false, "", "", "", version);
        }
      }
    }
    sqlite3_finalize(insert);
    Exec("COMMIT");
    Exec("CREATE INDEX affected_pkg ON affected (pkg)");
    sqlite3_prepare_v2(
        sql_, "SELECT vuln, semver, introduced, fixed, last_affected, version FROM affected WHERE pkg = ?",
        -1, &query_, nullptr);
  }
  ~SqlPeer() {
    sqlite3_finalize(query_);
    sqlite3_close(sql_);
  }

  // Distinct (component, vulnerability) pairs found.
  size_t Scan(const adv::Inventory& inventory) {
    size_t findings = 0;
    for (const adv::Component& component : inventory.components) {
      if (component.purl.empty() || component.version.empty()) continue;
      auto purl = adv::ParsePurl(component.purl);
      if (!purl) continue;
      const std::string key = adv::PackageKeyOfPurl(component.purl);
      const adv::Ecosystem ecosystem = adv::EcosystemFromPurl(purl->type, purl->namespace_);
      std::set<std::string> vulns;
      sqlite3_bind_text(query_, 1, key.c_str(), -1, SQLITE_TRANSIENT);
      while (sqlite3_step(query_) == SQLITE_ROW) {
        auto col = [&](int i) -> std::string {
          const unsigned char* t = sqlite3_column_text(query_, i);
          return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t));
        };
        const bool semver = sqlite3_column_int(query_, 1) != 0;
        auto cmp = [&](const std::string& a, const std::string& b) {
          return semver ? adv::CompareSemver(a, b) : adv::CompareVersions(ecosystem, a, b);
        };
        const std::string intro = col(2), fixed = col(3), last = col(4), version = col(5);
        bool hit;
        if (!version.empty()) {
          hit = cmp(component.version, version) == 0;
        } else {
          hit = (intro.empty() || cmp(component.version, intro) >= 0) &&
                (fixed.empty() || cmp(component.version, fixed) < 0) &&
                (last.empty() || cmp(component.version, last) <= 0);
        }
        if (hit) vulns.insert(col(0));
      }
      sqlite3_reset(query_);
      findings += vulns.size();
    }
    return findings;
  }
  size_t rows() const { return rows_; }

 private:
  void Exec(const char* statement) { sqlite3_exec(sql_, statement, nullptr, nullptr, nullptr); }
  sqlite3* sql_ = nullptr;
  sqlite3_stmt* query_ = nullptr;
  size_t rows_ = 0;
};

// --- @renovatebot/osv-offline. ---

constexpr const char* kNodeDriver = R"JS(
import { OsvOfflineDb } from '@renovatebot/osv-offline-db';
import fs from 'node:fs';
const groups = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const db = OsvOfflineDb.create();
let t = performance.now();
for (const ecosystem of ['Go', 'PyPI']) await db.query(ecosystem, '\u0000warm-up');
const index_ms = performance.now() - t;
const out = { index_ms, sboms: [] };
for (const group of groups) {
  const times = [];
  let candidates = 0;
  for (let round = 0; round < 5; ++round) {
    t = performance.now();
    candidates = 0;
    for (const [ecosystem, name] of group.packages) candidates += (await db.query(ecosystem, name)).length;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  out.sboms.push({ name: group.name, ms: times[2], queries: group.packages.length, candidates });
}
db[Symbol.dispose]();
console.log(JSON.stringify(out));
)JS";

std::string OsvOfflinePurl(const std::string& ecosystem, std::string name) {
  std::string type = ecosystem == "Go" ? "golang" : "pypi";
  std::string out = "pkg:" + type + "/";
  // encodeURIComponent per '/'-separated part, as osv-offline does.
  for (char c : name) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) ||
                      std::string_view("-_.!~*'()/").find(c) != std::string_view::npos;
    if (keep) {
      out += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  return out;
}

// Writes go.nedb and pypi.nedb (one OSV document per line, package.purl added where missing,
// as osv-offline's own database has it) from the same OSV files.
void WriteNedb(const std::string& dir) {
  fs::create_directories(dir);
  for (const auto& [folder, file] :
       {std::pair<std::string, std::string>{"osv-go", "go.nedb"}, {"osv-pypi", "pypi.nedb"}}) {
    std::ofstream out(dir + "/" + file);
    std::vector<fs::path> paths;
    for (const auto& entry : fs::directory_iterator(kData + "advisories/" + folder))
      paths.push_back(entry.path());
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      bj::value doc = bj::parse(ReadFile(path.string()));
      if (auto* affected = doc.as_object().if_contains("affected")) {
        for (auto& a : affected->as_array()) {
          auto* package = a.as_object().if_contains("package");
          if (package == nullptr || package->as_object().contains("purl")) continue;
          auto& p = package->as_object();
          p["purl"] =
              OsvOfflinePurl(std::string(p["ecosystem"].as_string()), std::string(p["name"].as_string()));
        }
      }
      out << bj::serialize(doc) << '\n';
    }
  }
}

// Runs the osv-offline driver on the SBOMs' Go and PyPI packages; returns its JSON or null.
bj::value RunOsvOffline(const std::vector<std::pair<std::string, adv::Inventory>>& sboms) {
  if (!fs::exists(kPeers + "node_modules/@renovatebot/osv-offline-db")) {
    std::printf(
        "  osv-offline: not installed (cd var/bench-peers && npm install @renovatebot/osv-offline); peer "
        "skipped\n");
    return nullptr;
  }
  const std::string db_dir = kPeers + "osv-offline-db";
  WriteNedb(db_dir);
  bj::array groups;
  for (const auto& [name, inventory] : sboms) {
    bj::array packages;
    for (const adv::Component& c : inventory.components) {
      const std::string key = adv::PackageKeyOfPurl(c.purl);
      for (const char* eco : {"Go", "PyPI"}) {
        const std::string prefix = std::string(eco) + ":";
        if (key.starts_with(prefix)) packages.push_back(bj::array{eco, key.substr(prefix.size())});
      }
    }
    groups.push_back(bj::object{{"name", name}, {"packages", packages}});
  }
  std::ofstream(kPeers + "vuln_bench_groups.json") << bj::serialize(groups);
  std::ofstream(kPeers + "vuln_bench_driver.mjs") << kNodeDriver;
  const std::string command = "cd '" + kPeers +
                              "' && OSV_OFFLINE_DISABLE_DOWNLOAD=true OSV_OFFLINE_ROOT_DIR='" + db_dir +
                              "' node vuln_bench_driver.mjs vuln_bench_groups.json 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return nullptr;
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  if (status != 0 || output.empty()) {
    std::printf("  osv-offline: the driver failed (exit %d); peer skipped\n", status);
    return nullptr;
  }
  return bj::parse(output);
}

// --- Synthetic inventories from real names and versions. ---

std::string GoPurl(const std::string& module, const std::string& version) {
  adv::Purl purl;
  purl.type = "golang";
  const size_t slash = module.rfind('/');
  if (slash != std::string::npos) {
    purl.namespace_ = module.substr(0, slash);
    purl.name = module.substr(slash + 1);
  } else {
    purl.name = module;
  }
  purl.version = version.starts_with("v") ? version : "v" + version;
  return adv::FormatPurl(purl);
}

std::string PypiPurl(const std::string& name, const std::string& version) {
  adv::Purl purl;
  purl.type = "pypi";
  purl.name = name;
  purl.version = version;
  auto parsed = adv::ParsePurl(adv::FormatPurl(purl));
  return parsed ? adv::FormatPurl(*parsed) : std::string();
}

// (purl, version) of packages and versions the advisories name: every introduced, fixed and
// last_affected version and every listed version.
std::vector<adv::Component> AdvisoryComponents(const std::vector<adv::Document>& documents) {
  std::set<std::string> seen;
  std::vector<adv::Component> out;
  for (const adv::Document& d : documents) {
    for (const adv::Record& r : d.records) {
      for (const adv::Affected& a : r.affected) {
        if (a.ecosystem != "Go" && a.ecosystem != "PyPI") continue;
        std::vector<std::string> versions = a.versions;
        for (const adv::Range& range : a.ranges) {
          for (const adv::RangeEvent& e : range.events) {
            if (e.version != "0") versions.push_back(e.version);
          }
        }
        for (const std::string& v : versions) {
          const std::string purl = a.ecosystem == "Go" ? GoPurl(a.name, v) : PypiPurl(a.name, v);
          if (purl.empty() || !seen.insert(purl).second) continue;
          adv::Component c;
          c.purl = purl;
          c.name = a.name;
          c.version = a.ecosystem == "Go" && !v.starts_with("v") ? "v" + v : v;
          out.push_back(std::move(c));
        }
      }
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  size_t inventory_count = 100000;
  size_t alert_count = 300;
  bool node = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--inventories" && i + 1 < argc) inventory_count = std::stoull(argv[++i]);
    if (arg == "--alerts" && i + 1 < argc) alert_count = std::stoull(argv[++i]);
    if (arg == "--no-node") node = false;
  }
  std::printf("vuln_bench: the vulnerability clearinghouse on ../shared/data (2 cores)\n\n");

  // 1. Ingest.
  std::printf("1. Ingest of every advisory in ../shared/data/advisories (parse + merge + index)\n");
  const std::vector<std::string> roots = {kData + "advisories"};
  auto t0 = Clock::now();
  auto tree = adv::LoadAdvisoryTree(roots, 2);
  const auto t_parse = Clock::now() - t0;
  if (!tree) return 1;
  std::vector<adv::Document> all_documents = tree->documents;
  adv::VulnerabilityDatabase db;
  t0 = Clock::now();
  for (adv::Document& document : tree->documents) (void)db.Upsert(std::move(document));
  const auto t_merge = Clock::now() - t0;
  const double mb = static_cast<double>(tree->bytes) / 1e6;
  const double total_s = (Ms(t_parse) + Ms(t_merge)) / 1000;
  {
    const auto reader = db.Read();
    std::printf(
        "  input: %zu files, %.1f MB; %zu documents accepted, %zu rejected (pinned), %zu records -> %zu "
        "vulnerabilities\n",
        tree->files, mb, all_documents.size(), tree->errors.size(), reader.record_count(),
        reader.vulnerability_count());
  }
  std::printf("  ours: parse %.0f ms (2 threads) + merge/index %.0f ms = %.0f documents/s, %.1f MB/s\n",
              Ms(t_parse), Ms(t_merge), static_cast<double>(tree->files) / total_s, mb / total_s);

  // 2. Scans.
  std::printf(
      "\n2. aiip vuln scan per SBOM (read + SBOM parse + match against all advisories; median of 21)\n");
  t0 = Clock::now();
  SqlPeer sql(db);
  std::printf(
      "  Dependency-Track-style peer: %zu range rows in SQLite (in-memory, indexed), built in %.0f ms\n",
      sql.rows(), Ms(Clock::now() - t0));
  std::vector<std::pair<std::string, adv::Inventory>> sboms;
  std::printf("  %-55s %6s %8s %10s %12s\n", "SBOM", "comps", "findings", "ours ms", "SQL peer ms");
  for (const std::string& file : SbomFiles()) {
    std::vector<double> ours, peer;
    size_t findings = 0, components = 0, peer_findings = 0;
    for (int round = 0; round < 21; ++round) {
      t0 = Clock::now();
      const std::string bytes = ReadFile(file);
      auto inventory = adv::ParseInventory(bytes);
      if (!inventory) break;
      const adv::ScanResult result = adv::Scan(*inventory, db);
      ours.push_back(Ms(Clock::now() - t0));
      findings = result.findings.size();
      components = inventory->components.size();
      t0 = Clock::now();
      auto again = adv::ParseInventory(ReadFile(file));
      peer_findings = sql.Scan(*again);
      peer.push_back(Ms(Clock::now() - t0));
      if (round == 0) sboms.emplace_back(fs::path(file).filename().string(), std::move(*inventory));
    }
    std::printf("  %-55s %6zu %8zu %10.2f %12.2f  (peer finds %zu)\n",
                fs::path(file).filename().string().c_str(), components, findings, Median(ours), Median(peer),
                peer_findings);
  }
  if (node) {
    const bj::value offline = RunOsvOffline(sboms);
    if (offline.is_object()) {
      std::printf(
          "  @renovatebot/osv-offline (node %s): index of the same %zu Go+PyPI OSV files built in %.0f ms;\n",
          "v20", static_cast<size_t>(2494 + 2557), offline.at("index_ms").to_number<double>());
      std::printf("    candidate lookup only (no version matching), median of 5:\n");
      for (const auto& s : offline.at("sboms").as_array()) {
        std::printf("    %-55s %6lld queries %8.2f ms  (%lld candidate advisories)\n",
                    std::string(s.at("name").as_string()).c_str(),
                    static_cast<long long>(s.at("queries").as_int64()), s.at("ms").to_number<double>(),
                    static_cast<long long>(s.at("candidates").as_int64()));
      }
    }
  }

  // 3. Alerts.
  std::printf("\n3. Alerts: %zu synthetic inventories from real names and versions\n", inventory_count);
  std::mt19937_64 random(42);
  std::vector<adv::Document> osv;
  for (const adv::Document& d : all_documents) {
    if (d.format == adv::SourceFormat::kOsv) osv.push_back(d);
  }
  std::shuffle(osv.begin(), osv.end(), random);
  const size_t held = std::min(alert_count, osv.size() / 4);
  std::set<std::string> held_ids;
  for (size_t i = 0; i < held; ++i) held_ids.insert(osv[i].id);
  std::vector<adv::Component> advisory_pool = AdvisoryComponents(all_documents);
  std::shuffle(advisory_pool.begin(), advisory_pool.end(), random);
  // Popularity: Zipf-like over the shuffled pool, so a few packages are in many inventories.
  std::vector<double> weights(advisory_pool.size());
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = 1.0 / static_cast<double>(i + 1);
  std::discrete_distribution<size_t> popular(weights.begin(), weights.end());

  adv::VulnerabilityDatabase alert_db;
  for (const adv::Document& d : all_documents) {
    if (d.format != adv::SourceFormat::kOsv || !held_ids.contains(d.id)) (void)alert_db.Upsert(d);
  }
  const size_t rss_before = RssBytes();
  adv::InventoryIndex index;
  std::vector<adv::Inventory> sample;
  size_t components_total = 0;
  t0 = Clock::now();
  for (size_t n = 0; n < inventory_count; ++n) {
    adv::Inventory inventory;
    const adv::Inventory& base = sboms[random() % sboms.size()].second;
    const size_t from_sbom = std::min(base.components.size(), static_cast<size_t>(20 + random() % 180));
    for (size_t k = 0; k < from_sbom; ++k)
      inventory.components.push_back(base.components[random() % base.components.size()]);
    const size_t from_advisories = 5 + random() % 36;
    for (size_t k = 0; k < from_advisories; ++k)
      inventory.components.push_back(advisory_pool[popular(random)]);
    components_total += inventory.components.size();
    index.Put("inv-" + std::to_string(n), inventory);
    if (sample.size() < 1000) sample.push_back(std::move(inventory));
  }
  const double put_ms = Ms(Clock::now() - t0);
  size_t sample_bytes = 0;
  for (const auto& inv : sample) {
    for (const auto& c : inv.components)
      sample_bytes += sizeof c + c.purl.capacity() + c.name.capacity() + c.version.capacity();
  }
  const size_t rss_after = RssBytes();
  std::printf(
      "  %zu inventories, %zu components (%zu indexed, %zu distinct identities), registered in %.0f ms\n",
      index.size(), components_total, index.entry_count(), index.interned_count(), put_ms);
  std::printf(
      "  memory: RSS +%.0f MB for the inventory index (+ ~%.0f MB of the 1,000 sample inventories kept for "
      "the rescan peer); target < 2048 MB\n",
      static_cast<double>(rss_after - rss_before) / 1e6 - static_cast<double>(sample_bytes) / 1e6,
      static_cast<double>(sample_bytes) / 1e6);

  // Each held-out advisory arrives once; on its change set both forms are timed: the compact
  // AffectedHolders (what the alert path needs) and AffectedInventories (every holder's
  // findings copied out) followed by DiffFindings.
  std::vector<double> latencies, materialised, affected_counts;
  size_t alerts_total = 0, with_alerts = 0;
  double worst_ms = 0;
  std::array<double, 2> worst{};
  for (size_t i = 0; i < held; ++i) {
    const std::string bytes = ReadFile(osv[i].source_name);
    t0 = Clock::now();
    auto document = adv::ParseAdvisory(bytes, osv[i].source_name);
    if (!document) continue;
    auto changes = alert_db.Upsert(std::move(*document));
    if (!changes) continue;
    const auto t_upserted = Clock::now();
    const adv::AffectedSet set = adv::AffectedHolders(*changes, alert_db, index);
    size_t alerts = 0;
    // A new advisory: the inventories held no finding about it before.
    for (const auto& holder : set.holders) alerts += adv::AlertsOnNew(set, holder) ? 1 : 0;
    latencies.push_back(Ms(Clock::now() - t0));
    if (latencies.back() > worst_ms) {
      worst_ms = latencies.back();
      worst = {Ms(t_upserted - t0), Ms(Clock::now() - t_upserted)};
    }
    affected_counts.push_back(static_cast<double>(set.holders.size()));
    alerts_total += alerts;
    if (alerts > 0) ++with_alerts;

    const auto t1 = Clock::now();
    auto full = adv::AffectedInventories(*changes, alert_db, index);
    for (auto& item : full) (void)adv::DiffFindings({}, std::move(item.findings), *changes);
    materialised.push_back(Ms(Clock::now() - t1) + Ms(t_upserted - t0));
  }
  std::printf(
      "  new advisory -> inventories to alert, %zu held-out real OSV advisories (holders re-matched per "
      "advisory: p50 %.0f, p99 %.0f, max %.0f; %zu advisories alerted %zu inventories in all):\n",
      latencies.size(), Percentile(affected_counts, 0.5), Percentile(affected_counts, 0.99),
      Percentile(affected_counts, 1.0), with_alerts, alerts_total);
  std::printf(
      "    ours (parse + Upsert + AffectedHolders + alert test): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max "
      "%.2f "
      "ms (slowest: parse + Upsert %.2f ms, holders %.2f ms)\n",
      Percentile(latencies, 0.5), Percentile(latencies, 0.9), Percentile(latencies, 0.99),
      Percentile(latencies, 1.0), worst[0], worst[1]);
  std::printf(
      "    ours with every holder's findings copied out (AffectedInventories + DiffFindings): p50 %.2f ms, "
      "p99 %.2f ms, max %.2f ms\n",
      Percentile(materialised, 0.5), Percentile(materialised, 0.99), Percentile(materialised, 1.0));

  // Peer: rescanning everything, as scheduled re-analysis does.
  t0 = Clock::now();
  for (const auto& inv : sample) (void)adv::Scan(inv, alert_db);
  const double our_rescan = Ms(Clock::now() - t0) / static_cast<double>(sample.size());
  t0 = Clock::now();
  SqlPeer alert_sql(alert_db);
  const double sql_build = Ms(Clock::now() - t0);
  t0 = Clock::now();
  const size_t sql_sample = std::min<size_t>(sample.size(), 200);
  for (size_t i = 0; i < sql_sample; ++i) (void)alert_sql.Scan(sample[i]);
  const double sql_rescan = Ms(Clock::now() - t0) / static_cast<double>(sql_sample);
  std::printf(
      "    peer, rescan of every inventory per advisory: per-component SQL %.2f ms/inventory -> %.1f s for "
      "%zu (measured on %zu, scaled; table built in %.0f ms); our Scan %.2f ms/inventory -> %.1f s\n",
      sql_rescan, sql_rescan * static_cast<double>(inventory_count) / 1000, inventory_count, sql_sample,
      sql_build, our_rescan, our_rescan * static_cast<double>(inventory_count) / 1000);
  return 0;
}
