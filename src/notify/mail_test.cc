#include "notify/mail.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/encoding.h"
#include "common/json.h"
#include "common/time.h"
#include "notify/event_log.h"
#include "notify/mail_message.h"
#include "notify/mail_smtp.h"
#include "store/testing/test_store.h"

namespace aiip::notify {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;
using store::testing::Backend;

const SystemTime kStart = *ParseRfc3339("2026-11-29T10:00:00Z");

// Decodes quoted-printable as a mail reader would (RFC 2045 §6.7), CRLF to "\n".
std::string DecodeQuotedPrintable(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '=' && i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') {
      i += 2;
    } else if (text[i] == '=' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      out += '\n';
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The lines of `text` split at CRLF; fails the test on a bare CR or LF.
std::vector<std::string> CrlfLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find("\r\n", start);
    EXPECT_NE(end, std::string_view::npos) << "unterminated last line";
    if (end == std::string_view::npos) break;
    std::string line(text.substr(start, end - start));
    EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos) << "bare CR or LF in: " << line;
    lines.push_back(std::move(line));
    start = end + 2;
  }
  return lines;
}

// Unfolds the headers of a message into name -> value (encoded-words decoded).
std::map<std::string, std::string> Headers(std::string_view message, std::string* body = nullptr) {
  std::map<std::string, std::string> headers;
  const size_t end = message.find("\r\n\r\n");
  EXPECT_NE(end, std::string_view::npos);
  std::string last;
  for (const std::string& line : CrlfLines(message.substr(0, end + 2))) {
    if (line.starts_with(' ')) {
      headers[last] += line;
      continue;
    }
    const size_t colon = line.find(':');
    EXPECT_NE(colon, std::string::npos) << line;
    last = line.substr(0, colon);
    EXPECT_FALSE(headers.contains(last)) << "duplicate header " << last;
    headers[last] = line.substr(colon + 2);
  }
  for (auto& [name, value] : headers) {
    std::string decoded;
    size_t at = 0;
    bool encoded = false;
    while (true) {
      size_t open = value.find("=?UTF-8?B?", at);
      if (open == std::string::npos) break;
      encoded = true;
      size_t close = value.find("?=", open + 10);
      decoded += *Base64Decode(value.substr(open + 10, close - open - 10));
      at = close + 2;
    }
    if (encoded) value = decoded;
  }
  if (body != nullptr) *body = std::string(message.substr(end + 4));
  return headers;
}

