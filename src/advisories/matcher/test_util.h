// Helpers shared by the matcher tests: paths of the real data, reading files, turning test
// JSON into documents and inventories.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "advisories/inventory/inventory.h"
#include "advisories/inventory/purl.h"
#include "advisories/matcher/database.h"
#include "advisories/matcher/formats.h"

namespace aiip::advisories::testing {

inline std::string SharedData(const std::string& relative) {
  return std::string(AIIP_SOURCE_DIR) + "/../shared/data/" + relative;
}
inline std::string TestData(const std::string& relative) {
  return std::string(AIIP_SOURCE_DIR) + "/tests/data/advisories/matcher/" + relative;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline boost::json::value ReadJson(const std::string& path) { return boost::json::parse(ReadText(path)); }

inline std::vector<std::string> StringsOf(const boost::json::value* value) {
  std::vector<std::string> out;
  if (value == nullptr) return out;
  for (const auto& item : value->as_array()) out.emplace_back(item.as_string());
  return out;
}

// Parses one advisory given as JSON in a test file (any supported format).
inline Document DocumentOf(const boost::json::value& json) {
  auto document = ParseAdvisory(boost::json::serialize(json), "test");
  EXPECT_TRUE(document.has_value()) << (document ? "" : document.error().ToString());
  return document ? *document : Document{};
}

// A component from a purl string, or from {"purl", "version", "name", "cpes", "bom_ref"}.
inline Component ComponentOf(const boost::json::value& json) {
  Component component;
  std::string purl_text;
  if (json.is_string()) {
    purl_text = std::string(json.as_string());
  } else {
    const auto& object = json.as_object();
    if (auto* p = object.if_contains("purl")) purl_text = std::string(p->as_string());
    if (auto* v = object.if_contains("version")) component.version = std::string(v->as_string());
    if (auto* n = object.if_contains("name")) component.name = std::string(n->as_string());
    if (auto* b = object.if_contains("bom_ref")) component.bom_ref = std::string(b->as_string());
    component.cpes = StringsOf(object.if_contains("cpes"));
  }
  if (!purl_text.empty()) {
    auto purl = ParsePurl(purl_text);
    EXPECT_TRUE(purl.has_value()) << purl_text;
    if (purl) {
      component.purl = FormatPurl(*purl);
      if (component.version.empty()) component.version = purl->version;
      if (component.name.empty()) component.name = purl->name;
    }
  }
  component.origin = "/test";
  return component;
}

}  // namespace aiip::advisories::testing
