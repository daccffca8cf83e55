#include "advisories/cve5/cve5.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
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

constexpr size_t kMaxStringLength = 8192;
constexpr size_t kMaxTextLength = 1 << 20;
constexpr size_t kMaxItems = 1 << 16;

// Package collections that name exactly one OSV ecosystem (the schema's examples and the
// registries' canonical sites), compared without a trailing slash and case-insensitively.
constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kCollections = {{
    {"https://pkg.go.dev", "Go"},
    {"https://proxy.golang.org", "Go"},
    {"https://pypi.org", "PyPI"},
    {"https://pypi.python.org", "PyPI"},
    {"https://www.npmjs.com", "npm"},
    {"https://registry.npmjs.org", "npm"},
    {"https://repo.maven.apache.org/maven2", "Maven"},
    {"https://repo1.maven.org/maven2", "Maven"},
    {"https://rubygems.org", "RubyGems"},
    {"https://crates.io", "crates.io"},
    {"https://packagist.org", "Packagist"},
    {"https://www.nuget.org", "NuGet"},
    {"https://nuget.org", "NuGet"},
    {"https://api.nuget.org/v3/index.json", "NuGet"},
}};

std::string_view EcosystemOfCollection(std::string_view url) {
  while (url.ends_with('/')) url.remove_suffix(1);
  for (const auto& [collection, ecosystem] : kCollections) {
    if (url.size() == collection.size() &&
        std::equal(url.begin(), url.end(), collection.begin(),
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; })) {
      return ecosystem;
    }
  }
  return {};
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsCveId(std::string_view s) {
  if (s.size() < 13 || s.size() > 28 || !s.starts_with("CVE-") || s[8] != '-') return false;
  return AllDigits(s.substr(4, 4)) && AllDigits(s.substr(9));
}

bool IsEnglish(std::string_view lang) {
  return lang.size() >= 2 && std::tolower(static_cast<unsigned char>(lang[0])) == 'e' &&
         std::tolower(static_cast<unsigned char>(lang[1])) == 'n';
}

// An upper bound of a CVE version range in model terms.
struct Bound {
  enum class Kind { kNone, kExact, kLimit };
  Kind kind = Kind::kNone;
  std::string version;
};

// "*" is no bound; "1.2.*" (the whole 1.2 series) ends before "1.3" ("1.3.0" for SemVer,
// which needs three components); a wildcard after a non-numeric component cannot be turned
// into a version and is no bound either.
Bound UpperBound(std::string_view text, std::string_view version_type) {
  if (!text.ends_with('*')) return {Bound::Kind::kExact, std::string(text)};
  if (!text.ends_with(".*")) return {};
  const std::string_view prefix = text.substr(0, text.size() - 2);
  const size_t dot = prefix.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? prefix : prefix.substr(dot + 1);
  if (!AllDigits(last) || last.size() > 18) return {};
  const std::string head = dot == std::string_view::npos ? "" : std::string(prefix.substr(0, dot + 1));
  std::string next = head + std::to_string(std::stoull(std::string(last)) + 1);
  if (version_type == "semver") {
    for (size_t parts = std::count(next.begin(), next.end(), '.') + 1; parts < 3; ++parts) next += ".0";
  }
  return {Bound::Kind::kLimit, std::move(next)};
}

struct Change {
  std::string at;
  std::string status;
};

struct VersionEntry {
  std::string version;
  std::string status;
  std::string version_type;
  std::optional<std::string> less_than;
  std::optional<std::string> less_than_or_equal;
  std::vector<Change> changes;
  bool IsRange() const { return less_than.has_value() || less_than_or_equal.has_value(); }
};

std::string ReadStatus(json::ObjectReader& r, std::string_view key) {
  std::string status = r.RequiredString(key, 32);
  if (r.ok() && status != "affected" && status != "unaffected" && status != "unknown") {
    r.Fail(key, "invalid-value", "'" + std::string(key) + "' must be affected, unaffected or unknown");
  }
  return status;
}

