// Text-level rewriting of portable SQL (doc/storage.md) for the engine that runs it. The
// rewrites are lexical: they skip single-quoted literals, double-quoted identifiers and
// comments, but do not parse SQL. Internal to the store module; pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aiip::store {

// Returns `sql` with each `?` placeholder replaced by $1, $2, ... in order (PostgreSQL's
// syntax) and sets `*count` to the number of placeholders.
std::string ToPostgresPlaceholders(std::string_view sql, int* count);

// Returns migration DDL with the portable type name BLOB (a whole word, any case)
// replaced by PostgreSQL's BYTEA.
std::string ToPostgresTypes(std::string_view ddl);

// Splits a migration script into statements. A statement ends at a line whose last
// non-blank character is `;` (comment lines starting with `--` never end one); the `;` is
// dropped. Chunks holding only blanks and comments are skipped.
std::vector<std::string> SplitStatements(std::string_view script);

}  // namespace aiip::store
