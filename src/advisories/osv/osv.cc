#include "advisories/osv/osv.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "advisories/osv/cvss.h"
#include "advisories/osv/parse_util.h"
#include "common/json.h"
#include "crypto/sha256.h"

namespace aiip::advisories {
namespace {

namespace bj = boost::json;

// Limits generous enough for every real database (PyPI lists hundreds of versions; details
// run to tens of kilobytes) and small enough to bound the memory one document can claim.
constexpr size_t kMaxIdLength = 256;
constexpr size_t kMaxStringLength = 8192;
constexpr size_t kMaxTextLength = 1 << 20;
constexpr size_t kMaxItems = 1 << 16;

constexpr std::array<std::pair<std::string_view, RangeEvent::Kind>, 4> kEventKinds = {{
    {"introduced", RangeEvent::Kind::kIntroduced},
    {"fixed", RangeEvent::Kind::kFixed},
    {"last_affected", RangeEvent::Kind::kLastAffected},
    {"limit", RangeEvent::Kind::kLimit},
}};

double ScoreOf(std::string_view type, std::string_view score) {
  std::optional<double> base;
  if (type == "CVSS_V3") base = Cvss3BaseScore(score);
  if (type == "CVSS_V2") base = Cvss2BaseScore(score);
  return base.value_or(-1);
}

void AddSeverity(std::vector<Severity>& severities, Severity severity) {
  for (const Severity& s : severities) {
    if (s.type == severity.type && s.vector == severity.vector) return;
  }
  severities.push_back(std::move(severity));
}

// Reads a `severity` array (top level or per package) into `out`.
void ReadSeverities(json::ObjectReader& r, std::vector<Severity>& out) {
  const bj::array* items = r.OptionalArray("severity");
  if (items == nullptr) return;
  const std::string pointer = r.PointerOf("severity");
  for (size_t i = 0; i < items->size() && r.ok(); ++i) {
    const bj::object* item = parse::ObjectItem(r, *items, i, pointer);
    if (item == nullptr) return;
    json::ObjectReader s(*item, pointer + "/" + std::to_string(i));
    Severity severity;
    severity.type = s.RequiredString("type", 64);
    severity.vector = s.RequiredString("score", kMaxStringLength);
    if (Status status = parse::Close(s); !status.ok()) return r.Fail(status);
    severity.base_score = ScoreOf(severity.type, severity.vector);
    AddSeverity(out, std::move(severity));
  }
}

// One event object: exactly one member, a known kind with a non-empty string version.
std::optional<RangeEvent> ReadEvent(json::ObjectReader& r, const bj::value& value,
                                    const std::string& pointer) {
  if (!value.is_object()) {
    r.Fail(InvalidArgument("wrong-type",
                           "an event must be an object, got " + std::string(json::KindName(value)), pointer));
    return std::nullopt;
  }
  const bj::object& event = value.get_object();
  if (event.size() != 1) {
    r.Fail(
        InvalidArgument("invalid-value",
                        "an event must have exactly one of introduced, fixed, last_affected, limit; it has " +
                            std::to_string(event.size()) + " members",
                        pointer));
    return std::nullopt;
  }
  const auto& member = *event.begin();
  const std::string member_pointer = pointer + "/" + json::PointerEscape(member.key());
  const auto* kind = std::find_if(kEventKinds.begin(), kEventKinds.end(),
                                  [&](const auto& k) { return k.first == member.key(); });
  if (kind == kEventKinds.end()) {
    r.Fail(InvalidArgument("invalid-value",
                           "unknown event '" + std::string(member.key().substr(0, 64)) +
                               "' (expected introduced, fixed, last_affected or limit)",
                           member_pointer));
    return std::nullopt;
  }
  if (!member.value().is_string()) {
    r.Fail(InvalidArgument("wrong-type",
                           "'" + std::string(kind->first) + "' must be a string, got " +
                               std::string(json::KindName(member.value())),
                           member_pointer));
    return std::nullopt;
  }
  const bj::string& version = member.value().get_string();
  if (version.empty() || version.size() > kMaxStringLength) {
    r.Fail(InvalidArgument("out-of-range",
                           "an event version must be 1.." + std::to_string(kMaxStringLength) + " bytes",
                           member_pointer));
    return std::nullopt;
  }
  return RangeEvent{kind->second, std::string(version)};
}

std::optional<Range> ReadRange(json::ObjectReader& outer, const bj::object& object,
                               const std::string& pointer) {
  json::ObjectReader r(object, pointer);
  Range range;
  const std::string type = r.RequiredString("type", 64);
  if (r.ok()) {
    if (type == "SEMVER") {
      range.type = Range::Type::kSemver;
    } else if (type == "ECOSYSTEM") {
      range.type = Range::Type::kEcosystem;
    } else if (type == "GIT") {
      range.type = Range::Type::kGit;
    } else {
      r.Fail("type", "invalid-value",
             "unknown range type '" + type.substr(0, 64) + "' (expected SEMVER, ECOSYSTEM or GIT)");
    }
  }
  std::optional<std::string> repo = r.OptionalString("repo", kMaxStringLength);
  if (r.ok() && range.type == Range::Type::kGit) {
    if (repo) {
      range.repo = std::move(*repo);
    } else {
      r.Fail("repo", "missing-field", "a GIT range needs 'repo'");
    }
  }
  const bj::array* events = parse::RequiredArray(r, "events");
  if (events != nullptr) {
    const std::string events_pointer = r.PointerOf("events");
    for (size_t i = 0; i < events->size() && r.ok(); ++i) {
      std::optional<RangeEvent> event = ReadEvent(r, (*events)[i], events_pointer + "/" + std::to_string(i));
      if (event) range.events.push_back(std::move(*event));
    }
    const bool introduced = std::any_of(range.events.begin(), range.events.end(), [](const RangeEvent& e) {
      return e.kind == RangeEvent::Kind::kIntroduced;
    });
    if (r.ok() && !introduced) r.Fail("events", "invalid-value", "a range needs an 'introduced' event");
  }
  if (Status status = parse::Close(r); !status.ok()) {
    outer.Fail(status);
    return std::nullopt;
  }
  return range;
}

void ReadPackage(json::ObjectReader& outer, Affected& affected) {
  const bj::object* package = outer.OptionalObject("package");
  if (package == nullptr) return;
  json::ObjectReader r(*package, outer.PointerOf("package"));
  affected.ecosystem = r.RequiredString("ecosystem", kMaxStringLength);
  affected.name = r.RequiredString("name", kMaxStringLength);
  affected.purl = r.OptionalString("purl", kMaxStringLength).value_or("");
  if (Status status = parse::Close(r); !status.ok()) outer.Fail(status);
}

// One `affected` entry; its `fixed` versions become remediations and its package severities
// join the record's.
void ReadAffected(json::ObjectReader& outer, const bj::object& object, size_t index, Record& record) {
  const std::string pointer = "/affected/" + std::to_string(index);
  json::ObjectReader r(object, pointer);
  Affected affected;
  affected.origin = pointer;
  ReadPackage(r, affected);
  ReadSeverities(r, record.severities);
  if (const bj::array* ranges = r.OptionalArray("ranges")) {
    const std::string ranges_pointer = r.PointerOf("ranges");
    for (size_t i = 0; i < ranges->size() && r.ok(); ++i) {
      const bj::object* item = parse::ObjectItem(r, *ranges, i, ranges_pointer);
      if (item == nullptr) break;
      std::optional<Range> range = ReadRange(r, *item, ranges_pointer + "/" + std::to_string(i));
      if (range) affected.ranges.push_back(std::move(*range));
    }
  }
  affected.versions =
      r.OptionalStringArray("versions", kMaxItems, kMaxStringLength).value_or(std::vector<std::string>{});
  if (Status status = parse::Close(r); !status.ok()) return outer.Fail(status);

  for (const Range& range : affected.ranges) {
    // A GIT `fixed` is a commit, not a version anyone can upgrade to.
    if (range.type == Range::Type::kGit) continue;
    for (const RangeEvent& event : range.events) {
      if (event.kind != RangeEvent::Kind::kFixed) continue;
      const bool known =
          std::any_of(record.remediations.begin(), record.remediations.end(), [&](const Remediation& rem) {
            return rem.fixed_version == event.version && rem.origins.size() == 1 && rem.origins[0] == pointer;
          });
      if (known) continue;
      Remediation remediation;
      remediation.category = "vendor_fix";
      remediation.fixed_version = event.version;
      remediation.origins = {pointer};
      record.remediations.push_back(std::move(remediation));
    }
  }
  record.affected.push_back(std::move(affected));
}

void ReadReferences(json::ObjectReader& r, Record& record) {
  const bj::array* items = r.OptionalArray("references");
  if (items == nullptr) return;
  const std::string pointer = r.PointerOf("references");
  for (size_t i = 0; i < items->size() && r.ok(); ++i) {
    const bj::object* item = parse::ObjectItem(r, *items, i, pointer);
    if (item == nullptr) return;
    json::ObjectReader ref(*item, pointer + "/" + std::to_string(i));
    Reference reference;
    reference.type = ref.RequiredString("type", 64);
    reference.url = ref.RequiredString("url", kMaxStringLength);
    if (Status status = parse::Close(ref); !status.ok()) return r.Fail(status);
    record.references.push_back(std::move(reference));
  }
}

// database_specific is free-form for each database; only a well-formed `cwe_ids` (GHSA's
// convention) is taken, anything else there is ignored.
void ReadDatabaseSpecific(json::ObjectReader& r, Record& record) {
  const bj::object* specific = r.OptionalObject("database_specific");
  if (specific == nullptr) return;
  const bj::value* cwe_ids = specific->if_contains("cwe_ids");
  if (cwe_ids == nullptr || !cwe_ids->is_array()) return;
  for (const bj::value& id : cwe_ids->get_array()) {
    if (!id.is_string()) continue;
    const std::string_view text = id.get_string();
    if (text.size() > 4 && text.size() < 16 && text.starts_with("CWE-") &&
        std::all_of(text.begin() + 4, text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        std::find(record.cwes.begin(), record.cwes.end(), text) == record.cwes.end()) {
      record.cwes.emplace_back(text);
    }
  }
}

std::string PublisherOf(std::string_view id) {
  const size_t dash = id.find('-');
  return dash == std::string_view::npos || dash == 0 ? std::string() : std::string(id.substr(0, dash));
}

}  // namespace

Result<Document> ParseOsv(std::string_view json_text, std::string source_name) {
  AIIP_ASSIGN_OR_RETURN(const bj::object root, json::ParseObject(json_text));
  json::ObjectReader r(root);
  Record record;
  record.format = SourceFormat::kOsv;
  record.id = r.RequiredString("id", kMaxIdLength);
  record.modified = parse::Timestamp(r, "modified", true).value_or("");
  record.published = parse::Timestamp(r, "published", false).value_or("");
  record.withdrawn = parse::Timestamp(r, "withdrawn", false).value_or("");
  r.OptionalString("schema_version", 64);
  record.aliases =
      r.OptionalStringArray("aliases", kMaxItems, kMaxIdLength).value_or(std::vector<std::string>{});
  record.upstream =
      r.OptionalStringArray("upstream", kMaxItems, kMaxIdLength).value_or(std::vector<std::string>{});
  record.related =
      r.OptionalStringArray("related", kMaxItems, kMaxIdLength).value_or(std::vector<std::string>{});
  record.summary = r.OptionalString("summary", kMaxTextLength).value_or("");
  record.details = r.OptionalString("details", kMaxTextLength).value_or("");
  ReadSeverities(r, record.severities);
  if (const bj::array* affected = r.OptionalArray("affected")) {
    for (size_t i = 0; i < affected->size() && r.ok(); ++i) {
      const bj::object* item = parse::ObjectItem(r, *affected, i, "/affected");
      if (item == nullptr) break;
      ReadAffected(r, *item, i, record);
    }
  }
  ReadReferences(r, record);
  ReadDatabaseSpecific(r, record);
  AIIP_RETURN_IF_ERROR(parse::Close(r));

  record.document_id = record.id;
  record.publisher = PublisherOf(record.id);
  Document document;
  document.format = SourceFormat::kOsv;
  document.id = record.id;
  document.modified = record.modified;
  document.source_name = std::move(source_name);
  document.sha256 = crypto::DigestHex(crypto::Sha256(json_text));
  document.records.push_back(std::move(record));
  return document;
}

}  // namespace aiip::advisories
