// Correlation index: canonical forms, exact and CIDR correlation, the over-correlation limit,
// visibility, removal; then a property test against a brute-force pairwise reference.
#include "incidents/correlation/correlation.h"

#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <random>
#include <set>

#include "incidents/correlation/ip_key.h"

namespace aiip::incidents::correlation {
namespace {

Indicator I(std::string_view type, std::string_view value) {
  auto c = Canonicalise(type, value);
  EXPECT_TRUE(c.has_value()) << type << " " << value << ": " << (c ? "" : c.error().ToString());
  return c.value_or(Indicator{});
}

const Visible kAll = [](std::string_view) { return true; };

std::set<std::string> Reports(const ReportCorrelations& c) { return {c.reports.begin(), c.reports.end()}; }

TEST(CanonicalTest, CanonicalForms) {
  struct Case {
    std::string_view type, in, out;
  } cases[] = {
      {"ipv4", "203.0.113.7", "203.0.113.7"},
      {"ipv4-addr", "203.0.113.7/24", "203.0.113.0/24"},
      {"ipv4", "203.0.113.7/32", "203.0.113.7"},
      {"ipv4", "0.0.0.0/0", "0.0.0.0/0"},
      {"ipv6", "2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
      {"ipv6-addr", "2001:db8:ffff::/32", "2001:db8::/32"},
      {"ipv6", "2001:db8::1/128", "2001:db8::1"},
      {"domain", "Evil.Example.COM.", "evil.example.com"},
      {"domain-name", "xn--bcher-kva.example", "xn--bcher-kva.example"},
      {"email", "Mallory@Evil.Example", "mallory@evil.example"},
      {"url", "HTTP://Evil.Example:80/a/./b/../c?x=%7e", "http://evil.example/a/c?x=~"},
      {"url", "https://evil.example", "https://evil.example/"},
      {"url", "https://u@Evil.example?q=1#f", "https://u@evil.example/?q=1#f"},
      {"url", "https://evil.example:8443/x", "https://evil.example:8443/x"},
      {"md5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"},
      {"sha-256", std::string_view("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"),
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"stix-pattern", "  [ipv4-addr:value = '203.0.113.7']\n", "[ipv4-addr:value = '203.0.113.7']"},
  };
  for (const Case& c : cases) {
    auto got = Canonicalise(c.type, c.in);
    ASSERT_TRUE(got.has_value()) << c.in << ": " << got.error().ToString();
    EXPECT_EQ(got->value, c.out) << c.in;
    // Canonical forms are fixed points.
    EXPECT_EQ(Canonicalise(c.type, got->value)->value, got->value);
  }
}

TEST(CanonicalTest, RejectsWithTheField) {
  struct Case {
    std::string_view type, in, field;
  } cases[] = {
      {"ipv5", "1.2.3.4", "/type"},
      {"ipv4", "1.2.3", "/value"},
      {"ipv4", "1.2.3.4/33", "/value"},
      {"ipv4", "1.2.3.4/08", "/value"},
      {"ipv4", "1.2.3.4/", "/value"},
      {"ipv4", "2001:db8::1", "/value"},
      {"ipv6", "1.2.3.4", "/value"},
      {"ipv6", "fe80::1%eth0", "/value"},
      {"domain", "a..b", "/value"},
      {"domain", "bücher.example", "/value"},
      {"domain", "", "/value"},
      {"email", "@x.example", "/value"},
      {"email", "a b@x.example", "/value"},
      {"url", "/relative", "/value"},
      {"url", "mailto:a@b", "/value"},
      {"md5", "abc", "/value"},
      {"sha1", "zz00000000000000000000000000000000000000", "/value"},
      {"stix-pattern", " \n", "/value"},
      // Found by fuzz/indicator_fuzz.cc: Boost.URL reads "host:x.y" as an empty port and a path
      // without its "/", which removing the port would have glued onto the host.
      {"url", "https://user@v4-addr:valueil.Example.COM.", "/value"},
      {"url", "HTEvil.TP://Evil.Example:l.Example.COM.", "/value"},
  };
  for (const Case& c : cases) {
    auto got = Canonicalise(c.type, c.in);
    ASSERT_FALSE(got.has_value()) << c.in;
    EXPECT_EQ(got.error().field(), c.field) << c.in;
  }
}

TEST(IpKeyTest, MaskingAndContainment) {
  auto net = ParseIpKey("10.1.0.0/16", 4).value();
  auto addr = ParseIpKey("10.1.200.3", 4).value();
  EXPECT_TRUE(Within(addr, net));
  EXPECT_FALSE(Within(net, addr));
  EXPECT_EQ(FormatIpKey(LastOf(net)), "10.1.255.255/16");
  auto v6 = ParseIpKey("2001:db8::/31", 6).value();
  EXPECT_TRUE(Within(ParseIpKey("2001:db9:1::1", 6).value(), v6));
  EXPECT_FALSE(Within(ParseIpKey("2001:dba::1", 6).value(), v6));
  EXPECT_TRUE(Within(ParseIpKey("::1", 6).value(), ParseIpKey("::/0", 6).value()));
  EXPECT_FALSE(Within(ParseIpKey("0.0.0.1", 4).value(), ParseIpKey("::/0", 6).value()));
}

TEST(IndexTest, ExactAndCidrCorrelation) {
  Index index;
  const std::vector<Indicator> a = {I("ipv4", "203.0.113.0/24"), I("domain", "evil.example")};
  const std::vector<Indicator> b = {I("ipv4", "203.0.113.7"), I("md5", std::string(32, 'a'))};
  const std::vector<Indicator> c = {I("domain", "EVIL.example"), I("ipv4", "198.51.100.1")};
  const std::vector<Indicator> d = {I("ipv4", "203.0.0.0/16")};
  index.Put("A", a);
  index.Put("B", b);
  index.Put("C", c);
  index.Put("D", d);

  auto ra = index.Correlate("A", kAll).value();
  EXPECT_EQ(Reports(ra), (std::set<std::string>{"B", "C", "D"}));
  ASSERT_EQ(ra.by_indicator.size(), 2u);
  const auto& net = ra.by_indicator[0];
  EXPECT_EQ(net.indicator.value, "203.0.113.0/24");
  ASSERT_EQ(net.matches.size(), 2u);
  EXPECT_EQ(net.matches[0].report, "B");
  EXPECT_EQ(net.matches[0].value, "203.0.113.7");
  EXPECT_EQ(net.matches[0].relation, Relation::kContains);
  EXPECT_EQ(net.matches[1].report, "D");
  EXPECT_EQ(net.matches[1].relation, Relation::kWithin);
  EXPECT_EQ(ra.by_indicator[1].matches.at(0).relation, Relation::kSame);

  auto rb = index.Correlate("B", kAll).value();
  EXPECT_EQ(Reports(rb), (std::set<std::string>{"A", "D"}));
  EXPECT_EQ(rb.by_indicator[0].matches[0].relation, Relation::kWithin);

  // A search by a value nobody reported still finds the networks around it.
  auto s = index.Search(I("ipv4", "203.0.113.99"), kAll);
  ASSERT_EQ(s.matches.size(), 2u);
  EXPECT_EQ(s.matches[0].report, "A");
  EXPECT_EQ(s.matches[1].report, "D");

  EXPECT_FALSE(index.Correlate("nope", kAll).has_value());
  EXPECT_EQ(index.Correlate("nope", kAll).error().code(), Code::kNotFound);
}

TEST(IndexTest, VisibilityFiltersCorrelations) {
  Index index;
  const std::vector<Indicator> v = {I("sha256", std::string(64, 'b'))};
  for (std::string id : {"R1", "R2", "R3"}) index.Put(id, v);
  auto only_r3 = [](std::string_view id) { return id == "R3"; };
  auto c = index.Correlate("R1", only_r3).value();
  EXPECT_EQ(c.reports, std::vector<std::string>{"R3"});
  auto none = index.Correlate("R1", [](std::string_view) { return false; }).value();
  EXPECT_TRUE(none.reports.empty());
  EXPECT_TRUE(none.by_indicator[0].matches.empty());
}

TEST(IndexTest, OverCorrelatingValuesStopAndRecover) {
  Index index(Options{.correlation_limit = 3});
  const std::vector<Indicator> common = {I("domain", "update.example")};
  for (int i = 0; i < 3; ++i) index.Put("R" + std::to_string(i), common);
  EXPECT_FALSE(index.IsOverCorrelating(common[0]));
  EXPECT_EQ(index.Correlate("R0", kAll)->reports.size(), 2u);
  index.Put("R3", common);
  EXPECT_TRUE(index.IsOverCorrelating(common[0]));
  auto c = index.Correlate("R0", kAll).value();
  EXPECT_TRUE(c.by_indicator[0].over_correlating);
  EXPECT_TRUE(c.reports.empty());
  EXPECT_EQ(index.Stats().over_correlating, 1u);
  EXPECT_TRUE(index.Remove("R3"));
  EXPECT_FALSE(index.Remove("R3"));
  EXPECT_EQ(index.Correlate("R0", kAll)->reports.size(), 2u);
}

TEST(IndexTest, OverCorrelatingNetworksStopBothWays) {
  Index index(Options{.correlation_limit = 3});
  const std::vector<Indicator> wide = {I("ipv4", "10.0.0.0/8")};
  index.Put("W", wide);
  for (int i = 0; i < 3; ++i) {
    const std::vector<Indicator> one = {I("ipv4", "10.0.0." + std::to_string(i + 1))};
    index.Put("H" + std::to_string(i), one);
  }
  // cover(10.0.0.0/8) = 1 + 3 = 4 > 3: the network stops correlating, from above and below.
  EXPECT_TRUE(index.Correlate("W", kAll)->by_indicator[0].over_correlating);
  EXPECT_TRUE(index.Correlate("H0", kAll)->reports.empty());
  EXPECT_FALSE(index.Correlate("H0", kAll)->by_indicator[0].over_correlating);
  index.Remove("H2");
  EXPECT_EQ(index.Correlate("W", kAll)->reports, (std::vector<std::string>{"H0", "H1"}));
  EXPECT_EQ(index.Correlate("H0", kAll)->reports, (std::vector<std::string>{"W"}));
}

TEST(IndexTest, PutReplacesAndDuplicatesCollapse) {
  Index index;
  const std::vector<Indicator> twice = {I("ipv6", "2001:db8::1"), I("ipv6", "2001:db8::1")};
  index.Put("A", twice);
  index.Put("B", twice);
  EXPECT_EQ(index.Stats().occurrences, 2u);
  auto a = index.Correlate("A", kAll).value();
  ASSERT_EQ(a.by_indicator.size(), 1u);
  EXPECT_EQ(a.by_indicator[0].matches.size(), 1u);
  const std::vector<Indicator> other = {I("ipv6", "2001:db8::/48")};
  index.Put("B", other);
  EXPECT_EQ(index.Correlate("A", kAll)->by_indicator[0].matches.at(0).relation, Relation::kWithin);
  EXPECT_EQ(index.Stats().reports, 2u);
  EXPECT_EQ(index.Stats().distinct_values, 2u);
  EXPECT_EQ(index.Stats().live_values, 2u);
}

// ---------------------------------------------------------------------------------------------
// Property: the index answers exactly what a brute-force pairwise computation answers.

struct RefValue {
  Indicator indicator;
  std::optional<IpKey> ip;
};

bool Inside(const RefValue& a, const RefValue& b) {  // a ⊆ b
  if (a.indicator.type != b.indicator.type) return false;
  if (a.ip && b.ip) return Within(*a.ip, *b.ip);
  return a.indicator.value == b.indicator.value;
}

TEST(IndexPropertyTest, MatchesBruteForceReference) {
  std::mt19937_64 rng(77);
  auto uniform = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  // A small value pool so that values repeat and networks nest.
  std::vector<Indicator> pool;
  for (int i = 0; i < 12; ++i) pool.push_back(I("ipv4", "192.0.2." + std::to_string(i * 20)));
  for (int len : {8, 16, 24, 25, 26, 30}) pool.push_back(I("ipv4", "192.0.2.0/" + std::to_string(len)));
  pool.push_back(I("ipv4", "192.0.2.128/25"));
  pool.push_back(I("ipv4", "10.0.0.0/8"));
  pool.push_back(I("ipv4", "10.9.9.9"));
  for (int i = 0; i < 6; ++i) pool.push_back(I("ipv6", "2001:db8::" + std::to_string(i)));
  pool.push_back(I("ipv6", "2001:db8::/64"));
  pool.push_back(I("ipv6", "2001:db8::/126"));
  for (int i = 0; i < 8; ++i) pool.push_back(I("domain", "d" + std::to_string(i) + ".example"));

  uint64_t queries = 0, matches_checked = 0, capped_seen = 0;
  for (int round = 0; round < 40; ++round) {
    const uint32_t limit = 2 + static_cast<uint32_t>(uniform(8));
    Index index(Options{.correlation_limit = limit});
    std::map<std::string, std::vector<Indicator>> live;
    for (int step = 0; step < 120; ++step) {
      const std::string id = "R" + std::to_string(uniform(40));
      if (uniform(5) == 0) {
        EXPECT_EQ(index.Remove(id), live.erase(id) == 1);
        continue;
      }
      std::vector<Indicator> values;
      for (size_t k = 1 + uniform(4); k > 0; --k) values.push_back(pool[uniform(pool.size())]);
      index.Put(id, values);
      live[id] = values;
    }
    // Reference: distinct values per report, occurrences, covers.
    std::map<std::string, std::vector<RefValue>> held;
    for (const auto& [id, values] : live) {
      for (const Indicator& v : values) {
        bool seen = false;
        for (const RefValue& h : held[id]) seen = seen || h.indicator == v;
        if (seen) continue;
        RefValue rv{v, std::nullopt};
        if (v.type == IndicatorType::kIpv4 || v.type == IndicatorType::kIpv6) {
          rv.ip = ParseIpKey(v.value, v.type == IndicatorType::kIpv4 ? 4 : 6).value();
        }
        held[id].push_back(rv);
      }
    }
    auto cover = [&](const RefValue& b) {
      uint64_t n = 0;
      for (const auto& [id, values] : held) {
        for (const RefValue& w : values) n += Inside(w, b) ? 1 : 0;
      }
      return n;
    };
    const auto visible = [&](std::string_view id) { return std::hash<std::string_view>{}(id) % 4 != 0; };
    for (const auto& [id, values] : held) {
      auto got = index.Correlate(id, visible).value();
      ++queries;
      ASSERT_EQ(got.by_indicator.size(), values.size());
      for (size_t i = 0; i < values.size(); ++i) {
        const RefValue& a = values[i];
        const bool capped = cover(a) > limit;
        ASSERT_EQ(got.by_indicator[i].over_correlating, capped) << id << " " << a.indicator.value;
        capped_seen += capped;
        std::multiset<std::tuple<std::string, std::string, Relation>> expected;
        if (!capped) {
          for (const auto& [other, others] : held) {
            if (other == id || !visible(other)) continue;
            for (const RefValue& b : others) {
              if (Inside(b, a)) {
                expected.insert({other, b.indicator.value,
                                 b.indicator == a.indicator ? Relation::kSame : Relation::kContains});
              } else if (Inside(a, b) && cover(b) <= limit) {
                expected.insert({other, b.indicator.value, Relation::kWithin});
              }
            }
          }
        }
        std::multiset<std::tuple<std::string, std::string, Relation>> actual;
        for (const Match& m : got.by_indicator[i].matches) actual.insert({m.report, m.value, m.relation});
        ASSERT_EQ(actual, expected) << id << " " << a.indicator.value << " limit " << limit;
        matches_checked += expected.size();
      }
      // Symmetry: with everything visible, A correlates with B iff B correlates with A.
      const auto all = index.Correlate(id, kAll).value();
      for (const std::string& other : all.reports) {
        const auto back = index.Correlate(other, kAll)->reports;
        ASSERT_TRUE(std::find(back.begin(), back.end(), id) != back.end()) << id << " " << other;
      }
    }
  }
  std::cout << "correlation property test: " << queries << " report queries, " << matches_checked
            << " matches and " << capped_seen << " over-correlating values checked against brute force\n";
  EXPECT_GT(capped_seen, 0u);
  EXPECT_GT(matches_checked, 1000u);
}

}  // namespace
}  // namespace aiip::incidents::correlation
