#include "incidents/sanitiser/sanitiser.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "crypto/hmac.h"
#include "incidents/report/report_json.h"
#include "incidents/report/values.h"
#include "incidents/stix/stix.h"

namespace aiip::incidents::sanitiser {
namespace {

namespace bj = boost::json;
const std::filesystem::path kData = std::filesystem::path(AIIP_SOURCE_DIR) / "tests/data/incidents/sanitiser";
constexpr std::string_view kSalt = "0123456789abcdef0123456789abcdef";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Case {
  std::string name;
  Report report;
  Rules rules;
  std::vector<std::string> planted;
  std::vector<std::string> attacker;
};

std::vector<Case> Cases() {
  std::vector<Case> out;
  for (const auto& entry : std::filesystem::directory_iterator(kData)) {
    if (entry.path().extension() != ".json") continue;
    const bj::value doc = bj::parse(ReadFile(entry.path()));
    Case c;
    c.name = entry.path().filename().string();
    auto report = ParseReportObject(doc.at("report").as_object(), "/report");
    EXPECT_TRUE(report.has_value()) << c.name << ": " << report.error().ToString();
    if (!report) continue;
    c.report = *report;
    Rules per_report;
    if (const bj::value* rules = doc.as_object().if_contains("rules")) {
      auto parsed = ParseRulesObject(rules->as_object(), "/rules", NoRules());
      EXPECT_TRUE(parsed.has_value()) << parsed.error().ToString();
      per_report = parsed.value_or(NoRules());
    }
    c.rules = MergeRules(Rules{}, per_report);
    for (const bj::value& p : doc.at("planted").as_array()) c.planted.emplace_back(p.as_string());
    for (const bj::value& a : doc.at("attacker").as_array()) c.attacker.emplace_back(a.as_string());
    out.push_back(std::move(c));
  }
  return out;
}

TEST(SanitiserTest, PlantedDataNeverReachesTheSanitisedReport) {
  const std::vector<Case> cases = Cases();
  ASSERT_EQ(cases.size(), 2u);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Report before = c.report;
    const Sanitised s = Sanitise(c.report, c.rules, kSalt);
    EXPECT_EQ(c.report, before) << "the original changed";
    EXPECT_TRUE(ValidateReport(s.report).ok()) << ValidateReport(s.report).ToString();
    // Every route out of the node carries one of these two serialisations.
    const std::string native = Lower(SerializeReport(s.report));
    const std::string bundle =
        Lower(bj::serialize(stix::ReportToBundle(s.report, {"rpt-test", SystemTime{}})));
    const std::string log = Lower(bj::serialize(RedactionLogToJson(s.redactions, kSalt)));
    for (const std::string& planted : c.planted) {
      EXPECT_EQ(native.find(Lower(planted)), std::string::npos) << "'" << planted << "' leaked into\n"
                                                                << native;
      EXPECT_EQ(bundle.find(Lower(planted)), std::string::npos)
          << "'" << planted << "' leaked into the bundle";
      EXPECT_EQ(log.find(Lower(planted)), std::string::npos) << "'" << planted << "' is in the redaction log";
    }
    for (const std::string& attacker : c.attacker) {
      EXPECT_NE(native.find(Lower(attacker)), std::string::npos)
          << "attacker data '" << attacker << "' lost:\n"
          << native;
      EXPECT_NE(bundle.find(Lower(attacker)), std::string::npos)
          << "attacker data '" << attacker << "' not in the bundle";
    }
  }
}

TEST(SanitiserTest, EveryRedactionIsRecordedAndVerifiable) {
  std::set<std::string> rules;
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    const Sanitised s = Sanitise(c.report, c.rules, kSalt);
    ASSERT_FALSE(s.redactions.empty());
    const bj::value original = ReportToJson(c.report);
    for (const Redaction& r : s.redactions) {
      rules.insert(r.rule);
      boost::system::error_code ec;
      const bj::value* at = original.find_pointer(r.field, ec);
      ASSERT_NE(at, nullptr) << r.field;
      EXPECT_EQ(r.original_hmac.size(), 64u);
      if (r.offset) {
        ASSERT_TRUE(at->is_string());
        EXPECT_LT(*r.offset, at->as_string().size());
      } else {
        const std::string value = at->is_string() ? std::string(at->as_string()) : bj::serialize(*at);
        EXPECT_EQ(r.original_hmac, crypto::DigestHex(crypto::HmacSha256(kSalt, value))) << r.field;
      }
    }
    // A different salt gives different digests for the same values.
    const Sanitised other = Sanitise(c.report, c.rules, "another salt, 32 bytes long....");
    ASSERT_EQ(other.redactions.size(), s.redactions.size());
    EXPECT_NE(other.redactions[0].original_hmac, s.redactions[0].original_hmac);
    EXPECT_EQ(other.report, s.report);
  }
  for (std::string_view rule : {"reporter-identity", "reporter-network", "special-purpose-address",
                                "internal-host", "reporter-domain", "email-address", "phone-number",
                                "private-term", "loss-band", "reporter-metadata"}) {
    EXPECT_TRUE(rules.contains(std::string(rule))) << rule;
  }
}

