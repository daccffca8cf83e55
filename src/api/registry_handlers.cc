// Routes of the registry: parties (States and organisations), contacts, members, tokens.
#include <boost/json.hpp>

#include "api/handlers.h"
#include "api/routes.h"
#include "http/problem.h"

namespace aiip::api {
namespace bj = boost::json;
using http::JsonResponse;
using http::Request;
using http::Response;
using registry::Actor;

namespace {
template <typename T>
bj::array ToJsonArray(const std::vector<T>& items) {
  bj::array out;
  for (const auto& item : items) out.push_back(registry::ToJson(item));
  return out;
}

Result<registry::PartyFilter> ParsePartyFilter(const Request& request) {
  registry::PartyFilter filter;
  AIIP_ASSIGN_OR_RETURN(filter.state, QueryParam(request, "state", 2));
  AIIP_ASSIGN_OR_RETURN(filter.kind, QueryParam(request, "kind", 64));
  if (filter.state && (filter.state->size() != 2 || !std::isupper(static_cast<unsigned char>((*filter.state)[0])) ||
                       !std::isupper(static_cast<unsigned char>((*filter.state)[1])))) {
    return Err(InvalidArgument("invalid-value", "'state' must be an ISO 3166-1 alpha-2 code such as FR", "state"));
  }
  return filter;
}
}  // namespace

void RegisterRegistryRoutes(http::Router& router, ApiContext& ctx) {
  registry::Registry& reg = ctx.registry;
  const std::vector<std::string> any;
  const std::vector<std::string> admin{"admin"};
  const std::vector<std::string> managers{"admin", "org-admin"};

  AddAuthenticated(router, reg, "GET", "/api/v1/me", "me.get", any,
                   [&reg](Request&, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto member, reg.GetMember(actor, actor.member));
                     AIIP_ASSIGN_OR_RETURN(auto org, reg.GetOrganisation(actor.organisation));
                     return JsonResponse(200, bj::object{{"member", registry::ToJson(member)},
                                                         {"organisation", registry::ToJson(org)},
                                                         {"token", actor.token}});
                   });

