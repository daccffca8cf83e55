#include "http/server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/object.hpp>
#include <boost/url/parse.hpp>
#include <cassert>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <future>
#include <mutex>
#include <random>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "common/encoding.h"
#include "common/log.h"
#include "http/problem.h"

namespace aiip::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace internal {
namespace {

// How long a closing connection keeps reading (and discarding) what the client still
// sends, so that our last response is not destroyed by a TCP reset (e.g. after a 413
// while the client is still uploading the body).
constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kReadChunk = 4096;
// A streaming client that falls this far behind is disconnected; it resumes from its last
// event id, which costs less than holding an unbounded queue for it.
constexpr size_t kMaxStreamQueueBytes = 4 << 20;
// How long Shutdown waits for connections it closed by force to go away.
constexpr std::chrono::seconds kForcedCloseWait{1};
constexpr size_t kMaxRequestIdLength = 64;

bool ValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  std::string address = endpoint.address().to_string();
  if (endpoint.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(endpoint.port());
}

// IMF-fixdate (RFC 9110 §5.6.7), recomputed at most once per second per thread.
std::string_view HttpDate(const Clock& clock) {
  thread_local int64_t cached_second = -1;
  thread_local std::array<char, 32> text{};
  thread_local size_t length = 0;
  int64_t second = std::chrono::floor<std::chrono::seconds>(clock.Now()).time_since_epoch().count();
  if (second != cached_second) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t t = static_cast<std::time_t>(second);
    std::tm tm{};
    gmtime_r(&t, &tm);
    int n =
        std::snprintf(text.data(), text.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                      tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    length = static_cast<size_t>(n);
    cached_second = second;
  }
  return {text.data(), length};
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Handler headers are copied to the wire verbatim, so a CR or LF taken from client input
// would let the client inject headers; the framing headers belong to the server.
bool HeadersAreSafe(const Response& response) {
  auto safe_value = [](std::string_view value) {
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
  };
  if (!safe_value(response.content_type)) return false;
  for (const auto& [name, value] : response.headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar) || !safe_value(value)) {
      return false;
    }
    if (name == "content-length" || name == "transfer-encoding" || name == "connection") return false;
  }
  return true;
}

// Fills path and query from the raw target; only origin-form ("/path?query") is valid
// for a server that is not a proxy.
Status DecodeTarget(Request& request) {
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url) {
    return InvalidArgument("malformed-target",
                           "the request target is not an absolute path with optional query");
  }
  request.path = url->path();
  for (auto param : url->params()) request.query.emplace(param.key, param.value);
  return Status::Ok();
}

}  // namespace

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Asks the session, from any thread, to close if idle (`force` = close regardless).
  virtual void Stop(bool force) = 0;
};

