#include "vulnerabilities/service.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "advisories/inventory/inventory.h"
#include "advisories/matcher/finding_json.h"
#include "advisories/matcher/formats.h"
#include "common/encoding.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "common/time.h"
#include "common/words.h"
#include "crypto/sha256.h"

namespace aiip::vulnerabilities {

namespace bj = boost::json;
using advisories::ChangeSet;
using advisories::Finding;
using advisories::FindingFromJson;
using advisories::FindingToJson;
using advisories::Inventory;
using advisories::SeverityThreshold;
using advisories::SourceFormat;
using advisories::Vulnerability;
using registry::Actor;

namespace {

constexpr size_t kLoadPage = 500;
constexpr size_t kMaxInventoryEntries = 100'000;

std::string_view FormatName(SourceFormat format) {
  switch (format) {
    case SourceFormat::kOsv:
      return "osv";
    case SourceFormat::kCsaf:
      return "csaf";
    case SourceFormat::kCve5:
      return "cve5";
  }
  return "unknown";
}

bj::array Strings(const std::vector<std::string>& values) {
  bj::array out;
  out.reserve(values.size());
  for (const std::string& value : values) out.emplace_back(value);
  return out;
}

std::string_view EventKindName(advisories::RangeEvent::Kind kind) {
  switch (kind) {
    case advisories::RangeEvent::Kind::kIntroduced:
      return "introduced";
    case advisories::RangeEvent::Kind::kFixed:
      return "fixed";
    case advisories::RangeEvent::Kind::kLastAffected:
      return "last_affected";
    case advisories::RangeEvent::Kind::kLimit:
      return "limit";
  }
  return "unknown";
}

std::string_view StatusName(advisories::ProductStatus status) {
  switch (status) {
    case advisories::ProductStatus::kAffected:
      return "affected";
    case advisories::ProductStatus::kNotAffected:
      return "not_affected";
    case advisories::ProductStatus::kFixed:
      return "fixed";
    case advisories::ProductStatus::kUnderInvestigation:
      return "under_investigation";
  }
  return "unknown";
}

bj::object AffectedJson(const std::string& record_id, const advisories::Affected& affected) {
  bj::object out;
  out["record"] = record_id;
  out["status"] = StatusName(affected.status);
  if (!affected.ecosystem.empty()) out["ecosystem"] = affected.ecosystem;
  if (!affected.name.empty()) out["name"] = affected.name;
  if (!affected.purl.empty()) out["purl"] = affected.purl;
  if (!affected.cpes.empty()) out["cpes"] = Strings(affected.cpes);
  if (!affected.vendor.empty()) out["vendor"] = affected.vendor;
  if (!affected.product.empty()) out["product"] = affected.product;
  bj::array ranges;
  for (const advisories::Range& range : affected.ranges) {
    bj::array events;
    for (const advisories::RangeEvent& event : range.events) {
      events.push_back(bj::object{{EventKindName(event.kind), event.version}});
    }
    bj::object r{{"type", range.type == advisories::Range::Type::kSemver      ? "SEMVER"
                          : range.type == advisories::Range::Type::kEcosystem ? "ECOSYSTEM"
                                                                              : "GIT"},
                 {"events", std::move(events)}};
    if (!range.repo.empty()) r["repo"] = range.repo;
    ranges.push_back(std::move(r));
  }
  if (!ranges.empty()) out["ranges"] = std::move(ranges);
  if (!affected.versions.empty()) out["versions"] = Strings(affected.versions);
  if (!affected.vers.empty()) out["vers"] = affected.vers;
  if (affected.all_versions) out["all_versions"] = true;
  if (!affected.justification.empty()) out["justification"] = affected.justification;
  if (!affected.impact.empty()) out["impact"] = affected.impact;
  out["origin"] = affected.origin;
  return out;
}

bj::object VulnerabilityJson(const Vulnerability& v, bool detail) {
  bj::object out;
  out["id"] = v.id;
  out["aliases"] = Strings(v.aliases);
  out["summary"] = v.summary;
  out["severity"] = advisories::SeverityToJson(v.severity);
  out["modified"] = v.modified;
  out["withdrawn"] = v.withdrawn;
  bj::array sources;
  for (const advisories::SourceRecord& source : v.sources) {
    bj::object s{{"format", FormatName(source.format)},
                 {"record_id", source.record_id},
                 {"document_id", source.document_id},
                 {"publisher", source.publisher},
                 {"modified", source.modified},
                 {"withdrawn", source.withdrawn.empty() ? bj::value(nullptr) : bj::value(source.withdrawn)}};
    if (detail) {
      s["source_name"] = source.source_name;
      s["sha256"] = source.sha256;
      s["digest_check"] = source.digest_check;
    }
    sources.push_back(std::move(s));
  }
  out["sources"] = std::move(sources);
  if (!detail) return out;
  out["upstream"] = Strings(v.upstream);
  out["related"] = Strings(v.related);
  out["cwes"] = Strings(v.cwes);
  bj::array remediations;
  for (const advisories::SourcedRemediation& r : v.remediations) {
    bj::object item{{"record", r.record_id}, {"category", r.remediation.category}};
    if (!r.remediation.details.empty()) item["details"] = r.remediation.details;
    if (!r.remediation.url.empty()) item["url"] = r.remediation.url;
    if (!r.remediation.fixed_version.empty()) item["fixed_version"] = r.remediation.fixed_version;
    if (!r.remediation.origins.empty()) item["applies_to"] = Strings(r.remediation.origins);
    remediations.push_back(std::move(item));
  }
  out["remediations"] = std::move(remediations);
  bj::array affected;
  for (const advisories::SourceRecord& source : v.sources) {
    if (source.record == nullptr) continue;
    for (const advisories::Affected& a : source.record->affected)
      affected.push_back(AffectedJson(source.record_id, a));
  }
  out["affected"] = std::move(affected);
  return out;
}

struct SubscriptionRow {
  std::string id;
  std::optional<std::string> inventory;
  double threshold = 0;
  std::set<std::string> channels;
};

std::set<std::string> SplitSpaces(std::string_view text) {
  std::vector<std::string> words = SplitWords(text);
  return std::set<std::string>(std::make_move_iterator(words.begin()), std::make_move_iterator(words.end()));
}

bool PassesThreshold(const Finding& finding, double threshold) {
  // A finding of unknown severity is never filtered out: missing data must not hide an alert.
  return finding.severity.base_score < 0 || finding.severity.base_score >= threshold;
}

// The findings of one inventory as last stored (the "before" side of a diff).
Result<std::vector<Finding>> StoredFindings(store::Tx& tx, std::string_view inventory) {
  AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                        tx.Query("SELECT finding FROM inventory_findings WHERE inventory = ? "
                                 "ORDER BY component, vulnerability",
                                 {std::string(inventory)}));
  std::vector<Finding> out;
  out.reserve(rows.size());
  for (const store::Row& row : rows) {
    AIIP_ASSIGN_OR_RETURN(bj::object json, json::ParseObject(row.Text(0)));
    AIIP_ASSIGN_OR_RETURN(Finding finding, FindingFromJson(json));
    out.push_back(std::move(finding));
  }
  return out;
}

Status ReplaceStoredFindings(store::Tx& tx, std::string_view inventory, const std::vector<Finding>& findings,
                             const std::string& now) {
  AIIP_RETURN_IF_ERROR(
      tx.Exec("DELETE FROM inventory_findings WHERE inventory = ?", {std::string(inventory)}));
  std::set<std::pair<size_t, std::string>> seen;
  for (const Finding& finding : findings) {
    if (finding.suppressed || !seen.emplace(finding.component, finding.id).second) continue;
    AIIP_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO inventory_findings (inventory, component, vulnerability, finding, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                {std::string(inventory), static_cast<int64_t>(finding.component), finding.id,
                 bj::serialize(FindingToJson(finding)), now}));
  }
  return Status::Ok();
}