TEST(MailAddress, CasesFromFile) {
  std::ifstream in(AIIP_SOURCE_DIR "/tests/data/mail/addresses.json", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  auto file = json::ParseObject(text.str());
  ASSERT_TRUE(file.has_value()) << file.error().ToString();
  size_t valid = 0, invalid = 0;
  for (const bj::value& item : file->at("cases").as_array()) {
    const std::string address(item.at("address").as_string());
    Status status = ValidateMailAddress(address, "/address");
    if (const bj::value* error = item.as_object().if_contains("error")) {
      ++invalid;
      ASSERT_FALSE(status.ok()) << "accepted: " << address;
      EXPECT_EQ(status.type(), "invalid-value");
      EXPECT_EQ(status.field(), "/address");
      EXPECT_NE(status.detail().find(std::string(error->as_string())), std::string::npos)
          << address << ": " << status.detail();
    } else {
      ++valid;
      EXPECT_TRUE(status.ok()) << address << ": " << status.ToString();
    }
  }
  EXPECT_GE(valid, 10u);
  EXPECT_GE(invalid, 25u);
}

TEST(MailMessage, DateAndMessageId) {
  EXPECT_EQ(FormatMailDate(*ParseRfc3339("2026-11-29T09:29:01.999Z")), "Sun, 29 Nov 2026 09:29:01 +0000");
  EXPECT_EQ(FormatMailDate(*ParseRfc3339("2024-02-29T23:59:59Z")), "Thu, 29 Feb 2024 23:59:59 +0000");
  EXPECT_EQ(MailMessageId(42, "mrc_01ABC", "aiip@node.example.org"), "42.mrc_01ABC@node.example.org");
  EXPECT_EQ(MailMessageId(7, "mrc_X", "\"a@b\"@example.org"), "7.mrc_X@example.org");
  EXPECT_EQ(MailMessageId(7, "mrc_X", "aiip@[192.0.2.1]"), "7.mrc_X@aiip.invalid");
}

TEST(MailMessage, HeadersRefuseControlCharactersAndEncodeOtherText) {
  auto plain = UnstructuredHeader("Subject", "[AIIP] incident.warning: inc_1");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(*plain, "Subject: [AIIP] incident.warning: inc_1\r\n");
  for (std::string_view bad : std::initializer_list<std::string_view>{
           "a\r\nBcc: x@example.org", "a\nb", "a\rb", std::string_view("a\0b", 3), "tab\there", "del\x7f"}) {
    auto refused = UnstructuredHeader("Subject", bad);
    ASSERT_FALSE(refused.has_value()) << bad;
    EXPECT_EQ(refused.error().type(), "header-injection");
  }
  EXPECT_FALSE(UnstructuredHeader("Subject", "\xc3\x28").has_value());      // invalid UTF-8
  EXPECT_FALSE(UnstructuredHeader("Subject", "\xe0\x80\xaf").has_value());  // overlong '/'

  const std::string utf8 =
      "Warnung: Angriff auf Kl\xc3\xbc"
      "ft \xe2\x80\x94 \xe6\x94\xbb\xe6\x92\x83 " +
      std::string(60, 'x');
  auto encoded = UnstructuredHeader("Subject", utf8);
  ASSERT_TRUE(encoded.has_value());
  for (const std::string& line : CrlfLines(*encoded)) {
    EXPECT_LE(line.size(), 85u) << line;
    for (char c : line) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << line;
  }
  EXPECT_EQ(Headers(*encoded + "\r\n").at("Subject"), utf8);

  // Long ASCII is folded at spaces and reads back the same once unfolded.
  std::string words;
  for (int i = 0; i < 30; ++i) words += (i ? " " : "") + std::string("word") + std::to_string(i);
  auto folded = UnstructuredHeader("Subject", words);
  ASSERT_TRUE(folded.has_value());
  std::vector<std::string> lines = CrlfLines(*folded);
  EXPECT_GT(lines.size(), 2u);
  std::string unfolded;
  for (const std::string& line : lines) {
    EXPECT_LE(line.size(), 78u);
    unfolded += line;
  }
  EXPECT_EQ(unfolded, "Subject: " + words);
  // Text that would read as an encoded-word is itself encoded.
  auto tricky = UnstructuredHeader("Subject", "=?UTF-8?B?QQ==?=");
  ASSERT_TRUE(tricky.has_value());
  EXPECT_EQ(Headers(*tricky + "\r\n").at("Subject"), "=?UTF-8?B?QQ==?=");
}

TEST(MailMessage, QuotedPrintableRoundTripsWithinLineLimits) {
  const std::string text = "plain line\n.leading dot\ntrailing space \ntab\tinside\n= sign\n" +
                           std::string(200, 'y') + "\nUTF-8: \xc3\xa9\xe2\x82\xac\n\n" +
                           std::string(80, '.') + "\nend";
  const std::string encoded = QuotedPrintable(text);
  for (const std::string& line : CrlfLines(encoded)) {
    EXPECT_LE(line.size(), 76u) << line;
    EXPECT_FALSE(line.starts_with('.')) << line;
    EXPECT_FALSE(line.ends_with(' ') || line.ends_with('\t')) << line;
    for (char c : line) EXPECT_TRUE((c >= 0x20 && c < 0x7f) || c == '\t') << line;
  }
  EXPECT_EQ(DecodeQuotedPrintable(encoded), text + "\n");
}

Event SampleEvent() {
  bj::object data{{"report", "inc_01KX"},
                  {"tlp", "GREEN"},
                  {"sector", "finance"},
                  {"indicators", bj::array{"45.155.205.17", "evil.example"}},
                  {"incident", bj::object{{"title", "DDoS on online banking \xe2\x80\x94 wave 2"}}}};
  return Event{42, "2026-11-29T09:29:01.080Z", "org_nl", "incident.warning", "inc_01KX", bj::serialize(data)};
}

TEST(MailMessage, RendersAnRfc5322MessageWithSummaryAndJson) {
  const Event event = SampleEvent();
  auto message = RenderMailMessage(MailMessage{"aiip@node.example.org", "soc@cert.example.nl",
                                               "42.mrc_1@node.example.org", kStart, event});
  ASSERT_TRUE(message.has_value()) << message.error().ToString();
  for (char c : *message) ASSERT_TRUE((c >= 0x20 && c < 0x7f) || c == '\r' || c == '\n') << int(c);
  std::string body;
  auto headers = Headers(*message, &body);
  EXPECT_EQ(headers.at("Date"), "Sun, 29 Nov 2026 10:00:00 +0000");
  EXPECT_EQ(headers.at("From"), "AIIP node <aiip@node.example.org>");
  EXPECT_EQ(headers.at("To"), "<soc@cert.example.nl>");
  EXPECT_EQ(headers.at("Subject"), "[AIIP] incident.warning: inc_01KX (TLP:GREEN)");
  EXPECT_EQ(headers.at("Message-ID"), "<42.mrc_1@node.example.org>");
  EXPECT_EQ(headers.at("MIME-Version"), "1.0");
  EXPECT_EQ(headers.at("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(headers.at("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(headers.at("Auto-Submitted"), "auto-generated");
  EXPECT_EQ(headers.at("X-AIIP-Event"), "incident.warning");
  EXPECT_EQ(headers.at("X-AIIP-Event-Seq"), "42");

  const std::string text = DecodeQuotedPrintable(body);
  EXPECT_EQ(text, MailBodyText(event) + "\n");
  EXPECT_NE(text.find("AIIP event 42: incident.warning"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  tlp: GREEN\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  indicators: 45.155.205.17, evil.example\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  incident: (an object with 1 fields; see the JSON below)"), std::string::npos)
      << text;
  // The JSON part parses back to the event's JSON form.
  const size_t json_at = text.find("The event as JSON:\n\n");
  ASSERT_NE(json_at, std::string::npos);
  auto parsed = json::Parse(text.substr(json_at + 20));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(*parsed, bj::value(event.ToJson()));
  EXPECT_NE(text.find("\n  \"seq\": 42,\n"), std::string::npos) << "not pretty-printed: " << text;
}

TEST(MailMessage, RefusesWhatWouldInjectHeaders) {
  Event event = SampleEvent();
  event.subject = "inc_1\r\nBcc: everyone@example.org";
  auto refused = RenderMailMessage(
      MailMessage{"aiip@node.example.org", "soc@cert.example.nl", "1.mrc_1@node.example.org", kStart, event});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().type(), "header-injection");

  auto bad_to = RenderMailMessage(MailMessage{"aiip@node.example.org", "soc@cert.example.nl>\r\nBcc: x@y.org",
                                              "1.mrc_1@node.example.org", kStart, SampleEvent()});
  ASSERT_FALSE(bad_to.has_value());
  EXPECT_EQ(bad_to.error().field(), "to");

  auto bad_id = RenderMailMessage(
      MailMessage{"aiip@node.example.org", "soc@cert.example.nl", "1.mrc>\r\nX: y", kStart, SampleEvent()});
  ASSERT_FALSE(bad_id.has_value());
  EXPECT_EQ(bad_id.error().type(), "header-injection");

  // A TLP value carrying a line break is refused too: it ends up in the Subject.
  Event tlp = SampleEvent();
  tlp.data = bj::serialize(bj::object{{"tlp", "RED\r\nBcc: x@example.org"}});
  EXPECT_FALSE(
      RenderMailMessage(MailMessage{"aiip@node.example.org", "soc@cert.example.nl", "1.m@x.org", kStart, tlp})
          .has_value());
}

TEST(SmtpRelay, Validation) {
  EXPECT_TRUE(ValidateSmtpRelay("smtp://mail.example.org:587", "smtp_relay").ok());
  EXPECT_TRUE(ValidateSmtpRelay("smtps://mail.example.org", "smtp_relay").ok());
  EXPECT_TRUE(ValidateSmtpRelay("smtp://127.0.0.1:2525/", "smtp_relay").ok());
  EXPECT_EQ(ValidateSmtpRelay("https://mail.example.org", "smtp_relay").field(), "smtp_relay");
  EXPECT_FALSE(ValidateSmtpRelay("smtp://user:pw@mail.example.org", "smtp_relay").ok());
  EXPECT_FALSE(ValidateSmtpRelay("smtp://mail.example.org/path", "smtp_relay").ok());
  EXPECT_FALSE(ValidateSmtpRelay("smtp://mail.example.org?x=1", "smtp_relay").ok());
  EXPECT_FALSE(ValidateSmtpRelay("mail.example.org:25", "smtp_relay").ok());

  auto cleartext = MakeSmtpSender(SmtpOptions{"smtp://mail.example.org", false, "", "user", "pw"});
  ASSERT_FALSE(cleartext.has_value());
  EXPECT_EQ(cleartext.error().field(), "smtp_username");
  EXPECT_TRUE(MakeSmtpSender(SmtpOptions{"smtp://mail.example.org", true, "", "user", "pw"}).has_value());
  EXPECT_TRUE(MakeSmtpSender(SmtpOptions{"smtps://mail.example.org", false, "", "user", "pw"}).has_value());
}

TEST(SmtpRelay, AnUnreachableRelayIsAnErrorWithoutReply) {
  // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
  SmtpOptions options;
  options.relay = "smtp://127.0.0.1:1";
  auto sender = MakeSmtpSender(options);
  ASSERT_TRUE(sender.has_value());
  MailOutcome outcome =
      (*sender)(MailEnvelope{"aiip@node.example.org", "soc@cert.example.nl", "Subject: x\r\n\r\nx\r\n"});
  EXPECT_EQ(outcome.reply, 0);
  EXPECT_FALSE(outcome.error.empty());
}

class MailDispatchTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto store = store::testing::OpenTestStore(GetParam());
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store);
    log_ = std::make_unique<EventLog>(*store_, clock_);
    for (const char* org : {"org_a", "org_b"}) {
      ASSERT_TRUE(
          store_
              ->Write([&](store::Tx& tx) {
                return tx.Exec(
                    "INSERT INTO organisations (id, name, kind, state, scope, created_at, updated_at, "
                    "version) VALUES (?, ?, 'csirt', NULL, 'node', ?, ?, 1)",
                    {std::string(org), std::string(org), FormatRfc3339(kStart), FormatRfc3339(kStart)});
              })
              .ok());
    }
  }

  Status AddRecipient(std::string id, std::string organisation, std::string address,
                      std::vector<std::string> kinds = {}) {
    return store_->Write([&](store::Tx& tx) {
      return StatusOf(InsertMailRecipient(
          tx, MailRecipient{id, organisation, address, kinds, FormatRfc3339(clock_.Now()), false}));
    });
  }

  int64_t Append(EventDraft draft) {
    int64_t seq = 0;
    Status status = store_->Write([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(seq, log_->Append(tx, draft));
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return seq;
  }

  std::vector<MailDelivery> Deliveries(std::string recipient) {
    std::vector<MailDelivery> out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      AIIP_ASSIGN_OR_RETURN(out, ListMailDeliveries(tx, recipient, 0, 100));
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }

  template <typename Predicate>
  static bool WaitFor(Predicate predicate) {
    for (int i = 0; i < 500 && !predicate(); ++i) std::this_thread::sleep_for(10ms);
    return predicate();
  }

  FakeClock clock_{kStart};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<EventLog> log_;
};

TEST_P(MailDispatchTest, DeliveriesFollowTheEmailFlagKindsRecipientAndDisabling) {
  ASSERT_TRUE(AddRecipient("mrc_all", "org_a", "soc@a.example.org").ok());
  ASSERT_TRUE(AddRecipient("mrc_warn", "org_a", "warn@a.example.org", {"incident.warning"}).ok());
  ASSERT_TRUE(AddRecipient("mrc_b", "org_b", "soc@b.example.org").ok());
  // The same address twice for one organisation is a conflict, whatever its case.
  Status duplicate = AddRecipient("mrc_dup", "org_a", "SOC@a.example.org");
  EXPECT_EQ(duplicate.code(), Code::kConflict);
  EXPECT_EQ(duplicate.field(), "/address");
  ASSERT_TRUE(AddRecipient("mrc_b2", "org_b", "soc@a.example.org").ok());  // another organisation may

  Append(EventDraft{"org_a", "incident.warning", "inc_1", {}});
  Append(EventDraft{"org_a", "vulnerability.alert", "inv_1", {}});
  EventDraft quiet{"org_a", "incident.warning", "inc_2", {}};
  quiet.email = false;
  Append(quiet);
  Append(EventDraft{std::string(kEveryone), "incident.warning", "inc_3", {}});
  EXPECT_EQ(Deliveries("mrc_all").size(), 2u);
  ASSERT_EQ(Deliveries("mrc_warn").size(), 1u);
  EXPECT_EQ(Deliveries("mrc_warn")[0].event_seq, 1);
  EXPECT_TRUE(Deliveries("mrc_b").empty());

  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) {
                    return DisableMailRecipient(tx, "mrc_all", "2026-11-29T10:00:01.000Z");
                  })
                  .ok());
  for (const MailDelivery& d : Deliveries("mrc_all")) {
    EXPECT_EQ(d.state, "failed");
    EXPECT_EQ(d.last_error, "mail recipient disabled");
  }
  Append(EventDraft{"org_a", "incident.warning", "inc_4", {}});
  EXPECT_EQ(Deliveries("mrc_all").size(), 2u);
  // A disabled address may be registered again.
  EXPECT_TRUE(AddRecipient("mrc_again", "org_a", "soc@a.example.org").ok());
}

