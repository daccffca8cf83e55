// Values bound to and read from SQL statements, identical for SQLite and PostgreSQL.
// The portable column types map one to one: BIGINT <-> int64_t, DOUBLE PRECISION <->
// double, TEXT <-> std::string, BLOB (BYTEA) <-> Blob, SQL NULL <-> Null. Expressions
// read back the same way on both engines: PostgreSQL booleans as 0/1 and integral
// NUMERIC results (SUM over BIGINT) as int64_t. See doc/storage.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace aiip::store {

// Raw bytes (SQLite BLOB, PostgreSQL BYTEA); distinct from text.
struct Blob {
  std::string bytes;
  friend bool operator==(const Blob&, const Blob&) = default;
};

struct Null {
  friend bool operator==(const Null&, const Null&) = default;
};

using Value = std::variant<Null, int64_t, double, std::string, Blob>;

// Convenience: an optional string binds as NULL when empty.
inline Value OptionalText(const std::optional<std::string>& s) { return s ? Value(*s) : Value(Null{}); }

// One result row. Column accessors abort, in release builds too, on a type mismatch (a
// programmer error: the schema fixes the types), except that NULL reads as nullopt in the
// Optional* forms and Double also accepts an integer.
class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  size_t size() const { return values_.size(); }
  bool IsNull(size_t i) const { return std::holds_alternative<Null>(values_.at(i)); }
  const std::string& Text(size_t i) const;
  std::optional<std::string> OptionalText(size_t i) const;
  int64_t Int(size_t i) const;
  std::optional<int64_t> OptionalInt(size_t i) const;
  double Double(size_t i) const;
  const std::string& BlobBytes(size_t i) const;
  const Value& At(size_t i) const { return values_.at(i); }

 private:
  std::vector<Value> values_;
};

using Rows = std::vector<Row>;

}  // namespace aiip::store
