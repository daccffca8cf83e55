#include "http/server.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "http/problem.h"

namespace aiip::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

using ClientResponse = bhttp::response<bhttp::string_body>;

// Echoes what the server decoded, so tests can check the Request it built.
Response Echo(Request& request) {
  boost::json::object query;
  for (const auto& [k, v] : request.query) query[k] = v;
  request.route_name = "echo";
  return JsonResponse(200, boost::json::object{{"method", request.method},
                                               {"path", request.path},
                                               {"query", query},
                                               {"body", request.body},
                                               {"request_id", request.request_id},
                                               {"remote", request.remote_address}});
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options, Handler handler = Echo) {
    options.metrics = &registry_;
    server_ = std::make_unique<Server>(std::move(options), std::move(handler));
    Status status = server_->Start();
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_NE(server_->BoundPort(), 0);
  }

  beast::tcp_stream Connect() {
    beast::tcp_stream stream(ioc_);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->BoundPort()));
    return stream;
  }

  static ClientResponse RoundTrip(beast::tcp_stream& stream, bhttp::request<bhttp::string_body> request) {
    request.prepare_payload();
    bhttp::write(stream, request);
    beast::flat_buffer buffer;
    ClientResponse response;
    bhttp::read(stream, buffer, response);
    return response;
  }

  static bhttp::request<bhttp::string_body> Get(std::string target) {
    bhttp::request<bhttp::string_body> request(bhttp::verb::get, target, 11);
    request.set(bhttp::field::host, "localhost");
    return request;
  }

  // True if the peer closes within 5 s: a read returns EOF (or a reset) instead of data.
  bool ClosedByPeer(beast::tcp_stream& stream) {
    char byte;
    beast::error_code result;
    stream.expires_after(5s);
    stream.async_read_some(asio::buffer(&byte, 1), [&](const beast::error_code& ec, size_t) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result == asio::error::eof || result == asio::error::connection_reset;
  }

  // Polls the metrics: a request is recorded just after its response is written, which
  // may be after the client has read it.
  bool MetricsEventuallyContain(std::string_view text) {
    for (int i = 0; i < 100; ++i) {
      if (registry_.Render().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  asio::io_context ioc_;
  metrics::Registry registry_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, DecodesRequestAndSetsStandardHeaders) {
  StartServer({});
  auto stream = Connect();
  ClientResponse response = RoundTrip(stream, Get("/a%20b/c?x=1&y=hello+world&z=%C3%A9"));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response[bhttp::field::server], "aiipd");
  EXPECT_FALSE(response[bhttp::field::date].empty());
  EXPECT_EQ(response[bhttp::field::content_length], std::to_string(response.body().size()));
  EXPECT_EQ(response[bhttp::field::content_type], "application/json");
  auto body = boost::json::parse(response.body()).as_object();
  EXPECT_EQ(body.at("method"), "GET");
  EXPECT_EQ(body.at("path"), "/a b/c");
  EXPECT_EQ(body.at("query").at("y"), "hello world");
  EXPECT_EQ(body.at("query").at("z"), "\xC3\xA9");
  EXPECT_TRUE(body.at("remote").as_string().starts_with("127.0.0.1:"));
}

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  StartServer({});
  auto stream = Connect();
  ClientResponse first = RoundTrip(stream, Get("/one"));
  ClientResponse second = RoundTrip(stream, Get("/two"));
  EXPECT_EQ(first.result_int(), 200);
  EXPECT_EQ(second.result_int(), 200);
  EXPECT_TRUE(first.keep_alive());
  EXPECT_EQ(boost::json::parse(second.body()).at("path"), "/two");
  EXPECT_TRUE(
      MetricsEventuallyContain("http_requests_total{route=\"echo\",method=\"GET\",status=\"200\"} 2\n"))
      << registry_.Render();
  EXPECT_TRUE(MetricsEventuallyContain("http_request_duration_seconds_count{route=\"echo\"} 2\n"));
  EXPECT_TRUE(MetricsEventuallyContain("http_connections_open 1\n")) << registry_.Render();
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer({});
  auto stream = Connect();
  std::string two = "GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(stream, asio::buffer(two));
  beast::flat_buffer buffer;
  ClientResponse first, second;
  bhttp::read(stream, buffer, first);
  bhttp::read(stream, buffer, second);
  EXPECT_EQ(boost::json::parse(first.body()).at("path"), "/first");
  EXPECT_EQ(boost::json::parse(second.body()).at("path"), "/second");
}

TEST_F(ServerTest, GeneratesOrEchoesRequestIds) {
  StartServer({});
  auto stream = Connect();
  ClientResponse generated = RoundTrip(stream, Get("/"));
  std::string id(generated["X-Request-Id"]);
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(boost::json::parse(generated.body()).at("request_id").as_string(), id);

  auto valid = Get("/");
  valid.set("X-Request-Id", "client.id_1-A");
  EXPECT_EQ(RoundTrip(stream, valid)["X-Request-Id"], "client.id_1-A");

  for (std::string bad : {std::string("has space"), std::string(65, 'a'), std::string("a/b")}) {
    auto request = Get("/");
    request.set("X-Request-Id", bad);
    ClientResponse response = RoundTrip(stream, request);
    EXPECT_NE(response["X-Request-Id"], bad);
    EXPECT_EQ(response["X-Request-Id"].size(), 32u);
  }
}

TEST_F(ServerTest, ProblemResponsesCarryTheRequestId) {
  StartServer({});
  auto stream = Connect();
  auto request = Get("http://example.com/absolute-form");
  request.set("X-Request-Id", "abc");
  ClientResponse response = RoundTrip(stream, request);
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_EQ(response[bhttp::field::content_type], "application/problem+json");
  EXPECT_EQ(response["X-Request-Id"], "abc");
  auto body = boost::json::parse(response.body()).as_object();
  EXPECT_EQ(body.at("type"), "urn:aiip:problem:malformed-target");
  EXPECT_EQ(body.at("request_id"), "abc");
}

TEST_F(ServerTest, RejectsInvalidPercentEncoding) {
  StartServer({});
  auto stream = Connect();
  EXPECT_EQ(RoundTrip(stream, Get("/bad%zz")).result_int(), 400);
}

TEST_F(ServerTest, OversizedBodyIs413WithoutCallingTheHandler) {
  std::atomic<int> calls{0};
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options, [&](Request& r) {
    ++calls;
    return Echo(r);
  });
  {
    // Rejected from Content-Length alone, while the client is still uploading 2 MiB.
    auto stream = Connect();
    bhttp::request<bhttp::string_body> request(bhttp::verb::post, "/upload", 11);
    request.body() = std::string(2 << 20, 'x');
    ClientResponse response = RoundTrip(stream, request);
    EXPECT_EQ(response.result_int(), 413);
    EXPECT_FALSE(response.keep_alive());
    auto body = boost::json::parse(response.body()).as_object();
    EXPECT_EQ(body.at("type"), "urn:aiip:problem:payload-too-large");
    EXPECT_EQ(body.at("instance"), "/upload");
  }
  {
    // Chunked bodies have no Content-Length: the limit applies while reading.
    auto stream = Connect();
    std::string chunk(800, 'y');
    std::string wire =
        "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "320\r\n" +
        chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n";
    asio::write(stream, asio::buffer(wire));
    beast::flat_buffer buffer;
    ClientResponse response;
    bhttp::read(stream, buffer, response);
    EXPECT_EQ(response.result_int(), 413);
  }
  {
    auto stream = Connect();
    bhttp::request<bhttp::string_body> request(bhttp::verb::post, "/upload", 11);
    request.body() = std::string(1024, 'x');
    EXPECT_EQ(RoundTrip(stream, request).result_int(), 200);
  }
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(ServerTest, ExpectContinueGetsInterimResponse) {
  StartServer({});
  auto stream = Connect();
  std::string head = "POST /c HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
  asio::write(stream, asio::buffer(head));
  std::string received;
  size_t n = asio::read_until(stream, asio::dynamic_buffer(received), "\r\n\r\n");
  EXPECT_EQ(received.substr(0, n), "HTTP/1.1 100 Continue\r\n\r\n");
  received.erase(0, n);
  asio::write(stream, asio::buffer(std::string("hello")));
  beast::flat_buffer buffer;
  buffer.commit(asio::buffer_copy(buffer.prepare(received.size()), asio::buffer(received)));
  ClientResponse response;
  bhttp::read(stream, buffer, response);
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(boost::json::parse(response.body()).at("body"), "hello");
}

TEST_F(ServerTest, OversizedHeadersAre431) {
  StartServer({});
  auto stream = Connect();
  auto request = Get("/");
  request.set("X-Big", std::string(20'000, 'a'));
  ClientResponse response = RoundTrip(stream, request);
  EXPECT_EQ(response.result_int(), 431);
  EXPECT_EQ(boost::json::parse(response.body()).at("type"), "urn:aiip:problem:headers-too-large");
}

TEST_F(ServerTest, MalformedRequestIs400) {
  StartServer({});
  auto stream = Connect();
  asio::write(stream, asio::buffer(std::string("GET / HTTP/1.1\r\nBad Header\r\n\r\n")));
  beast::flat_buffer buffer;
  ClientResponse response;
  bhttp::read(stream, buffer, response);
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_TRUE(ClosedByPeer(stream));
}

TEST_F(ServerTest, ReadTimeoutClosesASlowClient) {
  ServerOptions options;
  options.read_timeout = 200ms;
  StartServer(options);
  auto stream = Connect();
  asio::write(stream, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n")));  // never ends
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(ClosedByPeer(stream));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(ServerTest, TricklingBytesDoesNotExtendTheReadTimeout) {
  ServerOptions options;
  options.read_timeout = 300ms;
  StartServer(options);
  auto stream = Connect();
  auto start = std::chrono::steady_clock::now();
  beast::error_code ec;
  asio::write(stream.socket(), asio::buffer(std::string("GET / HTTP/1.1\r\n")), ec);
  for (int i = 0; i < 40 && !ec; ++i) {
    asio::write(stream.socket(), asio::buffer("X-A: b\r\n", 8), ec);
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(ec || ClosedByPeer(stream));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(ServerTest, IdleKeepAliveConnectionsAreClosed) {
  ServerOptions options;
  options.idle_timeout = 200ms;
  StartServer(options);
  auto stream = Connect();
  EXPECT_EQ(RoundTrip(stream, Get("/")).result_int(), 200);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(ClosedByPeer(stream));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(ServerTest, Http10ClosesAfterTheResponse) {
  StartServer({});
  auto stream = Connect();
  auto request = Get("/old");
  request.version(10);
  request.set(bhttp::field::connection, "keep-alive");
  ClientResponse response = RoundTrip(stream, request);
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(ClosedByPeer(stream));
}

TEST_F(ServerTest, HandlerExceptionBecomes500) {
  StartServer({}, [](Request&) -> Response { throw std::runtime_error("boom"); });
  auto stream = Connect();
  ClientResponse response = RoundTrip(stream, Get("/"));
  EXPECT_EQ(response.result_int(), 500);
  auto body = boost::json::parse(response.body()).as_object();
  EXPECT_EQ(body.at("type"), "urn:aiip:problem:internal");
  EXPECT_EQ(body.at("detail"), "the request could not be completed");  // nothing leaks
  // The connection survives.
  EXPECT_EQ(RoundTrip(stream, Get("/")).result_int(), 500);
}

TEST_F(ServerTest, HandlerHeadersCannotInjectHeaders) {
  StartServer({}, [](Request& request) {
    Response response;
    response.status = request.path == "/empty" ? 204 : 201;
    response.SetHeader("location", std::string(request.Query("to").value_or("/x")));
    return response;
  });
  auto stream = Connect();
  ClientResponse fine = RoundTrip(stream, Get("/ok?to=/orgs/1"));
  EXPECT_EQ(fine.result_int(), 201);
  EXPECT_EQ(fine[bhttp::field::location], "/orgs/1");
  ClientResponse injected = RoundTrip(stream, Get("/ok?to=%0D%0ASet-Cookie:%20a=b"));
  EXPECT_EQ(injected.result_int(), 500);
  EXPECT_EQ(injected.count(bhttp::field::set_cookie), 0u);

  // 204 has no body and no Content-Length; the connection stays usable.
  ClientResponse empty = RoundTrip(stream, Get("/empty"));
  EXPECT_EQ(empty.result_int(), 204);
  EXPECT_EQ(empty.count(bhttp::field::content_length), 0u);
  EXPECT_EQ(RoundTrip(stream, Get("/ok")).result_int(), 201);
}

TEST_F(ServerTest, ConnectionLimitClosesExtraConnections) {
  ServerOptions options;
  options.max_connections = 1;
  StartServer(options);
  auto first = Connect();
  EXPECT_EQ(RoundTrip(first, Get("/")).result_int(), 200);
  auto second = Connect();
  EXPECT_TRUE(ClosedByPeer(second));
  EXPECT_EQ(RoundTrip(first, Get("/")).result_int(), 200);
}

TEST_F(ServerTest, StartFailsWithTheAddressWhenThePortIsTaken) {
  StartServer({});
  ServerOptions options;
  options.port = server_->BoundPort();
  Server second(options, Echo);
  Status status = second.Start();
  EXPECT_EQ(status.code(), Code::kUnavailable);
  EXPECT_NE(status.detail().find("127.0.0.1:" + std::to_string(options.port)), std::string::npos)
      << status.ToString();
}

TEST_F(ServerTest, GracefulShutdownFinishesInFlightRequests) {
  std::promise<void> entered;
  StartServer({}, [&](Request& request) {
    if (request.path == "/slow") {
      entered.set_value();
      std::this_thread::sleep_for(800ms);
    }
    return Echo(request);
  });
  auto idle = Connect();
  EXPECT_EQ(RoundTrip(idle, Get("/")).result_int(), 200);

  auto busy = Connect();
  auto request = Get("/slow");
  request.prepare_payload();
  bhttp::write(busy, request);
  entered.get_future().wait();

  auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] { server_->Shutdown(5s); });

  // New connections are refused while the slow request is still being handled.
  bool refused = false;
  while (!refused && std::chrono::steady_clock::now() - start < 700ms) {
    tcp::socket probe(ioc_);
    beast::error_code ec;
    probe.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->BoundPort()), ec);
    refused = ec == asio::error::connection_refused;
    if (!refused) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(refused);
  EXPECT_TRUE(ClosedByPeer(idle));  // idle keep-alive connections are closed at once

  beast::flat_buffer buffer;
  ClientResponse response;
  bhttp::read(busy, buffer, response);
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(boost::json::parse(response.body()).at("path"), "/slow");
  EXPECT_FALSE(response.keep_alive());
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

// A stream source that hands its sink to the test.
class CapturingSource final : public StreamSource {
 public:
  void Attach(std::shared_ptr<StreamSink> sink) override { attached_.set_value(std::move(sink)); }
  std::shared_ptr<StreamSink> WaitForSink() { return attached_.get_future().get(); }

 private:
  std::promise<std::shared_ptr<StreamSink>> attached_;
};

Response StreamingResponse(const std::shared_ptr<CapturingSource>& source) {
  Response response;
  response.content_type = "text/event-stream";
  response.body = ": hello\n\n";
  response.stream = source;
  return response;
}

TEST_F(ServerTest, StreamingResponseDeliversPushesInOrderUntilClosed) {
  auto source = std::make_shared<CapturingSource>();
  StartServer({}, [&](Request&) { return StreamingResponse(source); });
  auto stream = Connect();
  auto request = Get("/stream");
  request.prepare_payload();
  bhttp::write(stream, request);
  std::shared_ptr<StreamSink> sink = source->WaitForSink();
  std::thread pusher([sink] {
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(sink->Push("data: " + std::to_string(i) + "\n\n"));
    sink->Close();
  });
  std::string received;
  beast::error_code ec;
  stream.expires_after(5s);
  asio::read(stream, asio::dynamic_buffer(received), ec);  // until the server closes
  pusher.join();
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_NE(received.find("HTTP/1.1 200 OK\r\n"), std::string::npos);
  EXPECT_NE(received.find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_EQ(received.find("Content-Length"), std::string::npos);
  std::string expected = ": hello\n\n";
  for (int i = 0; i < 100; ++i) expected += "data: " + std::to_string(i) + "\n\n";
  EXPECT_EQ(received.substr(received.find("\r\n\r\n") + 4), expected);
  EXPECT_FALSE(sink->Open());
}

TEST_F(ServerTest, StreamingSinkClosesWhenTheClientGoesAway) {
  auto source = std::make_shared<CapturingSource>();
  StartServer({}, [&](Request&) { return StreamingResponse(source); });
  {
    auto stream = Connect();
    auto request = Get("/stream");
    request.prepare_payload();
    bhttp::write(stream, request);
    std::shared_ptr<StreamSink> sink = source->WaitForSink();
    EXPECT_TRUE(sink->Open());
    stream.close();
    bool closed = false;
    for (int i = 0; i < 200 && !closed; ++i) {
      std::this_thread::sleep_for(10ms);
      closed = !sink->Open();
    }
    EXPECT_TRUE(closed);
    EXPECT_FALSE(sink->Push("data: late\n\n"));
  }
}

TEST_F(ServerTest, ShutdownEndsStreamingResponses) {
  auto source = std::make_shared<CapturingSource>();
  StartServer({}, [&](Request&) { return StreamingResponse(source); });
  auto stream = Connect();
  auto request = Get("/stream");
  request.prepare_payload();
  bhttp::write(stream, request);
  std::shared_ptr<StreamSink> sink = source->WaitForSink();
  auto start = std::chrono::steady_clock::now();
  server_->Shutdown(5s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_FALSE(sink->Open());
}

TEST_F(ServerTest, ShutdownAfterGraceClosesStuckConnections) {
  ServerOptions options;
  options.read_timeout = 30s;
  StartServer(options);
  auto partial = Connect();
  asio::write(partial, asio::buffer(std::string("GET / HTTP/1.1\r\n")));  // mid-request
  std::this_thread::sleep_for(50ms);
  auto start = std::chrono::steady_clock::now();
  server_->Shutdown(200ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(ClosedByPeer(partial));
}

TEST_F(ServerTest, RunUntilSignalReturnsAfterSigterm) {
  StartServer({});
  // Ignored until RunUntilSignal installs its handler, so an early signal cannot kill us.
  std::signal(SIGTERM, SIG_IGN);
  std::atomic<bool> returned{false};
  std::thread sender([&] {
    std::this_thread::sleep_for(300ms);
    ::kill(::getpid(), SIGTERM);
    for (int i = 0; i < 50 && !returned; ++i) std::this_thread::sleep_for(100ms);
    if (!returned) server_->Shutdown(0ms);  // keep a lost signal from hanging the test
  });
  auto start = std::chrono::steady_clock::now();
  server_->RunUntilSignal(1s);
  returned = true;
  sender.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  tcp::socket probe(ioc_);
  beast::error_code ec;
  probe.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->BoundPort()), ec);
  EXPECT_EQ(ec, asio::error::connection_refused);
}

TEST_F(ServerTest, ShutdownElsewhereWakesRunUntilSignal) {
  StartServer({});
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    server_->Shutdown(1s);
  });
  server_->RunUntilSignal(1s);
  stopper.join();
}

// A self-signed P-256 certificate for "localhost", written as PEM files.
class TempTls {
 public:
  TempTls() {
    char pattern[] = "/tmp/aiip-tls-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"),
                               -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    FILE* f = std::fopen(cert_path().c_str(), "w");
    PEM_write_X509(f, cert);
    std::fclose(f);
    f = std::fopen(key_path().c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  ~TempTls() { std::filesystem::remove_all(dir_); }
  std::string cert_path() const { return dir_ + "/cert.pem"; }
  std::string key_path() const { return dir_ + "/key.pem"; }

 private:
  std::string dir_;
};

TEST_F(ServerTest, ServesTls) {
  TempTls files;
  ServerOptions options;
  options.tls = TlsOptions{files.cert_path(), files.key_path()};
  StartServer(options);

  asio::ssl::context client_ctx(asio::ssl::context::tls_client);
  client_ctx.load_verify_file(files.cert_path());
  client_ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(Connect(), client_ctx);
  stream.handshake(asio::ssl::stream_base::client);
  EXPECT_GE(SSL_version(stream.native_handle()), TLS1_2_VERSION);
  for (const char* path : {"/secure", "/again"}) {  // keep-alive over TLS
    auto request = Get(path);
    request.prepare_payload();
    bhttp::write(stream, request);
    beast::flat_buffer buffer;
    ClientResponse response;
    bhttp::read(stream, buffer, response);
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(boost::json::parse(response.body()).at("path"), path);
  }

  // TLS 1.1 and older are refused.
  asio::ssl::context old_ctx(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(old_ctx.native_handle(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(old_ctx.native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_security_level(old_ctx.native_handle(), 0);
  beast::ssl_stream<beast::tcp_stream> old(Connect(), old_ctx);
  beast::error_code ec;
  old.handshake(asio::ssl::stream_base::client, ec);
  EXPECT_TRUE(ec);
}

TEST_F(ServerTest, StartReportsUnreadableTlsFiles) {
  TempTls files;
  ServerOptions options;
  options.tls = TlsOptions{files.cert_path(), "/nonexistent/key.pem"};
  Server server(options, Echo);
  Status status = server.Start();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.detail().find("/nonexistent/key.pem"), std::string::npos) << status.ToString();
}

}  // namespace
}  // namespace aiip::http
