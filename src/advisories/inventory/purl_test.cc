#include "advisories/inventory/purl.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>

namespace aiip::advisories {
namespace {

namespace bj = boost::json;

bj::array LoadCases() {
  std::ifstream in(std::string(AIIP_SOURCE_DIR) + "/tests/data/advisories/purl/cases.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return bj::parse(ss.str()).as_array();
}

std::string StringOr(const bj::object& o, std::string_view key) {
  const bj::value& v = o.at(key);
  return v.is_null() ? std::string() : std::string(v.as_string());
}

TEST(PurlTest, SpecificationCases) {
  const bj::array cases = LoadCases();
  ASSERT_GE(cases.size(), 60u);
  for (const bj::value& item : cases) {
    const bj::object& c = item.as_object();
    const std::string input(c.at("purl").as_string());
    SCOPED_TRACE(std::string(c.at("description").as_string()) + ": " + input);
    Result<Purl> got = ParsePurl(input);
    if (c.at("is_invalid").as_bool()) {
      ASSERT_FALSE(got.has_value()) << FormatPurl(*got);
      EXPECT_EQ(got.error().code(), Code::kInvalidArgument);
      EXPECT_EQ(got.error().type(), "purl-invalid");
      EXPECT_TRUE(got.error().detail().starts_with(std::string(c.at("error_part").as_string()) + ":"))
          << got.error().detail();
      continue;
    }
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    EXPECT_EQ(got->type, StringOr(c, "type"));
    EXPECT_EQ(got->namespace_, StringOr(c, "namespace"));
    EXPECT_EQ(got->name, StringOr(c, "name"));
    EXPECT_EQ(got->version, StringOr(c, "version"));
    EXPECT_EQ(got->subpath, StringOr(c, "subpath"));
    std::map<std::string, std::string, std::less<>> qualifiers;
    if (!c.at("qualifiers").is_null()) {
      for (const auto& kv : c.at("qualifiers").as_object()) {
        qualifiers.emplace(std::string(kv.key()), std::string(kv.value().as_string()));
      }
    }
    EXPECT_EQ(got->qualifiers, qualifiers);
    const std::string canonical = FormatPurl(*got);
    EXPECT_EQ(canonical, StringOr(c, "canonical_purl"));
    // The canonical form is a fixed point.
    Result<Purl> again = ParsePurl(canonical);
    ASSERT_TRUE(again.has_value()) << again.error().ToString();
    EXPECT_EQ(*again, *got);
    EXPECT_EQ(FormatPurl(*again), canonical);
  }
}

TEST(PurlTest, PackageKeyDropsVersionQualifiersAndSubpath) {
  Result<Purl> p = ParsePurl("pkg:npm/%40babel/parser@7.21.2?foo=bar#packages/babel-parser");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(PackageKey(*p), "pkg:npm/%40babel/parser");
  Result<Purl> q = ParsePurl("pkg:PyPI/Django_Allauth@0.1");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(PackageKey(*q), "pkg:pypi/django-allauth");
  Result<Purl> m = ParsePurl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(PackageKey(*m), "pkg:maven/org.apache.logging.log4j/log4j-core");
}

TEST(PurlTest, SpellingsOfOnePackageAreEqual) {
  Result<Purl> a = ParsePurl("pkg:npm/@Babel/Core@7.0.0");
  Result<Purl> b = ParsePurl("pkg://NPM/%40babel/core@7.0.0");
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(*a, *b);
}

TEST(PurlTest, ErrorDetailIsBoundedForHugeInput) {
  const std::string huge = "pkg:npm/" + std::string(100000, 'a') + "@";
  Result<Purl> p = ParsePurl(huge);
  ASSERT_FALSE(p.has_value());
  EXPECT_LT(p.error().detail().size(), 400u);
}

}  // namespace
}  // namespace aiip::advisories
