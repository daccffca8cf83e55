// Access rules: hand cases from tests/data/incidents/access/cases.json, then a property test
// that checks every decision on thousands of random reports, groups and readers against an
// independently written reference model (set algebra over the whole population), and the
// monotonicity properties the rules promise.
#include "incidents/access/access.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace aiip::incidents::access {
namespace {

// ---------------------------------------------------------------------------------------------
// Hand cases.

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> Strings(const boost::json::object& object, std::string_view key) {
  std::vector<std::string> out;
  if (auto* value = object.if_contains(key)) {
    for (const auto& item : value->as_array()) out.emplace_back(item.as_string());
  }
  return out;
}

std::string StringOr(const boost::json::object& object, std::string_view key, std::string fallback = {}) {
  if (auto* value = object.if_contains(key)) return std::string(value->as_string());
  return fallback;
}

bool BoolOr(const boost::json::object& object, std::string_view key) {
  if (auto* value = object.if_contains(key)) return value->as_bool();
  return false;
}

TEST(AccessCasesTest, HandCasesFromData) {
  const std::string text = ReadFile(AIIP_SOURCE_DIR "/tests/data/incidents/access/cases.json");
  ASSERT_FALSE(text.empty());
  const boost::json::object root = boost::json::parse(text).as_object();

  MapDirectory directory;
  const auto& dir = root.at("directory").as_object();
  for (const auto& [group, members] : dir.at("groups").as_object()) {
    for (const auto& org : members.as_array())
      directory.AddToGroup(std::string(group), std::string(org.as_string()));
  }
  for (const auto& [provider, clients] : dir.at("clients").as_object()) {
    for (const auto& org : clients.as_array())
      directory.AddClient(std::string(provider), std::string(org.as_string()));
  }

  std::map<std::string, Reader> readers;
  for (const auto& [name, value] : root.at("readers").as_object()) {
    const auto& r = value.as_object();
    readers[std::string(name)] =
        Reader{StringOr(r, "member"), StringOr(r, "organisation"), StringOr(r, "state"), BoolOr(r, "agency"),
               BoolOr(r, "designated_contact")};
  }

  int checked = 0;
  for (const auto& item : root.at("cases").as_array()) {
    const auto& c = item.as_object();
    const std::string name = StringOr(c, "name");
    const auto& r = c.at("report").as_object();
    auto tlp = ParseTlp(StringOr(r, "tlp"));
    ASSERT_TRUE(tlp.has_value()) << name;
    ReportAccess report{StringOr(r, "owner_organisation"),
                        StringOr(r, "owner_state"),
                        *tlp,
                        Strings(r, "recipient_organisations"),
                        Strings(r, "recipient_persons"),
                        Strings(r, "sharing_groups"),
                        BoolOr(r, "national_only")};
    EXPECT_TRUE(ValidateReportAccess(report).ok()) << name;
    for (const auto& [reader_name, expected] : c.at("expect").as_object()) {
      ASSERT_TRUE(readers.contains(std::string(reader_name))) << name << ": unknown reader " << reader_name;
      const Decision decision = Decide(report, readers[std::string(reader_name)], directory);
      const std::string got =
          std::string(decision.allowed ? "allow:" : "deny:") + std::string(RuleName(decision.rule));
      EXPECT_EQ(got, std::string(expected.as_string())) << name << " / " << reader_name;
      ++checked;
    }
  }
  EXPECT_GE(checked, 60);
}

TEST(AccessTest, ParseTlpAcceptsTheFiveLabelsOnly) {
  EXPECT_EQ(ParseTlp("AMBER+STRICT").value(), Tlp::kAmberStrict);
  EXPECT_EQ(ParseTlp("TLP:CLEAR").value(), Tlp::kClear);
  for (Tlp tlp : {Tlp::kClear, Tlp::kGreen, Tlp::kAmber, Tlp::kAmberStrict, Tlp::kRed}) {
    EXPECT_EQ(ParseTlp(TlpName(tlp)).value(), tlp);
  }
  for (std::string_view bad : {"WHITE", "amber", "AMBER STRICT", "TLP: RED", "", "TLP:", "AMBER+"}) {
    auto parsed = ParseTlp(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().type(), "invalid-value");
  }
}

TEST(AccessTest, ValidationNamesTheField) {
  ReportAccess report{"org-a", "FR", Tlp::kRed, {}, {}, {}, false};
  EXPECT_EQ(ValidateReportAccess(report).field(), "/recipient_organisations");
  report.recipient_persons = {"m-1", "m-2", "m-1"};
  EXPECT_EQ(ValidateReportAccess(report).field(), "/recipient_persons/2");
  report.recipient_persons = {"m-1"};
  EXPECT_TRUE(ValidateReportAccess(report).ok());
  report.owner_state = "fr";
  EXPECT_EQ(ValidateReportAccess(report).field(), "/owner_state");
  report.owner_state = "FR";
  report.sharing_groups = {"g1", ""};
  EXPECT_EQ(ValidateReportAccess(report).field(), "/sharing_groups/1");
  report.sharing_groups = {"g1", "g2"};
  std::set<std::string, std::less<>> known = {"g1"};
  Status status = ValidateReportAccess(report, &known);
  EXPECT_EQ(status.type(), "unknown-group");
  EXPECT_EQ(status.field(), "/sharing_groups/1");
  report.owner_organisation.clear();
  EXPECT_EQ(ValidateReportAccess(report).field(), "/owner_organisation");
}

// ---------------------------------------------------------------------------------------------
// The reference model: a world of organisations and people, and for a report the set of people
// allowed, built by set algebra straight from the rules in doc/sharing.md. It shares no code
// with access.cc (it does not use Directory at all).

struct Person {
  std::string member;
  std::string organisation;  // empty: the public
  std::string state;
  bool agency = false;
  bool designated = false;
};

struct World {
  std::vector<std::string> organisations;
  std::map<std::string, std::string> state_of;
  std::map<std::string, std::set<std::string>> group_members;  // group -> organisations
  std::map<std::string, std::set<std::string>> clients_of;     // provider -> clients
  std::vector<Person> people;
};

using PersonSet = std::set<size_t>;

PersonSet ReferenceAllowed(const World& world, const ReportAccess& report) {
  const size_t n = world.people.size();
  auto where = [&](auto predicate) {
    PersonSet out;
    for (size_t i = 0; i < n; ++i) {
      if (predicate(world.people[i])) out.insert(i);
    }
    return out;
  };
  auto unite = [](PersonSet a, const PersonSet& b) {
    a.insert(b.begin(), b.end());
    return a;
  };
  auto intersect = [](const PersonSet& a, const PersonSet& b) {
    PersonSet out;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.begin()));
    return out;
  };

  std::set<std::string> group_orgs;
  for (const auto& group : report.sharing_groups) {
    auto it = world.group_members.find(group);
    if (it != world.group_members.end()) group_orgs.insert(it->second.begin(), it->second.end());
  }
  const std::set<std::string> named_orgs(report.recipient_organisations.begin(),
                                         report.recipient_organisations.end());
  std::set<std::string> recipient_orgs = named_orgs;
  recipient_orgs.insert(group_orgs.begin(), group_orgs.end());
  std::set<std::string> client_orgs;
  std::set<std::string> providers = recipient_orgs;
  providers.insert(report.owner_organisation);
  for (const auto& provider : providers) {
    auto it = world.clients_of.find(provider);
    if (it != world.clients_of.end()) client_orgs.insert(it->second.begin(), it->second.end());
  }
  auto org_in = [](const std::set<std::string>& orgs) {
    return [&orgs](const Person& p) { return !p.organisation.empty() && orgs.contains(p.organisation); };
  };

  PersonSet allowed;
  switch (report.tlp) {
    case Tlp::kClear:
      allowed = where([](const Person&) { return true; });
      break;
    case Tlp::kGreen:
      allowed = where([](const Person& p) { return !p.organisation.empty() || p.agency; });
      break;
    case Tlp::kAmber:
      allowed = where(org_in(client_orgs));
      [[fallthrough]];
    case Tlp::kAmberStrict:
      allowed = unite(allowed, where(org_in(recipient_orgs)));
      allowed = unite(allowed, where([](const Person& p) { return p.agency; }));
      break;
    case Tlp::kRed:
      allowed = where([&](const Person& p) { return p.designated && org_in(named_orgs)(p); });
      break;
  }
  if (!report.sharing_groups.empty()) {
    std::set<std::string> audience = named_orgs;
    audience.insert(group_orgs.begin(), group_orgs.end());
    allowed =
        intersect(allowed, unite(where(org_in(audience)), where([](const Person& p) { return p.agency; })));
  }
  const std::set<std::string> named_people(report.recipient_persons.begin(), report.recipient_persons.end());
  allowed = unite(
      allowed, where([&](const Person& p) { return !p.member.empty() && named_people.contains(p.member); }));
  if (report.national_only) {
    allowed = intersect(
        allowed, where([&](const Person& p) { return !p.state.empty() && p.state == report.owner_state; }));
  }
  const std::set<std::string> owner = {report.owner_organisation};
  return unite(allowed, where(org_in(owner)));
}

