// Webhooks: organisations register HTTPS (or, where allowed, HTTP) endpoints that receive
// the events addressed to them, and the dispatcher delivers each event to each of them
// until the receiver acknowledges it with a 2xx answer.
//
// Deliveries are durable: EventLog::Append records one pending delivery per matching
// webhook in the transaction of the event, so a crash loses none. The dispatcher sends
// due deliveries from a small pool of worker threads, signs each body with HMAC-SHA256
// under the webhook's secret (headers and signature scheme: doc/notify.md), and on failure
// retries with exponential back-off (first_backoff doubling up to max_backoff, with up to
// 10% jitter) until the event is older than the retry window; the delivery is then
// 'failed'. Delivery is at-least-once: a receiver deduplicates by `X-AIIP-Delivery`.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "store/store.h"

namespace aiip::notify {

struct Webhook {
  std::string id;
  std::string organisation;
  std::string url;
  std::vector<std::string> kinds;  // empty = every kind
  std::string created_at;
  bool disabled = false;
};

struct Delivery {
  int64_t event_seq = 0;
  std::string webhook;
  std::string state;  // pending | delivered | failed
  int64_t attempts = 0;
  std::string next_attempt_at;
  std::optional<std::string> last_attempt_at;
  std::optional<int64_t> last_status;
  std::optional<std::string> last_error;
  std::optional<std::string> delivered_at;
};

// Validates a webhook URL: absolute http(s) URL with a host, no userinfo, query or
// fragment; http only when `allow_http`. Returns InvalidArgument("invalid-value") naming
// `field` otherwise.
Status ValidateWebhookUrl(std::string_view url, bool allow_http, std::string_view field);

// Validates an event kind filter entry: lower-case letters, digits, '-' and '.', 1..64.
bool IsValidKind(std::string_view kind);

// A kinds filter as stored (webhooks, mail recipients): the kinds space-separated, "*" for
// every kind (an empty filter).
std::string JoinKinds(const std::vector<std::string>& kinds);
std::vector<std::string> SplitKinds(std::string_view text);

// Reads and writes webhook rows inside the caller's transactions.
Result<Webhook> InsertWebhook(store::Tx& tx, Webhook webhook, const std::string& secret);
Result<std::vector<Webhook>> ListWebhooks(store::Tx& tx, const std::optional<std::string>& organisation);
Result<Webhook> GetWebhook(store::Tx& tx, std::string_view id);
// Disables the webhook and cancels its pending deliveries (state 'failed', error "disabled").
Status DisableWebhook(store::Tx& tx, std::string_view id, std::string_view now);
// The webhook's deliveries with event_seq > after, in seq order, at most `limit`.
Result<std::vector<Delivery>> ListDeliveries(store::Tx& tx, std::string_view webhook, int64_t after,
                                             size_t limit);

// Headers AIIP puts on a delivery, and how the signature is computed: `X-AIIP-Signature`
// is "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<unix seconds>.<body>")>".
struct SignedDelivery {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};
SignedDelivery SignDelivery(std::string_view secret, int64_t unix_seconds, std::string_view delivery_id,
                            std::string_view kind, std::string body);
// Checks a signature header against the body as a receiver would: the MAC must match and
// the timestamp be within `tolerance` of `now_unix`. For tests and receivers written in C++.
bool VerifyDeliverySignature(std::string_view secret, std::string_view signature_header,
                             std::string_view body, int64_t now_unix, std::chrono::seconds tolerance);

// Sends one delivery: POST `body` to `url` with `headers`; returns the HTTP status, or a
// transport error. Called from several dispatcher threads at once.
using WebhookPoster = std::function<Result<int>(
    const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
    const std::string& body)>;

struct DispatcherOptions {
  // Posts in parallel: a receiver's round trip (TLS handshake included) is mostly waiting.
  int workers = 16;
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{std::chrono::hours(1)};
  std::chrono::milliseconds retry_window{std::chrono::hours(72)};
  std::chrono::milliseconds poll_interval{1000};  // also finds work queued by other nodes
  size_t batch = 64;                              // due deliveries claimed per scan
};

class WebhookDispatcher {
 public:
  // Starts the scanner and the workers. `store`, `clock` and `random` must outlive it.
  WebhookDispatcher(store::Store& store, const Clock& clock, Random& random, WebhookPoster poster,
                    DispatcherOptions options = {});
  // Stops: in-flight posts finish (bounded by the poster's own timeout), nothing new starts.
  ~WebhookDispatcher();
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  // New deliveries may be due; returns at once. Thread-safe.
  void Poke();
  void Stop();

  // Delay before attempt number `attempts + 1` after `attempts` failures, without jitter.
  static std::chrono::milliseconds Backoff(const DispatcherOptions& options, int64_t attempts);

 private:
  struct Job {
    int64_t event_seq;
    std::string webhook;
    std::string url;
    std::string secret;
    std::string kind;
    std::string event_json;
    std::string event_created_at;
    int64_t attempts;
  };
  // The row update that records one attempt (UPDATE parameters, in order).
  struct Outcome {
    int64_t event_seq;
    std::string webhook;
    std::vector<store::Value> update;
  };
  void Scan();
  void Work();
  // Records attempts in batches: a worker hands its outcome over and posts the next delivery
  // instead of waiting for its own fsync; the delivery stays in flight until recorded.
  void Record();
  bool StillDue(const Job& job);
  Outcome Attempt(const Job& job);

  store::Store& store_;
  const Clock& clock_;
  Random& random_;
  WebhookPoster poster_;
  const DispatcherOptions options_;

  std::mutex mu_;
  std::condition_variable scan_wake_;
  std::condition_variable work_wake_;
  std::condition_variable record_wake_;
  bool poked_ = false;
  bool stopping_ = false;
  bool workers_done_ = false;  // the recorder drains what they handed over, then stops
  std::deque<Job> queue_;
  std::vector<Outcome> outcomes_;                        // attempted, not yet recorded
  std::set<std::pair<int64_t, std::string>> in_flight_;  // queued, being attempted or recorded

  std::thread scanner_;
  std::vector<std::thread> workers_;
  std::thread recorder_;
};

}  // namespace aiip::notify
