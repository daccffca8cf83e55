#include "taxii/service.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"
#include "common/time.h"
#include "incidents/report/report_json.h"
#include "incidents/stix/stix.h"

namespace aiip::taxii {

namespace bj = boost::json;
using registry::Actor;

namespace {

constexpr size_t kSyncBatch = 200;
constexpr size_t kMaxFetchBatch = 2000;
constexpr std::string_view kSharedReport = "";
constexpr std::string_view kCursorKeyId = "cursor";

const std::vector<std::string>& Reporters() {
  static const std::vector<std::string> roles{"admin", "org-admin", "analyst", "reporter", "poc-247"};
  return roles;
}

bool MayWrite(const Actor& actor) {
  if (actor.organisation.empty() || !actor.state) return false;
  return std::any_of(Reporters().begin(), Reporters().end(),
                     [&](const std::string& r) { return actor.HasRole(r); });
}

struct TlpCollection {
  std::string_view id;
  std::string_view label;  // as stored in incident_reports.tlp
};
constexpr std::array<TlpCollection, 5> kTlpCollections{{{"tlp-clear", "CLEAR"},
                                                        {"tlp-green", "GREEN"},
                                                        {"tlp-amber", "AMBER"},
                                                        {"tlp-amber-strict", "AMBER+STRICT"},
                                                        {"tlp-red", "RED"}}};
constexpr std::string_view kAllCollection = "incidents";
constexpr std::string_view kGroupPrefix = "group-";

// The version of a STIX object (TAXII 2.1 §3.6: `modified`, else `created`).
std::optional<Timestamp> VersionOf(const bj::object& object) {
  for (const char* member : {"modified", "created"}) {
    if (const bj::value* v = object.if_contains(member); v != nullptr && v->is_string()) {
      if (auto t = ParseTimestamp(v->get_string())) return *t;
    }
  }
  return std::nullopt;
}

std::string SpecVersionOf(const bj::object& object) {
  const bj::value* v = object.if_contains("spec_version");
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string("2.0");
}

// One object to publish.
struct Publication {
  std::string id, type, spec_version, body;
  Timestamp version;
};

std::vector<Publication> Publications(const std::vector<bj::object>& objects) {
  std::vector<Publication> out;
  for (const bj::object& o : objects) {
    auto version = VersionOf(o);
    if (!version) continue;  // ReportToBundle always writes one
    out.push_back(Publication{std::string(o.at("id").as_string()), std::string(o.at("type").as_string()),
                              SpecVersionOf(o), bj::serialize(o), *version});
  }
  return out;
}

// Inside a write: takes the sync lock row and returns the date_added to give, later than
// every one given before (even if this node's clock is behind another's).
Result<Timestamp> NextDateAdded(store::Tx& tx, const Clock& clock) {
  AIIP_RETURN_IF_ERROR(tx.Exec("UPDATE taxii_sync SET syncs = syncs + 1 WHERE id = 'objects'"));
  AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query("SELECT last_date_added FROM taxii_sync WHERE id = 'objects'"));
  if (rows.empty()) return Err(Internal("taxii_sync has no 'objects' row"));
  Timestamp next = std::chrono::time_point_cast<std::chrono::microseconds>(clock.Now());
  if (!rows[0].Text(0).empty()) {
    AIIP_ASSIGN_OR_RETURN(Timestamp last, ParseTimestamp(rows[0].Text(0)));
    next = std::max(next, last + std::chrono::microseconds(1));
  }
  return next;
}

Status InsertObjects(store::Tx& tx, std::string_view report, const std::vector<Publication>& objects,
                     const std::string& date_added) {
  for (const Publication& p : objects) {
    AIIP_RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO taxii_objects (report, object_id, version, type, spec_version, date_added, body) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report, object_id, version) DO NOTHING",
        {std::string(report), p.id, FormatTimestamp(p.version), p.type, p.spec_version, date_added, p.body}));
  }
  return Status::Ok();
}

std::string NewUuid(Random& random) {
  std::array<uint8_t, 16> b{};
  random.Fill(b);
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 9562 variant
  const std::string hex = HexEncode(std::span<const uint8_t>(b));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

std::string Placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

}  // namespace

