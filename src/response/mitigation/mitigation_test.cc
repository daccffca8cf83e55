#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/time.h"
#include "response/attribution/dataset.h"
#include "response/attribution/table.h"
#include "response/mitigation/aggregate.h"
#include "response/mitigation/dots.h"
#include "response/mitigation/escalation.h"
#include "response/mitigation/grouping.h"
#include "response/mitigation/summary.h"

namespace aiip::mitigation {
namespace {

namespace fs = std::filesystem;
using attribution::IpAddress;
using attribution::Prefix;
using attribution::Uint128;
using std::chrono::milliseconds;

const fs::path kData = fs::path(AIIP_SOURCE_DIR) / "tests/data/mitigation";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(s.begin());
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, sep)) {
    item = Trim(item);
    if (!item.empty() || sep == '|') out.push_back(item);
  }
  if (sep == '|' && !text.empty() && text.back() == '|') out.push_back("");
  return out;
}

IpAddress Ip(const std::string& text) {
  auto a = IpAddress::Parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress());
}

// ---- Aggregation ----

std::string Describe(const Aggregation& a) {
  std::string out;
  for (const CoveringPrefix& p : a.prefixes) {
    out += (out.empty() ? "" : " ") + p.prefix.ToString() + "=" + std::to_string(p.sources) + "/" +
           CountToString(p.over_coverage);
  }
  return out;
}

TEST(Aggregate, DataDrivenCases) {
  std::istringstream in(ReadFile(kData / "aggregation.cases"));
  std::map<std::string, std::string> fields;
  int cases = 0;
  auto run = [&] {
    if (fields.empty()) return;
    SCOPED_TRACE(fields["name"]);
    std::vector<IpAddress> sources;
    for (const std::string& s : Split(fields["sources"], ' ')) sources.push_back(Ip(s));
    auto a = Aggregate(sources, std::stoul(fields["max"]));
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(Describe(*a), fields["prefixes"]);
    EXPECT_EQ(CountToString(a->over_coverage), fields["over"]);
    EXPECT_EQ(a->exact_prefixes, std::stoul(fields["exact"]));
    EXPECT_EQ(a->budget_exceeded, fields["budget-exceeded"] == "yes");
    ++cases;
    fields.clear();
  };
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '#') continue;
    if (Trim(line).empty()) {
      run();
      continue;
    }
    const size_t colon = line.find(':');
    ASSERT_NE(colon, std::string::npos) << line;
    fields[line.substr(0, colon)] = Trim(line.substr(colon + 1));
  }
  run();
  EXPECT_EQ(cases, 11);
}

// The exact CIDR cover of sorted distinct IPv4 values, computed independently: each
// maximal run of consecutive addresses split into aligned blocks.
size_t ExactCoverSize(std::vector<uint32_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  size_t count = 0;
  size_t i = 0;
  while (i < v.size()) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    uint64_t first = v[i];
    const uint64_t last = v[j];
    while (first <= last) {
      uint64_t size = first == 0 ? (uint64_t{1} << 32) : (first & (~first + 1));
      while (first + size - 1 > last) size >>= 1;
      ++count;
      first += size;
    }
    i = j + 1;
  }
  return count;
}

TEST(Aggregate, RandomSourcesAreCoveredExactlyOnceWithinBudget) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 40; ++round) {
    std::vector<IpAddress> sources;
    std::vector<uint32_t> values;
    const int clusters = 1 + static_cast<int>(rng() % 6);
    for (int c = 0; c < clusters; ++c) {
      const auto base = static_cast<uint32_t>(rng());
      const int n = 1 + static_cast<int>(rng() % 300);
      for (int i = 0; i < n; ++i) {
        const uint32_t v = base + static_cast<uint32_t>(rng() % 1024);
        values.push_back(v);
        sources.push_back(IpAddress::V4(v));
      }
    }
    const size_t budget = 1 + rng() % 20;
    auto a = Aggregate(sources, budget);
    ASSERT_TRUE(a.has_value());
    EXPECT_LE(a->prefixes.size(), budget);
    EXPECT_EQ(a->exact_prefixes, ExactCoverSize(values));
    // Every distinct source lies in exactly one prefix; the prefixes are sorted and disjoint.
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    uint64_t total = 0;
    Uint128 over = 0;
    for (size_t i = 0; i < a->prefixes.size(); ++i) {
      const CoveringPrefix& p = a->prefixes[i];
      const uint64_t first = p.prefix.address.v4();
      const uint64_t last = static_cast<uint64_t>(p.prefix.last());
      if (i > 0) {
        EXPECT_GT(first, static_cast<uint64_t>(a->prefixes[i - 1].prefix.last()));
      }
      const auto lo = std::lower_bound(values.begin(), values.end(), first);
      const auto hi = std::upper_bound(values.begin(), values.end(), last);
      EXPECT_EQ(static_cast<uint64_t>(hi - lo), p.sources);
      EXPECT_EQ(p.over_coverage, Uint128{last - first + 1 - p.sources});
      total += p.sources;
      over += p.over_coverage;
    }
    EXPECT_EQ(total, values.size());
    EXPECT_EQ(over, a->over_coverage);
    // With room for the exact cover, nothing is over-covered.
    auto exact = Aggregate(sources, values.size());
    EXPECT_EQ(exact->over_coverage, 0u);
    EXPECT_EQ(exact->prefixes.size(), exact->exact_prefixes);
  }
}

