// IncidentService: the incident clearinghouse as a node runs it — confidential reports,
// sanitised before anyone but the reporter sees them, distributed under the TLP 2.0,
// sharing-group and national-only rules, correlated through their indicators, pushed as
// early warnings to subscribers, and aggregated into statistics that expose no one.
//
// A submission (native JSON or a STIX 2.1 bundle) is validated (incidents/report,
// incidents/stix), sanitised with the node's rules merged with the report's own
// (incidents/sanitiser), and stored in ONE Store::Write with the original, the sanitised
// report, the redaction log, its indicators, its audit entry and one `incident.warning`
// event per organisation whose subscription matches AND who may read it
// (incidents/access). The in-memory correlation index (incidents/correlation) is updated
// after the commit; Load rebuilds it from the stored indicators.
//
// Reads: the reporting organisation sees original + sanitised + redaction log; anyone else
// only the sanitised report, and only if the access rules admit them — otherwise the
// report does not exist for them (NotFound, never PermissionDenied). Sharing-group
// membership is read from the store for every decision, so a change applies at once.
// Thread-safe. Rules: doc/incidents_node.md.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "incidents/access/access.h"
#include "incidents/correlation/correlation.h"
#include "incidents/sanitiser/sanitiser.h"
#include "incidents/statistics/statistics.h"
#include "notify/event_log.h"
#include "registry/registry.h"
#include "store/store.h"

namespace aiip::incidentsnet {

struct IncidentOptions {
  incidents::sanitiser::Rules rules;  // the node's sanitiser rules (engine defaults)
  uint32_t statistics_k = 5;          // organisations a published statistics cell needs
  uint32_t correlation_limit = 100;   // over-correlation cap (MISP's default)
};

struct ReportFilter {
  std::optional<std::string> sector;       // sector code
  std::optional<std::string> attack_type;  // "class" (any of its types) or "class:type"
  std::optional<std::string> tlp;          // exact label
  bool own = false;                        // only the caller's organisation's reports
};

struct StatisticsQuery {
  std::vector<std::string> dimensions{"sector"};  // 1..4 of sector, region, attack_type, month
  std::string currency = "EUR";                   // losses in other currencies are not summed
};

class IncidentService {
 public:
  // Everything passed must outlive the service. `events_committed` runs after each Write
  // that appended events (the node pokes the stream hub and webhook dispatcher).
  IncidentService(store::Store& store, notify::EventLog& events, registry::AuditAppend audit,
                  const Clock& clock, Random& random, std::function<void()> events_committed,
                  IncidentOptions options = {});
  ~IncidentService();

  // Rebuilds the correlation index from the stored indicators. Call once before serving.
  Status Load();

  // Submits a report: `body` is a native JSON report (optionally with a "sanitiser_rules"
  // member: rules that only tighten the node's) or, with `stix`, a STIX 2.1 bundle holding
  // one incident. Answers {"id", "tlp", "created_at", "version", "redactions", "notes"}.
  // Errors: InvalidArgument naming the field (JSON Pointer into the body); an unknown
  // sharing group or recipient; FailedPrecondition if the caller's organisation has no State;
  // the store's.
  Result<boost::json::object> Submit(const registry::Actor& actor, std::string_view body, bool stix);

  // One report as the caller may see it; NotFound if it may not.
  Result<boost::json::object> Get(const registry::Actor& actor, std::string_view id) const;
  // The reports the caller may read, by id, with a summary each.
  Result<registry::Page<boost::json::object>> List(const registry::Actor& actor, const ReportFilter& filter,
                                                   const registry::PageRequest& page) const;
  // Per indicator of the (sanitised) report, the other reports the caller may read that
  // hold the same value, a value inside it or a network around it.
  Result<boost::json::object> Correlations(const registry::Actor& actor, std::string_view id) const;
  // The sanitised report as a STIX 2.1 bundle (stix::ReportToBundle).
  Result<boost::json::object> Bundle(const registry::Actor& actor, std::string_view id) const;

  // Public statistics over every report not kept national: the table with suppression
  // applied (k = options.statistics_k). Errors name "/dimensions" or "/currency".
  Result<incidents::statistics::Table> Statistics(const StatisticsQuery& query) const;
  // The table as JSON: suppressed cells carry no values; organisation counts never appear.
  static boost::json::object TableToJson(const incidents::statistics::Table& table,
                                         std::string_view currency);

  // Sharing groups. Body: {"id" (a-z 0-9 _ -, 1..64), "name"?, "description"?,
  // "members"? [organisation ids]}. The creating organisation owns the group and is a member.
  Result<boost::json::object> CreateGroup(const registry::Actor& actor, const boost::json::object& body);
  // Groups the caller's organisation owns or belongs to (admins: all).
  Result<std::vector<boost::json::object>> ListGroups(const registry::Actor& actor) const;
  Result<boost::json::object> GetGroup(const registry::Actor& actor, std::string_view id) const;
  // Body: {"organisation"}. Only the owner organisation or an admin.
  Result<boost::json::object> AddGroupMember(const registry::Actor& actor, std::string_view group,
                                             const boost::json::object& body);
  Status RemoveGroupMember(const registry::Actor& actor, std::string_view group,
                           std::string_view organisation);
  // Refused (kConflict) while a report names the group.
  Status DeleteGroup(const registry::Actor& actor, std::string_view group);

  // Early-warning subscriptions. Body: {"sectors"?, "regions"?, "attack_types"?,
  // "products"?, "indicator_types"? (arrays; empty or absent = any), "channels"? (default
  // ["stream", "webhook"]; also "email"), "organisation"? (admins only)}.
  Result<boost::json::object> CreateSubscription(const registry::Actor& actor,
                                                 const boost::json::object& body);
  Result<std::vector<boost::json::object>> ListSubscriptions(const registry::Actor& actor,
                                                             std::optional<std::string> organisation) const;
  Status DeleteSubscription(const registry::Actor& actor, std::string_view id);

  // Counts for metrics and tests.
  incidents::correlation::IndexStats CorrelationStats() const;

  // For the TAXII server (src/taxii): which of `reports` the caller may read — its own and
  // those the access rules admit — read from the store (so reports another node on the same
  // database accepted count too). Ids of no report are left out. Thread-safe.
  Result<std::set<std::string, std::less<>>> Readable(const registry::Actor& actor,
                                                      const std::vector<std::string>& reports) const;

 private:
  struct Stored;
  Result<Stored> ReadReport(std::string_view id) const;
  Result<incidents::access::MapDirectory> LoadDirectory() const;
  Status CheckManages(const registry::Actor& actor, std::string_view organisation) const;
  void Index(const std::string& id, const incidents::access::ReportAccess& access,
             const std::vector<incidents::correlation::Indicator>& indicators);

  store::Store& store_;
  notify::EventLog& events_;
  registry::AuditAppend audit_;
  const Clock& clock_;
  Random& random_;
  std::function<void()> events_committed_;
  const IncidentOptions options_;

  mutable std::shared_mutex mu_;  // guards index_ and access_
  incidents::correlation::Index index_;
  std::map<std::string, incidents::access::ReportAccess, std::less<>> access_;
};

// The reader the access rules see for `actor`: its State, whether its organisation is the
// Agency, and whether it is a designated (24/7, role "poc-247") contact for TLP:RED.
incidents::access::Reader ReaderOf(const registry::Actor& actor);

}  // namespace aiip::incidentsnet
