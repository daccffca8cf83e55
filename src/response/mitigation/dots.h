// Mitigation requests in the vocabulary of DOTS (RFC 9132, the signal channel, with the
// call-home source-prefix of RFC 9066), and the life of one request.
//
// A request asks the operator of the attacking sources to filter traffic from its
// `source-prefix`es to the victim's `target-prefix` (optionally narrowed by
// `target-port-range` and `target-protocol`) for `lifetime` seconds. It is rendered as the
// JSON body of an RFC 9132 mitigation request (doc/mitigation.md, "DOTS mapping").
//
// MitigationRequest is the state machine of one request:
//   created -> sent -> acknowledged -> mitigating (status updates with drop counters)
//           -> terminated | withdrawn
// A status update also acknowledges a request that was only sent. Withdrawal by the client
// (the victim, through the Agency) ends the request from any live state, after which the
// operator may still report status 5 (withdrawn, terminating) and 6 (terminated); status 7
// from the operator is a withdrawal by the server. The victim's efficacy feedback
// (attack-status) is recorded in any live state. Every transition is checked: a refused
// one leaves the request unchanged and says why. Events must come in time order.
//
// Pure values; not thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "response/attribution/address.h"

namespace aiip::mitigation {

// RFC 9132 §4.4.2 "status" (iana-dots-signal-channel).
enum class DotsStatus : uint8_t {
  kAttackMitigationInProgress = 1,
  kAttackSuccessfullyMitigated = 2,
  kAttackStopped = 3,
  kAttackExceededCapability = 4,
  kDotsClientWithdrawnMitigation = 5,
  kAttackMitigationTerminated = 6,
  kAttackMitigationWithdrawn = 7,
  kAttackMitigationSignalLoss = 8,
};

// The YANG enumeration name, e.g. "attack-mitigation-in-progress".
std::string_view DotsStatusName(DotsStatus status);
// Code 1..8 to status; InvalidArgument("out-of-range") otherwise.
Result<DotsStatus> DotsStatusFromCode(int64_t code);

// RFC 9132 §4.4.3 "attack-status", the victim's efficacy feedback.
enum class AttackStatus : uint8_t { kUnderAttack = 1, kAttackSuccessfullyMitigated = 2 };
// "under-attack", "attack-successfully-mitigated".
std::string_view AttackStatusName(AttackStatus status);

struct PortRange {
  uint16_t lower = 0;
  uint16_t upper = 0;
  friend bool operator==(const PortRange&, const PortRange&) = default;
};

struct MitigationScope {
  uint32_t mid = 0;  // mitigation request identifier, unique per client
  std::vector<attribution::Prefix> target_prefix;
  std::vector<PortRange> target_port_range;
  std::vector<uint8_t> target_protocol;  // IANA protocol numbers
  int64_t lifetime = 3600;               // seconds; -1: until withdrawn (RFC 9132)
  std::vector<attribution::Prefix> source_prefix;

