// CSAF 2.0 parsing over the real CISA corpus (1,655 documents, 44 MB), from memory:
// ParseCsaf (JSON parse + schema checks + 42 mandatory tests + product tree resolution +
// records; no digest) beside the raw Boost.JSON parse of the same bytes (the floor our
// parser builds on) and, when python3 is installed, Python's json.loads over the same files
// run as a subprocess that times only the parsing (the usual peer for advisory tooling).
// Each figure is the best of N rounds; documents/s and MB/s are printed side by side.
//
//   build-rel/bin/csaf_parse_bench [rounds]
#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "advisories/csaf/csaf.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

template <typename F>
double BestSeconds(int rounds, F&& pass) {
  double best = 1e30;
  for (int r = 0; r < rounds; ++r) {
    const auto start = Clock::now();
    pass();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

void Report(const char* what, double seconds, size_t documents, size_t bytes) {
  std::printf("%-40s %9.0f documents/s %8.1f MB/s  (%.3f s per pass)\n", what, documents / seconds,
              bytes / seconds / 1e6, seconds);
}

// Runs python3 json.loads over the same files, reading them first; prints the best pass.
double PythonSeconds(const fs::path& dir, int rounds) {
  if (std::system("command -v python3 >/dev/null 2>&1") != 0) return -1;
  const fs::path script = fs::temp_directory_path() / "aiip_csaf_bench.py";
  std::ofstream(script) << "import glob, json, sys, time\n"
                           "files = sorted(glob.glob(sys.argv[1] + '/*.json'))\n"
                           "texts = [open(f, 'rb').read() for f in files]\n"
                           "best = 1e30\n"
                           "for _ in range(int(sys.argv[2])):\n"
                           "    t = time.perf_counter()\n"
                           "    for b in texts: json.loads(b)\n"
                           "    best = min(best, time.perf_counter() - t)\n"
                           "print(best)\n";
  const std::string command =
      "python3 '" + script.string() + "' '" + dir.string() + "' " + std::to_string(rounds);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[64] = {};
  const bool got = std::fgets(buffer, sizeof buffer, pipe) != nullptr;
  pclose(pipe);
  fs::remove(script);
  return got ? std::atof(buffer) : -1;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  const fs::path dir = fs::path(AIIP_SOURCE_DIR) / ".." / "shared" / "data" / "advisories" / "csaf-cisa";
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> texts;
  size_t bytes = 0;
  for (const fs::path& p : paths) {
    texts.push_back(ReadFile(p));
    bytes += texts.back().size();
  }
  std::printf("CISA CSAF corpus: %zu documents, %.1f MB, best of %d rounds\n", texts.size(), bytes / 1e6,
              rounds);

  size_t accepted = 0, records = 0;
  const double ours = BestSeconds(rounds, [&] {
    accepted = records = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
      auto doc = aiip::advisories::ParseCsaf(texts[i], paths[i].filename().string());
      if (doc) {
        ++accepted;
        records += doc->records.size();
      }
    }
  });
  size_t values = 0;
  const double raw = BestSeconds(rounds, [&] {
    values = 0;
    for (const std::string& t : texts) {
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(t, ec);
      values += !ec;
    }
  });
  Report("ParseCsaf (validate + resolve)", ours, texts.size(), bytes);
  std::printf("%-40s %zu accepted, %zu records\n", "", accepted, records);
  Report("boost::json::parse only (floor)", raw, texts.size(), bytes);
  const double python = PythonSeconds(dir, rounds);
  if (python > 0) {
    Report("python3 json.loads only (peer)", python, texts.size(), bytes);
  } else {
    std::printf("%-40s not run (python3 not found)\n", "python3 json.loads only (peer)");
  }
  return values == texts.size() ? 0 : 1;
}
