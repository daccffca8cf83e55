#include "advisories/matcher/matcher.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "advisories/inventory/cpe.h"
#include "advisories/inventory/purl.h"
#include "advisories/matcher/keys.h"
#include "advisories/versions/range.h"
#include "advisories/versions/version.h"

namespace aiip::advisories {

namespace {

using matcher_internal::DistroMatches;
using matcher_internal::IdentityOf;

constexpr uint32_t kNoKey = UINT32_MAX;

// What matching needs to know about one component, independent of the inventory holding it.
struct ComponentIdentity {
  std::string purl;  // canonical purl, or the first CPE when there is no purl
  std::string name;
  std::string version;
  Ecosystem ecosystem = Ecosystem::kUnknown;
  std::string key;  // package key, empty when the purl gives none
  std::string distro;
  std::vector<std::string> cpes;
};

// The vulnerabilities a match may report; nullptr = all.
using Scope = std::unordered_set<const Vulnerability*>;

std::string_view StatusName(ProductStatus status) {
  switch (status) {
    case ProductStatus::kAffected:
      return "known_affected";
    case ProductStatus::kNotAffected:
      return "known_not_affected";
    case ProductStatus::kFixed:
      return "fixed";
    case ProductStatus::kUnderInvestigation:
      return "under_investigation";
  }
  return "";
}

bool HasVersionConstraint(const Affected& affected) {
  return affected.all_versions || !affected.ranges.empty() || !affected.versions.empty() ||
         !affected.vers.empty();
}

// A known_not_affected entry concerns the version when it lists it, or lists no version at all
// (then the statement is about the product as a whole).
bool NotAffectedApplies(Ecosystem ecosystem, const Affected& affected, std::string_view version) {
  return !HasVersionConstraint(affected) || IsAffectedVersion(ecosystem, affected, version);
}

std::vector<std::string> FixesOf(Ecosystem ecosystem, const Record& record, const Affected& affected) {
  std::vector<std::string> fixes = FixedVersions(ecosystem, affected);
  if (affected.status == ProductStatus::kFixed) {
    fixes.insert(fixes.end(), affected.versions.begin(), affected.versions.end());
  }
  for (const Remediation& remediation : record.remediations) {
    if (remediation.fixed_version.empty()) continue;
    if (remediation.origins.empty() || std::find(remediation.origins.begin(), remediation.origins.end(),
                                                 affected.origin) != remediation.origins.end()) {
      fixes.push_back(remediation.fixed_version);
    }
  }
  return fixes;
}

// Per vulnerability, what one component's candidate entries said.
struct Hit {
  const Vulnerability* vulnerability = nullptr;
  Confidence confidence = Confidence::kPurl;
  std::vector<std::string> sources;
  // Entries whose fixed versions belong to the finding (computed only if there is one).
  std::vector<std::pair<const IndexEntry*, Ecosystem>> fix_entries;
  std::string not_affected;  // reason, when a CSAF record says known_not_affected
};

class IdentityMatcher {
 public:
  IdentityMatcher(const VulnerabilityDatabase::Reader& reader, const Scope* scope)
      : reader_(reader), scope_(scope) {}

