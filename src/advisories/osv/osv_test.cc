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

#include "crypto/sha256.h"

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

// invalid_cases.tsv: each hand-written invalid document fails with the pinned pointer and type.
TEST(OsvInvalid, EachCaseFailsAtItsPointer) {
  const auto rows = ReadTable(kTestData / "invalid_cases.tsv");
  ASSERT_GE(rows.size(), 30u);
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 3u);
    Result<Document> doc = ParseOsv(ReadFile(kTestData / "invalid" / row[0]), row[0]);
    ASSERT_FALSE(doc.has_value()) << row[0] << " parsed";
    EXPECT_EQ(doc.error().code(), Code::kInvalidArgument) << row[0];
    EXPECT_EQ(doc.error().field(), row[1]) << row[0] << ": " << doc.error().ToString();
    EXPECT_EQ(doc.error().type(), row[2]) << row[0] << ": " << doc.error().ToString();
    EXPECT_FALSE(doc.error().detail().empty()) << row[0];
  }
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(kTestData / "invalid")) files += entry.is_regular_file();
  EXPECT_EQ(files, rows.size()) << "every invalid document needs a row in invalid_cases.tsv";
}

TEST(OsvValid, FullDocumentFields) {
  const std::string text = ReadFile(kTestData / "valid" / "full.json");
  Result<Document> doc = ParseOsv(text, "full.json");
  ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
  EXPECT_EQ(doc->format, SourceFormat::kOsv);
  EXPECT_EQ(doc->id, "GHSA-abcd-efgh-ijkl");
  EXPECT_EQ(doc->source_name, "full.json");
  EXPECT_EQ(doc->digest_check, "absent");
  EXPECT_EQ(doc->sha256, crypto::DigestHex(crypto::Sha256(text)));
  ASSERT_EQ(doc->records.size(), 1u);
  const Record& r = doc->records[0];
  EXPECT_EQ(r.id, "GHSA-abcd-efgh-ijkl");
  EXPECT_EQ(r.document_id, r.id);
  EXPECT_EQ(r.publisher, "GHSA");
  // Normalised to UTC with milliseconds; the +01:00 offset is applied.
  EXPECT_EQ(r.modified, "2024-03-01T09:20:30.123Z");
  EXPECT_EQ(doc->modified, r.modified);
  EXPECT_EQ(r.published, "2023-12-31T23:59:59.000Z");
  EXPECT_EQ(r.withdrawn, "2024-03-02T00:00:00.000Z");
  EXPECT_THAT(r.aliases, testing::ElementsAre("CVE-2024-0001", "PYSEC-2024-9"));
  EXPECT_THAT(r.upstream, testing::ElementsAre("CVE-2023-9999"));
  EXPECT_THAT(r.related, testing::ElementsAre("OSV-2024-1"));
  EXPECT_EQ(r.summary, "Example summary");
  EXPECT_EQ(r.details, "Example details\nwith two lines");
  EXPECT_THAT(r.cwes, testing::ElementsAre("CWE-79", "CWE-1321"));
  EXPECT_TRUE(r.replaced_by.empty());

  ASSERT_EQ(r.severities.size(), 3u);
  EXPECT_EQ(r.severities[0].type, "CVSS_V3");
  EXPECT_EQ(r.severities[0].vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
  EXPECT_DOUBLE_EQ(r.severities[0].base_score, 9.8);
  EXPECT_EQ(r.severities[1].type, "CVSS_V4");
  EXPECT_DOUBLE_EQ(r.severities[1].base_score, -1);
  EXPECT_EQ(r.severities[2].type, "CVSS_V2");  // from /affected/0/severity
  EXPECT_DOUBLE_EQ(r.severities[2].base_score, 7.5);

  ASSERT_EQ(r.affected.size(), 3u);
  const Affected& a0 = r.affected[0];
  EXPECT_EQ(a0.origin, "/affected/0");
  EXPECT_EQ(a0.ecosystem, "PyPI");
  EXPECT_EQ(a0.name, "example");
  EXPECT_EQ(a0.purl, "pkg:pypi/example");
  EXPECT_EQ(a0.status, ProductStatus::kAffected);
  EXPECT_THAT(a0.versions, testing::ElementsAre("1.0", "1.2.2", "2.0"));
  ASSERT_EQ(a0.ranges.size(), 2u);
  EXPECT_EQ(a0.ranges[0].type, Range::Type::kEcosystem);
  EXPECT_TRUE(a0.ranges[0].repo.empty());
  ASSERT_EQ(a0.ranges[0].events.size(), 4u);
  EXPECT_EQ(a0.ranges[0].events[0].kind, RangeEvent::Kind::kIntroduced);
  EXPECT_EQ(a0.ranges[0].events[0].version, "0");
  EXPECT_EQ(a0.ranges[0].events[1].kind, RangeEvent::Kind::kFixed);
  EXPECT_EQ(a0.ranges[0].events[1].version, "1.2.3");
  EXPECT_EQ(a0.ranges[0].events[3].kind, RangeEvent::Kind::kLastAffected);
  EXPECT_EQ(a0.ranges[0].events[3].version, "2.1");
  EXPECT_EQ(a0.ranges[1].type, Range::Type::kGit);
  EXPECT_EQ(a0.ranges[1].repo, "https://github.com/example/example");
  EXPECT_EQ(a0.ranges[1].events[2].kind, RangeEvent::Kind::kLimit);
  EXPECT_EQ(r.affected[1].ranges[0].type, Range::Type::kSemver);
  EXPECT_TRUE(r.affected[2].ecosystem.empty());
  EXPECT_EQ(r.affected[2].origin, "/affected/2");

  // Fixed versions of non-GIT ranges, once per affected entry; GIT commits are not versions.
  ASSERT_EQ(r.remediations.size(), 3u);
  EXPECT_EQ(r.remediations[0].category, "vendor_fix");
  EXPECT_EQ(r.remediations[0].fixed_version, "1.2.3");
  EXPECT_THAT(r.remediations[0].origins, testing::ElementsAre("/affected/0"));
  EXPECT_EQ(r.remediations[1].fixed_version, "1.4.0");
  EXPECT_THAT(r.remediations[1].origins, testing::ElementsAre("/affected/1"));
  EXPECT_EQ(r.remediations[2].fixed_version, "1.5.2");

  ASSERT_EQ(r.references.size(), 2u);
  EXPECT_EQ(r.references[0].type, "ADVISORY");
  EXPECT_EQ(r.references[0].url, "https://example.org/a");
  EXPECT_EQ(r.references[1].type, "NEW_KIND");
}

// The Go database writes "0001-01-01T00:00:00Z" for `modified`; it is a valid RFC 3339 time.
TEST(OsvValid, MinimalDocument) {
  Result<Document> doc = ParseOsv(ReadFile(kTestData / "valid" / "minimal.json"), "minimal.json");
  ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
  const Record& r = doc->records[0];
  EXPECT_EQ(r.modified, "0001-01-01T00:00:00.000Z");
  EXPECT_EQ(r.publisher, "GO");
  EXPECT_TRUE(r.published.empty());
  EXPECT_TRUE(r.affected.empty());
  EXPECT_TRUE(r.severities.empty());
}

TEST(OsvValid, RealGoAdvisory) {
  Result<Document> doc = ParseOsv(ReadFile(kSharedData / "osv-go" / "GO-2020-0001.json"), "GO-2020-0001");
  ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
  const Record& r = doc->records[0];
  EXPECT_EQ(r.modified, "0001-01-01T00:00:00.000Z");
  EXPECT_EQ(r.published, "2021-04-14T20:04:52.000Z");
  EXPECT_THAT(r.aliases, testing::ElementsAre("CVE-2020-36567", "GHSA-6vm3-jj99-7229"));
  ASSERT_EQ(r.affected.size(), 1u);
  EXPECT_EQ(r.affected[0].ecosystem, "Go");
  EXPECT_EQ(r.affected[0].name, "github.com/gin-gonic/gin");
  ASSERT_EQ(r.remediations.size(), 1u);
  EXPECT_EQ(r.remediations[0].fixed_version, "1.6.0");
  EXPECT_EQ(r.references.size(), 2u);
}

}  // namespace
}  // namespace aiip::advisories
