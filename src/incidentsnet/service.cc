#include "incidentsnet/service.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <mutex>
#include <set>

#include "common/encoding.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "common/time.h"
#include "common/words.h"
#include "crypto/sha256.h"
#include "incidents/report/report_json.h"
#include "incidents/stix/stix.h"

namespace aiip::incidentsnet {

namespace bj = boost::json;
namespace access = incidents::access;
namespace correlation = incidents::correlation;
namespace statistics = incidents::statistics;
namespace sanitiser = incidents::sanitiser;
using registry::Actor;

namespace {

constexpr size_t kLoadPage = 1000;
constexpr size_t kListBatch = 200;
constexpr size_t kMaxSubscriptionItems = 64;
constexpr size_t kMaxGroupMembers = 1000;
constexpr std::string_view kWarningKind = "incident.warning";

bj::array Strings(const std::vector<std::string>& values) {
  bj::array out;
  out.reserve(values.size());
  for (const std::string& v : values) out.emplace_back(v);
  return out;
}

std::string ActorName(const Actor& actor) { return actor.IsSystem() ? std::string("system") : actor.member; }

access::Tlp AccessTlp(incidents::Tlp tlp) {
  switch (tlp) {
    case incidents::Tlp::kClear:
      return access::Tlp::kClear;
    case incidents::Tlp::kGreen:
      return access::Tlp::kGreen;
    case incidents::Tlp::kAmber:
      return access::Tlp::kAmber;
    case incidents::Tlp::kAmberStrict:
      return access::Tlp::kAmberStrict;
    case incidents::Tlp::kRed:
      return access::Tlp::kRed;
  }
  return access::Tlp::kRed;
}

bool IsGroupId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The stored distribution attributes of a report row (columns organisation, owner_state,
// tlp, recipients, sharing_groups, national_only at `first`).
Result<access::ReportAccess> AccessOfRow(const store::Row& row, size_t first) {
  access::ReportAccess a;
  a.owner_organisation = row.Text(first);
  a.owner_state = row.Text(first + 1);
  AIIP_ASSIGN_OR_RETURN(a.tlp, access::ParseTlp(row.Text(first + 2)));
  a.recipient_organisations = SplitWords(row.Text(first + 3));
  a.sharing_groups = SplitWords(row.Text(first + 4));
  a.national_only = row.Int(first + 5) != 0;
  return a;
}

Result<access::MapDirectory> DirectoryIn(store::Tx& tx) {
  access::MapDirectory directory;
  AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query("SELECT sharing_group, organisation FROM sharing_group_members"));
  for (const store::Row& row : rows) directory.AddToGroup(row.Text(0), row.Text(1));
  // TLP:AMBER reaches the clients of the reporting organisation (access::Decide).
  AIIP_ASSIGN_OR_RETURN(store::Rows clients, tx.Query("SELECT provider, client FROM organisation_clients"));
  for (const store::Row& row : clients) directory.AddClient(row.Text(0), row.Text(1));
  return directory;
}

std::vector<correlation::Indicator> CorrelationIndicators(const incidents::Report& report) {
  std::vector<correlation::Indicator> out;
  for (const incidents::Indicator& indicator : report.indicators) {
    Result<correlation::Indicator> canonical =
        correlation::Canonicalise(incidents::IndicatorTypeName(indicator.type), indicator.value);
    if (canonical) out.push_back(std::move(*canonical));
  }
  return out;
}

std::string ValueId(std::string_view type, std::string_view value) {
  return crypto::DigestHex(crypto::Sha256(std::string(type) + "\n" + std::string(value)));
}

// One early-warning subscription as stored.
struct Subscription {
  std::string id;
  std::string organisation;
  std::vector<std::string> sectors, regions, attack_types, products, indicator_types;
  std::set<std::string> channels;
  std::string created_at;