Result<std::vector<SubscriptionRow>> SubscriptionsCovering(store::Tx& tx, std::string_view organisation,
                                                           std::string_view inventory) {
  AIIP_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query("SELECT id, inventory, min_severity, channels FROM vulnerability_subscriptions "
               "WHERE organisation = ? AND (inventory IS NULL OR inventory = ?) ORDER BY id",
               {std::string(organisation), std::string(inventory)}));
  std::vector<SubscriptionRow> out;
  for (const store::Row& row : rows) {
    out.push_back(SubscriptionRow{row.Text(0), row.OptionalText(1),
                                  SeverityThreshold(row.Text(2)).value_or(0), SplitSpaces(row.Text(3))});
  }
  return out;
}

bj::array FindingsJson(const std::vector<Finding>& findings, double threshold) {
  bj::array out;
  for (const Finding& finding : findings) {
    if (PassesThreshold(finding, threshold)) out.push_back(FindingToJson(finding));
  }
  return out;
}

// Appends the alert event for one inventory, if a subscription wants it. Returns whether one
// was appended.
Result<bool> AppendAlert(store::Tx& tx, notify::EventLog& events, std::string_view organisation,
                         std::string_view inventory, std::string_view inventory_name, bj::object cause,
                         const advisories::FindingDiff& diff) {
  AIIP_ASSIGN_OR_RETURN(auto subscriptions, SubscriptionsCovering(tx, organisation, inventory));
  if (subscriptions.empty()) return false;
  double threshold = 11;
  bool webhook = false;
  bool stream = false;
  bool email = false;
  bj::array subscription_ids;
  for (const SubscriptionRow& s : subscriptions) {
    threshold = std::min(threshold, s.threshold);
    webhook = webhook || s.channels.contains("webhook");
    stream = stream || s.channels.contains("stream");
    email = email || s.channels.contains("email");
    subscription_ids.emplace_back(s.id);
  }
  bj::array added = FindingsJson(diff.added, threshold);
  bj::array new_fix = FindingsJson(diff.new_fix, threshold);
  bj::array withdrawn = FindingsJson(diff.withdrawn, threshold);
  if (added.empty() && new_fix.empty() && withdrawn.empty()) return false;
  bj::object data{{"inventory", bj::object{{"id", inventory}, {"name", inventory_name}}},
                  {"cause", std::move(cause)},
                  {"subscriptions", std::move(subscription_ids)},
                  {"added", std::move(added)},
                  {"new_fix", std::move(new_fix)},
                  {"withdrawn", std::move(withdrawn)}};
  notify::EventDraft draft{std::string(organisation), "vulnerability.alert", std::string(inventory),
                           std::move(data)};
  draft.webhooks = webhook;
  draft.stream = stream;
  draft.email = email;
  AIIP_RETURN_IF_ERROR(StatusOf(events.Append(tx, draft)));
  return true;
}

}  // namespace

boost::json::object IngestResult::ToJson() const {
  return bj::object{{"format", format},
                    {"id", id},
                    {"outcome", outcome},
                    {"digest_check", digest_check},
                    {"vulnerabilities", Strings(vulnerabilities)},
                    {"records", records},
                    {"changes", changes},
                    {"alerts", alerts}};
}

// ---- The service ----

struct VulnerabilityService::StoredInventory {
  std::string id;
  std::string organisation;
  std::string name;
  std::string format;
  bool cpe_matching = false;
  std::string body;
  std::string sha256;
  int64_t component_count = 0;
  std::string created_at;
  std::string updated_at;
  int64_t version = 0;

  bj::object ToJson() const {
    return bj::object{{"id", id},
                      {"organisation", organisation},
                      {"name", name},
                      {"format", format},
                      {"cpe_matching", cpe_matching},
                      {"sha256", sha256},
                      {"components", component_count},
                      {"created_at", created_at},
                      {"updated_at", updated_at},
                      {"version", version}};
  }
};

