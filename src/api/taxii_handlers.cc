// Routes of the TAXII 2.1 server under /taxii2/ (doc/taxii.md): discovery (public), the API
// root, collections, objects (GET with filters and `next` cursors, POST of envelopes),
// one object, its versions, the manifest and status resources — over taxii::TaxiiService.
//
// TAXII has its own rules at the HTTP boundary, so these routes do not use AddAuthenticated:
// every answer, errors included, is application/taxii+json;version=2.1 (errors are TAXII
// error message resources, not problem+json); an Accept header that does not admit that
// type is 406 and a POST body of another type 415. Authentication is the API's bearer token.
#include <boost/json.hpp>

#include "api/handlers.h"
#include "api/routes.h"
#include "http/problem.h"
#include "taxii/service.h"

namespace aiip::api {
namespace bj = boost::json;
using http::Request;
using http::Response;
using registry::Actor;

namespace {

Response TaxiiResponse(int status, std::string body) {
  Response response;
  response.status = status;
  response.content_type = std::string(taxii::kTaxiiMediaType);
  response.body = std::move(body);
  return response;
}

Response TaxiiError(const Status& status, int http_status) {
  Response response = TaxiiResponse(http_status, bj::serialize(taxii::ErrorResource(status, http_status)));
  if (http_status == 401) response.SetHeader("www-authenticate", "Bearer");
  return response;
}

Response TaxiiError(const Status& status) { return TaxiiError(status, http::HttpStatusFor(status.code())); }

using TaxiiHandler = std::function<Result<Response>(Request&, const Actor*)>;

// Registers a TAXII route: content negotiation, then (unless public) the bearer token and the
// roles, then the handler; every failure is a TAXII error message resource.
void AddTaxii(http::Router& router, registry::Registry& registry, std::string method, std::string pattern,
              std::string name, bool authenticated, std::vector<std::string> roles, TaxiiHandler handler) {
  http::RouteInfo info{std::move(name), authenticated, roles};
  router.Add(
      std::move(method), std::move(pattern), std::move(info),
      [&registry, authenticated, roles = std::move(roles), handler = std::move(handler)](Request& request) {
        if (!taxii::AcceptsTaxii(request.Header("accept"))) {
          return TaxiiError(Status(Code::kInvalidArgument, "not-acceptable",
                                   "this server answers only " + std::string(taxii::kTaxiiMediaType)),
                            406);
        }
        std::optional<Actor> actor;
        if (authenticated) {
          auto header = request.Header("authorization");
          if (!header) {
            return TaxiiError(
                Unauthenticated("this resource needs an 'Authorization: Bearer <token>' header"));
          }
          std::string_view value = *header;
          if (value.size() < 7 || !(value.substr(0, 7) == "Bearer " || value.substr(0, 7) == "bearer ")) {
            return TaxiiError(Unauthenticated("the Authorization header must use the Bearer scheme"));
          }
          auto found = registry.Authenticate(value.substr(7));
          if (!found) return TaxiiError(found.error());
          if (!roles.empty() && std::none_of(roles.begin(), roles.end(),
                                             [&](const std::string& r) { return found->HasRole(r); })) {
            std::string list;
            for (const auto& role : roles) list += (list.empty() ? "" : ", ") + role;
            return TaxiiError(PermissionDenied("this resource needs one of the roles: " + list));
          }
          actor = std::move(*found);
        }
        Result<Response> result = handler(request, actor ? &*actor : nullptr);
        if (!result) return TaxiiError(result.error());
        return std::move(*result);
      });
}

// The envelope, manifest or versions body of a page, with the date_added headers.
Response PageResponse(const taxii::EntryPage& page, const std::string& members) {
  std::string body = "{\"more\":" + std::string(page.more ? "true" : "false");
  if (page.next) body += ",\"next\":" + bj::serialize(bj::value(*page.next));
  if (!page.entries.empty()) body += "," + members;
  body += "}";
  Response response = TaxiiResponse(200, std::move(body));
  if (!page.entries.empty()) {
    response.SetHeader("x-taxii-date-added-first", taxii::FormatTimestamp(page.entries.front().date_added));
    response.SetHeader("x-taxii-date-added-last", taxii::FormatTimestamp(page.entries.back().date_added));
  }
  return response;
}

Response EnvelopeResponse(const taxii::EntryPage& page) {
  std::string objects = "\"objects\":[";
  for (size_t i = 0; i < page.entries.size(); ++i) {
    if (i > 0) objects += ",";
    objects += page.entries[i].body;  // stored as serialised JSON by the service
  }
  return PageResponse(page, objects + "]");
}

Response ManifestResponse(const taxii::EntryPage& page) {
  bj::array records;
  for (const taxii::Entry& e : page.entries) {
    records.push_back(bj::object{{"id", e.id},
                                 {"date_added", taxii::FormatTimestamp(e.date_added)},
                                 {"version", taxii::FormatTimestamp(e.version)},
                                 {"media_type", taxii::kStixMediaType}});
  }
  return PageResponse(page, "\"objects\":" + bj::serialize(records));
}

Response VersionsResponse(const taxii::EntryPage& page) {
  bj::array versions;
  for (const taxii::Entry& e : page.entries) versions.emplace_back(taxii::FormatTimestamp(e.version));
  return PageResponse(page, "\"versions\":" + bj::serialize(versions));
}

// Host-relative URLs would be resolved against the discovery URL by clients; TAXII asks for
// URLs, so the API root is given absolute when the request names its host.
std::string ApiRootUrl(const Request& request, const taxii::TaxiiService& service) {
  const std::string path = "/taxii2/" + service.options().api_root + "/";
  auto host = request.Header("host");
  if (!host || host->empty() || host->find_first_of(" /\\@") != std::string_view::npos) return path;
  auto proto = request.Header("x-forwarded-proto");
  const std::string scheme = proto && *proto == "https" ? "https" : "http";
  return scheme + "://" + std::string(*host) + path;
}

}  // namespace

void RegisterTaxiiRoutes(http::Router& router, ApiContext& ctx) {
  if (ctx.taxii == nullptr) return;
  registry::Registry& reg = ctx.registry;
  taxii::TaxiiService& service = *ctx.taxii;
  const std::string root = "/taxii2/" + service.options().api_root;
  const std::string collection = root + "/collections/{collection}";
  const std::vector<std::string> any;
  const std::vector<std::string> reporters{"admin", "org-admin", "analyst", "reporter", "poc-247"};

  // Discovery is public: it names the server and its API root, nothing about any report.
  AddTaxii(router, reg, "GET", "/taxii2/", "taxii.discovery", false, any,
           [&service](Request& request, const Actor*) -> Result<Response> {
             const std::string url = ApiRootUrl(request, service);
             bj::object body{{"title", service.options().title},
                             {"description",
                              "TAXII 2.1 server of an AIIP node: sanitised incident reports as STIX "
                              "2.1, under the node's distribution rules."},
                             {"default", url},
                             {"api_roots", bj::array{bj::value(url)}}};
             return TaxiiResponse(200, bj::serialize(body));
           });
  AddTaxii(router, reg, "GET", root + "/", "taxii.api_root", true, any,
           [&service](Request&, const Actor*) -> Result<Response> {
             bj::object body{
                 {"title", service.options().title},
                 {"description", "Incident reports of the clearinghouse, by TLP level and sharing group."},
                 {"versions", bj::array{taxii::kTaxiiMediaType}},
                 {"max_content_length", service.options().max_content_length}};
             return TaxiiResponse(200, bj::serialize(body));
           });
  AddTaxii(router, reg, "GET", root + "/status/{status}/", "taxii.status", true, any,
           [&service](Request& request, const Actor* actor) -> Result<Response> {
             AIIP_ASSIGN_OR_RETURN(auto status, service.GetStatus(*actor, request.PathParam("status")));
             return TaxiiResponse(200, bj::serialize(status));
           });
  AddTaxii(router, reg, "GET", root + "/collections/", "taxii.collections", true, any,
           [&service](Request&, const Actor* actor) -> Result<Response> {
             AIIP_ASSIGN_OR_RETURN(auto collections, service.Collections(*actor));
             return TaxiiResponse(
                 200, bj::serialize(bj::object{{"collections", ObjectArray(std::move(collections))}}));
           });
  AddTaxii(router, reg, "GET", collection + "/", "taxii.collection", true, any,
           [&service](Request& request, const Actor* actor) -> Result<Response> {
             AIIP_ASSIGN_OR_RETURN(auto found, service.Collection(*actor, request.PathParam("collection")));
             return TaxiiResponse(200, bj::serialize(found));
           });
  AddTaxii(router, reg, "GET", collection + "/manifest/", "taxii.manifest", true, any,
           [&service](Request& request, const Actor* actor) -> Result<Response> {
             AIIP_ASSIGN_OR_RETURN(auto query, taxii::ParseQuery(request.query, taxii::Endpoint::kManifest));
             AIIP_ASSIGN_OR_RETURN(
                 auto page, service.List(*actor, request.PathParam("collection"), query, request.path));
             return ManifestResponse(page);
           });
  AddTaxii(router, reg, "GET", collection + "/objects/", "taxii.objects", true, any,
           [&service](Request& request, const Actor* actor) -> Result<Response> {
             AIIP_ASSIGN_OR_RETURN(auto query, taxii::ParseQuery(request.query, taxii::Endpoint::kObjects));
             AIIP_ASSIGN_OR_RETURN(
                 auto page, service.List(*actor, request.PathParam("collection"), query, request.path));
             return EnvelopeResponse(page);
           });
  AddTaxii(router, reg, "POST", collection + "/objects/", "taxii.objects_add", true, reporters,
           [&service](Request& request, const Actor* actor) -> Result<Response> {
             if (!taxii::IsTaxiiContentType(request.Header("content-type"))) {
               Response refused =
                   TaxiiError(Status(Code::kInvalidArgument, "unsupported-media-type",
                                     "the body must be " + std::string(taxii::kTaxiiMediaType)),
                              415);
               return refused;
             }
             AIIP_ASSIGN_OR_RETURN(auto status,
                                   service.Add(*actor, request.PathParam("collection"), request.body));
             return TaxiiResponse(202, bj::serialize(status));
           });
  AddTaxii(router, reg, "GET", collection + "/objects/{object}/", "taxii.object", true, any,
           [&service](Request& request, const Actor* actor) -> Result<Response> {
             AIIP_ASSIGN_OR_RETURN(auto query, taxii::ParseQuery(request.query, taxii::Endpoint::kObject));
             AIIP_ASSIGN_OR_RETURN(auto page, service.List(*actor, request.PathParam("collection"), query,
                                                           request.path, request.PathParam("object")));
             return EnvelopeResponse(page);
           });
  AddTaxii(router, reg, "GET", collection + "/objects/{object}/versions/", "taxii.versions", true, any,
           [&service](Request& request, const Actor* actor) -> Result<Response> {
             AIIP_ASSIGN_OR_RETURN(auto query, taxii::ParseQuery(request.query, taxii::Endpoint::kVersions));
             query.versions = taxii::VersionMatch{};
             query.versions.all = true;
             AIIP_ASSIGN_OR_RETURN(auto page, service.List(*actor, request.PathParam("collection"), query,
                                                           request.path, request.PathParam("object")));
             return VersionsResponse(page);
           });
}

}  // namespace aiip::api
