#include "client/http_client.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <cctype>
#include <functional>
#include <string>
#include <utility>

#include "common/json.h"

namespace aiip::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kProblemPrefix = "urn:aiip:problem:";

Status Unreachable(std::string detail) {
  return Status(Code::kUnavailable, "unreachable", std::move(detail));
}
Status TimedOut(std::string detail) { return Status(Code::kUnavailable, "timeout", std::move(detail)); }

std::string Lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Media type without parameters, lower-case: "application/problem+json; charset=utf-8" ->
// "application/problem+json".
std::string MediaType(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return Lower(type);
}

http::verb Verb(Method method) {
  switch (method) {
    case Method::kGet:
      return http::verb::get;
    case Method::kPost:
      return http::verb::post;
    case Method::kPatch:
      return http::verb::patch;
    case Method::kPut:
      return http::verb::put;
    case Method::kDelete:
      return http::verb::delete_;
  }
  return http::verb::get;
}

std::string StringField(const boost::json::object& object, std::string_view key) {
  const boost::json::value* v = object.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Builds the Problem for a non-2xx answer. A body that is not a problem document (e.g. an
// HTML page from a proxy) is not shown: only the status line is trustworthy then.
Problem ReadProblem(const http::response<http::string_body>& response) {
  Problem problem;
  problem.http_status = static_cast<int>(response.result_int());
  std::string media = MediaType(response[http::field::content_type]);
  if (media == "application/problem+json" || media == "application/json") {
    if (auto parsed = json::Parse(response.body()); parsed && parsed->is_object()) {
      const boost::json::object& object = parsed->get_object();
      problem.type = StringField(object, "type");
      problem.title = StringField(object, "title");
      problem.detail = StringField(object, "detail");
      problem.field = StringField(object, "field");
      problem.instance = StringField(object, "instance");
      problem.request_id = StringField(object, "request_id");
    }
  }
  if (problem.title.empty()) {
    std::string_view reason = response.reason();
    problem.title = reason.empty() ? "HTTP " + std::to_string(problem.http_status) : std::string(reason);
  }
  if (problem.request_id.empty()) problem.request_id = std::string(response["X-Request-Id"]);
  return problem;
}

Status StatusOf(const Problem& problem) {
  std::string type = problem.type;
  if (type.starts_with(kProblemPrefix)) type.erase(0, kProblemPrefix.size());
  if (type.empty()) type = "http-" + std::to_string(problem.http_status);
  std::string detail = problem.detail.empty() ? problem.title : problem.detail;
  return Status(CodeForHttpStatus(problem.http_status), std::move(type), std::move(detail), problem.field);
}

}  // namespace

class HttpClient::Impl {
 public:
  explicit Impl(ClientOptions options) : options_(std::move(options)) {}

  // Parses the base URL and prepares the TLS context; see HttpClient::Create.
  Status Init();
  Result<boost::json::value> Send(Method method, std::string_view path, const Query& query,
                                  const boost::json::value& body);
  Result<RawResponse> PostRaw(std::string_view path, std::string_view content_type,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              std::string body);

  Status Stream(std::string_view path, const Query& query,
                const std::vector<std::pair<std::string, std::string>>& headers,
                const std::function<bool(std::string_view)>& on_data);

  std::optional<Problem> last_problem;
  const ClientOptions& options() const { return options_; }

 private:
  // Outcome of one attempt to exchange a request on the current connection.
  struct Exchange {
    Status status;
    // The failure happened on a reused connection before any byte of a response arrived:
    // the server most likely closed the idle connection, so the request can be resent.
    bool stale = false;
  };

  Status Connect(const std::string& url);
  // Sends `request` (reconnecting as needed) and reads the answer into `response`.
  Status Transact(const http::request<http::string_body>& request,
                  http::response<http::string_body>& response, const std::string& url);
  Exchange RoundTrip(const http::request<http::string_body>& request,
                     http::response<http::string_body>& response, const std::string& url);
  void Close();
  // The request target for `path` and `query` under the base path.
  std::string Target(std::string_view path, const Query& query) const;
  // Runs the io_context until the started operations finish or `deadline` passes. On
  // timeout, `cancel` aborts them (they then complete with operation_aborted) and false is
  // returned. Asio's synchronous calls have no timeouts, hence this async-with-deadline loop.
  bool RunUntil(Clock::time_point deadline, const std::function<void()>& cancel);
  template <typename Fn>
  void WithStream(Fn&& fn) {
    if (tls_) {
      fn(*secure_);
    } else {
      fn(*plain_);
    }
  }

  ClientOptions options_;
  bool tls_ = false;
  std::string host_;  // for DNS, SNI and certificate checks (no brackets)
  std::string port_;
  std::string host_header_;  // "host[:port]" as in the URL
  std::string origin_;       // "scheme://host[:port]" for messages
  std::string base_path_;    // path prefix without trailing "/"

  asio::io_context io_;
  std::optional<ssl::context> tls_context_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

Status HttpClient::Impl::Init() {
  auto bad = [&](std::string why) {
    return InvalidArgument("invalid-server-url", "server URL \"" + options_.server + "\" " + std::move(why));
  };
  auto parsed = boost::urls::parse_absolute_uri(options_.server);
  if (!parsed) return bad("is not an absolute URL");
  boost::urls::url_view url = *parsed;
  std::string scheme = Lower(url.scheme());
  if (scheme != "http" && scheme != "https") return bad("must start with http:// or https://");
  if (!url.has_authority() || url.encoded_host().empty()) return bad("has no host");
  if (url.has_userinfo()) return bad("must not contain credentials");
  if (url.has_query() || url.has_fragment()) return bad("must not have a query or fragment");
  tls_ = scheme == "https";
  host_ = std::string(url.encoded_host_address());
  port_ = url.has_port() ? std::string(url.port()) : (tls_ ? "443" : "80");
  host_header_ = std::string(url.encoded_host_and_port());
  origin_ = std::string(url.encoded_origin());
  base_path_ = std::string(url.encoded_path());
  while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();

  if (tls_) {
    tls_context_.emplace(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls_context_->native_handle(), TLS1_2_VERSION);
    tls_context_->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (!options_.ca_file.empty()) {
      if (tls_context_->load_verify_file(options_.ca_file, ec); ec) {
        return InvalidArgument("invalid-ca-file",
                               "cannot load CA file " + options_.ca_file + ": " + ec.message());
      }
    } else if (tls_context_->set_default_verify_paths(ec); ec) {
      return Internal("cannot load the system trust store: " + ec.message());
    }
  }
  return Status::Ok();
}

bool HttpClient::Impl::RunUntil(Clock::time_point deadline, const std::function<void()>& cancel) {
  io_.restart();
  io_.run_until(deadline);
  if (io_.stopped()) return true;
  cancel();
  io_.restart();
  io_.run();
  return false;
}

void HttpClient::Impl::Close() {
  // No TLS close_notify: the exchange is complete and waiting for the peer's answer could
  // block; servers treat an abrupt close after a full response as normal.
  if (plain_) plain_->close();
  if (secure_) beast::get_lowest_layer(*secure_).close();
  plain_.reset();
  secure_.reset();
  buffer_.clear();
  connected_ = false;
}

Status HttpClient::Impl::Connect(const std::string& url) {
  Close();
  const Clock::time_point deadline = Clock::now() + options_.connect_timeout;
  const std::string timeout_detail =
      "timed out connecting to " + url + " after " + std::to_string(options_.connect_timeout.count()) + " ms";

  tcp::resolver resolver(io_);
  boost::system::error_code ec;
  tcp::resolver::results_type endpoints;
  resolver.async_resolve(host_, port_, [&](boost::system::error_code e, tcp::resolver::results_type r) {
    ec = e;
    endpoints = std::move(r);
  });
  if (!RunUntil(deadline, [&] { resolver.cancel(); })) return TimedOut(timeout_detail);
  if (ec) return Unreachable("cannot resolve " + host_ + " for " + url + ": " + ec.message());

  if (tls_) {
    secure_.emplace(io_, *tls_context_);
  } else {
    plain_.emplace(io_);
  }
  beast::tcp_stream& tcp_stream = tls_ ? beast::get_lowest_layer(*secure_) : *plain_;
  tcp_stream.async_connect(endpoints, [&](boost::system::error_code e, const tcp::endpoint&) { ec = e; });
  if (!RunUntil(deadline, [&] { tcp_stream.close(); })) {
    Close();
    return TimedOut(timeout_detail);
  }
  if (ec) {
    Close();
    return Unreachable("cannot connect to " + url + ": " + ec.message());
  }
  tcp_stream.socket().set_option(tcp::no_delay(true), ec);

  if (tls_) {
    SSL* ssl_handle = secure_->native_handle();
    boost::system::error_code address_ec;
    asio::ip::make_address(host_, address_ec);
    // SNI must carry a DNS name, never an IP literal (RFC 6066 §3). SSL_ctrl is what the
    // SSL_set_tlsext_host_name macro expands to, minus its old-style cast.
    if (address_ec && SSL_ctrl(ssl_handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                               const_cast<char*>(host_.c_str())) != 1) {
      Close();
      return Internal("cannot set TLS server name " + host_);
    }
    secure_->set_verify_callback(ssl::host_name_verification(host_));
    secure_->async_handshake(ssl::stream_base::client, [&](boost::system::error_code e) { ec = e; });
    if (!RunUntil(deadline, [&] { tcp_stream.close(); })) {
      Close();
      return TimedOut(timeout_detail);
    }
    if (ec) {
      Close();
      return Unreachable("TLS handshake with " + url + " failed: " + ec.message());
    }
  }
  connected_ = true;
  return Status::Ok();
}

HttpClient::Impl::Exchange HttpClient::Impl::RoundTrip(const http::request<http::string_body>& request,
                                                       http::response<http::string_body>& response,
                                                       const std::string& url) {
  const Clock::time_point deadline = Clock::now() + options_.request_timeout;
  auto abort = [&] {
    if (plain_) plain_->close();
    if (secure_) beast::get_lowest_layer(*secure_).close();
  };
  auto timeout = [&] {
    Close();
    return Exchange{TimedOut("no answer from " + url + " within " +
                             std::to_string(options_.request_timeout.count()) + " ms")};
  };

  boost::system::error_code ec;
  WithStream([&](auto& stream) {
    http::async_write(stream, request, [&](boost::system::error_code e, size_t) { ec = e; });
  });
  if (!RunUntil(deadline, abort)) return timeout();
  if (ec) {
    Close();
    return Exchange{Unreachable("connection to " + url + " lost while sending: " + ec.message()), true};
  }

  http::response_parser<http::string_body> parser;
  parser.body_limit(options_.max_response_bytes);
  WithStream([&](auto& stream) {
    http::async_read(stream, buffer_, parser, [&](boost::system::error_code e, size_t) { ec = e; });
  });
  if (!RunUntil(deadline, abort)) return timeout();
  if (ec) {
    bool stale = !parser.got_some();
    Close();
    return Exchange{Unreachable("connection to " + url + " lost while reading the answer: " + ec.message()),
                    stale};
  }
  response = parser.release();
  if (!response.keep_alive()) Close();
  return Exchange{};
}

Result<boost::json::value> HttpClient::Impl::Send(Method method, std::string_view path, const Query& query,
                                                  const boost::json::value& body) {
  last_problem.reset();
  const std::string target = Target(path, query);
  const std::string url = origin_ + target;

  http::request<http::string_body> request{Verb(method), target, 11};
  request.set(http::field::host, host_header_);
  request.set(http::field::user_agent, options_.user_agent);
  request.set(http::field::accept, "application/json, application/problem+json");
  if (!options_.token.empty()) request.set(http::field::authorization, "Bearer " + options_.token);
  if (!body.is_null()) {
    request.set(http::field::content_type, "application/json");
    request.body() = boost::json::serialize(body);
  }
  request.keep_alive(true);
  request.prepare_payload();

  http::response<http::string_body> response;
  AIIP_RETURN_IF_ERROR(Transact(request, response, url));

  const int http_status = static_cast<int>(response.result_int());
  if (http_status < 200 || http_status > 299) {
    last_problem = ReadProblem(response);
    return Err(StatusOf(*last_problem));
  }
  if (response.body().empty()) return boost::json::value(nullptr);
  auto parsed = json::Parse(response.body());
  if (!parsed) {
    return Err(Status(Code::kInternal, "invalid-response",
                      "the answer from " + url + " is not valid JSON: " + parsed.error().detail()));
  }
  return std::move(*parsed);
}

std::string HttpClient::Impl::Target(std::string_view path, const Query& query) const {
  std::string target = base_path_ + std::string(path);
  for (size_t i = 0; i < query.size(); ++i) {
    target += i == 0 ? '?' : '&';
    target += boost::urls::encode(query[i].first, boost::urls::unreserved_chars);
    target += '=';
    target += boost::urls::encode(query[i].second, boost::urls::unreserved_chars);
  }
  return target;
}

Status HttpClient::Impl::Stream(std::string_view path, const Query& query,
                                const std::vector<std::pair<std::string, std::string>>& headers,
                                const std::function<bool(std::string_view)>& on_data) {
  last_problem.reset();
  const std::string target = Target(path, query);
  const std::string url = origin_ + target;
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, host_header_);
  request.set(http::field::user_agent, options_.user_agent);
  if (!options_.token.empty()) request.set(http::field::authorization, "Bearer " + options_.token);
  for (const auto& [name, value] : headers) request.set(name, value);
  request.keep_alive(false);

  // A stream never shares the kept-alive connection: it ends by closing its own.
  AIIP_RETURN_IF_ERROR(Connect(url));
  auto abort = [&] {
    if (plain_) plain_->close();
    if (secure_) beast::get_lowest_layer(*secure_).close();
  };
  auto silence = [&] {
    Close();
    return TimedOut("nothing from " + url + " within " + std::to_string(options_.request_timeout.count()) +
                    " ms");
  };
  boost::system::error_code ec;
  WithStream([&](auto& stream) {
    http::async_write(stream, request, [&](boost::system::error_code e, size_t) { ec = e; });
  });
  if (!RunUntil(Clock::now() + options_.request_timeout, abort)) return silence();
  if (ec) {
    Close();
    return Unreachable("connection to " + url + " lost while sending: " + ec.message());
  }

  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);  // a stream has no length; memory is bounded by `chunk`
  WithStream([&](auto& stream) {
    http::async_read_header(stream, buffer_, parser, [&](boost::system::error_code e, size_t) { ec = e; });
  });
  if (!RunUntil(Clock::now() + options_.request_timeout, abort)) return silence();
  if (ec) {
    Close();
    return Unreachable("connection to " + url + " lost while reading the answer: " + ec.message());
  }
  const int http_status = static_cast<int>(parser.get().result_int());
  const bool success = http_status >= 200 && http_status <= 299;
  std::string problem_body;
  char chunk[16384];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof(chunk);
    WithStream([&](auto& stream) {
      http::async_read_some(stream, buffer_, parser, [&](boost::system::error_code e, size_t) { ec = e; });
    });
    if (!RunUntil(Clock::now() + options_.request_timeout, abort)) return silence();
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      Close();
      return Unreachable("connection to " + url + " lost while streaming: " + ec.message());
    }
    const std::string_view got(chunk, sizeof(chunk) - parser.get().body().size);
    if (!success) {
      if (problem_body.size() + got.size() > options_.max_response_bytes) break;
      problem_body.append(got);
    } else if (!got.empty() && !on_data(got)) {
      break;
    }
  }
  Close();
  if (!success) {
    http::response<http::string_body> response{parser.get().result(), 11};
    response.reason(parser.get().reason());
    for (const auto& field : parser.get()) response.set(field.name_string(), field.value());
    response.body() = std::move(problem_body);
    last_problem = ReadProblem(response);
    return StatusOf(*last_problem);
  }
  return Status::Ok();
}