  // Findings for one component (component index 0, no inventory VEX applied).
  std::vector<Finding> Match(const ComponentIdentity& component, bool cpe) {
    std::map<std::string_view, Hit> hits;  // by vulnerability id, for a stable order
    if (!component.key.empty()) {
      for (const IndexEntry& entry : reader_.ByPackage(component.key)) {
        if (!InScope(entry)) continue;
        if (!DistroMatches(component.distro, entry.release)) continue;
        Consider(entry, component.ecosystem, component.version, Confidence::kPurl, hits);
      }
    }
    if (cpe) MatchCpes(component, hits);
    std::vector<Finding> findings;
    for (auto& [id, hit] : hits) {
      if (hit.sources.empty()) continue;  // only fixed / not-affected statements
      Finding finding;
      finding.purl = component.purl;
      finding.name = component.name;
      finding.version = component.version;
      finding.id = hit.vulnerability->id;
      finding.aliases = hit.vulnerability->aliases;
      std::sort(hit.sources.begin(), hit.sources.end());
      hit.sources.erase(std::unique(hit.sources.begin(), hit.sources.end()), hit.sources.end());
      finding.sources = std::move(hit.sources);
      std::vector<std::string> fixed;
      for (const auto& [entry, ecosystem] : hit.fix_entries) {
        std::vector<std::string> fixes = FixesOf(ecosystem, *entry->source->record, *entry->affected);
        fixed.insert(fixed.end(), std::make_move_iterator(fixes.begin()),
                     std::make_move_iterator(fixes.end()));
      }
      finding.fixed = SortFixes(component.ecosystem, std::move(fixed));
      finding.severity = hit.vulnerability->severity;
      finding.confidence = hit.confidence;
      if (!hit.not_affected.empty()) {
        finding.suppressed = true;
        finding.reason = std::move(hit.not_affected);
      }
      findings.push_back(std::move(finding));
    }
    return findings;
  }

 private:
  bool InScope(const IndexEntry& entry) const {
    return scope_ == nullptr || scope_->contains(entry.vulnerability);
  }

  static std::vector<std::string> SortFixes(Ecosystem ecosystem, std::vector<std::string> fixes) {
    std::sort(fixes.begin(), fixes.end(), [ecosystem](const std::string& a, const std::string& b) {
      const int c = CompareVersions(ecosystem, a, b);
      return c != 0 ? c < 0 : a < b;
    });
    fixes.erase(std::unique(fixes.begin(), fixes.end()), fixes.end());
    return fixes;
  }

  static void Consider(const IndexEntry& entry, Ecosystem ecosystem, std::string_view version,
                       Confidence confidence, std::map<std::string_view, Hit>& hits) {
    const Affected& affected = *entry.affected;
    const Record& record = *entry.source->record;
    switch (affected.status) {
      case ProductStatus::kAffected: {
        if (!IsAffectedVersion(ecosystem, affected, version)) {
          // Its fixes still belong to the finding if another entry of the vulnerability hits.
          AddFixes(entry, ecosystem, hits);
          return;
        }
        Hit& hit = HitOf(entry, confidence, hits);
        if (hit.sources.empty()) hit.confidence = confidence;
        hit.sources.push_back(record.id);
        AddFixes(entry, ecosystem, hits);
        return;
      }
      case ProductStatus::kNotAffected: {
        if (!NotAffectedApplies(ecosystem, affected, version)) return;
        Hit& hit = HitOf(entry, confidence, hits);
        if (hit.not_affected.empty()) {
          hit.not_affected = "CSAF " + record.id + ": " + std::string(StatusName(affected.status)) +
                             " for product " + affected.origin;
          if (!affected.justification.empty()) hit.not_affected += " (" + affected.justification + ")";
        }
        return;
      }
      case ProductStatus::kFixed:
        AddFixes(entry, ecosystem, hits);
        return;
      case ProductStatus::kUnderInvestigation:
        return;
    }
  }

  static Hit& HitOf(const IndexEntry& entry, Confidence confidence, std::map<std::string_view, Hit>& hits) {
    Hit& hit = hits[entry.vulnerability->id];
    if (hit.vulnerability == nullptr) {
      hit.vulnerability = entry.vulnerability;
      hit.confidence = confidence;
    }
    return hit;
  }

  // Fixes are collected from every entry of the component's package; they make no finding
  // by themselves (a Hit without sources is dropped), so they are computed only for hits.
  static void AddFixes(const IndexEntry& entry, Ecosystem ecosystem, std::map<std::string_view, Hit>& hits) {
    HitOf(entry, Confidence::kPurl, hits).fix_entries.emplace_back(&entry, ecosystem);
  }