std::optional<VersionEntry> ReadVersionEntry(json::ObjectReader& outer, const bj::object& object,
                                             const std::string& pointer) {
  json::ObjectReader r(object, pointer);
  VersionEntry entry;
  entry.version = r.RequiredString("version", kMaxStringLength);
  entry.status = ReadStatus(r, "status");
  entry.version_type = r.OptionalString("versionType", 128).value_or("");
  entry.less_than = r.OptionalString("lessThan", kMaxStringLength);
  entry.less_than_or_equal = r.OptionalString("lessThanOrEqual", kMaxStringLength);
  if (r.ok() && entry.less_than && entry.less_than_or_equal) {
    r.Fail("lessThanOrEqual", "invalid-value", "only one of lessThan and lessThanOrEqual may be given");
  }
  if (r.ok() && entry.IsRange() && entry.version_type.empty()) {
    r.Fail("versionType", "missing-field", "a range (lessThan or lessThanOrEqual) needs 'versionType'");
  }
  if (const bj::array* changes = r.OptionalArray("changes")) {
    const std::string changes_pointer = r.PointerOf("changes");
    if (r.ok() && !entry.IsRange()) {
      r.Fail("changes", "invalid-value", "'changes' needs a range (lessThan or lessThanOrEqual)");
    }
    for (size_t i = 0; i < changes->size() && r.ok(); ++i) {
      const bj::object* item = parse::ObjectItem(r, *changes, i, changes_pointer);
      if (item == nullptr) break;
      json::ObjectReader c(*item, changes_pointer + "/" + std::to_string(i));
      Change change;
      change.at = c.RequiredString("at", kMaxStringLength);
      change.status = ReadStatus(c, "status");
      if (Status status = parse::Close(c); !status.ok()) {
        r.Fail(status);
        break;
      }
      entry.changes.push_back(std::move(change));
    }
  }
  if (Status status = parse::Close(r); !status.ok()) {
    outer.Fail(status);
    return std::nullopt;
  }
  return entry;
}

Range::Type RangeTypeOf(std::string_view version_type) {
  if (version_type == "git") return Range::Type::kGit;
  if (version_type == "semver") return Range::Type::kSemver;
  return Range::Type::kEcosystem;
}

bool HasIntroduced(const Range& range) {
  return std::any_of(range.events.begin(), range.events.end(),
                     [](const RangeEvent& e) { return e.kind == RangeEvent::Kind::kIntroduced; });
}

// The affected segments of one range entry, following the status algorithm: the entry's
// status from `version`, then each change's status from its `at`, up to the bound.
std::optional<Range> RangeOfEntry(const VersionEntry& entry, const std::string& repo) {
  Range range;
  range.type = RangeTypeOf(entry.version_type);
  if (range.type == Range::Type::kGit) range.repo = repo;
  if (entry.status == "affected") range.events.push_back({RangeEvent::Kind::kIntroduced, entry.version});
  for (const Change& change : entry.changes) {
    // Leaving "affected" for "unknown" is not a fix: the range just stops claiming anything.
    const RangeEvent::Kind kind = change.status == "affected"     ? RangeEvent::Kind::kIntroduced
                                  : change.status == "unaffected" ? RangeEvent::Kind::kFixed
                                                                  : RangeEvent::Kind::kLimit;
    range.events.push_back({kind, change.at});
  }
  if (entry.less_than) {
    Bound bound = UpperBound(*entry.less_than, entry.version_type);
    if (bound.kind == Bound::Kind::kExact) {
      // With no changes the least version not in an affected range is where the fix landed.
      const bool fix = entry.changes.empty() && entry.status == "affected";
      range.events.push_back(
          {fix ? RangeEvent::Kind::kFixed : RangeEvent::Kind::kLimit, std::move(bound.version)});
    } else if (bound.kind == Bound::Kind::kLimit) {
      range.events.push_back({RangeEvent::Kind::kLimit, std::move(bound.version)});
    }
  } else if (entry.less_than_or_equal) {
    Bound bound = UpperBound(*entry.less_than_or_equal, entry.version_type);
    if (bound.kind == Bound::Kind::kExact) {
      range.events.push_back({RangeEvent::Kind::kLastAffected, std::move(bound.version)});
    } else if (bound.kind == Bound::Kind::kLimit) {
      range.events.push_back({RangeEvent::Kind::kLimit, std::move(bound.version)});
    }
  }
  if (!HasIntroduced(range)) return std::nullopt;
  return range;
}