TEST_P(MailDispatchTest, RetriesTransientFailuresAndGivesUpOnPermanentOnes) {
  ASSERT_TRUE(AddRecipient("mrc_1", "org_a", "soc@a.example.org").ok());
  ASSERT_TRUE(AddRecipient("mrc_2", "org_b", "noone@b.example.org").ok());
  std::mutex mu;
  std::vector<MailEnvelope> sent;
  std::atomic<bool> relay_up{false};
  MailSender sender = [&](const MailEnvelope& envelope) {
    std::lock_guard lock(mu);
    sent.push_back(envelope);
    if (envelope.to == "noone@b.example.org") return MailOutcome{550, "RCPT failed: 550 no such user"};
    if (!relay_up) return MailOutcome{0, "Couldn't connect to server"};
    return MailOutcome{250, ""};
  };
  SeededRandom random(3);
  DispatcherOptions options;
  options.workers = 2;
  options.first_backoff = 1000ms;
  options.poll_interval = 20ms;
  MailDispatcher dispatcher(*store_, clock_, random, "aiip@node.example.org", sender, options);
  const int64_t a = Append(EventDraft{"org_a", "incident.warning", "inc_1", {{"tlp", "AMBER"}}});
  Append(EventDraft{"org_b", "incident.warning", "inc_1", {}});
  dispatcher.Poke();

  ASSERT_TRUE(WaitFor([&] { return Deliveries("mrc_1")[0].attempts == 1; }));
  ASSERT_TRUE(WaitFor([&] { return Deliveries("mrc_2")[0].attempts == 1; }));
  MailDelivery pending = Deliveries("mrc_1")[0];
  EXPECT_EQ(pending.state, "pending");
  EXPECT_EQ(pending.last_reply, std::nullopt);
  EXPECT_EQ(pending.last_error, "Couldn't connect to server");
  MailDelivery refused = Deliveries("mrc_2")[0];
  EXPECT_EQ(refused.state, "failed");  // 5xx: permanent, not retried
  EXPECT_EQ(refused.last_reply, 550);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(Deliveries("mrc_1")[0].attempts, 1);  // the clock has not reached the back-off

  relay_up = true;
  clock_.Advance(1200ms);
  dispatcher.Poke();
  ASSERT_TRUE(WaitFor([&] { return Deliveries("mrc_1")[0].state == "delivered"; }));
  MailDelivery done = Deliveries("mrc_1")[0];
  EXPECT_EQ(done.attempts, 2);
  EXPECT_EQ(done.last_reply, 250);
  EXPECT_EQ(done.last_error, std::nullopt);
  EXPECT_TRUE(done.delivered_at.has_value());
  EXPECT_EQ(Deliveries("mrc_2")[0].attempts, 1);

  std::lock_guard lock(mu);
  ASSERT_EQ(sent.size(), 3u);
  std::vector<std::string> ids;
  for (const MailEnvelope& e : sent) {
    EXPECT_EQ(e.from, "aiip@node.example.org");
    if (e.to != "soc@a.example.org") continue;
    auto headers = Headers(e.message);
    EXPECT_EQ(headers.at("Subject"), "[AIIP] incident.warning: inc_1 (TLP:AMBER)");
    EXPECT_EQ(headers.at("To"), "<soc@a.example.org>");
    ids.push_back(headers.at("Message-ID"));
  }
  // Every attempt of one delivery carries the same Message-ID.
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_EQ(ids[0], "<" + std::to_string(a) + ".mrc_1@node.example.org>");
}

