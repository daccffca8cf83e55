#include "store/postgres/postgres_connection.h"

#include <bit>
#include <charconv>
#include <cstring>
#include <utility>

#include "common/encoding.h"
#include "common/log.h"
#include "store/sql_text.h"

namespace aiip::store {
namespace {

// Built-in type OIDs (catalog/pg_type_d.h, which libpq-dev does not ship). They are fixed
// by PostgreSQL's bootstrap catalog and never change.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

// See SqliteConnection: bounded because some callers vary their SQL text.
constexpr size_t kMaxCachedStatements = 256;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::string Abbreviate(std::string_view sql) {
  constexpr size_t kMax = 200;
  return sql.size() <= kMax ? std::string(sql) : std::string(sql.substr(0, kMax)) + "...";
}

std::string TrimNewlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Maps a failed libpq call (its result, or null if libpq returned none) to the store's
// error model.
Status PostgresError(PGconn* conn, const PGresult* res, std::string_view sql) {
  std::string msg = TrimNewlines(res != nullptr ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  if (msg.empty()) msg = TrimNewlines(PQerrorMessage(conn));
  if (PQstatus(conn) == CONNECTION_BAD) return Unavailable("lost connection to PostgreSQL: " + msg);
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view sqlstate = state != nullptr ? state : "";
  if (sqlstate == "23505" || sqlstate == "23503" || sqlstate == "23514" || sqlstate == "23502") {
    // The primary message, unlike the DETAIL field, carries no row values. NOT NULL
    // violations have no constraint name; "table.column" matches what SQLite reports.
    const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char* constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
    const char* table = PQresultErrorField(res, PG_DIAG_TABLE_NAME);
    const char* column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
    std::string name;
    if (constraint != nullptr) {
      name = constraint;
    } else if (table != nullptr && column != nullptr) {
      name = std::string(table) + "." + column;
    }
    return ConstraintViolation(name, primary != nullptr ? primary : msg);
  }
  // Serialization failures and deadlocks (class 40), lost or refused connections (08),
  // shutdown in progress (57P01-57P03), exhausted resources (53) and lock timeouts (55P03)
  // are all worth retrying later.
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate.starts_with("08") || sqlstate == "57P01" ||
      sqlstate == "57P02" || sqlstate == "57P03" || sqlstate.starts_with("53") || sqlstate == "55P03") {
    return Unavailable("PostgreSQL: " + msg);
  }
  return Internal("PostgreSQL error " + std::string(sqlstate) + ": " + msg + " in: " + Abbreviate(sql));
}

Oid ParamType(const Value& v) {
  if (std::holds_alternative<int64_t>(v)) return kInt8Oid;
  if (std::holds_alternative<double>(v)) return kFloat8Oid;
  if (std::holds_alternative<Blob>(v)) return kByteaOid;
  if (std::holds_alternative<std::string>(v)) return kTextOid;
  // NULL fits any column; the server infers its type from where it appears.
  return 0;
}

std::string BigEndian(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

template <typename T>
bool ParseNumber(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

Result<Value> ColumnValue(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col) != 0) return Null{};
  std::string_view text(PQgetvalue(res, row, col), static_cast<size_t>(PQgetlength(res, row, col)));
  switch (PQftype(res, col)) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      int64_t v = 0;
      if (!ParseNumber(text, v)) return Err(Internal("bad integer from PostgreSQL: " + std::string(text)));
      return v;
    }
    case kFloat4Oid:
    case kFloat8Oid: {
      double d = 0;
      if (!ParseNumber(text, d)) return Err(Internal("bad float from PostgreSQL: " + std::string(text)));
      return d;
    }
    case kNumericOid: {
      int64_t v = 0;
      if (ParseNumber(text, v)) return v;
      double d = 0;
      if (!ParseNumber(text, d)) return Err(Internal("bad numeric from PostgreSQL: " + std::string(text)));
      return d;
    }
    case kBoolOid:
      return int64_t{text == "t" ? 1 : 0};
    case kByteaOid: {
      // bytea_output defaults to hex ("\x0a1b..."); Open pins it so.
      if (!text.starts_with("\\x")) return Err(Internal("unexpected bytea encoding from PostgreSQL"));
      std::optional<std::string> bytes = HexDecode(text.substr(2));
      if (!bytes) return Err(Internal("bad bytea from PostgreSQL"));
      return Blob{std::move(*bytes)};
    }
    default:
      return std::string(text);
  }
}