namespace {
constexpr std::string_view kInventoryColumns =
    "id, organisation, name, format, cpe_matching, body, sha256, component_count, created_at, updated_at, "
    "version";
}  // namespace

VulnerabilityService::VulnerabilityService(store::Store& store, notify::EventLog& events,
                                           registry::AuditAppend audit, const Clock& clock, Random& random,
                                           std::function<void()> events_committed)
    : store_(store),
      events_(events),
      audit_(std::move(audit)),
      clock_(clock),
      random_(random),
      events_committed_(std::move(events_committed)),
      db_(std::make_shared<advisories::VulnerabilityDatabase>()) {}

VulnerabilityService::~VulnerabilityService() = default;

Status VulnerabilityService::RebuildDatabase() {
  auto db = std::make_shared<advisories::VulnerabilityDatabase>();
  std::string last_format;
  std::string last_id;
  size_t loaded = 0;
  size_t skipped = 0;
  while (true) {
    store::Rows rows;
    Status read = store_.Read([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(
          rows, tx.Query("SELECT format, id, body, source_name, published_sha512 FROM advisory_documents "
                         "WHERE format > ? OR (format = ? AND id > ?) ORDER BY format, id LIMIT ?",
                         {last_format, last_format, last_id, static_cast<int64_t>(kLoadPage)}));
      return Status::Ok();
    });
    AIIP_RETURN_IF_ERROR(read);
    for (const store::Row& row : rows) {
      std::optional<std::string> sha512 = row.OptionalText(4);
      Result<advisories::Document> document = advisories::ParseAdvisory(
          row.Text(2), row.Text(3), sha512 ? std::optional<std::string_view>(*sha512) : std::nullopt);
      Status status = document ? StatusOf(db->Upsert(std::move(*document))) : document.error();
      if (!status.ok()) {
        ++skipped;
        log::Error("a stored advisory no longer loads; skipped",
                   {{"format", row.Text(0)}, {"id", row.Text(1)}, {"error", status.ToString()}});
        continue;
      }
      ++loaded;
    }
    if (rows.size() < kLoadPage) break;
    last_format = rows.back().Text(0);
    last_id = rows.back().Text(1);
  }
  db_.store(std::move(db));
  log::Info("advisories loaded", {{"documents", loaded}, {"skipped", skipped}});
  return Status::Ok();
}

Status VulnerabilityService::Load() {
  std::lock_guard lock(write_mu_);
  AIIP_RETURN_IF_ERROR(RebuildDatabase());
  std::string last_id;
  size_t loaded = 0;
  while (true) {
    store::Rows rows;
    Status read = store_.Read([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(rows, tx.Query("SELECT id, body, cpe_matching FROM inventories WHERE id > ? "
                                           "ORDER BY id LIMIT ?",
                                           {last_id, static_cast<int64_t>(kLoadPage)}));
      return Status::Ok();
    });
    AIIP_RETURN_IF_ERROR(read);
    for (const store::Row& row : rows) {
      Result<Inventory> inventory = advisories::ParseInventory(row.Text(1));
      if (!inventory) {
        log::Error("a stored inventory no longer parses; skipped",
                   {{"id", row.Text(0)}, {"error", inventory.error().ToString()}});
        continue;
      }
      index_.Put(row.Text(0), *inventory, advisories::ScanOptions{row.Int(2) != 0});
      ++loaded;
    }
    if (rows.size() < kLoadPage) break;
    last_id = rows.back().Text(0);
  }
  log::Info("inventories loaded", {{"inventories", loaded}});
  return Status::Ok();
}

Status VulnerabilityService::CheckManages(const Actor& actor, std::string_view organisation) const {
  if (actor.IsSystem() || actor.HasRole("admin") || actor.organisation == organisation) return Status::Ok();
  return PermissionDenied("only members of " + std::string(organisation) +
                          " or an administrator may do this");
}

Result<IngestResult> VulnerabilityService::Ingest(const Actor& actor, std::string_view bytes,
                                                  std::string source_name,
                                                  std::optional<std::string> published_sha512) {
  std::vector<IngestInput> inputs(1);
  inputs[0] = IngestInput{bytes, std::move(source_name), std::move(published_sha512)};
  AIIP_ASSIGN_OR_RETURN(std::vector<Result<IngestResult>> results, IngestBatch(actor, inputs));
  return std::move(results[0]);
}

