#include "store/value.h"

#include <cstdio>
#include <cstdlib>

namespace aiip::store {
namespace {

// A type mismatch means the code disagrees with the schema. Aborting (in release builds
// too, unlike assert) is safer than reading the wrong alternative of the variant.
[[noreturn]] void TypeMismatch(size_t column, const char* wanted) {
  std::fprintf(stderr, "aiip::store::Row: column %zu is not %s\n", column, wanted);
  std::abort();
}

}  // namespace

const std::string& Row::Text(size_t i) const {
  const auto* s = std::get_if<std::string>(&values_.at(i));
  if (s == nullptr) TypeMismatch(i, "TEXT");
  return *s;
}

std::optional<std::string> Row::OptionalText(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Text(i);
}

int64_t Row::Int(size_t i) const {
  const auto* v = std::get_if<int64_t>(&values_.at(i));
  if (v == nullptr) TypeMismatch(i, "an integer");
  return *v;
}

std::optional<int64_t> Row::OptionalInt(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Int(i);
}

double Row::Double(size_t i) const {
  const Value& v = values_.at(i);
  // Aggregates differ by engine: SUM over integers is INTEGER in SQLite and an integral
  // NUMERIC (read back as int64) in PostgreSQL, so an integer reads fine as a double.
  if (const auto* n = std::get_if<int64_t>(&v)) return static_cast<double>(*n);
  const auto* d = std::get_if<double>(&v);
  if (d == nullptr) TypeMismatch(i, "numeric");
  return *d;
}

const std::string& Row::BlobBytes(size_t i) const {
  const auto* b = std::get_if<Blob>(&values_.at(i));
  if (b == nullptr) TypeMismatch(i, "a BLOB");
  return b->bytes;
}

}  // namespace aiip::store
