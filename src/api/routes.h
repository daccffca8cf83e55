// Helpers shared by the handler files: route registration with authentication and role
// checks, request-body parsing, pagination cursors, and list rendering.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http/message.h"
#include "http/router.h"
#include "registry/registry.h"

namespace aiip::api {

// A handler of an authenticated route: gets the caller. Returns a Response, or a Status
// which becomes a problem response.
using ActorHandler = std::function<Result<http::Response>(http::Request&, const registry::Actor&)>;
using PublicHandler = std::function<Result<http::Response>(http::Request&)>;

// Registers an authenticated route: the Authorization header must carry a valid bearer
// token (401 otherwise) of a member holding one of `roles` (403 otherwise; empty = any).
void AddAuthenticated(http::Router& router, registry::Registry& registry, std::string method, std::string pattern,
                      std::string name, std::vector<std::string> roles, ActorHandler handler);
// Registers a route anyone may call.
void AddPublic(http::Router& router, std::string method, std::string pattern, std::string name,
               PublicHandler handler);

// Parses the body as a JSON object (400 "malformed-json" / "not-an-object"; 415 when a
// Content-Type other than application/json is declared).
Result<boost::json::object> ParseJsonBody(const http::Request& request);

// Reads `limit` (1..500, default 100) and `cursor` (opaque) from the query string.
Result<registry::PageRequest> ParsePage(const http::Request& request);
// Optional query parameter with a maximum length (400 "out-of-range" if longer).
Result<std::optional<std::string>> QueryParam(const http::Request& request, std::string_view name,
                                              size_t max_length = 128);
// Non-negative integer query parameter, required or optional.
Result<std::optional<uint64_t>> QueryInt(const http::Request& request, std::string_view name, bool required);

// An empty 204 answer (no Content-Type).
http::Response NoContent();
// Moves JSON objects into an array (list bodies).
boost::json::array ObjectArray(std::vector<boost::json::object> items);

// {"items": [...], "next_cursor": "..." | null}
http::Response ListResponse(boost::json::array items, const std::optional<std::string>& next_after);

// Opaque cursor: base64url("v1:" + key).
std::string EncodeCursor(std::string_view key);
std::optional<std::string> DecodeCursor(std::string_view cursor);

}  // namespace aiip::api