Result<std::vector<Result<IngestResult>>> VulnerabilityService::IngestBatch(
    const Actor& actor, std::span<const IngestInput> inputs) {
  // What each document needs on its way: parsed outside the lock, then upserted in order.
  struct Pending {
    const IngestInput* input = nullptr;
    std::optional<advisories::Document> document;
    IngestResult result;
    std::vector<std::string> record_ids;
    std::string sha256, modified;
    ChangeSet changes;
    std::vector<advisories::InventoryFindings> affected;
    bool write = false;
    bool failed = false;  // its error is in `out`
  };
  std::vector<Result<IngestResult>> out(inputs.size());
  std::vector<Pending> pending(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const IngestInput& input = inputs[i];
    Result<advisories::Document> document = advisories::ParseAdvisory(
        input.bytes, input.source_name,
        input.published_sha512 ? std::optional<std::string_view>(*input.published_sha512) : std::nullopt);
    Pending& p = pending[i];
    if (!document) {
      out[i] = Err(document.error());
      p.failed = true;
      continue;
    }
    p.input = &input;
    p.result.format = std::string(FormatName(document->format));
    p.result.id = document->id;
    p.result.digest_check = document->digest_check;
    p.result.records = document->records.size();
    for (const advisories::Record& record : document->records) p.record_ids.push_back(record.id);
    p.sha256 = document->sha256;
    p.modified = document->modified;
    p.document = std::move(*document);
  }

  std::lock_guard lock(write_mu_);
  // Documents whose exact bytes are stored already change nothing.
  std::map<std::pair<std::string, std::string>, std::string> stored;
  Status read = store_.Read([&](store::Tx& tx) -> Status {
    for (const Pending& p : pending) {
      if (!p.document) continue;
      AIIP_ASSIGN_OR_RETURN(store::Rows rows,
                            tx.Query("SELECT sha256 FROM advisory_documents WHERE format = ? AND id = ?",
                                     {p.result.format, p.result.id}));
      if (!rows.empty()) stored[{p.result.format, p.result.id}] = rows[0].Text(0);
    }
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(read);
  std::shared_ptr<advisories::VulnerabilityDatabase> db = db_.load();
  for (size_t i = 0; i < pending.size(); ++i) {
    Pending& p = pending[i];
    if (!p.document) continue;
    auto known = stored.find({p.result.format, p.result.id});
    if (known != stored.end() && known->second == p.sha256) {
      p.result.outcome = "unchanged";
      continue;
    }
    Result<ChangeSet> changes = db->Upsert(std::move(*p.document));
    p.document.reset();
    if (!changes) {
      out[i] = Err(changes.error());
      p.failed = true;
      continue;
    }
    p.changes = std::move(*changes);
    if (p.changes.outcome == ChangeSet::Outcome::kStale) {
      p.result.outcome = "stale";
      continue;
    }
    p.result.outcome = p.changes.outcome == ChangeSet::Outcome::kInserted ? "inserted" : "replaced";
    p.result.changes = p.changes.changes.size();
    // Computed now, after this document and the ones before it, so each sees the database
    // as its own upsert left it; a later document of the batch may change it again.
    p.affected = advisories::AffectedInventories(p.changes, *db, index_);
    p.write = true;
    stored[{p.result.format, p.result.id}] = p.sha256;
  }

  const std::string now = FormatRfc3339(clock_.Now());
  const std::string ingested_by = actor.IsSystem() ? std::string("system") : actor.organisation;
  size_t alerts = 0;
  // One transaction for the whole batch: one fsync instead of one per document, and the
  // stored finding state each document leaves is the "before" of the next.
  Status written = store_.Write([&](store::Tx& tx) -> Status {
    alerts = 0;
    for (Pending& p : pending) {
      if (!p.write) continue;
      p.result.alerts = 0;
      AIIP_RETURN_IF_ERROR(tx.Exec(
          "INSERT INTO advisory_documents (format, id, modified, sha256, digest_check, source_name, body, "
          "published_sha512, ingested_at, ingested_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (format, id) DO UPDATE SET modified = excluded.modified, sha256 = excluded.sha256, "
          "digest_check = excluded.digest_check, source_name = excluded.source_name, body = excluded.body, "
          "published_sha512 = excluded.published_sha512, ingested_at = excluded.ingested_at, "
          "ingested_by = excluded.ingested_by",
          {p.result.format, p.result.id, p.modified, p.sha256, p.result.digest_check, p.input->source_name,
           std::string(p.input->bytes), store::OptionalText(p.input->published_sha512), now, ingested_by}));
      bj::object audited{
          {"format", p.result.format}, {"id", p.result.id}, {"sha256", p.sha256}, {"modified", p.modified}};
      AIIP_RETURN_IF_ERROR(
          audit_(tx, registry::AuditEvent{actor.IsSystem() ? "system" : actor.member, actor.organisation,
                                          "advisory.ingest", p.result.format + ":" + p.result.id,
                                          bj::serialize(audited)}));
      for (const advisories::InventoryFindings& inventory : p.affected) {
        AIIP_ASSIGN_OR_RETURN(
            store::Rows owner,
            tx.Query("SELECT organisation, name FROM inventories WHERE id = ?", {inventory.inventory_id}));
        if (owner.empty()) continue;  // deleted meanwhile; the index forgets it after its own write
        AIIP_ASSIGN_OR_RETURN(std::vector<Finding> before, StoredFindings(tx, inventory.inventory_id));
        advisories::FindingDiff diff = advisories::DiffFindings(before, inventory.findings, p.changes);
        std::vector<Finding> merged = advisories::MergeFindings(before, inventory.findings, p.changes);
        AIIP_RETURN_IF_ERROR(ReplaceStoredFindings(tx, inventory.inventory_id, merged, now));
        if (!diff.alert()) continue;
        bj::object cause{{"type", "advisory"}, {"format", p.result.format}, {"document", p.result.id}};
        AIIP_ASSIGN_OR_RETURN(bool appended,
                              AppendAlert(tx, events_, owner[0].Text(0), inventory.inventory_id,
                                          owner[0].Text(1), std::move(cause), diff));
        if (appended) {
          ++p.result.alerts;
          ++alerts;
        }
      }
    }
    return Status::Ok();
  });
  if (!written.ok()) {
    // The in-memory database already holds the documents the store refused: rebuild it from
    // what the store does hold, so memory never runs ahead of the committed state.
    if (Status rebuilt = RebuildDatabase(); !rebuilt.ok()) {
      log::Error("cannot rebuild the advisory database after a failed write",
                 {{"error", rebuilt.ToString()}});
    }
    return Err(written);
  }
  {
    auto reader = db->Read();
    for (size_t i = 0; i < pending.size(); ++i) {
      Pending& p = pending[i];
      if (p.failed) continue;
      std::set<std::string> ids;
      for (const std::string& record_id : p.record_ids) {
        if (const Vulnerability* v = reader.Find(record_id)) ids.insert(v->id);
      }
      p.result.vulnerabilities.assign(ids.begin(), ids.end());
      out[i] = std::move(p.result);
    }
  }
  if (alerts > 0 && events_committed_) events_committed_();
  return out;
}

// ---- Vulnerabilities ----

Result<std::pair<std::vector<boost::json::object>, std::optional<std::string>>> VulnerabilityService::Search(
    const VulnerabilitySearch& search) const {
  std::optional<double> threshold;
  if (search.min_severity) {
    threshold = SeverityThreshold(*search.min_severity);
    if (!threshold) {
      return Err(InvalidArgument("invalid-value", "min_severity must be none, low, medium, high or critical",
                                 "min_severity"));
    }
  }
  std::shared_ptr<advisories::VulnerabilityDatabase> db = db_.load();
  auto reader = db->Read();
  std::vector<const Vulnerability*> candidates;
  if (search.name) {
    if (const Vulnerability* v = reader.Find(*search.name)) candidates.push_back(v);
  } else if (search.package) {
    std::string key =
        search.package->starts_with("pkg:") ? advisories::PackageKeyOfPurl(*search.package) : *search.package;
    if (key.empty()) {
      return Err(InvalidArgument("invalid-value",
                                 "package must be a purl of a known ecosystem or a package key", "package"));
    }
    for (const advisories::IndexEntry& entry : reader.ByPackage(key))
      candidates.push_back(entry.vulnerability);
  } else {
    candidates = reader.All();
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Vulnerability* a, const Vulnerability* b) { return a->id < b->id; });
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<bj::object> items;
  std::optional<std::string> next;
  for (const Vulnerability* v : candidates) {
    if (search.after && v->id <= *search.after) continue;
    if (v->withdrawn && !search.include_withdrawn) continue;
    if (threshold && !(v->severity.base_score < 0 || v->severity.base_score >= *threshold)) continue;
    if (items.size() == search.limit) {
      next = items.back().at("id").as_string().c_str();
      break;
    }
    items.push_back(VulnerabilityJson(*v, false));
  }
  return std::make_pair(std::move(items), next);
}

Result<boost::json::object> VulnerabilityService::GetVulnerability(std::string_view name) const {
  std::shared_ptr<advisories::VulnerabilityDatabase> db = db_.load();
  auto reader = db->Read();
  const Vulnerability* v = reader.Find(name);
  if (v == nullptr) return Err(NotFound("no vulnerability " + std::string(name)));
  return VulnerabilityJson(*v, true);
}

// ---- Inventories ----

Result<VulnerabilityService::StoredInventory> VulnerabilityService::ReadInventoryRow(
    std::string_view id) const {
  StoredInventory out;
  Status read = store_.Read([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT " + std::string(kInventoryColumns) +
                                                         " FROM inventories WHERE id = ?",
                                                     {std::string(id)}));
    if (rows.empty()) return NotFound("no inventory " + std::string(id));
    const store::Row& r = rows[0];
    out = StoredInventory{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4) != 0, r.Text(5),
                          r.Text(6), r.Int(7),  r.Text(8), r.Text(9), r.Int(10)};
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(read);
  return out;
}

