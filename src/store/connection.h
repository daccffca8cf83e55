// Connection: one open database session, the unit the store's writer thread and reader
// pool hand out. Internal to the store module; code above the store sees it only as a Tx.
//
// A Connection is a Tx plus the transaction control the store drives around user
// callbacks. Statements run through Exec/Query are prepared once per connection and
// cached by SQL text. Not thread-safe: the store guarantees one thread uses a connection
// at a time.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "common/status.h"
#include "store/store.h"

namespace aiip::store {

enum class TxMode {
  kWrite,  // the group-commit transaction: takes the write lock up front (SQLite)
  kRead,   // a read-only snapshot
};

class Connection : public Tx {
 public:
  // Starts a transaction. Returns the mapped database error on failure.
  [[nodiscard]] virtual Status Begin(TxMode mode) = 0;
  // Commits the open transaction. Returns OK only if the engine reports a durable commit
  // (PostgreSQL silently turns COMMIT of a failed transaction into ROLLBACK; that is an
  // error here).
  [[nodiscard]] virtual Status Commit() = 0;
  // Rolls back the open transaction, if any. Returns the database error on failure.
  [[nodiscard]] virtual Status Rollback() = 0;
  // Runs one parameterless statement outside the statement cache: savepoints and
  // migration DDL, which would otherwise pin cached plans to a schema about to change.
  // (SQLite keeps the fixed transaction-control texts prepared on the side, since the
  // group-commit writer runs them for every write.)
  [[nodiscard]] virtual Status ExecDirect(std::string_view sql) = 0;
  // True if the session is lost and the connection must be replaced before reuse.
  virtual bool Broken() const = 0;
};

// The Status for a violated constraint, in the form ViolatedConstraint() parses.
// `constraint` may be empty when the engine does not say (SQLite foreign keys).
Status ConstraintViolation(std::string_view constraint, std::string_view message);

// Opens a new connection to the store's database. Returns kUnavailable if it cannot be
// reached. Thread-safe.
using ConnectionFactory = std::function<Result<std::unique_ptr<Connection>>()>;

}  // namespace aiip::store
