#include <gtest/gtest.h>

#include "common/encoding.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/status.h"
#include "common/time.h"
#include "common/words.h"

namespace aiip {
namespace {

TEST(Words, SplitAndJoinAsStored) {
  EXPECT_EQ(SplitWords("stream webhook"), (std::vector<std::string>{"stream", "webhook"}));
  EXPECT_EQ(SplitWords("  a   b "), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(SplitWords("").empty());
  EXPECT_TRUE(SplitWords("   ").empty());
  EXPECT_EQ(JoinWords({"incident.warning", "vulnerability.alert"}), "incident.warning vulnerability.alert");
  EXPECT_EQ(JoinWords({}), "");
  const std::vector<std::string> groups{"fmi-isac", "a_b"};
  EXPECT_EQ(SplitWords(JoinWords(groups)), groups);
}

TEST(Time, FormatsUtcWithMilliseconds) {
  SystemTime t{std::chrono::milliseconds(1700000000123)};
  EXPECT_EQ(FormatRfc3339(t), "2023-11-14T22:13:20.123Z");
}

TEST(Time, ParsesOffsetsAndRoundTrips) {
  auto t = ParseRfc3339("2023-11-14T23:13:20.123+01:00");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatRfc3339(*t), "2023-11-14T22:13:20.123Z");
  EXPECT_FALSE(ParseRfc3339("2023-02-30T00:00:00Z").has_value());
  EXPECT_FALSE(ParseRfc3339("2023-11-14 22:13:20Z").has_value());
  EXPECT_FALSE(ParseRfc3339("2023-11-14T22:13:20").has_value());
  EXPECT_FALSE(ParseRfc3339("").has_value());
}

TEST(Encoding, HexAndBase64RoundTrip) {
  std::string bytes("\x00\xff\x10 abc", 7);
  EXPECT_EQ(HexDecode(HexEncode(bytes)), bytes);
  EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(bytes)), bytes);
  EXPECT_EQ(Base64Decode(Base64Encode(bytes)), bytes);
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_FALSE(HexDecode("abc").has_value());
  EXPECT_FALSE(Base64UrlDecode("a*b").has_value());
}

TEST(Ids, HavePrefixAndSortByTime) {
  SeededRandom random(1);
  FakeClock clock(SystemTime(std::chrono::milliseconds(1700000000000)));
  std::string a = NewId("org", clock, random);
  clock.Advance(std::chrono::milliseconds(1));
  std::string b = NewId("org", clock, random);
  EXPECT_TRUE(HasIdShape(a, "org"));
  EXPECT_FALSE(HasIdShape(a, "mbr"));
  EXPECT_LT(a, b);
}

TEST(Json, MalformedNamesByteOffset) {
  auto r = json::ParseObject("{\"a\": 1,,}");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type(), "malformed-json");
  EXPECT_NE(r.error().detail().find("byte 8"), std::string::npos) << r.error().detail();
  EXPECT_EQ(json::ParseObject("[1]").error().type(), "not-an-object");
  EXPECT_EQ(json::ParseObject("{} x").error().type(), "malformed-json");
}

TEST(Json, ReaderReportsFirstProblemWithPointer) {
  auto obj = json::ParseObject(R"({"name":"x","roles":["a",3],"extra":true})").value();
  json::ObjectReader r(obj);
  r.RequiredString("name");
  r.RequiredStringArray("roles");
  Status s = r.Finish();
  EXPECT_EQ(s.type(), "wrong-type");
  EXPECT_EQ(s.field(), "/roles/1");

  auto obj2 = json::ParseObject(R"({"name":"x","extra":true})").value();
  json::ObjectReader r2(obj2);
  r2.RequiredString("name");
  r2.RequiredInt("count", 0, 10);
  EXPECT_EQ(r2.Finish().type(), "missing-field");

  json::ObjectReader r3(obj2);
  r3.RequiredString("name");
  Status unknown = r3.Finish();
  EXPECT_EQ(unknown.type(), "unknown-field");
  EXPECT_EQ(unknown.field(), "/extra");

  auto obj4 = json::ParseObject(R"({"n": 11})").value();
  json::ObjectReader r4(obj4);
  r4.RequiredInt("n", 0, 10);
  EXPECT_EQ(r4.Finish().type(), "out-of-range");
}

}  // namespace
}  // namespace aiip
