// E-mail delivery: organisations register the addresses that receive their events, and the
// mail dispatcher sends each event to each of them through the node's SMTP relay until the
// relay accepts it.
//
// Deliveries are durable like webhook deliveries: EventLog::Append records one pending mail
// delivery per enabled recipient of the event's organisation that wants its kind, in the
// transaction of the event, so a crash loses none. The dispatcher renders each due delivery
// (mail_message.h), hands it to a MailSender (the libcurl client in mail_smtp.h, or a fake
// in tests) from a few worker threads, and records the outcome: accepted -> 'delivered';
// a 5xx reply (RFC 5321 §4.2.1: permanent) -> 'failed'; anything else (4xx, no connection,
// a timeout) -> retried with the webhooks' back-off until the event is older than the
// retry window, then 'failed'. Delivery is at-least-once; every attempt of a delivery
// carries the same Message-ID. Formats and rules: doc/notify.md "E-mail".
#pragma once

#include <condition_variable>
#include <cstdint>
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
#include "notify/event_log.h"
#include "notify/webhooks.h"
#include "store/store.h"

namespace aiip::notify {

struct MailRecipient {
  std::string id;  // mrc_<ULID>
  std::string organisation;
  std::string address;
  std::vector<std::string> kinds;  // empty = every kind
  std::string created_at;
  bool disabled = false;
};

struct MailDelivery {
  int64_t event_seq = 0;
  std::string recipient;
  std::string state;  // pending | delivered | failed
  int64_t attempts = 0;
  std::string next_attempt_at;
  std::optional<std::string> last_attempt_at;
  std::optional<int64_t> last_reply;  // SMTP reply code
  std::optional<std::string> last_error;
  std::optional<std::string> delivered_at;
};

// Reads and writes recipient rows inside the caller's transactions.
// Insert fails with Conflict naming /address when the organisation already has an
// enabled recipient with the same address (compared without regard to case).
Result<MailRecipient> InsertMailRecipient(store::Tx& tx, MailRecipient recipient);
Result<std::vector<MailRecipient>> ListMailRecipients(store::Tx& tx,
                                                      const std::optional<std::string>& organisation);
Result<MailRecipient> GetMailRecipient(store::Tx& tx, std::string_view id);
// Disables the recipient and cancels its pending deliveries (state 'failed').
Status DisableMailRecipient(store::Tx& tx, std::string_view id, std::string_view now);
// The recipient's deliveries with event_seq > after, in seq order, at most `limit`.
Result<std::vector<MailDelivery>> ListMailDeliveries(store::Tx& tx, std::string_view recipient, int64_t after,
                                                     size_t limit);

// One message for the relay: envelope sender and recipient, and the RFC 5322 text.
struct MailEnvelope {
  std::string from;
  std::string to;
  std::string message;
};

// What the relay made of one message: `error` is empty when it accepted the message;
// `reply` is the last SMTP reply code received (0 when none, e.g. no connection).
struct MailOutcome {
  int reply = 0;
  std::string error;
};

// Sends one message. Called from several dispatcher threads at once.
using MailSender = std::function<MailOutcome(const MailEnvelope& envelope)>;

class MailDispatcher {
 public:
  // Starts the scanner and the workers. `from` is the node's valid mailbox (smtp_from).
  // `store`, `clock` and `random` must outlive the dispatcher.
  MailDispatcher(store::Store& store, const Clock& clock, Random& random, std::string from, MailSender sender,
                 DispatcherOptions options = {});
  // Stops: in-flight sends finish (bounded by the sender's own timeout), nothing new starts.
  ~MailDispatcher();
  MailDispatcher(const MailDispatcher&) = delete;
  MailDispatcher& operator=(const MailDispatcher&) = delete;

  // New deliveries may be due; returns at once. Thread-safe.
  void Poke();
  void Stop();

 private:
  struct Job {
    int64_t event_seq;
    std::string recipient;
    std::string address;
    Event event;
    int64_t attempts;
  };
  void Scan();
  void Work();
  bool StillDue(const Job& job);
  void Attempt(const Job& job);

  store::Store& store_;
  const Clock& clock_;
  Random& random_;
  const std::string from_;
  MailSender sender_;
  const DispatcherOptions options_;

  std::mutex mu_;
  std::condition_variable scan_wake_;
  std::condition_variable work_wake_;
  bool poked_ = false;
  bool stopping_ = false;
  std::vector<Job> queue_;
  std::set<std::pair<int64_t, std::string>> in_flight_;  // queued or being attempted

  std::thread scanner_;
  std::vector<std::thread> workers_;
};

}  // namespace aiip::notify
