#include "taxii/protocol.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/encoding.h"

namespace aiip::taxii {
namespace {

using Params = std::multimap<std::string, std::string>;

TEST(TimestampTest, RoundTripsAndOrdersLexically) {
  auto t = ParseTimestamp("2026-11-29T10:11:12.123456789Z");
  ASSERT_TRUE(t.has_value()) << t.error().ToString();
  EXPECT_EQ(FormatTimestamp(*t), "2026-11-29T10:11:12.123456Z");
  auto whole = ParseTimestamp("2026-11-29T10:11:12Z");
  ASSERT_TRUE(whole.has_value());
  EXPECT_EQ(FormatTimestamp(*whole), "2026-11-29T10:11:12.000000Z");
  EXPECT_LT(FormatTimestamp(*whole), FormatTimestamp(*t));
  for (const char* bad : {"2026-11-29T10:11:12", "2026-11-29T10:11:12+01:00", "2026-02-30T00:00:00Z",
                          "2026-11-29 10:11:12Z", "2026-11-29T10:11:12.Z", "2026-11-29T10:11:12Zx", ""}) {
    auto r = ParseTimestamp(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().type(), "invalid-timestamp");
  }
}

TEST(NegotiationTest, AcceptMustAdmitTaxii21) {
  EXPECT_TRUE(AcceptsTaxii(std::nullopt));
  EXPECT_TRUE(AcceptsTaxii("application/taxii+json;version=2.1"));
  EXPECT_TRUE(AcceptsTaxii("application/taxii+json; version=2.1"));
  EXPECT_TRUE(AcceptsTaxii("Application/TAXII+json"));
  EXPECT_TRUE(AcceptsTaxii("text/html, */*;q=0.1"));
  EXPECT_TRUE(AcceptsTaxii("application/*"));
  EXPECT_FALSE(AcceptsTaxii("application/taxii+json;version=2.0"));
  EXPECT_FALSE(AcceptsTaxii("application/json"));
  EXPECT_FALSE(AcceptsTaxii("application/stix+json;version=2.1"));
  EXPECT_FALSE(AcceptsTaxii("application/taxii+json;version=2.1;q=0"));
  EXPECT_FALSE(AcceptsTaxii(""));
  EXPECT_TRUE(IsTaxiiContentType("application/taxii+json;version=2.1"));
  EXPECT_TRUE(IsTaxiiContentType("application/taxii+json ; version=2.1"));
  EXPECT_FALSE(IsTaxiiContentType("application/taxii+json"));
  EXPECT_FALSE(IsTaxiiContentType("application/json"));
  EXPECT_FALSE(IsTaxiiContentType(std::nullopt));
}

TEST(QueryTest, ReadsEveryFilter) {
  Params p{{"added_after", "2026-01-01T00:00:00Z"},
           {"limit", "7"},
           {"match[id]",
            "indicator--00000000-0000-4000-8000-000000000001,incident--00000000-0000-4000-8000-000000000002"},
           {"match[type]", "indicator,incident"},
           {"match[version]", "first,2026-01-01T00:00:00.5Z"},
           {"match[spec_version]", "2.1"},
           {"unknown", "ignored"}};
  auto q = ParseQuery(p, Endpoint::kObjects);
  ASSERT_TRUE(q.has_value()) << q.error().ToString();
  EXPECT_EQ(FormatTimestamp(*q->added_after), "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(q->limit, 7u);
  EXPECT_EQ(q->ids.size(), 2u);
  EXPECT_EQ(q->types, (std::vector<std::string>{"indicator", "incident"}));
  EXPECT_TRUE(q->versions.first);
  EXPECT_FALSE(q->versions.last);
  ASSERT_EQ(q->versions.at.size(), 1u);
  EXPECT_EQ(FormatTimestamp(q->versions.at[0]), "2026-01-01T00:00:00.500000Z");
  EXPECT_EQ(q->spec_versions, (std::vector<std::string>{"2.1"}));

  auto defaults = ParseQuery({}, Endpoint::kManifest);
  ASSERT_TRUE(defaults.has_value());
  EXPECT_TRUE(defaults->versions.last);
  EXPECT_EQ(defaults->limit, kDefaultLimit);

  auto huge = ParseQuery({{"limit", "99999999999999999999999"}}, Endpoint::kObjects);
  ASSERT_TRUE(huge.has_value());
  EXPECT_EQ(huge->limit, kMaxLimit);

  // The versions endpoint takes no match[version] and the object endpoint no match[type].
  auto versions = ParseQuery({{"match[version]", "bogus"}, {"match[type]", "!!"}}, Endpoint::kVersions);
  ASSERT_TRUE(versions.has_value());
  auto object = ParseQuery({{"match[type]", "!!"}}, Endpoint::kObject);
  ASSERT_TRUE(object.has_value());
}

TEST(QueryTest, ErrorsNameTheParameter) {
  const std::vector<std::pair<Params, std::string>> cases = {
      {{{"limit", "0"}}, "limit"},
      {{{"limit", "-1"}}, "limit"},
      {{{"limit", "ten"}}, "limit"},
      {{{"limit", "1"}, {"limit", "2"}}, "limit"},
      {{{"added_after", "yesterday"}}, "added_after"},
      {{{"match[id]", "indicator--nope"}}, "match[id]"},
      {{{"match[id]", "indicator--00000000-0000-4000-8000-000000000001,"}}, "match[id]"},
      {{{"match[type]", "Indicator"}}, "match[type]"},
      {{{"match[version]", "newest"}}, "match[version]"},
      {{{"match[spec_version]", "two"}}, "match[spec_version]"},
      {{{"next", ""}}, "next"},
  };
  for (const auto& [params, field] : cases) {
    auto q = ParseQuery(params, Endpoint::kObjects);
    ASSERT_FALSE(q.has_value()) << field;
    EXPECT_EQ(q.error().code(), Code::kInvalidArgument);
    EXPECT_EQ(q.error().field(), field);
  }
}

TEST(CursorTest, RoundTripsAndRefusesTamperingScopeAndKey) {
  const std::string key(32, 'k');
  Position p{*ParseTimestamp("2026-11-29T10:00:00.000001Z"),
             "indicator--00000000-0000-4000-8000-000000000001", *ParseTimestamp("2026-11-29T09:00:00Z")};
  const std::string scope = "/taxii2/aiip/collections/incidents/objects/";
  const std::string next = EncodeCursor(p, scope, key);
  auto refused = [&](std::string_view value, std::string_view s, std::string_view k) {
    auto r = DecodeCursor(value, s, k);
    ASSERT_FALSE(r.has_value()) << value;
    EXPECT_EQ(r.error().type(), "invalid-cursor");
    EXPECT_EQ(r.error().field(), "next");
  };
  // The example of doc/taxii.md, "Cursors": the format is pinned.
  EXPECT_EQ(next,
            "MQoyMDI2LTExLTI5VDEwOjAwOjAwLjAwMDAwMVoKaW5kaWNhdG9yLS0wMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAw"
            "MDAwMDEKMjAy"
            "Ni0xMS0yOVQwOTowMDowMC4wMDAwMDBa.r4eoe2VZ8O2tzSNaPPZBJw");
  refused(next + "==", scope, key);
  auto back = DecodeCursor(next, scope, key);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, p);

  refused(next, "/taxii2/aiip/collections/tlp-red/objects/", key);
  refused(next, scope, std::string(32, 'x'));
  refused("garbage", scope, key);
  refused(next.substr(0, next.size() - 2), scope, key);
  // Every single-character change of the value is caught.
  for (size_t i = 0; i < next.size(); ++i) {
    std::string altered = next;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    if (altered == next) continue;
    auto r = DecodeCursor(altered, scope, key);
    EXPECT_FALSE(r.has_value()) << "position " << i;
  }
  // A well-formed payload with a forged position fails the MAC.
  const size_t dot = next.find('.');
  const std::string forged =
      Base64UrlEncode(std::string("1\n2030-01-01T00:00:00.000000Z\n") +
                      "indicator--00000000-0000-4000-8000-000000000009\n" + "2030-01-01T00:00:00.000000Z") +
      next.substr(dot);
  refused(forged, scope, key);
}

TEST(EnvelopeTest, NeedsObjectsWithTypeAndId) {
  auto ok = ParseEnvelope(
      R"({"objects":[{"type":"incident","id":"incident--00000000-0000-4000-8000-000000000001"}]})");
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ(ok->size(), 1u);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"[]", ""},
      {"{}", "/objects"},
      {R"({"objects":{}})", "/objects"},
      {R"({"objects":[]})", "/objects"},
      {R"({"objects":[1]})", "/objects/0"},
      {R"({"objects":[{"type":"x","id":"x--1"},{"type":"incident"}]})", "/objects/1/id"},
      {R"({"objects":[{"type":7,"id":"x"}]})", "/objects/0/type"},
      {R"({"objects":[{"type":"x","id":"x"}],"extra":1})", "/extra"},
  };
  for (const auto& [body, field] : bad) {
    auto r = ParseEnvelope(body);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().field(), field) << body;
  }
}

TEST(ErrorResourceTest, CarriesStatusAndField) {
  boost::json::object e = ErrorResource(InvalidArgument("invalid-cursor", "bad next", "next"), 400);
  EXPECT_EQ(e.at("title"), "Bad Request");
  EXPECT_EQ(e.at("http_status"), "400");
  EXPECT_EQ(e.at("description"), "bad next");
  EXPECT_EQ(e.at("details").at("field"), "next");
}

}  // namespace
}  // namespace aiip::taxii