namespace {

// What an inventory request body carries, validated.
struct InventoryInput {
  std::string name;
  std::optional<std::string> organisation;
  bool cpe_matching = false;
  std::string text;  // the inventory as ParseInventory reads it
  std::optional<int64_t> version;
};

Result<InventoryInput> ReadInventoryBody(const bj::object& body, bool replace) {
  json::ObjectReader reader(body);
  InventoryInput input;
  input.name = reader.RequiredString("name", 200);
  input.organisation = reader.OptionalString("organisation", 64);
  input.cpe_matching = reader.OptionalBool("cpe_matching").value_or(false);
  if (replace) input.version = reader.OptionalInt("version", 1, INT64_MAX);
  const bj::object* document = reader.OptionalObject("document");
  auto purls = reader.OptionalStringArray("purls", kMaxInventoryEntries, 2048);
  auto cpes = reader.OptionalStringArray("cpes", kMaxInventoryEntries, 2048);
  AIIP_RETURN_IF_ERROR(reader.Finish());
  const int given = (document != nullptr) + purls.has_value() + cpes.has_value();
  if (given != 1) {
    return Err(
        InvalidArgument("invalid-value", "give exactly one of 'document', 'purls' or 'cpes'", "/document"));
  }
  if (document != nullptr) {
    input.text = bj::serialize(*document);
    return input;
  }
  const std::vector<std::string>& lines = purls ? *purls : *cpes;
  const std::string key = purls ? "/purls/" : "/cpes/";
  if (lines.empty())
    return Err(InvalidArgument("out-of-range", "the list is empty", key.substr(0, key.size() - 1)));
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find_first_of("\n\r#") != std::string::npos || lines[i].empty()) {
      return Err(
          InvalidArgument("invalid-value", "an entry must be one purl or CPE", key + std::to_string(i)));
    }
    Result<Inventory> one = advisories::ParsePlainList(lines[i]);
    if (!one) return Err(InvalidArgument(one.error().type(), one.error().detail(), key + std::to_string(i)));
    if (purls && one->format != "purl-list") {
      return Err(InvalidArgument("invalid-value", "not a purl", key + std::to_string(i)));
    }
    if (cpes && one->format != "cpe-list")
      return Err(InvalidArgument("invalid-value", "not a CPE", key + std::to_string(i)));
    input.text += lines[i];
    input.text += '\n';
  }
  return input;
}

}  // namespace