TEST(Aggregate, ZeroBudgetIsRefused) {
  const IpAddress one = IpAddress::V4(1);
  auto a = Aggregate(std::span(&one, 1), 0);
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().field(), "/max_prefixes");
  EXPECT_TRUE(Aggregate({}, 3)->prefixes.empty());
}

// ---- Escalation ----

milliseconds Duration(const std::string& text) {
  milliseconds total{0};
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    const long n = std::stol(text.substr(i, j - i));
    const char unit = text.at(j);
    total += unit == 'h'   ? milliseconds(n * 3600000)
             : unit == 'm' ? milliseconds(n * 60000)
                           : milliseconds(n * 1000);
    i = j + 1;
  }
  return total;
}

TEST(Escalation, DataDrivenTimelines) {
  const SystemTime sent = *ParseRfc3339("2026-03-01T10:00:00Z");
  std::istringstream in(ReadFile(kData / "escalation.cases"));
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    SCOPED_TRACE(line);
    const std::vector<std::string> f = Split(line, '|');
    ASSERT_EQ(f.size(), 7u);
    const std::vector<std::string> chain = Split(f[0], ',');
    const milliseconds target = Duration(f[1]);
    const SystemTime now = sent + Duration(f[2]);
    std::optional<SystemTime> ack;
    if (f[3] != "-") ack = sent + Duration(f[3]);
    const EscalationState s = Escalate(chain.size(), sent, target, now, ack);
    auto step = [&](const EscalationStep& e) {
      const auto offset = std::chrono::duration_cast<std::chrono::seconds>(e.due - sent).count();
      std::string when = offset == 0 ? "0s" : "";
      if (offset >= 3600) when += std::to_string(offset / 3600) + "h";
      if (offset % 3600 >= 60) when += std::to_string(offset % 3600 / 60) + "m";
      if (offset % 60) when += std::to_string(offset % 60) + "s";
      return chain[e.contact] + "@" + when;
    };
    std::string notified;
    for (const auto& e : s.notified) notified += (notified.empty() ? "" : ",") + step(e);
    EXPECT_EQ(notified.empty() ? "-" : notified, f[4]);
    EXPECT_EQ(s.next ? step(*s.next) : "-", f[5]);
    EXPECT_EQ(s.acknowledged ? "acknowledged" : s.exhausted ? "exhausted" : "pending", f[6]);
    ++cases;
  }
  EXPECT_EQ(cases, 13);
}

// ---- DOTS ----

TEST(Dots, StatusCodesAndNames) {
  const char* names[] = {
      "attack-mitigation-in-progress", "attack-successfully-mitigated",    "attack-stopped",
      "attack-exceeded-capability",    "dots-client-withdrawn-mitigation", "attack-mitigation-terminated",
      "attack-mitigation-withdrawn",   "attack-mitigation-signal-loss"};
  for (int code = 1; code <= 8; ++code) {
    auto s = DotsStatusFromCode(code);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(static_cast<int>(*s), code);
    EXPECT_EQ(DotsStatusName(*s), names[code - 1]);
  }
  EXPECT_FALSE(DotsStatusFromCode(0).has_value());
  EXPECT_FALSE(DotsStatusFromCode(9).has_value());
  EXPECT_EQ(AttackStatusName(AttackStatus::kUnderAttack), "under-attack");
}

