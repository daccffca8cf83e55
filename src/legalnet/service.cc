#include "legalnet/service.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <set>

#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "common/time.h"
#include "common/words.h"
#include "legal/assess.h"
#include "legal/request.h"

namespace aiip::legalnet {

namespace bj = boost::json;
using legal::RequestKind;
using registry::Actor;

namespace {

constexpr size_t kMaxText = 8192;
constexpr size_t kTimerBatch = 200;

// States in which the recipient still owes an answer (a follow-up in one of them is
// "pending" for Budapest Art 29(7)).
const std::set<std::string, std::less<>> kPendingStates = {"sent", "received", "acknowledged", "executing",
                                                           "postponed"};

enum class Family { kPreservation, kAssistance, kInformation, kNotification };

Family FamilyOf(RequestKind kind) {
  switch (kind) {
    case RequestKind::kPreservation:
      return Family::kPreservation;
    case RequestKind::kSpontaneousInformation:
      return Family::kInformation;
    case RequestKind::kNotification:
      return Family::kNotification;
    default:
      return Family::kAssistance;
  }
}

// Who may send a kind: the 24/7 network for the expedited measures (Budapest Arts 29, 30,
// 35), central authorities for assistance and surrender (Arts 24(7), 27(2)), either for
// information and notification (Art 26; Stanford Draft Art 6(5)).
struct KindParties {
  std::vector<std::string_view> roles;
  std::vector<std::string_view> organisation_kinds;
};

KindParties PartiesOf(RequestKind kind) {
  switch (kind) {
    case RequestKind::kPreservation:
    case RequestKind::kTrafficDisclosure:
      return {{"poc-247"}, {"law-enforcement-247"}};
    case RequestKind::kSpontaneousInformation:
    case RequestKind::kNotification:
      return {{"poc-247", "central-authority"}, {"law-enforcement-247", "central-authority"}};
    default:
      return {{"central-authority"}, {"central-authority"}};
  }
}

std::string_view RoleOfOrganisationKind(std::string_view organisation_kind) {
  return organisation_kind == "law-enforcement-247" ? "poc-247" : "central-authority";
}

bool IsDataKind(RequestKind kind) {
  switch (kind) {
    case RequestKind::kPreservation:
    case RequestKind::kTrafficDisclosure:
    case RequestKind::kMlaProduction:
    case RequestKind::kMlaSearch:
    case RequestKind::kMlaRealtime:
    case RequestKind::kMlaInterception:
      return true;
    default:
      return false;
  }
}

bool IsMla(RequestKind kind) {
  return kind == RequestKind::kMlaProduction || kind == RequestKind::kMlaSearch ||
         kind == RequestKind::kMlaRealtime || kind == RequestKind::kMlaInterception;
}

// Data categories a kind may concern: traffic data only for Arts 30 and 33, content only
// for Art 34 interception.
std::vector<std::string_view> AllowedCategories(RequestKind kind) {
  switch (kind) {
    case RequestKind::kTrafficDisclosure:
    case RequestKind::kMlaRealtime:
      return {"traffic"};
    case RequestKind::kMlaInterception:
      return {"content"};
    default:
      return {"subscriber", "traffic", "content"};
  }
}

// Budapest Art 15(1) proportionality for every coercive measure; Art 15(2) judicial or
// independent supervision for real-time collection and interception, and an arrest warrant
// (a judicial decision) behind extradition and provisional arrest.
bool NeedsProportionality(RequestKind kind) { return IsDataKind(kind) || legal::IsSurrender(kind); }
bool NeedsJudicialAuthorisation(RequestKind kind) {
  return kind == RequestKind::kMlaRealtime || kind == RequestKind::kMlaInterception ||
         legal::IsSurrender(kind);
}

struct Move {
  std::vector<std::string_view> from;
  std::string_view to;
  std::string_view side;
};

const std::vector<Move>& MovesOf(Family family) {
  static const std::vector<Move> common = {
      {{"draft"}, "sent", "sender"},
      {{"draft"}, "withdrawn", "sender"},
      {{"sent"}, "received", "recipient"},
      {{"sent", "received"}, "acknowledged", "recipient"},
      {{"sent", "received"}, "withdrawn", "sender"},
  };
  static const std::vector<Move> execution = [] {
    std::vector<Move> moves = common;
    moves.push_back({{"acknowledged", "postponed"}, "executing", "recipient"});
    moves.push_back({{"acknowledged", "executing", "postponed"}, "executed", "recipient"});
    moves.push_back({{"acknowledged", "executing", "postponed"}, "partially-executed", "recipient"});
    moves.push_back({{"sent", "received", "acknowledged", "executing", "postponed"}, "refused", "recipient"});
    moves.push_back({{"acknowledged", "executing"}, "postponed", "recipient"});
    moves.push_back({{"acknowledged", "executing", "postponed"}, "withdrawn", "sender"});
    return moves;
  }();
  static const std::vector<Move> preservation = [] {
    std::vector<Move> moves = execution;
    // Preserved data is released when the requesting side no longer needs it, or at expiry.
    moves.push_back({{"executed", "partially-executed"}, "withdrawn", "sender"});
    moves.push_back(
        {{"sent", "received", "acknowledged", "executing", "postponed", "executed", "partially-executed"},
         "expired",
         "system"});
    return moves;
  }();
  static const std::vector<Move> information = [] {
    std::vector<Move> moves = common;
    // Budapest Art 26(2): the receiving Party tells the provider it cannot accept the conditions.
    moves.push_back({{"sent", "received"}, "refused", "recipient"});
    return moves;
  }();
  switch (family) {
    case Family::kPreservation:
      return preservation;
    case Family::kAssistance:
      return execution;
    case Family::kInformation:
      return information;
    case Family::kNotification:
      return common;
  }
  return common;
}

std::vector<std::string_view> Successors(RequestKind kind, std::string_view from) {
  std::vector<std::string_view> out;
  for (const Move& move : MovesOf(FamilyOf(kind))) {
    if (std::find(move.from.begin(), move.from.end(), from) != move.from.end() &&
        std::find(out.begin(), out.end(), move.to) == out.end()) {
      out.push_back(move.to);
    }
  }
  return out;
}

std::string Join(const std::vector<std::string_view>& items, std::string_view separator = ", ") {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

bj::array SplitToArray(std::string_view text) {
  bj::array out;
  for (std::string& word : SplitWords(text)) out.emplace_back(std::move(word));
  return out;
}

bj::value OptionalJson(const std::optional<std::string>& value) {
  return value ? bj::value(*value) : bj::value(nullptr);
}

std::string MemberOf(const Actor& actor) { return actor.IsSystem() ? "system" : actor.member; }

legal::Date Today(const Clock& clock) {
  return legal::Date{std::chrono::floor<std::chrono::days>(clock.Now())};
}

struct ContactRow {
  std::string id, name, phone, email, timezone;
  int64_t escalation_order = 0;
  bj::object ToJson() const {
    return bj::object{{"id", id},       {"name", name},         {"phone", phone},
                      {"email", email}, {"timezone", timezone}, {"escalation_order", escalation_order}};
  }
};

Result<std::vector<ContactRow>> ContactsOf(store::Tx& tx, const std::string& organisation) {
  AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query("SELECT id, name, phone, email, timezone, escalation_order "
                                 "FROM contacts WHERE organisation = ? ORDER BY escalation_order",
                                 {organisation}));
  std::vector<ContactRow> out;
  for (const store::Row& row : rows) {
    out.push_back({row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4), row.Int(5)});
  }
  return out;
}

Result<std::vector<std::string>> PendingFollowUps(store::Tx& tx, const std::string& id) {
  AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query("SELECT id, state FROM legal_requests WHERE linked_request = ? "
                                 "ORDER BY id",
                                 {id}));
  std::vector<std::string> out;
  for (const store::Row& row : rows) {
    if (kPendingStates.contains(row.Text(1))) out.push_back(row.Text(0));
  }
  return out;
}

}  // namespace