// With defaultStatus "affected", every version outside the unaffected ranges is affected:
// one range from "0" with each unaffected range [version, lessThan) cut out.
std::optional<Range> DefaultAffectedRange(const std::vector<VersionEntry>& entries) {
  Range range;
  bool starts_unaffected = false;
  bool any = false;
  for (const VersionEntry& entry : entries) {
    if (!entry.IsRange() || entry.status == "affected" || entry.version_type == "git") continue;
    if (!any) range.type = RangeTypeOf(entry.version_type);
    any = true;
    starts_unaffected = starts_unaffected || entry.version == "0";
    if (entry.version != "0") range.events.push_back({RangeEvent::Kind::kFixed, entry.version});
    if (entry.less_than) {
      Bound bound = UpperBound(*entry.less_than, entry.version_type);
      if (bound.kind != Bound::Kind::kNone) {
        range.events.push_back({RangeEvent::Kind::kIntroduced, std::move(bound.version)});
      }
    } else if (entry.less_than_or_equal) {
      // Only the versions after an inclusive bound would be affected again; a model range
      // cannot start just after a version, so those are left out (see cve5.h).
      Bound bound = UpperBound(*entry.less_than_or_equal, entry.version_type);
      if (bound.kind == Bound::Kind::kLimit) {
        range.events.push_back({RangeEvent::Kind::kIntroduced, std::move(bound.version)});
      }
    }
  }
  if (!any) return std::nullopt;
  // An unaffected range that ends where the next begins ("1.2.3" up to "1.2.*", then "1.3.0"
  // on) leaves an empty gap [x, x); its introduced/fixed pair at one version is dropped,
  // since the order of equal events would otherwise decide the answer.
  for (bool dropped = true; dropped;) {
    dropped = false;
    for (size_t i = 0; i < range.events.size() && !dropped; ++i) {
      for (size_t k = 0; k < range.events.size() && !dropped; ++k) {
        if (range.events[i].kind == RangeEvent::Kind::kIntroduced &&
            range.events[k].kind == RangeEvent::Kind::kFixed &&
            range.events[i].version == range.events[k].version) {
          range.events.erase(range.events.begin() + static_cast<std::ptrdiff_t>(std::max(i, k)));
          range.events.erase(range.events.begin() + static_cast<std::ptrdiff_t>(std::min(i, k)));
          dropped = true;
        }
      }
    }
  }
  if (!starts_unaffected) range.events.insert(range.events.begin(), {RangeEvent::Kind::kIntroduced, "0"});
  if (!HasIntroduced(range)) return std::nullopt;
  return range;
}

class Parser {
 public:
  Result<Document> Run(std::string_view json_text, std::string source_name);

 private:
  void ReadMetadata(json::ObjectReader& root);
  void ReadContainer(json::ObjectReader& outer, const bj::object& object, const std::string& pointer,
                     bool cna);
  void ReadDescriptions(json::ObjectReader& r, std::string_view key, bool cna);
  void ReadAffected(json::ObjectReader& r, const bj::object& object, const std::string& pointer);
  void ReadMetrics(json::ObjectReader& r);
  void ReadCvss(json::ObjectReader& r, std::string_view key, std::string_view type);
  void ReadProblemTypes(json::ObjectReader& r);
  void ReadReferences(json::ObjectReader& r);

  Record record_;
  bool rejected_ = false;
  std::string date_updated_;
  std::string date_rejected_;
  std::string english_details_;
  std::string other_details_;
};