  void MatchCpes(const ComponentIdentity& component, std::map<std::string_view, Hit>& hits) {
    for (const std::string& text : component.cpes) {
      auto name = ParseCpe(text);
      if (!name) continue;
      std::string version = component.version;
      if (name->version().kind == CpeValue::Kind::kValue && !name->version().has_wildcards()) {
        version = name->version().text;
      }
      if (version.empty()) continue;
      const std::string key = CpeKeyOf(name->vendor().text, name->product().text);
      if (key.empty()) continue;
      for (const IndexEntry& entry : reader_.ByCpe(key)) {
        if (!InScope(entry)) continue;
        auto existing = hits.find(entry.vulnerability->id);
        // A purl match already speaks for this vulnerability with higher confidence.
        if (existing != hits.end() && existing->second.confidence == Confidence::kPurl &&
            !existing->second.sources.empty()) {
          continue;
        }
        if (!CpeEntryMatches(*entry.affected, *name)) continue;
        Ecosystem ecosystem = component.ecosystem;
        if (!entry.affected->ecosystem.empty()) ecosystem = EcosystemFromOsv(entry.affected->ecosystem);
        const Affected& affected = *entry.affected;
        // Without any version constraint a CPE entry says nothing about which versions are
        // affected; matching it would flag every version (the CPE false-positive flood).
        const bool pinned_by_cpe = CpePinsVersion(affected, *name);
        if (affected.status == ProductStatus::kAffected && !pinned_by_cpe &&
            !IsAffectedVersion(ecosystem, affected, version)) {
          continue;
        }
        if (affected.status == ProductStatus::kAffected) {
          Hit& hit = HitOf(entry, Confidence::kCpe, hits);
          if (hit.sources.empty()) hit.confidence = Confidence::kCpe;
          hit.sources.push_back(entry.source->record->id);
          AddFixes(entry, ecosystem, hits);
        } else {
          Consider(entry, ecosystem, version, Confidence::kCpe, hits);
        }
      }
    }
  }

  // Whether one of the entry's CPEs (as a NISTIR 7696 pattern) covers the component's CPE,
  // or, for an entry with no CPEs, its vendor and product equal the CPE's.
  bool CpeEntryMatches(const Affected& affected, const Cpe& name) {
    if (affected.cpes.empty()) {
      return CpeKeyOf(affected.vendor, affected.product) == CpeKeyOf(name.vendor().text, name.product().text);
    }
    for (const std::string& text : affected.cpes) {
      const Cpe* pattern = Parsed(text);
      if (pattern == nullptr) continue;
      // The version is judged by the entry's ranges when the pattern leaves it open.
      Cpe versionless = name;
      if (pattern->version().kind == CpeValue::Kind::kAny)
        versionless.at(CpeAttribute::kVersion) = CpeValue{};
      if (CpeMatches(*pattern, versionless)) return true;
    }
    return false;
  }

  // Whether one of the entry's CPEs names the component's exact version.
  bool CpePinsVersion(const Affected& affected, const Cpe& name) {
    for (const std::string& text : affected.cpes) {
      const Cpe* pattern = Parsed(text);
      if (pattern == nullptr || pattern->version().kind != CpeValue::Kind::kValue) continue;
      if (CpeMatches(*pattern, name)) return true;
    }
    return false;
  }

  const Cpe* Parsed(const std::string& text) {
    auto it = parsed_.find(text);
    if (it == parsed_.end()) {
      auto cpe = ParseCpe(text);
      it = parsed_.emplace(text, cpe ? std::optional<Cpe>(std::move(*cpe)) : std::nullopt).first;
    }
    return it->second ? &*it->second : nullptr;
  }