TEST_P(MailDispatchTest, TransientFailuresFailAfterTheRetryWindow) {
  ASSERT_TRUE(AddRecipient("mrc_1", "org_a", "soc@a.example.org").ok());
  MailSender sender = [](const MailEnvelope&) { return MailOutcome{421, "service not available"}; };
  SeededRandom random(1);
  DispatcherOptions options;
  options.first_backoff = 1000ms;
  options.retry_window = 5000ms;
  options.poll_interval = 20ms;
  MailDispatcher dispatcher(*store_, clock_, random, "aiip@node.example.org", sender, options);
  Append(EventDraft{"org_a", "k.k", "s", {}});
  dispatcher.Poke();
  for (int round = 0; round < 10 && Deliveries("mrc_1")[0].state == "pending"; ++round) {
    const int64_t before = Deliveries("mrc_1")[0].attempts;
    for (int i = 0; i < 300 && Deliveries("mrc_1")[0].attempts == before; ++i)
      std::this_thread::sleep_for(10ms);
    clock_.Advance(std::chrono::milliseconds(1100) * (1 << round));
    dispatcher.Poke();
  }
  MailDelivery d = Deliveries("mrc_1")[0];
  EXPECT_EQ(d.state, "failed");
  EXPECT_GE(d.attempts, 2);
  EXPECT_EQ(d.last_reply, 421);
}

