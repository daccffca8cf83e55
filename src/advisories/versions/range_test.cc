// Data-driven test of range evaluation, names and ecosystem mapping: the cases live in
// tests/data/advisories/ranges.json (OSV events in and out of order, last_affected, limit,
// several intervals, explicit versions, `vers:` ranges, all_versions, Go pseudo-versions,
// PyPI normalisation; NormalizeName; purl types and OSV ecosystem strings; bad `vers:`).
#include "advisories/versions/range.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "advisories/model.h"
#include "advisories/versions/ecosystem.h"
#include "advisories/versions/version.h"
#include "common/status.h"

namespace aiip::advisories {
namespace {

namespace bj = boost::json;

const bj::object& Data() {
  static const bj::object data = [] {
    std::ifstream in(AIIP_SOURCE_DIR "/tests/data/advisories/ranges.json");
    std::stringstream text;
    text << in.rdbuf();
    return bj::parse(text.str()).as_object();
  }();
  return data;
}

std::string Str(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  return v == nullptr ? std::string() : std::string(v->as_string());
}

std::vector<std::string> Strings(const bj::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const bj::value* v = o.if_contains(key)) {
    for (const bj::value& item : v->as_array()) out.emplace_back(item.as_string());
  }
  return out;
}

Affected ToAffected(const bj::object& o) {
  Affected a;
  if (const bj::value* ranges = o.if_contains("ranges")) {
    for (const bj::value& r : ranges->as_array()) {
      Range range;
      const std::string type = Str(r.as_object(), "type");
      range.type = type == "SEMVER" ? Range::Type::kSemver
                                    : (type == "GIT" ? Range::Type::kGit : Range::Type::kEcosystem);
      for (const bj::value& e : r.as_object().at("events").as_array()) {
        const auto& [key, value] = *e.as_object().begin();
        RangeEvent event;
        event.version = std::string(value.as_string());
        if (key == "introduced") {
          event.kind = RangeEvent::Kind::kIntroduced;
        } else if (key == "fixed") {
          event.kind = RangeEvent::Kind::kFixed;
        } else if (key == "last_affected") {
          event.kind = RangeEvent::Kind::kLastAffected;
        } else {
          EXPECT_EQ(key, "limit");
          event.kind = RangeEvent::Kind::kLimit;
        }
        range.events.push_back(std::move(event));
      }
      a.ranges.push_back(std::move(range));
    }
  }
  a.versions = Strings(o, "versions");
  a.vers = Str(o, "vers");
  if (const bj::value* all = o.if_contains("all_versions")) a.all_versions = all->as_bool();
  return a;
}

// The Ecosystem of a display name as EcosystemName spells it ("" for kUnknown).
Ecosystem ByName(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(Ecosystem::kGitHubActions); ++i) {
    if (EcosystemName(static_cast<Ecosystem>(i)) == name) return static_cast<Ecosystem>(i);
  }
  ADD_FAILURE() << "unknown ecosystem name " << name;
  return Ecosystem::kUnknown;
}

TEST(Ranges, Cases) {
  const bj::array& cases = Data().at("cases").as_array();
  ASSERT_GE(cases.size(), 15u);
  for (const bj::value& c : cases) {
    const bj::object& o = c.as_object();
    SCOPED_TRACE(Str(o, "name"));
    const Ecosystem ecosystem = EcosystemFromOsv(Str(o, "ecosystem"));
    const Affected affected = ToAffected(o.at("affected").as_object());
    for (const std::string& v : Strings(o, "in")) {
      EXPECT_TRUE(IsAffectedVersion(ecosystem, affected, v)) << v << " should be affected";
    }
    for (const std::string& v : Strings(o, "out")) {
      EXPECT_FALSE(IsAffectedVersion(ecosystem, affected, v)) << v << " should not be affected";
    }
    if (o.contains("fixed")) {
      EXPECT_EQ(FixedVersions(ecosystem, affected), Strings(o, "fixed"));
    }
  }
}

