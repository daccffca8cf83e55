// Schema migrations: numbered SQL files compiled into the binary (src/store/migrations,
// "NNNN_name.sql", applied in numeric order) and the runner that brings a database up to
// date. The applied versions are recorded in
//   schema_migrations(version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL).
// Each migration runs in its own transaction, so a failing one leaves the schema at the
// previous version. On PostgreSQL the runner holds a transaction-scoped advisory lock, so
// nodes starting together apply each migration exactly once. Internal to the store module.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/embedded.h"
#include "common/status.h"
#include "store/connection.h"

namespace aiip::store {

struct Migration {
  int64_t version;
  std::string name;      // the file name, e.g. "0001_registry.sql"
  std::string_view sql;  // points into the EmbeddedFile it came from
};

// The migrations built into this binary (every src/store/migrations/*.sql). The span
// lives for the whole program.
std::span<const EmbeddedFile> EmbeddedMigrations();

// Validates file names ("<digits>_<name>.sql", versions >= 1 and unique) and returns the
// migrations sorted by version. Returns kInternal naming the first bad file.
Result<std::vector<Migration>> ParseMigrations(std::span<const EmbeddedFile> files);

// Brings the database on `conn` (idle, no open transaction) up to date with `files` if
// `apply` is true, and returns the schema version afterwards. Returns
// kFailedPrecondition("schema-too-new") if the database holds a version newer than any in
// `files`, and the database error of the migration that failed otherwise.
Result<int64_t> Migrate(Connection& conn, std::span<const EmbeddedFile> files, bool apply);

}  // namespace aiip::store
