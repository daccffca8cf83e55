#include "advisories/matcher/database.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "advisories/matcher/matcher.h"
#include "advisories/matcher/test_util.h"

namespace aiip::advisories {
namespace {

namespace bj = boost::json;
using testing::ComponentOf;
using testing::DocumentOf;
using testing::ReadJson;
using testing::SharedData;
using testing::StringsOf;
using testing::TestData;

TEST(MergedIdRule, PrefersCveThenGhsaThenNaturalOrder) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"GO-2021-0159", "CVE-2015-5741", "CVE-2015-5739", "CVE-2015-5740"}, "CVE-2015-5739"},
      {{"CVE-2021-10000", "CVE-2021-9999"}, "CVE-2021-9999"},
      {{"CVE-2020-100", "CVE-2019-99999"}, "CVE-2019-99999"},
      {{"PYSEC-2020-1", "GHSA-aaaa-bbbb-cccc", "GHSA-2222-bbbb-cccc"}, "GHSA-2222-bbbb-cccc"},
      {{"GO-2021-100", "GO-2021-99"}, "GO-2021-99"},
      {{"PYSEC-2021-1", "GO-2021-1"}, "GO-2021-1"},
      {{}, ""},
  };
  for (const auto& [names, expected] : cases) EXPECT_EQ(MergedIdRule(names), expected);
}

TEST(Keys, PackageAndCpeKeys) {
  EXPECT_EQ(PackageKeyOf("Go", "golang.org/x/net"), "Go:golang.org/x/net");
  EXPECT_EQ(PackageKeyOf("PyPI", "Zope_Interface"), "PyPI:zope-interface");
  EXPECT_EQ(PackageKeyOf("Debian:12", "curl"), "Debian:curl");
  EXPECT_EQ(PackageKeyOf("NoSuchEcosystem", "x"), "");
  EXPECT_EQ(PackageKeyOfPurl("pkg:golang/golang.org/x/net@v0.1.0"), "Go:golang.org/x/net");
  EXPECT_EQ(PackageKeyOfPurl("pkg:pypi/Zope.Interface@5"), "PyPI:zope-interface");
  EXPECT_EQ(PackageKeyOfPurl("pkg:deb/debian/curl@7?distro=debian-12"), "Debian:curl");
  EXPECT_EQ(PackageKeyOfPurl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"),
            "Maven:org.apache.logging.log4j:log4j-core");
  EXPECT_EQ(PackageKeyOfPurl("pkg:npm/%40angular/core@12"), "npm:@angular/core");
  EXPECT_EQ(PackageKeyOfPurl("not a purl"), "");
  EXPECT_EQ(CpeKeyOf("Example Company", "ABC"), "example_company:abc");
  EXPECT_EQ(CpeKeyOf("*", "abc"), "");
}

// --- ChangeSet semantics (tests/data/advisories/matcher/changes.json). ---

std::string_view OutcomeName(ChangeSet::Outcome outcome) {
  switch (outcome) {
    case ChangeSet::Outcome::kInserted:
      return "inserted";
    case ChangeSet::Outcome::kReplaced:
      return "replaced";
    case ChangeSet::Outcome::kStale:
      return "stale";
  }
  return "";
}

std::vector<std::string> KindNames(uint32_t kinds) {
  std::vector<std::string> names;
  const std::pair<uint32_t, const char*> all[] = {{VulnerabilityChange::kNew, "new"},
                                                  {VulnerabilityChange::kRange, "range"},
                                                  {VulnerabilityChange::kFix, "fix"},
                                                  {VulnerabilityChange::kWithdrawn, "withdrawn"},
                                                  {VulnerabilityChange::kReinstated, "reinstated"},
                                                  {VulnerabilityChange::kMerged, "merged"}};
  for (const auto& [bit, name] : all) {
    if ((kinds & bit) != 0) names.emplace_back(name);
  }
  return names;
}

struct Scenario {
  std::string name;
  bj::value json;
};