MitigationScope ExampleScope() {
  MitigationScope scope;
  scope.mid = 123;
  scope.target_prefix = {*Prefix::Parse("203.0.113.10/32")};
  scope.target_port_range = {{53, 53}};
  scope.target_protocol = {17};
  scope.lifetime = 3600;
  scope.source_prefix = {*Prefix::Parse("192.0.2.0/30"), *Prefix::Parse("198.51.100.7/32")};
  return scope;
}

TEST(Dots, RequestJson) {
  ASSERT_TRUE(ExampleScope().Validate().ok());
  EXPECT_EQ(
      boost::json::serialize(ToJson(ExampleScope())),
      R"({"ietf-dots-signal-channel:mitigation-scope":{"scope":[{"mid":123,"target-prefix":["203.0.113.10/32"],)"
      R"("target-port-range":[{"lower-port":53,"upper-port":53}],"target-protocol":[17],"lifetime":3600,)"
      R"("ietf-dots-call-home:source-prefix":["192.0.2.0/30","198.51.100.7/32"]}]}})");
  MitigationScope bad = ExampleScope();
  bad.target_port_range = {{80, 79}};
  EXPECT_EQ(bad.Validate().field(), "/target-port-range/0");
  bad = ExampleScope();
  bad.lifetime = 0;
  EXPECT_EQ(bad.Validate().field(), "/lifetime");
  bad.lifetime = -1;
  EXPECT_TRUE(bad.Validate().ok());
  bad.source_prefix.clear();
  EXPECT_EQ(bad.Validate().field(), "/ietf-dots-call-home:source-prefix");
}

TEST(Dots, ParsesStatusAndEfficacyUpdates) {
  auto s = ParseStatusUpdate(
      R"({"ietf-dots-signal-channel:mitigation-scope":{"scope":[{"mid":123,"status":2,"bytes-dropped":1000,)"
      R"("pkts-dropped":10,"lifetime":3000}]}})");
  ASSERT_TRUE(s.has_value()) << s.error().ToString();
  EXPECT_EQ(s->mid, 123u);
  EXPECT_EQ(s->status, DotsStatus::kAttackSuccessfullyMitigated);
  EXPECT_EQ(s->counters, (DropCounters{1000, 10, 0, 0}));

  const std::string prefix = "/ietf-dots-signal-channel:mitigation-scope";
  auto bad =
      ParseStatusUpdate(R"({"ietf-dots-signal-channel:mitigation-scope":{"scope":[{"mid":1,"status":9}]}})");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field(), prefix + "/scope/0/status");
  bad = ParseStatusUpdate(
      R"({"ietf-dots-signal-channel:mitigation-scope":{"scope":[{"mid":1,"status":1,"x":1}]}})");
  EXPECT_EQ(bad.error().field(), prefix + "/scope/0/x");
  bad = ParseStatusUpdate(R"({"ietf-dots-signal-channel:mitigation-scope":{"scope":[]}})");
  EXPECT_EQ(bad.error().field(), prefix + "/scope");
  bad = ParseStatusUpdate(R"({"scope":[]})");
  EXPECT_FALSE(bad.has_value());
  bad = ParseStatusUpdate("{");
  EXPECT_EQ(bad.error().type(), "malformed-json");

  auto e = ParseEfficacyUpdate(
      R"({"ietf-dots-signal-channel:mitigation-scope":{"scope":[{"mid":7,"attack-status":2}]}})");
  ASSERT_TRUE(e.has_value()) << e.error().ToString();
  EXPECT_EQ(e->attack_status, AttackStatus::kAttackSuccessfullyMitigated);
  EXPECT_EQ(ParseEfficacyUpdate(
                R"({"ietf-dots-signal-channel:mitigation-scope":{"scope":[{"mid":7,"attack-status":3}]}})")
                .error()
                .field(),
            prefix + "/scope/0/attack-status");
}