MapDirectory DirectoryOf(const World& world) {
  MapDirectory directory;
  for (const auto& [group, members] : world.group_members) {
    for (const auto& org : members) directory.AddToGroup(group, org);
  }
  for (const auto& [provider, clients] : world.clients_of) {
    for (const auto& client : clients) directory.AddClient(provider, client);
  }
  return directory;
}

Reader ReaderOf(const Person& p) { return Reader{p.member, p.organisation, p.state, p.agency, p.designated}; }

PersonSet EngineAllowed(const World& world, const ReportAccess& report, const Directory& directory) {
  PersonSet out;
  for (size_t i = 0; i < world.people.size(); ++i) {
    if (CanRead(report, ReaderOf(world.people[i]), directory)) out.insert(i);
  }
  return out;
}

bool Subset(const PersonSet& a, const PersonSet& b) {
  return std::includes(b.begin(), b.end(), a.begin(), a.end());
}

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  size_t Uniform(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  World MakeWorld() {
    static const std::vector<std::string> kStates = {"FR", "DE", "KE", "BR", "JP"};
    World world;
    const size_t orgs = 4 + Uniform(14);
    for (size_t i = 0; i < orgs; ++i) {
      std::string org = "org-" + std::to_string(i);
      world.organisations.push_back(org);
      world.state_of[org] = kStates[Uniform(kStates.size())];
    }
    const size_t groups = Uniform(5);
    for (size_t g = 0; g < groups; ++g) {
      auto& members = world.group_members["group-" + std::to_string(g)];
      for (const auto& org : world.organisations) {
        if (Chance(0.3)) members.insert(org);
      }
    }
    for (const auto& provider : world.organisations) {
      for (const auto& client : world.organisations) {
        if (provider != client && Chance(0.08)) world.clients_of[provider].insert(client);
      }
    }
    size_t member = 0;
    for (const auto& org : world.organisations) {
      const size_t people = 1 + Uniform(3);
      for (size_t p = 0; p < people; ++p) {
        world.people.push_back(
            {"m-" + std::to_string(member++), org, world.state_of[org], false, Chance(0.4)});
      }
    }
    // The Agency: its own organisation, sometimes with a State of its own.
    const std::string agency_state = Chance(0.5) ? "" : kStates[Uniform(kStates.size())];
    for (int p = 0; p < 2; ++p) {
      world.people.push_back({"m-" + std::to_string(member++), "org-agency", agency_state, true, p == 0});
    }
    world.people.push_back({"", "", "", false, false});  // the public
    return world;
  }

  ReportAccess MakeReport(const World& world) {
    ReportAccess report;
    report.owner_organisation = world.organisations[Uniform(world.organisations.size())];
    report.owner_state = world.state_of.at(report.owner_organisation);
    report.tlp = static_cast<Tlp>(Uniform(5));
    for (const auto& org : world.organisations) {
      if (Chance(0.12)) report.recipient_organisations.push_back(org);
    }
    if (Chance(0.1)) report.recipient_organisations.push_back("org-agency");
    for (const auto& person : world.people) {
      if (!person.member.empty() && Chance(0.04)) report.recipient_persons.push_back(person.member);
    }
    for (const auto& [group, members] : world.group_members) {
      if (Chance(0.35)) report.sharing_groups.push_back(group);
    }
    if (Chance(0.05)) report.sharing_groups.push_back("group-unknown");
    report.national_only = Chance(0.3);
    return report;
  }

 private:
  std::mt19937_64 rng_;
};