// ---- The state machine ----

std::optional<std::string_view> TransitionSide(RequestKind kind, std::string_view from, std::string_view to) {
  for (const Move& move : MovesOf(FamilyOf(kind))) {
    if (move.to == to && std::find(move.from.begin(), move.from.end(), from) != move.from.end()) {
      return move.side;
    }
  }
  return std::nullopt;
}

const std::vector<std::string_view>& StateNames() {
  static const std::vector<std::string_view> names = {
      "draft",   "sent",      "received",  "acknowledged", "executing", "executed", "partially-executed",
      "refused", "postponed", "withdrawn", "expired"};
  return names;
}

const std::vector<std::string_view>& RefusalGroundNames() {
  // The engine's refusal grounds (doc/legal.md) and the other grounds the instruments give:
  // dual criminality (Budapest Arts 25(4), 29(4)), the penalty threshold (Art 24(1)), no
  // legal basis, conditions not accepted (Art 26(2)), and grounds of the requested State's
  // own law (`other`, with the reasons saying which).
  static const std::vector<std::string_view> names = {"political-offence",
                                                      "essential-interests",
                                                      "nationality",
                                                      "death-penalty",
                                                      "human-rights",
                                                      "national-security-exclusion",
                                                      "dual-criminality",
                                                      "penalty-threshold",
                                                      "no-legal-basis",
                                                      "conditions-not-accepted",
                                                      "other"};
  return names;
}

// ---- Rows ----

struct LegalNetworkService::Row {
  std::string id, kind_name, requesting_state, requested_state, sender, recipient, request, assessment,
      outcome, state;
  RequestKind kind = RequestKind::kPreservation;
  bool urgent = false;
  std::optional<std::string> proportionality, judicial_authorisation;
  std::string data_categories;
  std::optional<std::string> conditions, linked_request, ack_due_at, contact;
  int64_t escalation_level = 0;
  std::optional<std::string> preservation_expires_at, preservation_extended_at;
  std::string created_by, created_at;
  std::optional<std::string> sent_at;
  std::string updated_at;
  int64_t version = 1;
};

namespace {
constexpr const char* kColumns =
    "id, kind, requesting_state, requested_state, sender, recipient, request, assessment, outcome, state, "
    "urgent, proportionality, judicial_authorisation, data_categories, conditions, linked_request, "
    "ack_due_at, "
    "contact, escalation_level, preservation_expires_at, preservation_extended_at, created_by, created_at, "
    "sent_at, updated_at, version";
}  // namespace

Result<LegalNetworkService::Row> LegalNetworkService::ReadRow(store::Tx& tx, std::string_view id) const {
  AIIP_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query(std::string("SELECT ") + kColumns + " FROM legal_requests WHERE id = ?", {std::string(id)}));
  if (rows.empty()) return Err(NotFound("no legal request " + std::string(id)));
  const store::Row& r = rows.front();
  Row row;
  row.id = r.Text(0);
  row.kind_name = r.Text(1);
  auto kind = legal::ParseRequestKind(row.kind_name);
  if (!kind) return Err(DataLoss("legal request " + row.id + " has an unknown kind " + row.kind_name));
  row.kind = *kind;
  row.requesting_state = r.Text(2);
  row.requested_state = r.Text(3);
  row.sender = r.Text(4);
  row.recipient = r.Text(5);
  row.request = r.Text(6);
  row.assessment = r.Text(7);
  row.outcome = r.Text(8);
  row.state = r.Text(9);
  row.urgent = r.Int(10) != 0;
  row.proportionality = r.OptionalText(11);
  row.judicial_authorisation = r.OptionalText(12);
  row.data_categories = r.Text(13);
  row.conditions = r.OptionalText(14);
  row.linked_request = r.OptionalText(15);
  row.ack_due_at = r.OptionalText(16);
  row.contact = r.OptionalText(17);
  row.escalation_level = r.Int(18);
  row.preservation_expires_at = r.OptionalText(19);
  row.preservation_extended_at = r.OptionalText(20);
  row.created_by = r.Text(21);
  row.created_at = r.Text(22);
  row.sent_at = r.OptionalText(23);
  row.updated_at = r.Text(24);
  row.version = r.Int(25);
  return row;
}

