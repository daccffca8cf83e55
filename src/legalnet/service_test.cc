// LegalNetworkService on both databases with a FakeClock: the state machine from its table
// (tests/data/legalnet/transitions.json), creation checks, permissions, Budapest Art 27(7)
// reasons and grounds, escalation through the recipient's contacts, and preservation
// expiry held while a linked follow-up is pending.
#include "legalnet/service.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "common/json.h"
#include "legal/loader.h"
#include "store/testing/test_store.h"

namespace aiip::legalnet {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;
using registry::Actor;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(StateMachineTest, FollowsTheTable) {
  auto table = json::ParseObject(ReadFile(AIIP_SOURCE_DIR "/tests/data/legalnet/transitions.json"));
  ASSERT_TRUE(table.has_value()) << table.error().ToString();
  size_t cases = 0;
  for (const bj::value& v : table->at("cases").as_array()) {
    const bj::object& c = v.as_object();
    auto kind = legal::ParseRequestKind(c.at("kind").as_string());
    ASSERT_TRUE(kind.has_value()) << c.at("kind");
    auto side = TransitionSide(*kind, c.at("from").as_string(), c.at("to").as_string());
    if (c.at("side").is_null()) {
      EXPECT_FALSE(side.has_value()) << c.at("rule").as_string() << ": " << *side;
    } else {
      ASSERT_TRUE(side.has_value()) << c.at("rule").as_string();
      EXPECT_EQ(*side, c.at("side").as_string()) << c.at("rule").as_string();
    }
    ++cases;
  }
  EXPECT_GE(cases, 40u);
}

TEST(StateMachineTest, FinalStatesHaveNoWayOut) {
  for (legal::RequestKind kind : legal::kAllRequestKinds) {
    for (std::string_view final_state :
         {"executed", "partially-executed", "refused", "withdrawn", "expired"}) {
      for (std::string_view to : StateNames()) {
        auto side = TransitionSide(kind, final_state, to);
        // A preservation's preserved data is released by withdrawal or expiry only.
        const bool release = kind == legal::RequestKind::kPreservation &&
                             (final_state == "executed" || final_state == "partially-executed") &&
                             (to == "withdrawn" || to == "expired");
        EXPECT_EQ(side.has_value(), release)
            << legal::RequestKindName(kind) << " " << final_state << " -> " << to;
      }
    }
  }
}

class LegalNetworkTest : public ::testing::TestWithParam<store::testing::Backend> {
 protected:
  void SetUp() override {
    auto s = store::testing::OpenTestStore(GetParam());
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    store_ = std::move(*s);
    auto reference = registry::ReferenceData::LoadSystem();
    ASSERT_TRUE(reference.has_value()) << reference.error().ToString();
    reference_ = std::move(*reference);
    registry::AuditAppend audit = [this](store::Tx&, const registry::AuditEvent& e) {
      std::lock_guard lock(mu_);
      audit_actions_.push_back(e.action);
      return Status::Ok();
    };
    registry_ = std::make_unique<registry::Registry>(*store_, reference_, audit, clock_, random_);
    ASSERT_TRUE(registry_->ImportStates().ok());
    events_ = std::make_unique<notify::EventLog>(*store_, clock_);
    auto data = legal::LoadLegalData(AIIP_SOURCE_DIR "/data/legal");
    ASSERT_TRUE(data.has_value()) << data.error().ToString();
    LegalNetworkOptions options;
    options.ack_target = 24h;
    options.urgent_ack_target = 1h;
    service_ = std::make_unique<LegalNetworkService>(*store_, *events_, audit, clock_, random_,
                                                     std::move(*data), options, [this] { ++commits_; });

    us_poc_ = Organisation("FBI 24/7", "law-enforcement-247", "US");
    ph_poc_ = Organisation("PNP ACG", "law-enforcement-247", "PH");
    us_ca_ = Organisation("US OIA", "central-authority", "US");
    ph_ca_ = Organisation("PH DOJ OOC", "central-authority", "PH");
    for (int order : {1, 2}) {
      auto contact =
          registry_->CreateContact(Admin(), ph_poc_.organisation,
                                   bj::object{{"name", "Duty officer " + std::to_string(order)},
                                              {"phone", "+6325230000" + std::to_string(order)},
                                              {"email", "duty" + std::to_string(order) + "@acg.example.ph"},
                                              {"timezone", "Asia/Manila"},
                                              {"languages", bj::array{"en"}},
                                              {"escalation_order", order}});
      ASSERT_TRUE(contact.has_value()) << contact.error().ToString();
      ph_contacts_.push_back(contact->id);
    }
  }
  void TearDown() override {
    service_.reset();
    store_->Close();
  }