TEST(Dots, RequestLifecycle) {
  const SystemTime t0 = *ParseRfc3339("2026-03-01T10:00:00Z");
  const auto at = [&](int minutes) { return t0 + std::chrono::minutes(minutes); };
  MitigationRequest r(ExampleScope(), t0);
  EXPECT_EQ(r.state(), RequestState::kCreated);
  EXPECT_EQ(r.Acknowledge(at(1), "noc").type(), "invalid-transition");
  EXPECT_EQ(r.UpdateStatus(at(1), DotsStatus::kAttackMitigationInProgress).type(), "invalid-transition");
  ASSERT_TRUE(r.Send(at(1)).ok());
  EXPECT_EQ(r.Send(at(1)).type(), "invalid-transition");
  ASSERT_TRUE(r.Acknowledge(at(5), "noc@operator.example").ok());
  EXPECT_EQ(r.acknowledged_by(), "noc@operator.example");
  EXPECT_EQ(r.UpdateStatus(at(4), DotsStatus::kAttackMitigationInProgress).type(), "out-of-order");
  ASSERT_TRUE(r.UpdateStatus(at(6), DotsStatus::kAttackMitigationInProgress).ok());
  EXPECT_EQ(r.state(), RequestState::kMitigating);
  ASSERT_TRUE(
      r.UpdateStatus(at(8), DotsStatus::kAttackSuccessfullyMitigated, DropCounters{5000, 50, 800, 8}).ok());
  const Status down =
      r.UpdateStatus(at(9), DotsStatus::kAttackSuccessfullyMitigated, DropCounters{4000, 60, 0, 0});
  EXPECT_EQ(down.type(), "counter-decreased");
  EXPECT_EQ(down.field(), "/bytes-dropped");
  EXPECT_EQ(r.counters(), (DropCounters{5000, 50, 800, 8}));  // unchanged by the refusal
  EXPECT_EQ(r.UpdateStatus(at(9), DotsStatus::kDotsClientWithdrawnMitigation).field(), "/status");
  ASSERT_TRUE(r.ReportEfficacy(at(10), AttackStatus::kAttackSuccessfullyMitigated).ok());
  ASSERT_TRUE(r.Withdraw(at(20)).ok());
  EXPECT_EQ(r.state(), RequestState::kWithdrawn);
  EXPECT_EQ(r.status(), DotsStatus::kDotsClientWithdrawnMitigation);
  EXPECT_EQ(r.ReportEfficacy(at(21), AttackStatus::kUnderAttack).type(), "invalid-transition");
  ASSERT_TRUE(r.UpdateStatus(at(21), DotsStatus::kDotsClientWithdrawnMitigation).ok());
  ASSERT_TRUE(r.UpdateStatus(at(22), DotsStatus::kAttackMitigationTerminated).ok());
  EXPECT_EQ(r.state(), RequestState::kTerminated);
  EXPECT_EQ(r.ended_at(), at(20));
  EXPECT_EQ(r.Withdraw(at(23)).type(), "invalid-transition");

  const boost::json::object json = r.ToJson();
  const auto& entry = json.at("ietf-dots-signal-channel:mitigation-scope").at("scope").at(0);
  EXPECT_EQ(entry.at("status").as_int64(), 6);
  EXPECT_EQ(entry.at("bytes-dropped").as_uint64(), 5000u);
  EXPECT_EQ(entry.at("attack-status").as_int64(), 2);
  EXPECT_EQ(json.at("aiip-state").at("state").as_string(), "terminated");
  EXPECT_EQ(json.at("aiip-state").at("withdrawn-by").as_string(), "client");
}