void Parser::ReadMetadata(json::ObjectReader& root) {
  const bool present = root.Has("cveMetadata") && !root.IsNull("cveMetadata");
  const bj::object* meta = root.OptionalObject("cveMetadata");
  if (meta == nullptr) {
    if (!present && root.ok()) root.Fail("cveMetadata", "missing-field", "'cveMetadata' is required");
    return;
  }
  json::ObjectReader r(*meta, "/cveMetadata");
  record_.id = r.RequiredString("cveId", 32);
  if (r.ok() && !IsCveId(record_.id))
    r.Fail("cveId", "invalid-value", "'cveId' must look like CVE-YYYY-NNNN");
  r.RequiredString("assignerOrgId", 64);
  const std::string state = r.RequiredString("state", 32);
  if (r.ok() && state != "PUBLISHED" && state != "REJECTED") {
    r.Fail("state", "invalid-value", "'state' must be PUBLISHED or REJECTED");
  }
  rejected_ = state == "REJECTED";
  record_.publisher = r.OptionalString("assignerShortName", 64).value_or("");
  date_updated_ = parse::Timestamp(r, "dateUpdated", false, true).value_or("");
  record_.published = parse::Timestamp(r, "datePublished", false, true).value_or("");
  date_rejected_ = parse::Timestamp(r, "dateRejected", false, true).value_or("");
  const std::string reserved = parse::Timestamp(r, "dateReserved", false, true).value_or("");
  record_.modified = !date_updated_.empty()       ? date_updated_
                     : !date_rejected_.empty()    ? date_rejected_
                     : !record_.published.empty() ? record_.published
                                                  : reserved;
  if (Status status = parse::Close(r); !status.ok()) root.Fail(status);
}

void Parser::ReadDescriptions(json::ObjectReader& r, std::string_view key, bool cna) {
  const bool required = cna;
  const bj::array* items = required ? parse::RequiredArray(r, key) : r.OptionalArray(key);
  if (items == nullptr) return;
  const std::string pointer = r.PointerOf(key);
  for (size_t i = 0; i < items->size() && r.ok(); ++i) {
    const bj::object* item = parse::ObjectItem(r, *items, i, pointer);
    if (item == nullptr) return;
    json::ObjectReader d(*item, pointer + "/" + std::to_string(i));
    const std::string lang = d.RequiredString("lang", 64);
    std::string value = d.RequiredString("value", kMaxTextLength);
    if (Status status = parse::Close(d); !status.ok()) return r.Fail(status);
    if (IsEnglish(lang)) {
      if (english_details_.empty()) english_details_ = std::move(value);
    } else if (other_details_.empty()) {
      other_details_ = std::move(value);
    }
  }
}