  static RequestFilter Box(const std::string& box) {
    RequestFilter filter;
    filter.box = box;
    return filter;
  }

  static Actor Admin() {
    Actor a;
    a.member = "mbr_admin";
    a.roles = {"admin"};
    return a;
  }

  Actor Organisation(const std::string& name, const std::string& kind, const std::string& state) {
    auto org =
        registry_->CreateOrganisation(Admin(), bj::object{{"name", name}, {"kind", kind}, {"state", state}});
    EXPECT_TRUE(org.has_value()) << org.error().ToString();
    Actor a;
    a.member = "mbr_" + name;
    a.organisation = org ? org->id : "";
    a.state = state;
    a.organisation_kind = kind;
    a.roles = {kind == "central-authority" ? "central-authority" : "poc-247"};
    return a;
  }

  static bj::object Preservation(bool urgent = false) {
    return bj::object{{"request", bj::object{{"kind", "preservation"},
                                             {"requesting_state", "US"},
                                             {"requested_state", "PH"},
                                             {"date", "2026-03-01"},
                                             {"conduct", bj::object{{"types", bj::array{"illegal-access"}},
                                                                    {"start", "2026-02-01"},
                                                                    {"committed_in", bj::array{"PH"}}}}}},
                      {"urgent", urgent},
                      {"data_categories", bj::array{"traffic", "subscriber"}},
                      {"proportionality", "Logs of one account for 30 days, the period of the intrusions."}};
  }

  static bj::object Production(const std::string& linked) {
    bj::object body = Preservation();
    body["request"].as_object()["kind"] = "mla-production";
    body["linked_request"] = linked;
    return body;
  }

  bj::object Move(const Actor& actor, const std::string& id, bj::object body) {
    auto moved = service_->Transition(actor, id, body);
    EXPECT_TRUE(moved.has_value()) << moved.error().ToString();
    return moved.value_or(bj::object{});
  }

  Status MoveError(const Actor& actor, const std::string& id, bj::object body) {
    auto moved = service_->Transition(actor, id, body);
    EXPECT_FALSE(moved.has_value());
    return moved ? Status::Ok() : moved.error();
  }

  std::vector<notify::Event> EventsOf(const Actor& actor, const std::string& kind) {
    auto events = events_->Read(actor.organisation, 0, 1000);
    EXPECT_TRUE(events.has_value());
    std::vector<notify::Event> out;
    for (const notify::Event& e : events.value_or(std::vector<notify::Event>{})) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }

  std::string Create(const Actor& actor, const bj::object& body) {
    auto created = service_->Create(actor, body);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created ? std::string(created->at("id").as_string()) : "";
  }