  bj::object ToJson() const {
    bj::array channel_list;
    for (const std::string& c : channels) channel_list.emplace_back(c);
    return bj::object{{"id", id},
                      {"organisation", organisation},
                      {"sectors", Strings(sectors)},
                      {"regions", Strings(regions)},
                      {"attack_types", Strings(attack_types)},
                      {"products", Strings(products)},
                      {"indicator_types", Strings(indicator_types)},
                      {"channels", std::move(channel_list)},
                      {"created_at", created_at}};
  }
};

constexpr std::string_view kSubscriptionColumns =
    "id, organisation, sectors, regions, attack_types, products, indicator_types, channels, created_at";

Result<std::vector<std::string>> JsonStrings(const std::string& text) {
  AIIP_ASSIGN_OR_RETURN(bj::value value, json::Parse(text));
  std::vector<std::string> out;
  if (!value.is_array()) return Err(Internal("a stored subscription criterion is not an array"));
  for (const bj::value& item : value.as_array()) {
    if (!item.is_string()) return Err(Internal("a stored subscription criterion holds a non-string"));
    out.emplace_back(item.as_string());
  }
  return out;
}

Result<Subscription> SubscriptionOfRow(const store::Row& row) {
  Subscription s;
  s.id = row.Text(0);
  s.organisation = row.Text(1);
  AIIP_ASSIGN_OR_RETURN(s.sectors, JsonStrings(row.Text(2)));
  AIIP_ASSIGN_OR_RETURN(s.regions, JsonStrings(row.Text(3)));
  AIIP_ASSIGN_OR_RETURN(s.attack_types, JsonStrings(row.Text(4)));
  AIIP_ASSIGN_OR_RETURN(s.products, JsonStrings(row.Text(5)));
  AIIP_ASSIGN_OR_RETURN(s.indicator_types, JsonStrings(row.Text(6)));
  for (std::string& c : SplitWords(row.Text(7))) s.channels.insert(std::move(c));
  s.created_at = row.Text(8);
  return s;
}

// What a subscription matches on: the sanitised report and the region the statistics use.
bool Matches(const Subscription& s, const incidents::Report& report, std::string_view region) {
  auto any_or = [](const std::vector<std::string>& criterion, auto&& test) {
    return criterion.empty() || std::any_of(criterion.begin(), criterion.end(), test);
  };
  if (!any_or(s.sectors, [&](const std::string& v) { return v == incidents::SectorCode(report.sector); }))
    return false;
  if (!any_or(s.regions, [&](const std::string& v) { return v == region; })) return false;
  if (!any_or(s.attack_types, [&](const std::string& v) {
        return v == report.attack_type.ToString() || v == report.attack_type.klass;
      }))
    return false;
  if (!any_or(s.products, [&](const std::string& v) {
        const std::string wanted = Lower(v);
        return std::any_of(
            report.affected_products.begin(), report.affected_products.end(),
            [&](const incidents::AffectedProduct& p) { return Lower(p.value).starts_with(wanted); });
      }))
    return false;
  return any_or(s.indicator_types, [&](const std::string& v) {
    return std::any_of(
        report.indicators.begin(), report.indicators.end(),
        [&](const incidents::Indicator& i) { return incidents::IndicatorTypeName(i.type) == v; });
  });
}

const std::vector<statistics::LossBand>& StatisticsBands() {
  static const std::vector<statistics::LossBand> bands = {
      {"lt-10k", 0, 10'000},
      {"10k-100k", 10'000, 100'000},
      {"100k-1m", 100'000, 1'000'000},
      {"1m-10m", 1'000'000, 10'000'000},
      {"10m-100m", 10'000'000, 100'000'000},
      {"ge-100m", 100'000'000, std::nullopt},
  };
  return bands;
}

}  // namespace

access::Reader ReaderOf(const Actor& actor) {
  access::Reader reader;
  reader.member = actor.member;
  reader.organisation = actor.organisation;
  reader.state = actor.state.value_or("");
  reader.agency = actor.organisation_kind == "agency";
  reader.designated_contact = actor.HasRole("poc-247");
  return reader;
}

struct IncidentService::Stored {
  std::string id;
  access::ReportAccess access;
  std::string submitted_by, format, original, sanitised, redaction_log, rules, created_at;
  int64_t version = 1;
};

namespace {
constexpr std::string_view kReportColumns =
    "id, organisation, owner_state, tlp, recipients, sharing_groups, national_only, submitted_by, format, "
    "original, sanitised, redaction_log, rules, created_at, version";
}  // namespace

IncidentService::IncidentService(store::Store& store, notify::EventLog& events, registry::AuditAppend audit,
                                 const Clock& clock, Random& random, std::function<void()> events_committed,
                                 IncidentOptions options)
    : store_(store),
      events_(events),
      audit_(std::move(audit)),
      clock_(clock),
      random_(random),
      events_committed_(std::move(events_committed)),
      options_(std::move(options)),
      index_(correlation::Options{options_.correlation_limit}) {}

IncidentService::~IncidentService() = default;

void IncidentService::Index(const std::string& id, const access::ReportAccess& report_access,
                            const std::vector<correlation::Indicator>& indicators) {
  std::unique_lock lock(mu_);
  access_[id] = report_access;
  index_.Put(id, indicators);
}

Status IncidentService::Load() {
  std::map<std::string, access::ReportAccess, std::less<>> loaded_access;
  std::string last_id;
  while (true) {
    store::Rows rows;
    Status io = store_.Read([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(rows,
                            tx.Query("SELECT id, organisation, owner_state, tlp, recipients, sharing_groups, "
                                     "national_only FROM incident_reports WHERE id > ? ORDER BY id LIMIT ?",
                                     {last_id, static_cast<int64_t>(kLoadPage)}));
      return Status::Ok();
    });
    AIIP_RETURN_IF_ERROR(io);
    for (const store::Row& row : rows) {
      Result<access::ReportAccess> a = AccessOfRow(row, 1);
      if (!a) {
        log::Error("a stored incident report has bad distribution attributes; skipped",
                   {{"id", row.Text(0)}, {"error", a.error().ToString()}});
        continue;
      }
      loaded_access.emplace(row.Text(0), std::move(*a));
    }
    if (rows.size() < kLoadPage) break;
    last_id = rows.back().Text(0);
  }

  std::map<std::string, std::vector<correlation::Indicator>, std::less<>> indicators;
  std::string last_report, last_value;
  size_t occurrences = 0;
  while (true) {
    store::Rows rows;
    Status io = store_.Read([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(
          rows, tx.Query("SELECT rv.report, rv.value_id, v.type, v.value FROM incident_report_values rv "
                         "JOIN incident_values v ON v.id = rv.value_id "
                         "WHERE rv.report > ? OR (rv.report = ? AND rv.value_id > ?) "
                         "ORDER BY rv.report, rv.value_id LIMIT ?",
                         {last_report, last_report, last_value, static_cast<int64_t>(kLoadPage)}));
      return Status::Ok();
    });
    AIIP_RETURN_IF_ERROR(io);
    for (const store::Row& row : rows) {
      Result<correlation::Indicator> canonical = correlation::Canonicalise(row.Text(2), row.Text(3));
      if (!canonical) continue;  // it was canonical when stored; a newer canonical form may refuse it
      indicators[row.Text(0)].push_back(std::move(*canonical));
      ++occurrences;
    }
    if (rows.size() < kLoadPage) break;
    last_report = rows.back().Text(0);
    last_value = rows.back().Text(1);
  }

  std::unique_lock lock(mu_);
  for (auto& [id, a] : loaded_access) {
    auto found = indicators.find(id);
    index_.Put(id, found == indicators.end() ? std::vector<correlation::Indicator>{} : found->second);
  }
  access_ = std::move(loaded_access);
  log::Info("incident reports loaded", {{"reports", access_.size()}, {"indicator_occurrences", occurrences}});
  return Status::Ok();
}

Status IncidentService::CheckManages(const Actor& actor, std::string_view organisation) const {
  if (actor.IsSystem() || actor.HasRole("admin") || actor.organisation == organisation) return Status::Ok();
  return PermissionDenied("only members of " + std::string(organisation) +
                          " or an administrator may do this");
}

Result<access::MapDirectory> IncidentService::LoadDirectory() const {
  access::MapDirectory directory;
  Status io = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(directory, DirectoryIn(tx));
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(io);
  return directory;
}

Result<IncidentService::Stored> IncidentService::ReadReport(std::string_view id) const {
  store::Rows rows;
  Status io = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        rows, tx.Query("SELECT " + std::string(kReportColumns) + " FROM incident_reports WHERE id = ?",
                       {std::string(id)}));
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(io);
  if (rows.empty()) return Err(NotFound("no incident report " + std::string(id)));
  const store::Row& row = rows[0];
  Stored s;
  s.id = row.Text(0);
  AIIP_ASSIGN_OR_RETURN(s.access, AccessOfRow(row, 1));
  s.submitted_by = row.Text(7);
  s.format = row.Text(8);
  s.original = row.Text(9);
  s.sanitised = row.Text(10);
  s.redaction_log = row.Text(11);
  s.rules = row.Text(12);
  s.created_at = row.Text(13);
  s.version = row.Int(14);
  return s;
}

// ---- Submission ----

Result<bj::object> IncidentService::Submit(const Actor& actor, std::string_view body, bool stix) {
  if (actor.organisation.empty() || !actor.state) {
    return Err(
        FailedPrecondition("no-state",
                           "incident reports are submitted by an organisation of a State; the caller's "
                           "organisation has none"));
  }
  incidents::Report report;
  sanitiser::Rules report_rules = sanitiser::NoRules();
  bj::array notes;
  if (stix) {
    AIIP_ASSIGN_OR_RETURN(incidents::stix::Import imported, incidents::stix::BundleToReport(body));
    report = std::move(imported.report);
    for (std::string& note : imported.notes) notes.emplace_back(std::move(note));
  } else {
    AIIP_ASSIGN_OR_RETURN(bj::object object, json::ParseObject(body));
    if (const bj::value* rules = object.if_contains("sanitiser_rules")) {
      if (!rules->is_object()) {
        return Err(InvalidArgument("wrong-type", "sanitiser_rules is an object", "/sanitiser_rules"));
      }
      AIIP_ASSIGN_OR_RETURN(report_rules, sanitiser::ParseRulesObject(rules->get_object(), "/sanitiser_rules",
                                                                      sanitiser::NoRules()));
      object.erase("sanitiser_rules");
    }
    AIIP_ASSIGN_OR_RETURN(report, incidents::ParseReportObject(object));
  }

  access::ReportAccess report_access;
  report_access.owner_organisation = actor.organisation;
  report_access.owner_state = *actor.state;
  report_access.tlp = AccessTlp(report.tlp);
  report_access.recipient_organisations = report.recipients;
  report_access.sharing_groups = report.sharing_groups;
  report_access.national_only = report.national_only;

  // What the node knows of the reporter joins the private terms, whether or not the report
  // names it: the organisation's and the submitting member's names.
  std::string organisation_name;
  std::string member_name;
  Status io = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(store::Rows groups, tx.Query("SELECT id FROM sharing_groups"));
    std::set<std::string, std::less<>> known;
    for (const store::Row& row : groups) known.insert(row.Text(0));
    Status valid = access::ValidateReportAccess(report_access, &known);
    if (!valid.ok()) {
      std::string field = valid.field();
      if (field.starts_with("/recipient_organisations")) field = "/recipients" + field.substr(24);
      return Status(valid.code(), valid.type(), valid.detail(), field);
    }
    for (size_t i = 0; i < report.recipients.size(); ++i) {
      AIIP_ASSIGN_OR_RETURN(store::Rows found,
                            tx.Query("SELECT id FROM organisations WHERE id = ?", {report.recipients[i]}));
      if (found.empty()) {
        return InvalidArgument("unknown-organisation", "no organisation " + report.recipients[i],
                               "/recipients/" + std::to_string(i));
      }
    }
    AIIP_ASSIGN_OR_RETURN(store::Rows org,
                          tx.Query("SELECT name FROM organisations WHERE id = ?", {actor.organisation}));
    if (!org.empty()) organisation_name = org[0].Text(0);
    AIIP_ASSIGN_OR_RETURN(store::Rows member,
                          tx.Query("SELECT name FROM members WHERE id = ?", {actor.member}));
    if (!member.empty()) member_name = member[0].Text(0);
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(io);

  sanitiser::Rules rules = sanitiser::MergeRules(options_.rules, report_rules);
  for (const std::string& term : {organisation_name, member_name}) {
    if (term.size() >= 3) rules.private_terms.push_back(term);
  }
  std::array<uint8_t, 32> salt_bytes{};
  random_.Fill(salt_bytes);
  const std::string salt(reinterpret_cast<const char*>(salt_bytes.data()), salt_bytes.size());
  sanitiser::Sanitised sanitised = sanitiser::Sanitise(report, rules, salt);
  const incidents::Report& clean = sanitised.report;

  const std::string id = NewId("inc", clock_, random_);
  const std::string now = FormatRfc3339(clock_.Now());
  const std::string original_json = incidents::SerializeReport(report);
  const std::string sanitised_json = incidents::SerializeReport(clean);
  const std::string log_json = bj::serialize(sanitiser::RedactionLogToJson(sanitised.redactions, salt));
  const std::string rules_json = bj::serialize(sanitiser::RulesToJson(rules));
  const std::string region = clean.region ? clean.region->country : *actor.state;
  const std::string month = FormatRfc3339(clean.first_seen).substr(0, 7);
  std::optional<std::string> loss_band, loss_currency;
  if (clean.estimated_loss) {
    if (clean.estimated_loss->band)
      loss_band = std::string(incidents::LossBandName(*clean.estimated_loss->band));
    else if (clean.estimated_loss->amount)
      loss_band = std::string(incidents::LossBandName(incidents::BandOf(*clean.estimated_loss->amount)));
    loss_currency = clean.estimated_loss->currency;
  }
  store::Value hours_to_detect = store::Null{};
  if (clean.detected_at) {
    hours_to_detect =
        std::chrono::duration<double, std::ratio<3600>>(*clean.detected_at - clean.first_seen).count();
  }
  const std::vector<correlation::Indicator> indicators = CorrelationIndicators(clean);
  const bj::object sanitised_object = incidents::ReportToJson(clean);

  size_t warned = 0;
  Status written = store_.Write([&](store::Tx& tx) -> Status {
    warned = 0;
    AIIP_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO incident_reports (id, organisation, owner_state, submitted_by, format, submitted, "
        "original, "
        "sanitised, redaction_log, rules, tlp, recipients, sharing_groups, national_only, sector, region, "
        "attack_type, month, loss_band, loss_currency, hours_to_detect, created_at, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        {id,
         actor.organisation,
         *actor.state,
         ActorName(actor),
         std::string(stix ? "stix" : "native"),
         std::string(body),
         original_json,
         sanitised_json,
         log_json,
         rules_json,
         std::string(incidents::TlpName(clean.tlp)),
         JoinWords(clean.recipients),
         JoinWords(clean.sharing_groups),
         int64_t{clean.national_only ? 1 : 0},
         std::string(incidents::SectorCode(clean.sector)),
         region,
         clean.attack_type.ToString(),
         month,
         store::OptionalText(loss_band),
         store::OptionalText(loss_currency),
         hours_to_detect,
         now}));
    for (const correlation::Indicator& indicator : indicators) {
      const std::string type(correlation::TypeName(indicator.type));
      const std::string value_id = ValueId(type, indicator.value);
      AIIP_RETURN_IF_ERROR(tx.Exec(
          "INSERT INTO incident_values (id, type, value) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
          {value_id, type, indicator.value}));
      AIIP_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO incident_report_values (report, value_id) VALUES (?, ?) ON CONFLICT (report, "
                  "value_id) "
                  "DO NOTHING",
                  {id, value_id}));
    }
    // The audit log is readable by every member: the entry names no one (the time and the
    // report id would otherwise tie the report to its reporter). Its object hash commits to
    // the submitter and the report's salt, so the reporter can prove authorship later.
    bj::object audited{{"id", id},
                       {"organisation", actor.organisation},
                       {"member", ActorName(actor)},
                       {"salt", HexEncode(salt)},
                       {"tlp", incidents::TlpName(clean.tlp)},
                       {"original_sha256", crypto::DigestHex(crypto::Sha256(original_json))},
                       {"sanitised_sha256", crypto::DigestHex(crypto::Sha256(sanitised_json))},
                       {"redactions", sanitised.redactions.size()}};
    AIIP_RETURN_IF_ERROR(
        audit_(tx, registry::AuditEvent{"system", "", "incident.submit", id, bj::serialize(audited)}));