struct TaxiiService::CollectionSpec {
  std::string id, title, description;
  std::optional<std::string> tlp;    // the reports of this TLP label
  std::optional<std::string> group;  // the reports restricted to this sharing group
  bool can_write = false;

  bj::object ToJson() const {
    return bj::object{
        {"id", id},         {"title", title},         {"description", description},
        {"can_read", true}, {"can_write", can_write}, {"media_types", bj::array{kStixMediaType}}};
  }
};

TaxiiService::TaxiiService(store::Store& store, incidentsnet::IncidentService& incidents, const Clock& clock,
                           Random& random, TaxiiOptions options)
    : store_(store), incidents_(incidents), clock_(clock), random_(random), options_(std::move(options)) {
  // The shared definitions come from exports of placeholder reports, one per TLP level, so
  // they are exactly what every report's bundle refers to and depend on no stored report.
  for (incidents::Tlp tlp : {incidents::Tlp::kClear, incidents::Tlp::kGreen, incidents::Tlp::kAmber,
                             incidents::Tlp::kAmberStrict, incidents::Tlp::kRed}) {
    incidents::Report placeholder;
    placeholder.title = "placeholder";
    placeholder.tlp = tlp;
    incidents::stix::ExportOptions export_options;
    export_options.report_id = "placeholder";
    const bj::object bundle = incidents::stix::ReportToBundle(placeholder, export_options);
    for (const bj::value& v : bundle.at("objects").as_array()) {
      const bj::object& o = v.as_object();
      const std::string_view type = o.at("type").as_string();
      const bj::value* identity_class = o.if_contains("identity_class");
      const bool shared = type == "marking-definition" || type == "extension-definition" ||
                          (type == "identity" && identity_class != nullptr && *identity_class == "system");
      if (shared && shared_ids_.insert(std::string(o.at("id").as_string())).second) shared_.push_back(o);
    }
  }
}

Status TaxiiService::Load() {
  std::array<uint8_t, 32> secret{};
  random_.Fill(secret);
  Status io = store_.Write([&](store::Tx& tx) -> Status {
    return tx.Exec(
        "INSERT INTO taxii_keys (id, secret, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
        {std::string(kCursorKeyId), HexEncode(std::span<const uint8_t>(secret)),
         FormatRfc3339(clock_.Now())});
  });
  AIIP_RETURN_IF_ERROR(io);
  store::Rows rows;
  io = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        rows, tx.Query("SELECT secret FROM taxii_keys WHERE id = ?", {std::string(kCursorKeyId)}));
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(io);
  auto key = rows.empty() ? std::nullopt : HexDecode(rows[0].Text(0));
  if (!key || key->size() != secret.size()) return Internal("the stored TAXII cursor key is malformed");
  {
    std::lock_guard lock(key_mu_);
    cursor_key_ = *key;
  }
  AIIP_RETURN_IF_ERROR(PublishShared());
  return Sync();
}

Result<std::string> TaxiiService::CursorKey() const {
  std::lock_guard lock(key_mu_);
  if (cursor_key_.empty()) return Err(FailedPrecondition("not-loaded", "the TAXII service was not loaded"));
  return cursor_key_;
}

Status TaxiiService::PublishShared() {
  const std::vector<Publication> shared = Publications(shared_);
  store::Rows present;
  Status io = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(present, tx.Query("SELECT object_id, version FROM taxii_objects WHERE report = ?",
                                            {std::string(kSharedReport)}));
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(io);
  std::set<std::pair<std::string, std::string>> have;
  for (const store::Row& row : present) have.emplace(row.Text(0), row.Text(1));
  std::vector<Publication> missing;
  for (const Publication& p : shared) {
    if (!have.contains({p.id, FormatTimestamp(p.version)})) missing.push_back(p);
  }
  if (missing.empty()) return Status::Ok();
  return store_.Write([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(Timestamp date_added, NextDateAdded(tx, clock_));
    const std::string added = FormatTimestamp(date_added);
    AIIP_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO taxii_reports (report, date_added) VALUES (?, ?) ON CONFLICT (report) "
                "DO NOTHING",
                {std::string(kSharedReport), added}));
    AIIP_RETURN_IF_ERROR(InsertObjects(tx, kSharedReport, missing, added));
    return tx.Exec("UPDATE taxii_sync SET last_date_added = ? WHERE id = 'objects'", {added});
  });
}

