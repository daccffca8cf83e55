// Data-driven tests of the legal engine: every file in tests/data/legal/cases/ is one
// request with the rule it exercises and the expected outcome and key items; the shipped
// reference data must load, cite every row and resolve every reference; bad data and bad
// requests are rejected with the file and JSON Pointer of the problem.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/json.h"
#include "legal/assess.h"
#include "legal/data.h"
#include "legal/loader.h"
#include "legal/request.h"

namespace aiip::legal {
namespace {

namespace bj = boost::json;
const std::filesystem::path kData = std::filesystem::path(AIIP_SOURCE_DIR) / "data/legal";
const std::filesystem::path kCases = std::filesystem::path(AIIP_SOURCE_DIR) / "tests/data/legal/cases";

std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const LegalData& Data() {
  static const LegalData* data = [] {
    auto loaded = LoadLegalData(kData);
    EXPECT_TRUE(loaded.has_value()) << loaded.error().ToString();
    return new LegalData(loaded.value_or(LegalData{}));
  }();
  return *data;
}

bool Has(const bj::array& items, std::string_view key, std::string_view value) {
  return std::any_of(items.begin(), items.end(), [&](const bj::value& v) {
    const bj::value* field = v.as_object().if_contains(key);
    return field != nullptr && field->is_string() && field->get_string() == value;
  });
}

std::vector<std::filesystem::path> CaseFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(kCases)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class CaseTest : public testing::TestWithParam<std::filesystem::path> {};

TEST_P(CaseTest, MatchesExpectation) {
  auto document = json::ParseObject(Slurp(GetParam()));
  ASSERT_TRUE(document.has_value()) << document.error().ToString();
  const bj::object& c = *document;
  ASSERT_TRUE(c.contains("rule") && c.at("rule").is_string()) << "every case names the rule it exercises";
  const bj::object& expect = c.at("expect").as_object();
  auto request = ParseRequest(bj::serialize(c.at("request")));
  ASSERT_TRUE(request.has_value()) << request.error().ToString();
  auto assessment = Assess(*request, Data());
  if (const bj::value* error = expect.if_contains("error_field")) {
    ASSERT_FALSE(assessment.has_value());
    EXPECT_EQ(assessment.error().field(), error->as_string());
    return;
  }
  ASSERT_TRUE(assessment.has_value()) << assessment.error().ToString();
  const bj::object answer = AssessmentToJson(*assessment);
  SCOPED_TRACE(bj::serialize(answer));
  EXPECT_EQ(answer.at("outcome").as_string(), expect.at("outcome").as_string()) << c.at("rule").as_string();
  if (const bj::value* dc = expect.if_contains("dual_criminality")) {
    for (const auto& [key, value] : dc->as_object()) {
      EXPECT_EQ(answer.at("dual_criminality").as_object().at(key), value) << "dual_criminality." << key;
    }
  }
  if (const bj::value* pt = expect.if_contains("penalty_met")) {
    EXPECT_EQ(answer.at("penalty_threshold").as_object().at("met"), *pt);
  }
  auto each = [&](std::string_view field, std::string_view key, auto check) {
    if (const bj::value* list = expect.if_contains(field)) {
      for (const bj::value& v : list->as_array()) check(answer.at(key).as_array(), v.as_string());
    }
  };
  each("bases", "legal_bases",
       [](const bj::array& a, std::string_view v) { EXPECT_TRUE(Has(a, "instrument", v)) << v; });
  each("no_bases", "legal_bases",
       [](const bj::array& a, std::string_view v) { EXPECT_FALSE(Has(a, "instrument", v)) << v; });
  each("obligations", "obligations",
       [](const bj::array& a, std::string_view v) { EXPECT_TRUE(Has(a, "obligation", v)) << v; });
  each("deadlines", "deadlines",
       [](const bj::array& a, std::string_view v) { EXPECT_TRUE(Has(a, "date", v)) << v; });
  each("missing_contains", "missing_facts", [](const bj::array& a, std::string_view v) {
    EXPECT_TRUE(std::any_of(a.begin(), a.end(), [&](const bj::value& m) {
      return std::string_view(m.as_object().at("fact").as_string()).find(v) != std::string_view::npos;
    })) << v;
  });
  each("raised", "refusal_grounds", [](const bj::array& a, std::string_view v) {
    EXPECT_TRUE(std::any_of(a.begin(), a.end(), [&](const bj::value& g) {
      return g.as_object().at("ground").as_string() == v && g.as_object().at("raised").as_bool();
    })) << v;
  });
  if (const bj::value* order = expect.if_contains("jurisdiction_order")) {
    const bj::array& got = answer.at("jurisdiction").as_array();
    ASSERT_GE(got.size(), order->as_array().size());
    for (size_t i = 0; i < order->as_array().size(); ++i) {
      EXPECT_EQ(got[i].as_object().at("state"), order->as_array()[i]) << "priority " << i + 1;
    }
  }
  if (const bj::value* mandatory = expect.if_contains("jurisdiction_mandatory")) {
    for (const auto& [state, flag] : mandatory->as_object()) {
      const bj::array& got = answer.at("jurisdiction").as_array();
      auto it = std::find_if(got.begin(), got.end(),
                             [&](const bj::value& j) { return j.as_object().at("state") == state; });
      ASSERT_NE(it, got.end()) << state;
      EXPECT_EQ(it->as_object().at("mandatory"), flag) << state;
    }
  }
  if (const bj::value* absent = expect.if_contains("no_jurisdiction")) {
    for (const bj::value& state : absent->as_array()) {
      EXPECT_FALSE(Has(answer.at("jurisdiction").as_array(), "state", state.as_string())) << state;
    }
  }
  for (const auto& item : {"legal_bases", "refusal_grounds", "jurisdiction", "obligations", "deadlines"}) {
    for (const bj::value& v : answer.at(item).as_array()) {
      EXPECT_FALSE(v.as_object().at("reason").as_string().empty()) << item;
      EXPECT_FALSE(v.as_object().at("citation").as_string().empty()) << item;
    }
  }
  EXPECT_FALSE(answer.at("explanation").as_array().empty());
}

INSTANTIATE_TEST_SUITE_P(Cases, CaseTest, testing::ValuesIn(CaseFiles()),
                         [](const testing::TestParamInfo<std::filesystem::path>& param) {
                           std::string name = param.param.stem().string();
                           std::replace_if(
                               name.begin(), name.end(),
                               [](char ch) { return !std::isalnum(static_cast<unsigned char>(ch)); }, '_');
                           return name;
                         });

TEST(LegalData, AtLeastFortyCases) { EXPECT_GE(CaseFiles().size(), 40u); }

TEST(LegalData, ShippedDataLoadsWithEveryCitation) {
  const LegalData& data = Data();
  EXPECT_GE(data.conducts.size(), 14u);
  for (const char* code :
       {"illegal-access", "illegal-interception", "data-interference", "system-interference",
        "misuse-of-devices", "computer-forgery", "computer-fraud", "child-sexual-abuse-material",
        "copyright-infringement", "attack-on-critical-infrastructure", "terrorist-use", "spam",
        "identity-theft", "preparatory-acts"}) {
    EXPECT_NE(data.FindConduct(code), nullptr) << code;
  }
  for (const char* id : {"budapest", "budapest-ap2", "un-cybercrime-2024", "stanford-draft"}) {
    EXPECT_NE(data.FindInstrument(id), nullptr) << id;
  }
  auto cited = [](const Source& s) {
    return !s.title.empty() && (!s.url.empty() || !s.citation.empty()) && ParseDate(s.accessed);
  };
  for (const Conduct& c : data.conducts) {
    for (const auto& cov : c.covered_by) EXPECT_TRUE(cited(cov.source)) << c.code;
  }
  for (const Instrument& i : data.instruments) {
    EXPECT_TRUE(cited(i.source)) << i.id;
    for (const Provision& p : i.provisions) {
      EXPECT_TRUE(cited(p.source)) << i.id;
      for (const auto& g : p.refusal_grounds) EXPECT_TRUE(cited(g.source)) << i.id;
    }
    for (const Party& p : i.parties) {
      EXPECT_TRUE(cited(p.source)) << i.id << " " << p.state;
      for (const auto& r : p.reservations) EXPECT_TRUE(cited(r.source));
    }
  }
  for (const char* state : {"PH", "US", "GB", "DE", "FR", "CA"}) {
    const StateLaw* law = data.FindState(state);
    ASSERT_NE(law, nullptr) << state;
    EXPECT_FALSE(law->offences.empty()) << state;
    for (const Offence& o : law->offences) EXPECT_TRUE(cited(o.source)) << o.citation;
    for (const auto* fact : {&law->death_penalty, &law->central_authority, &law->contact_24_7}) {
      EXPECT_TRUE(fact->value ? fact->source.has_value() : !fact->unknown.empty()) << state;
    }
  }
}

Result<LegalData> ParseWith(const std::string& name, const std::string& text) {
  auto files = ReadLegalDataFiles(kData);
  EXPECT_TRUE(files.has_value());
  bool replaced = false;
  for (DataFile& f : *files) {
    if (f.name == name) {
      f.text = text;
      replaced = true;
    }
  }
  if (!replaced) files->push_back({name, text});
  return ParseLegalData(*files);
}

TEST(LegalData, ErrorsNameFileAndPointer) {
  std::string ph = Slurp(kData / "states/PH.json");
  std::string bad = ph;
  bad.replace(bad.find("\"2000-06-14\""), 12, "\"2000-06-31\"");
  auto result = ParseWith("states/PH.json", bad);
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().detail().find("states/PH.json"), std::string::npos) << result.error().ToString();
  EXPECT_EQ(result.error().field(), "/offences/0/in_force_from");