namespace {

bj::value ParseStored(const std::string& text) {
  boost::system::error_code ec;
  bj::value value = bj::parse(text, ec);
  return ec ? bj::value(nullptr) : value;
}

}  // namespace

boost::json::object LegalNetworkService::View(const Row& row) const {
  return bj::object{
      {"id", row.id},
      {"kind", row.kind_name},
      {"requesting_state", row.requesting_state},
      {"requested_state", row.requested_state},
      {"sender", row.sender},
      {"recipient", row.recipient},
      {"state", row.state},
      {"urgent", row.urgent},
      {"outcome", row.outcome},
      {"data_protection", bj::object{{"proportionality", OptionalJson(row.proportionality)},
                                     {"judicial_authorisation", OptionalJson(row.judicial_authorisation)},
                                     {"data_categories", SplitToArray(row.data_categories)}}},
      {"conditions", OptionalJson(row.conditions)},
      {"linked_request", OptionalJson(row.linked_request)},
      {"timers", bj::object{{"ack_due_at", OptionalJson(row.ack_due_at)},
                            {"contact", OptionalJson(row.contact)},
                            {"escalation_level", row.escalation_level},
                            {"preservation_expires_at", OptionalJson(row.preservation_expires_at)},
                            {"preservation_extended_at", OptionalJson(row.preservation_extended_at)}}},
      {"request", ParseStored(row.request)},
      {"assessment", ParseStored(row.assessment)},
      {"created_by", row.created_by},
      {"created_at", row.created_at},
      {"sent_at", OptionalJson(row.sent_at)},
      {"updated_at", row.updated_at},
      {"version", row.version}};
}

namespace {

Status UpdateRow(store::Tx& tx, const LegalNetworkService::Row& row, int64_t expected_version) {
  AIIP_RETURN_IF_ERROR(tx.Exec(
      "UPDATE legal_requests SET assessment = ?, outcome = ?, state = ?, ack_due_at = ?, contact = ?, "
      "escalation_level = ?, preservation_expires_at = ?, preservation_extended_at = ?, sent_at = ?, "
      "updated_at = ?, version = ? WHERE id = ? AND version = ?",
      {row.assessment, row.outcome, row.state, store::OptionalText(row.ack_due_at),
       store::OptionalText(row.contact), row.escalation_level,
       store::OptionalText(row.preservation_expires_at), store::OptionalText(row.preservation_extended_at),
       store::OptionalText(row.sent_at), row.updated_at, row.version, row.id, expected_version}));
  if (tx.ChangedRows() != 1)
    return Conflict("legal request " + row.id + " changed meanwhile; retry", "/version");
  return Status::Ok();
}

// The compact form of a transition, as stored, shown and sent in `legal.transition` events.
bj::object TransitionJson(const std::string& request, int64_t seq, const std::string& from,
                          const std::string& to, const std::string& member, const std::string& organisation,
                          const std::optional<std::string>& reasons, const std::string& grounds,
                          const std::string& at) {
  return bj::object{{"request", request},
                    {"seq", seq},
                    {"from", from},
                    {"to", to},
                    {"actor_member", member},
                    {"actor_organisation", organisation},
                    {"reasons", OptionalJson(reasons)},
                    {"grounds", SplitToArray(grounds)},
                    {"at", at}};
}

Result<int64_t> NextTransitionSeq(store::Tx& tx, const std::string& id) {
  AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query("SELECT MAX(seq) FROM legal_transitions WHERE request = ?", {id}));
  if (rows.empty() || rows.front().IsNull(0)) return 1;
  return rows.front().Int(0) + 1;
}

}  // namespace

LegalNetworkService::LegalNetworkService(store::Store& store, notify::EventLog& events,
                                         registry::AuditAppend audit, const Clock& clock, Random& random,
                                         legal::LegalData data, LegalNetworkOptions options,
                                         std::function<void()> events_committed)
    : store_(store),
      events_(events),
      audit_(std::move(audit)),
      clock_(clock),
      random_(random),
      data_(std::move(data)),
      options_(options),
      events_committed_(std::move(events_committed)) {}

LegalNetworkService::~LegalNetworkService() { Stop(); }

Status LegalNetworkService::CheckVisible(const Actor& actor, const Row& row) const {
  // Until it is sent, a request is the sender's own business.
  if (actor.IsSystem() || actor.HasRole("admin") || actor.organisation == row.sender ||
      (actor.organisation == row.recipient && row.sent_at)) {
    return Status::Ok();
  }
  return NotFound("no legal request " + row.id);
}

Result<boost::json::object> LegalNetworkService::Assessed(const std::string& request_text) const {
  AIIP_ASSIGN_OR_RETURN(legal::Request request, legal::ParseRequest(request_text));
  AIIP_ASSIGN_OR_RETURN(legal::Assessment assessment, legal::Assess(request, data_));
  return legal::AssessmentToJson(assessment);
}

Result<boost::json::object> LegalNetworkService::Assess(const boost::json::object& request) const {
  return Assessed(bj::serialize(request));
}

