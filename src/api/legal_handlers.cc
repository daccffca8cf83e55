// Routes of the legal cooperation network: requests between 24/7 contacts and central
// authorities, their transitions, and the assessment engine without sending
// (doc/legal_network.md).
#include <boost/json.hpp>

#include "api/handlers.h"
#include "api/routes.h"
#include "http/problem.h"
#include "legalnet/service.h"

namespace aiip::api {
namespace bj = boost::json;
using http::JsonResponse;
using http::Request;
using http::Response;
using registry::Actor;

void RegisterLegalRoutes(http::Router& router, ApiContext& ctx) {
  if (ctx.legalnet == nullptr) return;
  registry::Registry& reg = ctx.registry;
  legalnet::LegalNetworkService& service = *ctx.legalnet;
  const std::vector<std::string> any;
  const std::vector<std::string> senders{"poc-247", "central-authority"};
  const std::vector<std::string> readers{"poc-247", "central-authority", "admin"};

  AddAuthenticated(router, reg, "POST", "/api/v1/legal/requests", "legal.requests.create", senders,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto created, service.Create(actor, body));
                     Response response = JsonResponse(201, created);
                     response.SetHeader(
                         "location", "/api/v1/legal/requests/" + std::string(created.at("id").as_string()));
                     return response;
                   });

  AddAuthenticated(router, reg, "GET", "/api/v1/legal/requests", "legal.requests.list", readers,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     legalnet::RequestFilter filter;
                     AIIP_ASSIGN_OR_RETURN(filter.box, QueryParam(request, "box", 16));
                     AIIP_ASSIGN_OR_RETURN(filter.organisation, QueryParam(request, "organisation", 64));
                     AIIP_ASSIGN_OR_RETURN(filter.state, QueryParam(request, "state", 32));
                     AIIP_ASSIGN_OR_RETURN(filter.kind, QueryParam(request, "kind", 32));
                     AIIP_ASSIGN_OR_RETURN(auto page, ParsePage(request));
                     filter.limit = page.limit;
                     filter.after = page.after;
                     AIIP_ASSIGN_OR_RETURN(auto found, service.List(actor, filter));
                     bj::array items;
                     for (bj::object& item : found.first) items.emplace_back(std::move(item));
                     return ListResponse(std::move(items), found.second);
                   });

  AddAuthenticated(router, reg, "GET", "/api/v1/legal/requests/{id}", "legal.requests.get", readers,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto found, service.Get(actor, request.PathParam("id")));
                     return JsonResponse(200, found);
                   });

  AddAuthenticated(
      router, reg, "POST", "/api/v1/legal/requests/{id}/transitions", "legal.requests.transition", senders,
      [&service](Request& request, const Actor& actor) -> Result<Response> {
        AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
        AIIP_ASSIGN_OR_RETURN(auto moved, service.Transition(actor, request.PathParam("id"), body));
        return JsonResponse(200, moved);
      });

  // The body is an engine request (doc/legal.md, "Request").
  AddAuthenticated(router, reg, "POST", "/api/v1/legal/assess", "legal.assess", any,
                   [&service](Request& request, const Actor&) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto assessment, service.Assess(body));
                     return JsonResponse(200, assessment);
                   });

  AddAuthenticated(router, reg, "GET", "/api/v1/legal/havens", "legal.havens", any,
                   [&service](Request& request, const Actor&) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto conduct, QueryParam(request, "conduct", 64));
                     AIIP_ASSIGN_OR_RETURN(auto date, QueryParam(request, "date", 16));
                     AIIP_ASSIGN_OR_RETURN(auto havens, service.Havens(conduct, date));
                     return JsonResponse(200, havens);
                   });
}

}  // namespace aiip::api
