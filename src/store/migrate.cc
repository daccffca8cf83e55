#include "store/migrate.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "common/clock.h"
#include "common/log.h"
#include "common/time.h"
#include "store/sql_text.h"

namespace aiip::store::migrations {
// Generated from src/store/migrations/*.sql by cmake/embed.cmake.
extern const aiip::EmbeddedFile kFiles[];
extern const std::size_t kFileCount;
}  // namespace aiip::store::migrations

namespace aiip::store {
namespace {

// pg_advisory_xact_lock key shared by every AIIP node: "AIIPMIGR" in ASCII.
constexpr int64_t kMigrationLockKey = 0x414949504d494752;

Status Lock(Connection& conn) {
  // On SQLite, BEGIN IMMEDIATE already excludes every other writer of the file.
  if (conn.dialect() != Dialect::kPostgres) return Status::Ok();
  return conn.Exec("SELECT pg_advisory_xact_lock(?)", {kMigrationLockKey});
}

// Runs `body` in a transaction on `conn`, committing if it returns OK.
template <typename Body>
Status InTransaction(Connection& conn, TxMode mode, Body&& body) {
  AIIP_RETURN_IF_ERROR(conn.Begin(mode));
  Status status = body();
  if (status.ok()) status = conn.Commit();
  // The first error is the one to report; a failed rollback only means the session is
  // already gone.
  if (!status.ok()) static_cast<void>(conn.Rollback());
  return status;
}

Result<bool> SchemaTableExists(Connection& conn) {
  const char* sql =
      conn.dialect() == Dialect::kSqlite
          ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
          : "SELECT COUNT(*) FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name = 'schema_migrations'";
  AIIP_ASSIGN_OR_RETURN(Rows rows, conn.Query(sql, {}));
  return rows.at(0).Int(0) > 0;
}

Status Apply(Connection& conn, const Migration& m) {
  AIIP_RETURN_IF_ERROR(Lock(conn));
  // Another node may have applied it while this one waited for the lock.
  AIIP_ASSIGN_OR_RETURN(Rows done,
                        conn.Query("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", {m.version}));
  if (done.at(0).Int(0) > 0) return Status::Ok();
  for (const std::string& statement : SplitStatements(m.sql)) {
    AIIP_RETURN_IF_ERROR(
        conn.ExecDirect(conn.dialect() == Dialect::kPostgres ? ToPostgresTypes(statement) : statement));
  }
  return conn.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                   {m.version, m.name, FormatRfc3339(SystemClock().Now())});
}

}  // namespace

std::span<const EmbeddedFile> EmbeddedMigrations() { return {migrations::kFiles, migrations::kFileCount}; }

Result<std::vector<Migration>> ParseMigrations(std::span<const EmbeddedFile> files) {
  std::vector<Migration> out;
  for (const EmbeddedFile& f : files) {
    std::string_view name = f.name;
    size_t digits = 0;
    while (digits < name.size() && std::isdigit(static_cast<unsigned char>(name[digits])) != 0) ++digits;
    int64_t version = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + digits, version);
    bool well_formed = digits > 0 && ec == std::errc() && version >= 1 && digits + 1 < name.size() &&
                       name[digits] == '_' && name.ends_with(".sql") && name.size() > digits + 1 + 4;
    if (!well_formed) return Err(Internal("migration file name is not NNNN_name.sql: " + std::string(name)));
    out.push_back(Migration{version, std::string(name), f.contents});
  }
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].version == out[i - 1].version) {
      return Err(Internal("migrations " + out[i - 1].name + " and " + out[i].name + " share a version"));
    }
  }
  return out;
}

Result<int64_t> Migrate(Connection& conn, std::span<const EmbeddedFile> files, bool apply) {
  AIIP_ASSIGN_OR_RETURN(std::vector<Migration> known, ParseMigrations(files));
  int64_t newest_known = known.empty() ? 0 : known.back().version;

  std::set<int64_t> applied;
  Status status = InTransaction(conn, apply ? TxMode::kWrite : TxMode::kRead, [&]() -> Status {
    if (apply) {
      AIIP_RETURN_IF_ERROR(Lock(conn));
      AIIP_RETURN_IF_ERROR(
          conn.ExecDirect("CREATE TABLE IF NOT EXISTS schema_migrations ("
                          "version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"));
    } else {
      AIIP_ASSIGN_OR_RETURN(bool exists, SchemaTableExists(conn));
      if (!exists) return Status::Ok();
    }
    AIIP_ASSIGN_OR_RETURN(Rows rows, conn.Query("SELECT version FROM schema_migrations", {}));
    for (const Row& row : rows) applied.insert(row.Int(0));
    return Status::Ok();
  });
  AIIP_RETURN_IF_ERROR(status);

  int64_t current = applied.empty() ? 0 : *applied.rbegin();
  if (current > newest_known) {
    return Err(FailedPrecondition(
        "schema-too-new", "the database schema is at version " + std::to_string(current) +
                              " but this build knows versions up to " + std::to_string(newest_known)));
  }
  if (!apply) return current;

  for (const Migration& m : known) {
    if (applied.contains(m.version)) continue;
    status = InTransaction(conn, TxMode::kWrite, [&] { return Apply(conn, m); });
    if (!status.ok()) {
      return Err(Status(status.code(), status.type(), "migration " + m.name + " failed: " + status.detail()));
    }
    log::Info("applied schema migration", {{"migration", m.name}});
  }
  return newest_known;
}

}  // namespace aiip::store