Result<boost::json::object> LegalNetworkService::Havens(const std::optional<std::string>& conduct,
                                                        const std::optional<std::string>& date) const {
  legal::Date at = Today(clock_);
  if (date) {
    auto parsed = legal::ParseDate(*date);
    if (!parsed) return Err(InvalidArgument("invalid-value", "date must be YYYY-MM-DD", "date"));
    at = *parsed;
  }
  auto havens = legal::ComputeHavens(data_, conduct, at);
  if (!havens) {
    // The engine names its own parameter; here it is the query parameter.
    return Err(InvalidArgument(havens.error().type(), havens.error().detail(), "conduct"));
  }
  return legal::HavensToJson(*havens);
}

// ---- Create ----

Result<boost::json::object> LegalNetworkService::Create(const Actor& actor, const boost::json::object& body) {
  json::ObjectReader reader(body);
  const bj::object* request_json = reader.OptionalObject("request");
  const std::optional<bool> urgent = reader.OptionalBool("urgent");
  const std::optional<std::string> recipient = reader.OptionalString("recipient", 64);
  const std::optional<std::string> linked = reader.OptionalString("linked_request", 64);
  const auto categories = reader.OptionalStringArray("data_categories", 3, 16);
  const std::optional<std::string> proportionality = reader.OptionalString("proportionality", kMaxText);
  const std::optional<std::string> judicial = reader.OptionalString("judicial_authorisation", 1024);
  const std::optional<std::string> conditions = reader.OptionalString("conditions", kMaxText);
  if (reader.ok() && request_json == nullptr)
    reader.Fail("request", "missing-field", "'request' is required");
  AIIP_RETURN_IF_ERROR(reader.Finish());

  const std::string request_text = bj::serialize(*request_json);
  auto parsed = legal::ParseRequest(request_text);
  if (!parsed) return Err(parsed.error().WithFieldPrefix("/request"));
  const legal::Request& request = *parsed;
  auto assessment = legal::Assess(request, data_);
  if (!assessment) return Err(assessment.error().WithFieldPrefix("/request"));
  const RequestKind kind = request.kind;
  const std::string kind_name(legal::RequestKindName(kind));

  // Who may send it.
  const KindParties parties = PartiesOf(kind);
  if (actor.IsSystem()) return Err(PermissionDenied("legal requests are sent by organisations"));
  if (std::none_of(parties.roles.begin(), parties.roles.end(),
                   [&](std::string_view role) { return actor.HasRole(role); })) {
    return Err(PermissionDenied("a " + kind_name + " request is sent by a member with the role " +
                                Join(parties.roles, " or ")));
  }
  if (std::find(parties.organisation_kinds.begin(), parties.organisation_kinds.end(),
                actor.organisation_kind) == parties.organisation_kinds.end()) {
    return Err(PermissionDenied("a " + kind_name + " request is sent by an organisation of kind " +
                                Join(parties.organisation_kinds, " or ") + ", not " +
                                actor.organisation_kind));
  }
  if (actor.state != request.requesting_state) {
    return Err(InvalidArgument("invalid-value",
                               "your organisation acts for " + actor.state.value_or("no State") + ", not " +
                                   request.requesting_state,
                               "/request/requesting_state"));
  }

  // Data protection (doc/legal_network.md, "Data protection").
  std::vector<std::string> category_list;
  if (categories) {
    const std::vector<std::string_view> allowed = AllowedCategories(kind);
    for (const std::string& category : *categories) {
      if (category != "subscriber" && category != "traffic" && category != "content") {
        return Err(InvalidArgument("invalid-value", "data categories are subscriber, traffic and content",
                                   "/data_categories"));
      }
      if (std::find(allowed.begin(), allowed.end(), category) == allowed.end()) {
        return Err(InvalidArgument("invalid-value",
                                   "a " + kind_name + " request concerns only " + Join(allowed) + " data",
                                   "/data_categories"));
      }
      if (std::find(category_list.begin(), category_list.end(), category) != category_list.end()) {
        return Err(InvalidArgument("invalid-value", "data category " + category + " is given twice",
                                   "/data_categories"));
      }
      category_list.push_back(category);
    }
    std::sort(category_list.begin(), category_list.end(), [](const std::string& a, const std::string& b) {
      auto rank = [](const std::string& c) { return c == "subscriber" ? 0 : c == "traffic" ? 1 : 2; };
      return rank(a) < rank(b);
    });
  }
  if (IsDataKind(kind) && category_list.empty()) {
    return Err(InvalidArgument("missing-field", "a " + kind_name + " request names the categories of data",
                               "/data_categories"));
  }
  if (!IsDataKind(kind) && !category_list.empty()) {
    return Err(InvalidArgument("invalid-value", "a " + kind_name + " request concerns no stored data",
                               "/data_categories"));
  }
  if (NeedsProportionality(kind) && !proportionality) {
    return Err(InvalidArgument(
        "missing-field",
        "a " + kind_name + " request states why the measure is proportionate (Budapest Art 15(1))",
        "/proportionality"));
  }
  if (NeedsJudicialAuthorisation(kind) && !judicial) {
    return Err(InvalidArgument(
        "missing-field", "a " + kind_name + " request cites its judicial authorisation (Budapest Art 15(2))",
        "/judicial_authorisation"));
  }
  if (conditions && kind != RequestKind::kSpontaneousInformation) {
    return Err(InvalidArgument("invalid-value",
                               "conditions on use go with spontaneous information only (Budapest Art 26(2))",
                               "/conditions"));
  }
  if (linked && !IsMla(kind)) {
    return Err(InvalidArgument(
        "invalid-value", "only a mutual assistance request follows up a preservation (Budapest Art 29(3))",
        "/linked_request"));
  }

  const std::string now = FormatRfc3339(clock_.Now());
  Row row;
  row.id = NewId("lreq", clock_, random_);
  row.kind = kind;
  row.kind_name = kind_name;
  row.requesting_state = request.requesting_state;
  row.requested_state = request.requested_state;
  row.sender = actor.organisation;
  row.request = request_text;
  bj::object assessment_json = legal::AssessmentToJson(*assessment);
  row.outcome = std::string(legal::OutcomeName(assessment->outcome));
  row.assessment = bj::serialize(assessment_json);
  row.state = "draft";
  row.urgent = urgent.value_or(false);
  row.proportionality = proportionality;
  row.judicial_authorisation = judicial;
  row.data_categories = JoinWords(category_list);
  row.conditions = conditions;
  row.linked_request = linked;
  row.created_by = actor.member;
  row.created_at = now;
  row.updated_at = now;

  Status written = store_.Write([&](store::Tx& tx) -> Status {
    // The recipient: the requested State's organisation of the kind that receives this
    // kind (for information and notification, the sender's own kind first).
    std::vector<std::string_view> recipient_kinds = parties.organisation_kinds;
    if (recipient_kinds.size() > 1 && recipient_kinds.front() != actor.organisation_kind) {
      std::swap(recipient_kinds[0], recipient_kinds[1]);
    }
    if (recipient) {
      AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                            tx.Query("SELECT kind, state FROM organisations WHERE id = ?", {*recipient}));
      if (rows.empty()) {
        return InvalidArgument("invalid-value", "no organisation " + *recipient, "/recipient");
      }
      if (rows.front().OptionalText(1) != request.requested_state ||
          std::find(recipient_kinds.begin(), recipient_kinds.end(), rows.front().Text(0)) ==
              recipient_kinds.end()) {
        return InvalidArgument("invalid-value",
                               "the recipient must be an organisation of kind " +
                                   Join(recipient_kinds, " or ") + " in " + request.requested_state,
                               "/recipient");
      }
      row.recipient = *recipient;
    } else {
      for (std::string_view organisation_kind : recipient_kinds) {
        AIIP_ASSIGN_OR_RETURN(
            store::Rows rows,
            tx.Query("SELECT id FROM organisations WHERE state = ? AND kind = ? ORDER BY id",
                     {request.requested_state, std::string(organisation_kind)}));
        if (rows.size() > 1) {
          std::vector<std::string> ids;
          for (const store::Row& r : rows) ids.push_back(r.Text(0));
          return InvalidArgument("ambiguous-recipient",
                                 request.requested_state + " has several organisations of kind " +
                                     std::string(organisation_kind) + " (" + JoinWords(ids) +
                                     "); name one in 'recipient'",
                                 "/recipient");
        }
        if (rows.size() == 1) {
          row.recipient = rows.front().Text(0);
          break;
        }
      }
      if (row.recipient.empty()) {
        return Status(Code::kFailedPrecondition, "no-recipient",
                      request.requested_state + " has no registered organisation of kind " +
                          Join(recipient_kinds, " or ") + " to receive a " + kind_name + " request",
                      "/request/requested_state");
      }
    }
    if (linked) {
      auto target = ReadRow(tx, *linked);
      if (!target) {
        return target.error().code() == Code::kNotFound
                   ? InvalidArgument("invalid-value", "no legal request " + *linked, "/linked_request")
                   : target.error();
      }
      if (target->kind != RequestKind::kPreservation && target->kind != RequestKind::kTrafficDisclosure) {
        return InvalidArgument("invalid-value",
                               "a follow-up links a preservation or traffic-disclosure request",
                               "/linked_request");
      }
      if (target->requesting_state != row.requesting_state ||
          target->requested_state != row.requested_state) {
        return InvalidArgument("invalid-value",
                               "the linked request is between " + target->requesting_state + " and " +
                                   target->requested_state + ", not this request's States",
                               "/linked_request");
      }
      if (target->state == "draft" || target->state == "withdrawn" || target->state == "expired" ||
          target->state == "refused") {
        return InvalidArgument("invalid-value",
                               "the linked request is " + target->state + "; nothing is preserved",
                               "/linked_request");
      }
    }
    AIIP_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO legal_requests (id, kind, requesting_state, requested_state, sender, recipient, "
        "request, "
        "assessment, outcome, state, urgent, proportionality, judicial_authorisation, data_categories, "
        "conditions, linked_request, ack_due_at, contact, escalation_level, preservation_expires_at, "
        "preservation_extended_at, created_by, created_at, sent_at, updated_at, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 0, NULL, NULL, ?, ?, NULL, ?, "
        "1)",
        {row.id, row.kind_name, row.requesting_state, row.requested_state, row.sender, row.recipient,
         row.request, row.assessment, row.outcome, row.state, int64_t{row.urgent ? 1 : 0},
         store::OptionalText(row.proportionality), store::OptionalText(row.judicial_authorisation),
         row.data_categories, store::OptionalText(row.conditions), store::OptionalText(row.linked_request),
         row.created_by, row.created_at, row.updated_at}));
    bj::object view = View(row);
    return audit_(tx, registry::AuditEvent{MemberOf(actor), actor.organisation, "legal.request.create",
                                           row.id, bj::serialize(view)});
  });
  AIIP_RETURN_IF_ERROR(written);
  bj::object view = View(row);
  view["transitions"] = bj::array{};
  view["follow_ups"] = bj::array{};
  return view;
}

