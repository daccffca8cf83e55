// End-to-end test of the response network on a real aiipd, on SQLite and on PostgreSQL:
// two operators register their real ASNs (Deutsche Telekom AS3320, Vodafone AS3209) and the
// Agency verifies them; the victim opens an attack case from a pcap capture the test writes
// with sources inside those operators' real networks (picked from the installed IPFire
// location database), inside Orange (AS3215, France: no registered operator, so France's
// national CSIRT) and inside AS8167 (Brazil: no operator, no CSIRT, so the duty desk). One
// DOTS request per responder arrives in each inbox (and over the event stream), the German
// 24/7 law-enforcement organisation is told, one operator acknowledges, the others are left
// to escalate along their contact chains (ack target 2 s), one then reports DOTS status with
// drop counters, the victim rates the efficacy, more sources arrive as a text list, and the
// per-operator and per-country tables and the audit log say so. The command line drives the
// same node. A second flow lets a request's lifetime run out (DOTS status 6, over the stream
// to operator and victim, escalation stopped) and has the victim withdraw one request, then
// the whole case, from the command line (status 5, over the stream and a signed webhook to
// the operator). A node without a location database answers attribution with a problem.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "common/json.h"
#include "http/server.h"
#include "notify/webhooks.h"
#include "response/attribution/libloc_loader.h"
#include "tests/integration/harness.h"

namespace aiip::testing {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;

// Reads a server-sent event stream on a plain socket into a string, in the background.
class EventStreamReader {
 public:
  EventStreamReader(const std::string& url, const std::string& token) {
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
    std::string request = "GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
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
  ~EventStreamReader() {
    ::shutdown(fd_, SHUT_RDWR);
    if (reader_.joinable()) reader_.join();
    ::close(fd_);
  }
  std::string Received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  bool WaitFor(const std::string& text, std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Received().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

 private:
  int fd_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::string received_;
};

// A webhook receiver that accepts every delivery and keeps it.
class WebhookReceiver {
 public:
  WebhookReceiver() {
    http::ServerOptions options;
    options.threads = 1;
    server_ = std::make_unique<http::Server>(options, [this](http::Request& request) {
      std::lock_guard lock(mu_);
      received_.push_back(request);
      http::Response response;
      response.content_type = "text/plain";
      response.body = "ok";
      return response;
    });
    EXPECT_TRUE(server_->Start().ok());
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->BoundPort()) + "/hooks/aiip";
  }
  // The first delivery of `kind`, waiting up to `timeout` for it.
  std::optional<http::Request> WaitFor(const std::string& kind, std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mu_);
        for (const http::Request& r : received_) {
          if (r.Header("x-aiip-event") == kind) return r;
        }
      }
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }

 private:
  std::mutex mu_;
  std::vector<http::Request> received_;
  std::unique_ptr<http::Server> server_;
};

// Addresses inside real networks of one AS in one country, as the location database says.
struct RealSources {
  std::vector<std::string> v4;
  std::vector<std::string> v6;
};

RealSources PickSources(const attribution::Table& table, uint32_t asn, std::string_view country,
                        size_t v4_count, size_t v6_count) {
  RealSources out;
  for (size_t i = 0; i < table.network_count() && (out.v4.size() < v4_count || out.v6.size() < v6_count);
       ++i) {
    attribution::NetworkInfo n = table.network(static_cast<attribution::NetworkIndex>(i));
    if (n.asn != asn || n.country != country || n.flags != 0) continue;
    const bool v4 = n.prefix.address.is_v4();
    if (v4 ? (out.v4.size() >= v4_count || n.prefix.length > 22)
           : (out.v6.size() >= v6_count || n.prefix.length > 48)) {
      continue;
    }
    // Addresses spread over the network, each checked to answer with this AS.
    for (uint32_t k = 1; k <= 64 && (v4 ? out.v4.size() < v4_count : out.v6.size() < v6_count); ++k) {
      attribution::Uint128 offset =
          v4 ? attribution::Uint128{k} * 37 : (attribution::Uint128{k} * 7919) << 64;
      attribution::IpAddress a =
          v4 ? attribution::IpAddress::V4(n.prefix.address.v4() + static_cast<uint32_t>(offset))
             : attribution::IpAddress::V6(n.prefix.address.v6() + offset);
      attribution::Answer answer = table.Lookup(a);
      if (!answer.found() || table.network(answer.network).asn != asn) continue;
      (v4 ? out.v4 : out.v6).push_back(a.ToString());
    }
  }
  return out;
}

