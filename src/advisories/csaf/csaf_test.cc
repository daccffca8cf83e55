#include "advisories/csaf/csaf.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "advisories/csaf/cvss.h"
#include "advisories/csaf/purl.h"
#include "common/json.h"

namespace aiip::advisories {
namespace {

namespace fs = std::filesystem;
namespace bj = boost::json;

const fs::path kData = fs::path(AIIP_SOURCE_DIR) / ".." / "shared" / "data";
const fs::path kTestData = fs::path(AIIP_SOURCE_DIR) / "tests" / "data" / "advisories" / "csaf";
const fs::path kValidator = kData / "specs" / "csaf" / "test" / "validator" / "data";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Lines of a tab-separated data file, without comments and blank lines.
std::vector<std::vector<std::string>> ReadTable(const fs::path& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(ReadFile(path));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    size_t start = 0;
    while (true) {
      size_t tab = line.find('\t', start);
      cells.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    rows.push_back(std::move(cells));
  }
  return rows;
}

bool Fails(const std::vector<ValidationFailure>& failures, std::string_view test) {
  return std::any_of(failures.begin(), failures.end(),
                     [&](const ValidationFailure& f) { return f.test == test; });
}

std::string Describe(const std::vector<ValidationFailure>& failures) {
  std::string out;
  for (const ValidationFailure& f : failures)
    out += "  " + f.test + " at " + f.pointer + ": " + f.message + "\n";
  return out;
}

TEST(CsafVersionRange, DataTable) {
  const auto rows = ReadTable(kTestData / "version_ranges.tsv");
  ASSERT_GT(rows.size(), 30u);
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 2u);
    const std::optional<std::string> got = VersionRangeToVers(row[0]);
    EXPECT_EQ(got.value_or("REVIEW"), row[1]) << "range text: '" << row[0] << "'";
  }
}

TEST(CsafCvss, ScoresTable) {
  const auto rows = ReadTable(kTestData / "cvss_scores.tsv");
  ASSERT_GT(rows.size(), 5u);
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 4u);
    std::string why;
    const bool v3 = row[0].starts_with("CVSS:");
    auto vector = v3 ? cvss::ParseV3(row[0], &why) : cvss::ParseV2(row[0], &why);
    ASSERT_TRUE(vector) << row[0] << ": " << why;
    const cvss::Scores s = v3 ? cvss::ScoreV3(*vector) : cvss::ScoreV2(*vector);
    EXPECT_DOUBLE_EQ(s.base, std::stod(row[1])) << row[0];
    EXPECT_DOUBLE_EQ(s.temporal, std::stod(row[2])) << row[0];
    EXPECT_DOUBLE_EQ(s.environmental, std::stod(row[3])) << row[0];
  }
}