Status TaxiiService::Sync() {
  while (true) {
    store::Rows rows;
    Status io = store_.Read([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(
          rows,
          tx.Query(
              "SELECT r.id, r.sanitised, r.created_at FROM incident_reports r WHERE NOT EXISTS "
              "(SELECT 1 FROM taxii_reports t WHERE t.report = r.id) ORDER BY r.created_at, r.id LIMIT ?",
              {static_cast<int64_t>(kSyncBatch)}));
      return Status::Ok();
    });
    AIIP_RETURN_IF_ERROR(io);
    if (rows.empty()) return Status::Ok();
    // The objects are exactly what GET /api/v1/incidents/{id}/stix shows every reader: the
    // export of the sanitised report, named by the report id, dated by its creation.
    std::vector<std::pair<std::string, std::vector<Publication>>> reports;
    for (const store::Row& row : rows) {
      std::vector<bj::object> own;
      Result<bj::object> sanitised = json::ParseObject(row.Text(1));
      Result<incidents::Report> report = sanitised ? incidents::ParseReportObject(*sanitised)
                                                   : Result<incidents::Report>(Err(sanitised.error()));
      Result<SystemTime> created = ParseRfc3339(row.Text(2));
      if (!report || !created) {
        log::Error("a stored incident report cannot be exported to STIX; TAXII does not publish it",
                   {{"id", row.Text(0)},
                    {"error", report ? created.error().ToString() : report.error().ToString()}});
      } else {
        incidents::stix::ExportOptions export_options;
        export_options.report_id = row.Text(0);
        export_options.now = *created;
        bj::object bundle = incidents::stix::ReportToBundle(*report, export_options);
        for (bj::value& v : bundle.at("objects").as_array()) {
          if (!shared_ids_.contains(v.as_object().at("id").as_string()))
            own.push_back(std::move(v.as_object()));
        }
      }
      reports.emplace_back(row.Text(0), Publications(own));
    }
    io = store_.Write([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(Timestamp date_added, NextDateAdded(tx, clock_));
      const std::string added = FormatTimestamp(date_added);
      for (const auto& [report, objects] : reports) {
        // Another node may have published it since the read: the first one stays.
        AIIP_RETURN_IF_ERROR(tx.Exec(
            "INSERT INTO taxii_reports (report, date_added) VALUES (?, ?) ON CONFLICT (report) DO NOTHING",
            {report, added}));
        if (tx.ChangedRows() == 0) continue;
        AIIP_RETURN_IF_ERROR(InsertObjects(tx, report, objects, added));
      }
      return tx.Exec("UPDATE taxii_sync SET last_date_added = ? WHERE id = 'objects'", {added});
    });
    AIIP_RETURN_IF_ERROR(io);
    if (rows.size() < kSyncBatch) return Status::Ok();
  }
}

Result<TaxiiService::CollectionSpec> TaxiiService::FindCollection(const Actor& actor,
                                                                  std::string_view id) const {
  CollectionSpec spec;
  spec.id = std::string(id);
  spec.can_write = MayWrite(actor);
  if (id == kAllCollection) {
    spec.title = "Incident reports";
    spec.description = "Every incident report you may read, sanitised, as STIX 2.1.";
    return spec;
  }
  for (const TlpCollection& c : kTlpCollections) {
    if (c.id != id) continue;
    spec.title = "TLP:" + std::string(c.label) + " incident reports";
    spec.description =
        "The TLP:" + std::string(c.label) + " incident reports you may read, sanitised, as STIX 2.1.";
    spec.tlp = std::string(c.label);
    return spec;
  }
  if (id.starts_with(kGroupPrefix)) {
    const std::string group(id.substr(kGroupPrefix.size()));
    Result<bj::object> found = incidents_.GetGroup(actor, group);
    if (found) {
      const bj::array& members = found->at("members").as_array();
      if (std::find(members.begin(), members.end(), bj::value(actor.organisation)) != members.end()) {
        spec.title = "Sharing group " + std::string(found->at("name").as_string());
        spec.description = "The incident reports restricted to sharing group '" + group +
                           "' that you may read, sanitised, as STIX 2.1.";
        spec.group = group;
        return spec;
      }
    } else if (found.error().code() != Code::kNotFound) {
      return Err(found.error());
    }
  }
  return Err(NotFound("no collection " + std::string(id)));
}