  AddAuthenticated(router, reg, "GET", "/api/v1/parties", "parties.list", any,
                   [&reg](Request& request, const Actor&) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto filter, ParsePartyFilter(request));
                     AIIP_ASSIGN_OR_RETURN(auto page, ParsePage(request));
                     AIIP_ASSIGN_OR_RETURN(auto result, reg.ListParties(filter, page));
                     bj::array items;
                     for (auto& o : result.items) items.emplace_back(std::move(o));
                     return ListResponse(std::move(items), result.next_after);
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/parties/{id}", "parties.get", any,
                   [&reg](Request& request, const Actor&) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto party, reg.GetParty(request.PathParam("id")));
                     return JsonResponse(200, party);
                   });

  AddAuthenticated(router, reg, "GET", "/api/v1/organisations", "organisations.list", any,
                   [&reg](Request& request, const Actor&) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto filter, ParsePartyFilter(request));
                     AIIP_ASSIGN_OR_RETURN(auto page, ParsePage(request));
                     AIIP_ASSIGN_OR_RETURN(auto result, reg.ListOrganisations(filter, page));
                     return ListResponse(ToJsonArray(result.items), result.next_after);
                   });
  AddAuthenticated(router, reg, "POST", "/api/v1/organisations", "organisations.create", admin,
                   [&reg](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto org, reg.CreateOrganisation(actor, body));
                     Response response = JsonResponse(201, registry::ToJson(org));
                     response.SetHeader("location", "/api/v1/organisations/" + org.id);
                     return response;
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/organisations/{id}", "organisations.get", any,
                   [&reg](Request& request, const Actor&) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto org, reg.GetOrganisation(request.PathParam("id")));
                     return JsonResponse(200, registry::ToJson(org));
                   });
  AddAuthenticated(router, reg, "PATCH", "/api/v1/organisations/{id}", "organisations.update", managers,
                   [&reg](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto org, reg.UpdateOrganisation(actor, request.PathParam("id"), body));
                     return JsonResponse(200, registry::ToJson(org));
                   });
  AddAuthenticated(router, reg, "DELETE", "/api/v1/organisations/{id}", "organisations.delete", admin,
                   [&reg](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_RETURN_IF_ERROR(reg.DeleteOrganisation(actor, request.PathParam("id")));
                     Response response;
                     response.status = 204;
                     return response;
                   });

  AddAuthenticated(router, reg, "GET", "/api/v1/organisations/{id}/contacts", "contacts.list", any,
                   [&reg](Request& request, const Actor&) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto contacts, reg.ListContacts(request.PathParam("id")));
                     return ListResponse(ToJsonArray(contacts), std::nullopt);
                   });
  AddAuthenticated(router, reg, "POST", "/api/v1/organisations/{id}/contacts", "contacts.create", managers,
                   [&reg](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto contact, reg.CreateContact(actor, request.PathParam("id"), body));
                     return JsonResponse(201, registry::ToJson(contact));
                   });
  AddAuthenticated(router, reg, "PATCH", "/api/v1/contacts/{id}", "contacts.update", managers,
                   [&reg](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto contact, reg.UpdateContact(actor, request.PathParam("id"), body));
                     return JsonResponse(200, registry::ToJson(contact));
                   });
  AddAuthenticated(router, reg, "DELETE", "/api/v1/contacts/{id}", "contacts.delete", managers,
                   [&reg](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_RETURN_IF_ERROR(reg.DeleteContact(actor, request.PathParam("id")));
                     Response response;
                     response.status = 204;
                     return response;
                   });

  AddAuthenticated(router, reg, "GET", "/api/v1/organisations/{id}/clients", "clients.list", managers,
                   [&reg](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto clients, reg.ListClients(actor, request.PathParam("id")));
                     return ListResponse(ToJsonArray(clients), std::nullopt);
                   });
  AddAuthenticated(router, reg, "POST", "/api/v1/organisations/{id}/clients", "clients.create", admin,
                   [&reg](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto relation,
                                           reg.AddClient(actor, request.PathParam("id"), body));
                     return JsonResponse(201, registry::ToJson(relation));
                   });
  AddAuthenticated(
      router, reg, "DELETE", "/api/v1/organisations/{id}/clients/{client}", "clients.delete", admin,
      [&reg](Request& request, const Actor& actor) -> Result<Response> {
        AIIP_RETURN_IF_ERROR(reg.RemoveClient(actor, request.PathParam("id"), request.PathParam("client")));
        Response response;
        response.status = 204;
        return response;
      });

  AddAuthenticated(router, reg, "GET", "/api/v1/members", "members.list", any,
                   [&reg](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto organisation, QueryParam(request, "organisation", 64));
                     AIIP_ASSIGN_OR_RETURN(auto page, ParsePage(request));
                     AIIP_ASSIGN_OR_RETURN(auto result, reg.ListMembers(actor, organisation, page));
                     return ListResponse(ToJsonArray(result.items), result.next_after);
                   });
  AddAuthenticated(router, reg, "POST", "/api/v1/members", "members.create", managers,
                   [&reg](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto member, reg.CreateMember(actor, body));
                     Response response = JsonResponse(201, registry::ToJson(member));
                     response.SetHeader("location", "/api/v1/members/" + member.id);
                     return response;
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/members/{id}", "members.get", any,
                   [&reg](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto member, reg.GetMember(actor, request.PathParam("id")));
                     return JsonResponse(200, registry::ToJson(member));
                   });
  AddAuthenticated(router, reg, "PATCH", "/api/v1/members/{id}", "members.update", managers,
                   [&reg](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto member, reg.UpdateMember(actor, request.PathParam("id"), body));
                     return JsonResponse(200, registry::ToJson(member));
                   });

  AddAuthenticated(router, reg, "POST", "/api/v1/tokens", "tokens.create", any,
                   [&reg](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto issued, reg.CreateToken(actor, body));
                     bj::object json = registry::ToJson(issued.token);
                     json["token"] = issued.secret;
                     Response response = JsonResponse(201, json);
                     response.SetHeader("cache-control", "no-store");
                     return response;
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/tokens", "tokens.list", any,
                   [&reg](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto member, QueryParam(request, "member", 64));
                     AIIP_ASSIGN_OR_RETURN(auto page, ParsePage(request));
                     AIIP_ASSIGN_OR_RETURN(auto result, reg.ListTokens(actor, member, page));
                     return ListResponse(ToJsonArray(result.items), result.next_after);
                   });
  AddAuthenticated(router, reg, "DELETE", "/api/v1/tokens/{id}", "tokens.revoke", any,
                   [&reg](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto token, reg.RevokeToken(actor, request.PathParam("id")));
                     return JsonResponse(200, registry::ToJson(token));
                   });
}

}  // namespace aiip::api