    // Early warning: every organisation with a matching subscription that may read the report.
    AIIP_ASSIGN_OR_RETURN(
        store::Rows subscription_rows,
        tx.Query("SELECT " + std::string(kSubscriptionColumns) +
                     " FROM incident_subscriptions WHERE organisation <> ? ORDER BY organisation, id",
                 {actor.organisation}));
    std::map<std::string, std::pair<std::vector<std::string>, std::set<std::string>>> matched;
    for (const store::Row& row : subscription_rows) {
      AIIP_ASSIGN_OR_RETURN(Subscription s, SubscriptionOfRow(row));
      if (!Matches(s, clean, region)) continue;
      auto& [ids, channels] = matched[s.organisation];
      ids.push_back(s.id);
      channels.insert(s.channels.begin(), s.channels.end());
    }
    if (matched.empty()) return Status::Ok();
    AIIP_ASSIGN_OR_RETURN(access::MapDirectory directory, DirectoryIn(tx));
    // A warning about a report the Agency itself may not read (kept national) is confidential
    // to its recipient: administrators reading every organisation's events do not see it.
    access::Reader agency;
    agency.agency = true;
    const bool confidential = !access::CanRead(report_access, agency, directory);
    for (const auto& [organisation, what] : matched) {
      AIIP_ASSIGN_OR_RETURN(store::Rows org,
                            tx.Query("SELECT state, kind FROM organisations WHERE id = ?", {organisation}));
      if (org.empty()) continue;
      access::Reader reader;
      reader.organisation = organisation;
      reader.state = org[0].OptionalText(0).value_or("");
      reader.agency = org[0].Text(1) == "agency";
      // For RED the organisation is told only that a report names it (no content): its
      // designated contacts read the report itself.
      reader.designated_contact = true;
      if (!access::CanRead(report_access, reader, directory)) continue;
      bj::object data{{"report", id},
                      {"tlp", incidents::TlpName(clean.tlp)},
                      {"sector", incidents::SectorCode(clean.sector)},
                      {"region", region},
                      {"attack_type", clean.attack_type.ToString()},
                      {"created_at", now},
                      {"subscriptions", Strings(what.first)}};
      if (clean.tlp == incidents::Tlp::kRed) {
        data["note"] = "TLP:RED: only the organisation's designated contacts may read the report";
      } else {
        data["incident"] = sanitised_object;
      }
      notify::EventDraft draft;
      draft.recipient = organisation;
      draft.kind = std::string(kWarningKind);
      draft.subject = id;
      draft.data = std::move(data);
      draft.stream = what.second.contains("stream");
      draft.webhooks = what.second.contains("webhook");
      draft.confidential = confidential;
      draft.email = what.second.contains("email");
      AIIP_RETURN_IF_ERROR(StatusOf(events_.Append(tx, draft)));
      ++warned;
    }
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(written);
  Index(id, report_access, indicators);
  if (warned > 0 && events_committed_) events_committed_();
  return bj::object{{"id", id},     {"tlp", incidents::TlpName(clean.tlp)},      {"created_at", now},
                    {"version", 1}, {"redactions", sanitised.redactions.size()}, {"notes", std::move(notes)}};
}

// ---- Reads ----

Result<bj::object> IncidentService::Get(const Actor& actor, std::string_view id) const {
  AIIP_ASSIGN_OR_RETURN(Stored s, ReadReport(id));
  const bool own = !actor.organisation.empty() && actor.organisation == s.access.owner_organisation;
  if (!own) {
    AIIP_ASSIGN_OR_RETURN(access::MapDirectory directory, LoadDirectory());
    if (!access::CanRead(s.access, ReaderOf(actor), directory))
      return Err(NotFound("no incident report " + std::string(id)));
  }
  AIIP_ASSIGN_OR_RETURN(bj::object sanitised, json::ParseObject(s.sanitised));
  bj::object out{{"id", s.id},
                 {"tlp", access::TlpName(s.access.tlp)},
                 {"created_at", s.created_at},
                 {"version", s.version},
                 {"own", own},
                 {"report", std::move(sanitised)}};
  if (own) {
    AIIP_ASSIGN_OR_RETURN(bj::object original, json::ParseObject(s.original));
    AIIP_ASSIGN_OR_RETURN(bj::object log, json::ParseObject(s.redaction_log));
    AIIP_ASSIGN_OR_RETURN(bj::object rules, json::ParseObject(s.rules));
    out["organisation"] = s.access.owner_organisation;
    out["submitted_by"] = s.submitted_by;
    out["format"] = s.format;
    out["original"] = std::move(original);
    out["redaction_log"] = std::move(log);
    out["rules"] = std::move(rules);
  }
  return out;
}

Result<registry::Page<bj::object>> IncidentService::List(const Actor& actor, const ReportFilter& filter,
                                                         const registry::PageRequest& page) const {
  if (filter.sector && !incidents::ParseSector(*filter.sector)) {
    return Err(InvalidArgument("invalid-value", "unknown sector '" + *filter.sector + "'", "sector"));
  }
  if (filter.tlp && !incidents::ParseTlp(*filter.tlp)) {
    return Err(InvalidArgument("invalid-value", "tlp is CLEAR, GREEN, AMBER, AMBER+STRICT or RED", "tlp"));
  }
  std::optional<std::string> attack_type;
  if (filter.attack_type) {
    auto parsed = incidents::ParseAttackType(*filter.attack_type);
    if (!parsed) return Err(InvalidArgument("invalid-value", "unknown RSIT attack type", "attack_type"));
    attack_type = parsed->ToString();
  }
  if (filter.own && actor.organisation.empty()) return registry::Page<bj::object>{};
  AIIP_ASSIGN_OR_RETURN(access::MapDirectory directory, LoadDirectory());
  const access::Reader reader = ReaderOf(actor);

  registry::Page<bj::object> out;
  std::string after = page.after.value_or("");
  while (out.items.size() < page.limit) {
    store::Rows rows;
    Status io = store_.Read([&](store::Tx& tx) -> Status {
      std::string sql =
          "SELECT id, organisation, owner_state, tlp, recipients, sharing_groups, national_only, sanitised, "
          "created_at, sector, attack_type FROM incident_reports WHERE id > ?";
      std::vector<store::Value> params{after};
      if (filter.own) {
        sql += " AND organisation = ?";
        params.emplace_back(actor.organisation);
      }
      if (filter.sector) {
        sql += " AND sector = ?";
        params.emplace_back(*filter.sector);
      }
      if (filter.tlp) {
        sql += " AND tlp = ?";
        params.emplace_back(*filter.tlp);
      }
      sql += " ORDER BY id LIMIT ?";
      params.emplace_back(static_cast<int64_t>(kListBatch));
      AIIP_ASSIGN_OR_RETURN(rows, tx.Query(sql, params));
      return Status::Ok();
    });
    AIIP_RETURN_IF_ERROR(io);
    for (const store::Row& row : rows) {
      after = row.Text(0);
      if (attack_type) {
        const std::string& stored = row.Text(10);
        if (stored != *attack_type && !stored.starts_with(*attack_type + ":")) continue;
      }
      AIIP_ASSIGN_OR_RETURN(access::ReportAccess a, AccessOfRow(row, 1));
      const bool own = !actor.organisation.empty() && a.owner_organisation == actor.organisation;
      if (!own && !access::CanRead(a, reader, directory)) continue;
      AIIP_ASSIGN_OR_RETURN(bj::object sanitised, json::ParseObject(row.Text(7)));
      bj::object item{{"id", row.Text(0)},
                      {"tlp", row.Text(3)},
                      {"title", sanitised.at("title")},
                      {"sector", row.Text(9)},
                      {"attack_type", row.Text(10)},
                      {"first_seen", sanitised.at("first_seen")},
                      {"created_at", row.Text(8)},
                      {"own", own}};
      if (const bj::value* region = sanitised.if_contains("region")) item["region"] = *region;
      const bj::value* indicators = sanitised.if_contains("indicators");
      item["indicators"] =
          indicators != nullptr && indicators->is_array() ? indicators->as_array().size() : 0;
      out.items.push_back(std::move(item));
      if (out.items.size() == page.limit) {
        out.next_after = row.Text(0);
        break;
      }
    }
    if (rows.size() < kListBatch) break;
  }
  return out;
}

Result<bj::object> IncidentService::Correlations(const Actor& actor, std::string_view id) const {
  AIIP_ASSIGN_OR_RETURN(Stored s, ReadReport(id));
  AIIP_ASSIGN_OR_RETURN(access::MapDirectory directory, LoadDirectory());
  const access::Reader reader = ReaderOf(actor);
  const bool own = !actor.organisation.empty() && actor.organisation == s.access.owner_organisation;
  if (!own && !access::CanRead(s.access, reader, directory))
    return Err(NotFound("no incident report " + std::string(id)));

  std::shared_lock lock(mu_);
  correlation::Visible visible = [&](std::string_view other) {
    auto found = access_.find(other);
    if (found == access_.end()) return false;
    if (!actor.organisation.empty() && found->second.owner_organisation == actor.organisation) return true;
    return access::CanRead(found->second, reader, directory);
  };
  bj::array by_indicator;
  bj::array reports;
  Result<correlation::ReportCorrelations> found = index_.Correlate(id, visible);
  if (found) {
    for (const correlation::ValueCorrelations& v : found->by_indicator) {
      bj::array matches;
      for (const correlation::Match& m : v.matches) {
        matches.push_back(bj::object{
            {"report", m.report}, {"value", m.value}, {"relation", correlation::RelationName(m.relation)}});
      }
      by_indicator.push_back(bj::object{{"type", correlation::TypeName(v.indicator.type)},
                                        {"value", v.indicator.value},
                                        {"over_correlating", v.over_correlating},
                                        {"matches", std::move(matches)}});
    }
    reports = Strings(found->reports);
  }
  return bj::object{{"id", s.id}, {"indicators", std::move(by_indicator)}, {"reports", std::move(reports)}};
}

Result<bj::object> IncidentService::Bundle(const Actor& actor, std::string_view id) const {
  AIIP_ASSIGN_OR_RETURN(bj::object got, Get(actor, id));
  AIIP_ASSIGN_OR_RETURN(incidents::Report report, incidents::ParseReportObject(got.at("report").as_object()));
  incidents::stix::ExportOptions options;
  options.report_id = std::string(id);
  AIIP_ASSIGN_OR_RETURN(options.now, ParseRfc3339(got.at("created_at").as_string()));
  return incidents::stix::ReportToBundle(report, options);
}

// ---- Statistics ----

Result<statistics::Table> IncidentService::Statistics(const StatisticsQuery& query) const {
  statistics::TableSpec spec;
  spec.min_organisations = options_.statistics_k;
  spec.loss_bands = StatisticsBands();
  if (query.dimensions.empty() || query.dimensions.size() > 4) {
    return Err(InvalidArgument("out-of-range", "give 1 to 4 dimensions", "/dimensions"));
  }
  for (size_t i = 0; i < query.dimensions.size(); ++i) {
    Result<statistics::Dimension> d = statistics::ParseDimension(query.dimensions[i]);
    if (!d) {
      return Err(InvalidArgument("invalid-value", "dimensions are sector, region, attack_type and month",
                                 "/dimensions/" + std::to_string(i)));
    }
    spec.dimensions.push_back(*d);
  }
  if (!incidents::IsCurrencyCode(query.currency)) {
    return Err(InvalidArgument("invalid-value", "currency is an ISO 4217 code", "/currency"));
  }
  std::vector<statistics::Incident> incidents_seen;
  std::string after;
  while (true) {
    store::Rows rows;
    Status io = store_.Read([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(
          rows, tx.Query("SELECT id, organisation, sector, region, attack_type, month, loss_band, "
                         "loss_currency, hours_to_detect FROM incident_reports "
                         "WHERE national_only = 0 AND id > ? ORDER BY id LIMIT ?",
                         {after, static_cast<int64_t>(kLoadPage)}));
      return Status::Ok();
    });
    AIIP_RETURN_IF_ERROR(io);
    for (const store::Row& row : rows) {
      statistics::Incident incident;
      incident.organisation = row.Text(1);
      incident.sector = row.Text(2);
      incident.region = row.Text(3);
      incident.attack_type = row.Text(4);
      incident.month = row.Text(5);
      if (row.OptionalText(7) == query.currency) incident.loss_band = row.OptionalText(6);
      if (!row.IsNull(8)) incident.hours_to_detect = row.Double(8);
      incidents_seen.push_back(std::move(incident));
    }
    if (rows.size() < kLoadPage) break;
    after = rows.back().Text(0);
  }
  return statistics::BuildTable(incidents_seen, spec);
}

bj::object IncidentService::TableToJson(const statistics::Table& table, std::string_view currency) {
  bj::array dimensions;
  bj::object categories;
  for (size_t d = 0; d < table.dimensions.size(); ++d) {
    dimensions.emplace_back(statistics::DimensionName(table.dimensions[d]));
    categories[statistics::DimensionName(table.dimensions[d])] = Strings(table.categories[d]);
  }
  bj::array cells;
  for (size_t i = 0; i < table.cells.size(); ++i) {
    const statistics::Cell& cell = table.cells[i];
    const std::vector<size_t> at = table.CoordinatesOf(i);
    bj::object coordinates;
    for (size_t d = 0; d < at.size(); ++d) {
      coordinates[statistics::DimensionName(table.dimensions[d])] =
          at[d] == table.categories[d].size() ? bj::value(nullptr) : bj::value(table.categories[d][at[d]]);
    }
    bj::object out{{"at", std::move(coordinates)}};
    const bool published = cell.status == statistics::CellStatus::kPublished;
    out["status"] = published ? "published" : "suppressed";
    out["incidents"] = published ? bj::value(cell.incidents) : bj::value(nullptr);
    if (published && cell.loss_status == statistics::CellStatus::kPublished) {
      out["loss"] = bj::object{{"reported", cell.with_loss},
                               {"min", cell.loss_lower},
                               {"max", cell.loss_upper ? bj::value(*cell.loss_upper) : bj::value(nullptr)}};
    } else {
      out["loss"] = nullptr;
    }
    if (published && cell.detection_published) {
      out["hours_to_detect"] = bj::object{
          {"median", cell.hours_to_detect_median ? bj::value(*cell.hours_to_detect_median) : nullptr},
          {"p90", cell.hours_to_detect_p90 ? bj::value(*cell.hours_to_detect_p90) : nullptr}};
    } else {
      out["hours_to_detect"] = nullptr;
    }
    cells.push_back(std::move(out));
  }
  return bj::object{{"dimensions", std::move(dimensions)},
                    {"categories", std::move(categories)},
                    {"min_organisations", table.min_organisations},
                    {"currency", currency},
                    {"counts_audited", table.counts_audited},
                    {"losses_audited", table.losses_audited},
                    {"cells", std::move(cells)}};
}

// ---- Sharing groups ----

namespace {
Result<bj::object> GroupJson(store::Tx& tx, std::string_view id) {
  AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query("SELECT id, name, description, owner, created_at, updated_at, version FROM "
                                 "sharing_groups WHERE id = ?",
                                 {std::string(id)}));
  if (rows.empty()) return Err(NotFound("no sharing group " + std::string(id)));
  AIIP_ASSIGN_OR_RETURN(
      store::Rows members,
      tx.Query("SELECT organisation FROM sharing_group_members WHERE sharing_group = ? ORDER BY "
               "organisation",
               {std::string(id)}));
  bj::array member_ids;
  for (const store::Row& m : members) member_ids.emplace_back(m.Text(0));
  const store::Row& r = rows[0];
  return bj::object{{"id", r.Text(0)},
                    {"name", r.Text(1)},
                    {"description", r.Text(2)},
                    {"owner", r.Text(3)},
                    {"members", std::move(member_ids)},
                    {"created_at", r.Text(4)},
                    {"updated_at", r.Text(5)},
                    {"version", r.Int(6)}};
}

bool SeesGroup(const Actor& actor, const bj::object& group) {
  if (actor.HasRole("admin") || actor.IsSystem()) return true;
  if (group.at("owner").as_string() == actor.organisation) return true;
  const bj::array& members = group.at("members").as_array();
  return std::find(members.begin(), members.end(), bj::value(actor.organisation)) != members.end();
}

Status CheckOrganisationExists(store::Tx& tx, const std::string& organisation, const std::string& field) {
  AIIP_ASSIGN_OR_RETURN(store::Rows found,
                        tx.Query("SELECT id FROM organisations WHERE id = ?", {organisation}));
  if (found.empty()) return InvalidArgument("unknown-organisation", "no organisation " + organisation, field);
  return Status::Ok();
}
}  // namespace

