// VulnerabilityService: the vulnerability clearinghouse as a node runs it — the advisories
// it has ingested, the inventories organisations registered, their subscriptions, and the
// alerts that flow when an advisory affects what someone runs.
//
// It keeps the merged VulnerabilityDatabase and the InventoryIndex of the matcher
// (src/advisories/matcher) in memory and everything else in the Store, so a restart
// rebuilds the memory from the stored documents and inventories (Load). An ingest parses
// the document, updates the database, asks the index which inventories hold an affected
// component (no rescanning), diffs their findings with those they were last told about
// (table inventory_findings) and, in ONE Store::Write, stores the document, its audit
// entry, the new finding state and one `vulnerability.alert` event per inventory whose
// subscription wants it — so an alert exists exactly when its cause was committed.
// Ingests and inventory changes are serialised by one mutex (the index has one writer);
// searches and finding listings read concurrently. Thread-safe. Rules:
// doc/vulnerabilities.md.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "advisories/matcher/database.h"
#include "advisories/matcher/matcher.h"
#include "common/clock.h"
#include "common/embedded.h"
#include "common/random.h"
#include "common/status.h"
#include "notify/event_log.h"
#include "registry/registry.h"
#include "store/store.h"

namespace aiip::vulnerabilities {

struct IngestResult {
  std::string format;   // "osv", "csaf", "cve5"
  std::string id;       // document id
  std::string outcome;  // "inserted", "replaced", "unchanged" (same bytes) or "stale"
  std::string digest_check;
  std::vector<std::string> vulnerabilities;  // merged ids its records belong to
  size_t records = 0;
  size_t changes = 0;  // vulnerabilities whose matching changed
  size_t alerts = 0;   // alert events written

  boost::json::object ToJson() const;
};

struct VulnerabilitySearch {
  std::optional<std::string> name;          // id or alias, exact
  std::optional<std::string> package;       // a purl (version ignored) or a package key
  std::optional<std::string> min_severity;  // none|low|medium|high|critical
  bool include_withdrawn = false;
  size_t limit = 100;
  std::optional<std::string> after;  // merged id to continue after
};

class VulnerabilityService {
 public:
  // Everything passed must outlive the service. `events_committed` runs after each Write
  // that appended events (the node pokes the stream hub and webhook dispatcher).
  VulnerabilityService(store::Store& store, notify::EventLog& events, registry::AuditAppend audit,
                       const Clock& clock, Random& random, std::function<void()> events_committed);
  ~VulnerabilityService();

  // Rebuilds the in-memory database and index from the store. Call once before serving.
  // Errors: the store's; a stored document or inventory that no longer parses is logged and
  // skipped (it was valid when accepted), not fatal.
  Status Load();

  // Ingests one advisory document (OSV, CSAF 2.0 or CVE JSON 5, detected). Errors: the
  // parser's InvalidArgument naming the JSON Pointer; the store's.
  Result<IngestResult> Ingest(const registry::Actor& actor, std::string_view bytes, std::string source_name,
                              std::optional<std::string> published_sha512);

  // One document of a batch. `bytes` must outlive the call.
  struct IngestInput {
    std::string_view bytes;
    std::string source_name;
    std::optional<std::string> published_sha512;
  };
  // Ingests several documents in order, all stored in ONE transaction: one result per input
  // (a document that does not parse is its own error and never stops the others). The outer
  // error is the store's: then nothing of the batch was stored.
  Result<std::vector<Result<IngestResult>>> IngestBatch(const registry::Actor& actor,
                                                        std::span<const IngestInput> inputs);

  // Vulnerabilities, as JSON (doc/vulnerabilities.md). Search pages by merged id.
  Result<std::pair<std::vector<boost::json::object>, std::optional<std::string>>> Search(
      const VulnerabilitySearch& search) const;
  Result<boost::json::object> GetVulnerability(std::string_view name) const;

  // Inventories. Body: {"name", "organisation"? (admins only), "cpe_matching"?, and one of
  // "document" (CycloneDX or SPDX JSON object), "purls" or "cpes" (arrays of strings)}.
  // The answer carries the inventory, its parse warnings and its current findings.
  Result<boost::json::object> CreateInventory(const registry::Actor& actor, const boost::json::object& body);
  // Replaces the content (and name/cpe_matching) of an inventory; body as for create plus
  // optional "version" for optimistic concurrency (stale -> kConflict).
  Result<boost::json::object> ReplaceInventory(const registry::Actor& actor, std::string_view id,
                                               const boost::json::object& body);
  Status DeleteInventory(const registry::Actor& actor, std::string_view id);
  Result<std::vector<boost::json::object>> ListInventories(const registry::Actor& actor,
                                                           std::optional<std::string> organisation) const;
  Result<boost::json::object> GetInventory(const registry::Actor& actor, std::string_view id) const;
  // The inventory's findings now (a fresh scan), with suppressed ones and notes.
  Result<boost::json::object> Findings(const registry::Actor& actor, std::string_view id) const;

  // Subscriptions. Body: {"inventory"? (id; absent = all of the organisation's),
  // "min_severity"? (default "none"), "channels"? (default ["stream", "webhook"]; also
  // "email"), "organisation"? (admins only)}.
  Result<boost::json::object> CreateSubscription(const registry::Actor& actor,
                                                 const boost::json::object& body);
  Result<std::vector<boost::json::object>> ListSubscriptions(const registry::Actor& actor,
                                                             std::optional<std::string> organisation) const;
  Status DeleteSubscription(const registry::Actor& actor, std::string_view id);

  // Loads demonstration data (data/demo/README.md): ingests every advisory among `files`
  // (a "<name>.sha512" file is the published digest of "<name>"), then creates the
  // subscriptions and inventories `manifest` lists for organisations found by name — each
  // only if the organisation has no inventory of that name (no subscription at all),
  // so a restart loads nothing twice. Returns the number of objects created.
  Result<int> LoadDemo(std::span<const EmbeddedFile> files, std::string_view manifest);

  // Counts for /metrics and health: documents, vulnerabilities, inventories.
  struct Counts {
    size_t documents = 0, records = 0, vulnerabilities = 0, inventories = 0;
  };
  Counts counts() const;

 private:
  struct StoredInventory;
  Status CheckManages(const registry::Actor& actor, std::string_view organisation) const;
  Result<StoredInventory> ReadInventoryRow(std::string_view id) const;
  Result<boost::json::object> PutInventory(const registry::Actor& actor, std::optional<std::string> id,
                                           const boost::json::object& body);
  Status RebuildDatabase();

  store::Store& store_;
  notify::EventLog& events_;
  registry::AuditAppend audit_;
  const Clock& clock_;
  Random& random_;
  std::function<void()> events_committed_;

  // Replaced whole only by RebuildDatabase; readers hold their own reference.
  std::atomic<std::shared_ptr<advisories::VulnerabilityDatabase>> db_;
  std::mutex write_mu_;  // serialises ingests and inventory changes (index writer)
  advisories::InventoryIndex index_;
};

}  // namespace aiip::vulnerabilities