Result<std::vector<bj::object>> TaxiiService::Collections(const Actor& actor) const {
  std::vector<bj::object> out;
  AIIP_ASSIGN_OR_RETURN(CollectionSpec all, FindCollection(actor, kAllCollection));
  out.push_back(all.ToJson());
  for (const TlpCollection& c : kTlpCollections) {
    AIIP_ASSIGN_OR_RETURN(CollectionSpec spec, FindCollection(actor, c.id));
    out.push_back(spec.ToJson());
  }
  AIIP_ASSIGN_OR_RETURN(std::vector<bj::object> groups, incidents_.ListGroups(actor));
  for (const bj::object& group : groups) {
    const bj::array& members = group.at("members").as_array();
    if (std::find(members.begin(), members.end(), bj::value(actor.organisation)) == members.end()) continue;
    AIIP_ASSIGN_OR_RETURN(
        CollectionSpec spec,
        FindCollection(actor, std::string(kGroupPrefix) + std::string(group.at("id").as_string())));
    out.push_back(spec.ToJson());
  }
  return out;
}

Result<bj::object> TaxiiService::Collection(const Actor& actor, std::string_view id) const {
  AIIP_ASSIGN_OR_RETURN(CollectionSpec spec, FindCollection(actor, id));
  return spec.ToJson();
}

