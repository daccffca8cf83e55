// Version comparisons per second, per ecosystem, over the real test vectors in
// ../shared/data/versions/ (each "a <op> b" line is one comparison of two strings, parsed
// every time as the matcher does), beside the peers that run on this machine, measured in
// the same run:
//  - Debian: libapt-pkg's debVS.CmpVersion (what apt and dpkg --compare-versions use);
//  - Red Hat: librpmio's rpmverParse + rpmverCmp (epoch:version-release, as rpm does);
//  - PyPI: python3-packaging's Version (parse both, compare), run as a subprocess over the
//    same PEP 440 pairs; it reports its own timing.
// For every peer the summary also says on how many vector lines it agrees with the expected
// answer. Build with -DCMAKE_BUILD_TYPE=Release; without a peer's package the summary says so.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "advisories/versions/ecosystem.h"
#include "advisories/versions/version.h"

#ifdef AIIP_HAVE_APT_PKG
#include <apt-pkg/debversion.h>
#endif
#ifdef AIIP_HAVE_RPM
#include <rpm/rpmver.h>
#endif

namespace {

using aiip::advisories::CompareVersions;
using aiip::advisories::Ecosystem;

struct Pair {
  std::string a;
  std::string b;
  int want;  // -1, 0, 1
};

struct Group {
  Ecosystem ecosystem;
  std::vector<Pair> pairs;
};

int Sign(int v) { return (v > 0) - (v < 0); }

// The vector files grouped by ecosystem (the first word of the file name).
std::map<std::string, Group> LoadVectors() {
  static const std::map<std::string, Ecosystem> kByPrefix = {
      {"alpine", Ecosystem::kAlpine},       {"cran", Ecosystem::kCran},
      {"debian", Ecosystem::kDebian},       {"hackage", Ecosystem::kHackage},
      {"maven", Ecosystem::kMaven},         {"nuget", Ecosystem::kNuGet},
      {"packagist", Ecosystem::kPackagist}, {"pub", Ecosystem::kPub},
      {"pypi", Ecosystem::kPyPI},           {"redhat", Ecosystem::kRedHat},
      {"rubygems", Ecosystem::kRubyGems},   {"semver", Ecosystem::kNpm},
  };
  std::map<std::string, Group> groups;
  const std::filesystem::path dir(AIIP_SOURCE_DIR "/../shared/data/versions");
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const auto it = kByPrefix.find(name.substr(0, name.find('-')));
    if (it == kByPrefix.end()) continue;
    Group& group = groups[std::string(aiip::advisories::EcosystemName(it->second))];
    group.ecosystem = it->second;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line.starts_with("#") || line.starts_with("//")) continue;
      const size_t first = line.find(' ');
      if (first == std::string::npos || first + 3 > line.size()) continue;
      const char op = line[first + 1];
      group.pairs.push_back(
          {line.substr(0, first), line.substr(first + 3), op == '<' ? -1 : (op == '>' ? 1 : 0)});
    }
  }
  return groups;
}

const std::map<std::string, Group>& Vectors() {
  static const std::map<std::string, Group> groups = LoadVectors();
  return groups;
}

// The PyPI pairs that are PEP 440 on both sides (python3-packaging >= 22 refuses the rest).
const std::vector<Pair>& Pep440Pairs() {
  static const std::vector<Pair> pairs = [] {
    std::vector<Pair> out;
    for (const Pair& p : Vectors().at("PyPI").pairs) {
      if (aiip::advisories::IsValidVersion(Ecosystem::kPyPI, p.a) &&
          aiip::advisories::IsValidVersion(Ecosystem::kPyPI, p.b)) {
        out.push_back(p);
      }
    }
    return out;
  }();
  return pairs;
}

void RunOurs(benchmark::State& state, Ecosystem ecosystem, const std::vector<Pair>* pairs) {
  for (auto _ : state) {
    for (const Pair& p : *pairs) benchmark::DoNotOptimize(CompareVersions(ecosystem, p.a, p.b));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * pairs->size()));
}

// A peer: how it compares one pair, and whether it is there at all.
struct Peer {
  std::string name;
  std::string ecosystem;
  int (*compare)(const std::string&, const std::string&);
};

#ifdef AIIP_HAVE_APT_PKG
int AptCompare(const std::string& a, const std::string& b) { return debVS.CmpVersion(a, b); }
#endif
#ifdef AIIP_HAVE_RPM
int RpmCompare(const std::string& a, const std::string& b) {
  rpmver x = rpmverParse(a.c_str());
  rpmver y = rpmverParse(b.c_str());
  const int c = x != nullptr && y != nullptr ? rpmverCmp(x, y) : 0;
  rpmverFree(x);
  rpmverFree(y);
  return c;
}
#endif

std::vector<Peer> InProcessPeers() {
  std::vector<Peer> peers;
#ifdef AIIP_HAVE_APT_PKG
  peers.push_back({"libapt-pkg debVS.CmpVersion", "Debian", AptCompare});
#endif
#ifdef AIIP_HAVE_RPM
  peers.push_back({"librpmio rpmverParse+rpmverCmp", "Red Hat", RpmCompare});
#endif
  return peers;
}

