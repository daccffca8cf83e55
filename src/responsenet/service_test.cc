// ResponseService on both databases with a FakeClock and a small location dataset built in
// the test: escalation of unacknowledged requests rung by rung, expiry when the lifetime
// runs out (DOTS status 6, events, audit, no escalation after), the guard that refuses
// events once the lifetime is over, and withdrawal of one request or the whole case by the
// victim (DOTS status 5). No sleeps: the timer is driven by ExpireDue and EscalateDue.
#include "responsenet/service.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <mutex>

#include "common/json.h"
#include "common/time.h"
#include "response/attribution/table.h"
#include "store/testing/test_store.h"

namespace aiip::responsenet {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;
using registry::Actor;

// 2026-03-01T12:00:00Z
constexpr int64_t kStartMs = 1772366400000;

std::shared_ptr<const attribution::Table> SmallTable() {
  attribution::TableBuilder builder;
  builder.AddAs(64501, "OPERATOR-ONE");
  builder.AddAs(64502, "OPERATOR-TWO");
  builder.AddAs(64503, "FR-UNREGISTERED");
  builder.AddAs(64504, "BR-UNREGISTERED");
  const std::pair<const char*, std::pair<uint32_t, const char*>> networks[] = {
      {"10.1.0.0/16", {64501, "DE"}},
      {"10.2.0.0/16", {64502, "DE"}},
      {"10.3.0.0/16", {64503, "FR"}},
      {"10.4.0.0/16", {64504, "BR"}},
      {"2001:db8:1::/48", {64501, "DE"}}};
  for (const auto& [prefix, origin] : networks) {
    EXPECT_TRUE(builder.AddNetwork(*attribution::Prefix::Parse(prefix), origin.first, origin.second).ok());
  }
  auto table = builder.Build();
  EXPECT_TRUE(table.has_value()) << table.error().ToString();
  return std::make_shared<const attribution::Table>(std::move(*table));
}

class ResponseServiceTest : public ::testing::TestWithParam<store::testing::Backend> {
 protected:
  void SetUp() override {
    auto s = store::testing::OpenTestStore(GetParam());
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    store_ = std::move(*s);
    auto reference = registry::ReferenceData::LoadSystem();
    ASSERT_TRUE(reference.has_value()) << reference.error().ToString();
    reference_ = std::move(*reference);
    audit_ = [this](store::Tx&, const registry::AuditEvent& e) {
      std::lock_guard lock(mu_);
      audit_actions_.push_back(e.action);
      return Status::Ok();
    };
    registry_ = std::make_unique<registry::Registry>(*store_, reference_, audit_, clock_, random_);
    ASSERT_TRUE(registry_->ImportStates().ok());
    events_ = std::make_unique<notify::EventLog>(*store_, clock_);
    StartService();

    duty_ = Organisation("AIIP Duty Desk", "agency", std::nullopt, 1);
    op1_ = Organisation("Operator One", "operator", "DE", 2);
    op2_ = Organisation("Operator Two", "operator", "DE", 2);
    cert_fr_ = Organisation("CERT-FR", "csirt", "FR", 1);
    police_de_ = Organisation("BKA 24/7", "law-enforcement-247", "DE", 0);
    victim_ = Organisation("Victim Hosting", "company", "FR", 0);
    for (auto [op, asn] : {std::pair{&op1_, 64501}, std::pair{&op2_, 64502}}) {
      auto claim = service_->RegisterAsn(*op, op->organisation, bj::object{{"asn", asn}});
      ASSERT_TRUE(claim.has_value()) << claim.error().ToString();
      auto verified = service_->VerifyAsn(Admin(), "AS" + std::to_string(asn),
                                          bj::object{{"organisation", op->organisation}});
      ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
    }
  }
  void TearDown() override {
    service_.reset();
    if (store_) store_->Close();
  }

  // A new service over the same store, as after a restart.
  void StartService() {
    service_.reset();
    ResponseOptions options;
    options.preloaded.push_back(
        PreloadedDataset{attribution::DatasetInfo{"test/2026", "test", *ParseRfc3339("2026-01-01T00:00:00Z"),
                                                  "built by service_test"},
                         SmallTable()});
    options.ack_target = 15min;
    options.max_prefixes = 4;
    service_ = std::make_unique<ResponseService>(
        *store_, *events_, audit_, clock_, random_, [this] { ++commits_; }, options);
    ASSERT_TRUE(service_->Load().ok());
    ASSERT_EQ(service_->attribution_problem(), "");
  }