void Parser::ReadAffected(json::ObjectReader& outer, const bj::object& object, const std::string& pointer) {
  json::ObjectReader r(object, pointer);
  Affected affected;
  affected.origin = pointer;
  affected.vendor = r.OptionalString("vendor", kMaxStringLength).value_or("");
  affected.product = r.OptionalString("product", kMaxStringLength).value_or("");
  const std::string collection = r.OptionalString("collectionURL", kMaxStringLength).value_or("");
  const std::string package = r.OptionalString("packageName", kMaxStringLength).value_or("");
  affected.cpes =
      r.OptionalStringArray("cpes", kMaxItems, kMaxStringLength).value_or(std::vector<std::string>{});
  const std::string repo = r.OptionalString("repo", kMaxStringLength).value_or("");
  std::string default_status = "unknown";
  if (r.Has("defaultStatus") && !r.IsNull("defaultStatus")) default_status = ReadStatus(r, "defaultStatus");
  std::vector<VersionEntry> entries;
  const bool has_versions = r.Has("versions") && !r.IsNull("versions");
  if (const bj::array* versions = r.OptionalArray("versions")) {
    const std::string versions_pointer = r.PointerOf("versions");
    for (size_t i = 0; i < versions->size() && r.ok(); ++i) {
      const bj::object* item = parse::ObjectItem(r, *versions, i, versions_pointer);
      if (item == nullptr) break;
      std::optional<VersionEntry> entry =
          ReadVersionEntry(r, *item, versions_pointer + "/" + std::to_string(i));
      if (entry) entries.push_back(std::move(*entry));
    }
  }
  if (r.ok() && (affected.vendor.empty() || affected.product.empty()) &&
      (collection.empty() || package.empty())) {
    const std::string_view missing = !collection.empty()       ? "packageName"
                                     : affected.vendor.empty() ? "vendor"
                                                               : "product";
    r.Fail(missing, "missing-field", "a product needs vendor and product, or collectionURL and packageName");
  }
  if (r.ok() && !has_versions && !r.Has("defaultStatus")) {
    r.Fail("versions", "missing-field", "a product needs versions or defaultStatus");
  }
  if (Status status = parse::Close(r); !status.ok()) return outer.Fail(status);

  const std::string_view ecosystem = EcosystemOfCollection(collection);
  if (!ecosystem.empty() && !package.empty()) {
    affected.ecosystem = ecosystem;
    affected.name = package;
  } else if (affected.product.empty()) {
    affected.product = package;
  }
  for (const VersionEntry& entry : entries) {
    if (!entry.IsRange()) {
      if (entry.status == "affected") affected.versions.push_back(entry.version);
      continue;
    }
    if (std::optional<Range> range = RangeOfEntry(entry, repo)) affected.ranges.push_back(std::move(*range));
  }
  if (default_status == "affected") {
    if (std::optional<Range> range = DefaultAffectedRange(entries)) {
      affected.ranges.push_back(std::move(*range));
    } else {
      affected.all_versions = true;
    }
  }
  if (affected.ranges.empty() && affected.versions.empty() && !affected.all_versions) return;

  for (const Range& range : affected.ranges) {
    if (range.type == Range::Type::kGit) continue;
    for (const RangeEvent& event : range.events) {
      if (event.kind != RangeEvent::Kind::kFixed) continue;
      const bool known =
          std::any_of(record_.remediations.begin(), record_.remediations.end(), [&](const Remediation& rem) {
            return rem.fixed_version == event.version && rem.origins.size() == 1 && rem.origins[0] == pointer;
          });
      if (known) continue;
      Remediation remediation;
      remediation.category = "vendor_fix";
      remediation.fixed_version = event.version;
      remediation.origins = {pointer};
      record_.remediations.push_back(std::move(remediation));
    }
  }
  record_.affected.push_back(std::move(affected));
}

void Parser::ReadCvss(json::ObjectReader& r, std::string_view key, std::string_view type) {
  const bj::object* cvss = r.OptionalObject(key);
  if (cvss == nullptr) return;
  json::ObjectReader c(*cvss, r.PointerOf(key));
  Severity severity;
  severity.type = type;
  severity.vector = c.RequiredString("vectorString", 1024);
  const bj::value* score = c.Raw("baseScore");
  if (c.ok() && score != nullptr && !score->is_null()) {
    if (!score->is_number()) {
      c.Fail(InvalidArgument("wrong-type",
                             "'baseScore' must be a number, got " + std::string(json::KindName(*score)),
                             c.PointerOf("baseScore")));
    } else {
      const double value = score->to_number<double>();
      if (value >= 0 && value <= 10) {
        severity.base_score = value;
      } else {
        c.Fail("baseScore", "out-of-range", "'baseScore' must be between 0 and 10");
      }
    }
  }
  if (Status status = parse::Close(c); !status.ok()) return r.Fail(status);
  if (severity.base_score < 0) {
    std::optional<double> computed;
    if (type == "CVSS_V3") computed = Cvss3BaseScore(severity.vector);
    if (type == "CVSS_V2") computed = Cvss2BaseScore(severity.vector);
    severity.base_score = computed.value_or(-1);
  }
  for (const Severity& s : record_.severities) {
    if (s.type == severity.type && s.vector == severity.vector) return;
  }
  record_.severities.push_back(std::move(severity));
}

