// Router: maps (method, path) to a handler, so that API code registers one function per
// route and never parses paths itself.
//
// Patterns are absolute paths whose segments are either literal ("organisations") or a
// parameter ("{id}") that matches one whole non-empty segment and is bound into
// Request::path_params. Matching walks a segment trie: at each level a literal segment is
// tried before a parameter, so "/orgs/search" wins over "/orgs/{id}" — no regular
// expressions run per request. Matching is done on the decoded Request::path split at
// "/", so a parameter never contains "/" (an encoded "%2F" splits too). A pattern may end
// with "/" (TAXII 2.1 requires its URLs to): "/taxii2/" then matches only with the trailing
// slash, and "/a" only without it — neither is redirected to the other.
//
// An unknown path yields a 404 problem; a known path with a method that has no route
// yields a 405 problem with an `Allow` header. The router stores each route's RouteInfo
// (name, authentication, roles) without interpreting it: the API layer reads it back
// through Routes() and enforces it in the handlers it registers.
//
// Thread-safety: Add() is for setup and must not run concurrently with anything; once setup is over, Handle()
// and Routes() may be called from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace aiip::http {

// Route metadata that the router stores but does not interpret.
struct RouteInfo {
  // Stable identifier, used as the metrics label and in logs, e.g. "organisations.get".
  std::string name;
  // Whether the route requires a caller identity (interpreted by the API layer).
  bool authenticated = true;
  // Roles that may call the route (interpreted by the API layer; empty = any role).
  std::vector<std::string> roles;
};

using HandlerFn = std::function<Response(Request&)>;

// One registered route, as listed by Routes().
struct RouteEntry {
  std::string method;
  std::string pattern;
  RouteInfo info;
};

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Registers `handler` for `method` (e.g. "GET") on `pattern` (e.g.
  // "/api/v1/organisations/{id}"). Asserts the pattern is well formed (starts with "/",
  // no empty segment except a trailing slash, parameters are whole segments with distinct
  // names), that
  // `info.name` is non-empty and that (method, pattern shape) is not already registered.
  void Add(std::string method, std::string pattern, RouteInfo info, HandlerFn handler);

  // Dispatches `request`: on a match, fills request.path_params and request.route_name
  // and returns what the route's handler returns; otherwise returns a 404 or 405
  // problem. Exceptions from handlers propagate (the server turns them into 500).
  Response Handle(Request& request) const;

  // Every registered route in registration order.
  std::vector<RouteEntry> Routes() const;

 private:
  struct Node;
  struct Route;

  // Depth-first match of the segments in `rest`, literal before parameter; collects
  // parameter values in `captures`. Returns the node whose routes include `method`, and
  // sets `*path_only` to the first node whose path matched regardless of method.
  static const Node* Search(const Node& node, std::string_view rest, bool at_end, std::string_view method,
                            std::vector<std::string_view>& captures, const Node** path_only);

  std::unique_ptr<Node> root_;
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace aiip::http
