// TaxiiService on a real store (SQLite, and PostgreSQL when configured): collections,
// visibility under the API's access rules (an unreadable report's objects do not exist),
// match filters, and cursors that page through every object exactly once, survive a new
// service instance on the same database, and refuse tampering.
#include "taxii/service.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>

#include "common/json.h"
#include "notify/event_log.h"
#include "registry/vocabulary.h"
#include "store/testing/test_store.h"

namespace aiip::taxii {
namespace {

namespace bj = boost::json;
using registry::Actor;

Actor Member(const std::string& organisation, const std::string& state,
             std::set<std::string, std::less<>> roles) {
  Actor a;
  a.member = "mem_" + organisation;
  a.organisation = organisation;
  a.state = state;
  a.organisation_kind = "csirt";
  a.roles = std::move(roles);
  return a;
}

class TaxiiServiceTest : public ::testing::TestWithParam<store::testing::Backend> {
 protected:
  void SetUp() override {
    auto db = store::testing::TestDatabase::Create(GetParam());
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    Open();
    reference_ = registry::ReferenceData::LoadSystem().value();
    registry::Registry registry(*store_, reference_, NoAudit(), clock_, random_);
    ASSERT_TRUE(registry.ImportStates().ok());
    for (const auto& [name, state] :
         std::vector<std::pair<std::string, std::string>>{{"Bank", "DE"}, {"Cert", "FR"}, {"Other", "IT"}}) {
      auto org = registry.CreateOrganisation(Actor::System(),
                                             bj::object{{"name", name}, {"kind", "csirt"}, {"state", state}});
      ASSERT_TRUE(org.has_value()) << org.error().ToString();
      orgs_[name] = Member(org->id, state, {"analyst"});
    }
  }
  void TearDown() override {
    taxii_.reset();
    incidents_.reset();
    events_.reset();
    if (store_) store_->Close();
    store_.reset();
    db_.reset();
  }

  static registry::AuditAppend NoAudit() {
    return [](store::Tx&, const registry::AuditEvent&) { return Status::Ok(); };
  }

  // (Re)opens the store and the services on the same database: what a restart sees.
  void Open() {
    taxii_.reset();
    incidents_.reset();
    events_.reset();
    if (store_) store_->Close();
    store_.reset();
    store::StoreOptions options;
    options.url = db_->url();
    auto s = store::Store::Open(options);
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    store_ = std::move(*s);
    events_ = std::make_unique<notify::EventLog>(*store_, clock_);
    incidents_ =
        std::make_unique<incidentsnet::IncidentService>(*store_, *events_, NoAudit(), clock_, random_, [] {});
    ASSERT_TRUE(incidents_->Load().ok());
    taxii_ = std::make_unique<TaxiiService>(*store_, *incidents_, clock_, random_);
    Status loaded = taxii_->Load();
    ASSERT_TRUE(loaded.ok()) << loaded.ToString();
  }

  std::string Submit(const Actor& actor, const std::string& title, const std::string& tlp,
                     const std::vector<std::string>& ips, const std::string& extra = "") {
    std::string indicators;
    for (const std::string& ip : ips)
      indicators +=
          (indicators.empty() ? "" : ",") + std::string("{\"type\":\"ipv4\",\"value\":\"") + ip + "\"}";
    const std::string body = "{\"title\":\"" + title + "\",\"tlp\":\"" + tlp +
                             "\",\"sector\":\"health\",\"attack_type\":\"availability:ddos\",\"first_seen\":"
                             "\"2026-01-01T00:00:00Z\","
                             "\"indicators\":[" +
                             indicators + "]" + extra + "}";
    auto r = incidents_->Submit(actor, body, false);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    clock_.Advance(std::chrono::milliseconds(1));
    return r ? std::string(r->at("id").as_string()) : "";
  }

  std::vector<Entry> All(const Actor& actor, const std::string& collection, Query q) {
    std::vector<Entry> out;
    const std::string scope = "/taxii2/aiip/collections/" + collection + "/objects/";
    while (true) {
      auto page = taxii_->List(actor, collection, q, scope);
      EXPECT_TRUE(page.has_value()) << page.error().ToString();
      if (!page) return out;
      out.insert(out.end(), page->entries.begin(), page->entries.end());
      if (!page->more) return out;
      EXPECT_TRUE(page->next.has_value());
      q.next = page->next;
    }
  }

