#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/json.h"
#include "incidents/report/report_json.h"
#include "incidents/report/values.h"

namespace aiip::incidents {
namespace {

namespace bj = boost::json;
const std::filesystem::path kData = std::filesystem::path(AIIP_SOURCE_DIR) / "tests/data/incidents/reports";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bj::value Load(const std::filesystem::path& path) { return bj::parse(ReadFile(path)); }

// Sets (creating the last member if needed) or removes the value at a JSON Pointer.
void Edit(bj::value& doc, std::string_view pointer, const bj::value* value) {
  const size_t slash = pointer.rfind('/');
  boost::system::error_code ec;
  bj::value* parent = slash == 0 ? &doc : doc.find_pointer(pointer.substr(0, slash), ec);
  ASSERT_NE(parent, nullptr) << pointer;
  const std::string key(pointer.substr(slash + 1));
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

TEST(ReportTest, ValidReportsParseAndRoundTrip) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kData / "valid")) {
    SCOPED_TRACE(entry.path().filename().string());
    auto report = ParseReport(ReadFile(entry.path()));
    ASSERT_TRUE(report.has_value()) << report.error().ToString();
    EXPECT_TRUE(ValidateReport(*report).ok()) << ValidateReport(*report).ToString();
    auto again = ParseReport(SerializeReport(*report));
    ASSERT_TRUE(again.has_value()) << again.error().ToString();
    EXPECT_EQ(*again, *report);
    EXPECT_EQ(SerializeReport(*again), SerializeReport(*report));
    ++count;
  }
  EXPECT_EQ(count, 4);
}

TEST(ReportTest, FullReportIsCanonicalised) {
  auto report = ParseReport(ReadFile(kData / "valid/full.json"));
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_EQ(report->sector, Sector::kFinancialMarketInfrastructures);
  EXPECT_EQ(report->attack_type.ToString(), "availability:ddos");
  EXPECT_EQ(report->tlp, Tlp::kAmberStrict);
  EXPECT_TRUE(report->national_only);
  ASSERT_EQ(report->indicators.size(), 11u);
  EXPECT_EQ(report->indicators[1].type, IndicatorType::kIpv4);
  EXPECT_EQ(report->indicators[2].value, "2a01:4f8::1");
  EXPECT_EQ(report->indicators[3].value, "booter-panel.example.net");
  EXPECT_EQ(report->indicators[4].value, "https://booter-panel.example.net/api/attack?target=x");
  EXPECT_EQ(report->indicators[5].value, "Ops@booter-panel.example.net");
  EXPECT_EQ(report->indicators[6].value, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(report->affected_products[0].kind, AffectedProduct::Kind::kPurl);
  EXPECT_EQ(report->affected_products[1].kind, AffectedProduct::Kind::kCpe);
  EXPECT_EQ(report->affected_products[2].kind, AffectedProduct::Kind::kText);
  EXPECT_EQ(report->attachments[0].sha256,
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  EXPECT_EQ(FormatIpNetwork(report->reporter_networks[1]), "2001:db8:42::/48");
  // Offsets are converted to UTC: 11:00+01:00 is 10:00Z.
  const std::string json = SerializeReport(*report);
  EXPECT_NE(json.find("\"reported_at\":\"2025-03-02T10:00:00.000Z\""), std::string::npos) << json;
}

TEST(ReportTest, RouteNamesAreFirstSeenAndLastSeen) {
  auto report = ParseReport(ReadFile(kData / "valid/route_names.json"));
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  ASSERT_TRUE(report->last_seen.has_value());
  const std::string json = SerializeReport(*report);
  EXPECT_NE(json.find("\"first_seen\""), std::string::npos);
  EXPECT_EQ(json.find("\"start\""), std::string::npos);
  EXPECT_EQ(report->recipients.size(), 2u);
}

TEST(ReportTest, InvalidCasesNameTheField) {
  const bj::value base = Load(kData / "valid/full.json");
  const bj::value cases = Load(kData / "invalid.json");
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
    auto report = ParseReport(bj::serialize(doc));
    ASSERT_FALSE(report.has_value()) << name;
    EXPECT_EQ(report.error().code(), Code::kInvalidArgument);
    EXPECT_EQ(report.error().type(), std::string(c.at("type").as_string())) << report.error().ToString();
    EXPECT_EQ(report.error().field(), std::string(c.at("field").as_string())) << report.error().ToString();
    EXPECT_FALSE(report.error().detail().empty());
    ++count;
  }
  EXPECT_GE(count, 50);
}

TEST(ReportTest, IndicatorValueTable) {
  const bj::value table = Load(kData / "indicator_values.json");
  for (const bj::value& row : table.at("valid").as_array()) {
    const auto& r = row.as_array();
    const std::string type(r[0].as_string()), input(r[1].as_string()), canonical(r[2].as_string());
    auto parsed_type = ParseIndicatorType(type);
    ASSERT_TRUE(parsed_type.has_value()) << type;
    auto value = CanonicalIndicatorValue(*parsed_type, input);
    ASSERT_TRUE(value.has_value()) << type << " " << input << ": " << value.error().ToString();
    EXPECT_EQ(*value, canonical) << type << " " << input;
    auto again = CanonicalIndicatorValue(*parsed_type, *value);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, *value) << "canonical form is not a fixed point";
  }
  for (const bj::value& row : table.at("invalid").as_array()) {
    const auto& r = row.as_array();
    const std::string type(r[0].as_string()), input(r[1].as_string());
    auto value = CanonicalIndicatorValue(*ParseIndicatorType(type), input);
    EXPECT_FALSE(value.has_value()) << type << " '" << input << "' was accepted as " << value.value_or("");
    if (!value) {
      EXPECT_EQ(value.error().type(), "invalid-value");
    }
  }
}