// ---- Transitions ----

Result<boost::json::object> LegalNetworkService::Transition(const Actor& actor, std::string_view id,
                                                            const boost::json::object& body) {
  json::ObjectReader reader(body);
  const std::string to = reader.RequiredString("to", 32);
  const std::optional<std::string> reasons = reader.OptionalString("reasons", kMaxText);
  const auto grounds = reader.OptionalStringArray("grounds", 16, 64);
  const std::optional<int64_t> version = reader.OptionalInt("version", 1, INT64_MAX);
  if (reader.ok() && std::find(StateNames().begin(), StateNames().end(), to) == StateNames().end()) {
    reader.Fail("to", "invalid-value", "states are " + Join(StateNames()));
  }
  AIIP_RETURN_IF_ERROR(reader.Finish());
  std::vector<std::string> ground_list = grounds.value_or(std::vector<std::string>{});
  for (const std::string& ground : ground_list) {
    if (std::find(RefusalGroundNames().begin(), RefusalGroundNames().end(), ground) ==
        RefusalGroundNames().end()) {
      return Err(InvalidArgument("invalid-value",
                                 "refusal grounds are " + Join(RefusalGroundNames()) + "; not " + ground,
                                 "/grounds"));
    }
  }
  // Budapest Art 27(7): reasons for any refusal or postponement; grounds for a refusal.
  if (to == "refused" && ground_list.empty()) {
    return Err(
        InvalidArgument("missing-field", "a refusal names its grounds (Budapest Art 27(7))", "/grounds"));
  }
  if (to != "refused" && !ground_list.empty()) {
    return Err(InvalidArgument("invalid-value", "grounds are given only with a refusal", "/grounds"));
  }
  if ((to == "refused" || to == "postponed" || to == "partially-executed") && !reasons) {
    return Err(InvalidArgument("missing-field", "a move to " + to + " gives its reasons (Budapest Art 27(7))",
                               "/reasons"));
  }
  if (actor.IsSystem()) return Err(PermissionDenied("transitions are made by organisations"));

  bool appended = false;
  Status written = store_.Write([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(Row row, ReadRow(tx, id));
    AIIP_RETURN_IF_ERROR(CheckVisible(actor, row));
    if (version && *version != row.version) {
      return Conflict("legal request " + row.id + " is at version " + std::to_string(row.version),
                      "/version");
    }
    std::optional<std::string_view> side = TransitionSide(row.kind, row.state, to);
    if (!side) {
      const std::vector<std::string_view> next = Successors(row.kind, row.state);
      return Status(Code::kConflict, "illegal-transition",
                    "a " + row.kind_name + " request in state " + row.state + " cannot move to " + to +
                        (next.empty() ? "; it is final" : "; it can move to " + Join(next)),
                    "/to");
    }
    if (*side == "system") {
      return PermissionDenied("only the node's timers move a request to " + to);
    }
    const std::string& party = *side == "sender" ? row.sender : row.recipient;
    if (actor.organisation != party) {
      return PermissionDenied("only the " + std::string(*side) + " organisation (" + party +
                              ") moves a request to " + to);
    }
    // The sender acts with the role its kind needs; the recipient with the role of its
    // organisation's kind (its 24/7 point of contact or its central authority).
    if (*side == "sender") {
      const KindParties parties = PartiesOf(row.kind);
      if (std::none_of(parties.roles.begin(), parties.roles.end(),
                       [&](std::string_view role) { return actor.HasRole(role); })) {
        return PermissionDenied("moving a " + row.kind_name + " request needs the role " +
                                Join(parties.roles, " or "));
      }
    } else if (!actor.HasRole(RoleOfOrganisationKind(actor.organisation_kind))) {
      return PermissionDenied("answering needs the role " +
                              std::string(RoleOfOrganisationKind(actor.organisation_kind)));
    }

    const std::string now = FormatRfc3339(clock_.Now());
    const std::string from = row.state;
    const int64_t before = row.version;
    row.state = to;
    row.updated_at = now;
    row.version += 1;
    if (to == "sent") {
      // The assessment is taken again as the request leaves: the one attached is the one sent.
      AIIP_ASSIGN_OR_RETURN(legal::Request request, legal::ParseRequest(row.request));
      AIIP_ASSIGN_OR_RETURN(legal::Assessment assessment, legal::Assess(request, data_));
      row.assessment = bj::serialize(legal::AssessmentToJson(assessment));
      row.outcome = std::string(legal::OutcomeName(assessment.outcome));
      row.sent_at = now;
      row.ack_due_at =
          FormatRfc3339(clock_.Now() + (row.urgent ? options_.urgent_ack_target : options_.ack_target));
      AIIP_ASSIGN_OR_RETURN(std::vector<ContactRow> contacts, ContactsOf(tx, row.recipient));
      row.contact = contacts.empty() ? std::nullopt : std::optional<std::string>(contacts.front().id);
      row.escalation_level = 0;
      if (row.kind == RequestKind::kPreservation) {
        row.preservation_expires_at = FormatRfc3339(clock_.Now() + options_.preservation_period);
      }
    } else if (to != "received") {
      row.ack_due_at.reset();
    }
    AIIP_RETURN_IF_ERROR(UpdateRow(tx, row, before));
    AIIP_ASSIGN_OR_RETURN(int64_t seq, NextTransitionSeq(tx, row.id));
    const std::string grounds_text = JoinWords(ground_list);
    AIIP_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO legal_transitions (request, seq, from_state, to_state, actor_member, "
                "actor_organisation, "
                "reasons, grounds, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {row.id, seq, from, to, actor.member, actor.organisation, store::OptionalText(reasons),
                 grounds_text, now}));
    bj::object transition =
        TransitionJson(row.id, seq, from, to, actor.member, actor.organisation, reasons, grounds_text, now);
    AIIP_RETURN_IF_ERROR(
        audit_(tx, registry::AuditEvent{actor.member, actor.organisation, "legal.request." + to, row.id,
                                        bj::serialize(transition)}));
    if (to == "sent") {
      bj::object data = View(row);
      if (row.contact) {
        AIIP_ASSIGN_OR_RETURN(std::vector<ContactRow> contacts, ContactsOf(tx, row.recipient));
        data["contact"] = contacts.front().ToJson();
      }
      AIIP_RETURN_IF_ERROR(StatusOf(
          events_.Append(tx, notify::EventDraft{row.recipient, "legal.request", row.id, std::move(data)})));
    } else if (from != "draft") {
      transition["kind"] = row.kind_name;
      transition["state"] = row.state;
      transition["version"] = row.version;
      const std::string& other = *side == "sender" ? row.recipient : row.sender;
      AIIP_RETURN_IF_ERROR(StatusOf(
          events_.Append(tx, notify::EventDraft{other, "legal.transition", row.id, std::move(transition)})));
    }
    appended = to == "sent" || from != "draft";
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(written);
  if (appended && events_committed_) events_committed_();
  return Get(actor, id);
}

