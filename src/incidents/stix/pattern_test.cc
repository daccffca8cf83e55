#include "incidents/stix/pattern.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace aiip::incidents::stix {
namespace {

namespace bj = boost::json;

bj::value Patterns() {
  std::ifstream in(std::filesystem::path(AIIP_SOURCE_DIR) / "tests/data/incidents/stix/patterns.json");
  std::stringstream s;
  s << in.rdbuf();
  return bj::parse(s.str());
}

TEST(PatternTest, GrammarAcceptsValidPatterns) {
  const bj::value table = Patterns();
  for (const bj::value& p : table.at("valid").as_array()) {
    auto parsed = ParsePattern(p.as_string());
    EXPECT_TRUE(parsed.has_value()) << p.as_string() << ": " << parsed.error().detail();
  }
}

TEST(PatternTest, GrammarRefusesInvalidPatterns) {
  const bj::value table = Patterns();
  for (const bj::value& p : table.at("invalid").as_array()) {
    auto parsed = ParsePattern(p.as_string());
    EXPECT_FALSE(parsed.has_value()) << "accepted: " << p.as_string();
    if (!parsed) {
      EXPECT_EQ(parsed.error().type(), "invalid-pattern");
      EXPECT_TRUE(parsed.error().detail().starts_with("at byte ")) << parsed.error().detail();
    }
  }
}

TEST(PatternTest, ComparisonsAreExtracted) {
  const bj::value table = Patterns();
  for (const bj::value& c : table.at("extract").as_array()) {
    const std::string pattern(c.at("pattern").as_string());
    auto parsed = ParsePattern(pattern);
    ASSERT_TRUE(parsed.has_value()) << pattern << ": " << parsed.error().detail();
    EXPECT_EQ(parsed->disjunction_only, c.at("disjunction_only").as_bool()) << pattern;
    const bj::array& expected = c.at("comparisons").as_array();
    ASSERT_EQ(parsed->comparisons.size(), expected.size()) << pattern;
    for (size_t i = 0; i < expected.size(); ++i) {
      const bj::array& e = expected[i].as_array();
      const PatternComparison& got = parsed->comparisons[i];
      EXPECT_EQ(got.object_type, e[0].as_string());
      EXPECT_EQ(got.path, e[1].as_string());
      EXPECT_EQ(got.op, e[2].as_string());
      ASSERT_EQ(got.strings.size(), 1u);
      EXPECT_EQ(got.strings[0], e[3].as_string());
      EXPECT_TRUE(got.only_strings);
    }
  }
}

TEST(PatternTest, ErrorsGiveTheOffset) {
  auto parsed = ParsePattern("[ipv4-addr:value = ]");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().detail(), "at byte 19: expected a literal, found ']' ']'");
}

TEST(PatternTest, QuotingRoundTrips) {
  for (std::string_view value : {"plain", "it's", "back\\slash", "\\'", ""}) {
    auto parsed = ParsePattern("[x:y = " + QuotePatternString(value) + "]");
    ASSERT_TRUE(parsed.has_value()) << value;
    EXPECT_EQ(parsed->comparisons.at(0).strings.at(0), value);
  }
}

TEST(PatternTest, DepthAndSizeAreBounded) {
  std::string deep(200, '(');
  deep += "[a:b = 1]";
  deep += std::string(200, ')');
  auto parsed = ParsePattern(deep);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().detail().find("nested"), std::string::npos);
  EXPECT_FALSE(ParsePattern("[a:b = '" + std::string(70'000, 'x') + "']").has_value());
  std::string ok(100, '(');
  ok += "[a:b = 1]";
  ok += std::string(100, ')');
  EXPECT_TRUE(ParsePattern(ok).has_value());
}

}  // namespace
}  // namespace aiip::incidents::stix
