// End-to-end test of the legal cooperation network on a real aiipd, on SQLite and on
// PostgreSQL, with short timers set through aiipd's configuration flags: a preservation
// request travels from the United States' 24/7 contact to the Philippines' (inbox and
// event stream), is acknowledged and executed; the US central authority follows it up with
// a linked production request to the Philippine central authority, which keeps the
// preserved data past its period; the follow-up is refused (grounds and reasons required),
// and the preservation then expires. An illegal transition is refused with a problem
// naming the field; an urgent request nobody acknowledges escalates through the
// recipient's contacts; every transition is in the transparency log; the CLI drives it too.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "common/json.h"
#include "tests/integration/harness.h"

namespace aiip::testing {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;

constexpr int kPreservationSeconds = 10;

// Reads a server-sent event stream on a plain socket, in the background.
class EventStream {
 public:
  EventStream(const std::string& url, const std::string& token) {
    const int port = std::stoi(url.substr(url.rfind(':') + 1));
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ADD_FAILURE() << "cannot connect to " << url;
      return;
    }
    const std::string request =
        "GET /api/v1/stream?kinds=legal. HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
        "\r\nAccept: text/event-stream\r\n\r\n";
    if (::send(fd_, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
      ADD_FAILURE() << "cannot send the stream request";
    }
    reader_ = std::thread([this] {
      char buffer[4096];
      while (true) {
        ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
        if (n <= 0) break;
        std::lock_guard lock(mu_);
        received_.append(buffer, static_cast<size_t>(n));
      }
    });
  }
  ~EventStream() {
    ::shutdown(fd_, SHUT_RDWR);
    if (reader_.joinable()) reader_.join();
    ::close(fd_);
  }
  // The events of `kind` received so far (their Event::ToJson form).
  std::vector<bj::object> Events(const std::string& kind) {
    std::string text;
    {
      std::lock_guard lock(mu_);
      text = received_;
    }
    std::vector<bj::object> out;
    const std::string marker = "event: " + kind + "\ndata: ";
    for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
      const size_t start = at + marker.size();
      const size_t end = text.find('\n', start);
      if (end == std::string::npos) break;
      if (auto parsed = json::ParseObject(text.substr(start, end - start))) out.push_back(std::move(*parsed));
    }
    return out;
  }
  // Waits for an event of `kind` about `subject` whose data has `key` == `value` (any when
  // `key` is empty). Returns its data, or null after `timeout`.
  bj::value WaitFor(const std::string& kind, const std::string& subject, const std::string& key = "",
                    const std::string& value = "", std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      for (const bj::object& event : Events(kind)) {
        if (event.at("subject").as_string() != subject) continue;
        const bj::object& data = event.at("data").as_object();
        const bj::value* found = key.empty() ? nullptr : data.if_contains(key);
        if (key.empty() || (found != nullptr && found->is_string() && found->get_string() == value))
          return data;
      }
      std::this_thread::sleep_for(50ms);
    }
    return nullptr;
  }

 private:
  int fd_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::string received_;
};

struct Party {
  std::string organisation;
  std::string token;
  std::unique_ptr<client::HttpClient> client;
};

