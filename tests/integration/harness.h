// Test harness for end-to-end tests: runs the real `aiipd` binary as a child process on
// 127.0.0.1 port 0 with a temporary data directory (SQLite) or a fresh PostgreSQL database,
// and talks to it over HTTP — through the project's client library, or with raw requests
// for inputs the client would never produce (malformed JSON, oversized bodies).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/http_client.h"

namespace aiip::testing {

enum class Backend { kSqlite, kPostgres };
std::vector<Backend> IntegrationBackends();
std::string BackendName(Backend backend);

// A PostgreSQL database created for one test and dropped by the destructor.
class ScratchDatabase {
 public:
  // Creates the database on the server named by AIIP_TEST_POSTGRES_URL.
  static std::unique_ptr<ScratchDatabase> Create();
  ~ScratchDatabase();
  const std::string& url() const { return url_; }

 private:
  std::string admin_url_, name_, url_;
};

class NodeProcess {
 public:
  // Prepares a node with a fresh data directory; for kPostgres also a fresh database.
  explicit NodeProcess(Backend backend);
  ~NodeProcess();  // SIGKILLs a running child and removes the data directory

  // Starts aiipd with `extra_args` and waits until it listens (reads DIR/aiipd.url).
  // Fails the calling test (gtest ASSERT) on timeout.
  void Start(const std::vector<std::string>& extra_args = {});
  // Starts aiipd expecting it to refuse: returns its exit code if it exits before
  // listening (within 60 s), or -1 after killing it if it started listening instead.
  int StartExpectingFailure();
  // SIGTERM and wait; returns the exit status.
  int Stop();
  // SIGKILL and wait.
  void Kill();

  const std::string& url() const { return url_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  std::string AdminToken() const;
  std::string database_url() const;
  // A client for this node with `token` (default: the admin token).
  std::unique_ptr<client::HttpClient> Client(std::optional<std::string> token = std::nullopt) const;
  // The node's stderr (JSON log lines) so far.
  std::string Log() const;

 private:
  Backend backend_;
  std::unique_ptr<ScratchDatabase> database_;
  std::filesystem::path data_dir_;
  std::string url_;
  pid_t pid_ = -1;
  bool expect_failure_ = false;
  int exit_code_ = 0;
};

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};
// Sends one raw HTTP/1.1 request to `url` (http://host:port) and returns the answer.
RawResponse SendRaw(const std::string& url, const std::string& method, const std::string& target,
                    const std::map<std::string, std::string>& headers, const std::string& body);

// Runs `argv` (argv[0] is a path), returns {exit status, stdout, stderr}.
struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};
CommandResult RunCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});

std::filesystem::path BinaryPath(const std::string& name);
std::filesystem::path SourcePath(const std::string& relative);

}  // namespace aiip::testing