TEST(Dots, StatusUpdateAcknowledgesAndServerWithdrawalAndExpiry) {
  const SystemTime t0 = *ParseRfc3339("2026-03-01T10:00:00Z");
  MitigationRequest a(ExampleScope(), t0);
  ASSERT_TRUE(a.Send(t0).ok());
  ASSERT_TRUE(a.UpdateStatus(t0 + std::chrono::minutes(3), DotsStatus::kAttackExceededCapability).ok());
  EXPECT_EQ(a.acknowledged_at(), t0 + std::chrono::minutes(3));
  EXPECT_EQ(a.acknowledged_by(), "status-update");
  ASSERT_TRUE(a.UpdateStatus(t0 + std::chrono::minutes(4), DotsStatus::kAttackMitigationWithdrawn).ok());
  EXPECT_EQ(a.state(), RequestState::kWithdrawn);
  EXPECT_FALSE(a.withdrawn_by_client());
  EXPECT_EQ(a.ToJson().at("aiip-state").at("withdrawn-by").as_string(), "server");

  MitigationRequest b(ExampleScope(), t0);
  EXPECT_FALSE(b.ExpireIfDue(t0 + std::chrono::hours(2)));  // never sent
  ASSERT_TRUE(b.Send(t0).ok());
  EXPECT_FALSE(b.ExpireIfDue(t0 + std::chrono::minutes(59)));
  EXPECT_TRUE(b.ExpireIfDue(t0 + std::chrono::hours(2)));
  EXPECT_EQ(b.state(), RequestState::kTerminated);
  EXPECT_EQ(b.status(), DotsStatus::kAttackMitigationTerminated);
  EXPECT_EQ(b.ended_at(), t0 + std::chrono::hours(1));
  EXPECT_FALSE(b.ExpireIfDue(t0 + std::chrono::hours(3)));  // once
  EXPECT_EQ(b.Withdraw(t0 + std::chrono::hours(3)).type(), "invalid-transition");

  // An event after the end of the lifetime blocks expiry: the service refuses such events.
  MitigationRequest c(ExampleScope(), t0);
  ASSERT_TRUE(c.Send(t0).ok());
  ASSERT_TRUE(c.Acknowledge(t0 + std::chrono::minutes(61), "late").ok());
  EXPECT_FALSE(c.ExpireIfDue(t0 + std::chrono::hours(2)));
}

// ---- Grouping and the case table ----

struct World {
  attribution::AttributionSet set;
  SystemTime at = *ParseRfc3339("2026-03-01T10:00:00Z");
};

std::unique_ptr<World> MakeWorld() {
  auto w = std::make_unique<World>();
  attribution::TableBuilder b;
  b.AddAs(64500, "Transit NL");
  b.AddAs(64501, "Hosting DE");
  b.AddAs(64502, "Access FR");
  EXPECT_TRUE(b.AddNetwork(*Prefix::Parse("192.0.2.0/24"), 64500, "NL").ok());
  EXPECT_TRUE(b.AddNetwork(*Prefix::Parse("198.51.100.0/24"), 64501, "DE").ok());
  EXPECT_TRUE(b.AddNetwork(*Prefix::Parse("198.51.100.128/25"), 64501, "AT").ok());
  EXPECT_TRUE(b.AddNetwork(*Prefix::Parse("203.0.113.0/24"), 64502, "FR").ok());
  EXPECT_TRUE(b.AddNetwork(*Prefix::Parse("100.64.0.0/16"), 0, "FR").ok());
  EXPECT_TRUE(b.AddNetwork(*Prefix::Parse("2001:db8::/32"), 64500, "NL").ok());
  auto table = b.Build();
  EXPECT_TRUE(table.has_value());
  attribution::DatasetInfo info{"test/1", "test", w->at - std::chrono::hours(24), "memory"};
  EXPECT_TRUE(w->set.Add(info, std::make_shared<const attribution::Table>(std::move(*table))).ok());
  return w;
}

ResponderDirectory Directory() {
  ResponderDirectory d;
  d.operator_for_asn = [](uint32_t asn) -> std::optional<Responder> {
    if (asn == 64500) return Responder{"org_transit", "Transit NL B.V."};
    if (asn == 64501) return Responder{"org_hosting", "Hosting DE GmbH"};
    return std::nullopt;
  };
  d.csirt_for_country = [](std::string_view country) -> std::optional<Responder> {
    if (country == "FR") return Responder{"org_cert_fr", "CERT-FR"};
    return std::nullopt;
  };
  d.duty_desk = Responder{"org_agency", "Agency duty desk"};
  return d;
}

TEST(Grouping, FallbackChainPerAsAndCountry) {
  const ResponderDirectory d = Directory();
  EXPECT_EQ(Assign(d, 64500, "NL").rung, Rung::kRegisteredOperator);
  EXPECT_EQ(Assign(d, 64502, "FR").responder.id, "org_cert_fr");
  EXPECT_EQ(Assign(d, 64502, "FR").rung, Rung::kNationalCsirt);
  EXPECT_EQ(Assign(d, 64503, "BE").rung, Rung::kDutyDesk);
  EXPECT_EQ(Assign(d, 0, "").responder.id, "org_agency");
}

