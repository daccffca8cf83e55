#include "response/mitigation/escalation.h"

#include <cassert>

namespace aiip::mitigation {

EscalationState Escalate(size_t chain_length, SystemTime sent_at, std::chrono::milliseconds ack_target,
                         SystemTime now, std::optional<SystemTime> acknowledged_at) {
  assert(ack_target.count() > 0);
  EscalationState state;
  // An acknowledgement after `now` is not known yet; SystemTime::max() stands for none.
  const SystemTime ack = acknowledged_at.value_or(SystemTime::max());
  state.acknowledged = ack <= now;
  const SystemTime stop = state.acknowledged ? ack : SystemTime::max();
  for (size_t k = 0; k < chain_length; ++k) {
    const SystemTime due = sent_at + ack_target * static_cast<int64_t>(k);
    // Contact 0 is told on sending; later ones only while nobody has acknowledged.
    if (k > 0 && due >= stop) break;
    if (due > now) {
      if (!state.acknowledged) state.next = EscalationStep{k, due};
      break;
    }
    state.notified.push_back(EscalationStep{k, due});
  }
  state.exhausted = !state.acknowledged && chain_length > 0 && state.notified.size() == chain_length;
  return state;
}

}  // namespace aiip::mitigation
