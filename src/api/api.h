// The HTTP API of an AIIP node: every route under /api/v1, plus /metrics. Handlers are
// transport-free functions from Request to Response: they parse and check the request,
// call the registry or the audit log, and render JSON or an RFC 9457 problem. Each route
// declares whether it needs a caller identity and which roles may call it; the wrapper in
// routes.h enforces both before the handler runs.
#pragma once

#include <string>

#include "audit/log.h"
#include "common/clock.h"
#include "http/metrics.h"
#include "http/router.h"
#include "notify/event_log.h"
#include "notify/stream_hub.h"
#include "registry/registry.h"
#include "store/store.h"

namespace aiip::vulnerabilities {
class VulnerabilityService;
}  // namespace aiip::vulnerabilities
namespace aiip::legalnet {
class LegalNetworkService;
}  // namespace aiip::legalnet
namespace aiip::incidentsnet {
class IncidentService;
}  // namespace aiip::incidentsnet
namespace aiip::responsenet {
class ResponseService;
}  // namespace aiip::responsenet
namespace aiip::taxii {
class TaxiiService;
}  // namespace aiip::taxii

namespace aiip::api {

struct ApiContext {
  store::Store& store;
  registry::Registry& registry;
  audit::AuditLog& audit;
  metrics::Registry& metrics;
  const Clock& clock;
  std::string version;  // of the aiipd binary
  // Appends an audit entry inside a write (routes that write outside a service).
  registry::AuditAppend append_audit;
  // Engines and services; routes of an absent one are not registered.
  notify::EventLog* events = nullptr;
  notify::StreamHub* hub = nullptr;
  vulnerabilities::VulnerabilityService* vulnerabilities = nullptr;
  bool webhook_allow_http = false;  // accept http:// webhook URLs (tests, closed networks)
  responsenet::ResponseService* response = nullptr;
  legalnet::LegalNetworkService* legalnet = nullptr;  // the legal cooperation network
  incidentsnet::IncidentService* incidents = nullptr;  // the incident clearinghouse
  taxii::TaxiiService* taxii = nullptr;                // the TAXII 2.1 server under /taxii2/ (doc/taxii.md)
  bool mail_enabled = false;  // an SMTP relay is configured (mail recipients' deliveries go out)
};

// Registers every route on `router`. `context` must outlive the router.
void RegisterRoutes(http::Router& router, ApiContext& context);

// The OpenAPI 3.1 document served at /api/v1/openapi.json: openapi.json merged with the
// fragments under openapi/ (one per area), built once. Thread-safe.
std::string_view OpenApiDocument();

}  // namespace aiip::api