  static std::set<std::string> Types(const std::vector<Entry>& entries) {
    std::set<std::string> out;
    for (const Entry& e : entries) out.insert(e.type);
    return out;
  }

  FakeClock clock_{SystemTime(std::chrono::milliseconds(1790000000000))};
  SeededRandom random_{11};
  std::unique_ptr<store::testing::TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
  registry::ReferenceData reference_;
  std::unique_ptr<notify::EventLog> events_;
  std::unique_ptr<incidentsnet::IncidentService> incidents_;
  std::unique_ptr<TaxiiService> taxii_;
  std::map<std::string, Actor> orgs_;
};

TEST_P(TaxiiServiceTest, ObjectsOfUnreadableReportsDoNotExist) {
  const Actor& bank = orgs_["Bank"];
  const Actor& cert = orgs_["Cert"];
  Submit(bank, "green one", "GREEN", {"185.220.101.7"});
  const std::string red =
      Submit(bank, "red one", "RED", {"185.220.102.77"}, ",\"recipients\":[\"" + bank.organisation + "\"]");
  Query q;
  q.versions.last = true;
  std::vector<Entry> own = All(bank, "incidents", q);
  std::vector<Entry> other = All(cert, "incidents", q);
  // The bank reads both of its reports; the CERT only the GREEN one (plus the definitions).
  size_t own_incidents = 0, other_incidents = 0;
  std::string red_incident;
  for (const Entry& e : own) {
    if (e.type == "incident") {
      ++own_incidents;
      if (e.body.find("red one") != std::string::npos) red_incident = e.id;
    }
  }
  for (const Entry& e : other) {
    if (e.type == "incident") ++other_incidents;
    EXPECT_EQ(e.body.find("185.220.102.77"), std::string::npos);
    EXPECT_EQ(e.body.find("red one"), std::string::npos);
  }
  EXPECT_EQ(own_incidents, 2u);
  EXPECT_EQ(other_incidents, 1u);
  ASSERT_FALSE(red_incident.empty());
  // The RED incident is not found for the CERT, by id or in a listing filtered to it.
  Query by_id;
  by_id.versions.last = true;
  auto hidden = taxii_->List(cert, "incidents", by_id, "/x/", red_incident);
  ASSERT_FALSE(hidden.has_value());
  EXPECT_EQ(hidden.error().code(), Code::kNotFound);
  auto visible = taxii_->List(bank, "incidents", by_id, "/x/", red_incident);
  ASSERT_TRUE(visible.has_value()) << visible.error().ToString();
  EXPECT_EQ(visible->entries.size(), 1u);
  // Collections by TLP hold only their level.
  EXPECT_EQ(Types(All(cert, "tlp-red", q)),
            (std::set<std::string>{"identity", "extension-definition", "marking-definition"}));
  std::vector<Entry> red_for_bank = All(bank, "tlp-red", q);
  EXPECT_TRUE(Types(red_for_bank).contains("incident"));
  for (const Entry& e : All(bank, "tlp-green", q)) EXPECT_EQ(e.body.find("red one"), std::string::npos);
  // An unknown collection and another organisation's group do not exist.
  auto unknown = taxii_->List(cert, "tlp-purple", q, "/x/");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code(), Code::kNotFound);
  auto group = incidents_->CreateGroup(bank, bj::object{{"id", "fmi"}});
  ASSERT_TRUE(group.has_value()) << group.error().ToString();
  EXPECT_TRUE(taxii_->Collection(bank, "group-fmi").has_value());
  EXPECT_FALSE(taxii_->Collection(cert, "group-fmi").has_value());
  auto collections = taxii_->Collections(bank);
  ASSERT_TRUE(collections.has_value());
  EXPECT_EQ(collections->size(), 7u);  // incidents, five TLP levels, group-fmi
  // A group whose id differs only where another has '_' holds only its own reports.
  ASSERT_TRUE(incidents_->CreateGroup(bank, bj::object{{"id", "a-b"}}).has_value());
  ASSERT_TRUE(incidents_->CreateGroup(bank, bj::object{{"id", "a_b"}}).has_value());
  Submit(bank, "for a-b", "GREEN", {"185.220.104.1"}, ",\"sharing_groups\":[\"a-b\"]");
  Submit(bank, "for a_b", "GREEN", {"185.220.104.2"}, ",\"sharing_groups\":[\"a_b\"]");
  std::string in_underscore;
  for (const Entry& e : All(bank, "group-a_b", q)) in_underscore += e.body;
  EXPECT_NE(in_underscore.find("for a_b"), std::string::npos);
  EXPECT_EQ(in_underscore.find("for a-b"), std::string::npos);
}

TEST_P(TaxiiServiceTest, MatchFiltersSelectByIdTypeVersionAndSpecVersion) {
  const Actor& bank = orgs_["Bank"];
  Submit(bank, "first", "CLEAR", {"185.220.101.1", "185.220.101.2"});
  Submit(bank, "second", "CLEAR", {"185.220.101.3"});
  Query q;
  q.versions.last = true;
  q.types = {"indicator"};
  std::vector<Entry> indicators = All(bank, "incidents", q);
  ASSERT_EQ(indicators.size(), 3u);
  for (const Entry& e : indicators) EXPECT_EQ(e.type, "indicator");

  Query by_id;
  by_id.versions.last = true;
  by_id.ids = {indicators[1].id, "indicator--00000000-0000-4000-8000-00000000dead"};
  std::vector<Entry> one = All(bank, "incidents", by_id);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].id, indicators[1].id);

  Query exact;
  exact.versions.at = {indicators[1].version};
  exact.ids = {indicators[1].id};
  EXPECT_EQ(All(bank, "incidents", exact).size(), 1u);
  exact.versions.at = {indicators[1].version + std::chrono::microseconds(1)};
  EXPECT_TRUE(All(bank, "incidents", exact).empty());

  Query first;
  first.versions.first = true;
  first.types = {"indicator"};
  EXPECT_EQ(All(bank, "incidents", first).size(), 3u);

  Query old_spec;
  old_spec.versions.all = true;
  old_spec.spec_versions = {"2.0"};
  EXPECT_TRUE(All(bank, "incidents", old_spec).empty());
  old_spec.spec_versions = {"2.0", "2.1"};
  EXPECT_FALSE(All(bank, "incidents", old_spec).empty());

  // added_after is strict.
  Query later;
  later.versions.last = true;
  later.added_after = indicators.back().date_added;
  for (const Entry& e : All(bank, "incidents", later)) EXPECT_GT(e.date_added, indicators.back().date_added);
  later.added_after = indicators.front().date_added - std::chrono::microseconds(1);
  EXPECT_GE(All(bank, "incidents", later).size(), 3u);

  // The object endpoint: an existing object with no version passing the filters is 200 empty.
  Query none;
  none.versions.at = {indicators[0].version + std::chrono::hours(1)};
  auto empty = taxii_->List(bank, "incidents", none, "/x/", indicators[0].id);
  ASSERT_TRUE(empty.has_value()) << empty.error().ToString();
  EXPECT_TRUE(empty->entries.empty());
}

