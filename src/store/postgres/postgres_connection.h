// PostgresConnection: a Connection on one libpq session. Internal to the store.
//
// Portable SQL is rewritten on the way in (`?` -> $n) and each distinct statement is
// prepared once per session under a generated name. Parameters travel typed by their
// Value: BIGINT, DOUBLE PRECISION and BYTEA in binary format, TEXT in text format, and NULL
// untyped for the server to infer from where it appears (so a NULL whose place gives no
// type, as in `? IS NULL`, needs a CAST). Results come back in text format and are mapped to Values by
// column type (integer types and BOOL -> int64, floats -> double, BYTEA -> Blob, integral
// NUMERIC such as SUM(bigint) -> int64, anything else -> text).
// Not thread-safe; the store serialises use.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/connection.h"

namespace aiip::store {

class PostgresConnection final : public Connection {
 public:
  // Connects to `url` (a libpq connection URI; connect_timeout defaults to 10 s).
  // `lock_timeout` bounds every lock wait, the counterpart of SQLite's busy timeout.
  // Returns kUnavailable if the server cannot be reached or refuses the session.
  static Result<std::unique_ptr<PostgresConnection>> Open(const std::string& url,
                                                          std::chrono::milliseconds lock_timeout);
  ~PostgresConnection() override;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  Status Exec(std::string_view sql, const std::vector<Value>& params) override;
  Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) override;
  int64_t ChangedRows() const override { return changed_rows_; }
  Dialect dialect() const override { return Dialect::kPostgres; }

  Status Begin(TxMode mode) override;
  Status Commit() override;
  Status Rollback() override;
  Status ExecDirect(std::string_view sql) override;
  bool Broken() const override { return PQstatus(conn_) == CONNECTION_BAD; }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  // Returns the name of the prepared statement for `sql` with these parameter types,
  // preparing it if needed.
  Result<std::string> Prepare(std::string_view sql, const std::vector<Value>& params);
  // Runs `sql`; collects result rows into `rows` unless it is null.
  Status Run(std::string_view sql, const std::vector<Value>& params, Rows* rows);

  PGconn* conn_;
  // Statement names keyed by SQL text plus the parameter type signature: a statement
  // prepared with an int8 parameter cannot later take bytes.
  std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> statements_;
  uint64_t next_statement_ = 0;
  int64_t changed_rows_ = 0;
};

}  // namespace aiip::store