  FakeClock clock_{SystemTime(std::chrono::milliseconds(1772366400000))};  // 2026-03-01T12:00Z
  SeededRandom random_{11};
  std::unique_ptr<store::Store> store_;
  registry::ReferenceData reference_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<notify::EventLog> events_;
  std::unique_ptr<LegalNetworkService> service_;
  std::mutex mu_;
  std::vector<std::string> audit_actions_;
  int commits_ = 0;
  Actor us_poc_, ph_poc_, us_ca_, ph_ca_;
  std::vector<std::string> ph_contacts_;
};

TEST_P(LegalNetworkTest, APreservationTravelsFromOne247ContactToTheOther) {
  const std::string id = Create(us_poc_, Preservation());
  auto draft = service_->Get(us_poc_, id);
  ASSERT_TRUE(draft.has_value());
  EXPECT_EQ(draft->at("state"), "draft");
  EXPECT_EQ(draft->at("recipient").as_string(), ph_poc_.organisation);
  EXPECT_EQ(draft->at("outcome"), "can-proceed");
  // A draft is nobody else's business.
  EXPECT_EQ(service_->Get(ph_poc_, id).error().code(), Code::kNotFound);
  EXPECT_TRUE(EventsOf(ph_poc_, "legal.request").empty());

  bj::object sent = Move(us_poc_, id, {{"to", "sent"}});
  EXPECT_EQ(sent.at("state"), "sent");
  EXPECT_EQ(sent.at("timers").at("ack_due_at"), "2026-03-02T12:00:00.000Z");
  EXPECT_EQ(sent.at("timers").at("preservation_expires_at"), "2026-04-30T12:00:00.000Z");
  EXPECT_EQ(sent.at("timers").at("contact").as_string(), ph_contacts_[0]);
  EXPECT_EQ(sent.at("assessment").at("outcome"), "can-proceed");
  auto arrived = EventsOf(ph_poc_, "legal.request");
  ASSERT_EQ(arrived.size(), 1u);
  EXPECT_EQ(arrived[0].subject, id);
  auto data = json::ParseObject(arrived[0].data);
  ASSERT_TRUE(data.has_value());
  EXPECT_EQ(data->at("assessment").at("outcome"), "can-proceed");
  EXPECT_EQ(data->at("contact").at("id").as_string(), ph_contacts_[0]);

  auto inbox = service_->List(ph_poc_, Box("inbox"));
  ASSERT_TRUE(inbox.has_value());
  ASSERT_EQ(inbox->first.size(), 1u);
  EXPECT_EQ(inbox->first[0].at("id").as_string(), id);
  auto outbox = service_->List(ph_poc_, Box("outbox"));
  ASSERT_TRUE(outbox.has_value());
  EXPECT_TRUE(outbox->first.empty());

  // Only the recipient acknowledges; only the sender withdraws; nothing jumps ahead.
  EXPECT_EQ(MoveError(us_poc_, id, {{"to", "acknowledged"}}).code(), Code::kPermissionDenied);
  Status illegal = MoveError(ph_poc_, id, {{"to", "executed"}});
  EXPECT_EQ(illegal.code(), Code::kConflict);
  EXPECT_EQ(illegal.type(), "illegal-transition");
  EXPECT_EQ(illegal.field(), "/to");
  EXPECT_EQ(MoveError(ph_ca_, id, {{"to", "acknowledged"}}).code(), Code::kNotFound);
  EXPECT_EQ(MoveError(ph_poc_, id, {{"to", "expired"}}).code(), Code::kPermissionDenied);

  Move(ph_poc_, id, {{"to", "acknowledged"}});
  EXPECT_TRUE(service_->Get(us_poc_, id)->at("timers").at("ack_due_at").is_null());
  auto told = EventsOf(us_poc_, "legal.transition");
  ASSERT_EQ(told.size(), 1u);
  Move(ph_poc_, id, {{"to", "executing"}});
  bj::object done = Move(ph_poc_, id, {{"to", "executed"}});
  ASSERT_EQ(done.at("transitions").as_array().size(), 4u);
  EXPECT_EQ(done.at("transitions").as_array()[3].at("actor_organisation").as_string(), ph_poc_.organisation);
  EXPECT_EQ(std::count(audit_actions_.begin(), audit_actions_.end(), "legal.request.executed"), 1);
}

TEST_P(LegalNetworkTest, AnUnacknowledgedRequestEscalatesThroughTheContacts) {
  const std::string id = Create(us_poc_, Preservation(/*urgent=*/true));
  Move(us_poc_, id, {{"to", "sent"}});
  clock_.Advance(59min);
  auto report = service_->RunTimers();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->escalated, 0);
  clock_.Advance(1min);
  report = service_->RunTimers();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->escalated, 1);
  auto escalations = EventsOf(ph_poc_, "legal.escalation");
  ASSERT_EQ(escalations.size(), 1u);
  auto data = json::ParseObject(escalations[0].data);
  EXPECT_EQ(data->at("action"), "escalated");
  EXPECT_EQ(data->at("contact").at("id").as_string(), ph_contacts_[1]);
  EXPECT_EQ(EventsOf(us_poc_, "legal.escalation").size(), 1u);
  // Running again at the same time changes nothing.
  EXPECT_EQ(service_->RunTimers()->escalated, 0);
  clock_.Advance(1h);
  report = service_->RunTimers();
  EXPECT_EQ(report->exhausted, 1);
  auto view = service_->Get(us_poc_, id);
  EXPECT_TRUE(view->at("timers").at("ack_due_at").is_null());
  EXPECT_EQ(view->at("timers").at("escalation_level"), 1);
  clock_.Advance(24h);
  EXPECT_EQ(service_->RunTimers()->exhausted, 0);
}

