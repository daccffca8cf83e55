// End-to-end test of e-mail delivery on a real aiipd, on SQLite and on PostgreSQL, against a
// real SMTP server (aiosmtpd from Debian's python3-aiosmtpd, writing a Maildir):
//  - organisations of three States: a bank (DE) reports, a CSIRT (NL) has a mail recipient
//    and an early-warning subscription with the channel "email", another CSIRT (IT) has a
//    mail recipient but the default channels (stream, webhook): only NL gets mail;
//  - the message that arrives has the RFC 5322 headers (Date, From, To, Subject with the
//    kind, report id and TLP, Message-ID, MIME text/plain UTF-8 quoted-printable) and a body
//    with the summary and the event JSON, which carries the sanitised report: none of the
//    planted sensitive values, all of the attacker indicators;
//  - the delivery record says delivered with reply 250; other organisations cannot read it;
//  - with the relay down a delivery stays pending with the error, and is delivered once the
//    relay is back; the CLI lists recipients and deliveries; bad addresses are refused;
//  - a vulnerability alert is mailed for the inventory subscribed with "email" only;
//  - STARTTLS: a relay whose certificate the configured CA does not sign gets nothing (the
//    delivery stays pending with the certificate error); after a restart with the right CA
//    the pending delivery goes out;
//  - implicit TLS (smtps://) with the relay's certificate verified;
//  - SMTP AUTH over STARTTLS (tests/integration/smtp_auth_relay.py): a wrong password is a
//    535 and the delivery fails at once; the right one, read from smtp_password_file, works;
//  - aiipd refuses to start on bad smtp_* settings.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "common/encoding.h"
#include "common/json.h"
#include "tests/integration/harness.h"

namespace aiip::testing {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool Accepts(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return ok;
}

// aiosmtpd on 127.0.0.1:port storing what it receives in a Maildir; can be stopped and
// started again on the same port (the relay going down and coming back).
class SmtpServer {
 public:
  // `extra` are more aiosmtpd arguments (e.g. --tlscert/--tlskey for STARTTLS).
  // With `script`, runs `python3 SCRIPT PORT MAILDIR EXTRA...` instead of aiosmtpd's command.
  explicit SmtpServer(std::vector<std::string> extra = {}, std::string script = "")
      : port_(FreePort()), extra_(std::move(extra)), script_(std::move(script)) {
    char pattern[] = "/tmp/aiip-maildir-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    // Python's mailbox.Maildir creates new/, cur/ and tmp/ only in a directory it creates.
    maildir_ = dir_ + "/Maildir";
  }
  ~SmtpServer() {
    Stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void Start() {
    ASSERT_EQ(pid_, -1);
    const std::string listen = "127.0.0.1:" + std::to_string(port_);
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      // Debian's interpreter, where python3-aiosmtpd is installed (not one earlier in PATH).
      std::vector<std::string> args{"python3", "-m", "aiosmtpd", "-n", "-l", listen};
      args.insert(args.end(), extra_.begin(), extra_.end());
      args.insert(args.end(), {"-c", "aiosmtpd.handlers.Mailbox", maildir_});
      if (!script_.empty()) {
        args = {"python3", script_, std::to_string(port_), maildir_};
        args.insert(args.end(), extra_.begin(), extra_.end());
      }
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv("/usr/bin/python3", argv.data());
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!Accepts(port_)) {
      int status = 0;
      ASSERT_EQ(::waitpid(pid_, &status, WNOHANG), 0) << "aiosmtpd exited (is python3-aiosmtpd installed?)";
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "aiosmtpd does not listen";
      std::this_thread::sleep_for(50ms);
    }
  }

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    while (Accepts(port_)) std::this_thread::sleep_for(20ms);
  }

  std::string relay(std::string_view scheme = "smtp") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_);
  }

  // The messages delivered so far (Maildir new/), in no particular order.
  std::vector<std::string> Messages() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::path(maildir_) / "new", ec)) {
      out.push_back(ReadFile(entry.path()));
    }
    return out;
  }
  bool WaitForMessages(size_t count, std::chrono::milliseconds timeout = 30s) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Messages().size() >= count) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

 private:
  uint16_t port_;
  std::vector<std::string> extra_;
  std::string script_;
  std::string dir_;
  std::string maildir_;
  pid_t pid_ = -1;
};

// A message as a reader sees it: unfolded headers (last value wins for the few the relay
// adds twice, which AIIP never does) and the body with quoted-printable decoded.
struct ReadMessage {
  std::multimap<std::string, std::string> headers;
  std::string body;