TEST(AccessPropertyTest, EngineMatchesReferenceAndRulesAreMonotone) {
  Generator gen(20240917);
  constexpr int kWorlds = 150;
  constexpr int kReportsPerWorld = 40;
  uint64_t decisions = 0, allowed_total = 0, denied_total = 0, monotone_checks = 0;
  std::map<std::string, uint64_t> by_rule;

  for (int w = 0; w < kWorlds; ++w) {
    World world = gen.MakeWorld();
    MapDirectory directory = DirectoryOf(world);
    for (int r = 0; r < kReportsPerWorld; ++r) {
      ReportAccess report = gen.MakeReport(world);
      const PersonSet expected = ReferenceAllowed(world, report);
      for (size_t i = 0; i < world.people.size(); ++i) {
        const Decision decision = Decide(report, ReaderOf(world.people[i]), directory);
        ++decisions;
        ++by_rule[std::string(RuleName(decision.rule))];
        (decision.allowed ? allowed_total : denied_total) += 1;
        ASSERT_EQ(decision.allowed, expected.contains(i))
            << "world " << w << " report " << r << " reader " << world.people[i].member << " org "
            << world.people[i].organisation << " tlp " << TlpName(report.tlp) << " rule "
            << RuleName(decision.rule);
      }
      const PersonSet base = EngineAllowed(world, report, directory);

      // Raising the TLP level never widens access.
      for (int level = static_cast<int>(report.tlp) + 1; level <= 4; ++level) {
        ReportAccess stricter = report;
        stricter.tlp = static_cast<Tlp>(level);
        ASSERT_TRUE(Subset(EngineAllowed(world, stricter, directory), base)) << "tlp " << level;
        ++monotone_checks;
      }
      // Setting national_only never widens access.
      {
        ReportAccess national = report;
        national.national_only = true;
        ASSERT_TRUE(Subset(EngineAllowed(world, national, directory), base));
        ++monotone_checks;
      }
      // Removing a named recipient (organisation or person) never widens access.
      if (!report.recipient_organisations.empty()) {
        ReportAccess fewer = report;
        fewer.recipient_organisations.erase(
            fewer.recipient_organisations.begin() +
            static_cast<long>(gen.Uniform(fewer.recipient_organisations.size())));
        ASSERT_TRUE(Subset(EngineAllowed(world, fewer, directory), base));
        ++monotone_checks;
      }
      if (!report.recipient_persons.empty()) {
        ReportAccess fewer = report;
        fewer.recipient_persons.pop_back();
        ASSERT_TRUE(Subset(EngineAllowed(world, fewer, directory), base));
        ++monotone_checks;
      }
      // Dropping one of several sharing groups never widens access.
      if (report.sharing_groups.size() >= 2) {
        ReportAccess fewer = report;
        fewer.sharing_groups.erase(fewer.sharing_groups.begin() +
                                   static_cast<long>(gen.Uniform(fewer.sharing_groups.size())));
        ASSERT_TRUE(Subset(EngineAllowed(world, fewer, directory), base));
        ++monotone_checks;
      }
      // Removing an organisation from a group, or a client relation, never widens access.
      if (!world.group_members.empty()) {
        World smaller = world;
        auto group = smaller.group_members.begin();
        std::advance(group, static_cast<long>(gen.Uniform(smaller.group_members.size())));
        if (!group->second.empty()) {
          group->second.erase(
              std::next(group->second.begin(), static_cast<long>(gen.Uniform(group->second.size()))));
          ASSERT_TRUE(Subset(EngineAllowed(smaller, report, DirectoryOf(smaller)), base));
          ASSERT_EQ(EngineAllowed(smaller, report, DirectoryOf(smaller)), ReferenceAllowed(smaller, report));
          ++monotone_checks;
        }
      }
      if (!world.clients_of.empty()) {
        World smaller = world;
        auto provider = smaller.clients_of.begin();
        std::advance(provider, static_cast<long>(gen.Uniform(smaller.clients_of.size())));
        if (!provider->second.empty()) {
          provider->second.erase(provider->second.begin());
          ASSERT_TRUE(Subset(EngineAllowed(smaller, report, DirectoryOf(smaller)), base));
          ++monotone_checks;
        }
      }
      // Whatever the report says, its owner organisation reads it, and under national_only
      // nobody of another State does.
      for (size_t i = 0; i < world.people.size(); ++i) {
        const Person& p = world.people[i];
        if (p.organisation == report.owner_organisation) {
          ASSERT_TRUE(base.contains(i));
        }
        if (report.national_only && p.state != report.owner_state &&
            p.organisation != report.owner_organisation) {
          ASSERT_FALSE(base.contains(i));
        }
        if (report.tlp != Tlp::kClear && p.organisation.empty()) {
          ASSERT_FALSE(base.contains(i));
        }
      }
    }
  }
  std::cout << "access property test: " << kWorlds * kReportsPerWorld << " random reports, " << decisions
            << " decisions checked against the reference model (" << allowed_total << " allowed, "
            << denied_total << " denied), " << monotone_checks << " monotonicity checks\n  rules hit:";
  for (const auto& [rule, count] : by_rule) std::cout << " " << rule << "=" << count;
  std::cout << "\n";
  // Every rule must have been exercised, or the generator is not testing what it claims.
  EXPECT_EQ(by_rule.size(), 13u);
}

}  // namespace
}  // namespace aiip::incidents::access
