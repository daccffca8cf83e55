// TaxiiService: the incident clearinghouse as a TAXII 2.1 server (doc/taxii.md).
//
// What is published: the STIX 2.1 objects of each report's SANITISED form
// (incidents::stix::ReportToBundle of what every reader of the API sees), never the original.
// They are materialised in the store (taxii_objects, migration 0010) the first time a TAXII
// request finds a report not yet published ("sync"), with a date_added taken under a lock
// row so that date_added order is commit order on every node sharing the database. The
// node's shared definitions (its identity, its STIX extension definition and the five TLP
// 2.0 marking definitions) are published once, independent of any report, so that they
// reveal nothing about which reports exist.
//
// Collections (per caller): "incidents" (every report the caller may read), "tlp-clear",
// "tlp-green", "tlp-amber", "tlp-amber-strict", "tlp-red" (the reports of that TLP level the
// caller may read) and "group-<id>" for each sharing group the caller's organisation is a
// member of (the reports restricted to that group that the caller may read). An object is in
// a collection only if its report is, and the caller may read the report
// (IncidentService::Readable: the API's rules); otherwise it does not exist (NotFound). The
// shared definitions are in every collection.
//
// Pagination is keyset over (date_added, object id, version) with stateless `next` cursors
// (protocol.h) under an HMAC key kept in the store, so a cursor survives restarts and works
// on every node of the database. POSTed envelopes become reports through
// IncidentService::Submit (STIX); their status resources are stored. Thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "incidentsnet/service.h"
#include "registry/registry.h"
#include "store/store.h"
#include "taxii/protocol.h"

namespace aiip::taxii {

struct TaxiiOptions {
  std::string api_root = "aiip";  // the one API root: /taxii2/<api_root>/
  std::string title = "AIIP incident clearinghouse";
  size_t max_content_length = 1 << 20;  // the node's request body limit
};

// One object as a collection lists it.
struct Entry {
  std::string id;
  std::string type;
  std::string spec_version;
  Timestamp version;
  Timestamp date_added;
  std::string body;  // the STIX object, serialised JSON
};

struct EntryPage {
  std::vector<Entry> entries;
  bool more = false;
  std::optional<std::string> next;  // set iff more
};

class TaxiiService {
 public:
  // `store` and `incidents` must outlive the service.
  TaxiiService(store::Store& store, incidentsnet::IncidentService& incidents, const Clock& clock,
               Random& random, TaxiiOptions options = {});

  // Creates the cursor key if the database has none, publishes the shared definitions and
  // every report not yet published. Call once before serving.
  Status Load();

  const TaxiiOptions& options() const { return options_; }

  // The collections the caller has, as TAXII collection resources.
  Result<std::vector<boost::json::object>> Collections(const registry::Actor& actor) const;
  // One collection resource; NotFound if the caller has no such collection.
  Result<boost::json::object> Collection(const registry::Actor& actor, std::string_view id) const;

  // The entries of a collection that pass `query`, one page. With `object_id`, only that
  // object's versions (the object and versions endpoints: NotFound if the caller sees no
  // version of it). `scope` binds the cursor (the request path). Publishes pending reports
  // first. Errors: NotFound (collection, object), InvalidArgument "invalid-cursor" at "next",
  // the store's.
  Result<EntryPage> List(const registry::Actor& actor, std::string_view collection, const Query& query,
                         std::string_view scope, std::optional<std::string_view> object_id = std::nullopt);

  // Adds the envelope `body` to a collection: its objects, as one STIX bundle, are submitted
  // as one incident report (IncidentService::Submit). The report must belong in the
  // collection (its TLP for a tlp-* collection; the group for a group-* one). Returns the
  // stored status resource: every object a success, or every object a failure with the
  // reason. Errors (no status is stored): the envelope's (InvalidArgument with a JSON
  // Pointer), NotFound (collection), the store's.
  Result<boost::json::object> Add(const registry::Actor& actor, std::string_view collection,
                                  std::string_view body);

  // A status resource; NotFound unless the caller's organisation posted it.
  Result<boost::json::object> GetStatus(const registry::Actor& actor, std::string_view id) const;

  // Publishes every report not yet published (a no-op when there is none).
  Status Sync();

 private:
  struct CollectionSpec;
  Result<CollectionSpec> FindCollection(const registry::Actor& actor, std::string_view id) const;
  Result<std::string> CursorKey() const;
  Status PublishShared();

  store::Store& store_;
  incidentsnet::IncidentService& incidents_;
  const Clock& clock_;
  Random& random_;
  const TaxiiOptions options_;
  std::vector<boost::json::object> shared_;  // the shared definitions
  std::set<std::string, std::less<>> shared_ids_;
  mutable std::mutex key_mu_;  // guards cursor_key_ (set by Load)
  std::string cursor_key_;
};

}  // namespace aiip::taxii
