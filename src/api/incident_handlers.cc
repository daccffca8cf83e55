// Routes of the incident clearinghouse: report submission (native JSON or a STIX 2.1
// bundle), reads under the access rules, correlations, STIX export, public statistics,
// sharing groups and early-warning subscriptions (doc/incidents_node.md).
#include <boost/json.hpp>

#include "api/handlers.h"
#include "api/routes.h"
#include "http/problem.h"
#include "incidentsnet/service.h"

namespace aiip::api {
namespace bj = boost::json;
using http::JsonResponse;
using http::Request;
using http::Response;
using registry::Actor;

namespace {

std::string Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

std::string LowerAscii(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Whether the body is a STIX 2.1 bundle (application/stix+json, version 2.1 if given) or a
// native report (application/json, or no Content-Type).
Result<bool> IsStixBody(const Request& request) {
  auto type = request.Header("content-type");
  if (!type) return false;
  const std::string media = LowerAscii(Trim(type->substr(0, type->find(';'))));
  if (media == "application/json") return false;
  if (media == "application/stix+json") {
    for (size_t at = type->find(';'); at != std::string_view::npos;) {
      size_t end = type->find(';', at + 1);
      std::string parameter =
          LowerAscii(Trim(type->substr(at + 1, end == std::string_view::npos ? end : end - at - 1)));
      if (parameter.starts_with("version=") && Trim(parameter.substr(8)) != "2.1") {
        return Err(Status(Code::kInvalidArgument, "unsupported-media-type", "only STIX version 2.1 is read"));
      }
      at = end;
    }
    return true;
  }
  return Err(
      Status(Code::kInvalidArgument, "unsupported-media-type",
             "a report is application/json or application/stix+json;version=2.1, not '" + media + "'"));
}

std::vector<std::string> SplitCommas(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

void RegisterIncidentRoutes(http::Router& router, ApiContext& ctx) {
  if (ctx.incidents == nullptr) return;
  registry::Registry& reg = ctx.registry;
  incidentsnet::IncidentService& service = *ctx.incidents;
  const std::vector<std::string> any;
  const std::vector<std::string> reporters{"admin", "org-admin", "analyst", "reporter", "poc-247"};
  const std::vector<std::string> managers{"admin", "org-admin", "analyst"};
  const std::vector<std::string> subscribers{"admin", "org-admin", "analyst", "noc", "poc-247"};

  AddAuthenticated(router, reg, "POST", "/api/v1/incidents", "incidents.submit", reporters,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(bool stix, IsStixBody(request));
                     if (request.body.empty())
                       return Err(InvalidArgument("malformed-json", "the request needs a JSON body"));
                     AIIP_ASSIGN_OR_RETURN(auto submitted, service.Submit(actor, request.body, stix));
                     Response response = JsonResponse(201, submitted);
                     response.SetHeader("location",
                                        "/api/v1/incidents/" + std::string(submitted.at("id").as_string()));
                     return response;
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/incidents", "incidents.list", any,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     incidentsnet::ReportFilter filter;
                     AIIP_ASSIGN_OR_RETURN(filter.sector, QueryParam(request, "sector", 64));
                     AIIP_ASSIGN_OR_RETURN(filter.attack_type, QueryParam(request, "attack_type", 128));
                     AIIP_ASSIGN_OR_RETURN(filter.tlp, QueryParam(request, "tlp", 16));
                     auto own = request.Query("own");
                     filter.own = own && *own == "true";
                     AIIP_ASSIGN_OR_RETURN(auto page, ParsePage(request));
                     AIIP_ASSIGN_OR_RETURN(auto found, service.List(actor, filter, page));
                     return ListResponse(ObjectArray(std::move(found.items)), found.next_after);
                   });
  // Public: aggregates only, every cell with fewer than k reporting organisations suppressed.
  AddPublic(router, "GET", "/api/v1/incidents/statistics", "incidents.statistics",
            [&service](Request& request) -> Result<Response> {
              incidentsnet::StatisticsQuery query;
              AIIP_ASSIGN_OR_RETURN(auto dimensions, QueryParam(request, "dimensions", 128));
              if (dimensions) query.dimensions = SplitCommas(*dimensions);
              AIIP_ASSIGN_OR_RETURN(auto currency, QueryParam(request, "currency", 8));
              if (currency) query.currency = *currency;
              AIIP_ASSIGN_OR_RETURN(auto format, QueryParam(request, "format", 8));
              if (format && *format != "json" && *format != "csv") {
                return Err(InvalidArgument("invalid-value", "format is json or csv", "format"));
              }
              AIIP_ASSIGN_OR_RETURN(auto table, service.Statistics(query));
              if (format && *format == "csv") {
                Response response;
                response.status = 200;
                response.content_type = "text/csv; charset=utf-8; header=present";
                response.body = incidents::statistics::ToCsv(table);
                return response;
              }
              return JsonResponse(200, incidentsnet::IncidentService::TableToJson(table, query.currency));
            });
  AddAuthenticated(router, reg, "GET", "/api/v1/incidents/{id}", "incidents.get", any,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto report, service.Get(actor, request.PathParam("id")));
                     return JsonResponse(200, report);
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/incidents/{id}/correlations", "incidents.correlations", any,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto found, service.Correlations(actor, request.PathParam("id")));
                     return JsonResponse(200, found);
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/incidents/{id}/stix", "incidents.stix", any,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto bundle, service.Bundle(actor, request.PathParam("id")));
                     Response response = JsonResponse(200, bundle);
                     response.content_type = "application/stix+json;version=2.1";
                     return response;
                   });

