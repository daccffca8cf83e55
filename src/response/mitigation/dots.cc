#include "response/mitigation/dots.h"

#include <limits>
#include <utility>

#include "common/json.h"
#include "common/time.h"

namespace aiip::mitigation {

namespace {

constexpr std::string_view kScopeKey = "ietf-dots-signal-channel:mitigation-scope";
constexpr std::string_view kSourcePrefixKey = "ietf-dots-call-home:source-prefix";

Status BadTransition(RequestState from, std::string_view what) {
  return FailedPrecondition("invalid-transition", std::string(what) + " is not allowed in state '" +
                                                      std::string(RequestStateName(from)) + "'");
}

boost::json::array Prefixes(const std::vector<attribution::Prefix>& prefixes) {
  boost::json::array out;
  for (const auto& p : prefixes) out.emplace_back(p.ToString());
  return out;
}

// Reads the RFC 9132 envelope down to the one scope entry; `fn` reads that entry.
template <typename Fn>
Status ReadScope(std::string_view text, Fn fn) {
  AIIP_ASSIGN_OR_RETURN(boost::json::object root, json::ParseObject(text));
  json::ObjectReader top(root);
  const boost::json::object* envelope = top.OptionalObject(kScopeKey);
  if (top.ok() && envelope == nullptr) {
    top.Fail(Status(Code::kInvalidArgument, "missing-field", "missing field", top.PointerOf(kScopeKey)));
  }
  AIIP_RETURN_IF_ERROR(top.Finish());
  const std::string envelope_pointer = top.PointerOf(kScopeKey);
  json::ObjectReader scope_reader(*envelope, envelope_pointer);
  const boost::json::array* scopes = scope_reader.OptionalArray("scope");
  if (scope_reader.ok() && (scopes == nullptr || scopes->size() != 1)) {
    scope_reader.Fail("scope", "invalid-value", "exactly one scope entry is required");
  }
  AIIP_RETURN_IF_ERROR(scope_reader.Finish());
  const std::string entry_pointer = envelope_pointer + "/scope/0";
  if (!(*scopes)[0].is_object()) {
    return InvalidArgument("wrong-type", "a scope entry must be an object", entry_pointer);
  }
  json::ObjectReader entry((*scopes)[0].as_object(), entry_pointer);
  fn(entry);
  return entry.Finish();
}

}  // namespace

std::string_view DotsStatusName(DotsStatus status) {
  switch (status) {
    case DotsStatus::kAttackMitigationInProgress:
      return "attack-mitigation-in-progress";
    case DotsStatus::kAttackSuccessfullyMitigated:
      return "attack-successfully-mitigated";
    case DotsStatus::kAttackStopped:
      return "attack-stopped";
    case DotsStatus::kAttackExceededCapability:
      return "attack-exceeded-capability";
    case DotsStatus::kDotsClientWithdrawnMitigation:
      return "dots-client-withdrawn-mitigation";
    case DotsStatus::kAttackMitigationTerminated:
      return "attack-mitigation-terminated";
    case DotsStatus::kAttackMitigationWithdrawn:
      return "attack-mitigation-withdrawn";
    case DotsStatus::kAttackMitigationSignalLoss:
      return "attack-mitigation-signal-loss";
  }
  return "unknown";
}

Result<DotsStatus> DotsStatusFromCode(int64_t code) {
  if (code < 1 || code > 8) {
    return Err(InvalidArgument("out-of-range", "DOTS status must be 1..8, not " + std::to_string(code)));
  }
  return static_cast<DotsStatus>(code);
}

std::string_view AttackStatusName(AttackStatus status) {
  return status == AttackStatus::kUnderAttack ? "under-attack" : "attack-successfully-mitigated";
}

std::string_view RequestStateName(RequestState state) {
  switch (state) {
    case RequestState::kCreated:
      return "created";
    case RequestState::kSent:
      return "sent";
    case RequestState::kAcknowledged:
      return "acknowledged";
    case RequestState::kMitigating:
      return "mitigating";
    case RequestState::kTerminated:
      return "terminated";
    case RequestState::kWithdrawn:
      return "withdrawn";
  }
  return "unknown";
}

Status MitigationScope::Validate() const {
  if (target_prefix.empty()) {
    return InvalidArgument("missing-field", "at least one target-prefix is required", "/target-prefix");
  }
  if (source_prefix.empty()) {
    return InvalidArgument("missing-field", "at least one source-prefix is required",
                           "/" + std::string(kSourcePrefixKey));
  }
  for (size_t i = 0; i < target_port_range.size(); ++i) {
    if (target_port_range[i].lower > target_port_range[i].upper) {
      return InvalidArgument("invalid-value", "lower-port is above upper-port",
                             "/target-port-range/" + std::to_string(i));
    }
  }
  if (lifetime != -1 && lifetime <= 0) {
    return InvalidArgument("out-of-range", "lifetime must be positive or -1 (indefinite)", "/lifetime");
  }
  return Status::Ok();
}

boost::json::object ToJson(const MitigationScope& scope) {
  boost::json::object entry;
  entry["mid"] = scope.mid;
  entry["target-prefix"] = Prefixes(scope.target_prefix);
  if (!scope.target_port_range.empty()) {
    boost::json::array ranges;
    for (const PortRange& r : scope.target_port_range) {
      ranges.push_back(boost::json::object{{"lower-port", r.lower}, {"upper-port", r.upper}});
    }
    entry["target-port-range"] = std::move(ranges);
  }
  if (!scope.target_protocol.empty()) {
    boost::json::array protocols;
    for (uint8_t p : scope.target_protocol) protocols.emplace_back(p);
    entry["target-protocol"] = std::move(protocols);
  }
  entry["lifetime"] = scope.lifetime;
  entry[kSourcePrefixKey] = Prefixes(scope.source_prefix);
  boost::json::array scopes;
  scopes.push_back(std::move(entry));
  return boost::json::object{{kScopeKey, boost::json::object{{"scope", std::move(scopes)}}}};
}

Result<StatusUpdate> ParseStatusUpdate(std::string_view text) {
  StatusUpdate update;
  AIIP_RETURN_IF_ERROR(ReadScope(text, [&](json::ObjectReader& r) {
    update.mid = static_cast<uint32_t>(r.RequiredInt("mid", 0, std::numeric_limits<uint32_t>::max()));
    update.status = static_cast<DotsStatus>(r.RequiredInt("status", 1, 8));
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    const auto bytes = r.OptionalInt("bytes-dropped", 0, kMax);
    const auto pkts = r.OptionalInt("pkts-dropped", 0, kMax);
    const auto bps = r.OptionalInt("bps-dropped", 0, kMax);
    const auto pps = r.OptionalInt("pps-dropped", 0, kMax);
    if (bytes || pkts || bps || pps) {
      update.counters =
          DropCounters{static_cast<uint64_t>(bytes.value_or(0)), static_cast<uint64_t>(pkts.value_or(0)),
                       static_cast<uint64_t>(bps.value_or(0)), static_cast<uint64_t>(pps.value_or(0))};
    }
    r.OptionalInt("lifetime", -1, kMax);
    r.OptionalInt("mitigation-start", 0, kMax);
  }));
  return update;
}

Result<EfficacyUpdate> ParseEfficacyUpdate(std::string_view text) {
  EfficacyUpdate update;
  AIIP_RETURN_IF_ERROR(ReadScope(text, [&](json::ObjectReader& r) {
    update.mid = static_cast<uint32_t>(r.RequiredInt("mid", 0, std::numeric_limits<uint32_t>::max()));
    update.attack_status = static_cast<AttackStatus>(r.RequiredInt("attack-status", 1, 2));
    r.OptionalInt("lifetime", -1, std::numeric_limits<int64_t>::max());
  }));
  return update;
}

MitigationRequest::MitigationRequest(MitigationScope scope, SystemTime created_at)
    : scope_(std::move(scope)), created_at_(created_at), last_event_at_(created_at) {}

bool MitigationRequest::live() const {
  return state_ != RequestState::kTerminated && state_ != RequestState::kWithdrawn;
}

Status MitigationRequest::CheckTime(SystemTime at) const {
  if (at < last_event_at_) {
    return InvalidArgument("out-of-order", "event at " + FormatRfc3339(at) + " is before the last event at " +
                                               FormatRfc3339(last_event_at_));
  }
  return Status::Ok();
}

Status MitigationRequest::Send(SystemTime at) {
  AIIP_RETURN_IF_ERROR(CheckTime(at));
  if (state_ != RequestState::kCreated) return BadTransition(state_, "sending");
  state_ = RequestState::kSent;
  sent_at_ = at;
  last_event_at_ = at;
  return Status::Ok();
}

Status MitigationRequest::Acknowledge(SystemTime at, std::string contact) {
  AIIP_RETURN_IF_ERROR(CheckTime(at));
  if (state_ != RequestState::kSent) return BadTransition(state_, "acknowledging");
  state_ = RequestState::kAcknowledged;
  acknowledged_at_ = at;
  acknowledged_by_ = std::move(contact);
  last_event_at_ = at;
  return Status::Ok();
}

Status MitigationRequest::UpdateStatus(SystemTime at, DotsStatus status,
                                       std::optional<DropCounters> counters) {
  AIIP_RETURN_IF_ERROR(CheckTime(at));
  const bool after_client_withdrawal = state_ == RequestState::kWithdrawn && withdrawn_by_client_ &&
                                       (status == DotsStatus::kDotsClientWithdrawnMitigation ||
                                        status == DotsStatus::kAttackMitigationTerminated);
  const bool live_after_send = state_ == RequestState::kSent || state_ == RequestState::kAcknowledged ||
                               state_ == RequestState::kMitigating;
  if (!after_client_withdrawal && !live_after_send) return BadTransition(state_, "a status update");
  if (status == DotsStatus::kDotsClientWithdrawnMitigation && !after_client_withdrawal) {
    return InvalidArgument(
        "invalid-value", "status 5 (dots-client-withdrawn-mitigation) before the client withdrew", "/status");
  }
  if (counters) {
    if (counters->bytes_dropped < counters_.bytes_dropped) {
      return InvalidArgument("counter-decreased", "bytes-dropped went down", "/bytes-dropped");
    }
    if (counters->pkts_dropped < counters_.pkts_dropped) {
      return InvalidArgument("counter-decreased", "pkts-dropped went down", "/pkts-dropped");
    }
    counters_ = *counters;
  }
  if (state_ == RequestState::kSent) {  // a status update is an acknowledgement too
    acknowledged_at_ = at;
    acknowledged_by_ = "status-update";
  }
  status_ = status;
  last_event_at_ = at;
  switch (status) {
    case DotsStatus::kAttackMitigationTerminated:
      state_ = RequestState::kTerminated;
      ended_at_ = ended_at_.value_or(at);
      break;
    case DotsStatus::kAttackMitigationWithdrawn:
      state_ = RequestState::kWithdrawn;
      ended_at_ = at;
      break;
    case DotsStatus::kDotsClientWithdrawnMitigation:
      break;
    default:
      state_ = RequestState::kMitigating;
  }
  return Status::Ok();
}

Status MitigationRequest::ReportEfficacy(SystemTime at, AttackStatus status) {
  AIIP_RETURN_IF_ERROR(CheckTime(at));
  if (!live() || state_ == RequestState::kCreated) return BadTransition(state_, "efficacy feedback");
  attack_status_ = status;
  last_event_at_ = at;
  return Status::Ok();
}

Status MitigationRequest::Withdraw(SystemTime at) {
  AIIP_RETURN_IF_ERROR(CheckTime(at));
  if (!live()) return BadTransition(state_, "withdrawal");
  state_ = RequestState::kWithdrawn;
  status_ = DotsStatus::kDotsClientWithdrawnMitigation;
  withdrawn_by_client_ = true;
  ended_at_ = at;
  last_event_at_ = at;
  return Status::Ok();
}

bool MitigationRequest::ExpireIfDue(SystemTime now) {
  if (!live() || !sent_at_ || scope_.lifetime < 0) return false;
  const SystemTime end = *sent_at_ + std::chrono::seconds(scope_.lifetime);
  if (now < end || end < last_event_at_) return false;
  state_ = RequestState::kTerminated;
  status_ = DotsStatus::kAttackMitigationTerminated;
  ended_at_ = end;
  last_event_at_ = end;
  return true;
}

boost::json::object MitigationRequest::ToJson() const {
  boost::json::object out = mitigation::ToJson(scope_);
  boost::json::object& entry = out[kScopeKey].as_object()["scope"].as_array()[0].as_object();
  if (status_) entry["status"] = static_cast<int>(*status_);
  if (status_) {
    entry["bytes-dropped"] = counters_.bytes_dropped;
    entry["pkts-dropped"] = counters_.pkts_dropped;
    entry["bps-dropped"] = counters_.bps_dropped;
    entry["pps-dropped"] = counters_.pps_dropped;
  }
  if (attack_status_) entry["attack-status"] = static_cast<int>(*attack_status_);
  boost::json::object state;
  state["state"] = RequestStateName(state_);
  if (status_) state["status-name"] = DotsStatusName(*status_);
  state["created-at"] = FormatRfc3339(created_at_);
  if (sent_at_) state["sent-at"] = FormatRfc3339(*sent_at_);
  if (acknowledged_at_) {
    state["acknowledged-at"] = FormatRfc3339(*acknowledged_at_);
    state["acknowledged-by"] = acknowledged_by_;
  }
  if (ended_at_) state["ended-at"] = FormatRfc3339(*ended_at_);
  if (state_ == RequestState::kWithdrawn || withdrawn_by_client_) {
    state["withdrawn-by"] = withdrawn_by_client_ ? "client" : "server";
  }
  out["aiip-state"] = std::move(state);
  return out;
}

}  // namespace aiip::mitigation