Result<bj::object> IncidentService::CreateGroup(const Actor& actor, const bj::object& body) {
  json::ObjectReader reader(body);
  std::string id = reader.RequiredString("id", 64);
  auto name = reader.OptionalString("name", 256);
  auto description = reader.OptionalString("description", 4096);
  auto members = reader.OptionalStringArray("members", kMaxGroupMembers, 64);
  if (reader.ok() && !IsGroupId(id)) {
    reader.Fail("id", "invalid-value", "a sharing group id is 1-64 of a-z, 0-9, '_' and '-'");
  }
  AIIP_RETURN_IF_ERROR(reader.Finish());
  if (actor.organisation.empty()) {
    return Err(FailedPrecondition("no-organisation", "a sharing group is owned by an organisation"));
  }
  std::set<std::string> member_set{actor.organisation};
  if (members) member_set.insert(members->begin(), members->end());
  const std::string now = FormatRfc3339(clock_.Now());
  bj::object out;
  Status io = store_.Write([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(store::Rows existing, tx.Query("SELECT id FROM sharing_groups WHERE id = ?", {id}));
    if (!existing.empty()) return Conflict("a sharing group named '" + id + "' exists", "/id");
    if (members) {
      for (size_t i = 0; i < members->size(); ++i) {
        AIIP_RETURN_IF_ERROR(CheckOrganisationExists(tx, (*members)[i], "/members/" + std::to_string(i)));
      }
    }
    AIIP_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO sharing_groups (id, name, description, owner, created_at, updated_at, version) "
                "VALUES (?, ?, ?, ?, ?, ?, 1)",
                {id, name.value_or(id), description.value_or(""), actor.organisation, now, now}));
    for (const std::string& member : member_set) {
      AIIP_RETURN_IF_ERROR(tx.Exec(
          "INSERT INTO sharing_group_members (sharing_group, organisation, added_at) VALUES (?, ?, ?)",
          {id, member, now}));
    }
    AIIP_ASSIGN_OR_RETURN(out, GroupJson(tx, id));
    return audit_(tx, registry::AuditEvent{ActorName(actor), actor.organisation, "sharing_group.create", id,
                                           bj::serialize(out)});
  });
  AIIP_RETURN_IF_ERROR(io);
  return out;
}

