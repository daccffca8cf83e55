// Store: the one storage interface of AIIP, with two implementations behind it — SQLite
// (embedded default: WAL, foreign keys, busy timeout) and PostgreSQL (libpq). Code above
// the store writes portable SQL (see doc/storage.md for the dialect rules: `?` placeholders,
// BIGINT/TEXT/BLOB/DOUBLE PRECISION types, no engine-specific functions) and runs it inside
// transactions obtained from the Store; the implementations translate what differs.
//
// Writes use group commit (as leveldb's write batching): concurrent `Write` calls are queued
// to one writer, which runs a batch of them inside a single database transaction — each in
// its own savepoint, so one failing write rolls back only itself — then commits once and
// wakes every caller. A `Write` that returns OK is durable (the commit has been fsync'd).
// Every mutating API request is exactly one `Write`: either all of it (with its audit entry)
// is stored, or none of it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/value.h"

namespace aiip::store {

enum class Dialect { kSqlite, kPostgres };

// A transaction handle. Valid only inside the callback it was passed to; not thread-safe.
// Errors from the database are mapped to Status: unique, foreign-key, check and not-null
// violations -> kConflict (type "constraint-violation"; ViolatedConstraint() names the
// constraint), a busy/locked or lost connection, deadlock or serialization failure ->
// kUnavailable, anything else -> kInternal.
//
// A failed statement ends the transaction's usefulness, as PostgreSQL does, on both
// engines: later statements in the same callback fail with kInternal, and a callback that
// returns OK after a failed statement fails with that statement's error. Use
// INSERT ... ON CONFLICT rather than trying an INSERT and recovering from the violation.
class Tx {
 public:
  virtual ~Tx() = default;
  // Runs a statement that returns no rows. `?` marks positional parameters.
  [[nodiscard]] virtual Status Exec(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Runs a statement and returns all its rows (use LIMIT for large tables).
  [[nodiscard]] virtual Result<Rows> Query(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Rows changed by the last Exec or Query (INSERT/UPDATE/DELETE, also with RETURNING);
  // 0 after any other statement.
  virtual int64_t ChangedRows() const = 0;
  virtual Dialect dialect() const = 0;
};

// Observes group-commit batches; the audit log uses it to sign one tree head per batch.
// Called on the writer thread, once per batch that ran at least one successful write:
// BeforeCommit, then AfterCommit or AfterRollback. A batch with no successful write is
// rolled back without calling the observer.
class BatchObserver {
 public:
  virtual ~BatchObserver() = default;
  // Inside the batch transaction, after the writes and before COMMIT. A non-OK status
  // aborts the whole batch (every write in it then fails with that status).
  [[nodiscard]] virtual Status BeforeCommit(Tx& tx) = 0;
  // After COMMIT succeeded.
  virtual void AfterCommit() = 0;
  // After the batch was rolled back because BeforeCommit, COMMIT or transaction control
  // failed. Also called, without BeforeCommit, if the batch broke before reaching it.
  virtual void AfterRollback() = 0;
};

struct StoreOptions {
  // "sqlite:PATH" (or a bare file path) for SQLite; "postgresql://..." or "postgres://..."
  // (any libpq connection URI) for PostgreSQL.
  std::string url;
  int reader_connections = 4;  // read pool size
  int max_batch = 512;         // writes per group commit at most
  std::chrono::milliseconds busy_timeout{5000};
  bool apply_migrations = true;  // bring the schema up to date on Open
};

struct StoreTimings {
  // Cumulative counters for /metrics. Durations in microseconds.
  uint64_t reads = 0, read_us = 0;
  uint64_t writes = 0, write_us = 0;    // Write() calls: enqueue to durable
  uint64_t commits = 0, commit_us = 0;  // batch COMMITs
  uint64_t write_failures = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens the database named by `options.url`, creating it (SQLite) if needed, and applies
  // pending migrations. Returns kUnavailable if the database cannot be reached,
  // kFailedPrecondition("schema-too-new") if it was migrated by a newer AIIP,
  // kInvalidArgument for an unusable url (e.g. ":memory:") or option, and the database
  // error of a migration that fails.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);

  // Runs `fn` in a read-only transaction on a pooled reader connection (a consistent
  // snapshot). Returns fn's status, or the database error. Thread-safe.
  [[nodiscard]] virtual Status Read(const std::function<Status(Tx&)>& fn) = 0;

  // Queues `fn` for the group-commit writer and blocks until its batch is durable or rolled
  // back. Returns OK only if fn returned OK and the batch committed; if fn fails, only fn's
  // effects are undone. Thread-safe. `fn` must not call Read or Write itself.
  // A kUnavailable result from a lost PostgreSQL connection during COMMIT leaves the outcome
  // unknown (the commit may have happened); retried writes must be idempotent.
  [[nodiscard]] virtual Status Write(const std::function<Status(Tx&)>& fn) = 0;

  // Registers the (single) batch observer; call before the first Write. Not owned.
  virtual void SetBatchObserver(BatchObserver* observer) = 0;

  // Latest applied schema version.
  virtual int SchemaVersion() const = 0;
  virtual Dialect dialect() const = 0;
  virtual StoreTimings Timings() const = 0;

  // Stops the writer after draining queued writes; blocks until it has. Further Writes
  // return kUnavailable; Reads keep working until the Store is destroyed. Idempotent and
  // thread-safe. The destructor calls it.
  virtual void Close() = 0;
};

// Returns the name of the violated constraint if `status` is a constraint violation from
// a Tx, else "". Names agree across engines: an explicitly named constraint or unique
// index keeps its name; inline ones get PostgreSQL's generated names ("<table>_pkey",
// "<table>_<columns>_key"); NOT NULL yields "<table>.<column>". SQLite does not report
// which foreign key failed, so for those the name is "" there.
std::string_view ViolatedConstraint(const Status& status);

}  // namespace aiip::store