  // OK, or InvalidArgument naming the field as a JSON Pointer into ToJson's scope
  // (e.g. "/target-port-range/0"): at least one target-prefix and one source-prefix,
  // lower-port <= upper-port, lifetime -1 or positive.
  Status Validate() const;
};

// {"ietf-dots-signal-channel:mitigation-scope": {"scope": [{"mid": .., "target-prefix":
// [..], "target-port-range": [{"lower-port": .., "upper-port": ..}], "target-protocol":
// [..], "lifetime": .., "ietf-dots-call-home:source-prefix": [..]}]}}; empty lists omitted.
boost::json::object ToJson(const MitigationScope& scope);

// Drop counters of RFC 9132 §4.4.2 (bytes/packets cumulative, bps/pps current rates).
struct DropCounters {
  uint64_t bytes_dropped = 0;
  uint64_t pkts_dropped = 0;
  uint64_t bps_dropped = 0;
  uint64_t pps_dropped = 0;
  friend bool operator==(const DropCounters&, const DropCounters&) = default;
};

// An operator's status update: {"ietf-dots-signal-channel:mitigation-scope": {"scope":
// [{"mid": n, "status": 1..8, "bytes-dropped": n, "pkts-dropped": n, "bps-dropped": n,
// "pps-dropped": n}]}} (counters optional; "lifetime" and "mitigation-start" accepted and
// ignored). Errors name the field as a JSON Pointer.
struct StatusUpdate {
  uint32_t mid = 0;
  DotsStatus status = DotsStatus::kAttackMitigationInProgress;
  std::optional<DropCounters> counters;  // absent when no counter was given
};
Result<StatusUpdate> ParseStatusUpdate(std::string_view json);

// The victim's efficacy update: the same envelope with "mid" and "attack-status" (1, 2).
struct EfficacyUpdate {
  uint32_t mid = 0;
  AttackStatus attack_status = AttackStatus::kUnderAttack;
};
Result<EfficacyUpdate> ParseEfficacyUpdate(std::string_view json);

enum class RequestState : uint8_t { kCreated, kSent, kAcknowledged, kMitigating, kTerminated, kWithdrawn };
// "created", "sent", "acknowledged", "mitigating", "terminated", "withdrawn".
std::string_view RequestStateName(RequestState state);

class MitigationRequest {
 public:
  // A created request. `scope` must be valid (Validate()).
  MitigationRequest(MitigationScope scope, SystemTime created_at);

  // created -> sent.
  Status Send(SystemTime at);
  // sent -> acknowledged, by the contact who acknowledged.
  Status Acknowledge(SystemTime at, std::string contact);
  // A status update from the operator (see the header comment). Cumulative counters may
  // not decrease: InvalidArgument("counter-decreased") at /bytes-dropped or /pkts-dropped.
  Status UpdateStatus(SystemTime at, DotsStatus status, std::optional<DropCounters> counters = {});
  // The victim's efficacy feedback.
  Status ReportEfficacy(SystemTime at, AttackStatus status);
  // Withdrawal by the client: status 5 (dots-client-withdrawn-mitigation) until the
  // operator reports 6 once its filters are gone.
  Status Withdraw(SystemTime at);
  // Ends a live request whose lifetime (counted from sending) has run out by `now`, as of
  // the end of the lifetime, with status 6 (attack-mitigation-terminated: RFC 9132 removes
  // a request whose lifetime expires). Returns true if it did; false also when an event was
  // recorded after the end, which callers prevent by refusing events once it has passed.
  bool ExpireIfDue(SystemTime now);

  const MitigationScope& scope() const { return scope_; }
  RequestState state() const { return state_; }
  bool live() const;  // not terminated or withdrawn
  std::optional<DotsStatus> status() const { return status_; }
  const DropCounters& counters() const { return counters_; }
  std::optional<AttackStatus> attack_status() const { return attack_status_; }
  SystemTime created_at() const { return created_at_; }
  std::optional<SystemTime> sent_at() const { return sent_at_; }
  std::optional<SystemTime> acknowledged_at() const { return acknowledged_at_; }
  const std::string& acknowledged_by() const { return acknowledged_by_; }
  std::optional<SystemTime> ended_at() const { return ended_at_; }
  bool withdrawn_by_client() const { return withdrawn_by_client_; }

  // The scope with "status", the counters and "attack-status" when known, in the RFC 9132
  // envelope, plus "aiip-state" and RFC 3339 times for what DOTS has no field for.
  boost::json::object ToJson() const;

 private:
  Status CheckTime(SystemTime at) const;

  MitigationScope scope_;
  RequestState state_ = RequestState::kCreated;
  std::optional<DotsStatus> status_;
  DropCounters counters_;
  std::optional<AttackStatus> attack_status_;
  SystemTime created_at_;
  SystemTime last_event_at_;
  std::optional<SystemTime> sent_at_;
  std::optional<SystemTime> acknowledged_at_;
  std::string acknowledged_by_;
  std::optional<SystemTime> ended_at_;
  bool withdrawn_by_client_ = false;
};

}  // namespace aiip::mitigation