TEST(CsafCvss, RejectsBadVectors) {
  std::string why;
  EXPECT_FALSE(cvss::ParseV3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", &why));  // A missing
  EXPECT_FALSE(cvss::ParseV3("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", &why));
  EXPECT_FALSE(cvss::ParseV3("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", &why));
  EXPECT_FALSE(cvss::ParseV3("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", &why));
  EXPECT_FALSE(cvss::ParseV2("AV:N/AC:L/Au:N/C:P/I:P/A:P/", &why));
  EXPECT_FALSE(cvss::ParseV2("(AV:N/AC:L/Au:N/C:P/I:P/A:P)", &why));
}

TEST(CsafPurl, Syntax) {
  std::string why;
  auto p = purl::Parse("pkg:npm/%40angular/core@1.2.3?arch=x86#src", &why);
  ASSERT_TRUE(p) << why;
  EXPECT_EQ(p->name, "core");
  EXPECT_EQ(p->namespace_, "@angular");
  EXPECT_EQ(p->version, "1.2.3");
  EXPECT_FALSE(purl::Parse("pkg:maven/@1.3.4", &why));
  EXPECT_FALSE(purl::Parse("pkg:/name", &why));
  EXPECT_FALSE(purl::Parse("pkg:npm/x?a=1&a=2", &why));
  EXPECT_FALSE(purl::Parse("pkg:npm/x%zz", &why));
  EXPECT_FALSE(purl::Parse("npm/x", &why));
}

// Every implemented mandatory test against the OASIS test files: each "-0x" file listed
// as a failure of test T must fail T, each "-1x" file listed as valid must pass T.
TEST(CsafMandatory, OasisTestFiles) {
  auto index = json::Parse(ReadFile(kValidator / "testcases.json"));
  ASSERT_TRUE(index.has_value());
  const auto implemented = ImplementedMandatoryTests();
  std::set<std::string> listed;
  int failing_checked = 0, valid_checked = 0, fully_valid = 0;
  std::set<std::string> covered;
  for (const bj::value& test : index->at("tests").as_array()) {
    const std::string id(test.at("id").as_string());
    if (test.at("group").as_string() != "mandatory") continue;
    const bool is_implemented = std::find(implemented.begin(), implemented.end(), id) != implemented.end();
    for (std::string_view kind : {"failures", "valid"}) {
      const bj::value* files = test.as_object().if_contains(kind);
      if (files == nullptr) continue;
      for (const bj::value& file : files->as_array()) {
        const std::string name(file.at("name").as_string());
        listed.insert(fs::path(name).filename().string());
        if (!is_implemented) continue;
        covered.insert(id);
        const std::string text = ReadFile(kValidator / name);
        auto doc = json::Parse(text);
        ASSERT_TRUE(doc.has_value()) << name;
        const auto failures = ValidateCsafMandatory(*doc);
        if (kind == "failures") {
          ++failing_checked;
          EXPECT_TRUE(Fails(failures, id)) << name << " must fail " << id << "; got:\n" << Describe(failures);
        } else {
          ++valid_checked;
          EXPECT_FALSE(Fails(failures, id)) << name << " must pass " << id << "; got:\n"
                                            << Describe(failures);
          auto parsed = ParseCsaf(text, name);
          if (parsed) {
            ++fully_valid;
          } else {
            std::printf("  note: %s passes %s but ParseCsaf refuses it: %s\n", name.c_str(), id.c_str(),
                        parsed.error().ToString().c_str());
          }
        }
      }
    }
  }
  EXPECT_EQ(covered.size(), implemented.size()) << "every implemented test has OASIS test files";
  // Every file of the folder is in the index, so none escapes the check above.
  for (const auto& entry : fs::directory_iterator(kValidator / "mandatory")) {
    EXPECT_TRUE(listed.contains(entry.path().filename().string())) << entry.path();
  }
  std::printf(
      "CSAF mandatory tests: %zu implemented; %d failing files fail their test, %d valid files pass "
      "theirs (%d of them accepted by ParseCsaf)\n",
      implemented.size(), failing_checked, valid_checked, fully_valid);
}

TEST(CsafParse, SpecExamples) {
  int parsed_count = 0;
  for (const fs::path& dir :
       {kData / "specs/csaf/examples/csaf", kData / "specs/csaf/examples/csaf/csaf_vex"}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".json") continue;
      auto doc = ParseCsaf(ReadFile(entry.path()), entry.path().filename().string());
      EXPECT_TRUE(doc.has_value()) << entry.path() << ": " << doc.error().ToString();
      if (!doc) continue;
      ++parsed_count;
      EXPECT_FALSE(doc->id.empty());
      for (const Record& r : doc->records) {
        EXPECT_TRUE(r.id.starts_with(doc->id + "#")) << r.id;
        EXPECT_FALSE(r.affected.empty()) << r.id;
      }
    }
  }
  std::printf("CSAF spec examples parsed: %d\n", parsed_count);
  EXPECT_GT(parsed_count, 5);
}