void LogNotice(void*, const char* message) {
  log::Debug("postgres notice", {{"message", TrimNewlines(message)}});
}

}  // namespace

Result<std::unique_ptr<PostgresConnection>> PostgresConnection::Open(const std::string& url,
                                                                     std::chrono::milliseconds lock_timeout) {
  // libpq waits for a connection indefinitely by default, which would stall the writer's
  // reconnect for as long as the kernel's TCP timeout; the URL's own connect_timeout, which
  // comes later in the arrays, overrides this one.
  const char* const keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* const values[] = {"10", url.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (raw == nullptr) return Err(Unavailable("cannot allocate a PostgreSQL connection"));
  std::unique_ptr<PostgresConnection> conn(new PostgresConnection(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    return Err(Unavailable("cannot connect to PostgreSQL: " + TrimNewlines(PQerrorMessage(raw))));
  }
  PQsetNoticeProcessor(raw, LogNotice, nullptr);
  if (PQsetClientEncoding(raw, "UTF8") != 0) return Err(Unavailable("cannot set PostgreSQL client encoding"));
  std::string setup =
      "SET lock_timeout = " + std::to_string(lock_timeout.count()) + "; SET bytea_output = 'hex'";
  if (Status s = conn->ExecDirect(setup); !s.ok()) {
    return Err(s.code() == Code::kUnavailable
                   ? s
                   : Unavailable("cannot configure PostgreSQL session: " + s.detail()));
  }
  return conn;
}

PostgresConnection::~PostgresConnection() { PQfinish(conn_); }

Result<std::string> PostgresConnection::Prepare(std::string_view sql, const std::vector<Value>& params) {
  std::vector<Oid> types;
  types.reserve(params.size());
  std::string key(sql);
  key += '\0';
  for (const Value& v : params) {
    types.push_back(ParamType(v));
    key += std::to_string(types.back());
    key += ',';
  }
  if (auto it = statements_.find(key); it != statements_.end()) return it->second;

  int count = 0;
  std::string translated = ToPostgresPlaceholders(sql, &count);
  if (static_cast<size_t>(count) != params.size()) {
    return Err(Internal("statement takes " + std::to_string(count) + " parameters, got " +
                        std::to_string(params.size()) + ": " + Abbreviate(sql)));
  }
  // Prepared statements are session objects that survive ROLLBACK, so DEALLOCATE ALL is the
  // only way to bound them; in a failed transaction it cannot run, and the cache just grows
  // until the next chance.
  if (statements_.size() >= kMaxCachedStatements && ExecDirect("DEALLOCATE ALL").ok()) statements_.clear();
  std::string name = "aiip_" + std::to_string(++next_statement_);
  ResultPtr res(PQprepare(conn_, name.c_str(), translated.c_str(), count, types.data()));
  if (res == nullptr || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
    return Err(PostgresError(conn_, res.get(), sql));
  }
  statements_.emplace(std::move(key), name);
  return name;
}

Status PostgresConnection::Run(std::string_view sql, const std::vector<Value>& params, Rows* rows) {
  changed_rows_ = 0;
  AIIP_ASSIGN_OR_RETURN(std::string name, Prepare(sql, params));

  size_t n = params.size();
  std::vector<std::string> encoded(n);  // owns the binary encodings of numbers
  std::vector<const char*> values(n, nullptr);
  std::vector<int> lengths(n, 0);
  std::vector<int> formats(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const Value& v = params[i];
    if (const auto* x = std::get_if<int64_t>(&v)) {
      encoded[i] = BigEndian(static_cast<uint64_t>(*x));
    } else if (const auto* d = std::get_if<double>(&v)) {
      encoded[i] = BigEndian(std::bit_cast<uint64_t>(*d));
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      // Text-format parameters are C strings; PostgreSQL text cannot hold NUL anyway.
      if (s->find('\0') != std::string::npos) {
        return InvalidArgument("invalid-text",
                               "text parameter " + std::to_string(i + 1) + " contains a NUL byte");
      }
      values[i] = s->c_str();
      continue;
    } else if (const auto* b = std::get_if<Blob>(&v)) {
      values[i] = b->bytes.data();
      lengths[i] = static_cast<int>(b->bytes.size());
      formats[i] = 1;
      continue;
    } else {
      continue;  // NULL
    }
    values[i] = encoded[i].data();
    lengths[i] = 8;
    formats[i] = 1;
  }

  ResultPtr res(PQexecPrepared(conn_, name.c_str(), static_cast<int>(n), values.data(), lengths.data(),
                               formats.data(), 0));
  ExecStatusType st = res != nullptr ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return PostgresError(conn_, res.get(), sql);

  // PQcmdTuples also counts the rows of SELECT, FETCH and COPY; only DML changes rows.
  std::string_view tag = PQcmdStatus(res.get());
  if (tag.starts_with("INSERT ") || tag.starts_with("UPDATE ") || tag.starts_with("DELETE ") ||
      tag.starts_with("MERGE ")) {
    int64_t changed = 0;
    if (ParseNumber(std::string_view(PQcmdTuples(res.get())), changed)) changed_rows_ = changed;
  }
  if (rows == nullptr) return Status::Ok();
  int nrows = PQntuples(res.get());
  int ncols = PQnfields(res.get());
  rows->reserve(static_cast<size_t>(nrows));
  for (int r = 0; r < nrows; ++r) {
    std::vector<Value> row;
    row.reserve(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) {
      AIIP_ASSIGN_OR_RETURN(Value v, ColumnValue(res.get(), r, c));
      row.push_back(std::move(v));
    }
    rows->emplace_back(std::move(row));
  }
  return Status::Ok();
}

Status PostgresConnection::Exec(std::string_view sql, const std::vector<Value>& params) {
  return Run(sql, params, nullptr);
}

Result<Rows> PostgresConnection::Query(std::string_view sql, const std::vector<Value>& params) {
  Rows rows;
  AIIP_RETURN_IF_ERROR(Run(sql, params, &rows));
  return rows;
}

Status PostgresConnection::ExecDirect(std::string_view sql) {
  std::string text(sql);
  ResultPtr res(PQexec(conn_, text.c_str()));
  ExecStatusType st = res != nullptr ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return PostgresError(conn_, res.get(), sql);
  return Status::Ok();
}

Status PostgresConnection::Begin(TxMode mode) {
  // Writes run at READ COMMITTED whatever the server default: one writer per node already
  // serialises this node's writes, and conflicts with other nodes surface as constraint
  // violations or row-lock waits rather than serialization failures. Reads get one
  // snapshot for the whole callback.
  return ExecDirect(mode == TxMode::kWrite ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                                           : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
}

Status PostgresConnection::Commit() {
  ResultPtr res(PQexec(conn_, "COMMIT"));
  if (res == nullptr || PQresultStatus(res.get()) != PGRES_COMMAND_OK)
    return PostgresError(conn_, res.get(), "COMMIT");
  // COMMIT of a transaction that already failed "succeeds" with the tag ROLLBACK.
  if (std::strcmp(PQcmdStatus(res.get()), "COMMIT") != 0) {
    return Internal("PostgreSQL rolled the transaction back instead of committing it");
  }
  return Status::Ok();
}

Status PostgresConnection::Rollback() {
  if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return Status::Ok();
  return ExecDirect("ROLLBACK");
}

}  // namespace aiip::store