Result<boost::json::object> VulnerabilityService::PutInventory(const Actor& actor,
                                                               std::optional<std::string> id,
                                                               const boost::json::object& body) {
  AIIP_ASSIGN_OR_RETURN(InventoryInput input, ReadInventoryBody(body, id.has_value()));
  Result<Inventory> parsed = advisories::ParseInventory(input.text);
  if (!parsed) {
    // Errors inside an SBOM point into the "document" member of the request.
    return Err(parsed.error().WithFieldPrefix(body.contains("document") ? "/document" : ""));
  }
  Inventory inventory = std::move(*parsed);

  std::lock_guard lock(write_mu_);
  StoredInventory row;
  const std::string now = FormatRfc3339(clock_.Now());
  if (id) {
    AIIP_ASSIGN_OR_RETURN(row, ReadInventoryRow(*id));
    AIIP_RETURN_IF_ERROR(CheckManages(actor, row.organisation));
    if (input.version && *input.version != row.version) {
      return Err(Conflict("inventory " + *id + " is at version " + std::to_string(row.version), "/version"));
    }
    if (input.organisation && *input.organisation != row.organisation) {
      return Err(InvalidArgument("invalid-value", "an inventory cannot move to another organisation",
                                 "/organisation"));
    }
    row.version += 1;
  } else {
    std::string organisation = input.organisation.value_or(actor.organisation);
    if (organisation.empty()) {
      return Err(
          InvalidArgument("missing-field", "the node itself must name the organisation", "/organisation"));
    }
    AIIP_RETURN_IF_ERROR(CheckManages(actor, organisation));
    row.id = NewId("inv", clock_, random_);
    row.organisation = organisation;
    row.created_at = now;
    row.version = 1;
  }
  row.name = input.name;
  row.format = inventory.format;
  row.cpe_matching = input.cpe_matching;
  row.body = input.text;
  row.sha256 = HexEncode(crypto::Sha256(input.text));
  row.component_count = static_cast<int64_t>(inventory.components.size());
  row.updated_at = now;

  const advisories::ScanOptions options{input.cpe_matching};
  advisories::ScanResult scan = advisories::Scan(inventory, *db_.load(), options);
  bool alerted = false;
  Status written = store_.Write([&](store::Tx& tx) -> Status {
    if (id) {
      AIIP_RETURN_IF_ERROR(
          tx.Exec("UPDATE inventories SET name = ?, format = ?, cpe_matching = ?, body = ?, sha256 = ?, "
                  "component_count = ?, updated_at = ?, version = ? WHERE id = ? AND version = ?",
                  {row.name, row.format, int64_t{row.cpe_matching}, row.body, row.sha256, row.component_count,
                   now, row.version, row.id, row.version - 1}));
      if (tx.ChangedRows() != 1) return Conflict("inventory " + row.id + " changed meanwhile", "/version");
    } else {
      AIIP_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO inventories (" + std::string(kInventoryColumns) +
                      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  {row.id, row.organisation, row.name, row.format, int64_t{row.cpe_matching}, row.body,
                   row.sha256, row.component_count, row.created_at, row.updated_at, row.version}));
    }
    bj::object audited = row.ToJson();
    AIIP_RETURN_IF_ERROR(audit_(
        tx,
        registry::AuditEvent{actor.IsSystem() ? "system" : actor.member, actor.organisation,
                             id ? "inventory.replace" : "inventory.create", row.id, bj::serialize(audited)}));
    // Alert about what the inventory is affected by now that it was not before (all of it
    // for a new inventory); the stored finding state becomes the scan.
    AIIP_ASSIGN_OR_RETURN(std::vector<Finding> before, StoredFindings(tx, row.id));
    advisories::FindingDiff diff;
    std::set<std::pair<size_t, std::string>> known;
    for (const Finding& f : before) known.emplace(f.component, f.id);
    for (const Finding& f : scan.findings) {
      if (!f.suppressed && !known.contains({f.component, f.id})) diff.added.push_back(f);
    }
    AIIP_RETURN_IF_ERROR(ReplaceStoredFindings(tx, row.id, scan.findings, now));
    alerted = false;
    if (diff.alert()) {
      bj::object cause{{"type", id ? "inventory-replaced" : "inventory-registered"}};
      AIIP_ASSIGN_OR_RETURN(
          alerted, AppendAlert(tx, events_, row.organisation, row.id, row.name, std::move(cause), diff));
    }
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(written);
  index_.Put(row.id, inventory, options);
  if (alerted && events_committed_) events_committed_();

  bj::object out = row.ToJson();
  out["warnings"] = Strings(inventory.warnings);
  bj::array findings;
  size_t affected = 0;
  for (const Finding& f : scan.findings) {
    if (!f.suppressed) ++affected;
    findings.push_back(FindingToJson(f));
  }
  out["affected"] = affected;
  out["findings"] = std::move(findings);
  return out;
}

Result<boost::json::object> VulnerabilityService::CreateInventory(const Actor& actor,
                                                                  const boost::json::object& body) {
  return PutInventory(actor, std::nullopt, body);
}

Result<boost::json::object> VulnerabilityService::ReplaceInventory(const Actor& actor, std::string_view id,
                                                                   const boost::json::object& body) {
  return PutInventory(actor, std::string(id), body);
}

Status VulnerabilityService::DeleteInventory(const Actor& actor, std::string_view id) {
  std::lock_guard lock(write_mu_);
  AIIP_ASSIGN_OR_RETURN(StoredInventory row, ReadInventoryRow(id));
  AIIP_RETURN_IF_ERROR(CheckManages(actor, row.organisation));
  Status written = store_.Write([&](store::Tx& tx) -> Status {
    AIIP_RETURN_IF_ERROR(tx.Exec("DELETE FROM inventory_findings WHERE inventory = ?", {row.id}));
    AIIP_RETURN_IF_ERROR(tx.Exec("DELETE FROM vulnerability_subscriptions WHERE inventory = ?", {row.id}));
    AIIP_RETURN_IF_ERROR(tx.Exec("DELETE FROM inventories WHERE id = ?", {row.id}));
    return audit_(tx, registry::AuditEvent{actor.IsSystem() ? "system" : actor.member, actor.organisation,
                                           "inventory.delete", row.id, bj::serialize(row.ToJson())});
  });
  AIIP_RETURN_IF_ERROR(written);
  index_.Remove(row.id);
  return Status::Ok();
}

Result<std::vector<boost::json::object>> VulnerabilityService::ListInventories(
    const Actor& actor, std::optional<std::string> organisation) const {
  if (!organisation && !actor.HasRole("admin")) organisation = actor.organisation;
  if (organisation) AIIP_RETURN_IF_ERROR(CheckManages(actor, *organisation));
  std::vector<bj::object> out;
  Status read = store_.Read([&](store::Tx& tx) -> Status {
    std::string sql = "SELECT " + std::string(kInventoryColumns) + " FROM inventories";
    std::vector<store::Value> params;
    if (organisation) {
      sql += " WHERE organisation = ?";
      params.emplace_back(*organisation);
    }
    sql += " ORDER BY id";
    AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(sql, params));
    for (const store::Row& r : rows) {
      StoredInventory row{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4) != 0, "",
                          r.Text(6), r.Int(7),  r.Text(8), r.Text(9), r.Int(10)};
      out.push_back(row.ToJson());
    }
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(read);
  return out;
}

Result<boost::json::object> VulnerabilityService::GetInventory(const Actor& actor,
                                                               std::string_view id) const {
  AIIP_ASSIGN_OR_RETURN(StoredInventory row, ReadInventoryRow(id));
  AIIP_RETURN_IF_ERROR(CheckManages(actor, row.organisation));
  return row.ToJson();
}

Result<boost::json::object> VulnerabilityService::Findings(const Actor& actor, std::string_view id) const {
  AIIP_ASSIGN_OR_RETURN(StoredInventory row, ReadInventoryRow(id));
  AIIP_RETURN_IF_ERROR(CheckManages(actor, row.organisation));
  AIIP_ASSIGN_OR_RETURN(Inventory inventory, advisories::ParseInventory(row.body));
  advisories::ScanResult scan =
      advisories::Scan(inventory, *db_.load(), advisories::ScanOptions{row.cpe_matching});
  bj::array findings;
  size_t affected = 0;
  for (const Finding& f : scan.findings) {
    if (!f.suppressed) ++affected;
    findings.push_back(FindingToJson(f));
  }
  return bj::object{{"inventory", row.ToJson()},
                    {"affected", affected},
                    {"findings", std::move(findings)},
                    {"notes", Strings(scan.notes)}};
}

// ---- Subscriptions ----

Result<boost::json::object> VulnerabilityService::CreateSubscription(const Actor& actor,
                                                                     const boost::json::object& body) {
  json::ObjectReader reader(body);
  auto organisation = reader.OptionalString("organisation", 64);
  auto inventory = reader.OptionalString("inventory", 64);
  std::string min_severity = reader.OptionalString("min_severity", 16).value_or("none");
  auto channels = reader.OptionalStringArray("channels", 4, 16);
  if (reader.ok() && !SeverityThreshold(min_severity)) {
    reader.Fail("min_severity", "invalid-value", "min_severity must be none, low, medium, high or critical");
  }
  std::set<std::string> channel_set{"stream", "webhook"};
  if (reader.ok() && channels) {
    channel_set.clear();
    for (const std::string& channel : *channels) {
      if (channel != "stream" && channel != "webhook" && channel != "email") {
        reader.Fail("channels", "invalid-value", "channels are 'stream', 'webhook' and 'email'");
        break;
      }
      channel_set.insert(channel);
    }
    if (reader.ok() && channel_set.empty())
      reader.Fail("channels", "out-of-range", "name at least one channel");
  }
  AIIP_RETURN_IF_ERROR(reader.Finish());
  std::string org = organisation.value_or(actor.organisation);
  if (org.empty())
    return Err(
        InvalidArgument("missing-field", "the node itself must name the organisation", "/organisation"));
  AIIP_RETURN_IF_ERROR(CheckManages(actor, org));
  if (inventory) {
    AIIP_ASSIGN_OR_RETURN(StoredInventory row, ReadInventoryRow(*inventory));
    if (row.organisation != org) {
      return Err(
          InvalidArgument("invalid-value", "the inventory belongs to another organisation", "/inventory"));
    }
  }
  std::string channels_text;
  bj::array channels_json;
  for (const std::string& c : channel_set) {
    if (!channels_text.empty()) channels_text += ' ';
    channels_text += c;
    channels_json.emplace_back(c);
  }
  bj::object out{{"id", NewId("vsub", clock_, random_)},
                 {"organisation", org},
                 {"inventory", inventory ? bj::value(*inventory) : bj::value(nullptr)},
                 {"min_severity", min_severity},
                 {"channels", std::move(channels_json)},
                 {"created_at", FormatRfc3339(clock_.Now())}};
  Status written = store_.Write([&](store::Tx& tx) -> Status {
    AIIP_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO vulnerability_subscriptions (id, organisation, inventory, min_severity, "
                "channels, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                {std::string(out.at("id").as_string()), org, store::OptionalText(inventory), min_severity,
                 channels_text, std::string(out.at("created_at").as_string())}));
    return audit_(tx, registry::AuditEvent{actor.IsSystem() ? "system" : actor.member, actor.organisation,
                                           "subscription.create", std::string(out.at("id").as_string()),
                                           bj::serialize(out)});
  });
  AIIP_RETURN_IF_ERROR(written);
  return out;
}

