// ResponseService: halting attacks in progress, as a node runs it — operators register the
// ASNs they run and the Agency verifies them; abuse contacts come from RPSL dumps; a victim
// opens an attack case with its sources (a list or a packet capture); the node attributes
// every source as of the attack time, groups them per responder (verified operator of the
// AS, else the country's national CSIRT, else the Agency duty desk) and per country,
// covers each responder's sources with at most N prefixes, and sends one DOTS mitigation
// request per responder. Requests are acknowledged, updated with DOTS status and drop
// counters, rated by the victim (attack-status), and escalate along the responder's
// contact chain while unacknowledged. A request ends when its lifetime runs out (DOTS
// status 6, by the timer), when the victim withdraws it or the whole case (status 5), or
// when the operator terminates or withdraws it. Rules and formats: doc/response.md.
//
// Pure engines do the work (src/response: attribution, rpsl, capture, mitigation); this
// service holds the loaded location datasets and the abuse directory in memory and
// everything else in the Store. Every mutation is one Store::Write with its audit entries
// and the events it causes (mitigation.request to the responder, attack.notice to the
// country's 24/7 law-enforcement organisation, ...), so an event exists exactly when its
// cause was committed. Mutations are serialised by one mutex; reads run concurrently.
// The timer is a background thread started by StartEscalations that expires and then
// escalates what is due; the clock is injected and ExpireDue / EscalateDue can be driven
// directly by tests. Thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "notify/event_log.h"
#include "registry/registry.h"
#include "response/attribution/dataset.h"
#include "response/rpsl/abuse_directory.h"
#include "responsenet/case_spec.h"
#include "store/store.h"

namespace aiip::responsenet {

// A location dataset built by the caller instead of read from a file.
struct PreloadedDataset {
  attribution::DatasetInfo info;
  std::shared_ptr<const attribution::Table> table;
};

struct ResponseOptions {
  // The IPFire location database, and older versions of it (each valid from its own
  // creation time until the next one's).
  std::string location_db = "/usr/share/libloc-location/location.db";
  std::vector<std::string> extra_datasets;
  // When not empty, these datasets are used and no file is read (tests, benchmarks).
  std::vector<PreloadedDataset> preloaded;
  // Name of the Agency organisation (kind "agency") that takes what no one else does.
  std::string duty_desk = "AIIP Duty Desk";
  size_t max_prefixes = 16;  // covering prefixes per request, >= 1
  std::chrono::milliseconds ack_target{std::chrono::seconds(900)};
  std::chrono::milliseconds escalation_tick{std::chrono::seconds(1)};
  size_t max_sources = 5'000'000;  // distinct sources per case
};

class ResponseService {
 public:
  // Everything passed must outlive the service. `events_committed` runs after each Write
  // that appended events (the node pokes the stream hub and webhook dispatcher).
  ResponseService(store::Store& store, notify::EventLog& events, registry::AuditAppend audit,
                  const Clock& clock, Random& random, std::function<void()> events_committed,
                  ResponseOptions options);
  ~ResponseService();  // stops the escalation thread

  // Loads the location datasets (a failure disables attribution, see attribution_problem;
  // it does not fail Load) and rebuilds the abuse directory from the stored imports.
  // Call once before serving. Errors: the store's.
  Status Load();

  // Starts / stops the background timer thread (idempotent): every escalation_tick it runs
  // ExpireDue, then EscalateDue.
  void StartEscalations();
  void StopEscalations();
  // Notifies every chain rung that is due now for every live unacknowledged request; one
  // Write per request. Returns the number of escalations written.
  Result<size_t> EscalateDue();
  // Terminates every live request whose lifetime (counted from sending; -1 never) has run
  // out: an "expire" history event dated at the end of the lifetime, DOTS status 6, the
  // audit entry "mitigation.expire", and a "mitigation.expired" event to the responder,
  // every rung notified and the victim; one Write per request. Returns how many ended.
  Result<size_t> ExpireDue();

  // Empty when attribution works; else why not (e.g. the location database is missing).
  const std::string& attribution_problem() const { return attribution_problem_; }

  // ---- Operators and their ASNs ----
  // Body {"asn": 1..4294967295}. The organisation must be of kind "operator"; members of it
  // or administrators. Answers the claim (201 semantics; an existing claim is kConflict).
  Result<boost::json::object> RegisterAsn(const registry::Actor& actor, std::string_view organisation,
                                          const boost::json::object& body);
  Result<std::vector<boost::json::object>> ListAsns(const registry::Actor& actor,
                                                    std::string_view organisation) const;
  // Body {"organisation": id}: the Agency (admin or secretariat) verifies that claim.
  // kConflict when another organisation holds a verified claim on the ASN.
  Result<boost::json::object> VerifyAsn(const registry::Actor& actor, std::string_view asn,
                                        const boost::json::object& body);