TEST_P(MailDispatchTest, AMessageThatCannotBeRenderedFailsAtOnceWithoutBeingSent) {
  // Stored without the API's check (e.g. by an older node): the dispatcher still refuses it.
  ASSERT_TRUE(AddRecipient("mrc_bad", "org_a", "soc@localhost").ok());
  std::atomic<int> sends{0};
  MailSender sender = [&](const MailEnvelope&) {
    ++sends;
    return MailOutcome{250, ""};
  };
  SeededRandom random(5);
  DispatcherOptions options;
  options.poll_interval = 20ms;
  MailDispatcher dispatcher(*store_, clock_, random, "aiip@node.example.org", sender, options);
  Append(EventDraft{"org_a", "incident.warning", "inc_1", {}});
  dispatcher.Poke();
  ASSERT_TRUE(WaitFor([&] { return Deliveries("mrc_bad")[0].state == "failed"; }));
  MailDelivery d = Deliveries("mrc_bad")[0];
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.last_reply, std::nullopt);
  ASSERT_TRUE(d.last_error.has_value());
  EXPECT_TRUE(d.last_error->starts_with("cannot render the message: e-mail address:")) << *d.last_error;
  EXPECT_EQ(sends.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, MailDispatchTest, ::testing::ValuesIn(store::testing::TestBackends()),
                         [](const auto& param_info) {
                           return store::testing::BackendName(param_info.param);
                         });

}  // namespace
}  // namespace aiip::notify
