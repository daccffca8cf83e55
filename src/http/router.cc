#include "http/router.h"

#include <cassert>
#include <utility>

#include "common/status.h"
#include "http/problem.h"

namespace aiip::http {

struct Router::Node {
  // Literal children are tried before the parameter child.
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> param;
  // Routes ending at this node, by method. std::map keeps the Allow header sorted.
  std::map<std::string, const Route*, std::less<>> methods;
};

struct Router::Route {
  RouteEntry entry;
  std::vector<std::string> param_names;  // in path order
  HandlerFn handler;
};

namespace {

bool IsParam(std::string_view segment) {
  return segment.size() >= 3 && segment.front() == '{' && segment.back() == '}';
}

// Splits off the first segment of `rest` (which has no leading "/").
std::string_view NextSegment(std::string_view& rest) {
  size_t slash = rest.find('/');
  std::string_view segment = rest.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  return segment;
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

void Router::Add(std::string method, std::string pattern, RouteInfo info, HandlerFn handler) {
  assert(!method.empty() && !info.name.empty() && handler);
  assert(!pattern.empty() && pattern.front() == '/');
  auto route = std::make_unique<Route>();
  Node* node = root_.get();
  if (pattern != "/") {
    std::string_view rest = std::string_view(pattern).substr(1);
    while (true) {
      bool last = rest.find('/') == std::string_view::npos;
      std::string_view segment = NextSegment(rest);
      // An empty last segment is the trailing slash of patterns like "/taxii2/".
      assert((!segment.empty() || last) && "empty segment in route pattern");
      if (IsParam(segment)) {
        std::string name(segment.substr(1, segment.size() - 2));
        assert(name.find_first_of("{}") == std::string::npos);
        for ([[maybe_unused]] const auto& other : route->param_names) assert(other != name);
        route->param_names.push_back(std::move(name));
        if (!node->param) node->param = std::make_unique<Node>();
        node = node->param.get();
      } else {
        assert(segment.find_first_of("{}") == std::string_view::npos &&
               "a parameter must be a whole segment");
        auto& child = node->literals[std::string(segment)];
        if (!child) child = std::make_unique<Node>();
        node = child.get();
      }
      if (last) break;
    }
  }
  assert(!node->methods.contains(method) && "route registered twice");
  route->entry = RouteEntry{std::move(method), std::move(pattern), std::move(info)};
  route->handler = std::move(handler);
  node->methods.emplace(route->entry.method, route.get());
  routes_.push_back(std::move(route));
}

const Router::Node* Router::Search(const Node& node, std::string_view rest, bool at_end,
                                   std::string_view method, std::vector<std::string_view>& captures,
                                   const Node** path_only) {
  if (at_end) {
    if (node.methods.empty()) return nullptr;
    if (*path_only == nullptr) *path_only = &node;
    return node.methods.contains(method) ? &node : nullptr;
  }
  bool last = rest.find('/') == std::string_view::npos;
  std::string_view segment = NextSegment(rest);
  // An empty segment matches only a pattern's trailing slash, never a parameter.
  if (segment.empty() && !last) return nullptr;
  if (auto it = node.literals.find(segment); it != node.literals.end()) {
    if (const Node* found = Search(*it->second, rest, last, method, captures, path_only)) {
      return found;
    }
  }
  if (node.param && !segment.empty()) {
    captures.push_back(segment);
    if (const Node* found = Search(*node.param, rest, last, method, captures, path_only)) {
      return found;
    }
    captures.pop_back();
  }
  return nullptr;
}

Response Router::Handle(Request& request) const {
  std::vector<std::string_view> captures;
  const Node* path_only = nullptr;
  const Node* node = nullptr;
  if (!request.path.empty() && request.path.front() == '/') {
    std::string_view rest = std::string_view(request.path).substr(1);
    node = Search(*root_, rest, rest.empty(), request.method, captures, &path_only);
  }
  if (node == nullptr) {
    if (path_only == nullptr) {
      return ProblemResponse(NotFound("no route matches " + request.path), request);
    }
    std::string allow;
    for (const auto& [method, route] : path_only->methods) {
      if (!allow.empty()) allow += ", ";
      allow += method;
    }
    Response response =
        ProblemResponse(405, "method-not-allowed",
                        "method " + request.method + " is not allowed here; allowed: " + allow, request);
    response.SetHeader("allow", std::move(allow));
    return response;
  }
  const Route& route = *node->methods.find(request.method)->second;
  request.path_params.clear();
  for (size_t i = 0; i < captures.size(); ++i) {
    request.path_params.emplace(route.param_names[i], captures[i]);
  }
  request.route_name = route.entry.info.name;
  return route.handler(request);
}

std::vector<RouteEntry> Router::Routes() const {
  std::vector<RouteEntry> out;
  out.reserve(routes_.size());
  for (const auto& route : routes_) out.push_back(route->entry);
  return out;
}

}  // namespace aiip::http
