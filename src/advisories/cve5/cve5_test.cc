#include "advisories/cve5/cve5.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "advisories/osv/cvss.h"

namespace aiip::advisories {
namespace {

namespace fs = std::filesystem;
using testing::ElementsAre;

const fs::path kSharedData = fs::path(AIIP_SOURCE_DIR "/../shared/data/advisories/cve5");
const fs::path kTestData = fs::path(AIIP_SOURCE_DIR "/tests/data/advisories/cve5");

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

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

std::string Events(const Range& range) {
  std::string out;
  for (const RangeEvent& e : range.events) {
    static constexpr const char* kNames[] = {"introduced", "fixed", "last_affected", "limit"};
    if (!out.empty()) out += ' ';
    out += std::string(kNames[static_cast<int>(e.kind)]) + "=" + e.version;
  }
  return out;
}

// Every real record parses (none is pinned: corpus_rejections.tsv lists genuinely invalid
// ones with the reason), and every CVSS v3 score it publishes equals the one computed from
// its vector.
TEST(Cve5Corpus, EveryRealRecordParses) {
  std::map<std::string, std::string> pinned;
  for (const auto& row : ReadTable(kTestData / "corpus_rejections.tsv")) {
    ASSERT_GE(row.size(), 3u);
    pinned[row[0]] = row[1];
  }
  size_t parsed = 0;
  size_t scores = 0;
  std::vector<std::string> rejections;
  for (const auto& entry : fs::directory_iterator(kSharedData)) {
    if (entry.path().extension() != ".json") continue;
    const std::string name = entry.path().filename().string();
    Result<Document> doc = ParseCve5(ReadFile(entry.path()), name);
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
    const Record& r = doc->records[0];
    EXPECT_EQ(r.id + ".json", name);
    EXPECT_EQ(r.format, SourceFormat::kCve5);
    EXPECT_FALSE(r.modified.empty()) << name;
    EXPECT_FALSE(r.publisher.empty()) << name;
    EXPECT_FALSE(r.details.empty()) << name;
    EXPECT_TRUE(r.withdrawn.empty()) << name;
    EXPECT_FALSE(r.affected.empty()) << name;
    for (const Severity& s : r.severities) {
      if (s.type != "CVSS_V3") continue;
      const std::optional<double> computed = Cvss3BaseScore(s.vector);
      ASSERT_TRUE(computed.has_value()) << name << " " << s.vector;
      EXPECT_DOUBLE_EQ(*computed, s.base_score) << name << " " << s.vector;
      ++scores;
    }
  }
  for (const std::string& r : rejections) ADD_FAILURE() << "rejected: " << r;
  EXPECT_EQ(parsed + pinned.size(), 50u);
  EXPECT_GT(scores, 20u);
  std::printf("parsed %zu CVE records, %zu pinned rejections, %zu CVSS v3 scores checked\n", parsed,
              pinned.size(), scores);
}

TEST(Cve5Invalid, EachCaseFailsAtItsPointer) {
  const auto rows = ReadTable(kTestData / "invalid_cases.tsv");
  ASSERT_GE(rows.size(), 40u);
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 3u);
    Result<Document> doc = ParseCve5(ReadFile(kTestData / "invalid" / row[0]), row[0]);
    ASSERT_FALSE(doc.has_value()) << row[0] << " parsed";
    EXPECT_EQ(doc.error().code(), Code::kInvalidArgument) << row[0];
    EXPECT_EQ(doc.error().field(), row[1]) << row[0] << ": " << doc.error().ToString();
    EXPECT_EQ(doc.error().type(), row[2]) << row[0] << ": " << doc.error().ToString();
  }
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(kTestData / "invalid")) files += entry.is_regular_file();
  EXPECT_EQ(files, rows.size()) << "every invalid record needs a row in invalid_cases.tsv";
}