TEST(SanitiserTest, BankCaseDetails) {
  const std::vector<Case> cases = Cases();
  const auto it =
      std::find_if(cases.begin(), cases.end(), [](const Case& c) { return c.name == "bank-ddos.json"; });
  ASSERT_NE(it, cases.end());
  const Sanitised s = Sanitise(it->report, it->rules, kSalt);
  ASSERT_TRUE(s.report.reporter.has_value());
  EXPECT_EQ(s.report.reporter->organisation, "organisation in sector banking, DE");
  EXPECT_TRUE(s.report.reporter_networks.empty());
  EXPECT_TRUE(s.report.reporter_domains.empty());
  ASSERT_TRUE(s.report.estimated_loss.has_value());
  EXPECT_FALSE(s.report.estimated_loss->amount.has_value());
  EXPECT_EQ(s.report.estimated_loss->band, LossBand::k1mTo10m);
  std::vector<std::string> kept;
  for (const Indicator& i : s.report.indicators) kept.push_back(i.value);
  const std::vector<std::string> want = {
      "185.220.101.4",
      "45.155.205.0/24",
      "2a01:4f8:c0c:1234::1",
      "booter-panel.example.net",
      "https://booter-panel.example.net/api/attack?target=x",
      "ops@booter-panel.example.net",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "[ipv4-addr:value = '185.220.101.4'] AND [network-traffic:dst_port = 123]",
  };
  EXPECT_EQ(kept, want);
  EXPECT_NE(s.report.narrative.find("[loss 1m-10m EUR]"), std::string::npos) << s.report.narrative;
  EXPECT_NE(s.report.narrative.find("its admin ops@booter-panel.example.net"), std::string::npos)
      << s.report.narrative;
}

TEST(SanitiserTest, RulesCanBeRelaxedByTheNodeOnly) {
  auto node = ParseRules(R"({"band_losses": false, "redact_personal_data": false, "internal_suffixes": []})");
  ASSERT_TRUE(node.has_value()) << node.error().ToString();
  EXPECT_FALSE(node->band_losses);
  EXPECT_TRUE(node->internal_suffixes.empty());
  auto report = ParseRules(
      R"({"band_losses": true, "internal_suffixes": [".corp"], "internal_networks": ["10.0.0.0/8"]})",
      NoRules());
  ASSERT_TRUE(report.has_value());
  const Rules merged = MergeRules(*node, *report);
  EXPECT_TRUE(merged.band_losses);
  EXPECT_FALSE(merged.redact_personal_data);
  EXPECT_EQ(merged.internal_suffixes, std::vector<std::string>{".corp"});
  EXPECT_EQ(merged.internal_networks.size(), 1u);
  auto round = ParseRulesObject(RulesToJson(merged));
  ASSERT_TRUE(round.has_value());
  EXPECT_EQ(*round, merged);
  // Without banding, the amount stays; without personal-data rules, addresses of people stay.
  Report r = *ParseReport(R"({"title": "x", "first_seen": "2025-01-01T00:00:00Z", "sector": "food",
    "attack_type": "fraud", "tlp": "GREEN", "estimated_loss": {"amount": 5000, "currency": "USD"},
    "narrative": "mail bob@example.org, lost 5000"})");
  const Sanitised s = Sanitise(r, *node, kSalt);
  EXPECT_EQ(s.report.estimated_loss->amount, 5000);
  EXPECT_EQ(s.report.narrative, "mail bob@example.org, lost 5000");
  const Sanitised strict = Sanitise(r, Rules{}, kSalt);
  EXPECT_EQ(strict.report.narrative, "mail [email], lost [loss lt-10k USD]");
}