// State shared by the acceptor and every session. Sessions refer to it by reference: the
// io_context (declared after everything the sessions use) is destroyed first, taking
// every pending handler and so every session with it.
class ServerCore {
 public:
  ServerCore(ServerOptions options, Handler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        random_(options_.random != nullptr ? *options_.random : SecureRandom()),
        clock_(options_.clock != nullptr ? *options_.clock : SystemClock()),
        ioc_(options_.threads),
        acceptor_(asio::make_strand(ioc_)),
        accept_retry_(acceptor_.get_executor()) {
    assert(handler_ && options_.threads > 0 && options_.max_body_bytes > 0 && options_.max_header_bytes > 0 &&
           options_.max_connections > 0);
    if (options_.metrics != nullptr) metrics_.emplace(*options_.metrics);
  }

  ~ServerCore() { Shutdown(std::chrono::milliseconds(0)); }

  Status Start();
  uint16_t BoundPort() const { return bound_port_.load(); }
  void Shutdown(std::chrono::milliseconds grace);
  void RunUntilSignal(std::chrono::milliseconds grace);

  // For sessions.
  const ServerOptions& options() const { return options_; }
  const Clock& clock() const { return clock_; }
  bool stopping() const { return stopping_.load(); }
  // Request ids correlate log lines; they are not secrets. Drawing them from the secure
  // generator cost ~6% of the CPU of a small request (OpenSSL's DRBG locks and checks
  // for fork), so each pool thread seeds a fast generator from `random_` once.
  std::string NewRequestId() {
    thread_local std::optional<std::mt19937_64> engine;
    if (!engine) {
      std::array<uint8_t, sizeof(uint64_t)> seed;
      random_.Fill(seed);
      uint64_t value = 0;
      std::memcpy(&value, seed.data(), sizeof(value));
      engine.emplace(value);
    }
    std::array<uint8_t, 16> bytes;
    for (size_t i = 0; i < bytes.size(); i += sizeof(uint64_t)) {
      uint64_t word = (*engine)();
      std::memcpy(bytes.data() + i, &word, sizeof(word));
    }
    return HexEncode(bytes);
  }
  Response Dispatch(Request& request);
  void RecordRequest(std::string_view route, std::string_view method, int status, double seconds) {
    if (metrics_) metrics_->RecordRequest(route, method, status, seconds);
  }
  void Unregister(SessionBase* session);

 private:
  void Accept();
  void CloseAcceptor();
  void OnAccept(const error_code& ec, tcp::socket socket);
  bool Register(const std::shared_ptr<SessionBase>& session);
  std::vector<std::shared_ptr<SessionBase>> LiveSessions();
  void StopSessions(bool force);

  const ServerOptions options_;
  const Handler handler_;
  Random& random_;
  const Clock& clock_;
  std::optional<metrics::HttpMetrics> metrics_;
  std::optional<ssl::context> tls_;
  std::atomic<uint16_t> bound_port_{0};
  std::atomic<bool> stopping_{false};

  std::mutex sessions_mu_;
  std::condition_variable sessions_cv_;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions_;

  std::mutex lifecycle_mu_;  // serialises Start and Shutdown
  bool started_ = false;
  bool stopped_ = false;
  std::vector<std::thread> threads_;

  std::mutex waiter_mu_;
  bool waiter_done_ = false;
  std::function<void()> wake_waiter_;  // wakes RunUntilSignal

  // Declared last: destroyed first (see the class comment).
  asio::io_context ioc_;
  tcp::acceptor acceptor_;           // used only on its strand
  asio::steady_timer accept_retry_;  // same strand
};

namespace {

// Where a connection is; Stop() uses it to tell idle connections from busy ones. (A
// handler runs on the connection's strand, so Stop() never observes one running.)
enum class Phase { kHandshake, kIdle, kReading, kWriting, kStreaming, kClosing };

// What the access log and metrics need once the response has been written.
struct Exchange {
  std::string request_id;
  std::string method;
  std::string path;
  std::string route;
  int status = 0;
  size_t bytes = 0;
  std::chrono::steady_clock::time_point start;
};

// The StreamSink of one streaming response: forwards pushes to its session's strand. It
// holds the session weakly, so a closed connection is freed even while a source still
// holds the sink.
class SessionSink final : public StreamSink {
 public:
  using Forward = std::function<void(std::string bytes, bool close)>;
  explicit SessionSink(Forward forward) : forward_(std::move(forward)) {}

  bool Push(std::string bytes) override {
    if (!open_.load()) return false;
    forward_(std::move(bytes), false);
    return open_.load();
  }
  void Close() override {
    if (open_.load()) forward_({}, true);
  }
  bool Open() const override { return open_.load(); }
  void MarkClosed() { open_.store(false); }

 private:
  Forward forward_;
  std::atomic<bool> open_{true};
};

// One connection. Every member function runs on the connection's strand; the session
// keeps itself alive through the shared_ptr bound into each pending operation.
template <typename Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Session(ServerCore& server, Stream stream, std::string remote)
      : server_(server), options_(server.options()), stream_(std::move(stream)), remote_(std::move(remote)) {}

  ~Session() override { server_.Unregister(this); }