TEST(Cve5Valid, PublishedRecordFields) {
  Result<Document> doc = ParseCve5(ReadFile(kTestData / "valid" / "published.json"), "published.json");
  ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
  EXPECT_EQ(doc->format, SourceFormat::kCve5);
  EXPECT_EQ(doc->id, "CVE-2024-12345");
  const Record& r = doc->records[0];
  EXPECT_EQ(r.id, "CVE-2024-12345");
  EXPECT_EQ(r.document_id, r.id);
  EXPECT_EQ(r.publisher, "example");
  EXPECT_TRUE(r.aliases.empty());
  EXPECT_EQ(r.modified, "2024-03-01T10:00:00.500Z");  // +02:00 applied
  EXPECT_EQ(doc->modified, r.modified);
  EXPECT_EQ(r.published, "2024-02-01T12:00:00.000Z");  // no offset: UTC, as the schema says
  EXPECT_TRUE(r.withdrawn.empty());
  EXPECT_EQ(r.summary, "Example title");
  EXPECT_EQ(r.details, "English description");  // English first, though listed second
  EXPECT_THAT(r.cwes, ElementsAre("CWE-79", "CWE-20"));

  ASSERT_EQ(r.severities.size(), 3u);
  EXPECT_EQ(r.severities[0].type, "CVSS_V3");
  EXPECT_DOUBLE_EQ(r.severities[0].base_score, 6.1);
  EXPECT_EQ(r.severities[1].type, "CVSS_V2");
  EXPECT_DOUBLE_EQ(r.severities[1].base_score, 4.3);  // no baseScore given: computed
  EXPECT_DOUBLE_EQ(r.severities[2].base_score, 9.8);  // from the ADP container

  ASSERT_EQ(r.affected.size(), 7u);
  const Affected& pypi = r.affected[0];
  EXPECT_EQ(pypi.origin, "/containers/cna/affected/0");
  EXPECT_EQ(pypi.ecosystem, "PyPI");
  EXPECT_EQ(pypi.name, "example");
  EXPECT_EQ(pypi.vendor, "Example");
  ASSERT_EQ(pypi.ranges.size(), 2u);
  EXPECT_EQ(pypi.ranges[0].type, Range::Type::kEcosystem);
  EXPECT_EQ(Events(pypi.ranges[0]), "introduced=0 fixed=1.2.3");
  EXPECT_EQ(Events(pypi.ranges[1]), "introduced=2.0 last_affected=2.4");
  EXPECT_THAT(pypi.versions, ElementsAre("3.0.0"));

  const Affected& flux = r.affected[1];
  EXPECT_TRUE(flux.ecosystem.empty());
  EXPECT_EQ(flux.product, "Flux");
  EXPECT_THAT(flux.cpes, ElementsAre("cpe:2.3:a:widgets:flux:*:*:*:*:*:*:*:*"));
  ASSERT_EQ(flux.ranges.size(), 1u);
  EXPECT_EQ(flux.ranges[0].type, Range::Type::kSemver);
  EXPECT_EQ(Events(flux.ranges[0]), "introduced=2.0.0 fixed=2.5.2 introduced=2.6.0 fixed=2.6.3 limit=3.0.0");

  // defaultStatus affected: unaffected ranges are cut out of a range from "0"; the gap
  // between "1.2.*" (ends before 1.3.0) and "1.3.0" is empty.
  const Affected& gadget = r.affected[2];
  ASSERT_EQ(gadget.ranges.size(), 1u);
  EXPECT_EQ(Events(gadget.ranges[0]), "introduced=0 fixed=1.2.3");
  EXPECT_FALSE(gadget.all_versions);
  EXPECT_TRUE(r.affected[3].all_versions);
  EXPECT_EQ(r.affected[3].product, "Everything");

  const Affected& git = r.affected[4];  // "Nothing" (index 4 in the record) has no affected version
  EXPECT_EQ(git.origin, "/containers/cna/affected/5");
  ASSERT_EQ(git.ranges.size(), 1u);
  EXPECT_EQ(git.ranges[0].type, Range::Type::kGit);
  EXPECT_EQ(git.ranges[0].repo, "https://github.com/example/example");
  EXPECT_EQ(Events(git.ranges[0]), "introduced=123abc fixed=234bcd");

  const Affected& odd = r.affected[5];  // unknown collection: no ecosystem, package as product
  EXPECT_TRUE(odd.ecosystem.empty());
  EXPECT_TRUE(odd.name.empty());
  EXPECT_EQ(odd.product, "odd");
  EXPECT_THAT(odd.versions, ElementsAre("1.0"));

  const Affected& adp = r.affected[6];
  EXPECT_EQ(adp.origin, "/containers/adp/0/affected/0");
  EXPECT_EQ(Events(adp.ranges[0]), "introduced=1.0 fixed=1.1");

  std::vector<std::string> fixes;
  for (const Remediation& rem : r.remediations) {
    EXPECT_EQ(rem.category, "vendor_fix");
    ASSERT_EQ(rem.origins.size(), 1u);
    fixes.push_back(rem.origins[0] + "@" + rem.fixed_version);
  }
  EXPECT_THAT(fixes, ElementsAre("/containers/cna/affected/0@1.2.3", "/containers/cna/affected/1@2.5.2",
                                 "/containers/cna/affected/1@2.6.3", "/containers/cna/affected/2@1.2.3",
                                 "/containers/adp/0/affected/0@1.1"));

  ASSERT_EQ(r.references.size(), 3u);  // the ADP repeats one URL
  EXPECT_EQ(r.references[0].type, "vendor-advisory");
  EXPECT_EQ(r.references[0].url, "https://example.org/advisory");
  EXPECT_TRUE(r.references[1].type.empty());
  EXPECT_EQ(r.references[2].url, "https://example.org/adp");
}