  bad = ph;
  bad.replace(bad.find("\"illegal-access\""), 16, "\"hacking\"");
  result = ParseWith("states/PH.json", bad);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().field(), "/offences/0/conducts/0");

  result = ParseWith("states/XX.json", ph);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().field(), "/state");

  bad = ph;
  const size_t at = bad.find("\"source\"");
  bad.replace(at, 8, "\"origin\"");
  result = ParseWith("states/PH.json", bad);
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().detail().find("states/PH.json"), std::string::npos);

  result =
      ParseWith("parties/nothing.json",
                R"({"schema":"aiip.legal.parties/1","instrument":"nothing","parties":[],"not_parties":[]})");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().field(), "/instrument");
}

TEST(Request, ErrorsNamePointer) {
  struct Bad {
    const char* text;
    const char* field;
  } cases[] = {
      {R"({"kind":"hug","requesting_state":"US","requested_state":"PH","date":"2001-01-01","conduct":{"types":["spam"],"start":"2000-01-01","committed_in":["PH"]}})",
       "/kind"},
      {R"({"kind":"preservation","requesting_state":"us","requested_state":"PH","date":"2001-01-01","conduct":{"types":["spam"],"start":"2000-01-01","committed_in":["PH"]}})",
       "/requesting_state"},
      {R"({"kind":"preservation","requesting_state":"US","requested_state":"PH","date":"2001-02-30","conduct":{"types":["spam"],"start":"2000-01-01","committed_in":["PH"]}})",
       "/date"},
      {R"({"kind":"preservation","requesting_state":"US","requested_state":"PH","date":"2001-01-01","conduct":{"types":["spam"],"start":"2000-01-01","committed_in":["Ph"]}})",
       "/conduct/committed_in/0"},
      {R"({"kind":"preservation","requesting_state":"US","requested_state":"PH","date":"2001-01-01","conduct":{"types":["spam"],"start":"2002-01-01","committed_in":["PH"]}})",
       "/conduct/start"},
      {R"({"kind":"preservation","requesting_state":"US","requested_state":"PH","date":"2001-01-01","conduct":{"types":["spam"],"start":"2000-01-01","committed_in":["PH"],"colour":1}})",
       "/conduct/colour"},
      {R"({"kind":"extradition","requesting_state":"US","requested_state":"PH","date":"2001-01-01","conduct":{"types":["spam"],"start":"2000-01-01","committed_in":["PH"]},"requesting_offences":[{"citation":"x","max_penalty_months":-1}]})",
       "/requesting_offences/0/max_penalty_months"},
      {R"({"kind":"extradition","requesting_state":"US","requested_state":"US","date":"2001-01-01","conduct":{"types":["spam"],"start":"2000-01-01","committed_in":["PH"]}})",
       "/requested_state"},
  };
  for (const Bad& bad : cases) {
    auto request = ParseRequest(bad.text);
    ASSERT_FALSE(request.has_value()) << bad.text;
    EXPECT_EQ(request.error().field(), bad.field) << request.error().ToString();
  }
}