void RunPeer(benchmark::State& state, const Peer* peer, const std::vector<Pair>* pairs) {
  for (auto _ : state) {
    for (const Pair& p : *pairs) benchmark::DoNotOptimize(peer->compare(p.a, p.b));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * pairs->size()));
}

struct PythonResult {
  bool ran = false;
  std::string why;  // when it did not run
  long pairs = 0;
  double per_second = 0;
  long agree = 0;
};

// python3-packaging over the PEP 440 pairs: parse both and compare, repeated for ~1 s.
PythonResult RunPython() {
  PythonResult result;
  const std::filesystem::path input =
      std::filesystem::temp_directory_path() / "aiip_versions_bench_pairs.txt";
  {
    std::ofstream out(input);
    for (const Pair& p : Pep440Pairs()) out << p.a << '\t' << p.b << '\t' << p.want << '\n';
  }
  static constexpr const char* kScript = R"PY(
import sys, time
try:
    from packaging.version import Version
except ImportError:
    print("missing"); sys.exit(0)
pairs = []
for line in open(sys.argv[1]):
    a, b, want = line.rstrip("\n").split("\t")
    pairs.append((a, b, int(want)))
agree = 0
for a, b, want in pairs:
    x, y = Version(a), Version(b)
    agree += ((x > y) - (x < y)) == want
n = 0
start = time.perf_counter()
while time.perf_counter() - start < 1.0:
    for a, b, _ in pairs:
        Version(a) < Version(b)
    n += len(pairs)
elapsed = time.perf_counter() - start
print(len(pairs), n / elapsed, agree)
)PY";
  const std::filesystem::path script = std::filesystem::temp_directory_path() / "aiip_versions_bench.py";
  std::ofstream(script) << kScript;
  const std::string command = "/usr/bin/python3 " + script.string() + " " + input.string() + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (pipe == nullptr) {
    result.why = "cannot start /usr/bin/python3";
    return result;
  }
  std::string output;
  char buffer[256];
  while (fgets(buffer, sizeof buffer, pipe.get()) != nullptr) output += buffer;
  std::istringstream in(output);
  if (!(in >> result.pairs >> result.per_second >> result.agree)) {
    result.why =
        output.starts_with("missing") ? "python3-packaging is not installed" : "python3 said: " + output;
    return result;
  }
  result.ran = true;
  return result;
}

// Keeps each benchmark's items/s for the summary.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      const auto it = run.counters.find("items_per_second");
      if (it != run.counters.end()) rates_[run.benchmark_name()] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  double Rate(const std::string& name) const {
    const auto it = rates_.find(name);
    return it == rates_.end() ? 0 : it->second;
  }

 private:
  std::map<std::string, double> rates_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const std::vector<Peer> peers = InProcessPeers();
  for (const auto& [name, group] : Vectors()) {
    benchmark::RegisterBenchmark(("aiip/" + name).c_str(), RunOurs, group.ecosystem, &group.pairs);
  }
  benchmark::RegisterBenchmark("aiip/PyPI (PEP 440 pairs)", RunOurs, Ecosystem::kPyPI, &Pep440Pairs());
  for (const Peer& peer : peers) {
    benchmark::RegisterBenchmark(("peer/" + peer.name).c_str(), RunPeer, &peer,
                                 &Vectors().at(peer.ecosystem).pairs);
  }
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const PythonResult python = RunPython();

  std::printf("\n%-12s %8s %16s   %s\n", "ecosystem", "pairs", "aiip cmp/s", "peer (same run, same pairs)");
  for (const auto& [name, group] : Vectors()) {
    std::string peer_text = "no peer on this machine";
    for (const Peer& peer : peers) {
      if (peer.ecosystem != name) continue;
      long agree = 0;
      for (const Pair& p : group.pairs) agree += Sign(peer.compare(p.a, p.b)) == p.want ? 1 : 0;
      char text[200];
      std::snprintf(text, sizeof text, "%s: %.3g cmp/s (agrees on %ld of %zu lines)", peer.name.c_str(),
                    reporter.Rate("peer/" + peer.name), agree, group.pairs.size());
      peer_text = text;
    }
    std::printf("%-12s %8zu %16.3g   %s\n", name.c_str(), group.pairs.size(), reporter.Rate("aiip/" + name),
                peer_text.c_str());
  }
  std::string python_text;
  if (python.ran) {
    char text[200];
    std::snprintf(text, sizeof text, "python3-packaging Version: %.3g cmp/s (agrees on %ld of %ld lines)",
                  python.per_second, python.agree, python.pairs);
    python_text = text;
  } else {
    python_text = "python3-packaging did not run: " + python.why;
  }
  std::printf("%-12s %8zu %16.3g   %s\n", "PyPI 440", Pep440Pairs().size(),
              reporter.Rate("aiip/PyPI (PEP 440 pairs)"), python_text.c_str());
  benchmark::Shutdown();
  return 0;
}
