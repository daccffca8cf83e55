// EventLog: the node's durable log of events addressed to organisations — vulnerability
// alerts, incident warnings, mitigation and legal requests arriving in an inbox. Engines
// and services append events inside the same Store::Write as the change that causes them,
// so an event exists exactly when its cause was committed. Each event gets the next `seq`
// (a gap-free counter taken in the appending transaction, as the audit log takes its
// indices), which server-sent event streams use as their resumable event id, and one
// pending delivery per enabled webhook (and mail recipient) of the recipient that wants its kind.
// Formats: doc/notify.md.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace aiip::notify {

// Addressed to every authenticated caller rather than one organisation.
inline constexpr std::string_view kEveryone = "*";

struct EventDraft {
  std::string recipient;  // organisation id, or kEveryone
  std::string kind;       // e.g. "vulnerability.alert": lower-case, dot-separated
  std::string subject;    // id of the object the event is about
  boost::json::object data;
  bool stream = true;    // push to server-sent event streams
  bool webhooks = true;  // schedule deliveries to the recipient's webhooks
  bool email = true;     // schedule deliveries to the recipient's mail recipients (mail.h)
  // Only the recipient reads `data`: administrators reading every organisation's events see
  // the event without it (an incident warning of a report the Agency itself may not read).
  bool confidential = false;
};

struct Event {
  int64_t seq = 0;
  std::string created_at;  // RFC 3339 UTC
  std::string recipient;
  std::string kind;
  std::string subject;
  std::string data;  // serialised JSON object
  bool stream = true;
  bool confidential = false;

  // {"seq", "created_at", "recipient", "kind", "subject", "data": {...}}
  boost::json::object ToJson() const;
  // The event as a reader of `recipient`'s events sees it (nullopt: an administrator reading
  // every organisation's): a confidential event addressed to someone else comes without its
  // data, which is replaced by {"withheld": reason}.
  Event AsSeenBy(const std::optional<std::string>& recipient) const;
};

class EventLog {
 public:
  // `store` and `clock` must outlive the log. Thread-safe.
  EventLog(store::Store& store, const Clock& clock);

  // Inside a write transaction: appends the event and, if `draft.webhooks`, schedules its
  // webhook deliveries; if `draft.email`, one mail delivery per enabled mail recipient of
  // the addressee that wants the kind (none for events addressed to everyone).
  // Returns its seq. Errors are the transaction's.
  Result<int64_t> Append(store::Tx& tx, const EventDraft& draft);

  // Committed events with seq > `after`, in seq order, at most `limit`. With a recipient,
  // only events addressed to it or to everyone.
  Result<std::vector<Event>> Read(const std::optional<std::string>& recipient, int64_t after,
                                  size_t limit) const;

  // The seq of the last committed event (0 if none).
  Result<int64_t> LastSeq() const;

 private:
  store::Store& store_;
  const Clock& clock_;
};

// The server-sent events wire form of one event (WHATWG HTML §9.2): "id: <seq>",
// "event: <kind>" and one "data:" line holding Event::ToJson(), then a blank line.
std::string FormatServerSentEvent(const Event& event);

}  // namespace aiip::notify