// Every CISA document parses and its published .sha512 verifies, except those pinned in
// known_rejections.txt (file <TAB> test or problem type <TAB> why), which must be refused
// for exactly that reason.
TEST(CsafParse, CisaCorpus) {
  std::map<std::string, std::string> pinned;
  for (const auto& row : ReadTable(kTestData / "known_rejections.txt")) {
    ASSERT_GE(row.size(), 2u);
    pinned[row[0]] = row[1];
  }
  int documents = 0, verified = 0, records = 0, affected = 0, review = 0, vers = 0, exact = 0;
  std::vector<std::string> unexpected;
  for (const auto& entry : fs::directory_iterator(kData / "advisories" / "csaf-cisa")) {
    if (entry.path().extension() != ".json") continue;
    ++documents;
    const std::string name = entry.path().filename().string();
    const fs::path digest_path = entry.path().string() + ".sha512";
    std::optional<std::string> digest;
    if (fs::exists(digest_path)) digest = ReadFile(digest_path);
    auto doc = ParseCsaf(ReadFile(entry.path()), name, digest);
    auto it = pinned.find(name);
    if (!doc) {
      const std::string reason = doc.error().detail().starts_with("CSAF ")
                                     ? doc.error().detail().substr(5, doc.error().detail().find(' ', 5) - 5)
                                     : doc.error().type();
      if (it == pinned.end() || it->second != reason) {
        unexpected.push_back(name + ": " + doc.error().ToString());
      }
      continue;
    }
    if (it != pinned.end())
      unexpected.push_back(name + ": pinned as rejected (" + it->second + ") but parses");
    if (doc->digest_check == "verified") ++verified;
    EXPECT_EQ(doc->digest_check, digest ? "verified" : "absent") << name;
    for (const Record& r : doc->records) {
      ++records;
      for (const Affected& a : r.affected) {
        ++affected;
        if (a.impact.starts_with(kNeedsReviewPrefix)) ++review;
        if (!a.vers.empty()) ++vers;
        if (!a.versions.empty()) ++exact;
      }
    }
  }
  for (const std::string& u : unexpected) ADD_FAILURE() << u;
  std::printf(
      "CISA CSAF: %d documents, %zu pinned rejections, %d digests verified, %d records, %d affected "
      "(%d vers, %d exact versions, %d free-text ranges needing review)\n",
      documents, pinned.size(), verified, records, affected, vers, exact, review);
  EXPECT_EQ(documents, 1655);
}

const Affected* Find(const Record& r, std::string_view origin) {
  for (const Affected& a : r.affected) {
    if (a.origin == origin) return &a;
  }
  return nullptr;
}

