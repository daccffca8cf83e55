#include "api/routes.h"

#include <charconv>

#include "common/encoding.h"
#include "common/json.h"
#include "http/problem.h"

namespace aiip::api {
namespace bj = boost::json;

namespace {
http::Response Finish(Result<http::Response> result, const http::Request& request) {
  if (result) return std::move(*result);
  return http::ProblemResponse(result.error(), request);
}
}  // namespace

void AddAuthenticated(http::Router& router, registry::Registry& registry, std::string method, std::string pattern,
                      std::string name, std::vector<std::string> roles, ActorHandler handler) {
  http::RouteInfo info{std::move(name), true, roles};
  router.Add(std::move(method), std::move(pattern), std::move(info),
             [&registry, roles = std::move(roles), handler = std::move(handler)](http::Request& request) {
               auto header = request.Header("authorization");
               if (!header) {
                 return http::ProblemResponse(
                     Unauthenticated("this route needs an 'Authorization: Bearer <token>' header"), request);
               }
               std::string_view value = *header;
               if (value.size() < 7 || !(value.substr(0, 7) == "Bearer " || value.substr(0, 7) == "bearer ")) {
                 return http::ProblemResponse(Unauthenticated("the Authorization header must use the Bearer scheme"),
                                              request);
               }
               auto actor = registry.Authenticate(value.substr(7));
               if (!actor) return http::ProblemResponse(actor.error(), request);
               if (!roles.empty()) {
                 bool allowed = false;
                 for (const auto& role : roles) allowed = allowed || actor->HasRole(role);
                 if (!allowed) {
                   std::string list;
                   for (const auto& role : roles) list += (list.empty() ? "" : ", ") + role;
                   return http::ProblemResponse(PermissionDenied("this route needs one of the roles: " + list),
                                                request);
                 }
               }
               return Finish(handler(request, *actor), request);
             });
}

void AddPublic(http::Router& router, std::string method, std::string pattern, std::string name,
               PublicHandler handler) {
  router.Add(std::move(method), std::move(pattern), http::RouteInfo{std::move(name), false, {}},
             [handler = std::move(handler)](http::Request& request) { return Finish(handler(request), request); });
}

Result<bj::object> ParseJsonBody(const http::Request& request) {
  if (auto type = request.Header("content-type")) {
    std::string_view media = type->substr(0, type->find(';'));
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    if (media != "application/json" && media != "application/merge-patch+json") {
      return Err(Status(Code::kInvalidArgument, "unsupported-media-type",
                        "the body must be application/json, not '" + std::string(media) + "'"));
    }
  }
  if (request.body.empty()) return Err(InvalidArgument("malformed-json", "the request needs a JSON body"));
  return json::ParseObject(request.body);
}

http::Response NoContent() {
  http::Response response;
  response.status = 204;
  response.content_type.clear();
  return response;
}

bj::array ObjectArray(std::vector<bj::object> items) {
  bj::array out;
  out.reserve(items.size());
  for (bj::object& item : items) out.emplace_back(std::move(item));
  return out;
}

std::string EncodeCursor(std::string_view key) { return Base64UrlEncode("v1:" + std::string(key)); }

std::optional<std::string> DecodeCursor(std::string_view cursor) {
  auto raw = Base64UrlDecode(cursor);
  if (!raw || !raw->starts_with("v1:")) return std::nullopt;
  return raw->substr(3);
}

Result<std::optional<uint64_t>> QueryInt(const http::Request& request, std::string_view name, bool required) {
  auto text = request.Query(name);
  if (!text) {
    if (required) {
      return Err(InvalidArgument("missing-field", "query parameter '" + std::string(name) + "' is required",
                                 std::string(name)));
    }
    return std::optional<uint64_t>();
  }
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) {
    return Err(InvalidArgument("wrong-type", "query parameter '" + std::string(name) + "' must be a non-negative integer",
                               std::string(name)));
  }
  return std::optional<uint64_t>(value);
}

Result<registry::PageRequest> ParsePage(const http::Request& request) {
  registry::PageRequest page;
  AIIP_ASSIGN_OR_RETURN(auto limit, QueryInt(request, "limit", false));
  if (limit) {
    if (*limit < 1 || *limit > 500) {
      return Err(InvalidArgument("out-of-range", "'limit' must be between 1 and 500", "limit"));
    }
    page.limit = *limit;
  }
  if (auto cursor = request.Query("cursor")) {
    page.after = DecodeCursor(*cursor);
    if (!page.after) return Err(InvalidArgument("invalid-cursor", "'cursor' is not a cursor this node issued", "cursor"));
  }
  return page;
}

Result<std::optional<std::string>> QueryParam(const http::Request& request, std::string_view name,
                                              size_t max_length) {
  auto value = request.Query(name);
  if (!value) return std::optional<std::string>();
  if (value->empty() || value->size() > max_length) {
    return Err(InvalidArgument("out-of-range",
                               "query parameter '" + std::string(name) + "' must be 1.." + std::to_string(max_length) +
                                   " characters",
                               std::string(name)));
  }
  return std::optional<std::string>(std::string(*value));
}

http::Response ListResponse(bj::array items, const std::optional<std::string>& next_after) {
  bj::object body;
  body["items"] = std::move(items);
  body["next_cursor"] = next_after ? bj::value(EncodeCursor(*next_after)) : bj::value(nullptr);
  return http::JsonResponse(200, body);
}

}  // namespace aiip::api