class LegalNetworkE2ETest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    node_ = std::make_unique<NodeProcess>(GetParam());
    node_->Start(
        {"--legal-preservation-s", std::to_string(kPreservationSeconds), "--legal-urgent-ack-target-s", "1"});
    if (HasFatalFailure()) return;
    admin_ = node_->Client();
    us_poc_ = MakeParty("US Cyber Watch 24/7 (e2e)", "law-enforcement-247", "US", "poc-247");
    ph_poc_ = MakeParty("PH Cybercrime 24/7 (e2e)", "law-enforcement-247", "PH", "poc-247");
    us_ca_ = MakeParty("US Central Authority (e2e)", "central-authority", "US", "central-authority");
    ph_ca_ = MakeParty("PH Central Authority (e2e)", "central-authority", "PH", "central-authority");
    for (int order : {1, 2}) {
      auto contact = admin_->Post("/api/v1/organisations/" + ph_poc_.organisation + "/contacts", {},
                                  bj::object{{"name", "Duty officer " + std::to_string(order)},
                                             {"phone", "+63252300000" + std::to_string(order)},
                                             {"email", "duty" + std::to_string(order) + "@acg.example.ph"},
                                             {"timezone", "Asia/Manila"},
                                             {"languages", bj::array{"en", "fil"}},
                                             {"escalation_order", order}});
      ASSERT_TRUE(contact.has_value()) << contact.error().ToString();
      ph_contacts_.push_back(std::string(contact->at("id").as_string()));
    }
  }

  Party MakeParty(const std::string& name, const std::string& kind, const std::string& state,
                  const std::string& role) {
    Party party;
    auto org = admin_->Post("/api/v1/organisations", {},
                            bj::object{{"name", name}, {"kind", kind}, {"state", state}});
    EXPECT_TRUE(org.has_value()) << org.error().ToString();
    if (!org) return party;
    party.organisation = std::string(org->at("id").as_string());
    auto member = admin_->Post(
        "/api/v1/members", {},
        bj::object{{"organisation", party.organisation}, {"name", "Officer"}, {"roles", bj::array{role}}});
    EXPECT_TRUE(member.has_value()) << member.error().ToString();
    if (!member) return party;
    auto token = admin_->Post("/api/v1/tokens", {}, bj::object{{"member", member->at("id")}});
    EXPECT_TRUE(token.has_value()) << token.error().ToString();
    if (!token) return party;
    party.token = std::string(token->at("token").as_string());
    party.client = node_->Client(party.token);
    return party;
  }

  static std::string Today() {
    const auto today =
        std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
    char text[16];
    std::snprintf(text, sizeof(text), "%04d-%02u-%02u", static_cast<int>(today.year()),
                  static_cast<unsigned>(today.month()), static_cast<unsigned>(today.day()));
    return text;
  }

  static bj::object EngineRequest(const std::string& kind) {
    return bj::object{
        {"kind", kind},
        {"requesting_state", "US"},
        {"requested_state", "PH"},
        {"date", Today()},
        {"conduct", bj::object{{"types", bj::array{"illegal-access", "data-interference"}},
                               {"start", "2025-11-01"},
                               {"committed_in", bj::array{"PH"}},
                               {"effects_in", bj::array{"US"}},
                               {"description", "Intrusion into a US bank's servers from Manila"}}}};
  }

  static bj::object PreservationBody(bool urgent) {
    return bj::object{
        {"request", EngineRequest("preservation")},
        {"urgent", urgent},
        {"data_categories", bj::array{"subscriber", "traffic"}},
        {"proportionality", "Subscriber and traffic data of one account, for the 20 days of the intrusion."}};
  }

  std::string Create(Party& party, const bj::object& body) {
    auto created = party.client->Post("/api/v1/legal/requests", {}, body);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created ? std::string(created->at("id").as_string()) : "";
  }

  bj::object Move(Party& party, const std::string& id, bj::object body) {
    auto moved = party.client->Post("/api/v1/legal/requests/" + id + "/transitions", {}, body);
    EXPECT_TRUE(moved.has_value()) << moved.error().ToString();
    return moved && moved->is_object() ? moved->get_object() : bj::object{};
  }

  Status MoveError(Party& party, const std::string& id, bj::object body) {
    auto moved = party.client->Post("/api/v1/legal/requests/" + id + "/transitions", {}, body);
    EXPECT_FALSE(moved.has_value());
    return moved ? Status::Ok() : moved.error();
  }

  std::vector<std::string> Inbox(Party& party) {
    auto list = party.client->Get("/api/v1/legal/requests", {{"box", "inbox"}});
    EXPECT_TRUE(list.has_value()) << list.error().ToString();
    std::vector<std::string> ids;
    if (list) {
      for (const bj::value& item : list->at("items").as_array()) ids.emplace_back(item.at("id").as_string());
    }
    return ids;
  }

  CommandResult Aiip(std::vector<std::string> args, const std::string& token) {
    args.insert(args.begin(), {BinaryPath("aiip").string(), "--server", node_->url()});
    return RunCommand(args, {{"AIIP_TOKEN", token}});
  }

  std::unique_ptr<NodeProcess> node_;
  std::unique_ptr<client::HttpClient> admin_;
  Party us_poc_, ph_poc_, us_ca_, ph_ca_;
  std::vector<std::string> ph_contacts_;
};

