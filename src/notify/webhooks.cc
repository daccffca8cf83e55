#include "notify/webhooks.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cassert>
#include <cstring>

#include "common/encoding.h"
#include "common/log.h"
#include "common/time.h"
#include "common/words.h"
#include "crypto/hmac.h"
#include "notify/event_log.h"

namespace aiip::notify {

namespace {

constexpr std::string_view kWebhookColumns = "id, organisation, url, kinds, created_at, disabled";

Webhook WebhookFromRow(const store::Row& row) {
  return Webhook{row.Text(0), row.Text(1),    row.Text(2), SplitKinds(row.Text(3)),
                 row.Text(4), row.Int(5) != 0};
}

std::string Signature(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  std::string message = std::to_string(unix_seconds);
  message += '.';
  message += body;
  return HexEncode(crypto::HmacSha256(secret, message));
}

int64_t UnixSeconds(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

Status ValidateWebhookUrl(std::string_view url, bool allow_http, std::string_view field) {
  auto bad = [&](std::string why) {
    return InvalidArgument("invalid-value", "webhook url " + why, std::string(field));
  };
  if (url.size() > 2048) return bad("is longer than 2048 bytes");
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return bad("is not an absolute URL");
  std::string scheme = std::string(parsed->scheme());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (scheme != "https" && scheme != "http") return bad("must use https");
  if (scheme == "http" && !allow_http) return bad("must use https (plain http is not allowed on this node)");
  if (!parsed->has_authority() || parsed->encoded_host().empty()) return bad("has no host");
  if (parsed->has_userinfo()) return bad("must not carry credentials");
  if (parsed->has_query() || parsed->has_fragment()) return bad("must not have a query or fragment");
  return Status::Ok();
}

std::string JoinKinds(const std::vector<std::string>& kinds) {
  return kinds.empty() ? "*" : JoinWords(kinds);
}

std::vector<std::string> SplitKinds(std::string_view text) {
  return text == "*" ? std::vector<std::string>() : SplitWords(text);
}

bool IsValidKind(std::string_view kind) {
  if (kind.empty() || kind.size() > 64) return false;
  return std::all_of(kind.begin(), kind.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

Result<Webhook> InsertWebhook(store::Tx& tx, Webhook webhook, const std::string& secret) {
  AIIP_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO webhooks (id, organisation, url, secret, kinds, created_at, disabled) VALUES (?, "
              "?, ?, ?, ?, ?, ?)",
              {webhook.id, webhook.organisation, webhook.url, secret, JoinKinds(webhook.kinds),
               webhook.created_at, int64_t{webhook.disabled ? 1 : 0}}));
  return webhook;
}

Result<std::vector<Webhook>> ListWebhooks(store::Tx& tx, const std::optional<std::string>& organisation) {
  std::string sql = "SELECT " + std::string(kWebhookColumns) + " FROM webhooks";
  std::vector<store::Value> params;
  if (organisation) {
    sql += " WHERE organisation = ?";
    params.emplace_back(*organisation);
  }
  sql += " ORDER BY id";
  AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(sql, params));
  std::vector<Webhook> out;
  out.reserve(rows.size());
  for (const store::Row& row : rows) out.push_back(WebhookFromRow(row));
  return out;
}

Result<Webhook> GetWebhook(store::Tx& tx, std::string_view id) {
  AIIP_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query("SELECT " + std::string(kWebhookColumns) + " FROM webhooks WHERE id = ?", {std::string(id)}));
  if (rows.empty()) return Err(NotFound("no webhook " + std::string(id)));
  return WebhookFromRow(rows[0]);
}

Status DisableWebhook(store::Tx& tx, std::string_view id, std::string_view now) {
  AIIP_RETURN_IF_ERROR(tx.Exec("UPDATE webhooks SET disabled = 1 WHERE id = ?", {std::string(id)}));
  return tx.Exec(
      "UPDATE deliveries SET state = 'failed', last_error = 'webhook disabled', last_attempt_at = ? "
      "WHERE webhook = ? AND state = 'pending'",
      {std::string(now), std::string(id)});
}

Result<std::vector<Delivery>> ListDeliveries(store::Tx& tx, std::string_view webhook, int64_t after,
                                             size_t limit) {
  AIIP_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query("SELECT event_seq, webhook, state, attempts, next_attempt_at, last_attempt_at, last_status, "
               "last_error, delivered_at FROM deliveries WHERE webhook = ? AND event_seq > ? "
               "ORDER BY event_seq LIMIT ?",
               {std::string(webhook), after, static_cast<int64_t>(limit)}));
  std::vector<Delivery> out;
  out.reserve(rows.size());
  for (const store::Row& row : rows) {
    out.push_back(Delivery{row.Int(0), row.Text(1), row.Text(2), row.Int(3), row.Text(4), row.OptionalText(5),
                           row.OptionalInt(6), row.OptionalText(7), row.OptionalText(8)});
  }
  return out;
}

SignedDelivery SignDelivery(std::string_view secret, int64_t unix_seconds, std::string_view delivery_id,
                            std::string_view kind, std::string body) {
  SignedDelivery out;
  out.headers = {
      {"X-AIIP-Event", std::string(kind)},
      {"X-AIIP-Delivery", std::string(delivery_id)},
      {"X-AIIP-Signature",
       "t=" + std::to_string(unix_seconds) + ",v1=" + Signature(secret, unix_seconds, body)},
  };
  out.body = std::move(body);
  return out;
}

bool VerifyDeliverySignature(std::string_view secret, std::string_view signature_header,
                             std::string_view body, int64_t now_unix, std::chrono::seconds tolerance) {
  // "t=<digits>,v1=<64 hex>"
  if (!signature_header.starts_with("t=")) return false;
  size_t comma = signature_header.find(",v1=");
  if (comma == std::string_view::npos || comma == 2 || comma > 2 + 19) return false;
  std::string_view t_text = signature_header.substr(2, comma - 2);
  if (!std::all_of(t_text.begin(), t_text.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  const int64_t t = std::stoll(std::string(t_text));
  if (t < now_unix - tolerance.count() || t > now_unix + tolerance.count()) return false;
  auto given = HexDecode(signature_header.substr(comma + 4));
  if (!given || given->size() != crypto::kSha256Size) return false;
  crypto::Sha256Digest given_digest;
  std::memcpy(given_digest.data(), given->data(), given_digest.size());
  std::string message = std::string(t_text) + "." + std::string(body);
  return crypto::DigestsEqual(crypto::HmacSha256(secret, message), given_digest);
}

std::chrono::milliseconds WebhookDispatcher::Backoff(const DispatcherOptions& options, int64_t attempts) {
  std::chrono::milliseconds delay = options.first_backoff;
  for (int64_t i = 1; i < attempts && delay < options.max_backoff; ++i) delay *= 2;
  return std::min(delay, options.max_backoff);
}

WebhookDispatcher::WebhookDispatcher(store::Store& store, const Clock& clock, Random& random,
                                     WebhookPoster poster, DispatcherOptions options)
    : store_(store), clock_(clock), random_(random), poster_(std::move(poster)), options_(options) {
  assert(options_.workers > 0 && options_.batch > 0);
  scanner_ = std::thread([this] { Scan(); });
  recorder_ = std::thread([this] { Record(); });
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { Work(); });
}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Poke() {
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  scan_wake_.notify_one();
}

void WebhookDispatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  scan_wake_.notify_all();
  work_wake_.notify_all();
  if (scanner_.joinable()) scanner_.join();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  {
    std::lock_guard lock(mu_);
    workers_done_ = true;
  }
  record_wake_.notify_all();
  if (recorder_.joinable()) recorder_.join();
}

void WebhookDispatcher::Scan() {
  while (true) {
    std::chrono::milliseconds wait = options_.poll_interval;
    const std::string now = FormatRfc3339(clock_.Now());
    std::vector<Job> due;
    std::optional<std::string> next_due;
    Status status = store_.Read([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(
          store::Rows rows,
          tx.Query(
              "SELECT d.event_seq, d.webhook, w.url, w.secret, e.kind, e.seq, e.created_at, e.recipient, "
              "e.subject, e.data, d.attempts FROM deliveries d JOIN webhooks w ON w.id = d.webhook "
              "JOIN events e ON e.seq = d.event_seq WHERE d.state = 'pending' AND d.next_attempt_at <= ? "
              "ORDER BY d.next_attempt_at, d.event_seq LIMIT ?",
              {now, static_cast<int64_t>(options_.batch * 2)}));
      for (const store::Row& row : rows) {
        Event event{row.Int(5), row.Text(6), row.Text(7), row.Text(4), row.Text(8), row.Text(9)};
        due.push_back(Job{row.Int(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4),
                          boost::json::serialize(event.ToJson()), row.Text(6), row.Int(10)});
      }
      AIIP_ASSIGN_OR_RETURN(store::Rows next,
                            tx.Query("SELECT MIN(next_attempt_at) FROM deliveries WHERE state = 'pending' "
                                     "AND next_attempt_at > ?",
                                     {now}));
      if (!next.empty()) next_due = next[0].OptionalText(0);
      return Status::Ok();
    });
    if (!status.ok()) log::Error("webhook scan failed", {{"error", status.ToString()}});
    if (next_due) {
      if (auto at = ParseRfc3339(*next_due)) {
        wait = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(*at - clock_.Now()),
                          std::chrono::milliseconds(1), options_.poll_interval);
      }
    }

    std::unique_lock lock(mu_);
    if (stopping_) return;
    size_t queued = 0;
    for (Job& job : due) {
      if (queued >= options_.batch) break;
      if (!in_flight_.emplace(job.event_seq, job.webhook).second) continue;
      queue_.push_back(std::move(job));
      ++queued;
    }
    if (queued > 0) work_wake_.notify_all();
    // A full read means more may be due at once: scan again as soon as the workers have taken
    // most of the queue (each finished job wakes the scanner). The due rows still in flight are
    // then few enough that the next read finds new ones, so this never spins.
    if (due.size() >= options_.batch * 2 || queued >= options_.batch) {
      scan_wake_.wait(lock, [&] { return stopping_ || queue_.size() <= options_.batch / 2; });
      if (stopping_) return;
      continue;
    }
    scan_wake_.wait_for(lock, wait, [&] { return poked_ || stopping_; });
    if (stopping_) return;
    poked_ = false;
  }
}