void Put16(std::string& b, uint16_t v) {
  b.push_back(static_cast<char>(v >> 8));
  b.push_back(static_cast<char>(v & 0xff));
}
void PutLe32(std::string& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A classic pcap file (microsecond timestamps, Ethernet) with `per_source` UDP packets
// from each source to 198.51.100.10:53, one second apart per round, from `start_s`.
std::string WriteCapture(const std::vector<std::string>& sources, int per_source, uint32_t start_s) {
  std::string file;
  PutLe32(file, 0xa1b2c3d4);
  file += std::string("\x02\x00\x04\x00", 4);
  PutLe32(file, 0);
  PutLe32(file, 0);
  PutLe32(file, 65535);
  PutLe32(file, 1);  // LINKTYPE_ETHERNET
  for (int round = 0; round < per_source; ++round) {
    for (size_t i = 0; i < sources.size(); ++i) {
      const bool v6 = sources[i].find(':') != std::string::npos;
      std::string frame("\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
      Put16(frame, v6 ? 0x86dd : 0x0800);
      const std::string payload(32, 'x');
      const uint16_t udp_length = static_cast<uint16_t>(8 + payload.size());
      if (v6) {
        frame += std::string("\x60\x00\x00\x00", 4);
        Put16(frame, udp_length);
        frame += std::string("\x11\x40", 2);
        unsigned char addr[16];
        ::inet_pton(AF_INET6, sources[i].c_str(), addr);
        frame.append(reinterpret_cast<char*>(addr), 16);
        ::inet_pton(AF_INET6, "2001:db8:53::10", addr);
        frame.append(reinterpret_cast<char*>(addr), 16);
      } else {
        frame += std::string("\x45\x00", 2);
        Put16(frame, static_cast<uint16_t>(20 + udp_length));
        frame += std::string("\x00\x01\x00\x00\x40\x11\x00\x00", 8);
        unsigned char addr[4];
        ::inet_pton(AF_INET, sources[i].c_str(), addr);
        frame.append(reinterpret_cast<char*>(addr), 4);
        ::inet_pton(AF_INET, "198.51.100.10", addr);
        frame.append(reinterpret_cast<char*>(addr), 4);
      }
      Put16(frame, static_cast<uint16_t>(40000 + i % 20000));
      Put16(frame, 53);
      Put16(frame, udp_length);
      Put16(frame, 0);
      frame += payload;
      PutLe32(file, start_s + static_cast<uint32_t>(round));
      PutLe32(file, static_cast<uint32_t>(i % 1000000));
      PutLe32(file, static_cast<uint32_t>(frame.size()));
      PutLe32(file, static_cast<uint32_t>(frame.size()));
      file += frame;
    }
  }
  return file;
}

class ResponseE2ETest : public ::testing::TestWithParam<Backend> {
 protected:
  static void SetUpTestSuite() {
    auto loaded = attribution::LoadLocationDb(std::string(attribution::kDefaultLocationDb));
    if (loaded) table_ = loaded->table;
  }
  static void TearDownTestSuite() { table_.reset(); }

  void SetUp() override {
    if (table_ == nullptr) GTEST_SKIP() << "the IPFire location database is not installed (libloc-database)";
    node_ = std::make_unique<NodeProcess>(GetParam());
    node_->Start(
        {"--webhook-allow-http", "--mitigation-ack-target-s", "2", "--mitigation-max-prefixes", "4"});
    if (HasFatalFailure()) return;
    admin_ = node_->Client();
  }

  std::string Organisation(const std::string& name, const std::string& kind,
                           std::optional<std::string> state) {
    bj::object body{{"name", name}, {"kind", kind}};
    if (state) body["state"] = *state;
    auto org = admin_->Post("/api/v1/organisations", {}, body);
    EXPECT_TRUE(org.has_value()) << org.error().ToString();
    return org ? std::string(org->at("id").as_string()) : std::string();
  }
  void Contact(const std::string& org, const std::string& name, int order) {
    auto contact = admin_->Post("/api/v1/organisations/" + org + "/contacts", {},
                                bj::object{{"name", name},
                                           {"phone", "+4930123456" + std::to_string(order)},
                                           {"email", "noc" + std::to_string(order) + "@example.net"},
                                           {"timezone", "Europe/Berlin"},
                                           {"languages", bj::array{"de", "en"}},
                                           {"escalation_order", order}});
    EXPECT_TRUE(contact.has_value()) << contact.error().ToString();
  }
  std::string Token(const std::string& org, const std::string& role) {
    auto member = admin_->Post(
        "/api/v1/members", {},
        bj::object{{"organisation", org}, {"name", role + " of " + org}, {"roles", bj::array{role}}});
    EXPECT_TRUE(member.has_value()) << member.error().ToString();
    auto token = admin_->Post("/api/v1/tokens", {}, bj::object{{"member", member->at("id")}});
    EXPECT_TRUE(token.has_value()) << token.error().ToString();
    return std::string(token->at("token").as_string());
  }
  bj::object Mitigation(const std::string& token, const std::string& id) {
    auto m = node_->Client(token)->Get("/api/v1/mitigations/" + id);
    EXPECT_TRUE(m.has_value()) << m.error().ToString();
    return m ? m->as_object() : bj::object{};
  }

  static std::shared_ptr<const attribution::Table> table_;
  std::unique_ptr<NodeProcess> node_;
  std::unique_ptr<client::HttpClient> admin_;
};

std::shared_ptr<const attribution::Table> ResponseE2ETest::table_;

TEST_P(ResponseE2ETest, ACaptureBecomesOneRequestPerOperatorAcknowledgedOrEscalated) {
  // Participants.
  const std::string duty = Organisation("AIIP Duty Desk", "agency", std::nullopt);
  const std::string telekom = Organisation("Telekom NOC E2E", "operator", "DE");
  const std::string vodafone = Organisation("Vodafone NOC E2E", "operator", "DE");
  const std::string cert_fr = Organisation("CERT-FR E2E", "csirt", "FR");
  const std::string bka = Organisation("BKA 24/7 E2E", "law-enforcement-247", "DE");
  const std::string victim = Organisation("Victim Hosting E2E", "company", "FR");
  Contact(telekom, "Telekom NOC desk", 1);
  Contact(telekom, "Telekom NOC manager", 2);
  Contact(vodafone, "Vodafone NOC desk", 1);
  Contact(vodafone, "Vodafone duty manager", 2);
  Contact(cert_fr, "CERT-FR duty", 1);
  const std::string telekom_token = Token(telekom, "noc");
  const std::string vodafone_token = Token(vodafone, "noc");
  const std::string cert_token = Token(cert_fr, "analyst");
  const std::string duty_token = Token(duty, "analyst");
  const std::string bka_token = Token(bka, "poc-247");
  const std::string victim_token = Token(victim, "analyst");
  ASSERT_FALSE(HasFailure());

  // ASNs: registered by the operators, verified by the Agency; a company cannot register.
  for (auto [org, token, asn] :
       {std::tuple{telekom, telekom_token, 3320}, std::tuple{vodafone, vodafone_token, 3209}}) {
    auto claim =
        node_->Client(token)->Post("/api/v1/operators/" + org + "/asns", {}, bj::object{{"asn", asn}});
    ASSERT_TRUE(claim.has_value()) << claim.error().ToString();
    EXPECT_EQ(claim->at("verified"), false);
    auto verified = admin_->Post("/api/v1/asns/AS" + std::to_string(asn) + "/verify", {},
                                 bj::object{{"organisation", org}});
    ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
    EXPECT_EQ(verified->at("verified"), true);
  }
  auto refused = admin_->Post("/api/v1/operators/" + victim + "/asns", {}, bj::object{{"asn", 64500}});
  EXPECT_FALSE(refused.has_value());
  auto listed = admin_->Get("/api/v1/operators/" + telekom + "/asns");
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->at("items").at(0).at("asn").as_int64(), 3320);

  // Abuse contacts from an RPSL text in the RIPE split-dump format.
  const std::string rpsl =
      "aut-num: AS3215\nas-name: FR-ORANGE\norg: ORG-FT2-RIPE\nsource: RIPE\n\n"
      "organisation: ORG-FT2-RIPE\norg-name: Orange S.A.\nabuse-c: AR1-E2E\nsource: RIPE\n\n"
      "role: Orange abuse\nnic-hdl: AR1-E2E\nabuse-mailbox: abuse@orange.example\nsource: RIPE\n";
  RawResponse imported = SendRaw(node_->url(), "POST", "/api/v1/abuse-contacts/import",
                                 {{"Authorization", "Bearer " + node_->AdminToken()},
                                  {"Content-Type", "text/plain"},
                                  {"X-AIIP-Source-Name", "ripe.db.e2e"}},
                                 rpsl);
  ASSERT_EQ(imported.status, 201) << imported.body;
  EXPECT_NE(imported.body.find("\"contacts\":1"), std::string::npos) << imported.body;

  // Real sources from the location database.
  RealSources dt = PickSources(*table_, 3320, "DE", 12, 3);
  RealSources vf = PickSources(*table_, 3209, "DE", 6, 0);
  RealSources orange = PickSources(*table_, 3215, "FR", 5, 0);
  RealSources brazil = PickSources(*table_, 8167, "BR", 4, 0);
  ASSERT_EQ(dt.v4.size(), 12u);
  ASSERT_EQ(dt.v6.size(), 3u);
  ASSERT_EQ(vf.v4.size(), 6u);
  ASSERT_EQ(orange.v4.size(), 5u);
  ASSERT_EQ(brazil.v4.size(), 4u);
  std::vector<std::string> sources;
  for (const RealSources* r : {&dt, &vf, &orange, &brazil}) {
    sources.insert(sources.end(), r->v4.begin(), r->v4.end());
    sources.insert(sources.end(), r->v6.begin(), r->v6.end());
  }
  const std::string capture = WriteCapture(sources, 3, 1'709'294'400);  // 2024-03-01T12:00:00Z

  EventStreamReader telekom_stream(node_->url(), telekom_token);
  EventStreamReader bka_stream(node_->url(), bka_token);
  EventStreamReader duty_stream(node_->url(), duty_token);
  ASSERT_TRUE(telekom_stream.WaitFor("retry: 3000")) << telekom_stream.Received();
  ASSERT_TRUE(bka_stream.WaitFor("retry: 3000"));
  ASSERT_TRUE(duty_stream.WaitFor("retry: 3000"));
  auto head_before = admin_->Get("/api/v1/audit/head");
  ASSERT_TRUE(head_before.has_value());

  // Opening the case from the capture: the target (198.51.100.10/32, UDP 53) and the window
  // come from the capture itself.
  RawResponse opened =
      SendRaw(node_->url(), "POST", "/api/v1/attacks?lifetime=7200",
              {{"Authorization", "Bearer " + victim_token}, {"Content-Type", "application/vnd.tcpdump.pcap"}},
              capture);
  ASSERT_EQ(opened.status, 201) << opened.body;
  bj::object attack = json::ParseObject(opened.body).value();
  const std::string case_id(attack.at("id").as_string());
  EXPECT_EQ(attack.at("target").at("prefix"), "198.51.100.10/32");
  EXPECT_EQ(attack.at("target").at("ports"), "53");
  EXPECT_EQ(attack.at("target").at("protocol_name"), "udp");
  EXPECT_EQ(attack.at("window").at("from"), "2024-03-01T12:00:00.000Z");
  EXPECT_EQ(attack.at("sources").as_int64(), static_cast<int64_t>(sources.size()));
  EXPECT_EQ(attack.at("unattributed").as_int64(), 0);
  EXPECT_EQ(attack.at("capture").at("ip_packets").as_int64(), static_cast<int64_t>(3 * sources.size()));
  std::map<std::string, bj::object> by_responder;
  for (const bj::value& r : attack.at("responders").as_array()) {
    by_responder[std::string(r.at("responder").at("id").as_string())] = r.as_object();
  }
  ASSERT_EQ(by_responder.size(), 4u) << opened.body;
  EXPECT_EQ(by_responder[telekom].at("rung"), "registered-operator");
  EXPECT_EQ(by_responder[telekom].at("sources").as_int64(), 15);
  EXPECT_LE(by_responder[telekom].at("prefixes").as_int64(), 4);
  EXPECT_EQ(by_responder[vodafone].at("rung"), "registered-operator");
  EXPECT_EQ(by_responder[cert_fr].at("rung"), "national-csirt");
  EXPECT_EQ(by_responder[cert_fr].at("sources").as_int64(), 5);
  EXPECT_EQ(by_responder[duty].at("rung"), "duty-desk");
  EXPECT_EQ(by_responder[duty].at("sources").as_int64(), 4);
  for (auto& [id, r] : by_responder) EXPECT_EQ(r.at("state"), "sent") << id;
  ASSERT_EQ(attack.at("notices").as_array().size(), 1u);
  EXPECT_EQ(attack.at("notices").at(0).at("organisation").at("id"), bj::value(bka));
  std::map<std::string, int64_t> per_country;
  for (const bj::value& c : attack.at("countries").as_array()) {
    per_country[std::string(c.at("country").as_string())] = c.at("sources").as_int64();
  }
  EXPECT_EQ(per_country["DE"], 21);
  EXPECT_EQ(per_country["FR"], 5);
  EXPECT_EQ(per_country["BR"], 4);

  // Inboxes, the event stream, and the law-enforcement notice.
  auto inbox = node_->Client(telekom_token)->Get("/api/v1/mitigations");
  ASSERT_TRUE(inbox.has_value()) << inbox.error().ToString();
  ASSERT_EQ(inbox->at("items").as_array().size(), 1u);
  const bj::object request = inbox->at("items").at(0).as_object();
  const std::string telekom_request(request.at("id").as_string());
  const bj::object& scope =
      request.at("request").at("ietf-dots-signal-channel:mitigation-scope").at("scope").at(0).as_object();
  EXPECT_EQ(scope.at("target-prefix"), (bj::array{"198.51.100.10/32"}));
  EXPECT_EQ(scope.at("target-protocol"), (bj::array{17}));
  EXPECT_EQ(scope.at("lifetime").as_int64(), 7200);
  EXPECT_LE(scope.at("ietf-dots-call-home:source-prefix").as_array().size(), 4u);
  EXPECT_TRUE(telekom_stream.WaitFor("event: mitigation.request\n")) << telekom_stream.Received();
  EXPECT_NE(telekom_stream.Received().find(telekom_request), std::string::npos);
  EXPECT_TRUE(bka_stream.WaitFor("event: attack.notice\n")) << bka_stream.Received();
  auto cert_inbox = node_->Client(cert_token)->Get("/api/v1/mitigations");
  ASSERT_TRUE(cert_inbox.has_value());
  const bj::object cert_request = cert_inbox->at("items").at(0).as_object();
  EXPECT_EQ(cert_request.at("abuse_contacts").at(0).at("mailbox"), "abuse@orange.example");
  const std::string vodafone_request(by_responder[vodafone].at("id").as_string());
  const std::string cert_request_id(cert_request.at("id").as_string());

  // Telekom acknowledges at once; another operator may not.
  auto acked =
      node_->Client(telekom_token)->Post("/api/v1/mitigations/" + telekom_request + "/ack", {}, bj::object{});
  ASSERT_TRUE(acked.has_value()) << acked.error().ToString();
  EXPECT_EQ(acked->at("state"), "acknowledged");
  auto foreign = node_->Client(vodafone_token)
                     ->Post("/api/v1/mitigations/" + telekom_request + "/ack", {}, bj::object{});
  EXPECT_FALSE(foreign.has_value());

  // Vodafone and CERT-FR stay silent: after 2 s their second contact is called, after 4 s
  // the next rung (for CERT-FR the duty desk).
  auto deadline = std::chrono::steady_clock::now() + 30s;
  bj::object vf_state;
  bj::object cert_state;
  while (std::chrono::steady_clock::now() < deadline) {
    vf_state = Mitigation(vodafone_token, vodafone_request);
    cert_state = Mitigation(cert_token, cert_request_id);
    if (vf_state.at("escalated").as_int64() >= 1 && cert_state.at("escalated").as_int64() >= 1) break;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_GE(vf_state.at("escalated").as_int64(), 1) << bj::serialize(vf_state);
  EXPECT_EQ(vf_state.at("escalations").at(0).at("chain_index").as_int64(), 1);
  EXPECT_EQ(vf_state.at("escalations").at(0).at("organisation"), bj::value(vodafone));
  ASSERT_GE(cert_state.at("escalated").as_int64(), 1);
  EXPECT_EQ(cert_state.at("escalations").at(0).at("organisation"), bj::value(duty));
  EXPECT_TRUE(duty_stream.WaitFor("event: mitigation.escalation\n")) << duty_stream.Received();
  // The duty desk, now notified, may answer for CERT-FR's request.
  auto duty_ack =
      node_->Client(duty_token)->Post("/api/v1/mitigations/" + cert_request_id + "/ack", {}, bj::object{});
  EXPECT_TRUE(duty_ack.has_value()) << duty_ack.error().ToString();
  EXPECT_EQ(Mitigation(telekom_token, telekom_request).at("escalated").as_int64(), 0);

  // Vodafone reports mitigation with drop counters (acknowledging implicitly); counters
  // may not go backwards; status 5 belongs to the client.
  auto status = node_->Client(vodafone_token)
                    ->Post("/api/v1/mitigations/" + vodafone_request + "/status", {},
                           bj::object{{"status", 2}, {"bytes-dropped", 123456}, {"pkts-dropped", 789}});
  ASSERT_TRUE(status.has_value()) << status.error().ToString();
  EXPECT_EQ(status->at("state"), "mitigating");
  EXPECT_EQ(status->at("status_name"), "attack-successfully-mitigated");
  auto backwards = node_->Client(vodafone_token)
                       ->Post("/api/v1/mitigations/" + vodafone_request + "/status", {},
                              bj::object{{"status", 2}, {"bytes-dropped", 1}, {"pkts-dropped", 1}});
  EXPECT_FALSE(backwards.has_value());
  auto bad = node_->Client(vodafone_token)
                 ->Post("/api/v1/mitigations/" + vodafone_request + "/status", {}, bj::object{{"status", 9}});
  EXPECT_FALSE(bad.has_value());

  // The victim rates the efficacy.
  auto efficacy = node_->Client(victim_token)
                      ->Post("/api/v1/attacks/" + case_id + "/efficacy", {},
                             bj::object{{"attack-status", "attack-successfully-mitigated"}});
  ASSERT_TRUE(efficacy.has_value()) << efficacy.error().ToString();
  EXPECT_EQ(efficacy->at("mitigations").as_array().size(), 4u);

  // More sources as a text list: a new Orange address only updates CERT-FR's request.
  RealSources more = PickSources(*table_, 3215, "FR", 7, 0);
  RawResponse added = SendRaw(node_->url(), "POST", "/api/v1/attacks/" + case_id + "/sources",
                              {{"Authorization", "Bearer " + victim_token}, {"Content-Type", "text/plain"}},
                              "# more\n" + more.v4[5] + "\n" + more.v4[6] + "\nnot-an-address\n");
  ASSERT_EQ(added.status, 200) << added.body;
  bj::object after = json::ParseObject(added.body).value();
  EXPECT_EQ(after.at("batch").at("rejected_lines").as_int64(), 1);
  EXPECT_EQ(after.at("batch").at("requests_created").as_int64(), 0);
  EXPECT_EQ(after.at("sources").as_int64(), static_cast<int64_t>(sources.size() + 2));

  // The per-operator and per-country table.
  auto shown = node_->Client(victim_token)->Get("/api/v1/attacks/" + case_id);
  ASSERT_TRUE(shown.has_value()) << shown.error().ToString();
  std::map<std::string, bj::object> rows;
  for (const bj::value& r : shown->at("responders").as_array()) {
    rows[std::string(r.at("responder").at("id").as_string())] = r.as_object();
  }
  EXPECT_EQ(rows[telekom].at("state"), "acknowledged");
  EXPECT_EQ(rows[vodafone].at("state"), "mitigating");
  EXPECT_EQ(rows[vodafone].at("bytes_dropped").as_int64(), 123456);
  EXPECT_EQ(rows[vodafone].at("attack_status").as_int64(), 2);
  EXPECT_EQ(rows[cert_fr].at("sources").as_int64(), 7);
  EXPECT_EQ(rows[duty].at("state"), "sent");
  for (const bj::value& c : shown->at("countries").as_array()) {
    if (c.at("country") == "DE") {
      EXPECT_EQ(c.at("acknowledged").as_int64(), 2);
    }
  }
  // Someone uninvolved sees nothing.
  const std::string other = Organisation("Uninvolved E2E", "company", "FR");
  auto hidden = node_->Client(Token(other, "analyst"))->Get("/api/v1/attacks/" + case_id);
  EXPECT_FALSE(hidden.has_value());

  // Everything is in the transparency log.
  auto head_after = admin_->Get("/api/v1/audit/head");
  ASSERT_TRUE(head_after.has_value());
  EXPECT_GE(head_after->at("size").as_int64(), head_before->at("size").as_int64() + 12);

  // The command line against the same node.
  auto aiip = [&](const std::string& token, std::vector<std::string> args) {
    args.insert(args.begin(), {BinaryPath("aiip").string(), "--server", node_->url()});
    return RunCommand(args, {{"AIIP_TOKEN", token}});
  };
  CommandResult show = aiip(victim_token, {"attack", "show", case_id});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("Vodafone NOC E2E"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("national-csirt"), std::string::npos) << show.out;
  CommandResult list = aiip(telekom_token, {"mitigation", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find(telekom_request), std::string::npos) << list.out;
  CommandResult cli_status =
      aiip(telekom_token, {"mitigation", "status", telekom_request, "--status", "2", "--dropped-packets",
                           "10", "--dropped-bytes", "1000", "--json"});
  ASSERT_EQ(cli_status.exit_code, 0) << cli_status.err;
  EXPECT_NE(cli_status.out.find("\"pkts_dropped\": 10"), std::string::npos) << cli_status.out;
  const std::filesystem::path list_file = node_->data_dir() / "more-sources.txt";
  std::ofstream(list_file) << brazil.v4[0] << "\n" << dt.v4[0] << "\n";
  CommandResult sources_add = aiip(victim_token, {"attack", "sources", "add", case_id, list_file.string()});
  EXPECT_EQ(sources_add.exit_code, 0) << sources_add.err;
  // Sources larger than one request body go in parts: a list cut at line ends, and a
  // capture read by the command line itself (its target and window become the case's).
  const std::filesystem::path many = node_->data_dir() / "many-sources.txt";
  {
    std::ofstream out(many);
    for (const std::string& a : sources) out << a << "\n";
  }
  CommandResult listed_parts =
      aiip(victim_token,
           {"attack", "open", "--sources", many.string(), "--target", "198.51.100.10/32", "--from",
            "2024-03-01T12:00:00Z", "--to", "2024-03-01T12:10:00Z", "--part-bytes", "128", "--json"});
  ASSERT_EQ(listed_parts.exit_code, 0) << listed_parts.err;
  auto listed_case = json::ParseObject(listed_parts.out);
  ASSERT_TRUE(listed_case.has_value()) << listed_parts.out;
  EXPECT_EQ(listed_case->at("sources").as_int64(), static_cast<int64_t>(sources.size()));
  EXPECT_GT(listed_case->at("batches").as_array().size(), 2u);
  EXPECT_NE(listed_parts.err.find("part 2 of"), std::string::npos) << listed_parts.err;
  const std::filesystem::path capture_file = node_->data_dir() / "attack.pcap";
  std::ofstream(capture_file, std::ios::binary) << capture;
  CommandResult capture_parts = aiip(
      victim_token, {"attack", "open", "--pcap", capture_file.string(), "--part-bytes", "256", "--json"});
  ASSERT_EQ(capture_parts.exit_code, 0) << capture_parts.err;
  auto capture_case = json::ParseObject(capture_parts.out);
  ASSERT_TRUE(capture_case.has_value()) << capture_parts.out;
  EXPECT_EQ(capture_case->at("target").at("prefix"), "198.51.100.10/32");
  EXPECT_EQ(capture_case->at("target").at("ports"), "53");
  EXPECT_EQ(capture_case->at("target").at("protocol_name"), "udp");
  EXPECT_EQ(capture_case->at("window").at("from"), "2024-03-01T12:00:00.000Z");
  EXPECT_EQ(capture_case->at("sources").as_int64(), static_cast<int64_t>(sources.size()));
  EXPECT_GT(capture_case->at("batches").as_array().size(), 1u);
  EXPECT_EQ(capture_case->at("batches").at(0).at("input"), "list");
  CommandResult asn_list = aiip(telekom_token, {"operator", "asn", "list", telekom});
  ASSERT_EQ(asn_list.exit_code, 0) << asn_list.err;
  EXPECT_NE(asn_list.out.find("3320"), std::string::npos) << asn_list.out;

  // Attribution online.
  auto attributed =
      node_->Client(victim_token)
          ->Post("/api/v1/attribute", {}, bj::object{{"addresses", bj::array{dt.v4[0].c_str()}}});
  ASSERT_TRUE(attributed.has_value()) << attributed.error().ToString();
  EXPECT_EQ(attributed->at("results").at(0).at("asn").as_int64(), 3320);
  EXPECT_EQ(attributed->at("results").at(0).at("country"), "DE");
}

TEST_P(ResponseE2ETest, ALifetimeRunsOutAndTheVictimWithdrawsTheRest) {
  const std::string duty = Organisation("AIIP Duty Desk", "agency", std::nullopt);
  const std::string telekom = Organisation("Telekom NOC E2E", "operator", "DE");
  const std::string victim = Organisation("Victim Hosting E2E", "company", "FR");
  Contact(telekom, "Telekom NOC desk", 1);
  Contact(telekom, "Telekom NOC manager", 2);
  const std::string telekom_token = Token(telekom, "noc");
  const std::string telekom_admin = Token(telekom, "org-admin");
  const std::string victim_token = Token(victim, "analyst");
  ASSERT_FALSE(HasFailure());
  auto claim = node_->Client(telekom_token)
                   ->Post("/api/v1/operators/" + telekom + "/asns", {}, bj::object{{"asn", 3320}});
  ASSERT_TRUE(claim.has_value()) << claim.error().ToString();
  ASSERT_TRUE(
      admin_->Post("/api/v1/asns/AS3320/verify", {}, bj::object{{"organisation", telekom}}).has_value());
  const char* secret = "response-e2e-webhook-secret-0123";
  WebhookReceiver receiver;
  auto hook = node_->Client(telekom_admin)
                  ->Post("/api/v1/webhooks", {},
                         bj::object{{"url", receiver.url()},
                                    {"kinds", bj::array{"mitigation.withdrawn", "mitigation.expired"}},
                                    {"secret", secret}});
  ASSERT_TRUE(hook.has_value()) << hook.error().ToString();

  RealSources dt = PickSources(*table_, 3320, "DE", 4, 0);
  RealSources brazil = PickSources(*table_, 8167, "BR", 2, 0);
  ASSERT_EQ(dt.v4.size(), 4u);
  ASSERT_EQ(brazil.v4.size(), 2u);
  bj::array sources;
  for (const auto* list : {&dt.v4, &brazil.v4}) {
    for (const std::string& a : *list) sources.emplace_back(a);
  }
  EventStreamReader telekom_stream(node_->url(), telekom_token);
  EventStreamReader victim_stream(node_->url(), victim_token);
  ASSERT_TRUE(telekom_stream.WaitFor("retry: 3000"));
  ASSERT_TRUE(victim_stream.WaitFor("retry: 3000"));
  auto open = [&](int64_t lifetime) {
    auto opened = node_->Client(victim_token)
                      ->Post("/api/v1/attacks", {},
                             bj::object{{"target", "198.51.100.10/32"},
                                        {"protocol", "udp"},
                                        {"from", "2024-03-01T12:00:00Z"},
                                        {"to", "2024-03-01T12:05:00Z"},
                                        {"lifetime", lifetime},
                                        {"sources", sources}});
    EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
    std::map<std::string, std::string> requests;
    if (!opened) return std::make_pair(std::string(), requests);
    for (const bj::value& r : opened->at("responders").as_array()) {
      requests[std::string(r.at("responder").at("id").as_string())] = std::string(r.at("id").as_string());
    }
    return std::make_pair(std::string(opened->at("id").as_string()), requests);
  };

  // A lifetime of 3 s (the ack target is 2 s): the timer ends both requests with status 6;
  // the operator and the victim hear of it, and the third rung is never called.
  auto [short_case, short_requests] = open(3);
  ASSERT_EQ(short_requests.size(), 2u);
  const std::string short_telekom = short_requests[telekom];
  EXPECT_TRUE(telekom_stream.WaitFor("event: mitigation.expired\n")) << telekom_stream.Received();
  EXPECT_TRUE(victim_stream.WaitFor("event: mitigation.expired\n")) << victim_stream.Received();
  bj::object expired = Mitigation(telekom_token, short_telekom);
  EXPECT_EQ(expired.at("state"), "terminated") << bj::serialize(expired);
  EXPECT_EQ(expired.at("status").as_int64(), 6);
  EXPECT_EQ(expired.at("history").as_array().back().at("kind"), "expire");
  auto on_hook = receiver.WaitFor("mitigation.expired");
  ASSERT_TRUE(on_hook.has_value());
  auto late_ack =
      node_->Client(telekom_token)->Post("/api/v1/mitigations/" + short_telekom + "/ack", {}, bj::object{});
  ASSERT_FALSE(late_ack.has_value());
  EXPECT_EQ(late_ack.error().code(), Code::kConflict);
  std::this_thread::sleep_for(2500ms);  // past the third rung's time (4 s after sending)
  EXPECT_LE(Mitigation(telekom_token, short_telekom).at("escalated").as_int64(), 1);

  // A case for two hours, withdrawn from the command line: first Telekom's request, then
  // the whole case.
  auto [long_case, long_requests] = open(7200);
  ASSERT_EQ(long_requests.size(), 2u);
  auto aiip = [&](const std::string& token, std::vector<std::string> args) {
    args.insert(args.begin(), {BinaryPath("aiip").string(), "--server", node_->url()});
    return RunCommand(args, {{"AIIP_TOKEN", token}});
  };
  CommandResult refused = aiip(telekom_token, {"attack", "withdraw", long_case});
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  CommandResult one = aiip(victim_token, {"attack", "withdraw", long_case, "--request",
                                          long_requests[telekom], "--note", "traffic has stopped"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.out.find("1 request(s) withdrawn"), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("dots-client-withdrawn-mitigation"), std::string::npos) << one.out;
  EXPECT_TRUE(telekom_stream.WaitFor("event: mitigation.withdrawn\n")) << telekom_stream.Received();
  auto delivery = receiver.WaitFor("mitigation.withdrawn");
  ASSERT_TRUE(delivery.has_value());
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  EXPECT_TRUE(notify::VerifyDeliverySignature(secret, *delivery->Header("x-aiip-signature"), delivery->body,
                                              now, 300s));
  auto withdrawn_event = json::ParseObject(delivery->body);
  ASSERT_TRUE(withdrawn_event.has_value());
  EXPECT_EQ(withdrawn_event->at("subject"), bj::value(long_requests[telekom]));
  EXPECT_EQ(withdrawn_event->at("data").at("mitigation").at("status").as_int64(), 5);
  EXPECT_EQ(withdrawn_event->at("data").at("note"), "traffic has stopped");
  // The operator confirms with status 6 once its filters are gone.
  auto confirmed =
      node_->Client(telekom_token)
          ->Post("/api/v1/mitigations/" + long_requests[telekom] + "/status", {}, bj::object{{"status", 6}});
  ASSERT_TRUE(confirmed.has_value()) << confirmed.error().ToString();
  EXPECT_EQ(confirmed->at("state"), "terminated");

  CommandResult whole = aiip(victim_token, {"attack", "withdraw", long_case, "--json"});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  auto whole_json = json::ParseObject(whole.out);
  ASSERT_TRUE(whole_json.has_value()) << whole.out;
  EXPECT_EQ(whole_json->at("status"), "withdrawn");
  ASSERT_EQ(whole_json->at("mitigations").as_array().size(), 1u);
  EXPECT_EQ(whole_json->at("mitigations").at(0).at("responder").at("id"), bj::value(duty));
  RawResponse no_more =
      SendRaw(node_->url(), "POST", "/api/v1/attacks/" + long_case + "/sources",
              {{"Authorization", "Bearer " + victim_token}, {"Content-Type", "text/plain"}}, dt.v4[0] + "\n");
  EXPECT_EQ(no_more.status, 409) << no_more.body;
  RawResponse again = SendRaw(node_->url(), "POST", "/api/v1/attacks/" + long_case + "/withdraw",
                              {{"Authorization", "Bearer " + victim_token}}, "");
  EXPECT_EQ(again.status, 409) << again.body;
  auto shown = node_->Client(victim_token)->Get("/api/v1/attacks/" + long_case);
  ASSERT_TRUE(shown.has_value());
  EXPECT_EQ(shown->at("status"), "withdrawn");
}

TEST_P(ResponseE2ETest, ANodeWithoutALocationDatabaseRefusesAttributionClearly) {
  ASSERT_EQ(node_->Stop(), 0);
  node_->Start({"--location-db", "/nonexistent/location.db"});
  ASSERT_FALSE(HasFatalFailure());
  RawResponse r =
      SendRaw(node_->url(), "POST", "/api/v1/attribute",
              {{"Authorization", "Bearer " + node_->AdminToken()}, {"Content-Type", "application/json"}},
              R"({"addresses":["192.0.2.1"]})");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("attribution-unavailable"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("/nonexistent/location.db"), std::string::npos) << r.body;
  auto health = node_->Client()->Get("/api/v1/health");
  EXPECT_TRUE(health.has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, ResponseE2ETest, ::testing::ValuesIn(IntegrationBackends()),
                         [](const auto& param_info) { return BackendName(param_info.param); });

}  // namespace
}  // namespace aiip::testing