TEST(Havens, PhilippinesBeforeTheLawIsAHavenForMalware) {
  auto havens = ComputeHavens(Data(), std::string("data-interference"), *ParseDate("2000-05-04"));
  ASSERT_TRUE(havens.has_value());
  ASSERT_EQ(havens->conducts.size(), 1u);
  const auto& nc = havens->conducts[0].not_criminal;
  EXPECT_NE(std::find(nc.begin(), nc.end(), "PH"), nc.end());
  EXPECT_EQ(std::find(nc.begin(), nc.end(), "US"), nc.end());
  EXPECT_EQ(havens->threshold_months, 12);
  // Absence from the data is not innocence: without a completeness claim it is not researched.
  auto csam = ComputeHavens(Data(), std::string("child-sexual-abuse-material"), *ParseDate("2020-01-01"));
  ASSERT_TRUE(csam.has_value());
  const auto& nr = csam->conducts[0].not_researched;
  EXPECT_NE(std::find(nr.begin(), nr.end(), "DE"), nr.end());
  EXPECT_TRUE(csam->conducts[0].not_criminal.empty());
  auto later = ComputeHavens(Data(), std::string("data-interference"), *ParseDate("2001-05-04"));
  const auto& nc2 = later->conducts[0].not_criminal;
  EXPECT_EQ(std::find(nc2.begin(), nc2.end(), "PH"), nc2.end());
}