  static Actor Admin() {
    Actor a;
    a.member = "mbr_admin";
    a.roles = {"admin"};
    return a;
  }

  Actor Organisation(const std::string& name, const std::string& kind, std::optional<std::string> state,
                     int contacts) {
    bj::object body{{"name", name}, {"kind", kind}};
    if (state) body["state"] = *state;
    auto org = registry_->CreateOrganisation(Admin(), body);
    EXPECT_TRUE(org.has_value()) << org.error().ToString();
    for (int order = 1; order <= contacts; ++order) {
      auto contact =
          registry_->CreateContact(Admin(), org->id,
                                   bj::object{{"name", name + " desk " + std::to_string(order)},
                                              {"phone", "+4930123456" + std::to_string(order)},
                                              {"email", "noc" + std::to_string(order) + "@example.net"},
                                              {"timezone", "Europe/Berlin"},
                                              {"languages", bj::array{"en"}},
                                              {"escalation_order", order}});
      EXPECT_TRUE(contact.has_value()) << contact.error().ToString();
    }
    Actor a;
    a.member = "mbr_" + name;
    a.organisation = org ? org->id : "";
    a.state = state.value_or("");
    a.organisation_kind = kind;
    a.roles = {kind == "company" ? "analyst" : "noc"};
    return a;
  }

  // Opens a case with sources in every network of the table; `lifetime` in seconds.
  bj::object Open(int64_t lifetime) {
    bj::object spec{{"target", "198.51.100.10/32"},
                    {"ports", "53"},
                    {"protocol", "udp"},
                    {"from", "2026-02-28T23:00:00Z"},
                    {"to", "2026-03-01T11:00:00Z"},
                    {"lifetime", lifetime},
                    {"sources", bj::array{"10.1.0.1", "10.1.0.2", "2001:db8:1::5", "10.2.3.4", "10.3.0.9",
                                          "10.3.1.9", "10.4.0.1"}}};
    auto opened = service_->OpenCase(victim_, spec, std::nullopt);
    EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
    return opened.value_or(bj::object{});
  }

  // The case's request ids by responder organisation.
  static std::map<std::string, std::string> RequestsOf(const bj::object& attack) {
    std::map<std::string, std::string> out;
    for (const bj::value& r : attack.at("responders").as_array()) {
      out[std::string(r.at("responder").at("id").as_string())] = std::string(r.at("id").as_string());
    }
    return out;
  }

  bj::object Mitigation(const std::string& id) {
    auto m = service_->GetMitigation(Admin(), id);
    EXPECT_TRUE(m.has_value()) << m.error().ToString();
    return m.value_or(bj::object{});
  }

  std::vector<bj::object> EventsOf(const std::string& organisation, const std::string& kind) {
    auto events = events_->Read(organisation, 0, 1000);
    EXPECT_TRUE(events.has_value());
    std::vector<bj::object> out;
    for (const notify::Event& e : events.value_or(std::vector<notify::Event>{})) {
      if (e.kind == kind) out.push_back(e.ToJson());
    }
    return out;
  }

  size_t Audited(const std::string& action) {
    std::lock_guard lock(mu_);
    return static_cast<size_t>(std::count(audit_actions_.begin(), audit_actions_.end(), action));
  }

