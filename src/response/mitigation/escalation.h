// Escalation of an unacknowledged mitigation request along a contact chain.
//
// The chain is the escalation order: the operator's 24/7 contacts by their escalation
// order, then (as the node builds it) the national CSIRT and the Agency duty desk. The
// rule (doc/mitigation.md): contact 0 is notified when the request is sent; while the
// request is not acknowledged, contact k is notified at sent + k x ack_target. An
// acknowledgement stops the escalation: a contact whose time is at or after the
// acknowledgement is never notified. The function is pure; the clock is a value.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "common/clock.h"

namespace aiip::mitigation {

struct EscalationStep {
  size_t contact = 0;  // index into the chain
  SystemTime due{};
  friend bool operator==(const EscalationStep&, const EscalationStep&) = default;
};

struct EscalationState {
  std::vector<EscalationStep> notified;  // contacts due by `now`, in chain order
  std::optional<EscalationStep> next;    // the next contact to notify and when, if any
  bool acknowledged = false;             // acknowledged at or before `now`
  bool exhausted = false;                // unacknowledged and every contact notified
};

// The escalation of a request sent at `sent_at`, as of `now`, over a chain of
// `chain_length` contacts, with `ack_target` (> 0) between rungs. `acknowledged_at` is
// taken into account only if it is at or before `now`.
EscalationState Escalate(size_t chain_length, SystemTime sent_at, std::chrono::milliseconds ack_target,
                         SystemTime now, std::optional<SystemTime> acknowledged_at = std::nullopt);

}  // namespace aiip::mitigation
