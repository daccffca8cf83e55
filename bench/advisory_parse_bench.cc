// Throughput of the advisory parsers (ParseOsv, ParseCve5) over the real corpora in
// ../shared/data/advisories (osv-go, osv-pypi, cve5), read into memory first, beside the
// floor any Boost.JSON-based parser pays (boost::json::parse of the same bytes) and, when
// python3 is installed, Python's json.loads over the same files (run as a subprocess that
// times its own loop, so interpreter start-up is not counted).
//
//   advisory_parse_bench [rounds] [data dir]     (defaults: 5, <source>/../shared/data/advisories)
//
// Each figure is the best of `rounds` passes over the whole corpus.

#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "advisories/cve5/cve5.h"
#include "advisories/osv/osv.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Input {
  std::string name;
  std::string text;
  bool cve5 = false;
};

std::vector<Input> Load(const fs::path& root) {
  std::vector<Input> inputs;
  for (const char* dir : {"osv-go", "osv-pypi", "cve5"}) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(root / dir)) {
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      std::ifstream in(file, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      inputs.push_back({file.string(), text.str(), std::string(dir) == "cve5"});
    }
  }
  return inputs;
}

template <typename F>
double BestSeconds(int rounds, F&& pass) {
  double best = 1e100;
  for (int i = 0; i < rounds; ++i) {
    const auto start = Clock::now();
    pass();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

void Report(const char* what, double seconds, size_t documents, size_t bytes) {
  std::printf("%-34s %10.0f documents/s %9.1f MB/s  (%.3f s per pass)\n", what, documents / seconds,
              bytes / seconds / 1e6, seconds);
}

// Runs python3 over the same files; it prints the best pass in seconds.
double PythonSeconds(const fs::path& root, int rounds) {
  if (std::system("command -v python3 >/dev/null 2>&1") != 0) return -1;
  const std::string script =
      "import json,os,sys,time\n"
      "root=sys.argv[1]; rounds=int(sys.argv[2]); texts=[]\n"
      "for d in ('osv-go','osv-pypi','cve5'):\n"
      "  for f in sorted(os.listdir(os.path.join(root,d))):\n"
      "    if f.endswith('.json'):\n"
      "      texts.append(open(os.path.join(root,d,f),'rb').read())\n"
      "best=1e100\n"
      "for _ in range(rounds):\n"
      "  t=time.perf_counter()\n"
      "  for x in texts: json.loads(x)\n"
      "  best=min(best,time.perf_counter()-t)\n"
      "print(best)\n";
  const fs::path script_path =
      fs::temp_directory_path() / ("advisory_parse_bench_" + std::to_string(getpid()) + ".py");
  std::ofstream(script_path) << script;
  const std::string command =
      "python3 '" + script_path.string() + "' '" + root.string() + "' " + std::to_string(rounds);
  FILE* pipe = popen(command.c_str(), "r");
  double seconds = -1;
  if (pipe != nullptr) {
    if (std::fscanf(pipe, "%lf", &seconds) != 1) seconds = -1;
    pclose(pipe);
  }
  fs::remove(script_path);
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const fs::path root = argc > 2 ? fs::path(argv[2]) : fs::path(AIIP_SOURCE_DIR "/../shared/data/advisories");
  const std::vector<Input> inputs = Load(root);
  size_t bytes = 0;
  for (const Input& input : inputs) bytes += input.text.size();
  std::printf("%zu documents, %.1f MB (osv-go + osv-pypi + cve5), best of %d passes\n", inputs.size(),
              bytes / 1e6, rounds);

  size_t failures = 0;
  const double ours = BestSeconds(rounds, [&] {
    failures = 0;
    for (const Input& input : inputs) {
      auto doc = input.cve5 ? aiip::advisories::ParseCve5(input.text, input.name)
                            : aiip::advisories::ParseOsv(input.text, input.name);
      failures += doc.has_value() ? 0 : 1;
    }
  });
  size_t values = 0;
  const double floor = BestSeconds(rounds, [&] {
    values = 0;
    for (const Input& input : inputs) {
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(input.text, ec);
      values += ec ? 0 : v.is_object();
    }
  });
  Report("ParseOsv / ParseCve5 (ours)", ours, inputs.size(), bytes);
  Report("boost::json::parse (floor)", floor, inputs.size(), bytes);
  const double python = PythonSeconds(root, rounds);
  if (python > 0) {
    Report("python3 json.loads (peer)", python, inputs.size(), bytes);
  } else {
    std::printf("python3 json.loads (peer)          not run (python3 not found)\n");
  }
  std::printf("rejected by our parsers: %zu; objects parsed by boost::json: %zu\n", failures, values);
  return failures == 0 ? 0 : 1;
}