  std::string Header(const std::string& name) const {
    auto it = headers.find(Lower(name));
    return it == headers.end() ? "" : it->second;
  }
  size_t Count(const std::string& name) const { return headers.count(Lower(name)); }
};

ReadMessage Parse(std::string text) {
  // Maildir files may hold LF or CRLF line ends depending on the writer.
  std::string normal;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    normal += text[i];
  }
  ReadMessage message;
  const size_t end = normal.find("\n\n");
  EXPECT_NE(end, std::string::npos);
  std::string last;
  std::istringstream head(normal.substr(0, end));
  for (std::string line; std::getline(head, line);) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      auto it = message.headers.find(last);
      if (it != message.headers.end()) it->second += line;
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    last = Lower(line.substr(0, colon));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    message.headers.emplace(last, value);
  }
  const std::string encoded = normal.substr(end + 2);
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '=' && i + 1 < encoded.size() && encoded[i + 1] == '\n') {
      ++i;
    } else if (encoded[i] == '=' && i + 2 < encoded.size()) {
      message.body += static_cast<char>(std::stoi(encoded.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      message.body += encoded[i];
    }
  }
  return message;
}

struct Party {
  std::string organisation;
  std::string member;
  std::string token;
  std::unique_ptr<client::HttpClient> client;
};

class MailE2ETest : public ::testing::TestWithParam<Backend> {
 protected:
  void StartNode(const std::string& relay) {
    node_ = std::make_unique<NodeProcess>(GetParam());
    node_->Start({"--smtp-relay", relay, "--smtp-from", "aiip@node.example.org"});
    if (HasFatalFailure()) return;
    admin_ = node_->Client();
  }

  Party AddParty(const std::string& name, const std::string& kind, const std::string& state,
                 const std::string& member_name) {
    Party p;
    auto org = admin_->Post("/api/v1/organisations", {},
                            bj::object{{"name", name}, {"kind", kind}, {"state", state}});
    EXPECT_TRUE(org.has_value()) << org.error().ToString();
    if (!org) return p;
    p.organisation = std::string(org->at("id").as_string());
    auto member = admin_->Post("/api/v1/members", {},
                               bj::object{{"organisation", p.organisation},
                                          {"name", member_name},
                                          {"roles", bj::array{"analyst", "org-admin"}}});
    EXPECT_TRUE(member.has_value()) << member.error().ToString();
    if (!member) return p;
    p.member = std::string(member->at("id").as_string());
    auto token = admin_->Post("/api/v1/tokens", {}, bj::object{{"member", member->at("id")}});
    EXPECT_TRUE(token.has_value()) << token.error().ToString();
    if (!token) return p;
    p.token = std::string(token->at("token").as_string());
    p.client = node_->Client(p.token);
    return p;
  }

  RawResponse Send(const std::string& token, const std::string& method, const std::string& target,
                   const std::string& body = "") {
    std::map<std::string, std::string> headers{{"Authorization", "Bearer " + token}};
    if (!body.empty()) headers["Content-Type"] = "application/json";
    return SendRaw(node_->url(), method, target, headers, body);
  }

  std::string AddRecipient(const Party& p, const bj::object& body) {
    auto created = p.client->Post("/api/v1/mail-recipients", {}, body);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    if (!created) return "";
    EXPECT_FALSE(created->as_object().contains("note")) << "the node has a relay";
    return std::string(created->at("id").as_string());
  }

  bj::array Deliveries(const Party& p, const std::string& recipient) {
    RawResponse r = Send(p.token, "GET", "/api/v1/mail-recipients/" + recipient + "/deliveries");
    EXPECT_EQ(r.status, 200) << r.body;
    auto parsed = json::ParseObject(r.body);
    if (!parsed) return {};
    return parsed->at("items").as_array();
  }

  // Waits until `predicate(deliveries)` holds (or 40 s); returns the last deliveries read.
  template <typename Predicate>
  bj::array WaitForDeliveries(const Party& p, const std::string& recipient, Predicate predicate) {
    const auto deadline = std::chrono::steady_clock::now() + 40s;
    bj::array items = Deliveries(p, recipient);
    while (!predicate(items) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
      items = Deliveries(p, recipient);
    }
    return items;
  }

  std::string Submit(const Party& p, const bj::object& report) {
    RawResponse r = Send(p.token, "POST", "/api/v1/incidents", bj::serialize(report));
    EXPECT_EQ(r.status, 201) << r.body;
    auto parsed = json::ParseObject(r.body);
    if (!parsed) return "";
    return std::string(parsed->at("id").as_string());
  }