Result<std::vector<bj::object>> IncidentService::ListGroups(const Actor& actor) const {
  std::vector<bj::object> out;
  Status io = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(store::Rows ids, tx.Query("SELECT id FROM sharing_groups ORDER BY id"));
    for (const store::Row& row : ids) {
      AIIP_ASSIGN_OR_RETURN(bj::object group, GroupJson(tx, row.Text(0)));
      if (SeesGroup(actor, group)) out.push_back(std::move(group));
    }
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(io);
  return out;
}

Result<bj::object> IncidentService::GetGroup(const Actor& actor, std::string_view id) const {
  bj::object out;
  Status io = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(out, GroupJson(tx, id));
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(io);
  if (!SeesGroup(actor, out)) return Err(NotFound("no sharing group " + std::string(id)));
  return out;
}

Result<bj::object> IncidentService::AddGroupMember(const Actor& actor, std::string_view group,
                                                   const bj::object& body) {
  json::ObjectReader reader(body);
  std::string organisation = reader.RequiredString("organisation", 64);
  AIIP_RETURN_IF_ERROR(reader.Finish());
  const std::string now = FormatRfc3339(clock_.Now());
  bj::object out;
  Status io = store_.Write([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(bj::object current, GroupJson(tx, group));
    if (!SeesGroup(actor, current)) return NotFound("no sharing group " + std::string(group));
    AIIP_RETURN_IF_ERROR(CheckManages(actor, current.at("owner").as_string()));
    AIIP_RETURN_IF_ERROR(CheckOrganisationExists(tx, organisation, "/organisation"));
    AIIP_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO sharing_group_members (sharing_group, organisation, added_at) VALUES (?, ?, ?) "
                "ON CONFLICT (sharing_group, organisation) DO NOTHING",
                {std::string(group), organisation, now}));
    AIIP_RETURN_IF_ERROR(
        tx.Exec("UPDATE sharing_groups SET updated_at = ?, version = version + 1 WHERE id = ?",
                {now, std::string(group)}));
    AIIP_ASSIGN_OR_RETURN(out, GroupJson(tx, group));
    return audit_(tx, registry::AuditEvent{ActorName(actor), actor.organisation, "sharing_group.member_add",
                                           std::string(group), bj::serialize(out)});
  });
  AIIP_RETURN_IF_ERROR(io);
  return out;
}

