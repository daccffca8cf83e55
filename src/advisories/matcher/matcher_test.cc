#include "advisories/matcher/matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "advisories/matcher/test_util.h"

namespace aiip::advisories {
namespace {

namespace bj = boost::json;
using testing::ComponentOf;
using testing::DocumentOf;
using testing::ReadJson;
using testing::ReadText;
using testing::SharedData;
using testing::StringsOf;
using testing::TestData;

// --- Data-driven matching rules (tests/data/advisories/matcher/match_cases.json). ---

struct MatchCase {
  std::string name;
  bj::value json;
};

std::vector<MatchCase> LoadMatchCases() {
  std::vector<MatchCase> cases;
  const bj::value file = ReadJson(TestData("match_cases.json"));
  for (const auto& item : file.at("cases").as_array()) {
    cases.push_back({std::string(item.at("name").as_string()), item});
  }
  return cases;
}

class MatchCaseTest : public ::testing::TestWithParam<MatchCase> {};

TEST_P(MatchCaseTest, FindsExactlyTheExpectedFindings) {
  const bj::object& c = GetParam().json.as_object();
  VulnerabilityDatabase db;
  for (const auto& advisory : c.at("advisories").as_array()) {
    auto changes = db.Upsert(DocumentOf(advisory));
    ASSERT_TRUE(changes.has_value()) << changes.error().ToString();
  }
  Inventory inventory;
  for (const auto& component : c.at("components").as_array())
    inventory.components.push_back(ComponentOf(component));
  ScanOptions options;
  if (auto* cpe = c.if_contains("cpe")) options.cpe = cpe->as_bool();
  const ScanResult result = Scan(inventory, db, options);

  const auto& expected = c.at("expect").as_array();
  ASSERT_EQ(result.findings.size(), expected.size()) << [&] {
    std::string got;
    for (const auto& f : result.findings) got += std::to_string(f.component) + " " + f.id + "\n";
    return got;
  }();
  for (size_t i = 0; i < expected.size(); ++i) {
    const bj::object& e = expected[i].as_object();
    const Finding& f = result.findings[i];
    SCOPED_TRACE("finding " + std::to_string(i) + " " + f.id);
    EXPECT_EQ(f.component, static_cast<size_t>(e.at("component").as_int64()));
    EXPECT_EQ(f.id, e.at("id").as_string());
    EXPECT_EQ(f.sources, StringsOf(e.if_contains("sources")));
    EXPECT_EQ(f.fixed, StringsOf(e.if_contains("fixed")));
    const bool suppressed = e.contains("suppressed") && e.at("suppressed").as_bool();
    EXPECT_EQ(f.suppressed, suppressed) << f.reason;
    if (suppressed) {
      EXPECT_FALSE(f.reason.empty());
    }
    const std::string confidence =
        e.contains("confidence") ? std::string(e.at("confidence").as_string()) : "purl";
    EXPECT_EQ(ConfidenceName(f.confidence), confidence);
  }
  const size_t notes = c.contains("notes") ? static_cast<size_t>(c.at("notes").as_int64()) : 0;
  EXPECT_EQ(result.notes.size(), notes);
}

INSTANTIATE_TEST_SUITE_P(Cases, MatchCaseTest, ::testing::ValuesIn(LoadMatchCases()),
                         [](const auto& test_info) { return test_info.param.name; });

// --- The proton-bridge SBOM against the Go vulnerability database, pinned and checked by
// hand (tests/data/advisories/matcher/proton_bridge_expected.json). ---

VulnerabilityDatabase& GoDatabase() {
  static VulnerabilityDatabase* db = [] {
    auto* database = new VulnerabilityDatabase();
    const std::vector<std::string> paths = {SharedData("advisories/osv-go")};
    auto tree = LoadAdvisoryTree(paths);
    EXPECT_TRUE(tree.has_value());
    if (tree) {
      EXPECT_TRUE(tree->errors.empty());
      for (Document& document : tree->documents)
        EXPECT_TRUE(database->Upsert(std::move(document)).has_value());
    }
    return database;
  }();
  return *db;
}

TEST(ProtonBridge, FindsThePinnedGoAdvisories) {
  auto inventory =
      ParseInventory(ReadText(SharedData("sbom/cyclonedx-proton-bridge_proton-bridge-v1.6.3.bom.json")));
  ASSERT_TRUE(inventory.has_value()) << inventory.error().ToString();
  const ScanResult result = Scan(*inventory, GoDatabase());
  const bj::value expected = ReadJson(TestData("proton_bridge_expected.json"));
  const auto& pinned = expected.at("findings").as_array();

  std::set<std::pair<std::string, std::string>> got, want;
  for (const Finding& f : result.findings) {
    EXPECT_FALSE(f.suppressed);
    got.emplace(f.purl, f.id);
  }
  for (const auto& item : pinned) {
    want.emplace(std::string(item.at("purl").as_string()), std::string(item.at("id").as_string()));
  }
  for (const auto& pair : want)
    EXPECT_TRUE(got.contains(pair)) << "missing " << pair.first << " " << pair.second;
  for (const auto& pair : got)
    EXPECT_TRUE(want.contains(pair)) << "unexpected " << pair.first << " " << pair.second;
  EXPECT_EQ(result.findings.size(), pinned.size());
  // Sources and fixed versions as pinned.
  for (const auto& item : pinned) {
    const std::string purl(item.at("purl").as_string()), id(item.at("id").as_string());
    auto it = std::find_if(result.findings.begin(), result.findings.end(),
                           [&](const Finding& f) { return f.purl == purl && f.id == id; });
    if (it == result.findings.end()) continue;
    EXPECT_EQ(it->sources, StringsOf(item.as_object().if_contains("sources"))) << purl << " " << id;
    EXPECT_EQ(it->fixed, StringsOf(item.as_object().if_contains("fixed"))) << purl << " " << id;
  }
}

// --- CycloneDX VEX: the BOM-Link statement of sbom/vex/vex.json suppresses the finding for
// jackson-databind 2.10.0 in sbom/vex/bom.json. ---

Document JacksonAdvisory() {
  const bj::value cases = ReadJson(TestData("match_cases.json"));
  for (const auto& c : cases.at("cases").as_array()) {
    if (c.at("name") == "maven_group_artifact") return DocumentOf(c.at("advisories").as_array().at(0));
  }
  ADD_FAILURE() << "maven_group_artifact case missing";
  return {};
}

TEST(CycloneDxVex, NotAffectedStatementSuppressesWithReason) {
  VulnerabilityDatabase db;
  ASSERT_TRUE(db.Upsert(JacksonAdvisory()).has_value());
  auto bom = ParseInventory(ReadText(SharedData("sbom/vex/bom.json")));
  ASSERT_TRUE(bom.has_value()) << bom.error().ToString();

  const ScanResult plain = Scan(*bom, db);
  ASSERT_EQ(plain.findings.size(), 1u);
  EXPECT_FALSE(plain.findings[0].suppressed);
  EXPECT_EQ(plain.findings[0].id, "CVE-2020-25649");

  auto vex = ParseInventory(ReadText(SharedData("sbom/vex/vex.json")));
  ASSERT_TRUE(vex.has_value()) << vex.error().ToString();
  bom->vex = vex->vex;
  const ScanResult result = Scan(*bom, db);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_TRUE(result.findings[0].suppressed);
  EXPECT_NE(result.findings[0].reason.find("not_affected"), std::string::npos) << result.findings[0].reason;
  EXPECT_NE(result.findings[0].reason.find("code_not_reachable"), std::string::npos)
      << result.findings[0].reason;
}

TEST(CycloneDxVex, StatementsAboutOtherVersionsOrStatesDoNotSuppress) {
  VulnerabilityDatabase db;
  ASSERT_TRUE(db.Upsert(JacksonAdvisory()).has_value());
  Inventory inventory;
  inventory.components.push_back(
      ComponentOf(bj::parse(R"({"purl": "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0",
                                "bom_ref": "acme-product"})")));
  // Use-Cases 4 (not_affected for >=2.2.0|<=2.4.0), 2 (exploitable) and 1 (not_affected).
  for (const auto& [file, suppressed] :
       std::vector<std::pair<std::string, bool>>{{"Use-Cases_Case-4_vex.json", false},
                                                 {"Use-Cases_Case-2_vex.json", false},
                                                 {"Use-Cases_Case-1_vex.json", true}}) {
    auto vex = ParseInventory(ReadText(SharedData("sbom/vex/" + file)));
    ASSERT_TRUE(vex.has_value()) << file;
    inventory.vex = vex->vex;
    const ScanResult result = Scan(inventory, db);
    ASSERT_EQ(result.findings.size(), 1u) << file;
    EXPECT_EQ(result.findings[0].suppressed, suppressed) << file << ": " << result.findings[0].reason;
  }
}

// --- InventoryIndex and alerts. ---

std::vector<std::string> SbomFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(SharedData("sbom"))) {
    if (entry.is_regular_file() && entry.path().extension() == ".json")
      files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// For advisories of the Go database taken out and put back one by one, AffectedInventories
// over the indexed real SBOMs gives exactly what a full rescan of every SBOM finds for that
// vulnerability.
TEST(InventoryIndex, AffectedInventoriesEqualsFullRescan) {
  const std::vector<std::string> files = SbomFiles();
  std::vector<Inventory> inventories;
  InventoryIndex index;
  for (const std::string& file : files) {
    auto inventory = ParseInventory(ReadText(file));
    ASSERT_TRUE(inventory.has_value()) << file;
    index.Put(file, *inventory);
    inventories.push_back(std::move(*inventory));
  }
  EXPECT_EQ(index.size(), files.size());

  // The advisories that hit proton-bridge, replayed as if new.
  const bj::value expected = ReadJson(TestData("proton_bridge_expected.json"));
  std::set<std::string> ids;
  for (const auto& item : expected.at("findings").as_array()) {
    for (const auto& source : item.at("sources").as_array()) ids.insert(std::string(source.as_string()));
  }
  ASSERT_FALSE(ids.empty());
  for (const std::string& id : ids) {
    SCOPED_TRACE(id);
    VulnerabilityDatabase db;
    auto document = ParseAdvisory(ReadText(SharedData("advisories/osv-go/" + id + ".json")), id);
    ASSERT_TRUE(document.has_value());
    auto changes = db.Upsert(*document);
    ASSERT_TRUE(changes.has_value());
    ASSERT_FALSE(changes->empty());
    const std::vector<InventoryFindings> affected = AffectedInventories(*changes, db, index);
    std::map<std::string, std::vector<Finding>> by_inventory;
    for (const auto& item : affected) by_inventory[item.inventory_id] = item.findings;
    for (size_t i = 0; i < files.size(); ++i) {
      const ScanResult full = Scan(inventories[i], db);
      auto it = by_inventory.find(files[i]);
      const std::vector<Finding> none;
      const std::vector<Finding>& got = it == by_inventory.end() ? none : it->second;
      ASSERT_EQ(got.size(), full.findings.size()) << files[i];
      for (size_t k = 0; k < got.size(); ++k) {
        EXPECT_EQ(got[k].component, full.findings[k].component);
        EXPECT_EQ(got[k].id, full.findings[k].id);
        EXPECT_EQ(got[k].fixed, full.findings[k].fixed);
        EXPECT_EQ(got[k].sources, full.findings[k].sources);
      }
    }
    // The proton-bridge SBOM holds an affected module: it must be among the results with a finding.
    const auto proton = std::find_if(files.begin(), files.end(), [](const std::string& f) {
      return f.find("proton-bridge") != std::string::npos;
    });
    ASSERT_NE(proton, files.end());
    EXPECT_FALSE(by_inventory[*proton].empty());
  }
}

TEST(InventoryIndex, AffectedHoldersAppliesEachInventorysVex) {
  InventoryIndex index;
  auto bom = ParseInventory(ReadText(SharedData("sbom/vex/bom.json")));
  auto vex = ParseInventory(ReadText(SharedData("sbom/vex/vex.json")));
  ASSERT_TRUE(bom.has_value() && vex.has_value());
  index.Put("plain", *bom);
  Inventory with_vex = *bom;
  with_vex.vex = vex->vex;
  index.Put("with-vex", with_vex);

  VulnerabilityDatabase db;
  auto changes = db.Upsert(JacksonAdvisory());
  ASSERT_TRUE(changes.has_value());
  const AffectedSet set = AffectedHolders(*changes, db, index);
  ASSERT_EQ(set.holders.size(), 2u);
  ASSERT_EQ(set.findings.size(), 1u);  // one component identity, matched once for both
  for (const AffectedSet::Holder& holder : set.holders) {
    ASSERT_EQ(holder.hits.size(), 1u);
    const bool suppressed = holder.inventory_id == "with-vex";
    EXPECT_EQ(AlertsOnNew(set, holder), !suppressed) << holder.inventory_id;
    const std::vector<Finding> findings = set.FindingsOf(holder);
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].suppressed, suppressed);
    EXPECT_EQ(findings[0].id, "CVE-2020-25649");
    // The same as a full scan of that inventory.
    const ScanResult full = Scan(suppressed ? with_vex : *bom, db);
    ASSERT_EQ(full.findings.size(), 1u);
    EXPECT_EQ(full.findings[0].component, findings[0].component);
    EXPECT_EQ(full.findings[0].reason, findings[0].reason);
  }
}

TEST(InventoryIndex, RemoveAndReplace) {
  InventoryIndex index;
  Inventory a;
  a.components.push_back(ComponentOf(bj::value("pkg:npm/x@1.0.0")));
  index.Put("inv-a", a);
  index.Put("inv-b", a);
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.entry_count(), 2u);
  EXPECT_EQ(index.interned_count(), 1u);
  EXPECT_TRUE(index.Remove("inv-a"));
  EXPECT_FALSE(index.Remove("inv-a"));
  EXPECT_EQ(index.entry_count(), 1u);