TEST(SanitiserTest, RuleErrorsNameTheField) {
  EXPECT_EQ(ParseRules(R"({"band_losses": 1})").error().field(), "/band_losses");
  EXPECT_EQ(ParseRules(R"({"internal_networks": ["10.0.0.0/33"]})").error().field(), "/internal_networks/0");
  EXPECT_EQ(ParseRules(R"({"internal_domains": ["intranet"]})").error().field(), "/internal_domains/0");
  EXPECT_EQ(ParseRules(R"({"internal_suffixes": ["a b"]})").error().field(), "/internal_suffixes/0");
  EXPECT_EQ(ParseRules(R"({"mode": "strict"})").error().type(), "unknown-field");
}

TEST(SanitiserTest, SpecialPurposeRegistry) {
  struct Row {
    std::string_view address;
    bool special;
  };
  const Row rows[] = {
      {"10.1.2.3", true},
      {"172.31.255.255", true},
      {"172.32.0.1", false},
      {"192.168.0.1", true},
      {"100.64.0.1", true},
      {"100.128.0.1", false},
      {"127.0.0.1", true},
      {"169.254.1.1", true},
      {"192.0.2.1", true},
      {"198.51.100.1", true},
      {"203.0.113.1", true},
      {"198.18.0.1", true},
      {"224.0.0.1", true},
      {"255.255.255.255", true},
      {"8.8.8.8", false},
      {"185.220.101.4", false},
      {"::1", true},
      {"::", true},
      {"fe80::1", true},
      {"fd00::1", true},
      {"2001:db8::1", true},
      {"3fff::1", true},
      {"ff02::1", true},
      {"2a01:4f8::1", false},
      {"::ffff:10.0.0.1", true},
      {"::ffff:8.8.8.8", false},
      {"64:ff9b::8.8.8.8", false},
      {"64:ff9b::192.168.0.1", true},
      {"0.0.0.0/0", true},
      {"2000::/3", true},
  };
  for (const Row& row : rows) {
    auto n = ParseIpNetwork(row.address);
    ASSERT_TRUE(n.has_value()) << row.address;
    EXPECT_EQ(IsSpecialPurpose(*n), row.special) << row.address;
  }
}

TEST(SanitiserTest, FreeTextScanner) {
  struct Row {
    std::string_view text;
    std::string_view sanitised;
  };
  const Row rows[] = {
      {"call +44 20 7946 0958 now", "call [phone] now"},
      {"call 020 7946 0958.", "call [phone]."},
      {"(555) 010-4477 or 555-010-4477", "[phone] or [phone]"},
      {"order 123456789 shipped", "order 123456789 shipped"},
      {"on 2025-03-02 at 10:30", "on 2025-03-02 at 10:30"},
      {"from 8.8.8.8 to 10.0.0.7", "from 8.8.8.8 to [address]"},
      {"net 192.168.10.0/24 down", "net [address] down"},
      {"host 1.10.0.0.1 seen", "host 1.[address] seen"},
      {"v6 fe80::1%eth0 and 2a01:4f8::1.", "v6 [address]%eth0 and 2a01:4f8::1."},
      {"box db1.corp. and evil.example.com", "box [host]. and evil.example.com"},
      {"see x.local", "see [host]"},
      {"corp and local alone", "corp and local alone"},
      {"mail a.b@c.example.org!", "mail [email]!"},
  };
  const Report base = *ParseReport(R"({"title": "t", "first_seen": "2025-01-01T00:00:00Z", "sector": "food",
    "attack_type": "fraud", "tlp": "GREEN"})");
  for (const Row& row : rows) {
    Report r = base;
    r.narrative = std::string(row.text);
    EXPECT_EQ(Sanitise(r, Rules{}, kSalt).report.narrative, row.sanitised) << row.text;
  }
}

}  // namespace
}  // namespace aiip::incidents::sanitiser