  AddAuthenticated(router, reg, "POST", "/api/v1/sharing-groups", "sharing_groups.create", managers,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto group, service.CreateGroup(actor, body));
                     Response response = JsonResponse(201, group);
                     response.SetHeader("location",
                                        "/api/v1/sharing-groups/" + std::string(group.at("id").as_string()));
                     return response;
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/sharing-groups", "sharing_groups.list", any,
                   [&service](Request&, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto groups, service.ListGroups(actor));
                     return ListResponse(ObjectArray(std::move(groups)), std::nullopt);
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/sharing-groups/{id}", "sharing_groups.get", any,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto group, service.GetGroup(actor, request.PathParam("id")));
                     return JsonResponse(200, group);
                   });
  AddAuthenticated(router, reg, "DELETE", "/api/v1/sharing-groups/{id}", "sharing_groups.delete", managers,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_RETURN_IF_ERROR(service.DeleteGroup(actor, request.PathParam("id")));
                     return NoContent();
                   });
  AddAuthenticated(router, reg, "POST", "/api/v1/sharing-groups/{id}/members", "sharing_groups.member_add",
                   managers, [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto group,
                                           service.AddGroupMember(actor, request.PathParam("id"), body));
                     return JsonResponse(200, group);
                   });
  AddAuthenticated(router, reg, "DELETE", "/api/v1/sharing-groups/{id}/members/{organisation}",
                   "sharing_groups.member_remove", managers,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_RETURN_IF_ERROR(service.RemoveGroupMember(actor, request.PathParam("id"),
                                                                    request.PathParam("organisation")));
                     return NoContent();
                   });

  AddAuthenticated(router, reg, "POST", "/api/v1/incident-subscriptions", "incident_subscriptions.create",
                   subscribers, [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto subscription, service.CreateSubscription(actor, body));
                     return JsonResponse(201, subscription);
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/incident-subscriptions", "incident_subscriptions.list",
                   subscribers, [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto organisation, QueryParam(request, "organisation", 64));
                     AIIP_ASSIGN_OR_RETURN(auto items, service.ListSubscriptions(actor, organisation));
                     return ListResponse(ObjectArray(std::move(items)), std::nullopt);
                   });
  AddAuthenticated(router, reg, "DELETE", "/api/v1/incident-subscriptions/{id}",
                   "incident_subscriptions.delete", subscribers,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_RETURN_IF_ERROR(service.DeleteSubscription(actor, request.PathParam("id")));
                     return NoContent();
                   });
}

}  // namespace aiip::api