  void Run() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->OnRun(); });
  }

  void Stop(bool force) override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this(), force] { self->OnStop(force); });
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  template <typename F>
  auto Bind(F f) {
    return beast::bind_front_handler(f, this->shared_from_this());
  }

  void OnRun() {
    if constexpr (kTls) {
      phase_ = Phase::kHandshake;
      Lowest().expires_after(options_.read_timeout);
      stream_.async_handshake(ssl::stream_base::server, Bind(&Session::OnHandshake));
    } else {
      ReadRequest();
    }
  }

  void OnHandshake(const error_code& ec) {
    if (ec) return Close();
    ReadRequest();
  }

  void ReadRequest() {
    if (server_.stopping() && buffer_.size() == 0) return Close();
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    if (served_ > 0 && buffer_.size() == 0) {
      // Between requests: the idle timeout applies until the next request starts.
      phase_ = Phase::kIdle;
      Lowest().expires_after(options_.idle_timeout);
      stream_.async_read_some(buffer_.prepare(kReadChunk), Bind(&Session::OnIdleRead));
      return;
    }
    ReadHeader();
  }

  void OnIdleRead(const error_code& ec, size_t n) {
    if (ec) return Close();  // idle timeout, client closed, or shutdown
    buffer_.commit(n);
    ReadHeader();
  }

  void ReadHeader() {
    phase_ = Phase::kReading;
    // One deadline for the whole request (headers, 100-continue, body): a slow client
    // cannot extend it by trickling bytes.
    Lowest().expires_after(options_.read_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_, Bind(&Session::OnHeader));
  }

  void OnHeader(const error_code& ec, size_t) {
    if (ec) return OnReadError(ec);
    const auto& header = parser_->get();
    if (parser_->is_done()) return OnRequest();
    // Clients such as curl wait for "100 Continue" before sending a large body; the body
    // limit was already checked against Content-Length when the header was parsed.
    if (header.version() >= 11 && beast::iequals(header[bhttp::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        Bind(&Session::OnContinueSent));
      return;
    }
    ReadBody();
  }

  void OnContinueSent(const error_code& ec, size_t) {
    if (ec) return Close();
    ReadBody();
  }

  void ReadBody() { bhttp::async_read(stream_, buffer_, *parser_, Bind(&Session::OnBody)); }

  void OnBody(const error_code& ec, size_t) {
    if (ec) return OnReadError(ec);
    OnRequest();
  }

  void OnReadError(const error_code& ec) {
    if (ec == bhttp::error::end_of_stream) return Close();  // client closed between requests
    if (ec == bhttp::error::body_limit) {
      return Reject(413, "payload-too-large",
                    "the request body exceeds " + std::to_string(options_.max_body_bytes) + " bytes");
    }
    if (ec == bhttp::error::header_limit) {
      return Reject(
          431, "headers-too-large",
          "the request line and headers exceed " + std::to_string(options_.max_header_bytes) + " bytes");
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
      return Reject(400, "malformed-request", "the request is not valid HTTP/1.1: " + ec.message());
    }
    // Timeouts, resets and shutdown: nobody is waiting for an answer.
    Close();
  }

  // Answers a request that could not be read completely, then closes the connection
  // (the rest of the request is still on the wire, so the stream cannot be reused).
  void Reject(int status, std::string_view type, std::string detail) {
    Request request;
    request.remote_address = remote_;
    // The request line and the headers read so far are in the message even when the
    // header as a whole failed (e.g. a Content-Length over the limit).
    const auto& header = parser_->get();
    request.method = std::string(header.method_string());
    request.target = std::string(header.target());
    if (!DecodeTarget(request).ok()) request.path.clear();
    if (auto id = header["x-request-id"]; ValidRequestId(id)) request.request_id = std::string(id);
    if (request.request_id.empty()) request.request_id = server_.NewRequestId();
    unread_input_ = true;
    Write(request, ProblemResponse(status, type, detail, request), /*keep_alive=*/false,
          server_.clock().Monotonic());
  }

  void OnRequest() {
    auto start = server_.clock().Monotonic();
    auto& message = parser_->get();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.headers.reserve(static_cast<size_t>(std::distance(message.begin(), message.end())));
    for (const auto& field : message) {
      request.headers.emplace_back(Lower(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.remote_address = remote_;
    auto id = message["x-request-id"];
    request.request_id = ValidRequestId(id) ? std::string(id) : server_.NewRequestId();
    // HTTP/1.0 connections close after one response, whatever they ask for.
    bool keep_alive = message.version() >= 11 && message.keep_alive();

    Status decoded = DecodeTarget(request);
    Response response = decoded.ok() ? server_.Dispatch(request) : ProblemResponse(decoded, request);
    Write(request, std::move(response), keep_alive, start);
  }

  void Write(const Request& request, Response response, bool keep_alive,
             std::chrono::steady_clock::time_point start) {
    exchange_ = Exchange{request.request_id, request.method,       request.path, request.route_name,
                         response.status,    response.body.size(), start};
    keep_alive_ = keep_alive && !server_.stopping();
    // Interim (1xx) responses are the server's business (100 Continue), not a handler's.
    assert(response.status >= 200 && response.status <= 599);

    if (!HeadersAreSafe(response)) {
      log::Error("handler set an invalid response header; answering 500",
                 {{"request_id", request.request_id}});
      response = ProblemResponse(Internal("the request could not be completed"), request);
      exchange_.status = response.status;
      exchange_.bytes = response.body.size();
    }

    // The head is serialised by hand into a buffer reused across requests, and written
    // together with the body in one gathered write: cheaper than Beast's generic
    // serializer, which allocates a node per header field.
    head_.clear();
    head_ += "HTTP/1.1 ";
    head_ += std::to_string(response.status);
    head_ += ' ';
    head_ += bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(response.status)));
    head_ += "\r\nServer: aiipd\r\nDate: ";
    head_ += HttpDate(server_.clock());
    if (!response.content_type.empty()) {
      head_ += "\r\nContent-Type: ";
      head_ += response.content_type;
    }
    head_ += "\r\nX-Request-Id: ";
    head_ += request.request_id;
    for (const auto& [name, value] : response.headers) {
      head_ += "\r\n";
      head_ += name;
      head_ += ": ";
      head_ += value;
    }
    stream_source_ = std::move(response.stream);
    if (stream_source_ != nullptr) {
      // The body is delimited by the end of the connection.
      keep_alive_ = false;
      head_ += "\r\nCache-Control: no-store";
    } else if (response.status != 204) {  // RFC 9110 §8.6: no Content-Length in a 204

      head_ += "\r\nContent-Length: ";
      head_ += std::to_string(response.body.size());
    }
    if (!keep_alive_) head_ += "\r\nConnection: close";
    head_ += "\r\n\r\n";
    body_ = std::move(response.body);

    phase_ = Phase::kWriting;
    Lowest().expires_after(options_.write_timeout);
    std::array<asio::const_buffer, 2> buffers = {asio::buffer(head_), asio::buffer(body_)};
    asio::async_write(stream_, buffers, Bind(&Session::OnWrite));
  }

  void OnWrite(const error_code& ec, size_t) {
    double seconds = std::chrono::duration<double>(server_.clock().Monotonic() - exchange_.start).count();
    log::Info("request", {{"request_id", exchange_.request_id},
                          {"method", exchange_.method},
                          {"path", exchange_.path},
                          {"status", exchange_.status},
                          {"duration_ms", std::round(seconds * 1e6) / 1e3},  // µs precision
                          {"bytes", exchange_.bytes},
                          {"remote", remote_}});
    server_.RecordRequest(exchange_.route, exchange_.method, exchange_.status, seconds);
    if (ec) return Close();
    if (stream_source_ != nullptr && !server_.stopping()) return StartStreaming();
    if (!keep_alive_ || server_.stopping()) return Linger();
    ++served_;
    ReadRequest();
  }

  void StartStreaming() {
    phase_ = Phase::kStreaming;
    Lowest().expires_never();
    std::weak_ptr<Session> weak = this->shared_from_this();
    auto executor = stream_.get_executor();
    sink_ = std::make_shared<SessionSink>([weak, executor](std::string bytes, bool close) {
      asio::post(executor, [weak, bytes = std::move(bytes), close]() mutable {
        if (auto self = weak.lock()) self->OnStreamPush(std::move(bytes), close);
      });
    });
    // The client sends nothing more; a read completes only when it goes away. It reads the
    // TCP socket under any TLS layer, since its bytes are discarded either way.
    Lowest().socket().async_read_some(asio::buffer(discard_), Bind(&Session::OnStreamRead));
    std::shared_ptr<StreamSource> source = std::move(stream_source_);
    source->Attach(sink_);
  }

  void OnStreamRead(const error_code& ec, size_t) {
    if (ec) return Close();
    Lowest().socket().async_read_some(asio::buffer(discard_), Bind(&Session::OnStreamRead));
  }

  void OnStreamPush(std::string bytes, bool close) {
    if (phase_ != Phase::kStreaming) return;
    if (close) {
      close_requested_ = true;
    } else {
      stream_queued_bytes_ += bytes.size();
      stream_queue_.push_back(std::move(bytes));
      if (stream_queued_bytes_ > kMaxStreamQueueBytes) return Close();
    }
    if (!stream_writing_) WriteStreamQueue();
  }

  void WriteStreamQueue() {
    if (stream_queue_.empty()) {
      // Everything was written and the client sends nothing, so closing loses nothing.
      if (close_requested_) Close();
      return;
    }
    body_.clear();
    for (std::string& piece : stream_queue_) body_ += piece;
    stream_queue_.clear();
    stream_queued_bytes_ = 0;
    stream_writing_ = true;
    Lowest().expires_after(options_.write_timeout);
    asio::async_write(stream_, asio::buffer(body_), Bind(&Session::OnStreamWrite));
  }

  void OnStreamWrite(const error_code& ec, size_t) {
    stream_writing_ = false;
    if (ec || phase_ != Phase::kStreaming) return Close();
    Lowest().expires_never();
    WriteStreamQueue();
  }

  void OnStop(bool force) {
    if (force) return Close();
    if (phase_ == Phase::kClosing) return;
    if (phase_ == Phase::kStreaming) return Close();
    bool nothing_received =
        phase_ == Phase::kReading && buffer_.size() == 0 && parser_.has_value() && !parser_->got_some();
    if (phase_ == Phase::kIdle || phase_ == Phase::kHandshake || nothing_received) {
      Close();
    }
    // Otherwise a request is under way; OnWrite closes the connection after its response.
  }

  // Closes after a final response. Closing a socket that still has unread input makes
  // the kernel send a reset, which can destroy the response before the client reads it;
  // so when input is (or may still be) pending, half-close and discard input until the
  // client closes or kLingerTime ends.
  void Linger() {
    phase_ = Phase::kClosing;
    Lowest().expires_after(kLingerTime);
    if constexpr (kTls) {
      // close_notify; completes when the client answers with its own, or times out.
      stream_.async_shutdown([self = this->shared_from_this()](const error_code&) { self->Close(); });
    } else {
      error_code ignored;
      Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      if (!unread_input_ && buffer_.size() == 0 && Lowest().socket().available(ignored) == 0) {
        return Close();
      }
      Drain({}, 0);
    }
  }

  void Drain(const error_code& ec, size_t) {
    if (ec) return Close();
    buffer_.clear();
    Lowest().async_read_some(buffer_.prepare(kReadChunk), Bind(&Session::Drain));
  }

  void Close() {
    phase_ = Phase::kClosing;
    if (sink_ != nullptr) sink_->MarkClosed();
    Lowest().close();
  }

  ServerCore& server_;
  const ServerOptions& options_;
  Stream stream_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string head_;  // status line and headers of the response being written
  std::string body_;  // its body
  Exchange exchange_;
  Phase phase_ = Phase::kReading;
  bool keep_alive_ = false;
  bool unread_input_ = false;  // a request was rejected before it was read completely
  uint64_t served_ = 0;
  // Streaming responses (kStreaming).
  std::shared_ptr<StreamSource> stream_source_;
  std::shared_ptr<SessionSink> sink_;
  std::vector<std::string> stream_queue_;
  size_t stream_queued_bytes_ = 0;
  bool stream_writing_ = false;
  bool close_requested_ = false;
  std::array<char, 256> discard_{};
};

}  // namespace

