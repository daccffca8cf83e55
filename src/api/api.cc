#include "api/api.h"

#include "api/handlers.h"
#include "common/embedded.h"

namespace aiip::api {
namespace openapi {
extern const EmbeddedFile kFiles[];
extern const std::size_t kFileCount;
}  // namespace openapi

std::string_view OpenApiDocument() { return openapi::kFiles[0].contents; }

void RegisterRoutes(http::Router& router, ApiContext& context) {
  RegisterSystemRoutes(router, context);
  RegisterRegistryRoutes(router, context);
  RegisterAuditRoutes(router, context);
  RegisterNotifyRoutes(router, context);
  RegisterVulnerabilityRoutes(router, context);
}

}  // namespace aiip::api
