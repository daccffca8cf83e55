// VulnerabilityDatabase: every ingested advisory document, merged into vulnerabilities and
// indexed by package, updated one document at a time.
//
// Documents are keyed by (format, document id). Each Record of a document is a node; two
// records belong to the same Vulnerability when their ids and `aliases` intersect,
// transitively (connected components over id + aliases; OSV `upstream` and `related` never
// merge). A Vulnerability's id is chosen by MergedIdRule (below). Every affected entry of a
// non-withdrawn record is indexed under its package key (PackageKeyOf) and, when it names
// CPEs or a vendor + product, under "vendor:product" (CpeKeyOf), so the matcher finds
// candidates in O(1) per component.
//
// Upsert returns a ChangeSet: which vulnerabilities changed in a way that changes what they
// match (new, new or changed range, new fix, withdrawn, merged or split) and which package
// keys those changes touch. The alerting path feeds it to AffectedInventories (matcher.h)
// instead of rescanning; a document whose only change is its `modified` time (or its text,
// severity, references...) yields an empty ChangeSet.
//
// Thread-safety: one writer, many concurrent readers, through an internal std::shared_mutex.
// Upsert takes it exclusively for the in-memory update only (parsing happens before, outside
// the lock); every read goes through a Reader, which holds the shared lock for its lifetime,
// so one scan sees one consistent state however long it takes. Ingestion is rare and scans
// are frequent, and an update is a few microseconds of pointer work, so readers almost never
// wait; immutable snapshots would copy the whole index on every advisory instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "advisories/model.h"
#include "common/status.h"

namespace aiip::advisories {

// Where one merged Record came from.
struct SourceRecord {
  SourceFormat format = SourceFormat::kOsv;
  std::string record_id;    // Record::id
  std::string document_id;  // Document::id
  std::string source_name;  // Document::source_name
  std::string sha256;       // Document::sha256
  std::string digest_check;
  std::string publisher;
  std::string modified;   // Record::modified
  std::string withdrawn;  // Record::withdrawn (empty when active)
  // The record itself; valid while the Reader it was obtained from lives.
  const Record* record = nullptr;
};

// A remediation with the record it comes from.
struct SourcedRemediation {
  std::string record_id;
  Remediation remediation;
};

// One vulnerability: the union of the records that are aliases of each other.
struct Vulnerability {
  std::string id;                     // MergedIdRule over every id and alias
  std::vector<std::string> aliases;   // every other id and alias of its records, sorted
  std::vector<std::string> upstream;  // OSV upstream ids of its records (not merged), sorted
  std::vector<std::string> related;   // OSV related ids of its records (not merged), sorted
  std::vector<SourceRecord> sources;  // sorted by (format, record id)
  std::vector<SourcedRemediation> remediations;
  Severity severity;              // the highest base score among its records; base_score -1 if none
  std::string summary;            // the first non-empty summary, by source order
  std::vector<std::string> cwes;  // sorted, unique
  std::string modified;           // the latest record `modified`
  // Every record is withdrawn/REJECTED: the vulnerability matches nothing.
  bool withdrawn = false;
};

// The merged-id rule: among all ids and aliases of the records, a CVE id if there is one
// (the lowest by year, then number); else the lowest GHSA id; else the lowest id overall.
// "Lowest" compares digit runs as numbers and the rest byte-wise, so GO-2021-99 <
// GO-2021-100. Returns "" for an empty list.
std::string MergedIdRule(std::span<const std::string> names);

// The index key of a package: "<ecosystem name>:<normalised name>" (EcosystemName and
// NormalizeName of advisories/versions/ecosystem.h), e.g. "Go:golang.org/x/net",
// "PyPI:django", "Maven:org.apache.logging.log4j:log4j-core". Empty when the ecosystem is
// unknown.
std::string PackageKeyOf(std::string_view osv_ecosystem, std::string_view name);
// The index key of a package URL (any version and qualifiers ignored), same form as above;
// empty when the purl does not parse or its type maps to no ecosystem.
std::string PackageKeyOfPurl(std::string_view purl);
// The CPE index key: "vendor:product", lower-case, spaces as "_"; empty when either is
// empty or "*".
std::string CpeKeyOf(std::string_view vendor, std::string_view product);

// What changed for one vulnerability in an Upsert.
struct VulnerabilityChange {
  enum Kind : uint32_t {
    kNew = 1,          // a vulnerability that did not exist (and is not withdrawn)
    kRange = 2,        // what it affects changed (range, versions, packages, status)
    kFix = 4,          // its fixed versions changed
    kWithdrawn = 8,    // it became withdrawn (or all its records were dropped)
    kReinstated = 16,  // it was withdrawn and is not any more
    kMerged = 32,      // it was merged with, or split from, other vulnerabilities
  };
  std::string id;  // merged id after the upsert (the old id when the vulnerability is gone)
  uint32_t kinds = 0;
  // Merged ids that existed before and do not after, folded into or split into this one.
  std::vector<std::string> replaces;
  // Package and CPE keys whose matches may differ, before or after (sorted, unique).
  std::vector<std::string> package_keys;
  std::vector<std::string> cpe_keys;
};

struct ChangeSet {
  enum class Outcome { kInserted, kReplaced, kStale };
  // kStale: a document with the same (format, id) and a later `modified` is already stored;
  // nothing changed.
  Outcome outcome = Outcome::kInserted;
  std::vector<VulnerabilityChange> changes;  // sorted by id
  // Union of the changes' keys (sorted, unique): the keys whose holders must be re-matched.
  std::vector<std::string> package_keys;
  std::vector<std::string> cpe_keys;