  std::unique_ptr<NodeProcess> node_;
  std::unique_ptr<client::HttpClient> admin_;
};

struct Planted {
  bj::object report;
  std::vector<std::string> planted, attacker;
};

Planted LoadPlanted(const std::string& name) {
  auto file = json::ParseObject(ReadFile(SourcePath("tests/data/incidents/sanitiser/" + name)));
  EXPECT_TRUE(file.has_value()) << name;
  Planted p;
  if (!file) return p;
  p.report = file->at("report").as_object();
  p.report["sanitiser_rules"] = file->at("rules");
  for (const bj::value& v : file->at("planted").as_array()) p.planted.emplace_back(v.as_string());
  for (const bj::value& v : file->at("attacker").as_array()) p.attacker.emplace_back(v.as_string());
  return p;
}

TEST_P(MailE2ETest, IncidentWarningsArriveByMailSanitisedAndSurviveTheRelayGoingDown) {
  SmtpServer smtp;
  smtp.Start();
  ASSERT_FALSE(HasFatalFailure());
  StartNode(smtp.relay());
  ASSERT_FALSE(HasFatalFailure());
  Party bank = AddParty("Clearing Bank AG", "company", "DE", "Jana Beispiel");
  Party cert_nl = AddParty("CERT-NL-MAIL", "csirt", "NL", "Duty analyst NL");
  Party csirt_it = AddParty("CSIRT-IT-MAIL", "csirt", "IT", "Duty analyst IT");
  ASSERT_FALSE(HasFailure());

  // Addresses are checked before anything is stored; the error names the field.
  for (const char* bad : {"soc@localhost", "soc@example.org\r\nBcc: x@example.org",
                          "s\xc3\xb6"
                          "c@example.org",
                          "no-at-sign.example.org"}) {
    RawResponse r =
        Send(cert_nl.token, "POST", "/api/v1/mail-recipients", bj::serialize(bj::object{{"address", bad}}));
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_NE(r.body.find("\"/address\""), std::string::npos) << r.body;
  }
  const std::string nl_mailbox = AddRecipient(cert_nl, bj::object{{"address", "soc@cert.example.nl"}});
  const std::string nl_alerts_only = AddRecipient(
      cert_nl, bj::object{{"address", "vuln@cert.example.nl"}, {"kinds", bj::array{"vulnerability.alert"}}});
  const std::string it_mailbox = AddRecipient(csirt_it, bj::object{{"address", "soc@csirt.example.it"}});
  RawResponse duplicate = Send(cert_nl.token, "POST", "/api/v1/mail-recipients",
                               bj::serialize(bj::object{{"address", "SOC@cert.example.nl"}}));
  EXPECT_EQ(duplicate.status, 409) << duplicate.body;
  ASSERT_FALSE(HasFailure());

  auto nl_subscription = cert_nl.client->Post("/api/v1/incident-subscriptions", {},
                                              bj::object{{"channels", bj::array{"stream", "email"}}});
  ASSERT_TRUE(nl_subscription.has_value()) << nl_subscription.error().ToString();
  EXPECT_EQ(nl_subscription->at("channels"), (bj::array{"email", "stream"}));
  auto it_subscription = csirt_it.client->Post("/api/v1/incident-subscriptions", {}, bj::object{});
  ASSERT_TRUE(it_subscription.has_value()) << it_subscription.error().ToString();
  EXPECT_EQ(it_subscription->at("channels"), (bj::array{"stream", "webhook"}));
  RawResponse bad_channel = Send(cert_nl.token, "POST", "/api/v1/incident-subscriptions",
                                 bj::serialize(bj::object{{"channels", bj::array{"email", "fax"}}}));
  EXPECT_EQ(bad_channel.status, 400) << bad_channel.body;
  EXPECT_NE(bad_channel.body.find("/channels/1"), std::string::npos) << bad_channel.body;

  Planted ddos = LoadPlanted("bank-ddos.json");
  ddos.report["tlp"] = "GREEN";
  ddos.report.erase("sharing_groups");
  std::vector<std::string> planted = ddos.planted;
  planted.push_back(bank.organisation);
  planted.push_back(bank.member);
  planted.push_back("Clearing Bank AG");
  const std::string report = Submit(bank, ddos.report);
  ASSERT_FALSE(report.empty());

  ASSERT_TRUE(smtp.WaitForMessages(1)) << node_->Log();
  std::this_thread::sleep_for(500ms);  // anything that should not come has had time to
  std::vector<std::string> messages = smtp.Messages();
  ASSERT_EQ(messages.size(), 1u);
  const std::string raw = messages[0];
  const ReadMessage mail = Parse(raw);
  EXPECT_EQ(mail.Header("From"), "AIIP node <aiip@node.example.org>");
  EXPECT_EQ(mail.Header("To"), "<soc@cert.example.nl>");
  EXPECT_EQ(mail.Header("Subject"), "[AIIP] incident.warning: " + report + " (TLP:GREEN)");
  EXPECT_EQ(mail.Header("MIME-Version"), "1.0");
  EXPECT_EQ(mail.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(mail.Header("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(mail.Header("Auto-Submitted"), "auto-generated");
  EXPECT_EQ(mail.Header("X-AIIP-Event"), "incident.warning");
  EXPECT_EQ(mail.Count("Date"), 1u);
  EXPECT_EQ(mail.Count("Message-ID"), 1u);
  EXPECT_TRUE(mail.Header("Date").ends_with(" +0000")) << mail.Header("Date");
  const std::string seq = mail.Header("X-AIIP-Event-Seq");
  EXPECT_EQ(mail.Header("Message-ID"), "<" + seq + "." + nl_mailbox + "@node.example.org>");
  EXPECT_EQ(mail.Header("X-MailFrom"), "aiip@node.example.org");  // the envelope, as aiosmtpd saw it
  EXPECT_EQ(mail.Header("X-RcptTo"), "soc@cert.example.nl");

  // The body: a summary, then the event JSON with the sanitised report.
  EXPECT_NE(mail.body.find("AIIP event " + seq + ": incident.warning"), std::string::npos) << mail.body;
  EXPECT_NE(mail.body.find("  report: " + report + "\n"), std::string::npos) << mail.body;
  EXPECT_NE(mail.body.find("  tlp: GREEN\n"), std::string::npos) << mail.body;
  const size_t json_at = mail.body.find("The event as JSON:\n\n");
  ASSERT_NE(json_at, std::string::npos) << mail.body;
  auto event = json::ParseObject(mail.body.substr(json_at + 20));
  ASSERT_TRUE(event.has_value()) << event.error().ToString() << "\n" << mail.body;
  EXPECT_EQ(event->at("kind"), "incident.warning");
  EXPECT_EQ(event->at("recipient"), bj::value(cert_nl.organisation));
  EXPECT_EQ(event->at("data").at("report"), bj::value(report));
  auto seen_by_nl = cert_nl.client->Get("/api/v1/incidents/" + report);
  ASSERT_TRUE(seen_by_nl.has_value()) << seen_by_nl.error().ToString();
  EXPECT_EQ(event->at("data").at("incident"), seen_by_nl->at("report"))
      << "the mail does not carry the sanitised report as the API shows it";
  const std::string lower_raw = Lower(raw + mail.body);
  size_t checked = 0;
  for (const std::string& value : planted) {
    EXPECT_EQ(lower_raw.find(Lower(value)), std::string::npos) << "'" << value << "' leaked into the mail";
    ++checked;
  }
  EXPECT_GT(checked, 10u);
  for (const std::string& value : ddos.attacker) {
    if (value.starts_with("[") || value.starts_with("cpe:") || value.find(':') == 2) continue;
    EXPECT_NE(mail.body.find(value), std::string::npos) << value << " missing from the mail";
  }

  // Delivery records: delivered with the relay's 250; none for recipients that did not ask.
  bj::array delivered =
      WaitForDeliveries(cert_nl, nl_mailbox, [](const bj::array& items) { return items.size() == 1; });
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].at("state"), "delivered");
  EXPECT_EQ(delivered[0].at("attempts"), 1);
  EXPECT_EQ(delivered[0].at("last_reply"), 250);
  EXPECT_EQ(delivered[0].at("last_error"), nullptr);
  EXPECT_EQ(std::to_string(delivered[0].at("event_seq").as_int64()), seq);
  EXPECT_TRUE(Deliveries(cert_nl, nl_alerts_only).empty());
  EXPECT_TRUE(Deliveries(csirt_it, it_mailbox).empty());
  // Another organisation's records are not there for it.
  EXPECT_EQ(Send(csirt_it.token, "GET", "/api/v1/mail-recipients/" + nl_mailbox + "/deliveries").status, 404);
  EXPECT_EQ(Send(csirt_it.token, "DELETE", "/api/v1/mail-recipients/" + nl_mailbox).status, 404);
  auto listed = csirt_it.client->Get("/api/v1/mail-recipients");
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->at("items").as_array().size(), 1u);
  EXPECT_EQ(listed->at("items").at(0).at("address"), "soc@csirt.example.it");

  // The relay goes down: the next warning waits, pending, with the error recorded.
  smtp.Stop();
  Planted second = LoadPlanted("bank-ddos.json");
  second.report["tlp"] = "GREEN";
  second.report.erase("sharing_groups");
  second.report["title"] = "Second wave against online banking";
  const std::string second_report = Submit(bank, second.report);
  bj::array waiting = WaitForDeliveries(cert_nl, nl_mailbox, [](const bj::array& items) {
    return items.size() == 2 && items[1].at("attempts").as_int64() >= 1;
  });
  ASSERT_EQ(waiting.size(), 2u);
  EXPECT_EQ(waiting[1].at("state"), "pending");
  EXPECT_EQ(waiting[1].at("last_reply"), nullptr);
  ASSERT_TRUE(waiting[1].at("last_error").is_string());
  EXPECT_NE(waiting[1].at("last_error").as_string().find("connect"), bj::string::npos) << waiting[1];
  EXPECT_TRUE(waiting[1].at("next_attempt_at").is_string());

  // The relay is back: the retry delivers it.
  smtp.Start();
  ASSERT_FALSE(HasFatalFailure());
  bj::array retried = WaitForDeliveries(cert_nl, nl_mailbox, [](const bj::array& items) {
    return items.size() == 2 && items[1].at("state") == "delivered";
  });
  ASSERT_EQ(retried.size(), 2u);
  EXPECT_EQ(retried[1].at("state"), "delivered") << retried[1];
  EXPECT_GE(retried[1].at("attempts").as_int64(), 2);
  EXPECT_EQ(retried[1].at("last_reply"), 250);
  ASSERT_TRUE(smtp.WaitForMessages(2));
  std::set<std::string> subjects;
  for (const std::string& m : smtp.Messages()) subjects.insert(Parse(m).Header("Subject"));
  EXPECT_TRUE(subjects.contains("[AIIP] incident.warning: " + second_report + " (TLP:GREEN)"));

  // The command line shows the same records.
  auto aiip = [&](const Party& p, std::vector<std::string> args) {
    args.insert(args.begin(), {BinaryPath("aiip").string(), "--server", node_->url()});
    return RunCommand(args, {{"AIIP_TOKEN", p.token}});
  };
  CommandResult list = aiip(cert_nl, {"mailbox", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("soc@cert.example.nl"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("vuln@cert.example.nl"), std::string::npos) << list.out;
  CommandResult records = aiip(cert_nl, {"mailbox", "deliveries", nl_mailbox, "--json"});
  ASSERT_EQ(records.exit_code, 0) << records.err;
  EXPECT_NE(records.out.find("\"delivered\""), std::string::npos) << records.out;
  CommandResult added =
      aiip(csirt_it, {"mailbox", "add", "duty@csirt.example.it", "--kind", "incident.warning"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  CommandResult refused = aiip(csirt_it, {"mailbox", "add", "duty@@csirt.example.it"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("/address"), std::string::npos) << refused.err;
  CommandResult deleted = aiip(cert_nl, {"mailbox", "delete", nl_alerts_only});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  auto after_delete = cert_nl.client->Get("/api/v1/mail-recipients");
  ASSERT_TRUE(after_delete.has_value());
  for (const bj::value& r : after_delete->at("items").as_array()) {
    EXPECT_EQ(r.at("disabled"), r.at("id") == bj::value(nl_alerts_only)) << r;
  }
}

TEST_P(MailE2ETest, VulnerabilityAlertsAreMailedOnlyForSubscriptionsWithTheEmailChannel) {
  SmtpServer smtp;
  smtp.Start();
  ASSERT_FALSE(HasFatalFailure());
  StartNode(smtp.relay());
  ASSERT_FALSE(HasFatalFailure());
  Party holder = AddParty("Gin Users Ltd", "company", "SE", "Gin analyst");
  ASSERT_FALSE(HasFailure());
  const std::string mailbox = AddRecipient(holder, bj::object{{"address", "alerts@gin-users.example.se"}});
  // Two inventories holding gin v1.4.0 (GO-2020-0001: before 1.6.0): one subscribed by
  // e-mail, one with the default channels.
  std::vector<std::string> inventories;
  for (const char* name : {"mailed", "streamed"}) {
    auto inventory = holder.client->Post(
        "/api/v1/inventories", {},
        bj::object{{"name", name}, {"purls", bj::array{"pkg:golang/github.com/gin-gonic/gin@v1.4.0"}}});
    ASSERT_TRUE(inventory.has_value()) << inventory.error().ToString();
    inventories.emplace_back(inventory->at("id").as_string());
  }
  auto mailed =
      holder.client->Post("/api/v1/subscriptions", {},
                          bj::object{{"inventory", inventories[0]}, {"channels", bj::array{"email"}}});
  ASSERT_TRUE(mailed.has_value()) << mailed.error().ToString();
  EXPECT_EQ(mailed->at("channels"), (bj::array{"email"}));
  auto streamed = holder.client->Post("/api/v1/subscriptions", {}, bj::object{{"inventory", inventories[1]}});
  ASSERT_TRUE(streamed.has_value()) << streamed.error().ToString();
  EXPECT_EQ(streamed->at("channels"), (bj::array{"stream", "webhook"}));

  RawResponse ingested = SendRaw(node_->url(), "POST", "/api/v1/advisories",
                                 {{"Authorization", "Bearer " + node_->AdminToken()},
                                  {"Content-Type", "application/json"},
                                  {"X-AIIP-Source-Name", "e2e"}},
                                 ReadFile(SourcePath("../shared/data/advisories/osv-go/GO-2020-0001.json")));
  ASSERT_EQ(ingested.status, 201) << ingested.body;
  EXPECT_NE(ingested.body.find("\"alerts\":2"), std::string::npos) << ingested.body;

  ASSERT_TRUE(smtp.WaitForMessages(1)) << node_->Log();
  std::this_thread::sleep_for(500ms);
  const std::vector<std::string> messages = smtp.Messages();
  ASSERT_EQ(messages.size(), 1u);
  const ReadMessage mail = Parse(messages[0]);
  EXPECT_EQ(mail.Header("Subject"), "[AIIP] vulnerability.alert: " + inventories[0]);
  EXPECT_EQ(mail.Header("To"), "<alerts@gin-users.example.se>");
  EXPECT_NE(mail.body.find("GO-2020-0001"), std::string::npos) << mail.body;
  EXPECT_NE(mail.body.find("CVE-2020-36567"), std::string::npos) << mail.body;
  bj::array records =
      WaitForDeliveries(holder, mailbox, [](const bj::array& items) { return items.size() == 1; });
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("state"), "delivered");
}

// A self-signed certificate for 127.0.0.1 made with the openssl command: {cert, key}.
std::pair<std::string, std::string> SelfSigned(const std::string& dir, const std::string& name) {
  const std::string cert = dir + "/" + name + ".pem";
  const std::string key = dir + "/" + name + ".key";
  CommandResult made =
      RunCommand({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
                  cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"});
  EXPECT_EQ(made.exit_code, 0) << made.err;
  return {cert, key};
}

TEST_P(MailE2ETest, StartTlsIsUsedAndTheRelayCertificateVerifiedAcrossARestart) {
  char pattern[] = "/tmp/aiip-mailtls-XXXXXX";
  const std::string dir = ::mkdtemp(pattern);
  auto [relay_cert, relay_key] = SelfSigned(dir, "relay");
  auto [other_cert, other_key] = SelfSigned(dir, "other");
  ASSERT_FALSE(HasFailure());
  // aiosmtpd refuses MAIL before STARTTLS (require_starttls is its default with a certificate).
  SmtpServer smtp({"--tlscert", relay_cert, "--tlskey", relay_key});
  smtp.Start();
  ASSERT_FALSE(HasFatalFailure());
  node_ = std::make_unique<NodeProcess>(GetParam());
  const std::vector<std::string> common{"--smtp-relay", smtp.relay(), "--smtp-from", "aiip@node.example.org",
                                        "--smtp-starttls"};
  std::vector<std::string> wrong_ca = common;
  wrong_ca.insert(wrong_ca.end(), {"--smtp-ca-file", other_cert});
  node_->Start(wrong_ca);
  ASSERT_FALSE(HasFatalFailure());
  admin_ = node_->Client();
  Party bank = AddParty("TLS Bank", "company", "DE", "TLS reporter");
  Party cert_nl = AddParty("TLS CERT", "csirt", "NL", "TLS analyst");
  ASSERT_FALSE(HasFailure());
  const std::string mailbox = AddRecipient(cert_nl, bj::object{{"address", "tls@cert.example.nl"}});
  ASSERT_TRUE(
      cert_nl.client->Post("/api/v1/incident-subscriptions", {}, bj::object{{"channels", bj::array{"email"}}})
          .has_value());
  Planted ddos = LoadPlanted("bank-ddos.json");
  ddos.report["tlp"] = "GREEN";
  ddos.report.erase("sharing_groups");
  const std::string report = Submit(bank, ddos.report);

  // The relay's certificate is not signed by the configured CA: nothing is sent.
  bj::array refused = WaitForDeliveries(cert_nl, mailbox, [](const bj::array& items) {
    return items.size() == 1 && items[0].at("attempts").as_int64() >= 1;
  });
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].at("state"), "pending");
  ASSERT_TRUE(refused[0].at("last_error").is_string());
  EXPECT_NE(Lower(std::string(refused[0].at("last_error").as_string())).find("certificate"),
            std::string::npos)
      << refused[0];
  EXPECT_TRUE(smtp.Messages().empty());

  // Restarted with the relay's own certificate as CA: the pending delivery survives and goes.
  EXPECT_EQ(node_->Stop(), 0);
  std::vector<std::string> right_ca = common;
  right_ca.insert(right_ca.end(), {"--smtp-ca-file", relay_cert});
  node_->Start(right_ca);
  ASSERT_FALSE(HasFatalFailure());
  bj::array delivered = WaitForDeliveries(cert_nl, mailbox, [](const bj::array& items) {
    return items.size() == 1 && items[0].at("state") == "delivered";
  });
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].at("state"), "delivered") << delivered[0];
  EXPECT_EQ(delivered[0].at("last_reply"), 250);
  ASSERT_TRUE(smtp.WaitForMessages(1));
  const ReadMessage mail = Parse(smtp.Messages()[0]);
  EXPECT_EQ(mail.Header("Subject"), "[AIIP] incident.warning: " + report + " (TLP:GREEN)");
  EXPECT_EQ(mail.Header("X-RcptTo"), "tls@cert.example.nl");
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST_P(MailE2ETest, ImplicitTlsRelaysAreReachedWithSmtps) {
  char pattern[] = "/tmp/aiip-mailsmtps-XXXXXX";
  const std::string dir = ::mkdtemp(pattern);
  auto [relay_cert, relay_key] = SelfSigned(dir, "relay");
  ASSERT_FALSE(HasFailure());
  SmtpServer smtp({"--smtpscert", relay_cert, "--smtpskey", relay_key});
  smtp.Start();
  ASSERT_FALSE(HasFatalFailure());
  node_ = std::make_unique<NodeProcess>(GetParam());
  node_->Start({"--smtp-relay", smtp.relay("smtps"), "--smtp-from", "aiip@node.example.org", "--smtp-ca-file",
                relay_cert});
  ASSERT_FALSE(HasFatalFailure());
  admin_ = node_->Client();
  Party bank = AddParty("SMTPS Bank", "company", "DE", "SMTPS reporter");
  Party cert_nl = AddParty("SMTPS CERT", "csirt", "NL", "SMTPS analyst");
  ASSERT_FALSE(HasFailure());
  const std::string mailbox = AddRecipient(cert_nl, bj::object{{"address", "tls@cert.example.nl"}});
  ASSERT_TRUE(
      cert_nl.client->Post("/api/v1/incident-subscriptions", {}, bj::object{{"channels", bj::array{"email"}}})
          .has_value());
  Planted ddos = LoadPlanted("bank-ddos.json");
  ddos.report["tlp"] = "GREEN";
  ddos.report.erase("sharing_groups");
  const std::string report = Submit(bank, ddos.report);
  ASSERT_TRUE(smtp.WaitForMessages(1)) << node_->Log();
  EXPECT_EQ(Parse(smtp.Messages()[0]).Header("Subject"),
            "[AIIP] incident.warning: " + report + " (TLP:GREEN)");
  bj::array delivered = WaitForDeliveries(cert_nl, mailbox, [](const bj::array& items) {
    return items.size() == 1 && items[0].at("state") == "delivered";
  });
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].at("last_reply"), 250);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST_P(MailE2ETest, SmtpAuthUsesThePasswordFileAndARefusedLoginFailsAtOnce) {
  char pattern[] = "/tmp/aiip-mailauth-XXXXXX";
  const std::string dir = ::mkdtemp(pattern);
  auto [relay_cert, relay_key] = SelfSigned(dir, "relay");
  ASSERT_FALSE(HasFailure());
  SmtpServer smtp({relay_cert, relay_key, "aiip-node", "correct horse battery"},
                  SourcePath("tests/integration/smtp_auth_relay.py").string());
  smtp.Start();
  ASSERT_FALSE(HasFatalFailure());
  const std::string wrong = dir + "/wrong.pw";
  const std::string right = dir + "/right.pw";
  std::ofstream(wrong) << "tr0ub4dor&3\n";
  std::ofstream(right) << "correct horse battery\n";  // the line break is no part of it
  auto args = [&](const std::string& password_file) {
    return std::vector<std::string>{
        "--smtp-relay",    smtp.relay(),           "--smtp-from", "aiip@node.example.org",
        "--smtp-starttls", "--smtp-ca-file",       relay_cert,    "--smtp-username",
        "aiip-node",       "--smtp-password-file", password_file};
  };
  node_ = std::make_unique<NodeProcess>(GetParam());
  node_->Start(args(wrong));
  ASSERT_FALSE(HasFatalFailure());
  admin_ = node_->Client();
  Party bank = AddParty("AUTH Bank", "company", "DE", "AUTH reporter");
  Party cert_nl = AddParty("AUTH CERT", "csirt", "NL", "AUTH analyst");
  ASSERT_FALSE(HasFailure());
  const std::string mailbox = AddRecipient(cert_nl, bj::object{{"address", "auth@cert.example.nl"}});
  ASSERT_TRUE(
      cert_nl.client->Post("/api/v1/incident-subscriptions", {}, bj::object{{"channels", bj::array{"email"}}})
          .has_value());
  Planted ddos = LoadPlanted("bank-ddos.json");
  ddos.report["tlp"] = "GREEN";
  ddos.report.erase("sharing_groups");
  Submit(bank, ddos.report);

  // 535 (authentication failed) is permanent: failed after one attempt, nothing stored.
  bj::array refused = WaitForDeliveries(cert_nl, mailbox, [](const bj::array& items) {
    return items.size() == 1 && items[0].at("state") == "failed";
  });
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].at("state"), "failed") << refused[0];
  EXPECT_EQ(refused[0].at("attempts"), 1);
  EXPECT_EQ(refused[0].at("last_reply"), 535);
  EXPECT_TRUE(smtp.Messages().empty());

  EXPECT_EQ(node_->Stop(), 0);
  node_->Start(args(right));
  ASSERT_FALSE(HasFatalFailure());
  ddos.report["title"] = "Second wave";
  const std::string second = Submit(bank, ddos.report);
  bj::array delivered = WaitForDeliveries(cert_nl, mailbox, [](const bj::array& items) {
    return items.size() == 2 && items[1].at("state") == "delivered";
  });
  ASSERT_EQ(delivered.size(), 2u);
  EXPECT_EQ(delivered[1].at("state"), "delivered") << delivered[1];
  EXPECT_EQ(delivered[1].at("last_reply"), 250);
  ASSERT_TRUE(smtp.WaitForMessages(1));
  EXPECT_EQ(Parse(smtp.Messages()[0]).Header("Subject"),
            "[AIIP] incident.warning: " + second + " (TLP:GREEN)");
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST(MailConfiguration, ANodeRefusesToStartWithABadSmtpConfiguration) {
  char pattern[] = "/tmp/aiip-mailcfg-XXXXXX";
  const std::string dir = ::mkdtemp(pattern);
  const std::vector<std::string> base{BinaryPath("aiipd").string(), "--data-dir", dir, "--listen",
                                      "127.0.0.1:0"};
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCommand(args);
  };
  // The configuration's own checks: exit 2 before anything is opened.
  CommandResult no_from = run({"--smtp-relay", "smtp://127.0.0.1:1"});
  EXPECT_EQ(no_from.exit_code, 2) << no_from.err;
  EXPECT_NE(no_from.err.find("smtp_from"), std::string::npos) << no_from.err;
  CommandResult cleartext = run({"--smtp-relay", "smtp://127.0.0.1:1", "--smtp-from", "aiip@node.example.org",
                                 "--smtp-username", "aiip", "--smtp-password-file", "/etc/hostname"});
  EXPECT_EQ(cleartext.exit_code, 2) << cleartext.err;
  EXPECT_NE(cleartext.err.find("unencrypted"), std::string::npos) << cleartext.err;
  // The node's full address check (RFC 5321): exit 1, naming the key, nothing listening.
  CommandResult bad_from = run({"--smtp-relay", "smtp://127.0.0.1:1", "--smtp-from", "aiip@localhost"});
  EXPECT_EQ(bad_from.exit_code, 1) << bad_from.err;
  EXPECT_NE(bad_from.err.find("smtp_from"), std::string::npos) << bad_from.err;
  EXPECT_FALSE(fs::exists(fs::path(dir) / "aiip.db")) << "the store was opened before the check";
  std::error_code ec;
  fs::remove_all(dir, ec);
}

INSTANTIATE_TEST_SUITE_P(Backends, MailE2ETest, ::testing::ValuesIn(IntegrationBackends()),
                         [](const auto& param_info) { return BackendName(param_info.param); });

}  // namespace
}  // namespace aiip::testing
