// The matcher: which vulnerabilities of a VulnerabilityDatabase affect the components of an
// Inventory, and, when an advisory arrives, which of many registered inventories it affects.
//
// A component is matched by its purl: the purl's package key (PackageKeyOfPurl) finds the
// candidate affected entries, and the component's version is tested against each entry with
// the ecosystem's ordering (advisories/versions/range.h: OSV range semantics, Go
// pseudo-versions, PEP 440...). An advisory entry tied to a distribution release ("Debian:12")
// matches only components whose purl `distro` qualifier names that release (or that carry
// none). CPE matching (NISTIR 7696, through the component's CPEs and the CPE index) is opt-in
// per inventory and yields lower-confidence findings. A component with no version is never
// matched (a note says so). doc/vulnerabilities.md states every rule.
//
// VEX: a finding is kept but marked `suppressed` with its reason when the inventory's
// CycloneDX VEX says not_affected or false_positive for that component and the vulnerability
// (or one of its aliases), or when a CSAF record of the vulnerability lists the product as
// known_not_affected (an affected entry with status kNotAffected that matches the
// component's package and version).
//
// InventoryIndex holds many inventories (100,000+) by package key, so that a ChangeSet from
// VulnerabilityDatabase::Upsert finds the holders of affected components without rescanning
// anything else; component identities (purl, version) are interned, and a component shared by
// many inventories is matched once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "advisories/inventory/inventory.h"
#include "advisories/matcher/database.h"
#include "advisories/model.h"

namespace aiip::advisories {

struct ScanOptions {
  bool cpe = false;  // also match through CPEs (lower confidence)
};

enum class Confidence { kPurl, kCpe };
std::string_view ConfidenceName(Confidence confidence);  // "purl", "cpe"

// One (component, vulnerability) pair.
struct Finding {
  size_t component = 0;  // index in Inventory::components
  std::string purl;      // the component's purl; its first CPE when it has no purl
  std::string name;
  std::string version;
  std::string id;                    // merged vulnerability id
  std::vector<std::string> aliases;  // the vulnerability's other ids, sorted
  std::vector<std::string> sources;  // ids of the records whose entries matched, sorted
  std::vector<std::string> fixed;    // fixed versions, ascending in the component's ecosystem
  Severity severity;                 // the vulnerability's highest
  Confidence confidence = Confidence::kPurl;
  bool suppressed = false;
  std::string reason;  // why it is suppressed (VEX statement, justification, where from)
};

struct ScanResult {
  std::vector<Finding> findings;   // sorted by (component, id)
  std::vector<std::string> notes;  // components not matched and why, "<origin>: <reason>"
};

// Matches every component of `inventory` against the database. Pure; takes the database's
// shared lock for the whole scan (or uses the caller's Reader).
ScanResult Scan(const Inventory& inventory, const VulnerabilityDatabase& db, ScanOptions options = {});
ScanResult Scan(const Inventory& inventory, const VulnerabilityDatabase::Reader& reader,
                ScanOptions options = {});

// The findings of one inventory for the vulnerabilities a ChangeSet names.
struct InventoryFindings {
  std::string inventory_id;
  // Current findings (suppressed ones included) of this inventory for the vulnerabilities
  // the change set names, sorted by (component, id); may be empty when the change removed
  // its last finding (e.g. withdrawn).
  std::vector<Finding> findings;
};

// The alert path at scale: every holder of a changed package, its findings given as indices
// into one table of distinct findings, so that a component held by 50,000 inventories is one
// Finding, not 50,000 copies.
struct AffectedSet {
  // Distinct findings, each for one component identity; `component` is 0 (a Hit says which).
  std::vector<Finding> findings;
  // Reasons of suppressions by an inventory's own CycloneDX VEX.
  std::vector<std::string> vex_reasons;
  struct Hit {
    uint32_t component = 0;  // index in the inventory's components
    uint32_t finding = 0;    // index in `findings`
    int32_t vex = -1;        // index in `vex_reasons` when the inventory's VEX suppresses it
  };
  struct Holder {
    std::string_view inventory_id;  // valid while the InventoryIndex is not modified
    std::vector<Hit> hits;          // by component, then vulnerability id; may be empty
  };
  std::vector<Holder> holders;  // in no particular order

