// LegalNetworkService: the legal cooperation network as a node runs it — requests between
// the 24/7 contacts and the central authorities of two States, each checked by the
// assessment engine (src/legal) against the treaties and the law of both, moved through a
// state machine per kind, and watched by timers (acknowledgement targets with escalation to
// the recipient's next contact, preservation expiry extended while a linked follow-up is
// pending). Rules, states and vocabularies: doc/legal_network.md.
//
// Every change is ONE Store::Write holding the row, its transition, its audit entry and the
// events to the other side (`legal.request`, `legal.transition`, `legal.escalation`,
// `legal.expiry`), so an event exists exactly when its cause was committed. Transitions
// re-check the state inside the write, so concurrent callers (or two nodes sharing one
// database) cannot both move a request. The reference data is loaded once and read-only.
// Thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "legal/model.h"
#include "notify/event_log.h"
#include "registry/registry.h"
#include "store/store.h"

namespace aiip::legalnet {

struct LegalNetworkOptions {
  // Acknowledgement targets: how long the recipient's current contact has before the
  // request escalates to the next contact.
  std::chrono::milliseconds ack_target{std::chrono::hours(24)};
  std::chrono::milliseconds urgent_ack_target{std::chrono::hours(1)};
  // How long preserved data is kept after the preservation request is sent (Budapest Art
  // 29(7): at least 60 days), unless a linked follow-up is pending then.
  std::chrono::milliseconds preservation_period{std::chrono::hours(24 * 60)};
  // How often the timer thread looks for due timers (also finds rows of other nodes).
  std::chrono::milliseconds timer_interval{std::chrono::seconds(1)};
};

struct RequestFilter {
  std::optional<std::string> box;           // "inbox" (recipient), "outbox" (sender); empty = both
  std::optional<std::string> organisation;  // administrators: whose box (default: all)
  std::optional<std::string> state;
  std::optional<std::string> kind;
  size_t limit = 100;
  std::optional<std::string> after;  // request id to continue after
};

// What one pass of the timers did (for tests and logs).
struct TimerReport {
  int escalated = 0;  // moved to the next contact
  int exhausted = 0;  // no contact left
  int extended = 0;   // preservation kept for a pending follow-up
  int expired = 0;    // preservation ended
};

class LegalNetworkService {
 public:
  // Everything passed must outlive the service. `events_committed` runs after each Write
  // that appended events (the node pokes the stream hub and webhook dispatcher).
  LegalNetworkService(store::Store& store, notify::EventLog& events, registry::AuditAppend audit,
                      const Clock& clock, Random& random, legal::LegalData data, LegalNetworkOptions options,
                      std::function<void()> events_committed);
  ~LegalNetworkService();  // stops the timer thread

  // Creates a draft. Body (doc/legal_network.md): {"request": <engine request>, "urgent"?,
  // "recipient"?, "linked_request"?, "data_categories"?, "proportionality"?,
  // "judicial_authorisation"?, "conditions"?}. The caller must hold the kind's role in an
  // organisation of the requesting State. Errors: InvalidArgument naming the field;
  // kPermissionDenied; kFailedPrecondition("no-recipient") when the requested State has no
  // organisation of the needed kind; the store's.
  Result<boost::json::object> Create(const registry::Actor& actor, const boost::json::object& body);

  // Moves a request. Body: {"to", "reasons"?, "grounds"?, "version"?}. "sent" runs the
  // assessment again and starts the timers. Errors: kConflict("illegal-transition", field
  // "/to") for a move the kind's state machine does not allow from the current state, or a
  // stale "version"; InvalidArgument for missing reasons or grounds; kPermissionDenied
  // when the caller's organisation or role may not make that move; kNotFound.
  Result<boost::json::object> Transition(const registry::Actor& actor, std::string_view id,
                                         const boost::json::object& body);

  // One request with its assessment and transitions. Visible to the sender's and the
  // recipient's members and to administrators (kNotFound otherwise).
  Result<boost::json::object> Get(const registry::Actor& actor, std::string_view id) const;

  // The caller's inbox and/or outbox, newest id last. Returns the page and the next cursor.
  Result<std::pair<std::vector<boost::json::object>, std::optional<std::string>>> List(
      const registry::Actor& actor, const RequestFilter& filter) const;

  // The assessment of an engine request without storing anything.
  Result<boost::json::object> Assess(const boost::json::object& request) const;
  // The safe havens (legal::ComputeHavens) at `date` (default: today), optionally for one
  // conduct code.
  Result<boost::json::object> Havens(const std::optional<std::string>& conduct,
                                     const std::optional<std::string>& date) const;

  // Runs every due timer once, at clock.Now(). Errors: the store's (a failed timer is
  // retried on the next pass).
  Result<TimerReport> RunTimers();

  // Starts / stops the background thread that calls RunTimers every timer_interval.
  // Start once; Stop is idempotent.
  void Start();
  void Stop();

  // A request as stored (service.cc); named here only so helpers there can take it.
  struct Row;

 private:
  Result<Row> ReadRow(store::Tx& tx, std::string_view id) const;
  boost::json::object View(const Row& row) const;
  Status CheckVisible(const registry::Actor& actor, const Row& row) const;
  Result<boost::json::object> Assessed(const std::string& request_text) const;

  store::Store& store_;
  notify::EventLog& events_;
  registry::AuditAppend audit_;
  const Clock& clock_;
  Random& random_;
  const legal::LegalData data_;
  const LegalNetworkOptions options_;
  std::function<void()> events_committed_;

  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool stopping_ = false;
  std::thread timer_;
};

// The state machine (doc/legal_network.md): whether `kind` may move from `from` to `to`,
// and which side moves it ("sender", "recipient" or "system"); nullopt when illegal.
std::optional<std::string_view> TransitionSide(legal::RequestKind kind, std::string_view from,
                                               std::string_view to);
// Every state name, and the refusal grounds a refusal may cite.
const std::vector<std::string_view>& StateNames();
const std::vector<std::string_view>& RefusalGroundNames();

}  // namespace aiip::legalnet