Result<EntryPage> TaxiiService::List(const Actor& actor, std::string_view collection, const Query& query,
                                     std::string_view scope, std::optional<std::string_view> object_id) {
  AIIP_ASSIGN_OR_RETURN(CollectionSpec spec, FindCollection(actor, collection));
  AIIP_ASSIGN_OR_RETURN(std::string key, CursorKey());
  std::optional<Position> position;
  if (query.next) {
    AIIP_ASSIGN_OR_RETURN(position, DecodeCursor(*query.next, scope, key));
  }
  AIIP_RETURN_IF_ERROR(Sync());

  // Everything but the position and the access rules is SQL; the rules are applied to each
  // batch through IncidentService::Readable, so they are the API's.
  auto fetch = [&](const Query& q, const std::optional<Position>& after,
                   size_t want) -> Result<std::vector<Entry>> {
    std::string conditions;
    std::vector<store::Value> params;
    if (q.added_after) {
      conditions += " AND o.date_added > ?";
      params.emplace_back(FormatTimestamp(*q.added_after));
    }
    if (object_id) {
      conditions += " AND o.object_id = ?";
      params.emplace_back(std::string(*object_id));
    }
    if (!q.ids.empty()) {
      conditions += " AND o.object_id IN (" + Placeholders(q.ids.size()) + ")";
      for (const std::string& id : q.ids) params.emplace_back(id);
    }
    if (!q.types.empty()) {
      conditions += " AND o.type IN (" + Placeholders(q.types.size()) + ")";
      for (const std::string& t : q.types) params.emplace_back(t);
    }
    if (!q.spec_versions.empty()) {
      conditions += " AND o.spec_version IN (" + Placeholders(q.spec_versions.size()) + ")";
      for (const std::string& v : q.spec_versions) params.emplace_back(v);
    } else {
      conditions +=
          " AND o.spec_version = (SELECT MAX(s.spec_version) FROM taxii_objects s WHERE s.object_id = "
          "o.object_id)";
    }
    if (!q.versions.all) {
      std::vector<std::string> alternatives;
      if (q.versions.last) {
        alternatives.push_back(
            "o.version = (SELECT MAX(v.version) FROM taxii_objects v WHERE v.object_id = o.object_id)");
      }
      if (q.versions.first) {
        alternatives.push_back(
            "o.version = (SELECT MIN(v.version) FROM taxii_objects v WHERE v.object_id = o.object_id)");
      }
      if (!q.versions.at.empty()) {
        alternatives.push_back("o.version IN (" + Placeholders(q.versions.at.size()) + ")");
        for (Timestamp t : q.versions.at) params.emplace_back(FormatTimestamp(t));
      }
      std::string any;
      for (const std::string& a : alternatives) any += (any.empty() ? "" : " OR ") + a;
      conditions += " AND (" + any + ")";
    }
    if (spec.tlp) {
      conditions += " AND (o.report = '' OR r.tlp = ?)";
      params.emplace_back(*spec.tlp);
    }
    if (spec.group) {
      // '_' is a LIKE wildcard and may be part of a group id: escaped, so group-a_b never
      // holds the reports of group a-b.
      std::string escaped;
      for (char ch : *spec.group) {
        if (ch == '_' || ch == '%' || ch == '!') escaped += '!';
        escaped += ch;
      }
      conditions += " AND (o.report = '' OR ' ' || r.sharing_groups || ' ' LIKE ? ESCAPE '!')";
      params.emplace_back("% " + escaped + " %");
    }

    std::vector<Entry> out;
    std::optional<Position> cursor = after;
    size_t batch = std::min(kMaxFetchBatch, want);
    while (out.size() < want) {
      std::string sql =
          "SELECT o.report, o.object_id, o.version, o.type, o.spec_version, o.date_added, o.body FROM "
          "taxii_objects o "
          "LEFT JOIN incident_reports r ON r.id = o.report WHERE 1 = 1" +
          conditions;
      std::vector<store::Value> all = params;
      if (cursor) {
        const std::string added = FormatTimestamp(cursor->date_added);
        sql +=
            " AND (o.date_added > ? OR (o.date_added = ? AND (o.object_id > ? OR (o.object_id = ? AND "
            "o.version > "
            "?))))";
        all.insert(all.end(),
                   {added, added, cursor->object_id, cursor->object_id, FormatTimestamp(cursor->version)});
      }
      sql += " ORDER BY o.date_added, o.object_id, o.version LIMIT ?";
      all.emplace_back(static_cast<int64_t>(batch));
      store::Rows rows;
      Status io = store_.Read([&](store::Tx& tx) -> Status {
        AIIP_ASSIGN_OR_RETURN(rows, tx.Query(sql, all));
        return Status::Ok();
      });
      AIIP_RETURN_IF_ERROR(io);
      std::vector<std::string> reports;
      for (const store::Row& row : rows) {
        if (!row.Text(0).empty()) reports.push_back(row.Text(0));
      }
      std::sort(reports.begin(), reports.end());
      reports.erase(std::unique(reports.begin(), reports.end()), reports.end());
      AIIP_ASSIGN_OR_RETURN(auto readable, incidents_.Readable(actor, reports));
      for (const store::Row& row : rows) {
        AIIP_ASSIGN_OR_RETURN(Timestamp version, ParseTimestamp(row.Text(2)));
        AIIP_ASSIGN_OR_RETURN(Timestamp date_added, ParseTimestamp(row.Text(5)));
        cursor = Position{date_added, row.Text(1), version};
        if (!row.Text(0).empty() && !readable.contains(row.Text(0))) continue;
        out.push_back(Entry{row.Text(1), row.Text(3), row.Text(4), version, date_added, row.Text(6)});
        if (out.size() == want) break;
      }
      if (rows.size() < batch) break;
      batch = std::min(kMaxFetchBatch, batch * 2);
    }
    return out;
  };

  AIIP_ASSIGN_OR_RETURN(std::vector<Entry> entries, fetch(query, position, query.limit + 1));
  if (entries.empty() && object_id && !position) {
    // No version passes the filters: the object may still exist for this caller (200, empty)
    // or not at all (404) — an object of a report it may not read does not exist.
    Query any;
    any.versions.all = true;
    any.spec_versions = {};
    AIIP_ASSIGN_OR_RETURN(std::vector<Entry> exists, fetch(any, std::nullopt, 1));
    if (exists.empty())
      return Err(NotFound("no object " + std::string(*object_id) + " in collection " + spec.id));
  }
  EntryPage page;
  if (entries.size() > query.limit) {
    entries.pop_back();
    page.more = true;
    const Entry& last = entries.back();
    page.next = EncodeCursor(Position{last.date_added, last.id, last.version}, scope, key);
  }
  page.entries = std::move(entries);
  return page;
}