TEST_P(LegalNetworkTest, PreservationIsKeptWhileALinkedFollowUpIsPendingThenExpires) {
  const std::string preservation = Create(us_poc_, Preservation());
  // A follow-up needs a preservation that was sent.
  auto early = service_->Create(us_ca_, Production(preservation));
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().field(), "/linked_request");
  Move(us_poc_, preservation, {{"to", "sent"}});
  Move(ph_poc_, preservation, {{"to", "acknowledged"}});
  Move(ph_poc_, preservation, {{"to", "executed"}});

  const std::string follow_up = Create(us_ca_, Production(preservation));
  auto view = service_->Get(us_ca_, follow_up);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->at("recipient").as_string(), ph_ca_.organisation);
  Move(us_ca_, follow_up, {{"to", "sent"}});
  EXPECT_EQ(EventsOf(ph_ca_, "legal.request").size(), 1u);
  EXPECT_EQ(service_->Get(us_poc_, preservation)->at("follow_ups").as_array().size(), 1u);

  clock_.Advance(std::chrono::hours(24 * 60));
  auto report = service_->RunTimers();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->extended, 1);
  EXPECT_EQ(report->expired, 0);
  EXPECT_EQ(service_->Get(us_poc_, preservation)->at("state"), "executed");
  auto extended = EventsOf(ph_poc_, "legal.expiry");
  ASSERT_EQ(extended.size(), 1u);
  EXPECT_EQ(json::ParseObject(extended[0].data)->at("action"), "extended");
  // Said once.
  EXPECT_EQ(service_->RunTimers()->extended, 0);

  Move(ph_ca_, follow_up, {{"to", "acknowledged"}});
  Move(ph_ca_, follow_up, {{"to", "executed"}});
  report = service_->RunTimers();
  EXPECT_EQ(report->expired, 1);
  auto ended = service_->Get(ph_poc_, preservation);
  EXPECT_EQ(ended->at("state"), "expired");
  EXPECT_EQ(ended->at("transitions").as_array().back().at("actor_member"), "system");
  auto expiry = EventsOf(us_poc_, "legal.expiry");
  ASSERT_EQ(expiry.size(), 2u);
  EXPECT_EQ(json::ParseObject(expiry[1].data)->at("action"), "expired");
}

TEST_P(LegalNetworkTest, ARefusalNeedsGroundsAndReasons) {
  const std::string id = Create(us_poc_, Preservation());
  Move(us_poc_, id, {{"to", "sent"}});
  EXPECT_EQ(MoveError(ph_poc_, id, {{"to", "refused"}, {"reasons", "x"}}).field(), "/grounds");
  EXPECT_EQ(
      MoveError(ph_poc_, id, {{"to", "refused"}, {"grounds", bj::array{"essential-interests"}}}).field(),
      "/reasons");
  EXPECT_EQ(
      MoveError(ph_poc_, id, {{"to", "refused"}, {"grounds", bj::array{"bad-weather"}}, {"reasons", "x"}})
          .field(),
      "/grounds");
  EXPECT_EQ(MoveError(ph_poc_, id, {{"to", "acknowledged"}, {"grounds", bj::array{"other"}}}).field(),
            "/grounds");
  EXPECT_EQ(
      MoveError(ph_poc_, id,
                {{"to", "refused"}, {"version", 1}, {"grounds", bj::array{"other"}}, {"reasons", "stale"}})
          .field(),
      "/version");
  bj::object refused = Move(ph_poc_, id,
                            {{"to", "refused"},
                             {"grounds", bj::array{"essential-interests"}},
                             {"reasons", "The data concern a matter of national security."}});
  EXPECT_EQ(refused.at("state"), "refused");
  const bj::object& last = refused.at("transitions").as_array().back().as_object();
  EXPECT_EQ(last.at("grounds"), (bj::array{"essential-interests"}));
  EXPECT_EQ(MoveError(us_poc_, id, {{"to", "withdrawn"}}).type(), "illegal-transition");
}