  FakeClock clock_{SystemTime(std::chrono::milliseconds(kStartMs))};
  SeededRandom random_{6};
  std::unique_ptr<store::Store> store_;
  registry::ReferenceData reference_;
  registry::AuditAppend audit_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<notify::EventLog> events_;
  std::unique_ptr<ResponseService> service_;
  std::mutex mu_;
  std::vector<std::string> audit_actions_;
  int commits_ = 0;
  Actor duty_, op1_, op2_, cert_fr_, police_de_, victim_;
};

TEST_P(ResponseServiceTest, EscalatesRungByRungThenExpiresWhenTheLifetimeRunsOut) {
  const bj::object attack = Open(3600);
  std::map<std::string, std::string> requests = RequestsOf(attack);
  ASSERT_EQ(requests.size(), 4u);
  const std::string r1 = requests[op1_.organisation];
  const std::string r2 = requests[op2_.organisation];
  const std::string rfr = requests[cert_fr_.organisation];
  const std::string rduty = requests[duty_.organisation];
  // Chains: operator two has 2 contacts, then (no CSIRT in DE) the duty desk; CERT-FR has its
  // contact, then the duty desk; the duty desk has its one contact.
  EXPECT_EQ(Mitigation(r2).at("chain_length").to_number<int64_t>(), 3);
  EXPECT_EQ(Mitigation(rfr).at("chain_length").to_number<int64_t>(), 2);
  EXPECT_EQ(Mitigation(rduty).at("chain_length").to_number<int64_t>(), 1);
  EXPECT_EQ(EventsOf(police_de_.organisation, "attack.notice").size(), 1u);

  ASSERT_EQ(service_->EscalateDue().value(), 0u);
  clock_.Advance(5min);
  ASSERT_TRUE(service_->Acknowledge(op1_, r1, bj::object{}).has_value());
  clock_.Advance(10min - 1ms);  // 14:59.999 after sending
  ASSERT_EQ(service_->EscalateDue().value(), 0u);
  ASSERT_EQ(service_->ExpireDue().value(), 0u);
  clock_.Advance(1ms);  // 15:00: the second rung of operator two and of CERT-FR
  ASSERT_EQ(service_->EscalateDue().value(), 2u);
  EXPECT_EQ(Mitigation(r2).at("escalated").as_int64(), 1);
  EXPECT_EQ(Mitigation(rfr).at("escalated").as_int64(), 1);
  EXPECT_EQ(Mitigation(r1).at("escalated").as_int64(), 0);
  EXPECT_EQ(Mitigation(rduty).at("escalated").as_int64(), 0);
  ASSERT_EQ(EventsOf(duty_.organisation, "mitigation.escalation").size(), 1u);
  EXPECT_EQ(EventsOf(duty_.organisation, "mitigation.escalation")[0].at("subject"), bj::value(rfr));
  ASSERT_EQ(service_->EscalateDue().value(), 0u);  // nothing twice
  clock_.Advance(15min);                           // 30:00: operator two's last rung
  ASSERT_EQ(service_->EscalateDue().value(), 1u);
  const bj::object two = Mitigation(r2);
  EXPECT_EQ(two.at("escalated").as_int64(), 2);
  EXPECT_EQ(two.at("escalations").at(1).at("organisation"), bj::value(duty_.organisation));
  EXPECT_EQ(Audited("mitigation.escalate"), 3u);

  // The duty desk, notified, reports for operator two with counters at 40:00.
  clock_.Advance(10min);
  auto status = service_->UpdateStatus(duty_, r2, bj::object{{"status", 2}, {"pkts-dropped", 1000}});
  ASSERT_TRUE(status.has_value()) << status.error().ToString();
  EXPECT_EQ(status->at("state"), "mitigating");

  // 59:59.999: nothing expires; 60:00: every live request does, as of the end of its lifetime.
  clock_.Advance(20min - 1ms);
  ASSERT_EQ(service_->ExpireDue().value(), 0u);
  clock_.Advance(1ms);
  const int commits_before = commits_;
  ASSERT_EQ(service_->ExpireDue().value(), 4u);
  EXPECT_EQ(commits_, commits_before + 4);
  for (const std::string& id : {r1, r2, rfr, rduty}) {
    const bj::object m = Mitigation(id);
    EXPECT_EQ(m.at("state"), "terminated") << id;
    EXPECT_EQ(m.at("status").as_int64(), 6) << id;
    EXPECT_EQ(m.at("status_name"), "attack-mitigation-terminated") << id;
    const bj::array& history = m.at("history").as_array();
    EXPECT_EQ(history.back().at("kind"), "expire") << id;
    EXPECT_EQ(history.back().at("at"), "2026-03-01T13:00:00.000Z") << id;
    EXPECT_EQ(history.back().at("member"), "system") << id;
  }
  EXPECT_EQ(Mitigation(r2).at("pkts_dropped").as_int64(), 1000);
  EXPECT_EQ(Audited("mitigation.expire"), 4u);
  // Told: each responder, every rung notified, and the victim once per request.
  EXPECT_EQ(EventsOf(victim_.organisation, "mitigation.expired").size(), 4u);
  EXPECT_EQ(EventsOf(op1_.organisation, "mitigation.expired").size(), 1u);
  EXPECT_EQ(EventsOf(op2_.organisation, "mitigation.expired").size(), 1u);
  EXPECT_EQ(EventsOf(cert_fr_.organisation, "mitigation.expired").size(), 1u);
  // The duty desk: its own request, and operator two's and CERT-FR's as a notified rung.
  const auto duty_events = EventsOf(duty_.organisation, "mitigation.expired");
  ASSERT_EQ(duty_events.size(), 3u);
  EXPECT_EQ(duty_events[0].at("data").at("mitigation").at("status").as_int64(), 6);
  EXPECT_EQ(duty_events[0].at("data").at("ended_at"), "2026-03-01T13:00:00.000Z");

  // Ended: no escalation, no second expiry, no more answers; the history still replays
  // after a restart.
  clock_.Advance(3h);
  EXPECT_EQ(service_->EscalateDue().value(), 0u);
  EXPECT_EQ(service_->ExpireDue().value(), 0u);
  StartService();
  auto late = service_->Acknowledge(cert_fr_, rfr, bj::object{});
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code(), Code::kConflict);
  EXPECT_EQ(late.error().type(), "invalid-transition");
  EXPECT_EQ(Audited("mitigation.escalate"), 3u);
}

