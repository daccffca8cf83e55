// Parse time of ParseInventory for each CycloneDX SBOM in ../shared/data/sbom (read into
// memory first), beside the floor every Boost.JSON-based reader pays (boost::json::parse of
// the same bytes, default storage as aiip::json::Parse uses) and, when python3 is
// installed, Python's json.loads of the same file (a subprocess that times its own loop, so
// interpreter start-up is not counted). json.loads only builds the tree; ParseInventory also
// walks it, validates and canonicalises every purl and CPE, and copies the strings out.
//
//   sbom_parse_bench [repeats] [sbom dir]     (defaults: 30, <source>/../shared/data/sbom)
//
// Each figure is the best of `repeats` parses of the file, in milliseconds. Run it from a
// Release build (see bench/CMakeLists.txt).

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

#include "advisories/inventory/inventory.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

template <typename F>
double BestMs(int repeats, F&& once) {
  double best = 1e100;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    once();
    best = std::min(best, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return best;
}

// Best json.loads time in milliseconds for `file`, or -1 without python3.
double PythonMs(const fs::path& file, int repeats) {
  if (std::system("command -v python3 >/dev/null 2>&1") != 0) return -1;
  const std::string script =
      "import json,sys,time\n"
      "b=open(sys.argv[1],'rb').read(); best=1e100\n"
      "for _ in range(int(sys.argv[2])):\n"
      "  t=time.perf_counter(); json.loads(b); best=min(best,time.perf_counter()-t)\n"
      "print(best*1000)\n";
  const fs::path script_path =
      fs::temp_directory_path() / ("sbom_parse_bench_" + std::to_string(getpid()) + ".py");
  std::ofstream(script_path) << script;
  const std::string command =
      "python3 '" + script_path.string() + "' '" + file.string() + "' " + std::to_string(repeats);
  double ms = -1;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    if (std::fscanf(pipe, "%lf", &ms) != 1) ms = -1;
    pclose(pipe);
  }
  fs::remove(script_path);
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 30;
  const fs::path dir = argc > 2 ? fs::path(argv[2]) : fs::path(AIIP_SOURCE_DIR "/../shared/data/sbom");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "no SBOM in %s\n", dir.string().c_str());
    return 1;
  }

  std::printf("best of %d parses, milliseconds per file\n", repeats);
  std::printf("%-52s %9s %6s %12s %12s %14s\n", "file", "KB", "comps", "ParseInvent.", "boost::json",
              "py json.loads");
  int failures = 0;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string bytes = ss.str();

    size_t components = 0;
    bool ok = true;
    const double ours = BestMs(repeats, [&] {
      auto inv = aiip::advisories::ParseInventory(bytes);
      ok = inv.has_value();
      components = ok ? inv->components.size() : 0;
    });
    const double boost_ms = BestMs(repeats, [&] {
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(bytes, ec);
      if (ec) ok = false;
    });
    const double python_ms = PythonMs(file, repeats);
    if (!ok) ++failures;
    char python_text[32] = "n/a";
    if (python_ms >= 0) std::snprintf(python_text, sizeof python_text, "%.2f", python_ms);
    std::printf("%-52s %9.0f %6zu %12.2f %12.2f %14s%s\n", file.filename().string().c_str(),
                bytes.size() / 1024.0, components, ours, boost_ms, python_text, ok ? "" : "  PARSE FAILED");
  }
  return failures == 0 ? 0 : 1;
}