TEST_P(LegalNetworkTest, CreationChecksRolesStatesAndDataProtection) {
  // The wrong role for the kind.
  EXPECT_EQ(service_->Create(us_ca_, Preservation()).error().code(), Code::kPermissionDenied);
  // Acting for another State.
  bj::object other = Preservation();
  other["request"].as_object()["requesting_state"] = "DE";
  EXPECT_EQ(service_->Create(us_poc_, other).error().field(), "/request/requesting_state");
  // The engine's own errors keep their pointer under /request.
  bj::object bad = Preservation();
  bad["request"].as_object()["conduct"].as_object()["types"] = bj::array{"jaywalking"};
  EXPECT_EQ(service_->Create(us_poc_, bad).error().field(), "/request/conduct/types/0");
  bj::object no_categories = Preservation();
  no_categories.erase("data_categories");
  EXPECT_EQ(service_->Create(us_poc_, no_categories).error().field(), "/data_categories");
  bj::object no_proportionality = Preservation();
  no_proportionality.erase("proportionality");
  EXPECT_EQ(service_->Create(us_poc_, no_proportionality).error().field(), "/proportionality");
  bj::object content = Preservation();
  content["request"].as_object()["kind"] = "traffic-disclosure";
  content["data_categories"] = bj::array{"content"};
  EXPECT_EQ(service_->Create(us_poc_, content).error().field(), "/data_categories");
  // No 24/7 contact registered for the requested State.
  bj::object to_de = Preservation();
  to_de["request"].as_object()["requested_state"] = "DE";
  Status no_recipient = service_->Create(us_poc_, to_de).error();
  EXPECT_EQ(no_recipient.type(), "no-recipient");
  EXPECT_EQ(no_recipient.field(), "/request/requested_state");
  // Interception needs its judicial authorisation.
  bj::object interception = Preservation();
  interception["request"].as_object()["kind"] = "mla-interception";
  interception["data_categories"] = bj::array{"content"};
  EXPECT_EQ(service_->Create(us_ca_, interception).error().field(), "/judicial_authorisation");
  interception["judicial_authorisation"] = "US District Court (D.D.C.) order 26-mj-0042";
  EXPECT_TRUE(service_->Create(us_ca_, interception).has_value());
}

TEST_P(LegalNetworkTest, NotificationGoesToTheSameKindOfOrganisation) {
  bj::object body{{"request", bj::object{{"kind", "notification"},
                                         {"requesting_state", "US"},
                                         {"requested_state", "PH"},
                                         {"date", "2026-03-01"},
                                         {"conduct", bj::object{{"types", bj::array{"data-interference"}},
                                                                {"start", "2026-02-01"},
                                                                {"committed_in", bj::array{"US"}},
                                                                {"effects_in", bj::array{"PH"}}}}}}};
  auto from_ca = service_->Create(us_ca_, body);
  ASSERT_TRUE(from_ca.has_value()) << from_ca.error().ToString();
  EXPECT_EQ(from_ca->at("recipient").as_string(), ph_ca_.organisation);
  auto from_poc = service_->Create(us_poc_, body);
  ASSERT_TRUE(from_poc.has_value()) << from_poc.error().ToString();
  EXPECT_EQ(from_poc->at("recipient").as_string(), ph_poc_.organisation);
  body["conditions"] = "not to be used as evidence";
  EXPECT_EQ(service_->Create(us_ca_, body).error().field(), "/conditions");
}

INSTANTIATE_TEST_SUITE_P(Backends, LegalNetworkTest, ::testing::ValuesIn(store::testing::TestBackends()),
                         [](const auto& p) { return store::testing::BackendName(p.param); });

}  // namespace
}  // namespace aiip::legalnet