TEST_P(ResponseServiceTest, NothingIsAcceptedOnceTheLifetimeRanOutAndNoRungIsCalledAfterIt) {
  // Lifetime 20 minutes, ack target 15: rung 1 (15:00) is before the end, rung 2 (30:00) not.
  const bj::object attack = Open(1200);
  std::map<std::string, std::string> requests = RequestsOf(attack);
  const std::string r2 = requests[op2_.organisation];
  clock_.Advance(40min);                           // the timer was late
  ASSERT_EQ(service_->EscalateDue().value(), 3u);  // rung 1 of both operators and of CERT-FR only
  EXPECT_EQ(Mitigation(r2).at("escalated").as_int64(), 1);

  auto ack = service_->Acknowledge(op2_, r2, bj::object{});
  ASSERT_FALSE(ack.has_value());
  EXPECT_EQ(ack.error().code(), Code::kConflict);
  EXPECT_EQ(ack.error().type(), "lifetime-expired");
  EXPECT_NE(ack.error().detail().find("2026-03-01T12:20:00.000Z"), std::string::npos) << ack.error().detail();
  // Efficacy for the whole case skips what ran out; naming such a request is refused.
  auto efficacy = service_->ReportEfficacy(victim_, std::string(attack.at("id").as_string()),
                                           bj::object{{"attack-status", 1}});
  ASSERT_TRUE(efficacy.has_value()) << efficacy.error().ToString();
  EXPECT_EQ(efficacy->at("mitigations").as_array().size(), 0u);
  auto named =
      service_->ReportEfficacy(victim_, std::string(attack.at("id").as_string()),
                               bj::object{{"attack-status", 1}, {"mitigations", bj::array{r2.c_str()}}});
  ASSERT_FALSE(named.has_value());
  EXPECT_EQ(named.error().type(), "lifetime-expired");

  ASSERT_EQ(service_->ExpireDue().value(), 4u);
  const bj::object two = Mitigation(r2);
  EXPECT_EQ(two.at("state"), "terminated");
  EXPECT_EQ(two.at("history").as_array().back().at("at"), "2026-03-01T12:20:00.000Z");
  EXPECT_EQ(service_->EscalateDue().value(), 0u);
}

TEST_P(ResponseServiceTest, AnIndefiniteLifetimeNeverExpires) {
  const bj::object attack = Open(-1);
  clock_.Advance(24h * 400);
  EXPECT_EQ(service_->ExpireDue().value(), 0u);
  for (const auto& [org, id] : RequestsOf(attack)) EXPECT_EQ(Mitigation(id).at("state"), "sent") << org;
}

