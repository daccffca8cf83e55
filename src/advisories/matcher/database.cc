#include "advisories/matcher/database.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <mutex>
#include <numeric>
#include <set>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "advisories/inventory/cpe.h"
#include "advisories/inventory/purl.h"
#include "advisories/matcher/keys.h"
#include "advisories/versions/ecosystem.h"
#include "advisories/versions/range.h"
#include "advisories/versions/version.h"
#include "common/time.h"

namespace aiip::advisories {

namespace {

using matcher_internal::IdentityOf;
using matcher_internal::ReleaseOf;

// --- Merged-id rule. ---

// Digit runs compare as numbers (leading zeros ignored, then by length), the rest byte-wise.
int NaturalCompare(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      size_t ei = i, ej = j;
      while (ei < a.size() && is_digit(a[ei])) ++ei;
      while (ej < b.size() && is_digit(b[ej])) ++ej;
      std::string_view da = a.substr(i, ei - i), db = b.substr(j, ej - j);
      while (da.size() > 1 && da.front() == '0') da.remove_prefix(1);
      while (db.size() > 1 && db.front() == '0') db.remove_prefix(1);
      if (da.size() != db.size()) return da.size() < db.size() ? -1 : 1;
      if (int c = da.compare(db); c != 0) return c < 0 ? -1 : 1;
      i = ei;
      j = ej;
      continue;
    }
    if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
    ++i;
    ++j;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

int IdClass(std::string_view id) {
  if (id.starts_with("CVE-")) return 0;
  if (id.starts_with("GHSA-")) return 1;
  return 2;
}

// --- Documents and records as stored. ---

struct Cluster;

struct StoredRecord {
  Record record;
  SourceRecord provenance;         // `record` pointer set when stored
  std::vector<std::string> names;  // id + aliases, sorted, unique
  Cluster* cluster = nullptr;
  bool active() const { return record.withdrawn.empty(); }
};

struct StoredDocument {
  SourceFormat format = SourceFormat::kOsv;
  std::string id;
  SystemTime modified;  // milliseconds: the Go database says 0001-01-01 for "unknown"
  std::vector<std::unique_ptr<StoredRecord>> records;
};

// What one vulnerability matches, per key ("p:" package key, "c:" CPE key): a signature of
// its active affected entries and one of its fixed versions. Two equal summaries match the
// same things with the same fixes.
struct KeySignature {
  std::set<std::string> affected;
  std::set<std::string> fixed;
  friend bool operator==(const KeySignature&, const KeySignature&) = default;
};
using Summary = std::map<std::string, KeySignature>;

struct Cluster {
  Vulnerability vulnerability;
  std::vector<StoredRecord*> members;
  std::vector<std::string> package_keys;  // where its index entries are (sorted, unique)
  std::vector<std::string> cpe_keys;
  Summary summary;
};

// What an old cluster was, kept while its successor clusters are computed.
struct ClusterSnapshot {
  std::string id;
  bool withdrawn = false;
  std::set<std::string> record_ids;
  std::vector<std::string> names;
  std::vector<std::string> package_keys;
  std::vector<std::string> cpe_keys;
  Summary summary;
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

void SortUnique(std::vector<std::string>& items) {
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
}

std::string DocumentKey(SourceFormat format, std::string_view id) {
  std::string key(1, static_cast<char>('0' + static_cast<int>(format)));
  key += ':';
  key += id;
  return key;
}

// The package keys of one affected entry: from (ecosystem, name) and from its purl.
std::vector<std::string> PackageKeysOf(const Affected& affected) {
  std::vector<std::string> keys;
  if (!affected.ecosystem.empty() && !affected.name.empty()) {
    std::string key = PackageKeyOf(affected.ecosystem, affected.name);
    if (!key.empty()) keys.push_back(std::move(key));
  }
  if (!affected.purl.empty()) {
    std::string key = PackageKeyOfPurl(affected.purl);
    if (!key.empty()) keys.push_back(std::move(key));
  }
  SortUnique(keys);
  return keys;
}

std::vector<std::string> CpeKeysOf(const Affected& affected) {
  std::vector<std::string> keys;
  for (const std::string& text : affected.cpes) {
    auto cpe = ParseCpe(text);
    if (!cpe) continue;
    std::string key = CpeKeyOf(cpe->vendor().text, cpe->product().text);
    if (!key.empty() && !cpe->vendor().has_wildcards() && !cpe->product().has_wildcards()) {
      keys.push_back(std::move(key));
    }
  }
  std::string key = CpeKeyOf(affected.vendor, affected.product);
  if (!key.empty()) keys.push_back(std::move(key));
  SortUnique(keys);
  return keys;
}

Ecosystem EcosystemOfEntry(const Affected& affected) {
  if (!affected.ecosystem.empty()) return EcosystemFromOsv(affected.ecosystem);
  if (!affected.purl.empty()) {
    if (auto purl = ParsePurl(affected.purl)) return EcosystemFromPurl(purl->type, purl->namespace_);
  }
  return Ecosystem::kUnknown;
}

// Everything about an affected entry that decides what it matches, as one string.
std::string AffectedSignature(const Affected& affected) {
  std::string text;
  auto add = [&text](std::string_view part) {
    text += part;
    text += '\x1f';
  };
  add(affected.ecosystem);
  add(affected.name);
  add(affected.purl);
  for (const auto& cpe : affected.cpes) add(cpe);
  add("|");
  add(affected.vendor);
  add(affected.product);
  for (const Range& range : affected.ranges) {
    add(std::to_string(static_cast<int>(range.type)));
    for (const RangeEvent& event : range.events) {
      add(std::to_string(static_cast<int>(event.kind)));
      add(event.version);
    }
    add("|");
  }
  for (const auto& version : affected.versions) add(version);
  add("|");
  add(affected.vers);
  add(affected.all_versions ? "all" : "some");
  add(std::to_string(static_cast<int>(affected.status)));
  return text;
}

// The fixed versions an affected entry and the record's remediations name for it.
std::vector<std::string> FixesOf(const Record& record, const Affected& affected) {
  std::vector<std::string> fixes = FixedVersions(EcosystemOfEntry(affected), affected);
  if (affected.status == ProductStatus::kFixed) {
    fixes.insert(fixes.end(), affected.versions.begin(), affected.versions.end());
  }
  for (const Remediation& remediation : record.remediations) {
    if (remediation.fixed_version.empty()) continue;
    const bool applies = remediation.origins.empty() ||
                         std::find(remediation.origins.begin(), remediation.origins.end(), affected.origin) !=
                             remediation.origins.end();
    if (applies) fixes.push_back(remediation.fixed_version);
  }
  return fixes;
}

Summary Summarise(const Cluster& cluster) {
  Summary summary;
  for (const StoredRecord* member : cluster.members) {
    if (!member->active()) continue;
    for (const Affected& affected : member->record.affected) {
      std::string signature = AffectedSignature(affected);
      std::vector<std::string> fixes = FixesOf(member->record, affected);
      auto add = [&](const std::string& key) {
        KeySignature& entry = summary[key];
        entry.affected.insert(signature);
        entry.fixed.insert(fixes.begin(), fixes.end());
      };
      for (const auto& key : PackageKeysOf(affected)) add("p:" + key);
      for (const auto& key : CpeKeysOf(affected)) add("c:" + key);
    }
  }
  return summary;
}

// Sets kRange / kFix on `change` and lists the keys whose signatures differ.
void CompareSummaries(const Summary& before, const Summary& after, VulnerabilityChange& change) {
  std::set<std::string> keys;
  for (const auto& [key, signature] : before) keys.insert(key);
  for (const auto& [key, signature] : after) keys.insert(key);
  const KeySignature none;
  for (const std::string& key : keys) {
    auto b = before.find(key);
    auto a = after.find(key);
    const KeySignature& old_signature = b == before.end() ? none : b->second;
    const KeySignature& new_signature = a == after.end() ? none : a->second;
    bool differs = false;
    if (old_signature.affected != new_signature.affected) {
      change.kinds |= VulnerabilityChange::kRange;
      differs = true;
    }
    if (old_signature.fixed != new_signature.fixed) {
      change.kinds |= VulnerabilityChange::kFix;
      differs = true;
    }
    if (differs) (key.starts_with("p:") ? change.package_keys : change.cpe_keys).push_back(key.substr(2));
  }
}

}  // namespace

// --- Public helpers. ---

std::string MergedIdRule(std::span<const std::string> names) {
  const std::string* best = nullptr;
  for (const std::string& name : names) {
    if (name.empty()) continue;
    if (best == nullptr) {
      best = &name;
      continue;
    }
    const int a = IdClass(name), b = IdClass(*best);
    if (a < b || (a == b && NaturalCompare(name, *best) < 0)) best = &name;
  }
  return best == nullptr ? std::string() : *best;
}

std::string PackageKeyOf(std::string_view osv_ecosystem, std::string_view name) {
  const Ecosystem ecosystem = EcosystemFromOsv(osv_ecosystem);
  if (ecosystem == Ecosystem::kUnknown || name.empty()) return {};
  std::string key(EcosystemName(ecosystem));
  key += ':';
  key += NormalizeName(ecosystem, name);
  return key;
}

std::string PackageKeyOfPurl(std::string_view purl) {
  auto parsed = ParsePurl(purl);
  if (!parsed) return {};
  auto identity = IdentityOf(*parsed);
  return identity ? std::move(identity->key) : std::string();
}

std::string CpeKeyOf(std::string_view vendor, std::string_view product) {
  if (vendor.empty() || product.empty() || vendor == "*" || product == "*") return {};
  std::string key;
  key.reserve(vendor.size() + product.size() + 1);
  auto append = [&key](std::string_view part) {
    for (char c : part)
      key += c == ' ' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  append(vendor);
  key += ':';
  append(product);
  return key;
}

bool ChangeSet::Names(std::string_view id) const {
  for (const auto& change : changes) {
    if (change.id == id) return true;
    if (std::find(change.replaces.begin(), change.replaces.end(), id) != change.replaces.end()) return true;
  }
  return false;
}

// --- The database. ---

struct VulnerabilityDatabase::State {
  StringMap<std::unique_ptr<StoredDocument>> documents;
  StringMap<std::vector<StoredRecord*>> by_name;
  StringMap<std::unique_ptr<Cluster>> clusters;  // by merged id
  StringMap<std::vector<IndexEntry>> by_package;
  StringMap<std::vector<IndexEntry>> by_cpe;
  size_t record_count = 0;

  void Unindex(Cluster& cluster);
  void Index(Cluster& cluster);
  std::unique_ptr<Cluster> BuildCluster(std::vector<StoredRecord*> members);
};

void VulnerabilityDatabase::State::Unindex(Cluster& cluster) {
  const Vulnerability* vulnerability = &cluster.vulnerability;
  auto drop = [vulnerability](StringMap<std::vector<IndexEntry>>& index,
                              const std::vector<std::string>& keys) {
    for (const auto& key : keys) {
      auto it = index.find(key);
      if (it == index.end()) continue;
      std::erase_if(it->second,
                    [vulnerability](const IndexEntry& e) { return e.vulnerability == vulnerability; });
      if (it->second.empty()) index.erase(it);
    }
  };
  drop(by_package, cluster.package_keys);
  drop(by_cpe, cluster.cpe_keys);
}

void VulnerabilityDatabase::State::Index(Cluster& cluster) {
  const Vulnerability& vulnerability = cluster.vulnerability;
  for (const SourceRecord& source : vulnerability.sources) {
    if (!source.withdrawn.empty()) continue;
    for (const Affected& affected : source.record->affected) {
      IndexEntry entry{&vulnerability, &source, &affected, ReleaseOf(affected.ecosystem)};
      for (auto& key : PackageKeysOf(affected)) {
        by_package[key].push_back(entry);
        cluster.package_keys.push_back(std::move(key));
      }
      for (auto& key : CpeKeysOf(affected)) {
        by_cpe[key].push_back(entry);
        cluster.cpe_keys.push_back(std::move(key));
      }
    }
  }
  SortUnique(cluster.package_keys);
  SortUnique(cluster.cpe_keys);
}

std::unique_ptr<Cluster> VulnerabilityDatabase::State::BuildCluster(std::vector<StoredRecord*> members) {
  auto cluster = std::make_unique<Cluster>();
  std::sort(members.begin(), members.end(), [](const StoredRecord* a, const StoredRecord* b) {
    return std::tie(a->record.format, a->record.id) < std::tie(b->record.format, b->record.id);
  });
  cluster->members = std::move(members);
  Vulnerability& v = cluster->vulnerability;
  std::vector<std::string> names;
  v.withdrawn = true;
  for (StoredRecord* member : cluster->members) {
    member->cluster = cluster.get();
    const Record& r = member->record;
    names.insert(names.end(), member->names.begin(), member->names.end());
    v.upstream.insert(v.upstream.end(), r.upstream.begin(), r.upstream.end());
    v.related.insert(v.related.end(), r.related.begin(), r.related.end());
    v.sources.push_back(member->provenance);
    for (const Remediation& remediation : r.remediations) v.remediations.push_back({r.id, remediation});
    for (const Severity& severity : r.severities) {
      if (v.severity.type.empty() || severity.base_score > v.severity.base_score) v.severity = severity;
    }
    if (v.summary.empty()) v.summary = r.summary;
    v.cwes.insert(v.cwes.end(), r.cwes.begin(), r.cwes.end());
    if (v.modified < r.modified) v.modified = r.modified;
    if (member->active()) v.withdrawn = false;
  }
  SortUnique(names);
  v.id = MergedIdRule(names);
  for (auto& name : names) {
    if (name != v.id) v.aliases.push_back(std::move(name));
  }
  SortUnique(v.upstream);
  SortUnique(v.related);
  SortUnique(v.cwes);
  if (!v.withdrawn) Index(*cluster);
  cluster->summary = Summarise(*cluster);
  return cluster;
}

VulnerabilityDatabase::VulnerabilityDatabase() : state_(std::make_unique<State>()) {}
VulnerabilityDatabase::~VulnerabilityDatabase() = default;

Result<ChangeSet> VulnerabilityDatabase::Upsert(Document document) {
  if (document.id.empty()) return Err(InvalidArgument("missing-field", "the document has no id", "/id"));
  auto modified = ParseRfc3339(document.modified);
  if (!modified) {
    return Err(InvalidArgument(
        "invalid-timestamp", "document " + document.id + ": modified is not RFC 3339: " + document.modified));
  }
  for (size_t i = 0; i < document.records.size(); ++i) {
    if (document.records[i].id.empty()) {
      return Err(InvalidArgument("missing-field",
                                 "document " + document.id + ": record " + std::to_string(i) + " has no id"));
    }
  }

  // Everything that can be prepared without the lock.
  auto stored = std::make_unique<StoredDocument>();
  stored->format = document.format;
  stored->id = document.id;
  stored->modified = *modified;
  for (Record& record : document.records) {
    auto r = std::make_unique<StoredRecord>();
    r->record = std::move(record);
    SourceRecord& p = r->provenance;
    p.format = r->record.format;
    p.record_id = r->record.id;
    p.document_id = document.id;
    p.source_name = document.source_name;
    p.sha256 = document.sha256;
    p.digest_check = document.digest_check;
    p.publisher = r->record.publisher;
    p.modified = r->record.modified;
    p.withdrawn = r->record.withdrawn;
    p.record = &r->record;
    r->names.push_back(r->record.id);
    r->names.insert(r->names.end(), r->record.aliases.begin(), r->record.aliases.end());
    std::erase(r->names, std::string());
    SortUnique(r->names);
    stored->records.push_back(std::move(r));
  }

  std::unique_lock lock(mu_);
  State& s = *state_;
  ChangeSet result;
  const std::string key = DocumentKey(document.format, document.id);
  auto existing = s.documents.find(key);
  if (existing != s.documents.end()) {
    if (existing->second->modified > stored->modified) {
      result.outcome = ChangeSet::Outcome::kStale;
      return result;
    }
    result.outcome = ChangeSet::Outcome::kReplaced;
  }

  // The clusters this document touches: those of its old records and those its new records
  // name.
  std::vector<Cluster*> touched;
  auto touch = [&touched](Cluster* cluster) {
    if (cluster != nullptr && std::find(touched.begin(), touched.end(), cluster) == touched.end()) {
      touched.push_back(cluster);
    }
  };
  std::unique_ptr<StoredDocument> old_document;
  if (existing != s.documents.end()) {
    old_document = std::move(existing->second);
    s.documents.erase(existing);
    for (const auto& r : old_document->records) touch(r->cluster);
  }
  for (const auto& r : stored->records) {
    for (const auto& name : r->names) {
      if (auto it = s.by_name.find(name); it != s.by_name.end()) {
        for (StoredRecord* other : it->second) touch(other->cluster);
      }
    }
  }

  // Take the touched clusters apart, keeping what they were.
  std::vector<ClusterSnapshot> before;
  std::vector<StoredRecord*> pool;
  for (Cluster* cluster : touched) {
    ClusterSnapshot snapshot;
    snapshot.id = cluster->vulnerability.id;
    snapshot.withdrawn = cluster->vulnerability.withdrawn;
    for (StoredRecord* member : cluster->members) {
      snapshot.record_ids.insert(std::to_string(static_cast<int>(member->record.format)) + member->record.id);
      snapshot.names.insert(snapshot.names.end(), member->names.begin(), member->names.end());
      pool.push_back(member);
    }
    SortUnique(snapshot.names);
    snapshot.package_keys = cluster->package_keys;
    snapshot.cpe_keys = cluster->cpe_keys;
    snapshot.summary = std::move(cluster->summary);
    before.push_back(std::move(snapshot));
    s.Unindex(*cluster);
    const std::string id = cluster->vulnerability.id;
    s.clusters.erase(id);
  }
  if (old_document) {
    for (const auto& r : old_document->records) {
      std::erase(pool, r.get());
      for (const auto& name : r->names) {
        auto it = s.by_name.find(name);
        std::erase(it->second, r.get());
        if (it->second.empty()) s.by_name.erase(it);
      }
      --s.record_count;
    }
  }
  for (const auto& r : stored->records) {
    pool.push_back(r.get());
    for (const auto& name : r->names) s.by_name[name].push_back(r.get());
    ++s.record_count;
  }

  // Connected components of the pool over shared names (union-find).
  std::vector<size_t> parent(pool.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&parent](size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  std::unordered_map<const StoredRecord*, size_t> position;
  for (size_t i = 0; i < pool.size(); ++i) position[pool[i]] = i;
  for (size_t i = 0; i < pool.size(); ++i) {
    for (const auto& name : pool[i]->names) {
      for (StoredRecord* other : s.by_name.find(name)->second) {
        const size_t a = find(i), b = find(position.at(other));
        if (a != b) parent[std::max(a, b)] = std::min(a, b);
      }
    }
  }
  std::map<size_t, std::vector<StoredRecord*>> groups;
  for (size_t i = 0; i < pool.size(); ++i) groups[find(i)].push_back(pool[i]);
  std::vector<Cluster*> after;
  for (auto& [root, members] : groups) {
    std::unique_ptr<Cluster> cluster = s.BuildCluster(std::move(members));
    after.push_back(cluster.get());
    std::string id = cluster->vulnerability.id;
    s.clusters[id] = std::move(cluster);
  }
  s.documents[key] = std::move(stored);

  // What changed: each new cluster against the old clusters it shares names with.
  std::unordered_set<std::string> current_ids;
  for (const Cluster* cluster : after) current_ids.insert(cluster->vulnerability.id);
  std::vector<bool> continued(before.size(), false);
  for (const Cluster* cluster : after) {
    const Vulnerability& v = cluster->vulnerability;
    VulnerabilityChange change;
    change.id = v.id;
    std::vector<const ClusterSnapshot*> predecessors;
    std::set<std::string> record_ids;
    for (const StoredRecord* member : cluster->members) {
      record_ids.insert(std::to_string(static_cast<int>(member->record.format)) + member->record.id);
    }
    for (size_t i = 0; i < before.size(); ++i) {
      const ClusterSnapshot& old = before[i];
      const bool shares =
          std::any_of(cluster->members.begin(), cluster->members.end(), [&](const StoredRecord* m) {
            return std::any_of(m->names.begin(), m->names.end(), [&](const std::string& name) {
              return std::binary_search(old.names.begin(), old.names.end(), name);
            });
          });
      if (shares) {
        predecessors.push_back(&old);
        continued[i] = true;
      }
    }
    std::vector<std::string> keys_before, cpe_before;
    if (predecessors.empty()) {
      if (v.withdrawn) continue;
      change.kinds |= VulnerabilityChange::kNew;
    } else {
      bool old_withdrawn = true;
      Summary old_summary;
      std::set<std::string> old_records;
      for (const ClusterSnapshot* old : predecessors) {
        old_withdrawn = old_withdrawn && old->withdrawn;
        for (const auto& [k, signature] : old->summary) {
          KeySignature& merged = old_summary[k];
          merged.affected.insert(signature.affected.begin(), signature.affected.end());
          merged.fixed.insert(signature.fixed.begin(), signature.fixed.end());
        }
        old_records.insert(old->record_ids.begin(), old->record_ids.end());
        keys_before.insert(keys_before.end(), old->package_keys.begin(), old->package_keys.end());
        cpe_before.insert(cpe_before.end(), old->cpe_keys.begin(), old->cpe_keys.end());
        if (!current_ids.contains(old->id)) change.replaces.push_back(old->id);
      }
      if (v.withdrawn && !old_withdrawn) change.kinds |= VulnerabilityChange::kWithdrawn;
      if (!v.withdrawn && old_withdrawn) change.kinds |= VulnerabilityChange::kReinstated;
      if (predecessors.size() > 1 || predecessors.front()->id != v.id || old_records != record_ids) {
        change.kinds |= VulnerabilityChange::kMerged;
      }
      // Per-key comparison, unless withdrawn or reinstated already says it all. It names
      // the keys whose matches differ; a merge or split concerns every key (below).
      if ((change.kinds & (VulnerabilityChange::kWithdrawn | VulnerabilityChange::kReinstated)) == 0) {
        CompareSummaries(old_summary, cluster->summary, change);
      }
    }
    if (change.kinds == 0) continue;
    const bool whole = (change.kinds & ~(VulnerabilityChange::kRange | VulnerabilityChange::kFix)) != 0;
    if (whole) {
      change.package_keys.clear();
      change.cpe_keys.clear();
      change.package_keys.insert(change.package_keys.end(), keys_before.begin(), keys_before.end());
      change.package_keys.insert(change.package_keys.end(), cluster->package_keys.begin(),
                                 cluster->package_keys.end());
      change.cpe_keys.insert(change.cpe_keys.end(), cpe_before.begin(), cpe_before.end());
      change.cpe_keys.insert(change.cpe_keys.end(), cluster->cpe_keys.begin(), cluster->cpe_keys.end());
    }
    SortUnique(change.package_keys);
    SortUnique(change.cpe_keys);
    SortUnique(change.replaces);
    result.changes.push_back(std::move(change));
  }
  // Old vulnerabilities with no successor: every record of theirs was dropped.
  for (size_t i = 0; i < before.size(); ++i) {
    if (continued[i] || before[i].withdrawn) continue;
    VulnerabilityChange change;
    change.id = before[i].id;
    change.kinds = VulnerabilityChange::kWithdrawn;
    change.package_keys = before[i].package_keys;
    change.cpe_keys = before[i].cpe_keys;
    result.changes.push_back(std::move(change));
  }
  std::sort(result.changes.begin(), result.changes.end(),
            [](const VulnerabilityChange& a, const VulnerabilityChange& b) { return a.id < b.id; });
  for (const auto& change : result.changes) {
    result.package_keys.insert(result.package_keys.end(), change.package_keys.begin(),
                               change.package_keys.end());
    result.cpe_keys.insert(result.cpe_keys.end(), change.cpe_keys.begin(), change.cpe_keys.end());
  }
  SortUnique(result.package_keys);
  SortUnique(result.cpe_keys);
  return result;
}

// --- Reader. ---

VulnerabilityDatabase::Reader::Reader(const VulnerabilityDatabase& db) : db_(&db), lock_(db.mu_) {}

std::span<const IndexEntry> VulnerabilityDatabase::Reader::ByPackage(std::string_view package_key) const {
  auto it = db_->state_->by_package.find(package_key);
  if (it == db_->state_->by_package.end()) return {};
  return it->second;
}

std::span<const IndexEntry> VulnerabilityDatabase::Reader::ByCpe(std::string_view cpe_key) const {
  auto it = db_->state_->by_cpe.find(cpe_key);
  if (it == db_->state_->by_cpe.end()) return {};
  return it->second;
}

const Vulnerability* VulnerabilityDatabase::Reader::Find(std::string_view name) const {
  auto it = db_->state_->by_name.find(name);
  if (it == db_->state_->by_name.end() || it->second.empty()) return nullptr;
  return &it->second.front()->cluster->vulnerability;
}

std::vector<const Vulnerability*> VulnerabilityDatabase::Reader::All() const {
  std::vector<const Vulnerability*> all;
  all.reserve(db_->state_->clusters.size());
  for (const auto& [id, cluster] : db_->state_->clusters) all.push_back(&cluster->vulnerability);
  return all;
}

size_t VulnerabilityDatabase::Reader::document_count() const { return db_->state_->documents.size(); }
size_t VulnerabilityDatabase::Reader::record_count() const { return db_->state_->record_count; }
size_t VulnerabilityDatabase::Reader::vulnerability_count() const { return db_->state_->clusters.size(); }

}  // namespace aiip::advisories