TEST(Havens, PairsWithoutBasis) {
  auto havens = ComputeHavens(Data(), std::nullopt, *ParseDate("2020-01-01"), {"DE", "FR", "RU", "US"});
  ASSERT_TRUE(havens.has_value());
  auto find = [&](const char* a, const char* b) {
    return *std::find_if(havens->pairs.begin(), havens->pairs.end(),
                         [&](const HavenPair& p) { return p.a == a && p.b == b; });
  };
  EXPECT_EQ(find("DE", "FR").preservation, std::optional<bool>(true));
  EXPECT_EQ(find("DE", "US").extradition, std::optional<bool>(true));
  EXPECT_FALSE(find("RU", "US").preservation.has_value()) << "RU's status after 2011 is unknown";
  auto early = ComputeHavens(Data(), std::nullopt, *ParseDate("2005-01-01"), {"GB", "RU", "US"});
  auto find2 = [&](const char* a, const char* b) {
    return *std::find_if(early->pairs.begin(), early->pairs.end(),
                         [&](const HavenPair& p) { return p.a == a && p.b == b; });
  };
  EXPECT_EQ(find2("RU", "US").preservation, std::optional<bool>(false));
  ASSERT_FALSE(ComputeHavens(Data(), std::string("nope"), *ParseDate("2005-01-01")).has_value());
}

}  // namespace
}  // namespace aiip::legal
