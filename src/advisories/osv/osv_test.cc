#include "advisories/osv/osv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace aiip::advisories {
namespace {

namespace fs = std::filesystem;

const fs::path kSharedData = fs::path(AIIP_SOURCE_DIR "/../shared/data/advisories");
const fs::path kTestData = fs::path(AIIP_SOURCE_DIR "/tests/data/advisories/osv");

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<fs::path> JsonFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Tab-separated lines, '#' comments and blank lines skipped.
std::vector<std::vector<std::string>> ReadTable(const fs::path& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    size_t start = 0;
    while (true) {
      const size_t tab = line.find('\t', start);
      cells.push_back(line.substr(start, tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    rows.push_back(std::move(cells));
  }
  return rows;
}

// Every real advisory parses, except those pinned in corpus_rejections.tsv with a reason;
// a pinned file must still be rejected, with the pinned pointer.
TEST(OsvCorpus, EveryRealAdvisoryParses) {
  std::map<std::string, std::string> pinned;
  for (const auto& row : ReadTable(kTestData / "corpus_rejections.tsv")) {
    ASSERT_GE(row.size(), 3u);
    pinned[row[0]] = row[1];
  }
  size_t parsed = 0;
  std::vector<std::string> rejections;
  for (const char* dir : {"osv-go", "osv-pypi"}) {
    const std::vector<fs::path> files = JsonFiles(kSharedData / dir);
    ASSERT_GT(files.size(), 2000u) << dir;
    for (const fs::path& file : files) {
      const std::string name = std::string(dir) + "/" + file.filename().string();
      const std::string text = ReadFile(file);
      Result<Document> doc = ParseOsv(text, name);
      auto pin = pinned.find(name);
      if (!doc) {
        if (pin == pinned.end() || pin->second != doc.error().field()) {
          rejections.push_back(name + ": " + doc.error().ToString());
        }
        continue;
      }
      EXPECT_EQ(pin, pinned.end()) << name << " is pinned as invalid but parses";
      ++parsed;
      ASSERT_EQ(doc->records.size(), 1u);
      const Record& record = doc->records[0];
      EXPECT_EQ(record.id + ".json", file.filename().string());
      EXPECT_EQ(doc->source_name, name);
      EXPECT_EQ(doc->sha256.size(), 64u);
      EXPECT_FALSE(record.modified.empty()) << name;
      EXPECT_EQ(record.publisher, std::string(dir) == "osv-go" ? "GO" : "PYSEC") << name;
      EXPECT_FALSE(record.affected.empty()) << name;
    }
  }
  for (const std::string& r : rejections) ADD_FAILURE() << "rejected: " << r;
  EXPECT_EQ(rejections.size(), 0u);
  std::printf("parsed %zu OSV advisories, %zu pinned rejections\n", parsed, pinned.size());
}

}  // namespace
}  // namespace aiip::advisories