TEST_P(ResponseServiceTest, TheVictimWithdrawsOneRequestThenTheWholeCase) {
  const bj::object attack = Open(3600);
  const std::string case_id(attack.at("id").as_string());
  std::map<std::string, std::string> requests = RequestsOf(attack);
  const std::string r1 = requests[op1_.organisation];
  const std::string r2 = requests[op2_.organisation];
  clock_.Advance(15min);
  ASSERT_EQ(service_->EscalateDue().value(), 3u);
  ASSERT_TRUE(service_->UpdateStatus(op1_, r1, bj::object{{"status", 2}, {"bytes-dropped", 99}}).has_value());

  // Only the victim, only requests of the case, at least one.
  EXPECT_EQ(service_->Withdraw(op1_, case_id, bj::object{}).error().code(), Code::kPermissionDenied);
  EXPECT_EQ(service_->Withdraw(victim_, "atk_none", bj::object{}).error().code(), Code::kNotFound);
  auto foreign = service_->Withdraw(victim_, case_id, bj::object{{"mitigations", bj::array{"mit_other"}}});
  ASSERT_FALSE(foreign.has_value());
  EXPECT_EQ(foreign.error().field(), "/mitigations");
  EXPECT_EQ(service_->Withdraw(victim_, case_id, bj::object{{"mitigations", bj::array{}}}).error().field(),
            "/mitigations");
  EXPECT_EQ(service_->Withdraw(victim_, case_id, bj::object{{"unknown", 1}}).error().field(), "/unknown");
  EXPECT_EQ(Audited("mitigation.withdraw"), 0u);

  // One request: status 5 to operator one, whose filters are still on.
  clock_.Advance(1min);
  auto one = service_->Withdraw(victim_, case_id,
                                bj::object{{"mitigations", bj::array{r1.c_str()}}, {"note", "stopped"}});
  ASSERT_TRUE(one.has_value()) << one.error().ToString();
  EXPECT_EQ(one->at("status"), "open");
  ASSERT_EQ(one->at("mitigations").as_array().size(), 1u);
  EXPECT_EQ(one->at("mitigations").at(0).at("state"), "withdrawn");
  EXPECT_EQ(one->at("mitigations").at(0).at("status").as_int64(), 5);
  EXPECT_EQ(one->at("mitigations").at(0).at("status_name"), "dots-client-withdrawn-mitigation");
  auto told = EventsOf(op1_.organisation, "mitigation.withdrawn");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].at("subject"), bj::value(r1));
  EXPECT_EQ(told[0].at("data").at("note"), "stopped");
  // Twice is refused; the operator confirms the end with status 6.
  auto again = service_->Withdraw(victim_, case_id, bj::object{{"mitigations", bj::array{r1.c_str()}}});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), Code::kConflict);
  auto done = service_->UpdateStatus(op1_, r1, bj::object{{"status", 6}});
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(done->at("state"), "terminated");

  // The whole case: the three live requests, told to their responders and rungs notified.
  clock_.Advance(1min);
  auto all = service_->Withdraw(victim_, case_id, bj::object{});
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  EXPECT_EQ(all->at("status"), "withdrawn");
  EXPECT_EQ(all->at("mitigations").as_array().size(), 3u);
  EXPECT_EQ(EventsOf(op2_.organisation, "mitigation.withdrawn").size(), 1u);
  EXPECT_EQ(EventsOf(cert_fr_.organisation, "mitigation.withdrawn").size(), 1u);
  EXPECT_EQ(EventsOf(duty_.organisation, "mitigation.withdrawn").size(), 2u);  // its own and CERT-FR's
  EXPECT_EQ(Mitigation(r2).at("history").as_array().back().at("kind"), "withdraw");
  EXPECT_EQ(Audited("mitigation.withdraw"), 4u);
  EXPECT_EQ(Audited("attack.withdraw"), 2u);
  auto shown = service_->GetCase(victim_, case_id);
  ASSERT_TRUE(shown.has_value());
  EXPECT_EQ(shown->at("status"), "withdrawn");

  // A withdrawn case takes no sources, no second withdrawal, and nothing expires or escalates.
  auto more =
      service_->AddSources(victim_, case_id, bj::object{{"sources", bj::array{"10.1.0.3"}}}, std::nullopt);
  ASSERT_FALSE(more.has_value());
  EXPECT_EQ(more.error().code(), Code::kConflict);
  EXPECT_EQ(service_->Withdraw(victim_, case_id, bj::object{}).error().code(), Code::kConflict);
  clock_.Advance(2h);
  EXPECT_EQ(service_->EscalateDue().value(), 0u);
  EXPECT_EQ(service_->ExpireDue().value(), 0u);
  StartService();
  EXPECT_EQ(Mitigation(r2).at("state"), "withdrawn");
  EXPECT_EQ(service_->Acknowledge(op2_, r2, bj::object{}).error().type(), "invalid-transition");
}