Status IncidentService::RemoveGroupMember(const Actor& actor, std::string_view group,
                                          std::string_view organisation) {
  const std::string now = FormatRfc3339(clock_.Now());
  return store_.Write([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(bj::object current, GroupJson(tx, group));
    if (!SeesGroup(actor, current)) return NotFound("no sharing group " + std::string(group));
    AIIP_RETURN_IF_ERROR(CheckManages(actor, current.at("owner").as_string()));
    if (current.at("owner").as_string() == organisation) {
      return InvalidArgument("invalid-value", "the owner organisation stays a member of its group",
                             "organisation");
    }
    AIIP_RETURN_IF_ERROR(
        tx.Exec("DELETE FROM sharing_group_members WHERE sharing_group = ? AND organisation = ?",
                {std::string(group), std::string(organisation)}));
    if (tx.ChangedRows() == 0)
      return NotFound(std::string(organisation) + " is not a member of " + std::string(group));
    AIIP_RETURN_IF_ERROR(
        tx.Exec("UPDATE sharing_groups SET updated_at = ?, version = version + 1 WHERE id = ?",
                {now, std::string(group)}));
    AIIP_ASSIGN_OR_RETURN(bj::object after, GroupJson(tx, group));
    return audit_(tx,
                  registry::AuditEvent{ActorName(actor), actor.organisation, "sharing_group.member_remove",
                                       std::string(group), bj::serialize(after)});
  });
}