  const VulnerabilityDatabase::Reader& reader_;
  const Scope* scope_;
  std::unordered_map<std::string, std::optional<Cpe>> parsed_;
};

ComponentIdentity IdentityOfComponent(const Component& component, std::string* note) {
  ComponentIdentity identity;
  identity.name = component.name;
  identity.version = component.version;
  identity.cpes = component.cpes;
  if (!component.purl.empty()) {
    identity.purl = component.purl;
    if (auto purl = ParsePurl(component.purl)) {
      if (identity.version.empty()) identity.version = purl->version;
      if (auto id = IdentityOf(*purl)) {
        identity.ecosystem = id->ecosystem;
        identity.key = std::move(id->key);
        identity.distro = std::move(id->distro);
      } else if (note != nullptr) {
        *note = "purl type " + purl->type + " maps to no supported ecosystem";
      }
    }
  } else if (!component.cpes.empty()) {
    identity.purl = component.cpes.front();
  } else if (note != nullptr) {
    *note = "no purl or CPE, not matched";
  }
  return identity;
}

// The component's version of a purl given as a VEX reference, when it parses.
bool SamePurl(std::string_view reference, std::string_view purl) {
  if (reference == purl) return true;
  if (!reference.starts_with("pkg:") || purl.empty()) return false;
  auto a = ParsePurl(reference);
  auto b = ParsePurl(purl);
  return a && b && FormatPurl(*a) == FormatPurl(*b);
}

// Whether a CycloneDX VEX statement's target is this component (bom-ref, BOM-Link fragment,
// or purl).
bool RefersTo(const VexStatement& statement, std::string_view bom_ref, std::string_view purl) {
  std::string_view ref = statement.component_ref;
  if (ref.empty()) return false;
  if (!bom_ref.empty() && ref == bom_ref) return true;
  if (ref.starts_with("urn:cdx:")) {
    const size_t hash = ref.find('#');
    if (hash != std::string_view::npos && !bom_ref.empty() && ref.substr(hash + 1) == bom_ref) return true;
  }
  return SamePurl(ref, purl);
}

bool VexVersionApplies(const VexStatement& statement, Ecosystem ecosystem, std::string_view version) {
  if (statement.versions.empty()) return true;
  for (const VexVersion& entry : statement.versions) {
    if (entry.status == "affected") continue;
    if (!entry.version.empty() && CompareVersions(ecosystem, entry.version, version) == 0) return true;
    if (!entry.range.empty()) {
      auto vers = ParseVers(entry.range);
      if (vers && InVers(ecosystem, *vers, version)) return true;
    }
  }
  return false;
}

// Applies the inventory's VEX statements about component `bom_ref`/`purl` to `finding`.
void ApplyVex(std::span<const VexStatement> statements, std::string_view bom_ref, Ecosystem ecosystem,
              Finding& finding) {
  if (finding.suppressed) return;
  for (const VexStatement& statement : statements) {
    if (statement.state != "not_affected" && statement.state != "false_positive") continue;
    auto names_vulnerability = [&finding](std::string_view id) {
      return id == finding.id || std::binary_search(finding.aliases.begin(), finding.aliases.end(), id);
    };
    bool named = names_vulnerability(statement.vulnerability_id);
    for (const auto& alias : statement.aliases) named = named || names_vulnerability(alias);
    if (!named || !RefersTo(statement, bom_ref, finding.purl)) continue;
    if (!VexVersionApplies(statement, ecosystem, finding.version)) continue;
    finding.suppressed = true;
    finding.reason = "CycloneDX VEX " + statement.vulnerability_id + ": " + statement.state;
    if (!statement.justification.empty()) finding.reason += " (" + statement.justification + ")";
    if (!statement.detail.empty()) finding.reason += ": " + statement.detail;
    finding.reason += " at " + statement.origin;
    return;
  }
}

bool FindingLess(const Finding& a, const Finding& b) {
  return a.component != b.component ? a.component < b.component : a.id < b.id;
}

}  // namespace

std::string_view ConfidenceName(Confidence confidence) {
  return confidence == Confidence::kPurl ? "purl" : "cpe";
}

ScanResult Scan(const Inventory& inventory, const VulnerabilityDatabase& db, ScanOptions options) {
  const VulnerabilityDatabase::Reader reader = db.Read();
  return Scan(inventory, reader, options);
}

ScanResult Scan(const Inventory& inventory, const VulnerabilityDatabase::Reader& reader,
                ScanOptions options) {
  ScanResult result;
  IdentityMatcher matcher(reader, nullptr);
  for (size_t i = 0; i < inventory.components.size(); ++i) {
    const Component& component = inventory.components[i];
    std::string note;
    ComponentIdentity identity = IdentityOfComponent(component, &note);
    if (identity.key.empty() && !(options.cpe && !identity.cpes.empty())) {
      if (note.empty()) note = "no purl (CPE matching is off), not matched";
      result.notes.push_back(component.origin + ": " + note);
      continue;
    }
    if (identity.version.empty()) {
      result.notes.push_back(component.origin + ": no version, not matched");
      continue;
    }
    for (Finding& finding : matcher.Match(identity, options.cpe)) {
      finding.component = i;
      ApplyVex(inventory.vex, component.bom_ref, identity.ecosystem, finding);
      result.findings.push_back(std::move(finding));
    }
  }
  std::sort(result.findings.begin(), result.findings.end(), FindingLess);
  return result;
}

// --- InventoryIndex. ---

namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

struct Posting {
  uint32_t slot;
  uint32_t component;
  uint32_t identity;
};

struct VexData {
  std::vector<VexStatement> statements;
  std::vector<std::string> bom_refs;  // per component index
};

struct Slot {
  std::string id;
  bool live = false;
  bool cpe = false;
  std::vector<uint32_t> keys;      // package key ids it is posted under
  std::vector<uint32_t> cpe_keys;  // CPE key ids
  size_t entries = 0;              // components posted
  std::unique_ptr<VexData> vex;
};

// Strings numbered in order of first appearance.
class Interner {
 public:
  uint32_t Intern(std::string_view text) {
    auto it = ids_.find(text);
    if (it != ids_.end()) return it->second;
    const auto id = static_cast<uint32_t>(texts_.size());
    texts_.emplace_back(text);
    ids_.emplace(texts_.back(), id);
    return id;
  }
  uint32_t Find(std::string_view text) const {
    auto it = ids_.find(text);
    return it == ids_.end() ? kNoKey : it->second;
  }
  size_t size() const { return texts_.size(); }