Result<std::vector<boost::json::object>> VulnerabilityService::ListSubscriptions(
    const Actor& actor, std::optional<std::string> organisation) const {
  if (!organisation && !actor.HasRole("admin")) organisation = actor.organisation;
  if (organisation) AIIP_RETURN_IF_ERROR(CheckManages(actor, *organisation));
  std::vector<bj::object> out;
  Status read = store_.Read([&](store::Tx& tx) -> Status {
    std::string sql =
        "SELECT id, organisation, inventory, min_severity, channels, created_at FROM "
        "vulnerability_subscriptions";
    std::vector<store::Value> params;
    if (organisation) {
      sql += " WHERE organisation = ?";
      params.emplace_back(*organisation);
    }
    sql += " ORDER BY id";
    AIIP_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(sql, params));
    for (const store::Row& r : rows) {
      bj::array channels;
      for (const std::string& c : SplitSpaces(r.Text(4))) channels.emplace_back(c);
      auto inventory = r.OptionalText(2);
      out.push_back(bj::object{{"id", r.Text(0)},
                               {"organisation", r.Text(1)},
                               {"inventory", inventory ? bj::value(*inventory) : bj::value(nullptr)},
                               {"min_severity", r.Text(3)},
                               {"channels", std::move(channels)},
                               {"created_at", r.Text(5)}});
    }
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(read);
  return out;
}

Status VulnerabilityService::DeleteSubscription(const Actor& actor, std::string_view id) {
  return store_.Write([&](store::Tx& tx) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT organisation FROM vulnerability_subscriptions WHERE id = ?", {std::string(id)}));
    if (rows.empty()) return NotFound("no subscription " + std::string(id));
    AIIP_RETURN_IF_ERROR(CheckManages(actor, rows[0].Text(0)));
    AIIP_RETURN_IF_ERROR(tx.Exec("DELETE FROM vulnerability_subscriptions WHERE id = ?", {std::string(id)}));
    return audit_(tx, registry::AuditEvent{actor.IsSystem() ? "system" : actor.member, actor.organisation,
                                           "subscription.delete", std::string(id),
                                           bj::serialize(bj::object{{"id", id}})});
  });
}

