#include "incidents/stix/stix.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "incidents/report/report_json.h"
#include "incidents/report/values.h"

namespace aiip::incidents::stix {
namespace {

namespace bj = boost::json;
const std::filesystem::path kData = std::filesystem::path(AIIP_SOURCE_DIR) / "tests/data/incidents/stix";
const std::filesystem::path kExamples =
    std::filesystem::path(AIIP_SOURCE_DIR) / "../shared/data/specs/stix/examples";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Edit(bj::value& doc, std::string_view pointer, const bj::value* value) {
  const size_t slash = pointer.rfind('/');
  boost::system::error_code ec;
  bj::value* parent = slash == 0 ? &doc : doc.find_pointer(pointer.substr(0, slash), ec);
  ASSERT_NE(parent, nullptr) << pointer;
  std::string key(pointer.substr(slash + 1));
  for (size_t at = key.find("~1"); at != std::string::npos; at = key.find("~1")) key.replace(at, 2, "/");
  if (parent->is_array()) {
    bj::array& a = parent->as_array();
    const size_t index = std::stoul(key);
    ASSERT_LT(index, a.size()) << pointer;
    if (value != nullptr) {
      a[index] = *value;
    } else {
      a.erase(a.begin() + static_cast<std::ptrdiff_t>(index));
    }
  } else if (value != nullptr) {
    parent->as_object()[key] = *value;
  } else {
    parent->as_object().erase(key);
  }
}

// Every example of specs/stix/examples, with what ValidateBundle and BundleToReport say.
// The reasons are in doc/incidents.md ("STIX examples").
struct ExampleOutcome {
  std::string_view file;
  std::string_view validate_type;  // "" = valid bundle
  std::string_view validate_field;
  std::string_view import_type;  // problem BundleToReport gives
};
constexpr ExampleOutcome kExampleOutcomes[] = {
    {"indicator-for-c2-ip-address.json", "", "", "no-incident"},
    {"indicator-to-campaign-relationship.json", "", "", "no-incident"},
    {"indicators-for-C2-with-COA.json", "", "", "no-incident"},
    {"infrastructure.json", "", "", "no-incident"},
    {"interop-objectmarking-test.json", "invalid-value", "/type", "invalid-value"},
    {"malicious-email-indicator-with-attachment.json", "", "", "no-incident"},
    {"threat-reports/apt1.json", "", "", "no-incident"},
    {"threat-reports/poisonivy.json", "", "", "no-incident"},
};

TEST(StixTest, SpecExamples) {
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kExamples)) {
    if (entry.path().extension() == ".json") ++files;
  }
  EXPECT_EQ(files, std::size(kExampleOutcomes)) << "an example has no expected outcome";
  for (const ExampleOutcome& e : kExampleOutcomes) {
    SCOPED_TRACE(std::string(e.file));
    const std::string text = ReadFile(kExamples / e.file);
    ASSERT_FALSE(text.empty());
    auto bundle = ValidateBundle(text);
    if (e.validate_type.empty()) {
      EXPECT_TRUE(bundle.has_value()) << bundle.error().ToString();
    } else {
      ASSERT_FALSE(bundle.has_value());
      EXPECT_EQ(bundle.error().type(), e.validate_type) << bundle.error().ToString();
      EXPECT_EQ(bundle.error().field(), e.validate_field) << bundle.error().ToString();
    }
    auto import = BundleToReport(text);
    ASSERT_FALSE(import.has_value());
    EXPECT_EQ(import.error().type(), e.import_type) << import.error().ToString();
  }
}

TEST(StixTest, IncidentBundleMapsToReport) {
  auto import = BundleToReport(ReadFile(kData / "bundles/incident-ddos.json"));
  ASSERT_TRUE(import.has_value()) << import.error().ToString();
  const Report& r = import->report;
  EXPECT_TRUE(ValidateReport(r).ok()) << ValidateReport(r).ToString();
  EXPECT_EQ(r.title, "DDoS against the settlement gateway");
  EXPECT_EQ(r.narrative, "Volumetric UDP reflection peaking at 310 Gbit/s.");
  EXPECT_EQ(r.tlp, Tlp::kGreen);
  EXPECT_EQ(r.sector, Sector::kBanking);
  EXPECT_EQ(r.attack_type.ToString(), "availability:ddos");
  ASSERT_TRUE(r.reporter.has_value());
  EXPECT_EQ(r.reporter->organisation, "Clearing Bank AG");
  EXPECT_EQ(r.reporter->email, "soc@clearing-bank.example");
  const std::string json = SerializeReport(r);
  EXPECT_NE(json.find("\"first_seen\":\"2025-03-02T06:10:00.000Z\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"last_seen\":\"2025-03-02T09:45:30.250Z\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"reported_at\":\"2025-03-02T11:00:00.000Z\""), std::string::npos) << json;
  std::vector<std::string> got;
  for (const Indicator& i : r.indicators)
    got.push_back(std::string(IndicatorTypeName(i.type)) + " " + i.value);
  const std::vector<std::string> want = {
      "ipv4 185.220.101.4",
      "ipv4 45.155.205.0/24",
      "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "stix-pattern [network-traffic:dst_port = 123 AND network-traffic:src_ref.value = '203.0.113.50']",
      "ipv4 198.51.100.77",
      "domain booter-panel.example.net",
  };
  EXPECT_EQ(got, want);
  bool sigma_noted = false;
  for (const std::string& n : import->notes)
    sigma_noted = sigma_noted || n.find("sigma") != std::string::npos;
  EXPECT_TRUE(sigma_noted);
}

