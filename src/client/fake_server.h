// FakeServer: a test double of an AIIP node for the client's and the CLI's unit tests.
//
// It listens on 127.0.0.1 on an ephemeral port (plain HTTP, or HTTPS with a self-signed
// certificate made at start-up) and answers every request with whatever the test's handler
// returns, honouring keep-alive and recording the requests and connections it saw. It runs
// on its own thread; the destructor stops it. End-to-end tests against a real aiipd live in
// tests/integration.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace aiip::client::testing {

struct FakeRequest {
  std::string method;  // "GET", ...
  std::string target;  // raw request-target, e.g. "/api/v1/parties?limit=2"
  std::string authorization;
  std::string content_type;
  std::string body;
};

struct FakeResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  bool close = false;                  // answer with "Connection: close" and hang up
  bool drop_after = false;             // hang up after answering without announcing it, as
                                       // a server does when a kept-alive connection idles out
  std::chrono::milliseconds delay{0};  // wait this long before answering
};

// A self-signed certificate for 127.0.0.1 and localhost, in PEM.
struct TestCertificate {
  std::string certificate_pem;
  std::string private_key_pem;
};

// Generates a fresh ECDSA P-256 self-signed certificate valid for one day with
// subjectAltName IP:127.0.0.1 and DNS:localhost. Aborts the test binary on failure.
TestCertificate MakeTestCertificate();

class FakeServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  // Starts serving; with `tls` the server speaks HTTPS using that certificate.
  explicit FakeServer(Handler handler, const TestCertificate* tls = nullptr);
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  // "http://127.0.0.1:PORT" (or https://).
  std::string url() const;
  int port() const;
  // Requests answered so far, in order.
  std::vector<FakeRequest> requests() const;
  // TCP connections accepted so far.
  int connections() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aiip::client::testing