Result<bj::object> TaxiiService::Add(const Actor& actor, std::string_view collection, std::string_view body) {
  AIIP_ASSIGN_OR_RETURN(CollectionSpec spec, FindCollection(actor, collection));
  if (!spec.can_write) {
    return Err(
        PermissionDenied("only a member of an organisation of a State, with a reporting role, adds objects"));
  }
  AIIP_ASSIGN_OR_RETURN(bj::array objects, ParseEnvelope(body));
  const Timestamp now = std::chrono::time_point_cast<std::chrono::microseconds>(clock_.Now());
  const std::string request_timestamp = FormatTimestamp(now);
  bj::array details;
  for (const bj::value& v : objects) {
    const bj::object& o = v.as_object();
    auto version = VersionOf(o);
    details.push_back(bj::object{{"id", o.at("id")}, {"version", FormatTimestamp(version.value_or(now))}});
  }
  const std::string bundle = bj::serialize(
      bj::object{{"type", "bundle"}, {"id", "bundle--" + NewUuid(random_)}, {"objects", std::move(objects)}});

  // The report must belong in the collection it is added to; checked on the parsed bundle
  // before anything is stored.
  std::string failure;
  Result<incidents::stix::Import> imported = incidents::stix::BundleToReport(bundle);
  if (!imported) {
    failure = imported.error().detail() +
              (imported.error().field().empty() ? "" : " (at " + imported.error().field() + ")");
  } else if (spec.tlp && incidents::TlpName(imported->report.tlp) != *spec.tlp) {
    failure = "the incident is TLP:" + std::string(incidents::TlpName(imported->report.tlp)) +
              "; this collection holds TLP:" + *spec.tlp + " reports";
  } else if (spec.group &&
             std::find(imported->report.sharing_groups.begin(), imported->report.sharing_groups.end(),
                       *spec.group) == imported->report.sharing_groups.end()) {
    failure = "the incident is not restricted to sharing group '" + *spec.group + "'";
  }
  std::string success;
  if (failure.empty()) {
    Result<bj::object> submitted = incidents_.Submit(actor, bundle, true);
    if (submitted) {
      success = "stored as incident report " + std::string(submitted->at("id").as_string()) +
                "; published only in its sanitised form";
    } else if (submitted.error().code() == Code::kInvalidArgument ||
               submitted.error().code() == Code::kFailedPrecondition) {
      failure = submitted.error().detail() +
                (submitted.error().field().empty() ? "" : " (at " + submitted.error().field() + ")");
    } else {
      return Err(submitted.error());
    }
  }
  for (bj::value& d : details) d.as_object()["message"] = failure.empty() ? success : failure;
  const size_t total = details.size();
  bj::object status{{"id", NewUuid(random_)},
                    {"status", "complete"},
                    {"request_timestamp", request_timestamp},
                    {"total_count", total},
                    {"success_count", failure.empty() ? total : 0},
                    {"failure_count", failure.empty() ? 0 : total},
                    {"pending_count", 0}};
  status[failure.empty() ? "successes" : "failures"] = std::move(details);
  Status io = store_.Write([&](store::Tx& tx) -> Status {
    return tx.Exec(
        "INSERT INTO taxii_status (id, organisation, collection, resource, created_at) VALUES (?, ?, ?, ?, "
        "?)",
        {std::string(status.at("id").as_string()), actor.organisation, spec.id, bj::serialize(status),
         request_timestamp});
  });
  AIIP_RETURN_IF_ERROR(io);
  if (failure.empty()) AIIP_RETURN_IF_ERROR(Sync());
  return status;
}

Result<bj::object> TaxiiService::GetStatus(const Actor& actor, std::string_view id) const {
  store::Rows rows;
  Status io = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        rows, tx.Query("SELECT organisation, resource FROM taxii_status WHERE id = ?", {std::string(id)}));
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(io);
  if (rows.empty() || actor.organisation.empty() || rows[0].Text(0) != actor.organisation) {
    return Err(NotFound("no status " + std::string(id)));
  }
  return json::ParseObject(rows[0].Text(1));
}

}  // namespace aiip::taxii