Status HttpClient::Impl::Transact(const http::request<http::string_body>& request,
                                  http::response<http::string_body>& response, const std::string& url) {
  for (int attempt = 0;; ++attempt) {
    const bool reused = connected_;
    if (!connected_) AIIP_RETURN_IF_ERROR(Connect(url));
    Exchange exchange = RoundTrip(request, response, url);
    if (exchange.status.ok()) return Status::Ok();
    // Resend once on a fresh connection when a kept-alive one turned out to be closed:
    // the server never saw the request then, so even a POST cannot be applied twice.
    if (!(reused && exchange.stale && attempt == 0)) return exchange.status;
  }
}

Result<RawResponse> HttpClient::Impl::PostRaw(std::string_view path, std::string_view content_type,
                                              const std::vector<std::pair<std::string, std::string>>& headers,
                                              std::string body) {
  last_problem.reset();
  std::string target = base_path_ + std::string(path);
  if (target.empty()) target = "/";
  const std::string url = origin_ + target;
  http::request<http::string_body> request{http::verb::post, target, 11};
  request.set(http::field::host, host_header_);
  request.set(http::field::user_agent, options_.user_agent);
  request.set(http::field::content_type, content_type);
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = std::move(body);
  request.keep_alive(true);
  request.prepare_payload();
  http::response<http::string_body> response;
  AIIP_RETURN_IF_ERROR(Transact(request, response, url));
  return RawResponse{static_cast<int>(response.result_int()), std::move(response.body())};
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::Create(ClientOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  if (Status status = impl->Init(); !status.ok()) return Err(status);
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

Result<RawResponse> HttpClient::PostRaw(std::string_view path, std::string_view content_type,
                                        const std::vector<std::pair<std::string, std::string>>& headers,
                                        std::string body) {
  return impl_->PostRaw(path, content_type, headers, std::move(body));
}

Result<boost::json::value> HttpClient::Send(Method method, std::string_view path, const Query& query,
                                            const boost::json::value& body) {
  return impl_->Send(method, path, query, body);
}

Status HttpClient::Stream(std::string_view path, const Query& query,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::function<bool(std::string_view)>& on_data) {
  return impl_->Stream(path, query, headers, on_data);
}

const std::optional<Problem>& HttpClient::last_problem() const { return impl_->last_problem; }
const std::string& HttpClient::server() const { return impl_->options().server; }

std::string PathSegment(std::string_view segment) {
  return boost::urls::encode(segment, boost::urls::unreserved_chars);
}

Code CodeForHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
      return Code::kInvalidArgument;
    case 401:
      return Code::kUnauthenticated;
    case 403:
      return Code::kPermissionDenied;
    case 404:
      return Code::kNotFound;
    case 409:
      return Code::kConflict;
    case 412:
    case 422:
    case 428:
      return Code::kFailedPrecondition;
    case 413:
      return Code::kPayloadTooLarge;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code::kUnavailable;
    default:
      return http_status >= 400 && http_status < 500 ? Code::kInvalidArgument : Code::kInternal;
  }
}

bool IsTransportError(const Status& status) {
  return status.code() == Code::kUnavailable &&
         (status.type() == "unreachable" || status.type() == "timeout");
}

}  // namespace aiip::client
