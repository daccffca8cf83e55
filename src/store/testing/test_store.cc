#include "store/testing/test_store.h"

#include <libpq-fe.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "common/encoding.h"
#include "common/log.h"
#include "common/random.h"

namespace aiip::store::testing {
namespace {

std::string PostgresUrl() {
  const char* url = std::getenv("AIIP_TEST_POSTGRES_URL");
  return url != nullptr ? url : "";
}

bool PostgresRequired() {
  const char* required = std::getenv("AIIP_REQUIRE_POSTGRES");
  return required != nullptr && std::string_view(required) == "1";
}

std::string RandomSuffix() {
  std::array<uint8_t, 8> bytes{};
  SecureRandom().Fill(bytes);
  return HexEncode(bytes);
}

// Returns `url` (a libpq URI) with its database path replaced by `database`.
std::string WithDatabase(const std::string& url, const std::string& database) {
  size_t authority = url.find("://");
  authority = authority == std::string::npos ? 0 : authority + 3;
  size_t path = url.find_first_of("/?", authority);
  if (path == std::string::npos) return url + "/" + database;
  size_t query = url.find('?', path);
  return url.substr(0, path) + "/" + database + (query == std::string::npos ? "" : url.substr(query));
}

// Runs one statement as the server's admin user.
Status AdminExec(const std::string& admin_url, const std::string& sql) {
  PGconn* conn = PQconnectdb(admin_url.c_str());
  Status status;
  if (PQstatus(conn) != CONNECTION_OK) {
    status = Unavailable("cannot connect to AIIP_TEST_POSTGRES_URL: " + std::string(PQerrorMessage(conn)));
  } else {
    PGresult* res = PQexec(conn, sql.c_str());
    if (PQresultStatus(res) != PGRES_COMMAND_OK) status = Internal(sql + ": " + PQresultErrorMessage(res));
    PQclear(res);
  }
  PQfinish(conn);
  return status;
}

// Owns the database under the Store it decorates, and deletes it after the Store.
class OwningStore final : public Store {
 public:
  OwningStore(std::unique_ptr<TestDatabase> db, std::unique_ptr<Store> store)
      : db_(std::move(db)), store_(std::move(store)) {}
  ~OwningStore() override { store_.reset(); }  // before db_ goes

  Status Read(const std::function<Status(Tx&)>& fn) override { return store_->Read(fn); }
  Status Write(const std::function<Status(Tx&)>& fn) override { return store_->Write(fn); }
  void SetBatchObserver(BatchObserver* observer) override { store_->SetBatchObserver(observer); }
  int SchemaVersion() const override { return store_->SchemaVersion(); }
  Dialect dialect() const override { return store_->dialect(); }
  StoreTimings Timings() const override { return store_->Timings(); }
  void Close() override { store_->Close(); }

 private:
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
};

}  // namespace

std::string BackendName(Backend backend) { return backend == Backend::kSqlite ? "Sqlite" : "Postgres"; }

void PrintTo(Backend backend, std::ostream* os) { *os << BackendName(backend); }

std::vector<Backend> TestBackends() {
  std::vector<Backend> backends{Backend::kSqlite};
  if (!PostgresUrl().empty() || PostgresRequired()) backends.push_back(Backend::kPostgres);
  return backends;
}

Result<std::unique_ptr<TestDatabase>> TestDatabase::Create(Backend backend) {
  std::string name = "aiip_test_" + RandomSuffix();
  if (backend == Backend::kSqlite) {
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
    if (ec) return Err(Unavailable("no temp directory: " + ec.message()));
    std::string path = (dir / (name + ".db")).string();
    return std::unique_ptr<TestDatabase>(new TestDatabase(backend, "sqlite:" + path, "", path));
  }
  std::string admin_url = PostgresUrl();
  if (admin_url.empty()) {
    return Err(
        FailedPrecondition("postgres-not-configured",
                           "AIIP_TEST_POSTGRES_URL is not set (AIIP_REQUIRE_POSTGRES=1 demands PostgreSQL); "
                           "start a server with scripts/pg-test-cluster"));
  }
  AIIP_RETURN_IF_ERROR(AdminExec(admin_url, "CREATE DATABASE " + name));
  return std::unique_ptr<TestDatabase>(
      new TestDatabase(backend, WithDatabase(admin_url, name), admin_url, name));
}

TestDatabase::~TestDatabase() {
  if (backend_ == Backend::kSqlite) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(name_ + suffix, ec);
    return;
  }
  // FORCE ends sessions a crashed test may have left behind.
  Status status = AdminExec(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  if (!status.ok())
    log::Warn("cannot drop test database", {{"database", name_}, {"error", status.ToString()}});
}

Result<std::unique_ptr<Store>> OpenTestStore(Backend backend, StoreOptions options) {
  AIIP_ASSIGN_OR_RETURN(std::unique_ptr<TestDatabase> db, TestDatabase::Create(backend));
  options.url = db->url();
  AIIP_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open(options));
  return std::unique_ptr<Store>(std::make_unique<OwningStore>(std::move(db), std::move(store)));
}

}  // namespace aiip::store::testing
