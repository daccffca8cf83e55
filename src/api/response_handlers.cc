// Routes of the response network: operators' ASNs and their verification, abuse-contact
// imports, attack cases with their sources, mitigation requests (inbox, acknowledgement,
// DOTS status), efficacy feedback, withdrawal, and online attribution (doc/response.md).
#include <boost/json.hpp>

#include "api/handlers.h"
#include "api/routes.h"
#include "common/json.h"
#include "http/problem.h"
#include "responsenet/service.h"

namespace aiip::api {
namespace bj = boost::json;
using http::JsonResponse;
using http::Request;
using http::Response;
using registry::Actor;

namespace {

std::string_view MediaType(const Request& request) {
  std::optional<std::string_view> type = request.Header("content-type");
  if (!type) return "";
  std::string_view media = type->substr(0, type->find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return media;
}

// The sources of a case request: a JSON body carries spec and sources together; a text/CSV
// list or a pcap capture is the body, and the spec comes from the query string.
Result<std::pair<bj::object, std::optional<responsenet::RawSources>>> CaseBody(const Request& request) {
  const std::string_view media = MediaType(request);
  if (media.empty() || media == "application/json") {
    AIIP_ASSIGN_OR_RETURN(bj::object body, ParseJsonBody(request));
    return std::make_pair(std::move(body), std::optional<responsenet::RawSources>());
  }
  const bool pcap = media == "application/vnd.tcpdump.pcap";
  if (!pcap && media != "text/plain" && media != "text/csv") {
    return Err(
        Status(Code::kInvalidArgument, "unsupported-media-type",
               "sources are application/json, text/plain, text/csv or application/vnd.tcpdump.pcap, not '" +
                   std::string(media) + "'"));
  }
  if (request.body.empty()) return Err(InvalidArgument("missing-field", "the body holds the sources"));
  bj::object spec;
  for (std::string_view key :
       {"victim", "target", "ports", "protocol", "from", "to", "attack_time", "lifetime"}) {
    AIIP_ASSIGN_OR_RETURN(std::optional<std::string> value, QueryParam(request, key, 256));
    if (value) spec[key] = *value;
  }
  return std::make_pair(std::move(spec), std::optional<responsenet::RawSources>(
                                             responsenet::RawSources{pcap, std::string_view(request.body)}));
}

}  // namespace

void RegisterResponseRoutes(http::Router& router, ApiContext& ctx) {
  if (ctx.response == nullptr) return;
  registry::Registry& reg = ctx.registry;
  responsenet::ResponseService& service = *ctx.response;
  const std::vector<std::string> any;
  const std::vector<std::string> operator_members{"admin", "org-admin", "noc"};
  const std::vector<std::string> agency{"admin", "secretariat"};
  const std::vector<std::string> victims{"admin", "analyst", "noc"};
  const std::vector<std::string> responders{"admin", "org-admin", "analyst", "noc", "poc-247"};

  AddAuthenticated(router, reg, "POST", "/api/v1/operators/{org}/asns", "operators.asns.register",
                   operator_members, [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto asn,
                                           service.RegisterAsn(actor, request.PathParam("org"), body));
                     return JsonResponse(201, asn);
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/operators/{org}/asns", "operators.asns.list", any,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto items, service.ListAsns(actor, request.PathParam("org")));
                     return ListResponse(ObjectArray(std::move(items)), std::nullopt);
                   });
  AddAuthenticated(router, reg, "POST", "/api/v1/asns/{asn}/verify", "asns.verify", agency,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto asn,
                                           service.VerifyAsn(actor, request.PathParam("asn"), body));
                     return JsonResponse(200, asn);
                   });

  // The body is RPSL text (a RIPE split dump or part of one).
  AddAuthenticated(
      router, reg, "POST", "/api/v1/abuse-contacts/import", "abuse_contacts.import", {"admin"},
      [&service](Request& request, const Actor& actor) -> Result<Response> {
        const std::string_view media = MediaType(request);
        if (!media.empty() && media != "text/plain") {
          return Err(Status(Code::kInvalidArgument, "unsupported-media-type",
                            "RPSL is text/plain, not '" + std::string(media) + "'"));
        }
        std::string name = "api";
        if (auto given = request.Header("x-aiip-source-name"); given && !given->empty()) {
          if (given->size() > 1024) {
            return Err(InvalidArgument("out-of-range", "X-AIIP-Source-Name is at most 1024 bytes",
                                       "X-AIIP-Source-Name"));
          }
          name = std::string(*given);
        }
        auto replace = request.Query("replace");
        if (replace && *replace != "true" && *replace != "false") {
          return Err(InvalidArgument("invalid-value", "replace is true or false", "replace"));
        }
        AIIP_ASSIGN_OR_RETURN(auto report, service.ImportAbuseContacts(actor, request.body, name,
                                                                       replace && *replace == "true"));
        return JsonResponse(201, report);
      });

  AddAuthenticated(router, reg, "POST", "/api/v1/attacks", "attacks.open", victims,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto input, CaseBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto attack, service.OpenCase(actor, input.first, input.second));
                     Response response = JsonResponse(201, attack);
                     response.SetHeader("location",
                                        "/api/v1/attacks/" + std::string(attack.at("id").as_string()));
                     return response;
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/attacks", "attacks.list", any,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto victim, QueryParam(request, "victim", 64));
                     AIIP_ASSIGN_OR_RETURN(auto items, service.ListCases(actor, victim));
                     return ListResponse(ObjectArray(std::move(items)), std::nullopt);
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/attacks/{id}", "attacks.get", any,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto attack, service.GetCase(actor, request.PathParam("id")));
                     return JsonResponse(200, attack);
                   });
  AddAuthenticated(router, reg, "POST", "/api/v1/attacks/{id}/sources", "attacks.sources.add", victims,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto input, CaseBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto attack, service.AddSources(actor, request.PathParam("id"),
                                                                           input.first, input.second));
                     return JsonResponse(200, attack);
                   });
  AddAuthenticated(router, reg, "POST", "/api/v1/attacks/{id}/efficacy", "attacks.efficacy", victims,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto result,
                                           service.ReportEfficacy(actor, request.PathParam("id"), body));
                     return JsonResponse(200, result);
                   });

  AddAuthenticated(router, reg, "POST", "/api/v1/attacks/{id}/withdraw", "attacks.withdraw", victims,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     bj::object body;
                     if (!request.body.empty()) {
                       AIIP_ASSIGN_OR_RETURN(body, ParseJsonBody(request));
                     }
                     AIIP_ASSIGN_OR_RETURN(auto result,
                                           service.Withdraw(actor, request.PathParam("id"), body));
                     return JsonResponse(200, result);
                   });

  AddAuthenticated(router, reg, "GET", "/api/v1/mitigations", "mitigations.inbox", any,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto organisation, QueryParam(request, "organisation", 64));
                     AIIP_ASSIGN_OR_RETURN(auto state, QueryParam(request, "state", 32));
                     AIIP_ASSIGN_OR_RETURN(auto items, service.Inbox(actor, organisation, state));
                     return ListResponse(ObjectArray(std::move(items)), std::nullopt);
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/mitigations/{id}", "mitigations.get", any,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto mitigation,
                                           service.GetMitigation(actor, request.PathParam("id")));
                     return JsonResponse(200, mitigation);
                   });
  AddAuthenticated(router, reg, "POST", "/api/v1/mitigations/{id}/ack", "mitigations.ack", responders,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     bj::object body;
                     if (!request.body.empty()) {
                       AIIP_ASSIGN_OR_RETURN(body, ParseJsonBody(request));
                     }
                     AIIP_ASSIGN_OR_RETURN(auto mitigation,
                                           service.Acknowledge(actor, request.PathParam("id"), body));
                     return JsonResponse(200, mitigation);
                   });
  AddAuthenticated(router, reg, "POST", "/api/v1/mitigations/{id}/status", "mitigations.status", responders,
                   [&service](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto mitigation,
                                           service.UpdateStatus(actor, request.PathParam("id"), body));
                     return JsonResponse(200, mitigation);
                   });

  AddAuthenticated(router, reg, "POST", "/api/v1/attribute", "attribute", any,
                   [&service](Request& request, const Actor&) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
                     AIIP_ASSIGN_OR_RETURN(auto result, service.Attribute(body));
                     return JsonResponse(200, result);
                   });
}

}  // namespace aiip::api