TEST(ReportTest, Vocabularies) {
  EXPECT_EQ(AllSectors().size(), 19u);
  for (Sector s : AllSectors()) EXPECT_EQ(ParseSector(SectorCode(s)), s);
  for (Tlp t : {Tlp::kClear, Tlp::kGreen, Tlp::kAmber, Tlp::kAmberStrict, Tlp::kRed}) {
    EXPECT_EQ(ParseTlp(TlpName(t)), t);
  }
  size_t types = 0;
  for (const RsitClass& c : RsitTaxonomy()) {
    EXPECT_EQ(ParseAttackType(c.klass)->ToString(), c.klass);
    for (std::string_view t : c.types) {
      ++types;
      const std::string full = std::string(c.klass) + ":" + std::string(t);
      EXPECT_EQ(ParseAttackType(full)->ToString(), full);
      // Bare type names are unique across classes, so each finds its own class (a name that
      // is also a class, "other" and "test", means the class).
      EXPECT_EQ(ParseAttackType(t)->ToString(), t == c.klass ? std::string(t) : full);
    }
  }
  EXPECT_EQ(types, 39u);
  EXPECT_FALSE(ParseAttackType("availability:").has_value());
  EXPECT_FALSE(ParseAttackType(":ddos").has_value());
  EXPECT_EQ(BandOf(0), LossBand::kBelow10k);
  EXPECT_EQ(BandOf(9'999), LossBand::kBelow10k);
  EXPECT_EQ(BandOf(10'000), LossBand::k10kTo100k);
  EXPECT_EQ(BandOf(999'999), LossBand::k100kTo1m);
  EXPECT_EQ(BandOf(1'000'000), LossBand::k1mTo10m);
  EXPECT_EQ(BandOf(100'000'000), LossBand::k100mOrMore);
  EXPECT_TRUE(IsCountryCode("DE"));
  EXPECT_FALSE(IsCountryCode("UK"));
  EXPECT_TRUE(IsSubdivisionCode("DE-BY"));
  EXPECT_TRUE(IsCurrencyCode("EUR"));
  EXPECT_FALSE(IsCurrencyCode("XYZ"));
}

TEST(ReportTest, NetworkContainment) {
  auto net = *ParseIpNetwork("10.0.0.0/8");
  auto host = *ParseIpNetwork("10.200.3.4");
  auto other = *ParseIpNetwork("11.0.0.1");
  auto v6 = *ParseIpNetwork("::ffff:10.0.0.1");
  EXPECT_TRUE(Contains(net, host));
  EXPECT_FALSE(Contains(host, net));
  EXPECT_TRUE(Overlaps(host, net));
  EXPECT_FALSE(Contains(net, other));
  EXPECT_FALSE(Overlaps(net, v6));
  EXPECT_TRUE(Contains(*ParseIpNetwork("0.0.0.0/0"), other));
  EXPECT_TRUE(Overlaps(*ParseIpNetwork("2001:db8::/32"), *ParseIpNetwork("2001:db8:ffff::/48")));
}

TEST(ReportTest, ValidateReportCatchesHandBuiltMistakes) {
  auto report = *ParseReport(ReadFile(kData / "valid/minimal.json"));
  EXPECT_TRUE(ValidateReport(report).ok());
  Report bad = report;
  bad.indicators.push_back({IndicatorType::kDomain, "Example.COM"});
  EXPECT_EQ(ValidateReport(bad).field(), "/indicators");
  bad = report;
  bad.tlp = Tlp::kRed;
  EXPECT_EQ(ValidateReport(bad).field(), "/recipients");
}

TEST(ReportTest, MalformedJson) {
  EXPECT_EQ(ParseReport("{").error().type(), "malformed-json");
  EXPECT_EQ(ParseReport("[]").error().type(), "not-an-object");
}

}  // namespace
}  // namespace aiip::incidents