  bool empty() const { return changes.empty(); }
  // Whether `id` (a merged id, current or replaced) is one this change set is about.
  bool Names(std::string_view id) const;
};

// One affected entry under an index key, with what the matcher needs alongside it.
struct IndexEntry {
  const Vulnerability* vulnerability = nullptr;
  const SourceRecord* source = nullptr;
  const Affected* affected = nullptr;
  // Ecosystem release from the OSV ecosystem string ("Debian:12" -> "12"), or empty; the
  // matcher compares it with a purl's distro qualifier.
  std::string_view release;
};

class VulnerabilityDatabase {
 public:
  VulnerabilityDatabase();
  ~VulnerabilityDatabase();
  VulnerabilityDatabase(const VulnerabilityDatabase&) = delete;
  VulnerabilityDatabase& operator=(const VulnerabilityDatabase&) = delete;

  // Stores `document`, replacing a stored document of the same format and id when
  // `document.modified` is later than or equal to the stored one's (else outcome kStale and
  // no change). Re-merges the vulnerabilities its old and new records belong to and returns
  // what changed. Errors: InvalidArgument when the document has no id, a record has no id,
  // or `modified` is not RFC 3339. Exclusive lock.
  Result<ChangeSet> Upsert(Document document);

  // A consistent read view. Holds the shared lock until destroyed: do not call Upsert on
  // the same thread while a Reader lives. Pointers and views it returns live as long as it.
  class Reader {
   public:
    // Affected entries of active (non-withdrawn) records indexed under `package_key`.
    std::span<const IndexEntry> ByPackage(std::string_view package_key) const;
    // Affected entries of active records indexed under a CPE key ("vendor:product").
    std::span<const IndexEntry> ByCpe(std::string_view cpe_key) const;
    // The vulnerability with merged id, record id or alias `name`; nullptr if none.
    const Vulnerability* Find(std::string_view name) const;
    // Every vulnerability (withdrawn included), in no particular order.
    std::vector<const Vulnerability*> All() const;
    size_t document_count() const;
    size_t record_count() const;
    size_t vulnerability_count() const;

   private:
    friend class VulnerabilityDatabase;
    explicit Reader(const VulnerabilityDatabase& db);
    const VulnerabilityDatabase* db_;
    std::shared_lock<std::shared_mutex> lock_;
  };
  Reader Read() const { return Reader(*this); }

 private:
  struct State;
  mutable std::shared_mutex mu_;
  std::unique_ptr<State> state_;
};

}  // namespace aiip::advisories