void Parser::ReadMetrics(json::ObjectReader& r) {
  const bj::array* items = r.OptionalArray("metrics");
  if (items == nullptr) return;
  const std::string pointer = r.PointerOf("metrics");
  for (size_t i = 0; i < items->size() && r.ok(); ++i) {
    const bj::object* item = parse::ObjectItem(r, *items, i, pointer);
    if (item == nullptr) return;
    json::ObjectReader m(*item, pointer + "/" + std::to_string(i));
    ReadCvss(m, "cvssV4_0", "CVSS_V4");
    ReadCvss(m, "cvssV3_1", "CVSS_V3");
    ReadCvss(m, "cvssV3_0", "CVSS_V3");
    ReadCvss(m, "cvssV2_0", "CVSS_V2");
    if (Status status = parse::Close(m); !status.ok()) return r.Fail(status);
  }
}

void Parser::ReadProblemTypes(json::ObjectReader& r) {
  const bj::array* items = r.OptionalArray("problemTypes");
  if (items == nullptr) return;
  const std::string pointer = r.PointerOf("problemTypes");
  for (size_t i = 0; i < items->size() && r.ok(); ++i) {
    const bj::object* item = parse::ObjectItem(r, *items, i, pointer);
    if (item == nullptr) return;
    json::ObjectReader p(*item, pointer + "/" + std::to_string(i));
    const bj::array* descriptions = parse::RequiredArray(p, "descriptions");
    const std::string descriptions_pointer = p.PointerOf("descriptions");
    for (size_t k = 0; descriptions != nullptr && k < descriptions->size() && p.ok(); ++k) {
      const bj::object* entry = parse::ObjectItem(p, *descriptions, k, descriptions_pointer);
      if (entry == nullptr) break;
      json::ObjectReader d(*entry, descriptions_pointer + "/" + std::to_string(k));
      d.RequiredString("lang", 64);
      d.RequiredString("description", kMaxTextLength);
      d.OptionalString("type", 128);
      std::optional<std::string> cwe = d.OptionalString("cweId", 16);
      if (d.ok() && cwe &&
          !(cwe->starts_with("CWE-") && AllDigits(std::string_view(*cwe).substr(4)) && (*cwe)[4] != '0')) {
        d.Fail("cweId", "invalid-value", "'cweId' must look like CWE-79");
      }
      if (Status status = parse::Close(d); !status.ok()) {
        p.Fail(status);
        break;
      }
      if (cwe && std::find(record_.cwes.begin(), record_.cwes.end(), *cwe) == record_.cwes.end()) {
        record_.cwes.push_back(std::move(*cwe));
      }
    }
    if (Status status = parse::Close(p); !status.ok()) return r.Fail(status);
  }
}

void Parser::ReadReferences(json::ObjectReader& r) {
  const bj::array* items = r.OptionalArray("references");
  if (items == nullptr) return;
  const std::string pointer = r.PointerOf("references");
  for (size_t i = 0; i < items->size() && r.ok(); ++i) {
    const bj::object* item = parse::ObjectItem(r, *items, i, pointer);
    if (item == nullptr) return;
    json::ObjectReader ref(*item, pointer + "/" + std::to_string(i));
    Reference reference;
    reference.url = ref.RequiredString("url", kMaxStringLength);
    ref.OptionalString("name", kMaxStringLength);
    const std::vector<std::string> tags =
        ref.OptionalStringArray("tags", kMaxItems, 256).value_or(std::vector<std::string>{});
    if (Status status = parse::Close(ref); !status.ok()) return r.Fail(status);
    if (!tags.empty()) reference.type = tags.front();
    const bool known = std::any_of(record_.references.begin(), record_.references.end(),
                                   [&](const Reference& x) { return x.url == reference.url; });
    if (!known) record_.references.push_back(std::move(reference));
  }
}

