#include "notify/event_log.h"

#include <boost/json.hpp>
#include <cassert>

#include "common/time.h"

namespace aiip::notify {

namespace bj = boost::json;

boost::json::object Event::ToJson() const {
  bj::object out;
  out["seq"] = seq;
  out["created_at"] = created_at;
  out["recipient"] = recipient;
  out["kind"] = kind;
  out["subject"] = subject;
  // Stored by Append from a serialised object, so it parses; an unreadable row (edited by
  // hand) is shown as text rather than dropped.
  boost::system::error_code ec;
  bj::value parsed = bj::parse(data, ec);
  if (!ec && parsed.is_object()) {
    out["data"] = std::move(parsed);
  } else {
    out["data"] = data;
  }
  return out;
}

Event Event::AsSeenBy(const std::optional<std::string>& reader) const {
  if (!confidential || (reader && *reader == recipient)) return *this;
  Event seen = *this;
  seen.data = R"({"withheld":"confidential: only the recipient organisation reads this event's content"})";
  return seen;
}

EventLog::EventLog(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

Result<int64_t> EventLog::Append(store::Tx& tx, const EventDraft& draft) {
  assert(!draft.recipient.empty() && !draft.kind.empty());
  // The row lock taken here orders appenders, also across nodes sharing one database, so
  // seq order is commit order.
  AIIP_RETURN_IF_ERROR(tx.Exec("UPDATE event_state SET last_seq = last_seq + 1 WHERE id = 1"));
  AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT last_seq FROM event_state WHERE id = 1"));
  if (rows.size() != 1) return Err(Internal("event_state has no row"));
  const int64_t seq = rows[0].Int(0);
  const std::string now = FormatRfc3339(clock_.Now());
  AIIP_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO events (seq, created_at, recipient, kind, subject, data, stream, confidential) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
              {seq, now, draft.recipient, draft.kind, draft.subject, bj::serialize(draft.data),
               int64_t{draft.stream ? 1 : 0}, int64_t{draft.confidential ? 1 : 0}}));
  if (draft.webhooks) {
    // Webhooks of the recipient (or of everyone, for broadcast events) that want this kind.
    AIIP_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO deliveries (event_seq, webhook, state, attempts, next_attempt_at) "
        "SELECT ?, id, 'pending', 0, ? FROM webhooks WHERE disabled = 0 AND (organisation = ? OR ? = '*') "
        "AND (kinds = '*' OR ' ' || kinds || ' ' LIKE ?)",
        {seq, now, draft.recipient, draft.recipient, "% " + draft.kind + " %"}));
  }
  // Broadcast events would mail every address of every organisation: they stay on the
  // stream, in the inbox and on webhooks.
  if (draft.email && draft.recipient != kEveryone) {
    AIIP_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO mail_deliveries (event_seq, recipient, state, attempts, next_attempt_at) "
                "SELECT ?, id, 'pending', 0, ? FROM mail_recipients WHERE disabled = 0 AND organisation = ? "
                "AND (kinds = '*' OR ' ' || kinds || ' ' LIKE ?)",
                {seq, now, draft.recipient, "% " + draft.kind + " %"}));
  }
  return seq;
}

Result<std::vector<Event>> EventLog::Read(const std::optional<std::string>& recipient, int64_t after,
                                          size_t limit) const {
  std::vector<Event> events;
  Status status = store_.Read([&](store::Tx& tx) -> Status {
    Result<store::Rows> rows =
        recipient
            ? tx.Query(
                  "SELECT seq, created_at, recipient, kind, subject, data, stream, confidential FROM events "
                  "WHERE seq > ? AND (recipient = ? OR recipient = '*') ORDER BY seq LIMIT ?",
                  {after, *recipient, static_cast<int64_t>(limit)})
            : tx.Query(
                  "SELECT seq, created_at, recipient, kind, subject, data, stream, confidential FROM events "
                  "WHERE seq > ? ORDER BY seq LIMIT ?",
                  {after, static_cast<int64_t>(limit)});
    if (!rows) return rows.error();
    events.reserve(rows->size());
    for (const store::Row& row : *rows) {
      events.push_back(Event{row.Int(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4), row.Text(5),
                             row.Int(6) != 0, row.Int(7) != 0});
    }
    return Status::Ok();
  });
  if (!status.ok()) return Err(status);
  return events;
}

Result<int64_t> EventLog::LastSeq() const {
  int64_t last = 0;
  Status status = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT last_seq FROM event_state WHERE id = 1"));
    if (rows.size() != 1) return Internal("event_state has no row");
    last = rows[0].Int(0);
    return Status::Ok();
  });
  if (!status.ok()) return Err(status);
  return last;
}

std::string FormatServerSentEvent(const Event& event) {
  // Serialised JSON has no raw newlines, so one data line carries the whole object.
  std::string out = "id: " + std::to_string(event.seq) + "\nevent: " + event.kind + "\ndata: ";
  out += bj::serialize(event.ToJson());
  out += "\n\n";
  return out;
}

}  // namespace aiip::notify
