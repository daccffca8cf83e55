#include "store/sqlite/sqlite_connection.h"

#include <cctype>
#include <utility>

namespace aiip::store {
namespace {

// Statements are cached by SQL text. Code builds SQL from a fixed set of strings, but a
// few callers vary it (IN lists of different lengths), so the cache is bounded; when full
// it is simply emptied, which costs one re-prepare per statement still in use.
constexpr size_t kMaxCachedStatements = 256;

std::string Abbreviate(std::string_view sql) {
  constexpr size_t kMax = 200;
  return sql.size() <= kMax ? std::string(sql) : std::string(sql.substr(0, kMax)) + "...";
}

bool IsBlank(const char* s) {
  for (; *s != '\0'; ++s) {
    if (std::isspace(static_cast<unsigned char>(*s)) == 0) return false;
  }
  return true;
}

Status Bind(sqlite3_stmt* stmt, int index, const Value& value) {
  // SQLITE_STATIC is safe: Run keeps `value` alive until it clears the bindings.
  struct Binder {
    sqlite3_stmt* stmt;
    int i;
    int operator()(const Null&) const { return sqlite3_bind_null(stmt, i); }
    int operator()(int64_t v) const { return sqlite3_bind_int64(stmt, i, v); }
    int operator()(double v) const { return sqlite3_bind_double(stmt, i, v); }
    int operator()(const std::string& v) const {
      return sqlite3_bind_text64(stmt, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
    }
    int operator()(const Blob& v) const {
      // bind_blob with a null pointer would bind NULL, and an empty string's data() may be
      // anything; an empty BLOB must stay a BLOB.
      if (v.bytes.empty()) return sqlite3_bind_zeroblob(stmt, i, 0);
      return sqlite3_bind_blob64(stmt, i, v.bytes.data(), v.bytes.size(), SQLITE_STATIC);
    }
  };
  int rc = std::visit(Binder{stmt, index}, value);
  if (rc != SQLITE_OK) return Internal("cannot bind parameter " + std::to_string(index));
  return Status::Ok();
}

Value ColumnValue(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      return sqlite3_column_int64(stmt, i);
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt, i);
    case SQLITE_TEXT: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      int n = sqlite3_column_bytes(stmt, i);
      return std::string(text == nullptr ? "" : text, static_cast<size_t>(n));
    }
    case SQLITE_BLOB: {
      const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, i));
      int n = sqlite3_column_bytes(stmt, i);
      return Blob{data == nullptr ? std::string() : std::string(data, static_cast<size_t>(n))};
    }
    default:
      return Null{};
  }
}

// Splits "t.a, t.b" (the columns SQLite lists for a UNIQUE failure) into the table and
// column names.
bool ParseColumns(std::string_view list, std::string& table, std::vector<std::string>& columns) {
  while (!list.empty()) {
    size_t comma = list.find(", ");
    std::string_view item = list.substr(0, comma);
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 2);
    size_t dot = item.find('.');
    if (dot == std::string_view::npos) return false;
    std::string_view t = item.substr(0, dot);
    if (!table.empty() && table != t) return false;
    table = std::string(t);
    columns.emplace_back(item.substr(dot + 1));
  }
  return !columns.empty();
}

}  // namespace

Status SqliteConnection::Error(int rc, const std::string& msg, std::string_view sql) {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return ConstraintViolation(ConstraintName(rc, msg), msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable("database is busy: " + msg);
    default:
      return Internal("sqlite error " + std::to_string(rc) + ": " + msg + " in: " + Abbreviate(sql));
  }
}

std::string SqliteConnection::ConstraintName(int rc, std::string_view message) {
  // SQLite's messages are "<KIND> constraint failed: <what>".
  size_t colon = message.find(": ");
  if (colon == std::string_view::npos) return {};  // foreign keys: SQLite does not say which
  std::string_view what = message.substr(colon + 2);
  switch (rc) {
    case SQLITE_CONSTRAINT_CHECK:    // the constraint's name (or its expression if unnamed)
    case SQLITE_CONSTRAINT_NOTNULL:  // "table.column"
      return std::string(what);
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      break;
    default:
      return {};
  }
  if (what.starts_with("index '") && what.ends_with("'")) return std::string(what.substr(7, what.size() - 8));
  std::string table;
  std::vector<std::string> columns;
  if (!ParseColumns(what, table, columns)) return {};
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return table + "_pkey";
  // SQLite reports columns, PostgreSQL the index: find the unique index on exactly these
  // columns. Explicit indexes keep their name; constraints declared inline get the name
  // PostgreSQL would generate for them.
  Result<Rows> indexes = Query("SELECT name, origin FROM pragma_index_list(?) WHERE \"unique\" = 1", {table});
  if (!indexes) return {};
  for (const Row& index : *indexes) {
    Result<Rows> cols = Query("SELECT name FROM pragma_index_info(?) ORDER BY seqno", {index.At(0)});
    if (!cols || cols->size() != columns.size()) continue;
    bool same = true;
    for (size_t i = 0; i < columns.size() && same; ++i) same = (*cols)[i].At(0) == Value(columns[i]);
    if (!same) continue;
    const std::string& origin = index.Text(1);
    if (origin == "pk") return table + "_pkey";
    if (origin == "c") return index.Text(0);
    std::string name = table;
    for (const std::string& c : columns) name += "_" + c;
    return name + "_key";
  }
  return {};
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path, SqliteRole role,
                                                                 std::chrono::milliseconds busy_timeout) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Err(Unavailable("cannot open SQLite database " + path + ": " + msg));
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));

  auto configure = [&]() -> Status {
    if (role == SqliteRole::kWriter) {
      AIIP_ASSIGN_OR_RETURN(Rows mode, conn->Query("PRAGMA journal_mode=WAL", {}));
      // The pragma answers with the mode actually in effect; WAL can be refused (e.g. on
      // some network file systems), and without it readers would block the writer.
      if (mode.size() != 1 || mode[0].Text(0) != "wal") {
        return Unavailable("SQLite database " + path + " cannot use WAL journal mode");
      }
    }
    AIIP_RETURN_IF_ERROR(conn->ExecDirect("PRAGMA synchronous=FULL"));
    AIIP_RETURN_IF_ERROR(conn->ExecDirect("PRAGMA foreign_keys=ON"));
    if (role == SqliteRole::kReader) AIIP_RETURN_IF_ERROR(conn->ExecDirect("PRAGMA query_only=ON"));
    return Status::Ok();
  };
  if (Status s = configure(); !s.ok()) {
    return Err(
        s.code() == Code::kUnavailable ? s : Unavailable("cannot configure SQLite database: " + s.detail()));
  }
  return conn;
}