  // One holder's findings as AffectedInventories gives them (sorted by component, id).
  std::vector<Finding> FindingsOf(const Holder& holder) const;
  // Whether `hit` is an unsuppressed finding.
  bool Affected(const Hit& hit) const { return hit.vex < 0 && !findings[hit.finding].suppressed; }
};

// Inventories registered for watching, indexed by package key and CPE key. Not
// thread-safe: one writer at a time, and no Put/Remove while AffectedInventories reads it
// (the node serialises both, as it does its inventory table writes).
class InventoryIndex {
 public:
  InventoryIndex();
  ~InventoryIndex();
  InventoryIndex(const InventoryIndex&) = delete;
  InventoryIndex& operator=(const InventoryIndex&) = delete;

  // Registers `inventory` under `id`, replacing any inventory of that id. Keeps only what
  // matching needs (package keys, interned versions and purls, VEX statements).
  void Put(std::string_view id, const Inventory& inventory, ScanOptions options = {});
  // Forgets inventory `id`; false if it was not registered.
  bool Remove(std::string_view id);

  size_t size() const;            // registered inventories
  size_t entry_count() const;     // indexed (inventory, component) pairs
  size_t interned_count() const;  // distinct component identities

 private:
  friend AffectedSet AffectedHolders(const ChangeSet& changes, const VulnerabilityDatabase& db,
                                     const InventoryIndex& index);
  struct State;
  std::unique_ptr<State> state_;
};

// Every registered inventory that holds a component under one of the change set's package
// keys (or CPE keys, for inventories with CPE matching on), with its current findings for
// the changed vulnerabilities. Holds the database's shared lock while it runs. Sorted by
// inventory id.
std::vector<InventoryFindings> AffectedInventories(const ChangeSet& changes, const VulnerabilityDatabase& db,
                                                   const InventoryIndex& index);

// The same holders and findings in the compact form of AffectedSet (no per-inventory copies):
// what the alert path uses when a change touches tens of thousands of inventories. The
// string views point into `index`. Holds the database's shared lock while it runs.
AffectedSet AffectedHolders(const ChangeSet& changes, const VulnerabilityDatabase& db,
                            const InventoryIndex& index);

// Whether the change deserves an alert for one holder of a *new* vulnerability set, i.e. when
// the inventory held no finding about the vulnerabilities the change set names (always true of
// kNew changes): it has an unsuppressed finding. For other changes use DiffFindings on
// FindingsOf(holder) and the inventory's stored findings.
bool AlertsOnNew(const AffectedSet& set, const AffectedSet::Holder& holder);

// What a change means for one inventory's findings. Findings are the same when they name
// the same component and vulnerability (by merged id or any alias, so a merge that renames a
// vulnerability is not news). Suppressed findings count as absent.
struct FindingDiff {
  std::vector<Finding> added;      // newly affected
  std::vector<Finding> new_fix;    // still affected, with a fixed version not known before
  std::vector<Finding> withdrawn;  // gone because the vulnerability was withdrawn or dropped
  std::vector<Finding> resolved;   // gone for another reason (range change, VEX): no alert
  std::vector<Finding> unchanged;  // still affected, nothing meaningful changed
  // Whether the change deserves an alert: something added, newly fixed or withdrawn.
  bool alert() const { return !added.empty() || !new_fix.empty() || !withdrawn.empty(); }
};

// Compares an inventory's findings before a change (all of them: those about vulnerabilities
// the change set does not name are ignored) with its findings from AffectedInventories.
FindingDiff DiffFindings(std::span<const Finding> before, std::span<const Finding> after,
                         const ChangeSet& changes);
// The same, moving the findings of `after` into the diff instead of copying them (for the
// alert path, which no longer needs them).
FindingDiff DiffFindings(std::span<const Finding> before, std::vector<Finding>&& after,
                         const ChangeSet& changes);

// The inventory's complete finding set after the change: `before` without the findings about
// vulnerabilities the change set names, plus `after`; sorted by (component, id).
std::vector<Finding> MergeFindings(std::span<const Finding> before, std::span<const Finding> after,
                                   const ChangeSet& changes);

}  // namespace aiip::advisories