Response ServerCore::Dispatch(Request& request) {
  try {
    return handler_(request);
  } catch (const std::exception& e) {
    log::Error("handler threw", {{"request_id", request.request_id}, {"what", e.what()}});
  } catch (...) {
    log::Error("handler threw", {{"request_id", request.request_id}, {"what", "unknown"}});
  }
  return ProblemResponse(Internal("the request could not be completed"), request);
}

Status ServerCore::Start() {
  std::lock_guard lifecycle(lifecycle_mu_);
  assert(!started_ && "a Server starts at most once");
  std::string address = options_.host + ":" + std::to_string(options_.port);

  if (options_.tls) {
    tls_.emplace(ssl::context::tls_server);
    tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
    error_code ec;
    tls_->use_certificate_chain_file(options_.tls->certificate_chain_file, ec);
    if (ec) {
      tls_.reset();
      return InvalidArgument(
          "tls-certificate",
          "cannot load TLS certificate chain " + options_.tls->certificate_chain_file + ": " + ec.message());
    }
    tls_->use_private_key_file(options_.tls->private_key_file, ssl::context::pem, ec);
    if (!ec && SSL_CTX_check_private_key(tls_->native_handle()) != 1) {
      ec = error_code(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category());
    }
    if (ec) {
      tls_.reset();
      return InvalidArgument("tls-key", "cannot load TLS private key " + options_.tls->private_key_file +
                                            " (or it does not match the certificate): " + ec.message());
    }
  }

  error_code ec;
  tcp::endpoint endpoint;
  auto ip = asio::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(ip, options_.port);
  } else {
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port), tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return Unavailable("cannot resolve listen address " + address + ": " +
                         (ec ? ec.message() : std::string("no addresses")));
    }
    endpoint = results.begin()->endpoint();
  }

  auto fail = [&](std::string_view step) {
    error_code ignored;
    acceptor_.close(ignored);
    return Status(Code::kUnavailable, "listen-failed",
                  "cannot " + std::string(step) + " " + address + ": " + ec.message());
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket for");
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("set SO_REUSEADDR on");
  acceptor_.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  bound_port_ = acceptor_.local_endpoint(ec).port();

  started_ = true;
  asio::post(acceptor_.get_executor(), [this] { Accept(); });
  threads_.reserve(static_cast<size_t>(options_.threads));
  for (int i = 0; i < options_.threads; ++i) {
    threads_.emplace_back([this] {
      // Handlers catch their own exceptions; this keeps a pool thread alive if anything
      // else (an allocation failure in Beast, say) escapes.
      while (true) {
        try {
          ioc_.run();
          return;
        } catch (const std::exception& e) {
          log::Error("http server thread caught an exception", {{"what", e.what()}});
        }
      }
    });
  }
  log::Info("http server listening", {{"address", FormatEndpoint(acceptor_.local_endpoint(ec))},
                                      {"tls", options_.tls.has_value()},
                                      {"threads", options_.threads}});
  return Status::Ok();
}