TEST_P(LegalNetworkE2ETest, APreservationIsAcknowledgedFollowedUpKeptAndThenExpires) {
  EventStream ph_poc_stream(node_->url(), ph_poc_.token);
  EventStream us_poc_stream(node_->url(), us_poc_.token);
  EventStream ph_ca_stream(node_->url(), ph_ca_.token);
  EventStream us_ca_stream(node_->url(), us_ca_.token);

  const std::string preservation = Create(us_poc_, PreservationBody(false));
  ASSERT_FALSE(preservation.empty());
  EXPECT_TRUE(Inbox(ph_poc_).empty()) << "a draft is not in the recipient's inbox";
  bj::object sent = Move(us_poc_, preservation, {{"to", "sent"}});
  EXPECT_EQ(sent.at("state"), "sent");
  EXPECT_EQ(sent.at("recipient").as_string(), ph_poc_.organisation);
  EXPECT_EQ(sent.at("timers").at("contact").as_string(), ph_contacts_[0]);

  // It arrives in the Philippine 24/7 contact's inbox and stream with its assessment.
  bj::value arrived = ph_poc_stream.WaitFor("legal.request", preservation);
  ASSERT_TRUE(arrived.is_object()) << "no legal.request event";
  EXPECT_TRUE(arrived.at("assessment").at("outcome").is_string());
  EXPECT_FALSE(arrived.at("assessment").at("explanation").as_array().empty());
  EXPECT_EQ(arrived.at("contact").at("escalation_order"), 1);
  EXPECT_EQ(Inbox(ph_poc_), std::vector<std::string>{preservation});
  EXPECT_TRUE(Inbox(us_poc_).empty());

  // Execution before acknowledgement is no move of this state machine; the problem names /to.
  Status illegal = MoveError(ph_poc_, preservation, {{"to", "executed"}});
  EXPECT_EQ(illegal.code(), Code::kConflict);
  EXPECT_EQ(illegal.field(), "/to");
  EXPECT_NE(illegal.type().find("illegal-transition"), std::string::npos) << illegal.type();
  // The sender does not acknowledge for the recipient.
  EXPECT_EQ(MoveError(us_poc_, preservation, {{"to", "acknowledged"}}).code(), Code::kPermissionDenied);

  // Acknowledged through the CLI.
  CommandResult ack = Aiip({"legal", "request", "ack", preservation}, ph_poc_.token);
  EXPECT_EQ(ack.exit_code, 0) << ack.out << ack.err;
  EXPECT_NE(ack.out.find("acknowledged"), std::string::npos) << ack.out;
  bj::value told = us_poc_stream.WaitFor("legal.transition", preservation, "to", "acknowledged");
  ASSERT_TRUE(told.is_object()) << "the sender was not told of the acknowledgement";
  EXPECT_EQ(told.at("to"), "acknowledged");
  Move(ph_poc_, preservation, {{"to", "executing"}});
  Move(ph_poc_, preservation, {{"to", "executed"}});

  // The US central authority follows up with a production request linked to it.
  bj::object production{{"request", EngineRequest("mla-production")},
                        {"linked_request", preservation},
                        {"data_categories", bj::array{"subscriber", "traffic"}},
                        {"proportionality", "The preserved data only."}};
  const std::string follow_up = Create(us_ca_, production);
  ASSERT_FALSE(follow_up.empty());
  bj::object follow_up_sent = Move(us_ca_, follow_up, {{"to", "sent"}});
  EXPECT_EQ(follow_up_sent.at("recipient").as_string(), ph_ca_.organisation);
  EXPECT_EQ(follow_up_sent.at("linked_request").as_string(), preservation);
  ASSERT_TRUE(ph_ca_stream.WaitFor("legal.request", follow_up).is_object());
  EXPECT_EQ(Inbox(ph_ca_), std::vector<std::string>{follow_up});

  // At the end of the period the follow-up is pending: the preservation is kept.
  bj::value extended = ph_poc_stream.WaitFor("legal.expiry", preservation, "action", "extended",
                                             std::chrono::seconds(kPreservationSeconds + 20));
  ASSERT_TRUE(extended.is_object()) << "no extension";
  EXPECT_EQ(extended.at("pending_follow_ups"), (bj::array{bj::value(follow_up)}));
  auto kept = us_poc_.client->Get("/api/v1/legal/requests/" + preservation);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->at("state"), "executed");

  // The follow-up is refused: grounds and reasons are required (Budapest Art 27(7)).
  Move(ph_ca_, follow_up, {{"to", "acknowledged"}});
  EXPECT_EQ(MoveError(ph_ca_, follow_up, {{"to", "refused"}, {"reasons", "Not now."}}).field(), "/grounds");
  EXPECT_EQ(MoveError(ph_ca_, follow_up, {{"to", "refused"}, {"grounds", bj::array{"essential-interests"}}})
                .field(),
            "/reasons");
  CommandResult refuse =
      Aiip({"legal", "request", "transition", follow_up, "--to", "refused", "--ground", "essential-interests",
            "--reasons", "Execution would prejudice a domestic security case."},
           ph_ca_.token);
  EXPECT_EQ(refuse.exit_code, 0) << refuse.out << refuse.err;
  bj::value sender_told = us_ca_stream.WaitFor("legal.transition", follow_up, "to", "refused", 10s);
  ASSERT_TRUE(sender_told.is_object()) << "the US central authority was not told of the refusal";
  EXPECT_EQ(sender_told.at("grounds"), (bj::array{"essential-interests"}));

  // With the follow-up decided, the preservation expires at the next pass of the timers.
  bj::value expired = ph_poc_stream.WaitFor("legal.expiry", preservation, "action", "expired", 20s);
  ASSERT_TRUE(expired.is_object()) << "no expiry";
  ASSERT_TRUE(us_poc_stream.WaitFor("legal.expiry", preservation, "action", "expired", 5s).is_object());
  auto ended = us_poc_.client->Get("/api/v1/legal/requests/" + preservation);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->at("state"), "expired");
  const bj::array& transitions = ended->at("transitions").as_array();
  ASSERT_EQ(transitions.size(), 5u);  // sent, acknowledged, executing, executed, expired
  EXPECT_EQ(transitions.back().at("actor_member"), "system");
  EXPECT_EQ(ended->at("follow_ups"), (bj::array{bj::value(follow_up)}));

  // Every transition is in the transparency log.
  auto head = admin_->Get("/api/v1/audit/head");
  ASSERT_TRUE(head.has_value());
  auto entries =
      admin_->Get("/api/v1/audit/entries",
                  {{"start", "0"}, {"end", std::to_string(head->at("size").to_number<int64_t>())}});
  ASSERT_TRUE(entries.has_value()) << entries.error().ToString();
  std::map<std::string, int> actions;
  for (const bj::value& e : entries->at("entries").as_array()) {
    if (e.at("object").as_string() == preservation || e.at("object").as_string() == follow_up) {
      ++actions[std::string(e.at("action").as_string())];
    }
  }
  EXPECT_EQ(actions["legal.request.create"], 2);
  EXPECT_EQ(actions["legal.request.sent"], 2);
  EXPECT_EQ(actions["legal.request.acknowledged"], 2);
  EXPECT_EQ(actions["legal.request.refused"], 1);
  EXPECT_EQ(actions["legal.request.extend"], 1);
  EXPECT_EQ(actions["legal.request.expired"], 1);

  // The CLI lists the inbox.
  CommandResult list = Aiip({"legal", "request", "list", "--box", "inbox"}, ph_poc_.token);
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find(preservation), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("expired"), std::string::npos) << list.out;
}