// ---- Demonstration data ----

Result<int> VulnerabilityService::LoadDemo(std::span<const EmbeddedFile> files, std::string_view manifest) {
  auto file = [&](std::string_view name) -> std::optional<std::string_view> {
    for (const EmbeddedFile& f : files) {
      if (f.name == name) return f.contents;
    }
    return std::nullopt;
  };
  int created = 0;
  for (const EmbeddedFile& f : files) {
    // Inventories and the manifests are JSON too, but no advisory format recognises them.
    if (!f.name.ends_with(".json") ||
        advisories::DetectAdvisoryFormat(f.contents) == advisories::DetectedFormat::kUnknown) {
      continue;
    }
    std::optional<std::string> sha512;
    if (auto digest = file(std::string(f.name) + ".sha512")) sha512 = std::string(*digest);
    Result<IngestResult> ingested =
        Ingest(Actor::System(), f.contents, "demo/" + std::string(f.name), sha512);
    if (!ingested)
      return Err(ingested.error().WithFieldPrefix("demo advisory " + std::string(f.name) + ": "));
    if (ingested->outcome == "inserted") ++created;
  }

  AIIP_ASSIGN_OR_RETURN(bj::object plan, json::ParseObject(manifest));
  auto organisation_id = [&](std::string_view name) -> Result<std::string> {
    std::string id;
    Status read = store_.Read([&](store::Tx& tx) -> Status {
      AIIP_ASSIGN_OR_RETURN(
          store::Rows rows,
          tx.Query("SELECT id FROM organisations WHERE name = ? ORDER BY id", {std::string(name)}));
      if (rows.empty())
        return NotFound("demo data names organisation '" + std::string(name) + "', which does not exist");
      id = rows[0].Text(0);
      return Status::Ok();
    });
    AIIP_RETURN_IF_ERROR(read);
    return id;
  };
  auto list = [&](std::string_view key) -> const bj::array* {
    const bj::value* value = plan.if_contains(key);
    return value != nullptr && value->is_array() ? &value->get_array() : nullptr;
  };
  // Subscriptions first, so that registering the inventories already alerts.
  if (const bj::array* subscriptions = list("subscriptions")) {
    for (const bj::value& item : *subscriptions) {
      if (!item.is_object())
        return Err(InvalidArgument("invalid-demo-data", "a subscription entry is not an object"));
      bj::object body = item.get_object();
      AIIP_ASSIGN_OR_RETURN(std::string org, organisation_id(body["organisation"].as_string()));
      body["organisation"] = org;
      AIIP_ASSIGN_OR_RETURN(std::vector<bj::object> existing, ListSubscriptions(Actor::System(), org));
      if (!existing.empty()) continue;
      AIIP_RETURN_IF_ERROR(StatusOf(CreateSubscription(Actor::System(), body)));
      ++created;
    }
  }
  if (const bj::array* inventories = list("inventories")) {
    for (const bj::value& item : *inventories) {
      if (!item.is_object())
        return Err(InvalidArgument("invalid-demo-data", "an inventory entry is not an object"));
      bj::object body = item.get_object();
      AIIP_ASSIGN_OR_RETURN(std::string org, organisation_id(body["organisation"].as_string()));
      body["organisation"] = org;
      AIIP_ASSIGN_OR_RETURN(std::vector<bj::object> existing, ListInventories(Actor::System(), org));
      if (std::any_of(existing.begin(), existing.end(),
                      [&](const bj::object& i) { return i.at("name") == body.at("name"); })) {
        continue;
      }
      if (const bj::value* name = body.if_contains("file")) {
        auto contents = file(name->as_string());
        if (!contents)
          return Err(NotFound("demo inventory file " + std::string(name->as_string()) + " is not embedded"));
        AIIP_ASSIGN_OR_RETURN(bj::object document, json::ParseObject(*contents));
        body.erase("file");
        body["document"] = std::move(document);
      }
      AIIP_RETURN_IF_ERROR(StatusOf(CreateInventory(Actor::System(), body)));
      ++created;
    }
  }
  return created;
}

VulnerabilityService::Counts VulnerabilityService::counts() const {
  std::shared_ptr<advisories::VulnerabilityDatabase> db = db_.load();
  auto reader = db->Read();
  return Counts{reader.document_count(), reader.record_count(), reader.vulnerability_count(), index_.size()};
}

}  // namespace aiip::vulnerabilities
