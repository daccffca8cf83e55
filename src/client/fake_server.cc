#include "client/fake_server.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace aiip::client::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "FakeServer: %s\n", what);
  std::abort();
}

std::string ToPem(int (*write)(BIO*, void*), void* object) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr || write(bio, object) != 1) Die("PEM encoding failed");
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(length));
  BIO_free(bio);
  return pem;
}

}  // namespace

TestCertificate MakeTestCertificate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  if (key == nullptr || cert == nullptr) Die("key generation failed");
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("aiip test"),
                             -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  // The certificate is its own trust anchor in the tests, so it is marked as a CA.
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) Die("certificate extension failed");
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert, key, EVP_sha256()) == 0) Die("certificate signing failed");
  TestCertificate out;
  out.certificate_pem =
      ToPem([](BIO* b, void* c) { return PEM_write_bio_X509(b, static_cast<X509*>(c)); }, cert);
  out.private_key_pem = ToPem(
      [](BIO* b, void* k) {
        return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr, nullptr);
      },
      key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

class FakeServer::Impl {
 public:
  Impl(Handler handler, const TestCertificate* tls) : handler_(std::move(handler)), acceptor_(io_) {
    if (tls != nullptr) {
      tls_context_.emplace(ssl::context::tls_server);
      tls_context_->use_certificate_chain(asio::buffer(tls->certificate_pem));
      tls_context_->use_private_key(asio::buffer(tls->private_key_pem), ssl::context::pem);
    }
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, Accept(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  ~Impl() {
    io_.stop();
    thread_.join();
  }

  std::string url() const {
    return std::string(tls_context_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  }
  int port() const { return port_; }
  std::vector<FakeRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int connections() const { return connections_.load(); }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
      if (ec) co_return;
      ++connections_;
      if (tls_context_) {
        asio::co_spawn(io_, ServeTls(std::move(socket)), asio::detached);
      } else {
        asio::co_spawn(io_, Serve(beast::tcp_stream(std::move(socket))), asio::detached);
      }
    }
  }

  asio::awaitable<void> ServeTls(tcp::socket socket) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_context_);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kNoThrow);
    if (ec) co_return;
    co_await Serve(std::move(stream));
  }

  template <typename Stream>
  asio::awaitable<void> Serve(Stream stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      auto [read_ec, read_n] = co_await http::async_read(stream, buffer, request, kNoThrow);
      if (read_ec) co_return;
      FakeRequest seen{std::string(request.method_string()), std::string(request.target()),
                       std::string(request[http::field::authorization]),
                       std::string(request[http::field::content_type]), request.body()};
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(seen);
      }
      FakeResponse answer = handler_(seen);
      if (answer.delay.count() > 0) {
        asio::steady_timer timer(io_, answer.delay);
        co_await timer.async_wait(kNoThrow);
      }
      http::response<http::string_body> response{static_cast<http::status>(answer.status), 11};
      if (!answer.body.empty()) response.set(http::field::content_type, answer.content_type);
      response.body() = answer.body;
      response.keep_alive(!answer.close && request.keep_alive());
      response.prepare_payload();
      auto [write_ec, write_n] = co_await http::async_write(stream, response, kNoThrow);
      if (write_ec || !response.keep_alive() || answer.drop_after) co_return;
    }
  }

  Handler handler_;
  // Declared before io_ so that it outlives the coroutine frames io_ destroys.
  std::optional<ssl::context> tls_context_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<FakeRequest> requests_;
  std::atomic<int> connections_{0};
};

FakeServer::FakeServer(Handler handler, const TestCertificate* tls)
    : impl_(std::make_unique<Impl>(std::move(handler), tls)) {}
FakeServer::~FakeServer() = default;
std::string FakeServer::url() const { return impl_->url(); }
int FakeServer::port() const { return impl_->port(); }
std::vector<FakeRequest> FakeServer::requests() const { return impl_->requests(); }
int FakeServer::connections() const { return impl_->connections(); }

}  // namespace aiip::client::testing