void ServerCore::CloseAcceptor() {
  error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
}

void ServerCore::Accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](const error_code& ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void ServerCore::OnAccept(const error_code& ec, tcp::socket socket) {
  if (!acceptor_.is_open()) return;  // shut down
  if (ec) {
    // Typically out of file descriptors: back off instead of spinning on the error.
    log::Warn("accept failed", {{"error", ec.message()}});
    accept_retry_.expires_after(std::chrono::milliseconds(100));
    accept_retry_.async_wait([this](const error_code& wait_ec) {
      if (!wait_ec && acceptor_.is_open()) Accept();
    });
    return;
  }
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  auto peer = socket.remote_endpoint(ignored);
  std::string remote = FormatEndpoint(peer);
  std::shared_ptr<SessionBase> session;
  if (tls_) {
    auto s = std::make_shared<Session<ssl::stream<beast::tcp_stream>>>(
        *this, ssl::stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls_),
        std::move(remote));
    if (Register(s)) s->Run();
    session = std::move(s);
  } else {
    auto s = std::make_shared<Session<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(socket)),
                                                          std::move(remote));
    if (Register(s)) s->Run();
    session = std::move(s);
  }
  // A session that was not registered closes its socket when `session` goes away here.
  Accept();
}

bool ServerCore::Register(const std::shared_ptr<SessionBase>& session) {
  std::lock_guard lock(sessions_mu_);
  if (sessions_.size() >= options_.max_connections) {
    log::Debug("connection refused: limit reached", {{"limit", options_.max_connections}});
    return false;
  }
  sessions_.emplace(session.get(), session);
  if (metrics_) metrics_->connections_open().Add(1);
  return true;
}

