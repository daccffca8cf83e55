// Server: AIIP's HTTP/1.1 server (Boost.Beast on Boost.Asio), optionally over TLS 1.2+.
//
// The server owns the transport and nothing else. It accepts connections, reads one
// request at a time from each (keep-alive and pipelining are safe: requests on a
// connection are handled strictly in order), turns it into a transport-free Request
// (message.h) with decoded path and query, calls the Handler and writes the Response. It
// enforces the limits that protect a public endpoint — request size, header size, time
// to receive a request, idle keep-alive time, write time, connection count — answering
// with problem details (problem.h) where a response still makes sense (400, 413, 431)
// and closing the connection where it does not (timeouts). Every response carries
// `Server`, `Date`, `Content-Length` and `X-Request-Id`; every request yields one access
// log line ({"msg":"request","request_id","method","path","status","duration_ms","bytes",
// "remote"}; the path never includes the query, which may hold cursors) and, when a
// registry is given, updates the HttpMetrics of metrics.h.
//
// The Handler runs on the server's fixed thread pool (`threads` threads also run all
// network I/O), so it may block briefly (a database query) but must not wait for long.
//
// Lifecycle: construct, Start(), then Shutdown() or RunUntilSignal(). A Server is started
// at most once. Start(), Shutdown() and RunUntilSignal() must not be called from a
// Handler; BoundPort() may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "http/message.h"
#include "http/metrics.h"

namespace aiip::http {

namespace internal {
class ServerCore;  // server.cc
}  // namespace internal

// A transport-free request handler. It may throw only by mistake: the server answers a
// 500 problem and logs the exception. Called concurrently from several threads.
using Handler = std::function<Response(Request&)>;

struct TlsOptions {
  std::string certificate_chain_file;  // PEM: leaf certificate first, then intermediates
  std::string private_key_file;        // PEM, unencrypted
};

struct ServerOptions {
  // IP literal ("127.0.0.1", "::1", "0.0.0.0") or a host name, resolved once by Start().
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; see BoundPort()
  int threads = 4;
  size_t max_body_bytes = 1 << 20;     // larger bodies -> 413 without calling the handler
  size_t max_header_bytes = 16 << 10;  // larger request line + headers -> 431
  size_t max_connections = 10'000;     // further connections are closed at once
  // Time allowed to receive a whole request, from its first byte (or from accept).
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  // Time a keep-alive connection may wait for the first byte of its next request.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // Time allowed to write one response.
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  std::optional<TlsOptions> tls;         // set: every connection is TLS 1.2 or later
  metrics::Registry* metrics = nullptr;  // not owned; must outlive the server; null = none
  Random* random = nullptr;              // request ids; null = SecureRandom(). Not owned.
  Clock* clock = nullptr;                // Date header and durations; null = SystemClock(). Not owned.
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  // Shuts down with no grace period if still running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the TLS files (if any), binds and listens, then starts the thread pool and
  // returns. Failure (unreadable or mismatched TLS files, unresolvable host, address in
  // use, ...) returns a non-OK Status naming the file or the address, and starts nothing.
  Status Start();

  // The port actually bound (useful with port 0). 0 before a successful Start().
  uint16_t BoundPort() const;

  // Graceful stop: stops accepting (new connections are refused), closes idle keep-alive
  // connections, lets requests in progress finish and their responses be written (each
  // then closes its connection), and waits up to `grace` for that. Connections still open
  // after `grace` are closed; then the thread pool is joined (a handler that never returns
  // blocks this). Idempotent and thread-safe: concurrent callers all return once the
  // server has stopped. A no-op before Start().
  void Shutdown(std::chrono::milliseconds grace);

  // Blocks until SIGINT or SIGTERM arrives (or Shutdown() is called elsewhere), then
  // calls Shutdown(grace) and returns when the server has stopped. Requires a successful
  // Start(). Installs the signal handlers only while it runs.
  void RunUntilSignal(std::chrono::milliseconds grace);

 private:
  std::unique_ptr<internal::ServerCore> core_;
};

}  // namespace aiip::http
