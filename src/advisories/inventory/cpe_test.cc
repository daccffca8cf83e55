#include "advisories/inventory/cpe.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>

namespace aiip::advisories {
namespace {

namespace bj = boost::json;

bj::array Load(std::string_view file) {
  std::ifstream in(std::string(AIIP_SOURCE_DIR) + "/tests/data/advisories/cpe/" + std::string(file));
  std::stringstream ss;
  ss << in.rdbuf();
  return bj::parse(ss.str()).as_array();
}

// The literal text of a value attribute, or "" when ANY/NA, compared with the case file's
// null-or-string.
void ExpectText(const CpeValue& v, const bj::value& expected) {
  if (expected.is_null()) {
    EXPECT_NE(v.kind, CpeValue::Kind::kValue);
  } else {
    EXPECT_EQ(v.kind, CpeValue::Kind::kValue);
    EXPECT_EQ(v.text, std::string(expected.as_string()));
  }
}

TEST(CpeTest, ParseCases) {
  const bj::array cases = Load("parse.json");
  ASSERT_GE(cases.size(), 30u);
  for (const bj::value& item : cases) {
    const bj::object& c = item.as_object();
    const std::string input(c.at("cpe").as_string());
    SCOPED_TRACE(std::string(c.at("description").as_string()) + ": " + input);
    Result<Cpe> got = ParseCpe(input);
    if (c.at("is_invalid").as_bool()) {
      ASSERT_FALSE(got.has_value()) << FormatCpe(*got);
      EXPECT_EQ(got.error().code(), Code::kInvalidArgument);
      EXPECT_EQ(got.error().type(), "cpe-invalid");
      EXPECT_TRUE(got.error().detail().starts_with(std::string(c.at("error_part").as_string()) + ":"))
          << got.error().detail();
      continue;
    }
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    ExpectText(got->vendor(), c.at("vendor"));
    ExpectText(got->product(), c.at("product"));
    ExpectText(got->version(), c.at("version"));
    const std::string formatted = FormatCpe(*got);
    EXPECT_EQ(formatted, std::string(c.at("formatted").as_string()));
    Result<Cpe> again = ParseCpe(formatted);
    ASSERT_TRUE(again.has_value()) << again.error().ToString();
    EXPECT_EQ(*again, *got);
  }
}

TEST(CpeTest, MatchCases) {
  const bj::array cases = Load("match.json");
  ASSERT_GE(cases.size(), 25u);
  for (const bj::value& item : cases) {
    const bj::object& c = item.as_object();
    SCOPED_TRACE(std::string(c.at("description").as_string()));
    Result<Cpe> pattern = ParseCpe(std::string(c.at("pattern").as_string()));
    Result<Cpe> name = ParseCpe(std::string(c.at("name").as_string()));
    ASSERT_TRUE(pattern.has_value()) << pattern.error().ToString();
    ASSERT_TRUE(name.has_value()) << name.error().ToString();
    EXPECT_EQ(CpeMatches(*pattern, *name), c.at("match").as_bool());
  }
}

TEST(CpeTest, WildcardsAreStructured) {
  Result<Cpe> cpe = ParseCpe("cpe:2.3:a:microsoft:internet_explorer:8.*:??sp:*:*:*:*:*:*");
  ASSERT_TRUE(cpe.has_value());
  EXPECT_EQ(cpe->version().suffix, -1);
  EXPECT_EQ(cpe->version().prefix, 0);
  EXPECT_EQ(cpe->at(CpeAttribute::kUpdate).prefix, 2);
  EXPECT_EQ(cpe->at(CpeAttribute::kUpdate).text, "sp");
  EXPECT_EQ(cpe->part().text, "a");
}

}  // namespace
}  // namespace aiip::advisories