Status IncidentService::DeleteGroup(const Actor& actor, std::string_view group) {
  return store_.Write([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(bj::object current, GroupJson(tx, group));
    if (!SeesGroup(actor, current)) return NotFound("no sharing group " + std::string(group));
    AIIP_RETURN_IF_ERROR(CheckManages(actor, current.at("owner").as_string()));
    // A report restricted to the group would silently widen or vanish: the group stays. '_'
    // may be part of a group id and is a LIKE wildcard, so it is escaped (a-b is not a_b).
    std::string escaped;
    for (char ch : group) {
      if (ch == '_' || ch == '%' || ch == '!') escaped += '!';
      escaped += ch;
    }
    AIIP_ASSIGN_OR_RETURN(
        store::Rows naming,
        tx.Query(
            "SELECT id FROM incident_reports WHERE ' ' || sharing_groups || ' ' LIKE ? ESCAPE '!' LIMIT 1",
            {"% " + escaped + " %"}));
    if (!naming.empty())
      return Conflict("incident reports are restricted to sharing group " + std::string(group));
    AIIP_RETURN_IF_ERROR(
        tx.Exec("DELETE FROM sharing_group_members WHERE sharing_group = ?", {std::string(group)}));
    AIIP_RETURN_IF_ERROR(tx.Exec("DELETE FROM sharing_groups WHERE id = ?", {std::string(group)}));
    return audit_(tx, registry::AuditEvent{ActorName(actor), actor.organisation, "sharing_group.delete",
                                           std::string(group), bj::serialize(bj::object{{"id", group}})});
  });
}

// ---- Subscriptions ----