SqliteConnection::~SqliteConnection() {
  ClearCache();
  for (sqlite3_stmt* stmt : control_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

void SqliteConnection::ClearCache() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  statements_.clear();
}

Result<sqlite3_stmt*> SqliteConnection::Prepare(std::string_view sql) {
  if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
  if (statements_.size() >= kMaxCachedStatements) ClearCache();
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              &tail);
  if (rc != SQLITE_OK) return Err(Error(rc, sqlite3_errmsg(db_), sql));
  if (stmt == nullptr) return Err(Internal("empty SQL statement"));
  // `tail` points into `sql`, which need not be NUL-terminated; compare by position.
  std::string rest(tail, static_cast<size_t>(sql.data() + sql.size() - tail));
  if (!IsBlank(rest.c_str())) {
    sqlite3_finalize(stmt);
    return Err(Internal("more than one SQL statement in: " + Abbreviate(sql)));
  }
  statements_.emplace(std::string(sql), stmt);
  return stmt;
}

Status SqliteConnection::Run(std::string_view sql, const std::vector<Value>& params, Rows* rows) {
  changed_rows_ = 0;
  AIIP_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
  int expected = sqlite3_bind_parameter_count(stmt);
  if (static_cast<size_t>(expected) != params.size()) {
    return Internal("statement takes " + std::to_string(expected) + " parameters, got " +
                    std::to_string(params.size()) + ": " + Abbreviate(sql));
  }
  Status status;
  for (size_t i = 0; i < params.size() && status.ok(); ++i)
    status = Bind(stmt, static_cast<int>(i + 1), params[i]);

  int64_t changes_before = sqlite3_total_changes64(db_);
  int error_code = SQLITE_OK;
  std::string error_message;
  while (status.ok()) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      error_code = rc;
      error_message = sqlite3_errmsg(db_);
      break;
    }
    if (rows == nullptr) continue;
    int columns = sqlite3_column_count(stmt);
    std::vector<Value> values;
    values.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) values.push_back(ColumnValue(stmt, c));
    rows->emplace_back(std::move(values));
  }
  // sqlite3_changes() keeps the count of the last INSERT/UPDATE/DELETE even after other
  // statements; only trust it if this statement moved the connection's total.
  if (status.ok() && error_code == SQLITE_OK && sqlite3_total_changes64(db_) != changes_before) {
    changed_rows_ = sqlite3_changes64(db_);
  }
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  // Only now, with `stmt` done: naming a constraint runs statements that may evict it.
  if (error_code != SQLITE_OK) status = Error(error_code, error_message, sql);
  return status;
}

Status SqliteConnection::Exec(std::string_view sql, const std::vector<Value>& params) {
  return Run(sql, params, nullptr);
}

Result<Rows> SqliteConnection::Query(std::string_view sql, const std::vector<Value>& params) {
  Rows rows;
  AIIP_RETURN_IF_ERROR(Run(sql, params, &rows));
  return rows;
}

Status SqliteConnection::RunControl(Control control) {
  std::string_view sql = kControlSql[control];
  sqlite3_stmt*& stmt = control_[control];
  if (stmt == nullptr) {
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                nullptr);
    if (rc != SQLITE_OK) {
      stmt = nullptr;
      return Error(rc, sqlite3_errmsg(db_), sql);
    }
  }
  int rc = sqlite3_step(stmt);
  std::string message = rc == SQLITE_DONE ? std::string() : std::string(sqlite3_errmsg(db_));
  // Reset at once: a statement left active would keep its transaction state pinned.
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) return Error(rc, message, sql);
  return Status::Ok();
}

Status SqliteConnection::ExecDirect(std::string_view sql) {
  for (size_t i = 0; i < kControlCount; ++i) {
    if (sql == kControlSql[i]) return RunControl(static_cast<Control>(i));
  }
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(rc, sqlite3_errmsg(db_), sql);
  return Status::Ok();
}

Status SqliteConnection::Begin(TxMode mode) {
  // IMMEDIATE takes the write lock now, so a batch never fails halfway with SQLITE_BUSY
  // on its first write; DEFERRED lets the snapshot start at the first read.
  return RunControl(mode == TxMode::kWrite ? kBeginImmediate : kBeginDeferred);
}

Status SqliteConnection::Commit() { return RunControl(kCommit); }

Status SqliteConnection::Rollback() {
  // SQLite rolls a transaction back by itself after some errors (SQLITE_FULL, IOERR,
  // BUSY, NOMEM); then there is nothing left to undo.
  if (sqlite3_get_autocommit(db_) != 0) return Status::Ok();
  return RunControl(kRollback);
}

}  // namespace aiip::store