void Parser::ReadContainer(json::ObjectReader& outer, const bj::object& object, const std::string& pointer,
                           bool cna) {
  json::ObjectReader r(object, pointer);
  if (cna && rejected_) {
    ReadDescriptions(r, "rejectedReasons", true);
    if (auto replaced = r.OptionalStringArray("replacedBy", kMaxItems, 32)) {
      for (size_t i = 0; i < replaced->size() && r.ok(); ++i) {
        if (!IsCveId((*replaced)[i])) {
          r.Fail(InvalidArgument("invalid-value", "'replacedBy' items must be CVE ids",
                                 r.PointerOf("replacedBy") + "/" + std::to_string(i)));
        }
      }
      record_.replaced_by = std::move(*replaced);
    }
  } else {
    if (cna) record_.summary = r.OptionalString("title", kMaxTextLength).value_or("");
    ReadDescriptions(r, "descriptions", cna);
    const bool has_affected = r.Has("affected") && !r.IsNull("affected");
    if (const bj::array* affected = r.OptionalArray("affected")) {
      const std::string affected_pointer = r.PointerOf("affected");
      for (size_t i = 0; i < affected->size() && r.ok(); ++i) {
        const bj::object* item = parse::ObjectItem(r, *affected, i, affected_pointer);
        if (item == nullptr) break;
        ReadAffected(r, *item, affected_pointer + "/" + std::to_string(i));
      }
    } else if (cna && !has_affected && r.ok()) {
      r.Fail("affected", "missing-field", "'affected' is required");
    }
    ReadMetrics(r);
    ReadProblemTypes(r);
    if (cna && r.ok() && (!r.Has("references") || r.IsNull("references"))) {
      r.Fail("references", "missing-field", "'references' is required");
    }
    ReadReferences(r);
  }
  if (Status status = parse::Close(r); !status.ok()) outer.Fail(status);
}

Result<Document> Parser::Run(std::string_view json_text, std::string source_name) {
  AIIP_ASSIGN_OR_RETURN(const bj::object root, json::ParseObject(json_text));
  json::ObjectReader r(root);
  record_.format = SourceFormat::kCve5;
  if (std::optional<std::string> type = r.OptionalString("dataType", 64); type && *type != "CVE_RECORD") {
    r.Fail("dataType", "invalid-value", "'dataType' must be CVE_RECORD");
  }
  if (std::optional<std::string> version = r.OptionalString("dataVersion", 64);
      version && !version->starts_with("5")) {
    r.Fail("dataVersion", "invalid-value", "'dataVersion' must be 5.x");
  }
  ReadMetadata(r);
  const bool has_containers = r.Has("containers") && !r.IsNull("containers");
  const bj::object* containers = r.OptionalObject("containers");
  if (r.ok() && containers == nullptr && !has_containers) {
    r.Fail("containers", "missing-field", "'containers' is required");
  }
  if (containers != nullptr) {
    json::ObjectReader c(*containers, "/containers");
    const bool has_cna = c.Has("cna") && !c.IsNull("cna");
    if (const bj::object* cna = c.OptionalObject("cna")) {
      ReadContainer(c, *cna, "/containers/cna", true);
    } else if (!has_cna && c.ok()) {
      c.Fail("cna", "missing-field", "'cna' is required");
    }
    if (const bj::array* adps = c.OptionalArray("adp")) {
      for (size_t i = 0; i < adps->size() && c.ok(); ++i) {
        const bj::object* adp = parse::ObjectItem(c, *adps, i, "/containers/adp");
        if (adp == nullptr) break;
        ReadContainer(c, *adp, "/containers/adp/" + std::to_string(i), false);
      }
    }
    if (Status status = parse::Close(c); !status.ok()) r.Fail(status);
  }
  AIIP_RETURN_IF_ERROR(parse::Close(r));

  record_.details = !english_details_.empty() ? std::move(english_details_) : std::move(other_details_);
  if (rejected_) record_.withdrawn = !date_rejected_.empty() ? date_rejected_ : date_updated_;
  record_.document_id = record_.id;
  Document document;
  document.format = SourceFormat::kCve5;
  document.id = record_.id;
  document.modified = record_.modified;
  document.source_name = std::move(source_name);
  document.sha256 = crypto::DigestHex(crypto::Sha256(json_text));
  document.records.push_back(std::move(record_));
  return document;
}

}  // namespace

Result<Document> ParseCve5(std::string_view json_text, std::string source_name) {
  return Parser().Run(json_text, std::move(source_name));
}

}  // namespace aiip::advisories
