#include "notify/mail.h"

#include <algorithm>
#include <array>
#include <cassert>

#include "common/log.h"
#include "common/time.h"
#include "common/words.h"
#include "notify/event_log.h"
#include "notify/mail_message.h"

namespace aiip::notify {

namespace {

constexpr std::string_view kRecipientColumns = "id, organisation, address, kinds, created_at, disabled";

MailRecipient RecipientFromRow(const store::Row& row) {
  return MailRecipient{row.Text(0), row.Text(1),    row.Text(2), SplitKinds(row.Text(3)),
                       row.Text(4), row.Int(5) != 0};
}

}  // namespace

Result<MailRecipient> InsertMailRecipient(store::Tx& tx, MailRecipient recipient) {
  AIIP_ASSIGN_OR_RETURN(store::Rows existing,
                        tx.Query("SELECT id FROM mail_recipients WHERE organisation = ? AND disabled = 0 "
                                 "AND lower(address) = lower(?)",
                                 {recipient.organisation, recipient.address}));
  if (!existing.empty()) {
    return Err(Conflict(
        recipient.address + " is already a recipient of the organisation (" + existing[0].Text(0) + ")",
        "/address"));
  }
  AIIP_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO mail_recipients (id, organisation, address, kinds, created_at, disabled) VALUES "
              "(?, ?, ?, ?, ?, ?)",
              {recipient.id, recipient.organisation, recipient.address, JoinKinds(recipient.kinds),
               recipient.created_at, int64_t{recipient.disabled ? 1 : 0}}));
  return recipient;
}

Result<std::vector<MailRecipient>> ListMailRecipients(store::Tx& tx,
                                                      const std::optional<std::string>& organisation) {
  std::string sql = "SELECT " + std::string(kRecipientColumns) + " FROM mail_recipients";
  std::vector<store::Value> params;
  if (organisation) {
    sql += " WHERE organisation = ?";
    params.emplace_back(*organisation);
  }
  sql += " ORDER BY id";
  AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(sql, params));
  std::vector<MailRecipient> out;
  out.reserve(rows.size());
  for (const store::Row& row : rows) out.push_back(RecipientFromRow(row));
  return out;
}

Result<MailRecipient> GetMailRecipient(store::Tx& tx, std::string_view id) {
  AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT " + std::string(kRecipientColumns) +
                                                       " FROM mail_recipients WHERE id = ?",
                                                   {std::string(id)}));
  if (rows.empty()) return Err(NotFound("no mail recipient " + std::string(id)));
  return RecipientFromRow(rows[0]);
}

Status DisableMailRecipient(store::Tx& tx, std::string_view id, std::string_view now) {
  AIIP_RETURN_IF_ERROR(tx.Exec("UPDATE mail_recipients SET disabled = 1 WHERE id = ?", {std::string(id)}));
  return tx.Exec(
      "UPDATE mail_deliveries SET state = 'failed', last_error = 'mail recipient disabled', last_attempt_at "
      "= ? "
      "WHERE recipient = ? AND state = 'pending'",
      {std::string(now), std::string(id)});
}

Result<std::vector<MailDelivery>> ListMailDeliveries(store::Tx& tx, std::string_view recipient, int64_t after,
                                                     size_t limit) {
  AIIP_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query("SELECT event_seq, recipient, state, attempts, next_attempt_at, last_attempt_at, last_reply, "
               "last_error, delivered_at FROM mail_deliveries WHERE recipient = ? AND event_seq > ? "
               "ORDER BY event_seq LIMIT ?",
               {std::string(recipient), after, static_cast<int64_t>(limit)}));
  std::vector<MailDelivery> out;
  out.reserve(rows.size());
  for (const store::Row& row : rows) {
    out.push_back(MailDelivery{row.Int(0), row.Text(1), row.Text(2), row.Int(3), row.Text(4),
                               row.OptionalText(5), row.OptionalInt(6), row.OptionalText(7),
                               row.OptionalText(8)});
  }
  return out;
}

MailDispatcher::MailDispatcher(store::Store& store, const Clock& clock, Random& random, std::string from,
                               MailSender sender, DispatcherOptions options)
    : store_(store),
      clock_(clock),
      random_(random),
      from_(std::move(from)),
      sender_(std::move(sender)),
      options_(options) {
  assert(options_.workers > 0 && options_.batch > 0);
  assert(ValidateMailAddress(from_, "from").ok());
  scanner_ = std::thread([this] { Scan(); });
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { Work(); });
}

MailDispatcher::~MailDispatcher() { Stop(); }

void MailDispatcher::Poke() {
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  scan_wake_.notify_one();
}

void MailDispatcher::Stop() {
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
}

