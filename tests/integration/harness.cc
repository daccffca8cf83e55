#include "tests/integration/harness.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace aiip::testing {
namespace fs = std::filesystem;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::vector<Backend> IntegrationBackends() {
  std::vector<Backend> out{Backend::kSqlite};
  const char* url = std::getenv("AIIP_TEST_POSTGRES_URL");
  if (url != nullptr && *url != '\0') {
    out.push_back(Backend::kPostgres);
  } else if (const char* req = std::getenv("AIIP_REQUIRE_POSTGRES"); req != nullptr && std::string(req) == "1") {
    // Registering the backend anyway makes every PostgreSQL case fail loudly instead of
    // silently testing SQLite only.
    out.push_back(Backend::kPostgres);
  }
  return out;
}

std::string BackendName(Backend backend) { return backend == Backend::kSqlite ? "sqlite" : "postgres"; }

fs::path BinaryPath(const std::string& name) { return fs::path(AIIP_BINARY_DIR) / "bin" / name; }
fs::path SourcePath(const std::string& relative) { return fs::path(AIIP_SOURCE_DIR) / relative; }

namespace {
std::string RandomSuffix() {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 12; ++i) out += "abcdefghijklmnopqrstuvwxyz0123456789"[rd() % 36];
  return out;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ExecSql(const std::string& url, const std::string& sql, std::string* error) {
  PGconn* conn = PQconnectdb(url.c_str());
  bool ok = PQstatus(conn) == CONNECTION_OK;
  if (ok) {
    PGresult* res = PQexec(conn, sql.c_str());
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok && error != nullptr) *error = PQresultErrorMessage(res);
    PQclear(res);
  } else if (error != nullptr) {
    *error = PQerrorMessage(conn);
  }
  PQfinish(conn);
  return ok;
}

// Replaces the database name (the path) of a postgresql:// URL.
std::string WithDatabase(const std::string& url, const std::string& db) {
  auto scheme_end = url.find("://");
  auto path = url.find('/', scheme_end + 3);
  auto query = url.find('?', scheme_end + 3);
  std::string base = url.substr(0, path == std::string::npos ? query : path);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return base + "/" + db + rest;
}
}  // namespace

std::unique_ptr<ScratchDatabase> ScratchDatabase::Create() {
  const char* url = std::getenv("AIIP_TEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') {
    ADD_FAILURE() << "AIIP_TEST_POSTGRES_URL is not set but PostgreSQL tests are required";
    return nullptr;
  }
  auto db = std::unique_ptr<ScratchDatabase>(new ScratchDatabase());
  db->admin_url_ = url;
  db->name_ = "aiip_it_" + RandomSuffix();
  std::string error;
  if (!ExecSql(db->admin_url_, "CREATE DATABASE " + db->name_, &error)) {
    ADD_FAILURE() << "cannot create database: " << error;
    return nullptr;
  }
  db->url_ = WithDatabase(db->admin_url_, db->name_);
  return db;
}

ScratchDatabase::~ScratchDatabase() {
  ExecSql(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)", nullptr);
}

NodeProcess::NodeProcess(Backend backend) : backend_(backend) {
  data_dir_ = fs::temp_directory_path() / ("aiip-it-" + RandomSuffix());
  fs::create_directories(data_dir_);
  if (backend_ == Backend::kPostgres) database_ = ScratchDatabase::Create();
}

NodeProcess::~NodeProcess() {
  if (pid_ > 0) Kill();
  std::error_code ec;
  fs::remove_all(data_dir_, ec);
}

void NodeProcess::Start(const std::vector<std::string>& extra_args) {
  ASSERT_TRUE(backend_ == Backend::kSqlite || database_ != nullptr) << "no PostgreSQL database";
  fs::remove(data_dir_ / "aiipd.url");
  std::vector<std::string> args{BinaryPath("aiipd").string(), "--listen", "127.0.0.1:0", "--data-dir",
                                data_dir_.string()};
  if (database_) {
    args.push_back("--database");
    args.push_back(database_->url());
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = fork();
  ASSERT_GE(pid_, 0);
  if (pid_ == 0) {
    int log = ::open((data_dir_ / "aiipd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(log, 2);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string url = ReadFile(data_dir_ / "aiipd.url");
    while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.pop_back();
    if (!url.empty()) {
      url_ = url;
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      if (!expect_failure_) FAIL() << "aiipd exited during start-up with status " << status << ":\n" << Log();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL() << "aiipd did not start listening within 60 s:\n" << Log();
}

int NodeProcess::StartExpectingFailure() {
  expect_failure_ = true;
  Start();
  expect_failure_ = false;
  if (pid_ > 0) {
    Kill();
    return -1;
  }
  return exit_code_;
}

int NodeProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

void NodeProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string NodeProcess::AdminToken() const {
  std::string token = ReadFile(data_dir_ / "admin.token");
  while (!token.empty() && token.back() == '\n') token.pop_back();
  return token;
}

std::string NodeProcess::database_url() const { return database_ ? database_->url() : ""; }

std::unique_ptr<client::HttpClient> NodeProcess::Client(std::optional<std::string> token) const {
  client::ClientOptions options;
  options.server = url_;
  options.token = token.value_or(AdminToken());
  auto c = client::HttpClient::Create(options);
  EXPECT_TRUE(c.has_value()) << c.error().ToString();
  return c ? std::move(*c) : nullptr;
}

std::string NodeProcess::Log() const { return ReadFile(data_dir_ / "aiipd.log"); }

RawResponse SendRaw(const std::string& url, const std::string& method, const std::string& target,
                    const std::map<std::string, std::string>& headers, const std::string& body) {
  RawResponse out;
  auto hostport = url.substr(url.find("://") + 3);
  auto colon = hostport.rfind(':');
  boost::asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  boost::system::error_code ec;
  auto results = resolver.resolve(hostport.substr(0, colon), hostport.substr(colon + 1), ec);
  if (ec) return out;
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(results, ec);
  if (ec) return out;
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, hostport);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(stream, buffer, parser, ec);
  if (ec && ec != http::error::end_of_stream) return out;
  auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    out.headers[name] = std::string(field.value());
  }
  out.body = res.body();
  return out;
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  CommandResult result;
  fs::path dir = fs::temp_directory_path() / ("aiip-cmd-" + RandomSuffix());
  fs::create_directories(dir);
  pid_t pid = fork();
  if (pid == 0) {
    int out = ::open((dir / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open((dir / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<std::string> args = argv;
    std::vector<char*> raw;
    for (auto& a : args) raw.push_back(a.data());
    raw.push_back(nullptr);
    ::execv(raw[0], raw.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadFile(dir / "out");
  result.err = ReadFile(dir / "err");
  fs::remove_all(dir);
  return result;
}

}  // namespace aiip::testing
