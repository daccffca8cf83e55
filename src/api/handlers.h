// Registration functions of the handler files; api.cc calls them all.
#pragma once

#include "api/api.h"

namespace aiip::api {
void RegisterSystemRoutes(http::Router& router, ApiContext& context);
void RegisterRegistryRoutes(http::Router& router, ApiContext& context);
void RegisterAuditRoutes(http::Router& router, ApiContext& context);
void RegisterNotifyRoutes(http::Router& router, ApiContext& context);
void RegisterVulnerabilityRoutes(http::Router& router, ApiContext& context);
void RegisterIncidentRoutes(http::Router& router, ApiContext& context);
void RegisterResponseRoutes(http::Router& router, ApiContext& context);
void RegisterLegalRoutes(http::Router& router, ApiContext& context);
void RegisterTaxiiRoutes(http::Router& router, ApiContext& context);
void RegisterMailRoutes(http::Router& router, ApiContext& context);
}  // namespace aiip::api