void MailDispatcher::Scan() {
  while (true) {
    std::chrono::milliseconds wait = options_.poll_interval;
    const std::string now = FormatRfc3339(clock_.Now());
    std::vector<Job> due;
    std::optional<std::string> next_due;
    Status status = store_.Read([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(
          store::Rows rows,
          tx.Query(
              "SELECT d.event_seq, d.recipient, r.address, e.created_at, e.recipient, e.kind, e.subject, "
              "e.data, e.stream, d.attempts FROM mail_deliveries d JOIN mail_recipients r ON r.id = "
              "d.recipient JOIN events e ON e.seq = d.event_seq WHERE d.state = 'pending' AND "
              "d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.event_seq LIMIT ?",
              {now, static_cast<int64_t>(options_.batch * 2)}));
      for (const store::Row& row : rows) {
        Event event{row.Int(0),  row.Text(3), row.Text(4),    row.Text(5),
                    row.Text(6), row.Text(7), row.Int(8) != 0};
        due.push_back(Job{row.Int(0), row.Text(1), row.Text(2), std::move(event), row.Int(9)});
      }
      AIIP_ASSIGN_OR_RETURN(
          store::Rows next,
          tx.Query("SELECT MIN(next_attempt_at) FROM mail_deliveries WHERE state = 'pending' "
                   "AND next_attempt_at > ?",
                   {now}));
      if (!next.empty()) next_due = next[0].OptionalText(0);
      return Status::Ok();
    });
    if (!status.ok()) log::Error("mail scan failed", {{"error", status.ToString()}});
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
      if (!in_flight_.emplace(job.event_seq, job.recipient).second) continue;
      queue_.push_back(std::move(job));
      ++queued;
    }
    if (queued > 0) work_wake_.notify_all();
    if (due.size() >= options_.batch) continue;
    scan_wake_.wait_for(lock, wait, [&] { return poked_ || stopping_; });
    if (stopping_) return;
    poked_ = false;
  }
}

void MailDispatcher::Work() {
  while (true) {
    Job job;
    {
      std::unique_lock lock(mu_);
      work_wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.back());
      queue_.pop_back();
    }
    // As for webhooks: a scan may have read the delivery before the previous attempt was
    // recorded, so only what is still pending at the attempt count it was read at is sent.
    if (StillDue(job)) Attempt(job);
    {
      std::lock_guard lock(mu_);
      in_flight_.erase({job.event_seq, job.recipient});
    }
    scan_wake_.notify_one();
  }
}

bool MailDispatcher::StillDue(const Job& job) {
  bool due = false;
  Status read = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT attempts FROM mail_deliveries WHERE event_seq = ? AND recipient = ? "
                 "AND state = 'pending'",
                 {job.event_seq, job.recipient}));
    due = !rows.empty() && rows[0].Int(0) == job.attempts;
    return Status::Ok();
  });
  if (!read.ok()) log::Error("cannot check a mail delivery", {{"error", read.ToString()}});
  return due;
}

void MailDispatcher::Attempt(const Job& job) {
  const std::string delivery_id = std::to_string(job.event_seq) + "." + job.recipient;
  Result<std::string> message = RenderMailMessage(MailMessage{
      from_, job.address, MailMessageId(job.event_seq, job.recipient, from_), clock_.Now(), job.event});
  MailOutcome outcome;
  bool permanent = false;
  if (!message) {
    // Nothing a retry could change: the stored address or event cannot make a safe message.
    outcome.error = "cannot render the message: " + message.error().detail();
    permanent = true;
  } else {
    outcome = sender_(MailEnvelope{from_, job.address, std::move(*message)});
    permanent = outcome.reply >= 500 && outcome.reply <= 599;
  }

  const SystemTime finished = clock_.Now();
  const std::string finished_text = FormatRfc3339(finished);
  const int64_t attempts = job.attempts + 1;
  const bool delivered = outcome.error.empty();
  std::string state = delivered ? "delivered" : "failed";
  std::string next_attempt = finished_text;
  if (!delivered && !permanent) {
    std::chrono::milliseconds delay = WebhookDispatcher::Backoff(options_, attempts);
    std::array<uint8_t, 2> jitter_bytes{};
    random_.Fill(jitter_bytes);
    const int64_t jitter_permille = (jitter_bytes[0] | (jitter_bytes[1] << 8)) % 101;
    delay += std::chrono::milliseconds(delay.count() * jitter_permille / 1000);
    auto created = ParseRfc3339(job.event.created_at);
    const bool expired = created && finished + delay > *created + options_.retry_window;
    state = expired ? "failed" : "pending";
    next_attempt = FormatRfc3339(finished + delay);
  }
  Status status = store_.Write([&](store::Tx& tx) -> Status {
    // Only a pending delivery moves: one whose recipient was disabled meanwhile stays failed.
    return tx.Exec(
        "UPDATE mail_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_attempt_at = ?, "
        "last_reply = ?, last_error = ?, delivered_at = ? WHERE event_seq = ? AND recipient = ? AND state = "
        "'pending'",
        {state, attempts, next_attempt, finished_text,
         outcome.reply > 0 ? store::Value(int64_t{outcome.reply}) : store::Value(store::Null{}),
         delivered ? store::Value(store::Null{}) : store::Value(outcome.error),
         delivered ? store::Value(finished_text) : store::Value(store::Null{}), job.event_seq,
         job.recipient});
  });
  if (!status.ok()) {
    log::Error("cannot record a mail delivery", {{"error", status.ToString()}, {"delivery", delivery_id}});
  }
  if (!delivered) {
    log::Info("mail delivery failed",
              {{"delivery", delivery_id}, {"error", outcome.error}, {"state", state}});
  }
}

}  // namespace aiip::notify