TEST_P(LegalNetworkE2ETest, AnUnacknowledgedUrgentRequestEscalatesToTheNextContact) {
  EventStream ph_poc_stream(node_->url(), ph_poc_.token);
  EventStream us_poc_stream(node_->url(), us_poc_.token);
  const std::string id = Create(us_poc_, PreservationBody(true));
  ASSERT_FALSE(id.empty());
  Move(us_poc_, id, {{"to", "sent"}});
  bj::value escalated = ph_poc_stream.WaitFor("legal.escalation", id, "action", "escalated", 20s);
  ASSERT_TRUE(escalated.is_object()) << "no escalation";
  EXPECT_EQ(escalated.at("contact").at("id").as_string(), ph_contacts_[1]);
  EXPECT_EQ(escalated.at("missed_contact").as_string(), ph_contacts_[0]);
  ASSERT_TRUE(us_poc_stream.WaitFor("legal.escalation", id, "action", "escalated", 5s).is_object());
  bj::value exhausted = ph_poc_stream.WaitFor("legal.escalation", id, "action", "exhausted", 20s);
  ASSERT_TRUE(exhausted.is_object()) << "the last contact's miss was not reported";
  // Acknowledging late still works, and nothing escalates after it.
  bj::object acknowledged = Move(ph_poc_, id, {{"to", "acknowledged"}});
  EXPECT_TRUE(acknowledged.at("timers").at("ack_due_at").is_null());
  EXPECT_EQ(acknowledged.at("timers").at("escalation_level"), 1);

  // The assessment without sending, and the havens, from the node's reference data.
  auto assessment = us_poc_.client->Post("/api/v1/legal/assess", {}, EngineRequest("extradition"));
  ASSERT_TRUE(assessment.has_value()) << assessment.error().ToString();
  EXPECT_TRUE(assessment->at("outcome").is_string());
  bj::object arrest = EngineRequest("extradition");
  arrest["kind"] = "arrest";
  auto bad = us_poc_.client->Post("/api/v1/legal/assess", {}, arrest);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field(), "/kind");
  auto havens = us_poc_.client->Get("/api/v1/legal/havens", {{"conduct", "illegal-access"}});
  ASSERT_TRUE(havens.has_value()) << havens.error().ToString();
  EXPECT_FALSE(havens->at("pairs").as_array().empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, LegalNetworkE2ETest, ::testing::ValuesIn(IntegrationBackends()),
                         [](const auto& p) { return BackendName(p.param); });

}  // namespace
}  // namespace aiip::testing
