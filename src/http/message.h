// Transport-free HTTP messages. Handlers are plain functions from Request to Response
// (as in Beast's advanced server `handle_request`): they never see sockets, TLS or timers,
// so they are tested by calling them directly. The server (server.h) converts between
// these and the wire.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
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

// Where a streaming response (server-sent events) writes. Thread-safe: any thread may push.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues `bytes` to be written after everything pushed before. Returns false once the
  // connection is gone or its queue overflowed (the connection is then closed, and the
  // client is expected to reconnect and resume); the source should drop the sink.
  virtual bool Push(std::string bytes) = 0;
  // Ends the response: what was queued is written, then the connection closes.
  virtual void Close() = 0;
  // False once the connection is gone.
  virtual bool Open() const = 0;
};

// The producer of a streaming response. The server writes the head and Response::body
// first, then calls Attach once, on a server thread, with the connection's sink; the source
// keeps the sink and pushes to it until it is no longer Open().
class StreamSource {
 public:
  virtual ~StreamSource() = default;
  virtual void Attach(std::shared_ptr<StreamSink> sink) = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  Headers headers;  // extra headers (lower-case names)
  std::string body;
  // Set for a response whose body continues after `body` for as long as the connection
  // lives (text/event-stream). It is sent without Content-Length and the connection closes
  // when the stream ends; write timeouts apply to each write.
  std::shared_ptr<StreamSource> stream;

  void SetHeader(std::string name, std::string value);
};

}  // namespace aiip::http