TEST(Cve5Valid, RejectedRecord) {
  Result<Document> doc = ParseCve5(ReadFile(kTestData / "valid" / "rejected.json"), "rejected.json");
  ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
  const Record& r = doc->records[0];
  EXPECT_EQ(r.withdrawn, "2023-05-01T00:00:00.000Z");
  EXPECT_EQ(r.modified, "2023-06-01T00:00:00.000Z");
  EXPECT_THAT(r.replaced_by, ElementsAre("CVE-2023-0001"));
  EXPECT_TRUE(r.aliases.empty());
  EXPECT_THAT(r.details, testing::HasSubstr("Duplicate of CVE-2023-0001"));
  EXPECT_TRUE(r.affected.empty());

  doc = ParseCve5(ReadFile(kTestData / "valid" / "rejected_no_date.json"), "rejected_no_date.json");
  ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
  EXPECT_EQ(doc->records[0].withdrawn, "2023-06-01T00:00:00.000Z");  // dateUpdated
  EXPECT_TRUE(doc->records[0].replaced_by.empty());
}

TEST(Cve5Valid, RealGoRecordMapsToTheGoEcosystem) {
  Result<Document> doc = ParseCve5(ReadFile(kSharedData / "CVE-2020-28367.json"), "CVE-2020-28367.json");
  ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
  const Record& r = doc->records[0];
  EXPECT_EQ(r.publisher, "Go");
  ASSERT_GE(r.affected.size(), 1u);
  EXPECT_EQ(r.affected[0].ecosystem, "Go");
  EXPECT_EQ(r.affected[0].name, "cmd/go");
  ASSERT_EQ(r.affected[0].ranges.size(), 2u);
  EXPECT_EQ(Events(r.affected[0].ranges[0]), "introduced=0 fixed=1.14.12");
  EXPECT_EQ(Events(r.affected[0].ranges[1]), "introduced=1.15.0-0 fixed=1.15.5");
}

}  // namespace
}  // namespace aiip::advisories