// ---- Reads ----

Result<boost::json::object> LegalNetworkService::Get(const Actor& actor, std::string_view id) const {
  bj::object out;
  Status read = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(Row row, ReadRow(tx, id));
    AIIP_RETURN_IF_ERROR(CheckVisible(actor, row));
    out = View(row);
    AIIP_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT seq, from_state, to_state, actor_member, actor_organisation, reasons, grounds, at "
                 "FROM legal_transitions WHERE request = ? ORDER BY seq",
                 {row.id}));
    bj::array transitions;
    for (const store::Row& r : rows) {
      transitions.push_back(TransitionJson(row.id, r.Int(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4),
                                           r.OptionalText(5), r.Text(6), r.Text(7)));
    }
    out["transitions"] = std::move(transitions);
    AIIP_ASSIGN_OR_RETURN(
        store::Rows follow_ups,
        tx.Query("SELECT id FROM legal_requests WHERE linked_request = ? ORDER BY id", {row.id}));
    bj::array ids;
    for (const store::Row& r : follow_ups) ids.emplace_back(r.Text(0));
    out["follow_ups"] = std::move(ids);
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(read);
  return out;
}

Result<std::pair<std::vector<boost::json::object>, std::optional<std::string>>> LegalNetworkService::List(
    const Actor& actor, const RequestFilter& filter) const {
  if (filter.box && *filter.box != "inbox" && *filter.box != "outbox") {
    return Err(InvalidArgument("invalid-value", "box is inbox or outbox", "box"));
  }
  if (filter.state &&
      std::find(StateNames().begin(), StateNames().end(), *filter.state) == StateNames().end()) {
    return Err(InvalidArgument("invalid-value", "states are " + Join(StateNames()), "state"));
  }
  if (filter.kind && !legal::ParseRequestKind(*filter.kind)) {
    return Err(InvalidArgument("invalid-value", "unknown request kind " + *filter.kind, "kind"));
  }
  const bool admin = actor.IsSystem() || actor.HasRole("admin");
  if (filter.organisation && !admin && *filter.organisation != actor.organisation) {
    return Err(PermissionDenied("only administrators list another organisation's requests"));
  }
  std::optional<std::string> organisation = filter.organisation;
  if (!organisation && !admin) organisation = actor.organisation;

  std::string sql = std::string("SELECT ") + kColumns + " FROM legal_requests WHERE id > ?";
  std::vector<store::Value> params{filter.after.value_or("")};
  if (organisation) {
    if (filter.box == "inbox") {
      sql += " AND recipient = ?";
      params.emplace_back(*organisation);
    } else if (filter.box == "outbox") {
      sql += " AND sender = ?";
      params.emplace_back(*organisation);
    } else {
      sql += " AND (sender = ? OR recipient = ?)";
      params.emplace_back(*organisation);
      params.emplace_back(*organisation);
    }
    // Until it is sent, a request is the sender's own business.
    sql += " AND (sent_at IS NOT NULL OR sender = ?)";
    params.emplace_back(*organisation);
  }
  if (filter.state) {
    sql += " AND state = ?";
    params.emplace_back(*filter.state);
  }
  if (filter.kind) {
    sql += " AND kind = ?";
    params.emplace_back(*filter.kind);
  }
  sql += " ORDER BY id LIMIT ?";
  params.emplace_back(static_cast<int64_t>(filter.limit + 1));

  std::vector<std::string> ids;
  Status read = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(sql, params));
    for (const store::Row& r : rows) ids.push_back(r.Text(0));
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(read);
  std::optional<std::string> next;
  if (ids.size() > filter.limit) {
    ids.resize(filter.limit);
    next = ids.back();
  }
  std::vector<bj::object> out;
  read = store_.Read([&](store::Tx& tx) -> Status {
    for (const std::string& request_id : ids) {
      AIIP_ASSIGN_OR_RETURN(Row row, ReadRow(tx, request_id));
      bj::object view = View(row);
      // Lists stay small: the request and its assessment are on GET of one request.
      view.erase("request");
      view.erase("assessment");
      out.push_back(std::move(view));
    }
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(read);
  return std::make_pair(std::move(out), next);
}

// ---- Timers ----

Result<TimerReport> LegalNetworkService::RunTimers() {
  TimerReport report;
  const std::string now = FormatRfc3339(clock_.Now());
  std::vector<std::string> due_acks, due_preservations;
  Status read = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        store::Rows acks,
        tx.Query("SELECT id FROM legal_requests WHERE ack_due_at <= ? AND state IN ('sent', "
                 "'received') ORDER BY ack_due_at LIMIT ?",
                 {now, static_cast<int64_t>(kTimerBatch)}));
    for (const store::Row& r : acks) due_acks.push_back(r.Text(0));
    AIIP_ASSIGN_OR_RETURN(
        store::Rows preservations,
        tx.Query(
            "SELECT id FROM legal_requests WHERE preservation_expires_at <= ? AND kind = 'preservation' AND "
            "state IN ('sent', 'received', 'acknowledged', 'executing', 'postponed', 'executed', "
            "'partially-executed') ORDER BY preservation_expires_at LIMIT ?",
            {now, static_cast<int64_t>(kTimerBatch)}));
    for (const store::Row& r : preservations) due_preservations.push_back(r.Text(0));
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(read);
  bool appended = false;

  for (const std::string& id : due_acks) {
    Status written = store_.Write([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(Row row, ReadRow(tx, id));
      // Another pass (or node) may have handled it since the read.
      if (!row.ack_due_at || *row.ack_due_at > now || (row.state != "sent" && row.state != "received")) {
        return Status::Ok();
      }
      AIIP_ASSIGN_OR_RETURN(std::vector<ContactRow> contacts, ContactsOf(tx, row.recipient));
      const int64_t before = row.version;
      const std::string missed_due = *row.ack_due_at;
      const std::optional<std::string> missed_contact = row.contact;
      const size_t next = static_cast<size_t>(row.escalation_level) + 1;
      bj::object data{{"request", row.id},
                      {"kind", row.kind_name},
                      {"urgent", row.urgent},
                      {"state", row.state},
                      {"missed_ack_due_at", missed_due},
                      {"missed_contact", OptionalJson(missed_contact)},
                      {"sender", row.sender},
                      {"recipient", row.recipient}};
      if (next < contacts.size()) {
        row.escalation_level = static_cast<int64_t>(next);
        row.contact = contacts[next].id;
        row.ack_due_at =
            FormatRfc3339(clock_.Now() + (row.urgent ? options_.urgent_ack_target : options_.ack_target));
        data["action"] = "escalated";
        data["level"] = row.escalation_level;
        data["contact"] = contacts[next].ToJson();
        data["ack_due_at"] = *row.ack_due_at;
        ++report.escalated;
      } else {
        row.ack_due_at.reset();
        data["action"] = "exhausted";
        data["level"] = row.escalation_level;
        data["contact"] = nullptr;
        data["ack_due_at"] = nullptr;
        ++report.exhausted;
      }
      row.updated_at = now;
      row.version += 1;
      AIIP_RETURN_IF_ERROR(UpdateRow(tx, row, before));
      AIIP_RETURN_IF_ERROR(audit_(
          tx, registry::AuditEvent{"system", "", "legal.request.escalate", row.id, bj::serialize(data)}));
      for (const std::string& recipient : {row.recipient, row.sender}) {
        AIIP_RETURN_IF_ERROR(
            StatusOf(events_.Append(tx, notify::EventDraft{recipient, "legal.escalation", row.id, data})));
      }
      appended = true;
      return Status::Ok();
    });
    if (!written.ok()) {
      log::Warn("legal escalation failed", {{"request", id}, {"error", written.ToString()}});
    }
  }

  for (const std::string& id : due_preservations) {
    Status written = store_.Write([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(Row row, ReadRow(tx, id));
      if (!row.preservation_expires_at || *row.preservation_expires_at > now ||
          !TransitionSide(row.kind, row.state, "expired")) {
        return Status::Ok();
      }
      AIIP_ASSIGN_OR_RETURN(std::vector<std::string> pending, PendingFollowUps(tx, row.id));
      const int64_t before = row.version;
      bj::array pending_json;
      for (const std::string& p : pending) pending_json.emplace_back(p);
      bj::object data{{"request", row.id},
                      {"kind", row.kind_name},
                      {"expires_at", *row.preservation_expires_at},
                      {"pending_follow_ups", std::move(pending_json)},
                      {"sender", row.sender},
                      {"recipient", row.recipient}};
      if (!pending.empty()) {
        // Budapest Art 29(7): kept pending a decision on the follow-up. Said once; the next
        // passes look again until the follow-up is decided.
        if (row.preservation_extended_at) return Status::Ok();
        row.preservation_extended_at = now;
        data["action"] = "extended";
        data["state"] = row.state;
        ++report.extended;
      } else {
        const std::string from = row.state;
        row.state = "expired";
        row.ack_due_at.reset();
        AIIP_ASSIGN_OR_RETURN(int64_t seq, NextTransitionSeq(tx, row.id));
        const std::optional<std::string> reasons =
            row.preservation_extended_at
                ? "the preservation period ended and the linked follow-up requests were decided (Budapest "
                  "Art 29(7))"
                : "the preservation period ended with no follow-up request pending (Budapest Art 29(7))";
        AIIP_RETURN_IF_ERROR(
            tx.Exec("INSERT INTO legal_transitions (request, seq, from_state, to_state, actor_member, "
                    "actor_organisation, "
                    "reasons, grounds, at) VALUES (?, ?, ?, ?, 'system', '', ?, '', ?)",
                    {row.id, seq, from, std::string("expired"), *reasons, now}));
        data["action"] = "expired";
        data["state"] = row.state;
        data["from"] = from;
        ++report.expired;
      }
      row.updated_at = now;
      row.version += 1;
      AIIP_RETURN_IF_ERROR(UpdateRow(tx, row, before));
      AIIP_RETURN_IF_ERROR(audit_(
          tx, registry::AuditEvent{"system", "",
                                   row.state == "expired" ? "legal.request.expired" : "legal.request.extend",
                                   row.id, bj::serialize(data)}));
      for (const std::string& recipient : {row.recipient, row.sender}) {
        AIIP_RETURN_IF_ERROR(
            StatusOf(events_.Append(tx, notify::EventDraft{recipient, "legal.expiry", row.id, data})));
      }
      appended = true;
      return Status::Ok();
    });
    if (!written.ok()) {
      log::Warn("legal preservation timer failed", {{"request", id}, {"error", written.ToString()}});
    }
  }
  if (appended && events_committed_) events_committed_();
  return report;
}

void LegalNetworkService::Start() {
  std::lock_guard lock(timer_mu_);
  if (timer_.joinable() || stopping_) return;
  timer_ = std::thread([this] {
    std::unique_lock wait_lock(timer_mu_);
    while (!stopping_) {
      timer_cv_.wait_for(wait_lock, options_.timer_interval, [this] { return stopping_; });
      if (stopping_) break;
      wait_lock.unlock();
      auto report = RunTimers();
      if (!report) log::Warn("legal timers failed", {{"error", report.error().ToString()}});
      wait_lock.lock();
    }
  });
}

void LegalNetworkService::Stop() {
  {
    std::lock_guard lock(timer_mu_);
    stopping_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
}

}  // namespace aiip::legalnet