 private:
  std::deque<std::string> texts_;
  std::unordered_map<std::string_view, uint32_t> ids_;
};

}  // namespace

struct InventoryIndex::State {
  std::vector<Slot> slots;
  std::vector<uint32_t> free_slots;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> by_id;
  Interner package_keys;
  Interner cpe_keys;
  std::vector<std::vector<Posting>> package_postings;  // by package key id
  std::vector<std::vector<Posting>> cpe_postings;      // by CPE key id
  // Component identities shared by every inventory that lists the same component.
  Interner identity_keys;
  std::vector<ComponentIdentity> identities;
  size_t entries = 0;

  void Post(std::vector<std::vector<Posting>>& postings, uint32_t key, Posting posting) {
    if (postings.size() <= key) postings.resize(key + 1);
    postings[key].push_back(posting);
  }
  void Unpost(std::vector<std::vector<Posting>>& postings, const std::vector<uint32_t>& keys, uint32_t slot) {
    for (uint32_t key : keys) {
      std::erase_if(postings[key], [slot](const Posting& p) { return p.slot == slot; });
    }
  }
};

InventoryIndex::InventoryIndex() : state_(std::make_unique<State>()) {}
InventoryIndex::~InventoryIndex() = default;

void InventoryIndex::Put(std::string_view id, const Inventory& inventory, ScanOptions options) {
  Remove(id);
  State& s = *state_;
  uint32_t slot_id;
  if (!s.free_slots.empty()) {
    slot_id = s.free_slots.back();
    s.free_slots.pop_back();
  } else {
    slot_id = static_cast<uint32_t>(s.slots.size());
    s.slots.emplace_back();
  }
  Slot& slot = s.slots[slot_id];
  slot.id = std::string(id);
  slot.live = true;
  slot.cpe = options.cpe;
  s.by_id.emplace(slot.id, slot_id);
  if (!inventory.vex.empty()) {
    slot.vex = std::make_unique<VexData>();
    slot.vex->statements = inventory.vex;
    slot.vex->bom_refs.resize(inventory.components.size());
    for (size_t i = 0; i < inventory.components.size(); ++i) {
      slot.vex->bom_refs[i] = inventory.components[i].bom_ref;
    }
  }
  std::string identity_key;
  for (size_t i = 0; i < inventory.components.size(); ++i) {
    const Component& component = inventory.components[i];
    if (component.purl.empty() && (!options.cpe || component.cpes.empty())) continue;
    identity_key.clear();
    identity_key += component.purl;
    identity_key += '\x1f';
    identity_key += component.version;
    identity_key += '\x1f';
    identity_key += component.name;
    for (const auto& cpe : component.cpes) (identity_key += '\x1f') += cpe;
    const uint32_t identity_id = s.identity_keys.Intern(identity_key);
    if (identity_id == s.identities.size()) s.identities.push_back(IdentityOfComponent(component, nullptr));
    const ComponentIdentity& identity = s.identities[identity_id];
    if (identity.version.empty()) continue;
    const Posting posting{slot_id, static_cast<uint32_t>(i), identity_id};
    bool posted = false;
    if (!identity.key.empty()) {
      const uint32_t key = s.package_keys.Intern(identity.key);
      s.Post(s.package_postings, key, posting);
      slot.keys.push_back(key);
      posted = true;
    }
    if (options.cpe) {
      for (const std::string& text : identity.cpes) {
        auto cpe = ParseCpe(text);
        if (!cpe) continue;
        const std::string cpe_key = CpeKeyOf(cpe->vendor().text, cpe->product().text);
        if (cpe_key.empty()) continue;
        const uint32_t key = s.cpe_keys.Intern(cpe_key);
        s.Post(s.cpe_postings, key, posting);
        slot.cpe_keys.push_back(key);
        posted = true;
      }
    }
    if (posted) ++slot.entries;
  }
  s.entries += slot.entries;
  for (auto* keys : {&slot.keys, &slot.cpe_keys}) {
    std::sort(keys->begin(), keys->end());
    keys->erase(std::unique(keys->begin(), keys->end()), keys->end());
    keys->shrink_to_fit();
  }
}

