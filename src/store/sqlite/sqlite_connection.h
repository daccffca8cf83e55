// SqliteConnection: a Connection on one SQLite database file. Internal to the store.
//
// Every connection runs with foreign_keys=ON, synchronous=FULL (a COMMIT returns only after
// the WAL is fsync'd, so an acknowledged write survives a crash or power loss) and the
// store's busy timeout; the writer also switches the file to WAL so readers never block it.
// Not thread-safe (opened with SQLITE_OPEN_NOMUTEX; the store serialises use).
#pragma once

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/connection.h"

namespace aiip::store {

enum class SqliteRole {
  kWriter,  // may write; puts the file in WAL mode
  kReader,  // PRAGMA query_only: a Read callback cannot write by mistake
};

class SqliteConnection final : public Connection {
 public:
  // Opens (creating if needed) the database file at `path`. Returns kUnavailable if the
  // file cannot be opened or configured.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, SqliteRole role,
                                                        std::chrono::milliseconds busy_timeout);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Status Exec(std::string_view sql, const std::vector<Value>& params) override;
  Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) override;
  int64_t ChangedRows() const override { return changed_rows_; }
  Dialect dialect() const override { return Dialect::kSqlite; }

  Status Begin(TxMode mode) override;
  Status Commit() override;
  Status Rollback() override;
  // The transaction-control statements the store drives around every write (BEGIN,
  // COMMIT, ROLLBACK and the savepoint `w`: SAVEPOINT w, RELEASE w, ROLLBACK TO w) run as
  // prepared statements kept for the connection's lifetime; anything else runs through
  // sqlite3_exec, unprepared and uncached.
  Status ExecDirect(std::string_view sql) override;
  // SQLite has no session to lose; an I/O error surfaces on the statement itself.
  bool Broken() const override { return false; }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  // The statements that RunControl keeps prepared, by index into kControlSql.
  enum Control : size_t {
    kBeginImmediate,
    kBeginDeferred,
    kCommit,
    kRollback,
    kSavepoint,
    kRelease,
    kRollbackTo,
    kControlCount,
  };
  static constexpr std::array<std::string_view, kControlCount> kControlSql = {
      "BEGIN IMMEDIATE", "BEGIN DEFERRED", "COMMIT", "ROLLBACK", "SAVEPOINT w", "RELEASE w", "ROLLBACK TO w",
  };

  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  // Runs one transaction-control statement through its prepared statement (prepared on
  // first use; they take no parameters and return no rows).
  Status RunControl(Control control);
  Result<sqlite3_stmt*> Prepare(std::string_view sql);
  // Runs `sql`; collects result rows into `rows` unless it is null.
  Status Run(std::string_view sql, const std::vector<Value>& params, Rows* rows);
  void ClearCache();
  // Maps a failed call's result code (extended codes are on) to the store's error model.
  Status Error(int rc, const std::string& message, std::string_view sql);
  // Names the constraint behind an SQLITE_CONSTRAINT_* error as PostgreSQL would, or "".
  std::string ConstraintName(int rc, std::string_view message);

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*, StringHash, std::equal_to<>> statements_;
  // Not in statements_: that cache is emptied when full, these are needed for every write.
  std::array<sqlite3_stmt*, kControlCount> control_{};
  int64_t changed_rows_ = 0;
};

}  // namespace aiip::store