  // ---- Abuse contacts ----
  // Imports one RPSL text (a split dump or part of one; admins). `replace` drops earlier
  // imports first. Answers the load report and the contact counts.
  Result<boost::json::object> ImportAbuseContacts(const registry::Actor& actor, std::string_view text,
                                                  std::string source_name, bool replace);

  // ---- Attribution ----
  // Body {"addresses": [..] (1..100000), "at"?: RFC 3339}: network, AS, country per address.
  Result<boost::json::object> Attribute(const boost::json::object& body) const;

  // ---- Attack cases ----
  // Opens a case. `spec` (doc/response.md): "target", "ports"?, "protocol"?, "from", "to",
  // "attack_time"?, "lifetime"?, "victim"? (admins), and "sources" (array) unless `raw`
  // is given. With a capture, target, ports, protocol and the window default to what the
  // capture shows. Errors name the field; FailedPrecondition("attribution-unavailable").
  Result<boost::json::object> OpenCase(const registry::Actor& actor, const boost::json::object& spec,
                                       std::optional<RawSources> raw);
  // Adds sources to a case (victim or admins): regroups everything, sends requests to new
  // responders and updates the scope of existing ones whose prefixes changed.
  Result<boost::json::object> AddSources(const registry::Actor& actor, std::string_view case_id,
                                         const boost::json::object& spec, std::optional<RawSources> raw);
  // The case with its per-responder and per-country tables.
  Result<boost::json::object> GetCase(const registry::Actor& actor, std::string_view case_id) const;
  // Cases of the caller's organisation (admins, secretariat: any, or `victim`).
  Result<std::vector<boost::json::object>> ListCases(const registry::Actor& actor,
                                                     std::optional<std::string> victim) const;
  // Body {"attack-status": 1|2 or its name, "mitigations"?: [ids]} from the victim.
  Result<boost::json::object> ReportEfficacy(const registry::Actor& actor, std::string_view case_id,
                                             const boost::json::object& body);
  // Withdrawal by the victim (members of the victim, or administrators). Body
  // {"mitigations"?: [ids], "note"?}: the requests named (each must be live: kConflict
  // otherwise), or without the list every live request and the case itself, which then
  // takes no more sources. Each request gets DOTS status 5, a "withdraw" history event, the
  // audit entry "mitigation.withdraw" and a "mitigation.withdrawn" event to its responder
  // and every rung notified; the case gets "attack.withdraw". One Write. Answers {"case",
  // "status", "mitigations": [the withdrawn requests]}.
  Result<boost::json::object> Withdraw(const registry::Actor& actor, std::string_view case_id,
                                       const boost::json::object& body);

  // ---- Mitigation requests ----
  // The requests addressed to the caller's organisation (as responder or as an escalation
  // rung already notified); admins may name `organisation`.
  Result<std::vector<boost::json::object>> Inbox(const registry::Actor& actor,
                                                 std::optional<std::string> organisation,
                                                 std::optional<std::string> state) const;
  Result<boost::json::object> GetMitigation(const registry::Actor& actor, std::string_view id) const;
  // Body {"note"?}. By a member of the responder or of a notified rung.
  Result<boost::json::object> Acknowledge(const registry::Actor& actor, std::string_view id,
                                          const boost::json::object& body);
  // Body {"status": 1..8, "bytes-dropped"?, "pkts-dropped"?, "bps-dropped"?,
  // "pps-dropped"?, "note"?}.
  Result<boost::json::object> UpdateStatus(const registry::Actor& actor, std::string_view id,
                                           const boost::json::object& body);

 private:
  struct Directory;
  struct CaseRow;

  Result<Directory> ReadDirectory() const;
  // `read_time`: how long reading the batch took, reported with the other timings.
  Result<boost::json::object> Regroup(const registry::Actor& actor, const CaseRow& row, SourceBatch added,
                                      bool opening, std::chrono::steady_clock::duration read_time);
  Status EscalateOne(const std::string& request_id, SystemTime now, size_t& written);
  Status ExpireOne(const std::string& request_id, SystemTime now, size_t& written);
  void EscalationLoop();

  store::Store& store_;
  notify::EventLog& events_;
  registry::AuditAppend audit_;
  const Clock& clock_;
  Random& random_;
  std::function<void()> events_committed_;
  ResponseOptions options_;

  attribution::AttributionSet datasets_;
  std::string attribution_problem_;
  std::shared_ptr<const rpsl::AbuseDirectory> abuse_;  // guarded by write_mu_ for writes
  mutable std::mutex abuse_mu_;

  std::mutex write_mu_;
  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool loop_stop_ = false;
  std::thread loop_;
};

}  // namespace aiip::responsenet