TEST(Grouping, GroupsAggregatesAndSummarises) {
  auto w = MakeWorld();
  std::vector<IpAddress> sources;
  for (const char* s : {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.1", "2001:db8::7", "198.51.100.5",
                        "198.51.100.200", "203.0.113.9", "100.64.1.1", "10.0.0.1", "::ffff:192.0.2.4"}) {
    sources.push_back(Ip(s));
  }
  auto g = GroupSources(sources, w->set, w->at, Directory());
  ASSERT_TRUE(g.has_value()) << g.error().ToString();
  EXPECT_EQ(g->dataset_id, "test/1");
  EXPECT_EQ(g->sources, 10u);
  EXPECT_EQ(g->duplicates, 1u);
  EXPECT_EQ(g->unattributed, 1u);
  std::vector<std::string> groups;
  for (const AsGroup& a : g->as_groups) {
    groups.push_back("AS" + std::to_string(a.asn) + "/" + a.country + "=" + std::to_string(a.sources.size()) +
                     "->" + g->responders[a.responder].assignment.responder.id);
  }
  EXPECT_EQ(groups, (std::vector<std::string>{"AS0/=1->org_agency", "AS0/FR=1->org_cert_fr",
                                              "AS64500/NL=5->org_transit", "AS64501/AT=1->org_hosting",
                                              "AS64501/DE=1->org_hosting", "AS64502/FR=1->org_cert_fr"}));
  ASSERT_EQ(g->responders.size(), 4u);
  EXPECT_EQ(g->responders[0].assignment.responder.id, "org_agency");
  EXPECT_EQ(g->responders[1].assignment.responder.id, "org_cert_fr");
  EXPECT_EQ(g->responders[1].sources, 2u);
  EXPECT_EQ(g->responders[3].assignment.responder.id, "org_transit");
  const std::vector<IpAddress> transit = g->SourcesOf(3);
  ASSERT_EQ(transit.size(), 5u);
  EXPECT_EQ(transit.front(), Ip("192.0.2.1"));
  EXPECT_EQ(transit.back(), Ip("2001:db8::7"));

  auto missing = GroupSources(sources, w->set, w->at - std::chrono::hours(48), Directory());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);

  std::vector<Aggregation> aggregations;
  for (size_t r = 0; r < g->responders.size(); ++r) aggregations.push_back(*Aggregate(g->SourcesOf(r), 2));
  EXPECT_EQ(Describe(aggregations[3]), "192.0.2.0/29=4/4 2001:db8::7/128=1/0");
  MitigationRequest transit_request(ExampleScope(), w->at);
  ASSERT_TRUE(transit_request.Send(w->at).ok());
  ASSERT_TRUE(transit_request.Acknowledge(w->at + std::chrono::minutes(2), "noc").ok());
  MitigationRequest csirt_request(ExampleScope(), w->at);
  ASSERT_TRUE(csirt_request.Send(w->at).ok());
  const MitigationRequest* requests[] = {nullptr, &csirt_request, nullptr, &transit_request};
  const CaseSummary summary = Summarize(*g, aggregations, requests);
  ASSERT_EQ(summary.responders.size(), 4u);
  EXPECT_EQ(summary.responders[2].asns, (std::vector<uint32_t>{64501}));
  EXPECT_EQ(summary.responders[2].countries, (std::vector<std::string>{"AT", "DE"}));
  EXPECT_EQ(summary.responders[3].state, RequestState::kAcknowledged);
  ASSERT_EQ(summary.countries.size(), 5u);  // "", AT, DE, FR, NL
  EXPECT_EQ(summary.countries[3].country, "FR");
  EXPECT_EQ(summary.countries[3].sources, 2u);
  EXPECT_EQ(summary.countries[3].responders, 1u);
  EXPECT_EQ(summary.countries[3].acknowledged, 0u);
  EXPECT_EQ(summary.countries[4].acknowledged, 1u);
  EXPECT_EQ(summary.sources, 10u);
  const std::string text = ToText(summary);
  EXPECT_NE(text.find("org_transit"), std::string::npos);
  EXPECT_NE(text.find("acknowledged"), std::string::npos);
  const boost::json::object json = ToJson(summary);
  EXPECT_EQ(json.at("responders").at(3).at("rung").as_string(), "registered-operator");
  EXPECT_EQ(json.at("responders").at(3).at("over-coverage").as_string(), "4");
}

}  // namespace
}  // namespace aiip::mitigation