TEST(Ranges, NormalizeName) {
  for (const bj::value& c : Data().at("names").as_array()) {
    const bj::object& o = c.as_object();
    EXPECT_EQ(NormalizeName(ByName(Str(o, "ecosystem")), Str(o, "name")), Str(o, "normalized"))
        << Str(o, "ecosystem") << " " << Str(o, "name");
  }
}

TEST(Ranges, PurlTypes) {
  for (const bj::value& c : Data().at("purl_types").as_array()) {
    const bj::object& o = c.as_object();
    EXPECT_EQ(EcosystemName(EcosystemFromPurl(Str(o, "type"), Str(o, "namespace"))), Str(o, "ecosystem"))
        << Str(o, "type") << "/" << Str(o, "namespace");
  }
}

TEST(Ranges, OsvEcosystems) {
  for (const bj::value& c : Data().at("osv_ecosystems").as_array()) {
    const bj::object& o = c.as_object();
    EXPECT_EQ(EcosystemName(EcosystemFromOsv(Str(o, "osv"))), Str(o, "ecosystem")) << Str(o, "osv");
  }
  // Every ecosystem's OSV name maps back to it.
  for (int i = 1; i <= static_cast<int>(Ecosystem::kGitHubActions); ++i) {
    const auto e = static_cast<Ecosystem>(i);
    EXPECT_EQ(EcosystemFromOsv(EcosystemName(e)), e) << EcosystemName(e);
  }
}

TEST(Ranges, VersErrors) {
  for (const bj::value& c : Data().at("vers_errors").as_array()) {
    const std::string text(c.as_string());
    Result<Vers> vers = ParseVers(text);
    ASSERT_FALSE(vers.has_value()) << text << " should not parse";
    EXPECT_EQ(vers.error().code(), Code::kInvalidArgument) << text;
    EXPECT_EQ(vers.error().type(), "invalid-vers") << text;
    EXPECT_FALSE(vers.error().detail().empty()) << text;
  }
}

TEST(Ranges, ParseVersKeepsConstraints) {
  Result<Vers> vers = ParseVers("VERS:NPM/ >=1.0.0 | != 1.2.0|<2.0.0%2Bbuild");
  ASSERT_TRUE(vers.has_value()) << vers.error().ToString();
  EXPECT_EQ(vers->scheme, "npm");
  ASSERT_EQ(vers->constraints.size(), 3u);
  EXPECT_EQ(vers->constraints[0].op, VersConstraint::Op::kGe);
  EXPECT_EQ(vers->constraints[0].version, "1.0.0");
  EXPECT_EQ(vers->constraints[1].op, VersConstraint::Op::kNe);
  EXPECT_EQ(vers->constraints[2].op, VersConstraint::Op::kLt);
  EXPECT_EQ(vers->constraints[2].version, "2.0.0+build");
  Result<Vers> any = ParseVers("vers:maven/*");
  ASSERT_TRUE(any.has_value());
  ASSERT_EQ(any->constraints.size(), 1u);
  EXPECT_EQ(any->constraints[0].op, VersConstraint::Op::kAny);
}

TEST(Ranges, SemverRangeIgnoresEcosystemOrder) {
  // A SEMVER range of a PyPI package orders with SemVer: "1.0.0-1" is a pre-release there,
  // while PEP 440 reads it as the post-release 1.0.0.post1.
  Range range{Range::Type::kSemver, "", {{RangeEvent::Kind::kIntroduced, "1.0.0"}}};
  EXPECT_FALSE(InRange(Ecosystem::kPyPI, range, "1.0.0-1"));
  EXPECT_TRUE(InRange(Ecosystem::kPyPI, range, "1.0.0"));
  range.type = Range::Type::kEcosystem;
  EXPECT_TRUE(InRange(Ecosystem::kPyPI, range, "1.0.0-1"));
  range.type = Range::Type::kGit;
  EXPECT_FALSE(InRange(Ecosystem::kPyPI, range, "1.0.0"));
}

}  // namespace
}  // namespace aiip::advisories