Result<bj::object> IncidentService::CreateSubscription(const Actor& actor, const bj::object& body) {
  json::ObjectReader reader(body);
  auto organisation = reader.OptionalString("organisation", 64);
  Subscription s;
  s.sectors =
      reader.OptionalStringArray("sectors", kMaxSubscriptionItems, 64).value_or(std::vector<std::string>{});
  s.regions =
      reader.OptionalStringArray("regions", kMaxSubscriptionItems, 8).value_or(std::vector<std::string>{});
  s.attack_types = reader.OptionalStringArray("attack_types", kMaxSubscriptionItems, 128)
                       .value_or(std::vector<std::string>{});
  s.products =
      reader.OptionalStringArray("products", kMaxSubscriptionItems, 512).value_or(std::vector<std::string>{});
  s.indicator_types = reader.OptionalStringArray("indicator_types", kMaxSubscriptionItems, 32)
                          .value_or(std::vector<std::string>{});
  auto channels = reader.OptionalStringArray("channels", 4, 16);
  for (size_t i = 0; reader.ok() && i < s.sectors.size(); ++i) {
    if (!incidents::ParseSector(s.sectors[i]))
      reader.Fail(InvalidArgument("invalid-value", "unknown sector '" + s.sectors[i] + "'",
                                  "/sectors/" + std::to_string(i)));
  }
  for (size_t i = 0; reader.ok() && i < s.regions.size(); ++i) {
    if (!incidents::IsCountryCode(s.regions[i]))
      reader.Fail(InvalidArgument("invalid-value", "a region is an ISO 3166-1 alpha-2 code",
                                  "/regions/" + std::to_string(i)));
  }
  for (size_t i = 0; reader.ok() && i < s.attack_types.size(); ++i) {
    auto parsed = incidents::ParseAttackType(s.attack_types[i]);
    if (!parsed) {
      reader.Fail(InvalidArgument("invalid-value", "unknown RSIT class or type '" + s.attack_types[i] + "'",
                                  "/attack_types/" + std::to_string(i)));
    } else {
      s.attack_types[i] = parsed->ToString();
    }
  }
  for (size_t i = 0; reader.ok() && i < s.indicator_types.size(); ++i) {
    auto parsed = incidents::ParseIndicatorType(s.indicator_types[i]);
    if (!parsed) {
      reader.Fail(InvalidArgument("invalid-value", "unknown indicator type '" + s.indicator_types[i] + "'",
                                  "/indicator_types/" + std::to_string(i)));
    } else {
      s.indicator_types[i] = std::string(incidents::IndicatorTypeName(*parsed));
    }
  }
  s.channels = {"stream", "webhook"};
  if (reader.ok() && channels) {
    s.channels.clear();
    for (size_t i = 0; i < channels->size(); ++i) {
      if ((*channels)[i] != "stream" && (*channels)[i] != "webhook" && (*channels)[i] != "email") {
        reader.Fail(InvalidArgument("invalid-value", "channels are 'stream', 'webhook' and 'email'",
                                    "/channels/" + std::to_string(i)));
        break;
      }
      s.channels.insert((*channels)[i]);
    }
    if (reader.ok() && s.channels.empty())
      reader.Fail("channels", "out-of-range", "name at least one channel");
  }
  AIIP_RETURN_IF_ERROR(reader.Finish());
  s.organisation = organisation.value_or(actor.organisation);
  if (s.organisation.empty()) {
    return Err(
        InvalidArgument("missing-field", "the node itself must name the organisation", "/organisation"));
  }
  AIIP_RETURN_IF_ERROR(CheckManages(actor, s.organisation));
  s.id = NewId("isub", clock_, random_);
  s.created_at = FormatRfc3339(clock_.Now());
  std::vector<std::string> channel_list(s.channels.begin(), s.channels.end());
  bj::object out = s.ToJson();
  Status io = store_.Write([&](store::Tx& tx) -> Status {
    AIIP_RETURN_IF_ERROR(CheckOrganisationExists(tx, s.organisation, "/organisation"));
    AIIP_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO incident_subscriptions (" + std::string(kSubscriptionColumns) +
                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {s.id, s.organisation, bj::serialize(Strings(s.sectors)), bj::serialize(Strings(s.regions)),
                 bj::serialize(Strings(s.attack_types)), bj::serialize(Strings(s.products)),
                 bj::serialize(Strings(s.indicator_types)), JoinWords(channel_list), s.created_at}));
    return audit_(tx, registry::AuditEvent{ActorName(actor), actor.organisation,
                                           "incident_subscription.create", s.id, bj::serialize(out)});
  });
  AIIP_RETURN_IF_ERROR(io);
  return out;
}

Result<std::vector<bj::object>> IncidentService::ListSubscriptions(
    const Actor& actor, std::optional<std::string> organisation) const {
  if (!organisation && !actor.HasRole("admin")) organisation = actor.organisation;
  if (organisation) AIIP_RETURN_IF_ERROR(CheckManages(actor, *organisation));
  std::vector<bj::object> out;
  Status io = store_.Read([&](store::Tx& tx) -> Status {
    std::string sql = "SELECT " + std::string(kSubscriptionColumns) + " FROM incident_subscriptions";
    std::vector<store::Value> params;
    if (organisation) {
      sql += " WHERE organisation = ?";
      params.emplace_back(*organisation);
    }
    sql += " ORDER BY id";
    AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(sql, params));
    for (const store::Row& row : rows) {
      AIIP_ASSIGN_OR_RETURN(Subscription s, SubscriptionOfRow(row));
      out.push_back(s.ToJson());
    }
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(io);
  return out;
}

Status IncidentService::DeleteSubscription(const Actor& actor, std::string_view id) {
  return store_.Write([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT organisation FROM incident_subscriptions WHERE id = ?", {std::string(id)}));
    if (rows.empty() || (CheckManages(actor, rows[0].Text(0)).code() != Code::kOk)) {
      return NotFound("no incident subscription " + std::string(id));
    }
    AIIP_RETURN_IF_ERROR(tx.Exec("DELETE FROM incident_subscriptions WHERE id = ?", {std::string(id)}));
    return audit_(tx,
                  registry::AuditEvent{ActorName(actor), actor.organisation, "incident_subscription.delete",
                                       std::string(id), bj::serialize(bj::object{{"id", id}})});
  });
}

incidents::correlation::IndexStats IncidentService::CorrelationStats() const {
  std::shared_lock lock(mu_);
  return index_.Stats();
}

// ---- For the TAXII server ----

Result<std::set<std::string, std::less<>>> IncidentService::Readable(const Actor& actor,
                                                                     const std::vector<std::string>& reports) const {
  constexpr size_t kBatch = 200;
  std::set<std::string, std::less<>> out;
  if (reports.empty()) return out;
  AIIP_ASSIGN_OR_RETURN(access::MapDirectory directory, LoadDirectory());
  const access::Reader reader = ReaderOf(actor);
  for (size_t from = 0; from < reports.size(); from += kBatch) {
    const size_t to = std::min(reports.size(), from + kBatch);
    std::string sql =
        "SELECT id, organisation, owner_state, tlp, recipients, sharing_groups, national_only FROM "
        "incident_reports WHERE id IN (";
    std::vector<store::Value> params;
    for (size_t i = from; i < to; ++i) {
      sql += i == from ? "?" : ", ?";
      params.emplace_back(reports[i]);
    }
    sql += ")";
    store::Rows rows;
    Status io = store_.Read([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(rows, tx.Query(sql, params));
      return Status::Ok();
    });
    AIIP_RETURN_IF_ERROR(io);
    for (const store::Row& row : rows) {
      Result<access::ReportAccess> a = AccessOfRow(row, 1);
      if (!a) continue;  // unreadable attributes: nobody but the owner's API reads it
      const bool own = !actor.organisation.empty() && a->owner_organisation == actor.organisation;
      if (own || access::CanRead(*a, reader, directory)) out.insert(row.Text(0));
    }
  }
  return out;
}

}  // namespace aiip::incidentsnet