TEST_P(TaxiiServiceTest, CursorsPageEveryObjectOnceAcrossAServiceRestartAndRefuseTampering) {
  const Actor& bank = orgs_["Bank"];
  const Actor& cert = orgs_["Cert"];
  std::vector<std::string> ips;
  for (int i = 1; i <= 30; ++i) ips.push_back("45.155.205." + std::to_string(i));
  Submit(bank, "many", "GREEN", ips);
  Submit(bank, "hidden", "AMBER+STRICT", {"185.220.103.1"});  // the CERT may not read it
  Submit(bank, "few", "GREEN", {"185.220.101.9"});

  Query q;
  q.versions.last = true;
  q.limit = 7;
  const std::string scope = "/taxii2/aiip/collections/incidents/objects/";
  std::vector<std::string> seen;
  auto first = taxii_->List(cert, "incidents", q, scope);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  ASSERT_TRUE(first->more);
  for (const Entry& e : first->entries) seen.push_back(e.id);
  std::string next = *first->next;

  // A new node process on the same database continues the page.
  Open();
  clock_.Advance(std::chrono::seconds(5));
  Submit(bank, "after restart", "GREEN", {"185.220.101.10"});
  while (true) {
    q.next = next;
    auto page = taxii_->List(cert, "incidents", q, scope);
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    EXPECT_LE(page->entries.size(), q.limit);
    for (const Entry& e : page->entries) seen.push_back(e.id);
    if (!page->more) break;
    next = *page->next;
  }
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "an object came twice";
  // 7 definitions + (1 incident + 30 indicators) + (1 + 1) + (1 + 1) after the restart.
  EXPECT_EQ(seen.size(), 7u + 31u + 2u + 2u);
  Query whole;
  whole.versions.last = true;
  std::vector<Entry> everything = All(cert, "incidents", whole);
  EXPECT_EQ(everything.size(), seen.size());

  // Tampered, malformed or foreign cursors are refused, naming "next".
  for (const std::string& bad : {next + "x", std::string("AAAA.BBBB"), next.substr(1)}) {
    q.next = bad;
    auto r = taxii_->List(cert, "incidents", q, scope);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.error().field(), "next");
  }
  q.next = next;
  auto foreign = taxii_->List(cert, "tlp-green", q, "/taxii2/aiip/collections/tlp-green/objects/");
  ASSERT_FALSE(foreign.has_value());
  EXPECT_EQ(foreign.error().field(), "next");
}

