// Test support for code that uses the Store: throwaway databases on both engines, so a
// module's tests can run the same suite against SQLite and PostgreSQL:
//
//   class FooTest : public ::testing::TestWithParam<store::testing::Backend> {};
//   TEST_P(FooTest, Works) {
//     auto store = store::testing::OpenTestStore(GetParam());
//     ASSERT_TRUE(store.has_value()) << store.error().ToString();
//     ...
//   }
//   INSTANTIATE_TEST_SUITE_P(Backends, FooTest, ::testing::ValuesIn(store::testing::TestBackends()),
//       [](const auto& info) { return store::testing::BackendName(info.param); });
//
// PostgreSQL runs only when AIIP_TEST_POSTGRES_URL names a server on which the URL's user
// may create databases (scripts/pg-test-cluster starts one). With AIIP_REQUIRE_POSTGRES=1
// and no URL, the PostgreSQL instances still exist and fail instead of silently vanishing.
//
// Inside namespace aiip::store, spell GoogleTest's namespace ::testing.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/store.h"

namespace aiip::store::testing {

enum class Backend { kSqlite, kPostgres };

// "Sqlite" or "Postgres": valid in GoogleTest parameter names.
std::string BackendName(Backend backend);

// Prints BackendName in GoogleTest messages.
void PrintTo(Backend backend, std::ostream* os);

// kSqlite, plus kPostgres if AIIP_TEST_POSTGRES_URL is set or AIIP_REQUIRE_POSTGRES=1.
std::vector<Backend> TestBackends();

// A fresh, empty database that is deleted (SQLite file) or dropped (PostgreSQL) when this
// object is destroyed. Every Store opened on it must be destroyed first. Not thread-safe.
class TestDatabase {
 public:
  // Creates the database: a new file in the temp directory, or a new database
  // "aiip_test_<random>" on the AIIP_TEST_POSTGRES_URL server. Returns
  // kFailedPrecondition("postgres-not-configured") if that variable is unset and
  // kUnavailable if the server cannot be reached.
  static Result<std::unique_ptr<TestDatabase>> Create(Backend backend);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  Backend backend() const { return backend_; }
  // The url to put in StoreOptions to open this database.
  const std::string& url() const { return url_; }

 private:
  TestDatabase(Backend backend, std::string url, std::string admin_url, std::string name)
      : backend_(backend), url_(std::move(url)), admin_url_(std::move(admin_url)), name_(std::move(name)) {}

  Backend backend_;
  std::string url_;
  std::string admin_url_;  // PostgreSQL: the server URL to drop the database through
  std::string name_;       // SQLite: the file path; PostgreSQL: the database name
};

// Opens a Store (with `options`, whose url is replaced, and the embedded migrations
// applied) on a new TestDatabase, which the returned Store owns: destroying the Store
// closes it and then deletes the database. Errors as TestDatabase::Create and Store::Open.
Result<std::unique_ptr<Store>> OpenTestStore(Backend backend, StoreOptions options = {});

}  // namespace aiip::store::testing
