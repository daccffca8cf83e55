#include "api/api.h"

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>

#include "api/handlers.h"
#include "common/embedded.h"

namespace aiip::api {
namespace openapi {
extern const EmbeddedFile kFiles[];
extern const std::size_t kFileCount;
}  // namespace openapi

namespace {

// The base document with every fragment's paths and schemas added. The files are compiled
// in, so a malformed one or a name defined twice is a build mistake: it aborts at the first
// request for the document, which api_test makes.
std::string MergeOpenApi() {
  boost::json::value document = boost::json::parse(openapi::kFiles[0].contents);
  boost::json::object& paths = document.at("paths").as_object();
  boost::json::object& schemas = document.at("components").at("schemas").as_object();
  for (std::size_t i = 1; i < openapi::kFileCount; ++i) {
    boost::json::value fragment = boost::json::parse(openapi::kFiles[i].contents);
    for (auto& [path, item] : fragment.at("paths").as_object()) {
      if (!paths.emplace(path, item).second) {
        std::fprintf(stderr, "fatal: OpenAPI path %s defined twice\n", std::string(path).c_str());
        std::abort();
      }
    }
    for (auto& [name, schema] : fragment.at("components").at("schemas").as_object()) {
      if (!schemas.emplace(name, schema).second) {
        std::fprintf(stderr, "fatal: OpenAPI schema %s defined twice\n", std::string(name).c_str());
        std::abort();
      }
    }
  }
  return boost::json::serialize(document);
}

}  // namespace

std::string_view OpenApiDocument() {
  static const std::string document = MergeOpenApi();
  return document;
}

void RegisterRoutes(http::Router& router, ApiContext& context) {
  RegisterSystemRoutes(router, context);
  RegisterRegistryRoutes(router, context);
  RegisterAuditRoutes(router, context);
  RegisterNotifyRoutes(router, context);
  RegisterMailRoutes(router, context);
  RegisterVulnerabilityRoutes(router, context);
  RegisterLegalRoutes(router, context);
  RegisterIncidentRoutes(router, context);
  RegisterResponseRoutes(router, context);
  RegisterTaxiiRoutes(router, context);
}

}  // namespace aiip::api