void ServerCore::Unregister(SessionBase* session) {
  std::lock_guard lock(sessions_mu_);
  if (sessions_.erase(session) == 0) return;
  if (metrics_) metrics_->connections_open().Add(-1);
  if (sessions_.empty()) sessions_cv_.notify_all();
}

std::vector<std::shared_ptr<SessionBase>> ServerCore::LiveSessions() {
  std::vector<std::shared_ptr<SessionBase>> out;
  std::lock_guard lock(sessions_mu_);
  out.reserve(sessions_.size());
  for (auto& [raw, weak] : sessions_) {
    if (auto strong = weak.lock()) out.push_back(std::move(strong));
  }
  return out;
}

void ServerCore::StopSessions(bool force) {
  for (auto& session : LiveSessions()) session->Stop(force);
}

void ServerCore::Shutdown(std::chrono::milliseconds grace) {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (!started_ || stopped_) return;
  for ([[maybe_unused]] const auto& thread : threads_) {
    assert(thread.get_id() != std::this_thread::get_id() && "Shutdown called from a handler");
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  // Sessions check `stopping_` before each read, so one registered after the snapshot in
  // StopSessions still closes instead of waiting for another request.
  stopping_ = true;
  // The acceptor belongs to its strand; wait for the close so that new connections are
  // refused from here on (unless every pool thread is stuck in a handler past `grace`).
  std::promise<void> acceptor_closed;
  asio::post(acceptor_.get_executor(), [this, &acceptor_closed] {
    CloseAcceptor();
    acceptor_closed.set_value();
  });
  acceptor_closed.get_future().wait_until(deadline);
  StopSessions(/*force=*/false);
  {
    std::unique_lock lock(sessions_mu_);
    if (!sessions_cv_.wait_until(lock, deadline, [this] { return sessions_.empty(); })) {
      log::Warn("shutdown grace period over; closing connections", {{"connections", sessions_.size()}});
      lock.unlock();
      StopSessions(/*force=*/true);
      // The closes run on the pool; give them a moment so clients see the connection
      // end now rather than when the server object is destroyed. A handler that is
      // still running keeps its connection until it returns.
      lock.lock();
      sessions_cv_.wait_for(lock, kForcedCloseWait, [this] { return sessions_.empty(); });
    }
  }
  // Without sessions or an acceptor the threads run out of work and return by
  // themselves; stop() also ends them if a forced close is still in flight.
  ioc_.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  CloseAcceptor();  // in case the posted close never ran; no thread can race with it now
  stopped_ = true;
  log::Info("http server stopped");

  std::lock_guard lock(waiter_mu_);
  waiter_done_ = true;
  if (wake_waiter_) wake_waiter_();
}

void ServerCore::RunUntilSignal(std::chrono::milliseconds grace) {
  {
    std::lock_guard lifecycle(lifecycle_mu_);
    assert(started_ && "RunUntilSignal requires a successful Start()");
  }
  asio::io_context signal_ioc(1);
  asio::signal_set signals(signal_ioc, SIGINT, SIGTERM);
  int received = 0;
  signals.async_wait([&](const error_code& ec, int signal) {
    if (!ec) received = signal;
  });
  {
    std::lock_guard lock(waiter_mu_);
    if (!waiter_done_) {
      wake_waiter_ = [&] { asio::post(signal_ioc, [&] { signals.cancel(); }); };
    } else {
      signals.cancel();
    }
  }
  signal_ioc.run();
  {
    std::lock_guard lock(waiter_mu_);
    wake_waiter_ = nullptr;
  }
  if (received != 0) {
    log::Info("signal received; shutting down",
              {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}, {"grace_ms", grace.count()}});
  }
  Shutdown(grace);
}

}  // namespace internal

Server::Server(ServerOptions options, Handler handler)
    : core_(std::make_unique<internal::ServerCore>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

Status Server::Start() { return core_->Start(); }
uint16_t Server::BoundPort() const { return core_->BoundPort(); }
void Server::Shutdown(std::chrono::milliseconds grace) { core_->Shutdown(grace); }
void Server::RunUntilSignal(std::chrono::milliseconds grace) { core_->RunUntilSignal(grace); }

}  // namespace aiip::http