std::vector<Scenario> LoadScenarios() {
  std::vector<Scenario> scenarios;
  const bj::value file = ReadJson(TestData("changes.json"));
  for (const auto& item : file.at("scenarios").as_array()) {
    scenarios.push_back({std::string(item.at("name").as_string()), item});
  }
  return scenarios;
}

class ChangeSetTest : public ::testing::TestWithParam<Scenario> {};

TEST_P(ChangeSetTest, EachStepYieldsTheExpectedChanges) {
  VulnerabilityDatabase db;
  size_t number = 0;
  for (const auto& step_value : GetParam().json.at("steps").as_array()) {
    const bj::object& step = step_value.as_object();
    SCOPED_TRACE("step " + std::to_string(number++));
    auto changes = db.Upsert(DocumentOf(step.at("doc")));
    ASSERT_TRUE(changes.has_value()) << changes.error().ToString();
    const bj::object& expect = step.at("expect").as_object();
    EXPECT_EQ(OutcomeName(changes->outcome), expect.at("outcome").as_string());
    const auto& expected = expect.at("changes").as_array();
    ASSERT_EQ(changes->changes.size(), expected.size()) << [&] {
      std::string got;
      for (const auto& c : changes->changes) got += c.id + " ";
      return got;
    }();
    std::set<std::string> all_keys;
    for (size_t i = 0; i < expected.size(); ++i) {
      const VulnerabilityChange& change = changes->changes[i];
      const bj::object& e = expected[i].as_object();
      EXPECT_EQ(change.id, e.at("id").as_string());
      EXPECT_EQ(KindNames(change.kinds), StringsOf(e.if_contains("kinds"))) << change.id;
      EXPECT_EQ(change.replaces, StringsOf(e.if_contains("replaces"))) << change.id;
      EXPECT_EQ(change.package_keys, StringsOf(e.if_contains("package_keys"))) << change.id;
      all_keys.insert(change.package_keys.begin(), change.package_keys.end());
    }
    EXPECT_EQ(changes->package_keys, std::vector<std::string>(all_keys.begin(), all_keys.end()));
    if (const bj::value* scan = step.if_contains("scan")) {
      for (const auto& [purl, ids] : scan->as_object()) {
        Inventory inventory;
        inventory.components.push_back(ComponentOf(bj::value(purl)));
        std::vector<std::string> found;
        for (const Finding& f : Scan(inventory, db).findings) {
          if (!f.suppressed) found.push_back(f.id);
        }
        EXPECT_EQ(found, StringsOf(&ids)) << purl;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ChangeSetTest, ::testing::ValuesIn(LoadScenarios()),
                         [](const auto& test_info) { return test_info.param.name; });

TEST(Upsert, RejectsDocumentsWithoutIdentity) {
  VulnerabilityDatabase db;
  Document document;
  document.modified = "2024-01-01T00:00:00Z";
  EXPECT_FALSE(db.Upsert(document).has_value());
  document.id = "X-1";
  document.modified = "yesterday";
  EXPECT_FALSE(db.Upsert(document).has_value());
  document.modified = "2024-01-01T00:00:00Z";
  document.records.emplace_back();
  EXPECT_FALSE(db.Upsert(document).has_value());
  document.records[0].id = "X-1";
  EXPECT_TRUE(db.Upsert(document).has_value());
  EXPECT_EQ(db.Read().record_count(), 1u);
}

// --- Real data: the 50 CVE 5 records merge with the OSV advisories that alias them. ---

class RealMerge : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new VulnerabilityDatabase();
    documents_ = new std::vector<Document>();
    const std::vector<std::string> paths = {SharedData("advisories/osv-go"),
                                            SharedData("advisories/osv-pypi"), SharedData("advisories/cve5")};
    auto tree = LoadAdvisoryTree(paths);
    ASSERT_TRUE(tree.has_value());
    for (const LoadError& error : tree->errors) ADD_FAILURE() << error.file << ": " << error.reason;
    for (Document& document : tree->documents) {
      documents_->push_back(document);
      ASSERT_TRUE(db_->Upsert(std::move(document)).has_value());
    }
  }
  static void TearDownTestSuite() {
    delete db_;
    delete documents_;
  }
  static VulnerabilityDatabase* db_;
  static std::vector<Document>* documents_;
};
VulnerabilityDatabase* RealMerge::db_ = nullptr;
std::vector<Document>* RealMerge::documents_ = nullptr;

TEST_F(RealMerge, EveryCve5RecordMergesWithItsOsvRecords) {
  // The expected OSV records per CVE, read from the OSV documents independently of the merge.
  std::map<std::string, std::set<std::string>> osv_aliasing;
  std::vector<std::string> cve_records;
  for (const Document& document : *documents_) {
    for (const Record& record : document.records) {
      if (record.format == SourceFormat::kCve5) {
        cve_records.push_back(record.id);
        continue;
      }
      for (const auto& alias : record.aliases) osv_aliasing[alias].insert(record.id);
    }
  }
  ASSERT_EQ(cve_records.size(), 50u);
  const auto reader = db_->Read();
  size_t merged_records = 0;
  for (const std::string& cve : cve_records) {
    SCOPED_TRACE(cve);
    const Vulnerability* v = reader.Find(cve);
    ASSERT_NE(v, nullptr);
    EXPECT_TRUE(v->id.starts_with("CVE-")) << v->id;
    std::set<std::string> sources;
    for (const SourceRecord& source : v->sources) sources.insert(source.record_id);
    EXPECT_TRUE(sources.contains(cve));
    ASSERT_FALSE(osv_aliasing[cve].empty()) << "no OSV record aliases " << cve;
    for (const std::string& osv : osv_aliasing[cve]) {
      EXPECT_TRUE(sources.contains(osv)) << osv << " not merged into " << v->id;
      EXPECT_EQ(reader.Find(osv), v);
    }
    merged_records += sources.size();
    // Provenance is kept per source.
    for (const SourceRecord& source : v->sources) {
      EXPECT_FALSE(source.sha256.empty());
      EXPECT_FALSE(source.source_name.empty());
      EXPECT_NE(source.record, nullptr);
    }
  }
  EXPECT_GT(merged_records, 100u);  // 50 CVE records + at least 50 OSV ones
}

TEST_F(RealMerge, RelatedIdsStayApart) {
  // GO-2022-0322 names related ids; none of them is merged into it.
  const auto reader = db_->Read();
  const Vulnerability* v = reader.Find("GO-2022-0322");
  ASSERT_NE(v, nullptr);
  ASSERT_FALSE(v->related.empty());
  for (const std::string& related : v->related) {
    EXPECT_FALSE(std::binary_search(v->aliases.begin(), v->aliases.end(), related)) << related;
    const Vulnerability* other = reader.Find(related);
    if (other != nullptr) {
      EXPECT_NE(other, v) << related;
    }
  }
}

TEST_F(RealMerge, WithdrawnAdvisoriesMatchNothing) {
  // GO-2022-0617 (k8s.io/kubernetes) and GO-2024-2442 (teleport) are withdrawn.
  const auto reader = db_->Read();
  for (const std::string id : {"GO-2022-0617", "GO-2024-2442"}) {
    const Vulnerability* v = reader.Find(id);
    ASSERT_NE(v, nullptr) << id;
    EXPECT_TRUE(v->withdrawn) << id;
  }
  for (const std::string key : {"Go:k8s.io/kubernetes", "Go:github.com/gravitational/teleport"}) {
    for (const IndexEntry& entry : reader.ByPackage(key)) {
      EXPECT_TRUE(entry.source->withdrawn.empty()) << key << " " << entry.source->record_id;
      EXPECT_NE(entry.source->record_id, "GO-2022-0617");
      EXPECT_NE(entry.source->record_id, "GO-2024-2442");
    }
  }
}

}  // namespace
}  // namespace aiip::advisories