void WebhookDispatcher::Work() {
  while (true) {
    Job job;
    {
      std::unique_lock lock(mu_);
      work_wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      // Oldest first: the scan queued them in the order they fell due.
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    // The scan that queued this job may have read the delivery before the previous attempt
    // was recorded (by another node): attempt only what is still pending at the attempt
    // count it was read at.
    if (StillDue(job)) {
      Outcome outcome = Attempt(job);
      {
        std::lock_guard lock(mu_);
        outcomes_.push_back(std::move(outcome));
      }
      record_wake_.notify_one();
      continue;
    }
    {
      std::lock_guard lock(mu_);
      in_flight_.erase({job.event_seq, job.webhook});
    }
    scan_wake_.notify_one();
  }
}

void WebhookDispatcher::Record() {
  while (true) {
    std::vector<Outcome> batch;
    {
      std::unique_lock lock(mu_);
      record_wake_.wait(lock, [&] { return !outcomes_.empty() || workers_done_; });
      if (outcomes_.empty()) return;  // the workers are done and everything is recorded
      batch.swap(outcomes_);
    }
    Status status = store_.Write([&](store::Tx& tx) -> Status {
      for (const Outcome& outcome : batch) {
        // Only a pending delivery moves: one disabled meanwhile stays failed.
        AIIP_RETURN_IF_ERROR(tx.Exec(
            "UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_attempt_at = ?, "
            "last_status = ?, last_error = ?, delivered_at = ? "
            "WHERE event_seq = ? AND webhook = ? AND state = 'pending'",
            outcome.update));
      }
      return Status::Ok();
    });
    // Unrecorded attempts are made again when due: delivery is at least once.
    if (!status.ok()) {
      log::Error("cannot record webhook deliveries",
                 {{"error", status.ToString()}, {"deliveries", static_cast<int64_t>(batch.size())}});
    }
    {
      std::lock_guard lock(mu_);
      for (const Outcome& outcome : batch) in_flight_.erase({outcome.event_seq, outcome.webhook});
    }
    scan_wake_.notify_one();
  }
}

bool WebhookDispatcher::StillDue(const Job& job) {
  bool due = false;
  Status read = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query("SELECT attempts FROM deliveries WHERE event_seq = ? AND webhook = ? "
                                   "AND state = 'pending'",
                                   {job.event_seq, job.webhook}));
    due = !rows.empty() && rows[0].Int(0) == job.attempts;
    return Status::Ok();
  });
  if (!read.ok()) log::Error("cannot check a webhook delivery", {{"error", read.ToString()}});
  return due;
}