TEST(StixTest, InvalidBundlesNameTheProperty) {
  const bj::value base = bj::parse(ReadFile(kData / "bundles/incident-ddos.json"));
  ASSERT_TRUE(ValidateBundleObject(base.as_object()).ok());
  const bj::value cases = bj::parse(ReadFile(kData / "invalid.json"));
  int count = 0;
  for (const bj::value& c : cases.at("cases").as_array()) {
    const std::string name(c.at("name").as_string());
    SCOPED_TRACE(name);
    bj::value doc = base;
    if (const bj::value* set = c.as_object().if_contains("set")) {
      for (const auto& [pointer, value] : set->as_object()) Edit(doc, pointer, &value);
    }
    if (const bj::value* remove = c.as_object().if_contains("remove")) {
      for (const bj::value& pointer : remove->as_array()) Edit(doc, pointer.as_string(), nullptr);
    }
    auto result = ValidateBundle(bj::serialize(doc));
    ASSERT_FALSE(result.has_value()) << name;
    EXPECT_EQ(result.error().type(), std::string(c.at("type").as_string())) << result.error().ToString();
    EXPECT_EQ(result.error().field(), std::string(c.at("field").as_string())) << result.error().ToString();
    ++count;
  }
  EXPECT_GE(count, 55);
}

TEST(StixTest, BundleShapeErrors) {
  EXPECT_EQ(ValidateBundle("[]").error().type(), "not-an-object");
  EXPECT_EQ(ValidateBundle("{\"type\":\"bundle\"}").error().field(), "/id");
  auto empty =
      BundleToReport("{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\"}");
  EXPECT_EQ(empty.error().type(), "no-incident");
  bj::value two = bj::parse(ReadFile(kData / "bundles/incident-ddos.json"));
  bj::value copy = two.at("objects").at(2);
  copy.as_object()["id"] = "incident--1b2f2d2b-17d4-4cbf-938f-98ee46b3cd3f";
  two.at("objects").as_array().push_back(copy);
  auto several = BundleToReport(bj::serialize(two));
  ASSERT_FALSE(several.has_value());
  EXPECT_EQ(several.error().type(), "several-incidents");
  EXPECT_EQ(several.error().field(), "/objects/11");
}

TEST(StixTest, ReportRoundTripsThroughABundle) {
  const std::filesystem::path reports =
      std::filesystem::path(AIIP_SOURCE_DIR) / "tests/data/incidents/reports/valid";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(reports)) {
    SCOPED_TRACE(entry.path().filename().string());
    auto report = ParseReport(ReadFile(entry.path()));
    ASSERT_TRUE(report.has_value());
    const bj::object bundle = ReportToBundle(*report, {"rpt-" + entry.path().stem().string(), SystemTime{}});
    const std::string text = bj::serialize(bundle);
    ASSERT_TRUE(ValidateBundleObject(bundle).ok()) << ValidateBundleObject(bundle).ToString() << "\n" << text;
    auto import = BundleToReport(text);
    ASSERT_TRUE(import.has_value()) << import.error().ToString();
    EXPECT_EQ(SerializeReport(import->report), SerializeReport(*report));
    EXPECT_TRUE(import->report == *report);
    // Stable ids: the same report exports to the same bundle.
    EXPECT_EQ(bj::serialize(ReportToBundle(*report, {"rpt-" + entry.path().stem().string(), SystemTime{}})),
              text);
    ++count;
  }
  EXPECT_EQ(count, 4);
}

TEST(StixTest, TlpMarkings) {
  for (Tlp t : {Tlp::kClear, Tlp::kGreen, Tlp::kAmber, Tlp::kAmberStrict, Tlp::kRed}) {
    EXPECT_EQ(TlpOfMarking(TlpMarkingId(t)), t);
  }
  EXPECT_EQ(TlpOfMarking("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"), Tlp::kClear);
  EXPECT_EQ(TlpOfMarking("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"), Tlp::kRed);
  EXPECT_FALSE(TlpOfMarking("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ec").has_value());
}

}  // namespace
}  // namespace aiip::incidents::stix
