// Transport-free HTTP messages. Handlers are plain functions from Request to Response
// (as in Beast's advanced server `handle_request`): they never see sockets, TLS or timers,
// so they are tested by calling them directly. The server (server.h) converts between
// these and the wire.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aiip::http {

// Header names are stored lower-case.
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;                             // "GET", "POST", ...
  std::string target;                             // raw request-target, e.g. "/api/v1/x?a=b"
  std::string path;                               // decoded path, e.g. "/api/v1/x"
  std::multimap<std::string, std::string> query;  // decoded query parameters
  Headers headers;
  std::string body;
  std::string request_id;                          // assigned by the server, echoed in X-Request-Id
  std::string remote_address;                      // "ip:port" of the peer
  std::map<std::string, std::string> path_params;  // filled by the router from "{name}" segments
  // Set by the router to the matched route's stable name (RouteInfo::name); the server
  // labels metrics with it. Empty when no route matched.
  std::string route_name;

  // First header named `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
  // First query parameter named `name`, or nullopt.
  std::optional<std::string_view> Query(std::string_view name) const;
  // Path parameter bound by the router; asserts it exists.
  const std::string& PathParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  Headers headers;  // extra headers (lower-case names)
  std::string body;

  void SetHeader(std::string name, std::string value);
};

}  // namespace aiip::http