WebhookDispatcher::Outcome WebhookDispatcher::Attempt(const Job& job) {
  const SystemTime started = clock_.Now();
  const std::string delivery_id = std::to_string(job.event_seq) + "." + job.webhook;
  SignedDelivery signed_delivery =
      SignDelivery(job.secret, UnixSeconds(started), delivery_id, job.kind, job.event_json);
  Result<int> answer = poster_(job.url, signed_delivery.headers, signed_delivery.body);

  const SystemTime finished = clock_.Now();
  const std::string finished_text = FormatRfc3339(finished);
  const int64_t attempts = job.attempts + 1;
  const bool delivered = answer.has_value() && *answer >= 200 && *answer <= 299;
  std::optional<int64_t> http_status;
  if (answer) http_status = *answer;
  std::string error =
      answer ? (delivered ? "" : "receiver answered " + std::to_string(*answer)) : answer.error().detail();

  std::string state = "delivered";
  std::string next_attempt = finished_text;
  if (!delivered) {
    std::chrono::milliseconds delay = Backoff(options_, attempts);
    std::array<uint8_t, 2> jitter_bytes{};
    random_.Fill(jitter_bytes);
    const int64_t jitter_permille = (jitter_bytes[0] | (jitter_bytes[1] << 8)) % 101;
    delay += std::chrono::milliseconds(delay.count() * jitter_permille / 1000);
    auto created = ParseRfc3339(job.event_created_at);
    const bool expired = created && finished + delay > *created + options_.retry_window;
    state = expired ? "failed" : "pending";
    next_attempt = FormatRfc3339(finished + delay);
  }
  if (!delivered) {
    log::Info("webhook delivery failed", {{"delivery", delivery_id}, {"error", error}, {"state", state}});
  }
  return Outcome{
      job.event_seq,
      job.webhook,
      {state, attempts, next_attempt, finished_text,
       http_status ? store::Value(*http_status) : store::Value(store::Null{}),
       error.empty() ? store::Value(store::Null{}) : store::Value(error),
       delivered ? store::Value(finished_text) : store::Value(store::Null{}), job.event_seq, job.webhook}};
}

}  // namespace aiip::notify