TEST_P(ResponseServiceTest, NewSourcesLeaveAnEndedRequestAlone) {
  const bj::object attack = Open(3600);
  const std::string case_id(attack.at("id").as_string());
  const std::string r1 = RequestsOf(attack)[op1_.organisation];
  ASSERT_TRUE(
      service_->Withdraw(victim_, case_id, bj::object{{"mitigations", bj::array{r1.c_str()}}}).has_value());
  const size_t updates = EventsOf(op1_.organisation, "mitigation.update").size();
  auto more = service_->AddSources(
      victim_, case_id, bj::object{{"sources", bj::array{"10.1.200.1", "10.3.7.7"}}}, std::nullopt);
  ASSERT_TRUE(more.has_value()) << more.error().ToString();
  EXPECT_EQ(more->at("batch").at("requests_ended").to_number<int64_t>(), 1);
  EXPECT_EQ(more->at("batch").at("requests_created").to_number<int64_t>(), 0);
  EXPECT_EQ(EventsOf(op1_.organisation, "mitigation.update").size(), updates);
  EXPECT_EQ(Mitigation(r1).at("state"), "withdrawn");
}

TEST_P(ResponseServiceTest, NewSourcesInsideTheCoveringPrefixesStillCount) {
  // Eight sources spread over operator one's /16: four prefixes at most cover them coarsely.
  bj::object spec{{"target", "198.51.100.10/32"},
                  {"from", "2026-02-28T23:00:00Z"},
                  {"to", "2026-03-01T11:00:00Z"},
                  {"sources", bj::array{"10.1.0.1", "10.1.32.1", "10.1.64.1", "10.1.96.1", "10.1.128.1",
                                        "10.1.160.1", "10.1.192.1", "10.1.224.1"}}};
  auto opened = service_->OpenCase(victim_, spec, std::nullopt);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  const std::string case_id(opened->at("id").as_string());
  const std::string r1 = RequestsOf(*opened)[op1_.organisation];
  const bj::object before = Mitigation(r1);
  ASSERT_EQ(before.at("sources").as_int64(), 8);
  ASSERT_LE(before.at("prefixes").as_int64(), 4);
  const size_t updates = EventsOf(op1_.organisation, "mitigation.update").size();

  auto more =
      service_->AddSources(victim_, case_id, bj::object{{"sources", bj::array{"10.1.0.200"}}}, std::nullopt);
  ASSERT_TRUE(more.has_value()) << more.error().ToString();
  const bj::object after = Mitigation(r1);
  EXPECT_EQ(after.at("sources").as_int64(), 9);
  EXPECT_EQ(after.at("groups").at(0).at("sources").as_int64(), 9);
  const bool same_scope = after.at("request") == before.at("request");
  EXPECT_TRUE(same_scope) << "the covering prefixes changed; pick a source inside them";
  EXPECT_EQ(EventsOf(op1_.organisation, "mitigation.update").size(), updates + (same_scope ? 0 : 1));
  EXPECT_EQ(more->at("batch").at("requests_updated").to_number<int64_t>(), same_scope ? 0 : 1);
  EXPECT_EQ(more->at("sources").as_int64(), 9);
}

INSTANTIATE_TEST_SUITE_P(Backends, ResponseServiceTest, ::testing::ValuesIn(store::testing::TestBackends()),
                         [](const auto& param_info) {
                           return store::testing::BackendName(param_info.param);
                         });

}  // namespace
}  // namespace aiip::responsenet