bool InventoryIndex::Remove(std::string_view id) {
  State& s = *state_;
  auto it = s.by_id.find(id);
  if (it == s.by_id.end()) return false;
  const uint32_t slot_id = it->second;
  Slot& slot = s.slots[slot_id];
  s.Unpost(s.package_postings, slot.keys, slot_id);
  s.Unpost(s.cpe_postings, slot.cpe_keys, slot_id);
  s.entries -= slot.entries;
  s.by_id.erase(it);
  slot = Slot{};
  s.free_slots.push_back(slot_id);
  return true;
}

size_t InventoryIndex::size() const { return state_->by_id.size(); }
size_t InventoryIndex::entry_count() const { return state_->entries; }
size_t InventoryIndex::interned_count() const { return state_->identities.size(); }

AffectedSet AffectedHolders(const ChangeSet& changes, const VulnerabilityDatabase& db,
                            const InventoryIndex& index) {
  const InventoryIndex::State& s = *index.state_;
  const VulnerabilityDatabase::Reader reader = db.Read();
  Scope scope;
  for (const VulnerabilityChange& change : changes.changes) {
    if (const Vulnerability* v = reader.Find(change.id)) scope.insert(v);
  }
  IdentityMatcher matcher(reader, &scope);

  // The (inventory, component) pairs to re-match, grouped by inventory through one sort.
  std::vector<Posting> holders;
  auto collect = [&](const Interner& keys, const std::vector<std::vector<Posting>>& postings,
                     const std::vector<std::string>& names, bool cpe_only) {
    for (const std::string& name : names) {
      const uint32_t key = keys.Find(name);
      if (key == kNoKey || key >= postings.size()) continue;
      for (const Posting& posting : postings[key]) {
        if (!cpe_only || s.slots[posting.slot].cpe) holders.push_back(posting);
      }
    }
  };
  collect(s.package_keys, s.package_postings, changes.package_keys, false);
  collect(s.cpe_keys, s.cpe_postings, changes.cpe_keys, true);
  std::sort(holders.begin(), holders.end(), [](const Posting& a, const Posting& b) {
    return a.slot != b.slot ? a.slot < b.slot : a.component < b.component;
  });
  holders.erase(std::unique(holders.begin(), holders.end(),
                            [](const Posting& a, const Posting& b) {
                              return a.slot == b.slot && a.component == b.component;
                            }),
                holders.end());

  // One match per (identity, CPE on/off), shared by every inventory holding it: the range of
  // `set.findings` it produced. Findings of one component come sorted by id, and components
  // in order, so each holder's hits are sorted as built.
  AffectedSet set;
  std::unordered_map<uint64_t, std::pair<uint32_t, uint32_t>> cache;
  for (size_t i = 0; i < holders.size();) {
    const uint32_t slot_id = holders[i].slot;
    const Slot& slot = s.slots[slot_id];
    AffectedSet::Holder& out = set.holders.emplace_back();
    out.inventory_id = slot.id;
    for (; i < holders.size() && holders[i].slot == slot_id; ++i) {
      const Posting& holder = holders[i];
      const uint64_t cache_key = (uint64_t{holder.identity} << 1) | (slot.cpe ? 1 : 0);
      auto it = cache.find(cache_key);
      if (it == cache.end()) {
        std::vector<Finding> found = matcher.Match(s.identities[holder.identity], slot.cpe);
        const auto first = static_cast<uint32_t>(set.findings.size());
        for (Finding& f : found) set.findings.push_back(std::move(f));
        it = cache.emplace(cache_key, std::pair{first, static_cast<uint32_t>(set.findings.size())}).first;
      }
      for (uint32_t f = it->second.first; f < it->second.second; ++f) {
        AffectedSet::Hit& hit = out.hits.emplace_back();
        hit.component = holder.component;
        hit.finding = f;
        if (slot.vex) {
          Finding probe = set.findings[f];
          ApplyVex(slot.vex->statements, slot.vex->bom_refs[holder.component],
                   s.identities[holder.identity].ecosystem, probe);
          if (probe.suppressed && !set.findings[f].suppressed) {
            hit.vex = static_cast<int32_t>(set.vex_reasons.size());
            set.vex_reasons.push_back(std::move(probe.reason));
          }
        }
      }
    }
  }
  return set;
}

