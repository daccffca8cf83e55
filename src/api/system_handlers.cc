// Routes about the node itself: health, version, metrics and the OpenAPI document.
#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/handlers.h"
#include "api/routes.h"
#include "http/problem.h"

namespace aiip::api {
namespace bj = boost::json;
using http::Request;
using http::Response;

namespace {
// Appends the store's cumulative counters in the Prometheus text format.
void RenderStoreTimings(const store::StoreTimings& t, std::string& out) {
  auto counter = [&out](std::string_view name, std::string_view help, double value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, value);
  };
  counter("aiip_db_reads_total", "Read transactions run.", static_cast<double>(t.reads));
  counter("aiip_db_read_seconds_total", "Time spent in read transactions.", static_cast<double>(t.read_us) / 1e6);
  counter("aiip_db_writes_total", "Write calls (enqueue to durable).", static_cast<double>(t.writes));
  counter("aiip_db_write_seconds_total", "Time from enqueue to durable, summed over writes.",
          static_cast<double>(t.write_us) / 1e6);
  counter("aiip_db_write_failures_total", "Writes that did not commit.", static_cast<double>(t.write_failures));
  counter("aiip_db_commits_total", "Group-commit batches committed.", static_cast<double>(t.commits));
  counter("aiip_db_commit_seconds_total", "Time spent in COMMIT.", static_cast<double>(t.commit_us) / 1e6);
}
}  // namespace

void RegisterSystemRoutes(http::Router& router, ApiContext& ctx) {
  AddPublic(router, "GET", "/api/v1/health", "health", [&ctx](Request&) -> Result<Response> {
    Status db = ctx.store.Read([](store::Tx& tx) { return StatusOf(tx.Query("SELECT 1")); });
    if (!db.ok()) {
      return http::JsonResponse(503, bj::object{{"status", "unavailable"}, {"database", db.detail()}});
    }
    return http::JsonResponse(200, bj::object{{"status", "ok"}, {"database", "ok"}});
  });
  AddPublic(router, "GET", "/api/v1/version", "version", [&ctx](Request&) -> Result<Response> {
    return http::JsonResponse(
        200, bj::object{{"version", ctx.version},
                        {"api", "v1"},
                        {"schema_version", ctx.store.SchemaVersion()},
                        {"database", ctx.store.dialect() == store::Dialect::kSqlite ? "sqlite" : "postgresql"}});
  });
  AddPublic(router, "GET", "/api/v1/openapi.json", "openapi", [](Request&) -> Result<Response> {
    Response response;
    response.body = std::string(OpenApiDocument());
    return response;
  });
  AddPublic(router, "GET", "/metrics", "metrics", [&ctx](Request&) -> Result<Response> {
    Response response;
    response.content_type = std::string(metrics::kContentType);
    response.body = ctx.metrics.Render();
    RenderStoreTimings(ctx.store.Timings(), response.body);
    return response;
  });
}

}  // namespace aiip::api