TEST_P(TaxiiServiceTest, AddSubmitsTheEnvelopeAsAReportAndKeepsItsStatus) {
  const Actor& bank = orgs_["Bank"];
  const Actor& cert = orgs_["Cert"];
  auto bundle =
      json::ParseObject(R"({"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
    {"type":"marking-definition","spec_version":"2.1","id":"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
     "created":"2022-10-01T00:00:00.000Z","name":"TLP:GREEN","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"green"}}},
    {"type":"incident","spec_version":"2.1","id":"incident--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2025-03-02T11:00:00.000Z",
     "modified":"2025-03-02T11:05:00.000Z","name":"Posted over TAXII","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},
    {"type":"indicator","spec_version":"2.1","id":"indicator--a932fcc6-e032-476c-826f-cb970a5a1ade","created":"2025-03-02T11:00:00.000Z",
     "modified":"2025-03-02T11:00:00.000Z","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '185.220.101.4']",
     "pattern_type":"stix","valid_from":"2025-03-02T06:10:00Z","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}]})");
  ASSERT_TRUE(bundle.has_value());
  const std::string envelope = bj::serialize(bj::object{{"objects", bundle->at("objects")}});

  // A GREEN incident does not belong in the TLP:RED collection: a failure, nothing stored.
  auto refused = taxii_->Add(bank, "tlp-red", envelope);
  ASSERT_TRUE(refused.has_value()) << refused.error().ToString();
  EXPECT_EQ(refused->at("failure_count"), 3);
  EXPECT_EQ(refused->at("success_count"), 0);

  auto added = taxii_->Add(bank, "tlp-green", envelope);
  ASSERT_TRUE(added.has_value()) << added.error().ToString();
  EXPECT_EQ(added->at("status"), "complete");
  EXPECT_EQ(added->at("total_count"), 3);
  EXPECT_EQ(added->at("success_count"), 3);
  ASSERT_EQ(added->at("successes").as_array().size(), 3u);
  EXPECT_EQ(added->at("successes").as_array()[1].at("version"), "2025-03-02T11:05:00.000000Z");
  const std::string status_id(added->at("id").as_string());

  // The report is readable by the community, sanitised, with the attacker's address.
  Query q;
  q.versions.last = true;
  q.types = {"indicator"};
  bool found = false;
  for (const Entry& e : All(cert, "tlp-green", q))
    found = found || e.body.find("185.220.101.4") != std::string::npos;
  EXPECT_TRUE(found);

  // The status survives a restart and only the posting organisation reads it.
  Open();
  auto status = taxii_->GetStatus(bank, status_id);
  ASSERT_TRUE(status.has_value()) << status.error().ToString();
  EXPECT_EQ(bj::serialize(*status), bj::serialize(*added));
  auto other = taxii_->GetStatus(cert, status_id);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code(), Code::kNotFound);

  // A malformed envelope is an error naming the member; nothing is stored.
  auto bad = taxii_->Add(bank, "incidents", R"({"objects":[{"type":"incident"}]})");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field(), "/objects/0/id");
}

INSTANTIATE_TEST_SUITE_P(Backends, TaxiiServiceTest, ::testing::ValuesIn(store::testing::TestBackends()),
                         [](const auto& p) { return store::testing::BackendName(p.param); });

}  // namespace
}  // namespace aiip::taxii