  VulnerabilityDatabase db;
  auto changes =
      db.Upsert(DocumentOf(bj::parse(R"({"id": "GHSA-r001-0001-0001", "modified": "2024-01-01T00:00:00Z",
      "affected": [{"package": {"ecosystem": "npm", "name": "x"},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}]}]})")));
  ASSERT_TRUE(changes.has_value());
  auto affected = AffectedInventories(*changes, db, index);
  ASSERT_EQ(affected.size(), 1u);
  EXPECT_EQ(affected[0].inventory_id, "inv-b");
  ASSERT_EQ(affected[0].findings.size(), 1u);

  // Replacing inv-b with a fixed version: still a holder of the package, no finding.
  Inventory fixed;
  fixed.components.push_back(ComponentOf(bj::value("pkg:npm/x@1.0.1")));
  index.Put("inv-b", fixed);
  affected = AffectedInventories(*changes, db, index);
  ASSERT_EQ(affected.size(), 1u);
  EXPECT_TRUE(affected[0].findings.empty());
}

// DiffFindings over the lifecycle of one advisory: new, unchanged by a text edit, new fix,
// renamed by a merge (no alert), withdrawn.
TEST(DiffFindings, AlertsOnMeaningfulChangeOnly) {
  InventoryIndex index;
  Inventory inventory;
  inventory.components.push_back(ComponentOf(bj::value("pkg:golang/example.com/d@v1.5.0")));
  index.Put("inv", inventory);
  VulnerabilityDatabase db;
  std::vector<Finding> current;

  auto step = [&](std::string_view json) {
    auto changes = db.Upsert(DocumentOf(bj::parse(json)));
    EXPECT_TRUE(changes.has_value());
    const auto affected = AffectedInventories(*changes, db, index);
    std::vector<Finding> after;
    for (const auto& item : affected) {
      if (item.inventory_id == "inv") after = item.findings;
    }
    FindingDiff diff = DiffFindings(current, after, *changes);
    current = MergeFindings(current, after, *changes);
    return diff;
  };

  FindingDiff diff = step(R"({"id": "GO-D-1", "modified": "2024-01-01T00:00:00Z",
      "affected": [{"package": {"ecosystem": "Go", "name": "example.com/d"},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}]}]}]})");
  EXPECT_TRUE(diff.alert());
  EXPECT_EQ(diff.added.size(), 1u);

  diff = step(R"({"id": "GO-D-1", "modified": "2024-01-02T00:00:00Z", "summary": "edited",
      "affected": [{"package": {"ecosystem": "Go", "name": "example.com/d"},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}]}]}]})");
  EXPECT_FALSE(diff.alert());

  diff = step(R"({"id": "GO-D-1", "modified": "2024-01-03T00:00:00Z",
      "affected": [{"package": {"ecosystem": "Go", "name": "example.com/d"},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.6.0"}]}]}]})");
  EXPECT_TRUE(diff.alert());
  ASSERT_EQ(diff.new_fix.size(), 1u);
  EXPECT_EQ(diff.new_fix[0].fixed, std::vector<std::string>{"1.6.0"});

  diff = step(R"({"id": "GHSA-d001-0001-0001", "modified": "2024-01-03T00:00:00Z", "aliases": ["GO-D-1"],
      "affected": [{"package": {"ecosystem": "Go", "name": "example.com/d"},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.6.0"}]}]}]})");
  EXPECT_FALSE(diff.alert()) << diff.added.size() << " " << diff.new_fix.size();
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0].id, "GHSA-d001-0001-0001");
  EXPECT_EQ(current[0].sources, (std::vector<std::string>{"GHSA-d001-0001-0001", "GO-D-1"}));

  step(
      R"({"id": "GHSA-d001-0001-0001", "modified": "2024-01-04T00:00:00Z", "withdrawn": "2024-01-04T00:00:00Z",
      "aliases": ["GO-D-1"], "affected": []})");
  diff = step(R"({"id": "GO-D-1", "modified": "2024-01-04T00:00:00Z", "withdrawn": "2024-01-04T00:00:00Z",
      "affected": [{"package": {"ecosystem": "Go", "name": "example.com/d"},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.6.0"}]}]}]})");
  EXPECT_TRUE(diff.alert());
  EXPECT_EQ(diff.withdrawn.size(), 1u);
  EXPECT_TRUE(current.empty());
}

}  // namespace
}  // namespace aiip::advisories