std::vector<Finding> AffectedSet::FindingsOf(const Holder& holder) const {
  std::vector<Finding> out;
  out.reserve(holder.hits.size());
  for (const Hit& hit : holder.hits) {
    Finding& finding = out.emplace_back(findings[hit.finding]);
    finding.component = hit.component;
    if (hit.vex >= 0) {
      finding.suppressed = true;
      finding.reason = vex_reasons[static_cast<size_t>(hit.vex)];
    }
  }
  return out;
}

bool AlertsOnNew(const AffectedSet& set, const AffectedSet::Holder& holder) {
  return std::any_of(holder.hits.begin(), holder.hits.end(),
                     [&set](const AffectedSet::Hit& hit) { return set.Affected(hit); });
}

std::vector<InventoryFindings> AffectedInventories(const ChangeSet& changes, const VulnerabilityDatabase& db,
                                                   const InventoryIndex& index) {
  const AffectedSet set = AffectedHolders(changes, db, index);
  std::vector<InventoryFindings> result;
  result.reserve(set.holders.size());
  for (const AffectedSet::Holder& holder : set.holders) {
    result.push_back({std::string(holder.inventory_id), set.FindingsOf(holder)});
  }
  std::sort(result.begin(), result.end(), [](const InventoryFindings& a, const InventoryFindings& b) {
    return a.inventory_id < b.inventory_id;
  });
  return result;
}