TEST(CsafParse, ResolvesProductTreeAndVex) {
  auto doc = ParseCsaf(ReadFile(kTestData / "resolution.json"), "resolution.json");
  ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
  EXPECT_EQ(doc->id, "EX-2024-1");
  EXPECT_EQ(doc->modified, "2024-02-01T10:00:00.000Z");
  EXPECT_EQ(doc->digest_check, "absent");
  ASSERT_EQ(doc->records.size(), 2u);
  const Record& r = doc->records[0];
  EXPECT_EQ(r.id, "EX-2024-1#CVE-2024-0001");
  EXPECT_EQ(r.aliases, (std::vector<std::string>{"CVE-2024-0001", "EX-BUG-1"}));
  EXPECT_EQ(r.publisher, "Example Company");
  EXPECT_EQ(r.published, "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(r.summary, "XSS in Widget.");
  EXPECT_TRUE(r.details.starts_with("Widget echoes input.")) << r.details;
  EXPECT_NE(r.details.find("Threat (exploit_status): Exploited in the wild."), std::string::npos)
      << r.details;
  EXPECT_EQ(r.cwes, (std::vector<std::string>{"CWE-79"}));
  ASSERT_EQ(r.severities.size(), 1u);
  EXPECT_EQ(r.severities[0].type, "CVSS_V3");
  EXPECT_DOUBLE_EQ(r.severities[0].base_score, 6.1);
  ASSERT_EQ(r.references.size(), 2u);
  EXPECT_EQ(r.references[1].type, "self");

  // A relationship product is matched as its component, with its own id as origin.
  const Affected* lib = Find(r, "LIB-1-ON-OS-1");
  ASSERT_NE(lib, nullptr);
  EXPECT_EQ(lib->status, ProductStatus::kAffected);
  EXPECT_EQ(lib->purl, "pkg:npm/left-pad@1.3.0");
  EXPECT_EQ(lib->versions, (std::vector<std::string>{"1.3.0"}));
  EXPECT_EQ(lib->product, "left-pad 1.3.0");

  const Affected* lt42 = Find(r, "WIDGET-LT42");
  ASSERT_NE(lt42, nullptr);
  EXPECT_EQ(lt42->vendor, "Example");
  EXPECT_EQ(lt42->product, "Widget");
  EXPECT_EQ(lt42->vers, "vers:generic/<4.2");
  EXPECT_TRUE(lt42->impact.empty());

  const Affected* review = Find(r, "WIDGET-15X");
  ASSERT_NE(review, nullptr);
  EXPECT_FALSE(review->all_versions);
  EXPECT_TRUE(review->versions.empty() && review->vers.empty() && review->ranges.empty());
  EXPECT_EQ(review->impact, std::string(kNeedsReviewPrefix) + "1.5.x | 1.6.x");

  const Affected* exact = Find(r, "WIDGET-123");
  ASSERT_NE(exact, nullptr);
  EXPECT_EQ(exact->status, ProductStatus::kNotAffected);
  EXPECT_EQ(exact->versions, (std::vector<std::string>{"1.2.3"}));
  EXPECT_EQ(exact->cpes, (std::vector<std::string>{"cpe:2.3:a:example:widget:1.2.3:*:*:*:*:*:*:*"}));
  EXPECT_EQ(exact->justification, "vulnerable_code_not_present");
  EXPECT_EQ(exact->impact, "The vulnerable code was removed.");

  const Affected* lt2 = Find(r, "WIDGET-LT2");
  ASSERT_NE(lt2, nullptr);
  EXPECT_EQ(lt2->vers, "vers:semver/<2.0.0");
  EXPECT_EQ(lt2->justification, "vulnerable_code_not_present");

  const Affected* os = Find(r, "OS-1");
  ASSERT_NE(os, nullptr);
  EXPECT_EQ(os->status, ProductStatus::kFixed);
  EXPECT_EQ(r.affected.size(), 6u);

  ASSERT_EQ(r.remediations.size(), 2u);
  EXPECT_EQ(r.remediations[0].category, "vendor_fix");
  EXPECT_EQ(r.remediations[0].url, "https://example.com/fix");
  EXPECT_EQ(r.remediations[0].origins, (std::vector<std::string>{"WIDGET-LT42", "WIDGET-123", "WIDGET-LT2"}));

  const Record& second = doc->records[1];
  EXPECT_EQ(second.id, "EX-2024-1#EX-BUG-2");
  EXPECT_EQ(second.details, "Second issue.");
  ASSERT_EQ(second.affected.size(), 1u);
  EXPECT_EQ(second.affected[0].status, ProductStatus::kUnderInvestigation);
}

TEST(CsafParse, DigestAndErrors) {
  const std::string text = ReadFile(kTestData / "resolution.json");
  const fs::path cisa = kData / "advisories" / "csaf-cisa" / "icsa-17-012-01.json";
  auto verified = ParseCsaf(ReadFile(cisa), "icsa-17-012-01.json", ReadFile(cisa.string() + ".sha512"));
  ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
  EXPECT_EQ(verified->digest_check, "verified");
  auto mismatch = ParseCsaf(text, "x", std::string(128, 'a') + "  x.json");
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_EQ(mismatch.error().type(), "digest-mismatch");
  auto malformed = ParseCsaf(text, "x", "not a digest");
  ASSERT_FALSE(malformed.has_value());
  EXPECT_EQ(malformed.error().type(), "digest-malformed");

  auto bad_json = ParseCsaf("{", "x");
  ASSERT_FALSE(bad_json.has_value());
  EXPECT_EQ(bad_json.error().type(), "malformed-json");

  auto doc = json::Parse(text);
  ASSERT_TRUE(doc.has_value());
  doc->at_pointer("/document/tracking").as_object().erase("status");
  auto missing = ParseCsaf(bj::serialize(*doc), "x");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().type(), "missing-field");
  EXPECT_EQ(missing.error().field(), "/document/tracking/status");

  doc = json::Parse(text);
  doc->at_pointer("/vulnerabilities/0/product_status/fixed").as_array().push_back("WIDGET-123");
  auto contradicting = ParseCsaf(bj::serialize(*doc), "x");
  ASSERT_FALSE(contradicting.has_value());
  EXPECT_EQ(contradicting.error().type(), "csaf-mandatory-test");
  EXPECT_TRUE(contradicting.error().detail().starts_with("CSAF 6.1.6 (Contradicting Product Status)"))
      << contradicting.error().detail();
  EXPECT_EQ(contradicting.error().field(), "/vulnerabilities/0/product_status/fixed/1");
}

}  // namespace
}  // namespace aiip::advisories
