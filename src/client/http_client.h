// HttpClient: a synchronous HTTP/1.1 client for the AIIP JSON API.
//
// One HttpClient talks to one node (`http://` or `https://` base URL, optionally with a path
// prefix) over one connection that it keeps alive and reuses across calls, reconnecting
// transparently when the server has closed an idle connection. Every call is blocking and
// bounded by two deadlines: establishing the connection (DNS, TCP, TLS) and exchanging one
// request/response. TLS always verifies the server certificate and host name, against the
// system trust store or against a caller-supplied CA bundle (there is deliberately no way
// to switch verification off). Requests carry the Bearer token and JSON bodies; responses
// are parsed with AIIP's strict JSON reader.
//
// Errors: a non-2xx answer becomes a Status whose code follows the HTTP status and whose
// type/detail/field come from the RFC 9457 problem document; the whole problem (including
// its title and HTTP status, which a Status cannot hold) is kept as `last_problem()`.
// A failure to reach the server or a lost connection is kUnavailable with type
// "unreachable" (or "timeout") and a detail naming the URL. Not thread-safe.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace aiip::client {

// Query parameters in wire order; keys and values are percent-encoded when sent.
using Query = std::vector<std::pair<std::string, std::string>>;

// An RFC 9457 problem document as answered by the server.
struct Problem {
  int http_status = 0;
  std::string type;  // as sent, e.g. "urn:aiip:problem:missing-field"
  std::string title;
  std::string detail;
  std::string field;  // JSON Pointer of the offending input, or empty
  std::string instance;
  std::string request_id;
};

struct ClientOptions {
  std::string server;   // base URL, e.g. "https://aiip.example.org" or "http://127.0.0.1:8700"
  std::string token;    // Bearer token; empty sends no Authorization header
  std::string ca_file;  // PEM file of CAs to trust instead of the system store (https only)
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};
  size_t max_response_bytes = 64 * 1024 * 1024;
  std::string user_agent = "aiip-cli";
};

enum class Method { kGet, kPost, kPut, kPatch, kDelete };

// A response taken as it is, for peers that are not AIIP nodes (webhook receivers).
struct RawResponse {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  // Validates `options` (scheme http/https, a host, no query or fragment, readable CA file)
  // without connecting. Returns InvalidArgument("invalid-server-url") or
  // InvalidArgument("invalid-ca-file") when they are unusable.
  static Result<std::unique_ptr<HttpClient>> Create(ClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request to base URL + `path` (which starts with "/") + `query`, with `body`
  // as JSON unless it is null, and returns the parsed response body (null when empty).
  // Non-2xx answers and transport failures are errors as described above.
  Result<boost::json::value> Send(Method method, std::string_view path, const Query& query = {},
                                  const boost::json::value& body = nullptr);

  Result<boost::json::value> Get(std::string_view path, const Query& query = {},
                                 const boost::json::value& body = nullptr) {
    return Send(Method::kGet, path, query, body);
  }
  Result<boost::json::value> Post(std::string_view path, const Query& query = {},
                                  const boost::json::value& body = nullptr) {
    return Send(Method::kPost, path, query, body);
  }
  Result<boost::json::value> Patch(std::string_view path, const Query& query = {},
                                   const boost::json::value& body = nullptr) {
    return Send(Method::kPatch, path, query, body);
  }
  Result<boost::json::value> Delete(std::string_view path, const Query& query = {},
                                    const boost::json::value& body = nullptr) {
    return Send(Method::kDelete, path, query, body);
  }

  // Posts `body` as `content_type` with extra `headers` (name, value) to base URL + `path`
  // ("" = the base URL itself) and returns the answer whatever its status: only transport
  // failures are errors (kUnavailable "unreachable" / "timeout").
  Result<RawResponse> PostRaw(std::string_view path, std::string_view content_type,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              std::string body);

  // GETs base URL + `path` + `query` with extra `headers` on a connection of its own and
  // hands the response body to `on_data` piece by piece as it arrives (for a
  // text/event-stream), until the server ends the body (Ok) or `on_data` returns false (Ok;
  // the connection is closed). A non-2xx answer is an error as for Send; a silence longer
  // than request_timeout is kUnavailable "timeout". Blocks for as long as the stream lasts.
  Status Stream(std::string_view path, const Query& query,
                const std::vector<std::pair<std::string, std::string>>& headers,
                const std::function<bool(std::string_view)>& on_data);

  // The problem the server answered to the most recent call, or nullopt if that call
  // succeeded or never got an answer (e.g. the server was unreachable).
  const std::optional<Problem>& last_problem() const;

  // The base URL this client talks to, as given.
  const std::string& server() const;

 private:
  class Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes `segment` so it is exactly one path segment (also encodes "/", "?", "%").
std::string PathSegment(std::string_view segment);

// The Status code for an HTTP status: 400 -> kInvalidArgument, 401 -> kUnauthenticated,
// 403 -> kPermissionDenied, 404 -> kNotFound, 409 -> kConflict, 412/422/428 ->
// kFailedPrecondition, 413 -> kPayloadTooLarge, 429/502/503/504 -> kUnavailable, other
// 4xx -> kInvalidArgument, anything else -> kInternal.
Code CodeForHttpStatus(int http_status);

// True for the errors HttpClient returns when it could not get an answer from the server
// (types "unreachable" and "timeout").
bool IsTransportError(const Status& status);

}  // namespace aiip::client
