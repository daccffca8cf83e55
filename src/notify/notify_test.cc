#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "common/time.h"
#include "notify/event_log.h"
#include "notify/stream_hub.h"
#include "notify/webhooks.h"
#include "store/testing/test_store.h"

namespace aiip::notify {
namespace {

using namespace std::chrono_literals;
using store::testing::Backend;

const SystemTime kStart = *ParseRfc3339("2026-11-29T10:00:00Z");

// Collects what a stream receives.
class RecordingSink final : public http::StreamSink {
 public:
  bool Push(std::string bytes) override {
    std::lock_guard lock(mu_);
    if (!open_) return false;
    received_ += bytes;
    return true;
  }
  void Close() override {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  bool Open() const override {
    std::lock_guard lock(mu_);
    return open_;
  }
  std::string Received() const {
    std::lock_guard lock(mu_);
    return received_;
  }
  // Waits until `text` has arrived (or 5 s).
  bool WaitFor(std::string_view text) const {
    for (int i = 0; i < 500; ++i) {
      if (Received().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  mutable std::mutex mu_;
  bool open_ = true;
  std::string received_;
};

class NotifyTest : public ::testing::TestWithParam<Backend> {
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

  Result<int64_t> Append(std::string recipient, std::string kind, std::string subject) {
    int64_t seq = 0;
    Status status = store_->Write([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(seq,
                            log_->Append(tx, EventDraft{recipient, kind, subject, {{"subject", subject}}}));
      return Status::Ok();
    });
    if (!status.ok()) {
      ADD_FAILURE() << "append failed: " << status.ToString();
      return Err(status);
    }
    return seq;
  }

  void AddWebhook(std::string id, std::string organisation, std::vector<std::string> kinds,
                  std::string secret, std::string url = "http://127.0.0.1:1/hook") {
    ASSERT_TRUE(
        store_
            ->Write([&](store::Tx& tx) {
              return StatusOf(InsertWebhook(
                  tx, Webhook{id, organisation, url, kinds, FormatRfc3339(clock_.Now()), false}, secret));
            })
            .ok());
  }

  std::vector<Delivery> Deliveries(std::string webhook) {
    std::vector<Delivery> out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      AIIP_ASSIGN_OR_RETURN(out, ListDeliveries(tx, webhook, 0, 100));
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }

  FakeClock clock_{kStart};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<EventLog> log_;
};

TEST_P(NotifyTest, AppendNumbersEventsInCommitOrderWithoutGaps) {
  EXPECT_EQ(Append("org_a", "vulnerability.alert", "vuln_1").value(), 1);
  // A write that fails after appending leaves no trace and no gap.
  Status failed = store_->Write([&](store::Tx& tx) -> Status {
    AIIP_RETURN_IF_ERROR(StatusOf(log_->Append(tx, EventDraft{"org_a", "x.y", "s", {}})));
    return InvalidArgument("test", "rolled back on purpose");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(Append("org_b", "vulnerability.alert", "vuln_2").value(), 2);
  EXPECT_EQ(Append(std::string(kEveryone), "node.notice", "n").value(), 3);
  EXPECT_EQ(log_->LastSeq().value(), 3);

  auto for_a = log_->Read("org_a", 0, 10).value();
  ASSERT_EQ(for_a.size(), 2u);  // its own and the broadcast
  EXPECT_EQ(for_a[0].seq, 1);
  EXPECT_EQ(for_a[1].seq, 3);
  EXPECT_EQ(log_->Read(std::nullopt, 1, 10).value().size(), 2u);
  EXPECT_EQ(for_a[0].ToJson().at("data").at("subject"), "vuln_1");
  EXPECT_TRUE(FormatServerSentEvent(for_a[0]).starts_with("id: 1\nevent: vulnerability.alert\ndata: {\"seq\":1,"));
}

TEST_P(NotifyTest, ConcurrentAppendsGetContiguousSeqs) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (!Append("org_a", "k.k", "s").has_value()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto events = log_->Read(std::nullopt, 0, 1000).value();
  ASSERT_EQ(events.size(), 200u);
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].seq, static_cast<int64_t>(i + 1));
}

TEST_P(NotifyTest, DeliveriesFollowRecipientKindsAndDisabling) {
  AddWebhook("whk_all", "org_a", {}, "s1");
  AddWebhook("whk_vuln", "org_a", {"vulnerability.alert"}, "s2");
  AddWebhook("whk_b", "org_b", {}, "s3");
  ASSERT_TRUE(Append("org_a", "vulnerability.alert", "v").has_value());
  ASSERT_TRUE(Append("org_a", "incident.warning", "i").has_value());
  ASSERT_TRUE(Append(std::string(kEveryone), "node.notice", "n").has_value());
  EXPECT_EQ(Deliveries("whk_all").size(), 3u);
  EXPECT_EQ(Deliveries("whk_vuln").size(), 1u);
  EXPECT_EQ(Deliveries("whk_b").size(), 1u);  // only the broadcast
  ASSERT_TRUE(
      store_->Write([&](store::Tx& tx) { return DisableWebhook(tx, "whk_all", "2026-11-29T10:00:01Z"); })
          .ok());
  ASSERT_TRUE(Append("org_a", "vulnerability.alert", "v2").has_value());
  auto all = Deliveries("whk_all");
  EXPECT_EQ(all.size(), 3u);
  for (const Delivery& d : all) EXPECT_EQ(d.state, "failed");
  EXPECT_EQ(Deliveries("whk_vuln").size(), 2u);
}

TEST_P(NotifyTest, StreamsGetLiveEventsInOrderAndReplayOnResume) {
  StreamHub hub(*log_, StreamHubOptions{50ms, 10s, 10'000});
  auto live = std::make_shared<RecordingSink>();
  hub.Subscribe(live, StreamFilter{"org_a", {}}, std::nullopt);
  auto vuln_only = std::make_shared<RecordingSink>();
  hub.Subscribe(vuln_only, StreamFilter{"org_a", {"vulnerability."}}, std::nullopt);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(Append("org_a", i % 2 ? "incident.warning" : "vulnerability.alert", "s").has_value());
  ASSERT_TRUE(Append("org_b", "vulnerability.alert", "other").has_value());
  hub.Poke();
  ASSERT_TRUE(live->WaitFor("id: 5\n"));
  std::string got = live->Received();
  for (int i = 1; i <= 5; ++i) {
    size_t at = got.find("id: " + std::to_string(i) + "\n");
    ASSERT_NE(at, std::string::npos);
    if (i > 1) {
      EXPECT_GT(at, got.find("id: " + std::to_string(i - 1) + "\n"));
    }
  }
  EXPECT_EQ(got.find("\"other\""), std::string::npos);  // org_b's event
  ASSERT_TRUE(vuln_only->WaitFor("id: 5\n"));
  EXPECT_EQ(vuln_only->Received().find("incident.warning"), std::string::npos);

  // A client that saw event 2 resumes: it gets 3, 4, 5 and then live events.
  auto resumed = std::make_shared<RecordingSink>();
  hub.Subscribe(resumed, StreamFilter{"org_a", {}}, 2);
  ASSERT_TRUE(resumed->WaitFor("id: 5\n"));
  EXPECT_EQ(resumed->Received().find("id: 2\n"), std::string::npos);
  EXPECT_NE(resumed->Received().find("id: 3\n"), std::string::npos);
  ASSERT_TRUE(Append("org_a", "vulnerability.alert", "later").has_value());
  hub.Poke();
  ASSERT_TRUE(resumed->WaitFor("id: 7\n"));
  // Closed streams are dropped.
  live->Close();
  ASSERT_TRUE(Append("org_a", "vulnerability.alert", "again").has_value());
  hub.Poke();
  ASSERT_TRUE(resumed->WaitFor("id: 8\n"));
  EXPECT_EQ(hub.StreamCount(), 2u);
  hub.Stop();
  EXPECT_FALSE(resumed->Open());
}

TEST_P(NotifyTest, ConfidentialEventsShowTheirDataToTheirRecipientOnly) {
  StreamHub hub(*log_, StreamHubOptions{50ms, 10s, 10'000});
  auto recipient = std::make_shared<RecordingSink>();
  hub.Subscribe(recipient, StreamFilter{"org_a", {}}, std::nullopt);
  auto everyone = std::make_shared<RecordingSink>();  // an administrator's ?all=true stream
  hub.Subscribe(everyone, StreamFilter{std::nullopt, {}}, std::nullopt);
  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) -> Status {
                    EventDraft draft{"org_a", "incident.warning", "inc_1", {{"secret", "kept national"}}};
                    draft.confidential = true;
                    AIIP_RETURN_IF_ERROR(StatusOf(log_->Append(tx, draft)));
                    return StatusOf(log_->Append(
                        tx, EventDraft{"org_a", "incident.warning", "inc_2", {{"open", "yes"}}}));
                  })
                  .ok());
  hub.Poke();
  ASSERT_TRUE(recipient->WaitFor("id: 2\n"));
  ASSERT_TRUE(everyone->WaitFor("id: 2\n"));
  EXPECT_NE(recipient->Received().find("kept national"), std::string::npos);
  EXPECT_EQ(everyone->Received().find("kept national"), std::string::npos);
  EXPECT_NE(everyone->Received().find("\"withheld\""), std::string::npos);
  EXPECT_NE(everyone->Received().find("\"open\":\"yes\""), std::string::npos);  // not confidential

  // The same on replay, and through Read + AsSeenBy as the inbox uses them.
  auto replayed = std::make_shared<RecordingSink>();
  hub.Subscribe(replayed, StreamFilter{std::nullopt, {}}, 0);
  ASSERT_TRUE(replayed->WaitFor("id: 2\n"));
  EXPECT_EQ(replayed->Received().find("kept national"), std::string::npos);
  auto all = log_->Read(std::nullopt, 0, 10);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_TRUE(all->at(0).confidential);
  EXPECT_EQ(all->at(0).AsSeenBy(std::nullopt).data.find("kept national"), std::string::npos);
  EXPECT_EQ(all->at(0).AsSeenBy(std::string("org_b")).data.find("kept national"), std::string::npos);
  EXPECT_NE(all->at(0).AsSeenBy(std::string("org_a")).data.find("kept national"), std::string::npos);
  hub.Stop();
}

TEST_P(NotifyTest, EventsCommittedElsewhereArriveByPolling) {
  StreamHub hub(*log_, StreamHubOptions{50ms, 10s, 10'000});
  auto sink = std::make_shared<RecordingSink>();
  hub.Subscribe(sink, StreamFilter{std::nullopt, {}}, std::nullopt);
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(Append("org_a", "vulnerability.alert", "s").has_value());  // no Poke
  EXPECT_TRUE(sink->WaitFor("id: 1\n"));
}

TEST_P(NotifyTest, DispatcherRetriesWithBackoffUntilAcknowledged) {
  AddWebhook("whk_1", "org_a", {}, "secret-1");
  std::mutex mu;
  std::vector<std::pair<std::vector<std::pair<std::string, std::string>>, std::string>> posts;
  std::atomic<int> answer{503};
  WebhookPoster poster = [&](const std::string& url,
                             const std::vector<std::pair<std::string, std::string>>& headers,
                             const std::string& body) -> Result<int> {
    EXPECT_EQ(url, "http://127.0.0.1:1/hook");
    std::lock_guard lock(mu);
    posts.emplace_back(headers, body);
    return answer.load();
  };
  SeededRandom random(7);
  DispatcherOptions options;
  options.workers = 2;
  options.first_backoff = 1000ms;
  options.poll_interval = 20ms;
  WebhookDispatcher dispatcher(*store_, clock_, random, poster, options);
  ASSERT_TRUE(Append("org_a", "vulnerability.alert", "vuln_9").has_value());
  dispatcher.Poke();

  auto wait_for = [&](auto predicate) {
    for (int i = 0; i < 500 && !predicate(); ++i) std::this_thread::sleep_for(10ms);
    return predicate();
  };
  ASSERT_TRUE(wait_for([&] { return Deliveries("whk_1")[0].attempts == 1; }));
  Delivery first = Deliveries("whk_1")[0];
  EXPECT_EQ(first.state, "pending");
  EXPECT_EQ(first.last_status, 503);
  // Not due yet: the fake clock has not moved, so nothing is retried.
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(Deliveries("whk_1")[0].attempts, 1);

  answer = 200;
  clock_.Advance(1200ms);  // past the first back-off (1 s plus at most 10% jitter)
  dispatcher.Poke();
  ASSERT_TRUE(wait_for([&] { return Deliveries("whk_1")[0].state == "delivered"; }));
  Delivery done = Deliveries("whk_1")[0];
  EXPECT_EQ(done.attempts, 2);
  EXPECT_EQ(done.last_status, 200);
  ASSERT_TRUE(done.delivered_at.has_value());

  std::lock_guard lock(mu);
  ASSERT_EQ(posts.size(), 2u);
  const auto& [headers, body] = posts.back();
  std::string signature;
  for (const auto& [name, value] : headers) {
    if (name == "X-AIIP-Signature") signature = value;
    if (name == "X-AIIP-Delivery") {
      EXPECT_EQ(value, "1.whk_1");
    }
    if (name == "X-AIIP-Event") {
      EXPECT_EQ(value, "vulnerability.alert");
    }
  }
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
  EXPECT_TRUE(VerifyDeliverySignature("secret-1", signature, body, now, 300s));
  EXPECT_FALSE(VerifyDeliverySignature("secret-2", signature, body, now, 300s));
  EXPECT_FALSE(VerifyDeliverySignature("secret-1", signature, body + " ", now, 300s));
  EXPECT_FALSE(VerifyDeliverySignature("secret-1", signature, body, now + 3600, 300s));
  EXPECT_EQ(boost::json::parse(body).at("data").at("subject"), "vuln_9");
}

TEST_P(NotifyTest, DeliveriesFailAfterTheRetryWindow) {
  AddWebhook("whk_1", "org_a", {}, "s");
  WebhookPoster poster = [](const std::string&, const std::vector<std::pair<std::string, std::string>>&,
                            const std::string&) -> Result<int> {
    return Err(Unavailable("connection refused"));
  };
  SeededRandom random(1);
  DispatcherOptions options;
  options.first_backoff = 1000ms;
  options.retry_window = 5000ms;
  options.poll_interval = 20ms;
  WebhookDispatcher dispatcher(*store_, clock_, random, poster, options);
  ASSERT_TRUE(Append("org_a", "k.k", "s").has_value());
  dispatcher.Poke();
  for (int round = 0; round < 10 && Deliveries("whk_1")[0].state == "pending"; ++round) {
    const int64_t before = Deliveries("whk_1")[0].attempts;
    for (int i = 0; i < 300 && Deliveries("whk_1")[0].attempts == before; ++i)
      std::this_thread::sleep_for(10ms);
    clock_.Advance(std::chrono::milliseconds(1100) * (1 << round));
    dispatcher.Poke();
  }
  Delivery d = Deliveries("whk_1")[0];
  EXPECT_EQ(d.state, "failed");
  EXPECT_GE(d.attempts, 2);
  EXPECT_EQ(d.last_error, "connection refused");
}

TEST(WebhookBackoff, DoublesUpToTheCap) {
  DispatcherOptions options;
  options.first_backoff = 1000ms;
  options.max_backoff = 8000ms;
  EXPECT_EQ(WebhookDispatcher::Backoff(options, 1), 1000ms);
  EXPECT_EQ(WebhookDispatcher::Backoff(options, 2), 2000ms);
  EXPECT_EQ(WebhookDispatcher::Backoff(options, 4), 8000ms);
  EXPECT_EQ(WebhookDispatcher::Backoff(options, 60), 8000ms);
}

TEST(WebhookUrl, Validation) {
  EXPECT_TRUE(ValidateWebhookUrl("https://soc.example.org/aiip/hook", false, "/url").ok());
  EXPECT_TRUE(ValidateWebhookUrl("http://127.0.0.1:9000/hook", true, "/url").ok());
  EXPECT_EQ(ValidateWebhookUrl("http://127.0.0.1:9000/hook", false, "/url").field(), "/url");
  EXPECT_FALSE(ValidateWebhookUrl("ftp://x/y", true, "/url").ok());
  EXPECT_FALSE(ValidateWebhookUrl("https://user:pw@x/y", true, "/url").ok());
  EXPECT_FALSE(ValidateWebhookUrl("https://x/y?token=1", true, "/url").ok());
  EXPECT_FALSE(ValidateWebhookUrl("/relative", true, "/url").ok());
  EXPECT_TRUE(IsValidKind("vulnerability.alert"));
  EXPECT_FALSE(IsValidKind("Vulnerability"));
  EXPECT_FALSE(IsValidKind("a b"));
}

INSTANTIATE_TEST_SUITE_P(Backends, NotifyTest, ::testing::ValuesIn(store::testing::TestBackends()),
                         [](const auto& param_info) {
                           return store::testing::BackendName(param_info.param);
                         });

}  // namespace
}  // namespace aiip::notify
