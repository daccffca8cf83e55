#include "advisories/matcher/formats.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "advisories/matcher/database.h"
#include "advisories/matcher/test_util.h"

namespace aiip::advisories {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using testing::ReadJson;
using testing::ReadText;
using testing::SharedData;
using testing::TestData;

TEST(DetectAdvisoryFormat, ByTopLevelMembersOnly) {
  const std::vector<std::pair<std::string, DetectedFormat>> cases = {
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z"})", DetectedFormat::kOsv},
      {R"({"schema_version": "1.6.0", "id": "GO-1"})", DetectedFormat::kOsv},
      {"\xEF\xBB\xBF  {\"id\": \"x\", \"modified\": \"\"}", DetectedFormat::kOsv},
      {R"({"document": {"id": "x"}, "vulnerabilities": []})", DetectedFormat::kCsaf},
      {R"({"dataType": "CVE_RECORD", "cveMetadata": {}})", DetectedFormat::kCve5},
      // Names inside nested objects and inside strings do not count.
      {R"({"details": "\"document\": x", "x": {"document": 1}, "id": "1", "modified": "m"})",
       DetectedFormat::kOsv},
      {R"({"x": {"cveMetadata": 1}})", DetectedFormat::kUnknown},
      {R"({"id": "only an id"})", DetectedFormat::kUnknown},
      {R"([{"id": "1", "modified": "m"}])", DetectedFormat::kUnknown},
      {"", DetectedFormat::kUnknown},
      {R"({"id": "unterminated)", DetectedFormat::kUnknown},
  };
  for (const auto& [text, format] : cases) EXPECT_EQ(DetectAdvisoryFormat(text), format) << text;
}

TEST(ParseAdvisory, DispatchesAndReportsUnknownFormats) {
  auto osv = ParseAdvisory(ReadText(SharedData("advisories/osv-go/GO-2021-0159.json")), "GO-2021-0159.json");
  ASSERT_TRUE(osv.has_value()) << osv.error().ToString();
  EXPECT_EQ(osv->format, SourceFormat::kOsv);
  auto cve =
      ParseAdvisory(ReadText(SharedData("advisories/cve5/CVE-2022-21698.json")), "CVE-2022-21698.json");
  ASSERT_TRUE(cve.has_value()) << cve.error().ToString();
  EXPECT_EQ(cve->format, SourceFormat::kCve5);
  const std::string csaf_path = SharedData("advisories/csaf-cisa/icsa-17-012-01.json");
  const std::string digest = ReadText(csaf_path + ".sha512");
  auto csaf = ParseAdvisory(ReadText(csaf_path), csaf_path, digest);
  ASSERT_TRUE(csaf.has_value()) << csaf.error().ToString();
  EXPECT_EQ(csaf->format, SourceFormat::kCsaf);
  EXPECT_EQ(csaf->digest_check, "verified");

  auto unknown = ParseAdvisory(R"({"bomFormat": "CycloneDX"})", "x");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().type(), "unknown-format");
  auto bad = ParseAdvisory(R"({"id": 5, "modified": "2024-01-01T00:00:00Z"})", "x");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field(), "/id");
}

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("matcher_test_" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path Write(const std::string& name, std::string_view text) const {
    const fs::path file = path_ / name;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(LoadAdvisoryTree, OneBadDocumentNeverStopsTheBatch) {
  TempDir dir;
  dir.Write("a/good.json", R"({"id": "GO-T-1", "modified": "2024-01-01T00:00:00Z"})");
  dir.Write("a/b/bad.json", R"({"id": "GO-T-2", "modified": "not a time"})");
  dir.Write("a/b/broken.json", R"({"id": "GO-T-3", )");
  dir.Write("a/notes.txt", "not an advisory, not a .json file: skipped");
  dir.Write("a/lonely.json.sha512", "00");
  const std::string csaf = SharedData("advisories/csaf-cisa/icsa-17-012-01.json");
  dir.Write("c/icsa.json", ReadText(csaf));
  dir.Write("c/icsa.json.sha512", std::string(64 * 2, '0'));  // wrong digest

  const std::vector<std::string> paths = {dir.path().string()};
  auto tree = LoadAdvisoryTree(paths, 2);
  ASSERT_TRUE(tree.has_value());
  EXPECT_EQ(tree->files, 4u);
  ASSERT_EQ(tree->documents.size(), 1u);
  EXPECT_EQ(tree->documents[0].id, "GO-T-1");
  std::map<std::string, std::string> types;
  for (const LoadError& error : tree->errors) types[fs::path(error.file).filename().string()] = error.type;
  EXPECT_EQ(types["bad.json"], "invalid-timestamp");
  EXPECT_EQ(types["broken.json"], "malformed-json");
  EXPECT_EQ(types["lonely.json.sha512"], "orphan-digest");
  EXPECT_EQ(types["icsa.json"], "digest-mismatch");
  EXPECT_EQ(tree->errors.size(), 4u);

  const std::vector<std::string> missing = {(dir.path() / "nope").string()};
  EXPECT_FALSE(LoadAdvisoryTree(missing).has_value());
}

// Every advisory of ../shared/data/advisories loads, except the rejections pinned (with the
// reason each is right to be rejected) in tests/data/advisories/matcher/rejected_advisories.json.
TEST(LoadAdvisoryTree, AllRealAdvisoriesLoadOrAreExplained) {
  const std::vector<std::string> paths = {SharedData("advisories")};
  auto tree = LoadAdvisoryTree(paths, 2);
  ASSERT_TRUE(tree.has_value());
  std::map<std::string, std::string> got, reasons;
  const std::string root = fs::canonical(SharedData("advisories")).string() + "/";
  for (const LoadError& error : tree->errors) {
    std::string file = fs::canonical(error.file).string();
    if (file.starts_with(root)) file = file.substr(root.size());
    got[file] = error.type;
    reasons[file] = error.reason + (error.pointer.empty() ? "" : " [at " + error.pointer + "]");
  }
  std::map<std::string, std::string> pinned;
  const bj::value rejected = ReadJson(TestData("rejected_advisories.json"));
  for (const auto& item : rejected.at("rejected").as_array()) {
    pinned[std::string(item.at("file").as_string())] = std::string(item.at("type").as_string());
    EXPECT_FALSE(item.at("why").as_string().empty());
  }
  for (const auto& [file, type] : got) {
    auto it = pinned.find(file);
    EXPECT_TRUE(it != pinned.end() && it->second == type)
        << "unexplained rejection: " << file << " (" << type << "): " << reasons[file];
  }
  for (const auto& [file, type] : pinned) EXPECT_TRUE(got.contains(file)) << "now accepted: " << file;
  EXPECT_EQ(tree->documents.size() + tree->errors.size(), tree->files);
  EXPECT_EQ(tree->documents.size(), tree->files - pinned.size());

  VulnerabilityDatabase db;
  for (Document& document : tree->documents) {
    auto changes = db.Upsert(std::move(document));
    EXPECT_TRUE(changes.has_value()) << (changes ? "" : changes.error().ToString());
  }
}

}  // namespace
}  // namespace aiip::advisories