// --- Diffs. ---

namespace {

// Whether two findings are about the same component and vulnerability, allowing for renames
// by merging.
bool SameFinding(const Finding& a, const Finding& b) {
  if (a.component != b.component) return false;
  if (a.id == b.id) return true;
  auto contains = [](const std::vector<std::string>& sorted, const std::string& id) {
    return std::binary_search(sorted.begin(), sorted.end(), id);
  };
  if (contains(b.aliases, a.id) || contains(a.aliases, b.id)) return true;
  for (const auto& alias : a.aliases) {
    if (contains(b.aliases, alias)) return true;
  }
  return false;
}

bool InScopeOf(const ChangeSet& changes, const Finding& finding) { return changes.Names(finding.id); }

bool WithdrawnBy(const ChangeSet& changes, const Finding& finding) {
  for (const auto& change : changes.changes) {
    if ((change.kinds & VulnerabilityChange::kWithdrawn) == 0) continue;
    if (change.id == finding.id ||
        std::find(change.replaces.begin(), change.replaces.end(), finding.id) != change.replaces.end()) {
      return true;
    }
  }
  return false;
}

}  // namespace

namespace {

// Sorts `after` into `diff` (copied, or moved when `Take` moves) against `before`.
template <typename Findings, typename Take>
FindingDiff Diff(std::span<const Finding> before, Findings& after, const ChangeSet& changes, Take take) {
  FindingDiff diff;
  std::vector<const Finding*> old_active;
  for (const Finding& finding : before) {
    if (!finding.suppressed && InScopeOf(changes, finding)) old_active.push_back(&finding);
  }
  std::vector<bool> matched(old_active.size(), false);
  for (auto& finding : after) {
    if (finding.suppressed) continue;
    const Finding* previous = nullptr;
    for (size_t i = 0; i < old_active.size(); ++i) {
      if (!matched[i] && SameFinding(*old_active[i], finding)) {
        matched[i] = true;
        previous = old_active[i];
        break;
      }
    }
    if (previous == nullptr) {
      diff.added.push_back(take(finding));
      continue;
    }
    const bool new_fix =
        std::any_of(finding.fixed.begin(), finding.fixed.end(), [previous](const std::string& v) {
          return std::find(previous->fixed.begin(), previous->fixed.end(), v) == previous->fixed.end();
        });
    (new_fix ? diff.new_fix : diff.unchanged).push_back(take(finding));
  }
  for (size_t i = 0; i < old_active.size(); ++i) {
    if (matched[i]) continue;
    (WithdrawnBy(changes, *old_active[i]) ? diff.withdrawn : diff.resolved).push_back(*old_active[i]);
  }
  return diff;
}

}  // namespace

FindingDiff DiffFindings(std::span<const Finding> before, std::span<const Finding> after,
                         const ChangeSet& changes) {
  return Diff(before, after, changes, [](const Finding& f) { return f; });
}

FindingDiff DiffFindings(std::span<const Finding> before, std::vector<Finding>&& after,
                         const ChangeSet& changes) {
  return Diff(before, after, changes, [](Finding& f) { return std::move(f); });
}

std::vector<Finding> MergeFindings(std::span<const Finding> before, std::span<const Finding> after,
                                   const ChangeSet& changes) {
  std::vector<Finding> merged;
  merged.reserve(before.size() + after.size());
  for (const Finding& finding : before) {
    if (!InScopeOf(changes, finding)) merged.push_back(finding);
  }
  merged.insert(merged.end(), after.begin(), after.end());
  std::sort(merged.begin(), merged.end(), FindingLess);
  return merged;
}

}  // namespace aiip::advisories
